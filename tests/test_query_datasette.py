"""Datasette over the store: `tintuc browse` serves it, with our metadata, over real HTTP.

One real crawl of the replica fills a store named `archive.db` (not tintuc.db, so the metadata
has to follow the file's name); `tintuc browse --port 0` runs Datasette on it in a child
process, and every saved query of datasette.yaml must return rows.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import urllib.parse
import urllib.request

import pytest
import yaml
from click.testing import CliRunner

from storage import Store
from tests.conftest import REPO
from tintuc import browse
from tintuc.cli import cli

pytestmark = pytest.mark.e2e  # real crawls of the replica over HTTP, or the whole service

SEED = "20211124202628584"
METADATA = yaml.safe_load((REPO / "datasette.yaml").read_text(encoding="utf-8"))
QUERIES = METADATA["databases"]["tintuc"]["queries"]
PARAMETERS = {  # a value for each saved query's :parameters
    "search": {"q": "nhat ban"},
    "articles_by_tag": {"tag": "Biến đổi khí hậu"},
    "top_tags": {"topic": "environment"},
    "why_matched": {"site_id": SEED},
}


CRAWLED_DB_NAME = "archive.db"  # the metadata must follow the file name


@pytest.fixture(scope="module")
def server(crawled_db):
    """`tintuc browse` running; yields its base URL. Stopping it stops Datasette too."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tintuc.cli", "browse", "--db", str(crawled_db), "--port", "0"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    found = threading.Event()
    log: list[str] = []

    def drain() -> None:
        for line in process.stderr:
            log.append(line)
            if re.search(r"Uvicorn running on http://127\.0\.0\.1:\d+", line):
                found.set()

    threading.Thread(target=drain, daemon=True).start()
    try:
        assert found.wait(30), "Datasette did not start:\n" + "".join(log)
        port = re.search(r"127\.0\.0\.1:(\d+)", "".join(log)).group(1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        assert process.wait(15) in (0, 128 + 15)  # stopped cleanly, or by the SIGTERM sent
    with pytest.raises(OSError):  # Datasette stopped with it
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)


def get_json(server, path, **params):
    query = ("?" + urllib.parse.urlencode(params)) if params else ""
    with urllib.request.urlopen(server + path + query, timeout=10) as response:
        assert response.status == 200
        return json.load(response)


def test_datasette_serves_every_table_and_view(server, crawled_db):
    database = get_json(server, "/archive.json")
    tables = {table["name"]: table["count"] for table in database["tables"]}
    views = {view["name"] for view in database["views"]}
    with Store.open(crawled_db) as store:
        assert tables["articles"] == len(store.article_ids())
    assert {"article_topics", "article_tags", "crawl_runs", "fetch_state"} <= set(tables)
    assert views == {"articles_flat", "topic_articles", "tagged_articles", "topic_month_counts",
                     "crawl_history", "field_coverage"}


def test_the_metadata_describes_the_tables_under_the_files_own_name(server):
    metadata = get_json(server, "/-/metadata.json")
    tables = metadata["databases"]["archive"]["tables"]
    assert tables["articles"]["description"].startswith("One row per article")
    assert "ISO 8601" in tables["articles"]["columns"]["published"]
    assert set(tables) >= {"articles", "article_topics", "article_tags", "articles_flat"}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_saved_query_returns_rows_over_http(server, name):
    rows = get_json(server, f"/archive/{name}.json", _shape="array", **PARAMETERS.get(name, {}))
    assert rows, name


def test_every_saved_query_parameter_has_a_test_value():
    for name, query in QUERIES.items():
        assert set(re.findall(r":(\w+)", query["sql"])) == set(PARAMETERS.get(name, {})), name


@pytest.mark.parametrize("q", ["duong", "đường", "Đường"])
def test_the_search_query_ignores_diacritics_and_d_stroke(server, q):
    rows = get_json(server, "/archive/search.json", _shape="array", q=q)
    assert rows and any("đường" in (row["title"] + row["snippet"]).lower() for row in rows)


def test_the_search_query_with_nothing_typed_is_empty_not_an_error(server):
    assert get_json(server, "/archive/search.json", _shape="array", q="") == []


def test_articles_flat_is_faceted_by_topic_and_tag(server, crawled_db):
    page = get_json(server, "/archive/articles_flat.json", _size="1")
    facets = page["facet_results"]
    assert {"topics", "tags", "category", "month"} <= set(facets)
    counts = {result["value"]: result["count"] for result in facets["topics"]["results"]}
    with Store.open(crawled_db) as store:
        assert counts == store.topic_counts()


def test_the_articles_table_has_full_text_search(server):
    page = get_json(server, "/archive/articles.json", _search="nhat ban", _size="1")
    assert page["filtered_table_rows_count"] >= 10


def test_browse_without_datasette_says_how_to_install_it(crawled_db, monkeypatch):
    monkeypatch.setattr(browse, "datasette_installed", lambda: False)
    result = CliRunner().invoke(cli, ["browse", "--db", str(crawled_db)])
    assert result.exit_code == 1
    assert "pip install 'tintuc-feeds[browse]'" in result.output


def test_browse_of_a_missing_database_creates_nothing(tmp_path):
    result = CliRunner().invoke(cli, ["browse", "--db", str(tmp_path / "typo.db")])
    assert result.exit_code == 1 and "no database there" in result.output
    assert list(tmp_path.iterdir()) == []
