"""`tintuc runs` and `tintuc extract`: the operator's views of what the crawler saw."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from replica import load_corpus
from replica.routes import resolve
from replica.site import SiteState
from storage import Store
from tests.conftest import tintuc, tintuc_here

T0 = datetime(2026, 12, 3, 1, 0, tzinfo=timezone.utc)
SEED = "20211124202628584"


def test_runs_show_which_fields_came_from_fallbacks(tmp_path):
    db = tmp_path / "r.db"
    with Store.open(db) as store:
        run = store.start_run("http://x", now=T0)
        store.finish_run(run, {"pages": 40}, status="ok", now=T0, fields={
            "title": {"primary": 40}, "byline": {"primary": 3, "fallback": 37},
            "modified": {"fallback": 40}})
        quiet = store.start_run("http://x", now=T0)
        store.finish_run(quiet, {"pages": 40}, status="ok", now=T0, fields={"title": {"primary": 40}})
    out = tintuc_here("runs", "--db", str(db)).stdout
    assert "fields: every field of the 40 articles from its primary source" in out
    assert "fields: byline 3/40 primary (37 fallback)" in out
    as_json = [json.loads(line) for line in tintuc_here("runs", "--db", str(db), "--json").stdout.splitlines()]
    assert as_json[1]["fields"]["byline"] == {"primary": 3, "fallback": 37, "missing": 0}


@pytest.fixture(scope="module")
def saved_page(tmp_path_factory):
    """The start article as the replica renders it, saved to a file."""
    corpus = load_corpus()
    state = SiteState.build(corpus.categories, corpus.articles.values())
    path = tmp_path_factory.mktemp("saved") / "start-article.html"
    path.write_text(resolve(state, corpus.articles[SEED].path).body, encoding="utf-8")
    return path, corpus.articles[SEED]


def test_extract_shows_every_field_with_its_source_and_the_topics(saved_page):
    path, truth = saved_page
    report = json.loads(tintuc_here("extract", str(path), "--json").stdout)
    assert report["format"] == 1 and report["kind"] == "article" and report["url"] == truth.canonical_url
    fields = report["fields"]
    assert set(fields) == {"url", "title", "sapo", "published", "modified", "category", "tags", "byline",
                           "body", "lead_image"}
    assert fields["title"] == {"value": truth.title, "source": "current-template",
                               "detail": "h1.detail-title", "primary": True}
    assert fields["byline"]["value"]["persons"] == list(truth.authors)
    assert fields["byline"]["value"]["agency"] == "TTXVN"
    assert fields["tags"]["value"] == list(truth.tags) and fields["tags"]["source"] == "meta"
    assert fields["body"]["value"]["layout"] == "current"
    assert {t["topic"] for t in report["topics"]} == {"environment", "vietnam-japan"}
    assert all(t["terms"] and t["score"] > 0 for t in report["topics"])
    text = tintuc_here("extract", str(path)).stdout
    assert "from current-template h1.detail-title" in text and "topic       environment" in text


def test_extract_names_the_fallback_that_answered(saved_page, tmp_path):
    path, truth = saved_page
    moved = tmp_path / "moved.html"
    moved.write_text(path.read_text(encoding="utf-8").replace('class="detail-title"', 'class="headline"'),
                     encoding="utf-8")
    fields = json.loads(tintuc_here("extract", str(moved), "--json").stdout)["fields"]
    assert fields["title"]["value"] == truth.title
    assert (fields["title"]["source"], fields["title"]["primary"]) == ("meta", False)


def test_extract_refuses_a_file_without_an_article_in_one_line(tmp_path):
    page = tmp_path / "empty.html"
    page.write_text("<html><head></head><body><p>Xin chào</p></body></html>", encoding="utf-8")
    result = tintuc_here("extract", str(page), "--url", "https://baotintuc.vn/x/y-20240101080000000.htm", check=False)
    assert result.returncode == 1 and result.stderr.startswith("Error: no article in this page: no title")


@pytest.mark.shared("real-pages")
def test_extract_a_real_page_with_a_credit_role(shared_dir):
    page = shared_dir / "real-pages" / "article_phap-luat_dong-nai-xe-tai-tong-xe-may-mot-nguoi-tu-vong-tai-cho-20250713204911331.html"
    fields = json.loads(tintuc_here("extract", str(page), "--json").stdout)["fields"]
    assert fields["byline"]["value"] == {"written": "Tin, ảnh: Đậu Tất Thành (TTXVN)", "persons": ["Đậu Tất Thành"],
                                         "agency": "TTXVN", "role": "Tin, ảnh"}
    assert [name for name, field in fields.items() if not field["primary"]] == ["modified"]


@pytest.mark.e2e
def test_extract_fetches_one_url_politely(replica):
    article = replica.articles[SEED]
    report = json.loads(tintuc("extract", replica.article_url(SEED), "--json").stdout)
    assert report["url"] == article.canonical_url and report["fields"]["title"]["value"] == article.title
    paths = [r.decoded_path for r in replica.requests]
    assert paths == ["/robots.txt", article.path]
    assert all(r.user_agent.startswith("tintuc-feeds/") for r in replica.requests)
    listing = json.loads(tintuc("extract", replica.url + "/thoi-su-472ct0.htm", "--json").stdout)
    assert listing["kind"] == "listing" and listing["items"]
    assert all(item["url"].startswith("https://baotintuc.vn/") and item["created"] for item in listing["items"])
    refused = tintuc("extract", replica.url + "/ban-doc/bai-doc-gia-20211124200000000.htm", check=False)
    assert refused.returncode == 1 and "robots.txt of 127.0.0.1:" in refused.stderr and "disallows" in refused.stderr
