"""`tintuc search`, `tintuc stats` and `tintuc export`, run as a user runs them, on a crawled store.

One real crawl of the replica fills the store; every command runs through the real command line
(in this process: click's CliRunner; a pipe to `head` in a real shell), and its output is
checked against the store itself.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from storage import EXPORT_COLUMNS, Store
from storage.schema import VERSION
from tests.conftest import REPO
from tests.conftest import tintuc_here as tintuc

pytestmark = pytest.mark.e2e  # real crawls of the replica over HTTP, or the whole service

SEED = "20211124202628584"  # "Việt Nam và Nhật Bản đối thoại về chính sách môi trường"


@pytest.fixture(scope="module")
def store(crawled_db):
    with Store.open(crawled_db) as opened:
        yield opened


def search(db, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return tintuc("search", "--db", str(db), *args, check=check)


def search_json(db, *args: str) -> list[dict]:
    return [json.loads(line) for line in search(db, *args, "--json").stdout.splitlines()]


def ids(hits: list[dict]) -> list[str]:
    return [hit["site_id"] for hit in hits]


# -- search --------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["nhat ban", "Nhật Bản", "NHẬT BẢN", "nhật ban"])
def test_search_finds_the_same_articles_with_or_without_diacritics(crawled_db, query):
    hits = search_json(crawled_db, query, "--limit", "100")
    assert ids(hits) == ids(search_json(crawled_db, "nhat ban", "--limit", "100"))
    assert SEED in ids(hits) and len(hits) >= 20


@pytest.mark.parametrize("query", ["duong", "đường", "ĐƯỜNG"])
def test_search_ignores_d_stroke_and_snippets_keep_the_original_spelling(crawled_db, query):
    hits = search_json(crawled_db, query, "--limit", "100")
    assert ids(hits) == ids(search_json(crawled_db, "duong", "--limit", "100")) and hits
    marked = [hit["snippet"] for hit in hits if "**đường**" in hit["snippet"].lower()]
    assert marked, "the hit is shown as the site wrote it, đ and tones included"


def test_snippets_mark_the_matched_words_as_the_site_wrote_them(crawled_db):
    (best, *_) = search_json(crawled_db, "bien doi khi hau", "--topic", "environment")
    assert "**biến đổi khí hậu**" in best["snippet"].lower()
    assert "\x02" not in best["snippet"] and "\x03" not in best["snippet"]


@pytest.mark.parametrize("query", ["COP26", "khí-hậu", '"khi hau"', "cop*"])
def test_simple_queries_need_no_fts_syntax(crawled_db, query):
    hits = search_json(crawled_db, query, "--limit", "100")
    assert hits, query
    if query == "COP26":
        assert SEED in ids(hits)


def test_words_side_by_side_rank_first(crawled_db):
    """Vietnamese writes a word's syllables apart: "nhat ban" is Nhật Bản, not ủy ban + Nhật."""
    top = search_json(crawled_db, "nhat ban", "--limit", "5")
    assert all("**nhật bản**" in hit["snippet"].lower() for hit in top)


def test_search_filters_by_topic_and_date_and_limits(crawled_db, store):
    hits = search_json(crawled_db, "nhat ban", "--topic", "environment", "--since", "2024-06",
                       "--limit", "100")
    assert hits and all("environment" in hit["topics"] for hit in hits)
    assert all(hit["published"] >= "2024-06-01" for hit in hits)
    assert set(ids(hits)) < set(ids(search_json(crawled_db, "nhat ban", "--limit", "100")))
    assert set(ids(hits)) <= store.article_ids("environment")
    assert len(search_json(crawled_db, "nhat ban", "--limit", "3")) == 3


def test_search_text_output_says_how_many_match_and_shows_each_hit(crawled_db):
    out = search(crawled_db, "COP26").stdout
    assert out.startswith("1 article matches 'COP26':")
    assert "Việt Nam và Nhật Bản đối thoại về chính sách môi trường" in out
    assert f"-{SEED}.htm" in out and "**COP26**" in out and "environment · vietnam-japan" in out


def test_fts_syntax_is_available_with_the_fts_flag(crawled_db):
    both = ids(search_json(crawled_db, "--fts", '"nhat ban" AND (moi truong OR khi*)',
                           "--limit", "100"))
    without = ids(search_json(crawled_db, "--fts", '"nhat ban" NOT "moi truong"', "--limit", "100"))
    everything = ids(search_json(crawled_db, "--fts", '"nhat ban"', "--limit", "100"))
    assert both and without and set(both) | set(without) <= set(everything)
    assert SEED in both and SEED not in without  # its body says "môi trường"


@pytest.mark.parametrize("query", ['"unbalanced', "NEAR(nhat ban", "AND", "foo:bar", "(((", "*"])
def test_bad_fts_syntax_gets_a_one_line_message_never_a_traceback(crawled_db, query):
    result = search(crawled_db, "--fts", query, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: invalid search query")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "query", ['"unbalanced', "NEAR(nhat ban", "AND", "foo:bar", "(khí hậu))", "*x"]
)
def test_without_the_fts_flag_the_same_text_is_just_searched_for(crawled_db, query):
    assert search(crawled_db, query, check=False).returncode == 0


def test_a_query_with_nothing_to_search_for_says_so(crawled_db):
    result = search(crawled_db, " - ", check=False)
    assert result.returncode == 1
    assert result.stderr == "Error: nothing to search for in ' - ': type some words\n"


def test_user_input_reaches_sqlite_only_as_parameters(crawled_db, store):
    before = len(store.article_ids())
    for hostile in ("'; DROP TABLE articles; --", "x') OR 1=1 --"):
        assert search(crawled_db, hostile).returncode == 0
        assert search(crawled_db, "nhat", "--topic", hostile, check=False).returncode == 1
    assert len(store.article_ids()) == before


def test_an_unknown_topic_or_database_is_a_clear_error(crawled_db, tmp_path):
    result = search(crawled_db, "nhat ban", "--topic", "enviroment", check=False)
    assert result.returncode == 1
    assert result.stderr == (
        "Error: no articles in topic 'enviroment' (topics here: environment, vietnam-japan)\n"
    )
    missing = tmp_path / "typo.db"
    result = tintuc("search", "x", "--db", str(missing), check=False)
    assert result.returncode == 1 and "no database there" in result.stderr
    assert not missing.exists()
    result = search(crawled_db, "x", "--since", "last week", check=False)
    assert result.returncode == 2 and "is not a date" in result.stderr


# -- stats ---------------------------------------------------------------------------------------


def test_stats_counts_topics_categories_months_and_runs(crawled_db, store):
    stats = json.loads(tintuc("stats", "--db", str(crawled_db), "--months", "600", "--json").stdout)
    articles = len(store.article_ids())
    assert stats["articles"] == articles
    assert stats["topics"] == store.topic_counts()
    assert stats["without_topic"] == articles - len(store.article_ids("environment")
                                                    | store.article_ids("vietnam-japan"))
    assert sum(stats["categories"].values()) == articles
    assert sum(month["articles"] for month in stats["months"]) == articles
    for topic, count in store.topic_counts().items():
        assert sum(month["topics"].get(topic, 0) for month in stats["months"]) == count
    assert [(run["kind"], run["status"]) for run in stats["runs"]] == [("backfill", "ok"), ("crawl", "ok")]
    # The watcher's articles are in no run.
    assert 0 < sum(run["articles_new"] for run in stats["runs"]) <= articles
    pages, page_size = (store.db.conn.execute(f"PRAGMA {name}").fetchone()[0]
                        for name in ("page_count", "page_size"))
    assert stats["size_bytes"] == pages * page_size
    assert stats["schema_version"] == VERSION


def test_stats_text_report_reads_at_a_glance(crawled_db, store):
    out = tintuc("stats", "--db", str(crawled_db), "--months", "3").stdout
    first = out.splitlines()[0]
    assert first.startswith(f"{crawled_db}: {len(store.article_ids())} articles, ")
    assert " MiB (" in first and " bytes)" in first and first.endswith(f"schema version {VERSION}")
    for heading in ("Articles per topic", "Articles per category", "Articles per month",
                    "Last crawl runs"):
        assert heading in out
    environment = store.topic_counts()["environment"]
    assert any(line.split() == ["environment", str(environment)] for line in out.splitlines())
    months = out.split("Articles per month")[1].split("Last crawl runs")[0].strip()
    month_lines = months.splitlines()[1:]  # under the header line
    assert len(month_lines) == 3
    assert "#1 " in out and " ok in " in out


# -- export --------------------------------------------------------------------------------------


def test_csv_export_has_every_article_with_lists_as_json(crawled_db, store):
    out = tintuc("export", "--db", str(crawled_db), "--format", "csv").stdout
    table = list(csv.DictReader(io.StringIO(out)))
    assert tuple(table[0]) == EXPORT_COLUMNS
    assert {row["site_id"] for row in table} == store.article_ids()
    assert [row["published"] for row in table] == sorted(row["published"] for row in table)
    for row in table:
        article = store.article(row["site_id"])
        assert json.loads(row["tags"]) == article["tags"]
        assert json.loads(row["topics"]) == sorted(article["topics"])
        assert row["body_text"] == article["body_text"]


def test_jsonl_export_of_a_topic_since_a_date(crawled_db, store):
    out = tintuc("export", "--db", str(crawled_db), "--format", "jsonl",
                 "--topic", "vietnam-japan").stdout
    records = [json.loads(line) for line in out.splitlines()]
    assert {r["site_id"] for r in records} == store.article_ids("vietnam-japan")
    assert all(list(r) == list(EXPORT_COLUMNS) for r in records)
    assert all("vietnam-japan" in r["topics"] and isinstance(r["authors"], list) for r in records)
    recent = tintuc("export", "--db", str(crawled_db), "--format", "jsonl", "--topic",
                    "vietnam-japan", "--since", "2025-01-01").stdout.splitlines()
    assert 0 < len(recent) < len(records)
    assert all(json.loads(line)["published"] >= "2025-01-01" for line in recent)


def test_export_to_a_file_appears_only_when_complete(crawled_db, store, tmp_path):
    target = tmp_path / "all.jsonl"
    result = tintuc("export", "--db", str(crawled_db), "--format", "jsonl", "-o", str(target))
    count = len(store.article_ids())
    assert result.stdout == "" and result.stderr == f"{count} articles written to {target}\n"
    assert len(target.read_text(encoding="utf-8").splitlines()) == count
    assert [p.name for p in tmp_path.iterdir()] == ["all.jsonl"]


def test_export_streams_rows_one_at_a_time(store):
    rows = store.iter_export()
    assert isinstance(rows, Iterator)
    first = next(rows)
    assert list(first) == list(EXPORT_COLUMNS)
    rows.close()


def test_export_into_a_pipe_that_closes_early_ends_quietly(crawled_db):
    command = f"{sys.executable} -m tintuc.cli export --db {crawled_db} --format jsonl | head -n 1"
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert len(result.stdout.splitlines()) == 1 and result.returncode == 0
    assert "Traceback" not in result.stderr and "Error" not in result.stderr
