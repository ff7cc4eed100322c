"""End to end: real crawls over HTTP of the replica site into a real SQLite file.

The replica's corpus carries a ground-truth label per article; these tests hold the crawler
and the classifier to it.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from core.project import PROJECT_URL
from crawler.urls import START_URL, Kind, kind_of
from replica import ReplicaSite, load_corpus
from storage import Store
from tests.conftest import article_requests, crawl

pytestmark = pytest.mark.e2e  # real crawls of the replica over HTTP, or the whole service

ROBOTS_DISALLOWED = "/ban-doc/"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """The replica crawled twice into one database; the requests of each crawl kept."""
    db = tmp_path_factory.mktemp("e2e") / "tintuc.db"
    with ReplicaSite() as site:
        first = crawl(site, db)
        first_requests = site.requests
        site.clear_requests()
        second = crawl(site, db)
        second_requests = site.requests
    return {"db": db, "first": first, "second": second,
            "first_requests": first_requests, "second_requests": second_requests}


@pytest.fixture
def store(crawled):
    with Store.open(crawled["db"]) as opened:
        yield opened


def reachable(corpus):
    """Articles a polite crawler may fetch (robots.txt forbids one section)."""
    return {a.id: a for a in corpus.articles.values() if not a.path.startswith(ROBOTS_DISALLOWED)}


def test_every_relevant_article_is_stored_with_exactly_its_topics(corpus, store):
    stored = {site_id: set(store.article(site_id)["topics"]) for site_id in store.article_ids()}
    for article in reachable(corpus).values():
        if article.topics:
            assert article.id in stored, f"missing relevant article {article.id} {article.title}"
            assert stored[article.id] == set(article.topics), article.title


def test_no_irrelevant_article_is_tagged(corpus, store):
    for site_id in store.article_ids():
        truth = set(corpus.articles[site_id].topics)
        assert set(store.article(site_id)["topics"]) <= truth, corpus.articles[site_id].title


def test_precision_and_recall_per_topic(corpus, store):
    """Printed for the record (pytest -s); both must be perfect on the replica."""
    for topic in ("environment", "vietnam-japan"):
        truth = {a.id for a in reachable(corpus).values() if topic in a.topics}
        found = store.article_ids(topic)
        precision = len(found & truth) / len(found)
        recall = len(found & truth) / len(truth)
        print(f"{topic}: precision {precision:.2f} recall {recall:.2f} ({len(found)} found, {len(truth)} true)")
        assert (precision, recall) == (1.0, 1.0)


def test_the_start_article_is_stored_faithfully(corpus, store):
    """As the replica served it: its real text when the shared folder has it, else the stand-in."""
    row, served = store.article("20211124202628584"), corpus.articles["20211124202628584"]
    assert row["url"] == START_URL
    assert row["title"] == "Việt Nam và Nhật Bản đối thoại về chính sách môi trường"
    assert row["sapo"] == served.sapo
    captions = [figure.caption for figure in served.figures]
    # Each caption stands where its figure does, among the paragraphs.
    body = list(served.paragraphs)
    for figure in sorted(served.figures, key=lambda f: f.after, reverse=True):
        body.insert(figure.after + 1, figure.caption)
    assert row["body_text"].split("\n\n") == body
    assert row["authors"] == list(served.authors) and row["agency"] == "TTXVN"
    assert row["published"].startswith("2021-11-24T20:") and row["published"].endswith("+07:00")
    assert set(row["topics"]) == {"environment", "vietnam-japan"}
    assert [image["caption"] for image in row["images"]] == captions


@pytest.mark.shared("seed-article")
def test_the_start_url_is_the_one_the_seed_text_names(shared_dir):
    lines = (shared_dir / "seed-article.txt").read_text(encoding="utf-8").splitlines()
    assert START_URL == lines[-1].strip()


def test_stored_urls_are_the_canonical_public_ones(store):
    urls = [row["url"] for row in store.db["articles"].rows]
    assert urls and all(url.startswith("https://baotintuc.vn/") for url in urls)


def test_fields_match_the_replica(corpus, store):
    for site_id in store.article_ids():
        truth, row = corpus.articles[site_id], store.article(site_id)
        assert row["title"] == truth.title
        assert row["tags"] == list(truth.tags)
        assert row["category"] == truth.category.name
        assert row["url"] == truth.canonical_url
        assert row["published"] == truth.published.isoformat()


def test_robots_txt_is_obeyed_and_the_crawler_identifies_itself(crawled):
    requests = crawled["first_requests"] + crawled["second_requests"]
    assert requests[0].path == "/robots.txt"
    assert not [r for r in requests if r.decoded_path.startswith(ROBOTS_DISALLOWED)]
    assert {r.user_agent for r in requests} == {f"tintuc-feeds/0.1.0 (+{PROJECT_URL})"}


def test_the_first_crawl_uses_rss_tags_and_listings(crawled):
    kinds = {kind_of("http://x" + r.decoded_path) for r in crawled["first_requests"]}
    assert {Kind.ARTICLE, Kind.LISTING, Kind.TAG, Kind.RSS_INDEX, Kind.RSS} <= kinds
    assert not [r for r in crawled["first_requests"] if r.status >= 400]


def test_no_page_is_fetched_twice_in_one_crawl(crawled):
    paths = [r.path for r in crawled["first_requests"]]
    assert len(paths) == len(set(paths))


def test_a_second_crawl_of_an_unchanged_site_fetches_no_article(crawled):
    second = crawled["second_requests"]
    assert article_requests(second) == []
    pages = [r for r in second if r.path != "/robots.txt"]
    assert pages and all(r.status == 304 for r in pages)
    assert all(r.if_none_match and r.if_modified_since for r in pages)


def test_runs_are_recorded_and_summarised(crawled, store):
    second, first = store.runs(2)
    assert first.status == second.status == "ok"
    assert first.articles_new == len(store.article_ids()) and first.failures == 0
    assert second.articles_new == 0 and second.not_modified == second.pages
    assert f"crawl ok: {first.pages} pages" in crawled["first"].stdout
    assert "new [environment,vietnam-japan] Việt Nam và Nhật Bản đối thoại" in crawled["first"].stderr


def test_the_database_is_queryable_with_plain_sqlite(crawled):
    conn = sqlite3.connect(crawled["db"])
    rows = conn.execute(
        "SELECT a.title, t.matched_terms FROM articles a JOIN article_topics t USING (site_id)"
        " WHERE t.topic = 'vietnam-japan' ORDER BY a.published DESC"
    ).fetchall()
    assert rows and all(json.loads(terms) for _, terms in rows)
    hits = conn.execute(
        "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'search_folded: \"nhat ban\"'"
    ).fetchone()[0]
    assert hits >= 10
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
