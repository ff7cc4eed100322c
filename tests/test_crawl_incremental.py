"""Crawls over time: budgets, new articles, edits, and a crawl killed with SIGKILL."""

from __future__ import annotations

import dataclasses
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest

from core.clock import VIETNAM_TZ
from crawler.urls import page_number
from replica import load_corpus
from replica.site import tag_keyword
from storage import Store
from tests.conftest import REPO, article_requests, crawl

pytestmark = pytest.mark.e2e  # real crawls of the replica over HTTP, or the whole service


def new_article(site, *, like: str, site_id: str, title: str):
    """A new article on the replica, written like an existing one, published now."""
    base = site.articles[like]
    now = datetime.now(VIETNAM_TZ).replace(second=0, microsecond=0)
    return dataclasses.replace(
        base, id=site_id, slug="bai-moi-" + site_id[-6:], title=title, published=now, modified=None,
    )


def stored_topics(db):
    with Store.open(db) as store:
        return {site_id: set(store.article(site_id)["topics"]) for site_id in store.article_ids()}


def test_the_page_budget_bounds_a_crawl_and_the_next_crawl_continues(replica, tmp_path):
    db = tmp_path / "b.db"
    result = crawl(replica, db, "--max-pages", "12")
    pages = [r for r in replica.requests if r.path != "/robots.txt"]
    assert len(pages) == 12
    assert "crawl ok: 12 pages" in result.stdout
    with Store.open(db) as store:
        assert store.frontier(1000), "what the budget cut must wait for the next crawl"
        first = store.article_ids()
    replica.clear_requests()
    crawl(replica, db)
    with Store.open(db) as store:
        assert first < store.article_ids()
        left = [entry.url for entry in store.frontier(1000)]
        assert all("/ban-doc/" in url for url in left), left  # only what robots.txt forbids
    refetched = [r for r in article_requests(replica.requests) if r.decoded_path.rsplit("-", 1)[-1][:17] in first]
    assert refetched == []


def test_an_article_published_between_crawls_is_fetched_once(replica, tmp_path):
    db = tmp_path / "n.db"
    crawl(replica, db)
    seed_like = "20211124202628584"
    article = new_article(replica, like=seed_like, site_id=datetime.now(VIETNAM_TZ).strftime("%Y%m%d%H%M%S") + "123",
                          title="Việt Nam và Nhật Bản ký thỏa thuận mới về giảm phát thải khí nhà kính")
    replica.publish(article)
    replica.clear_requests()
    crawl(replica, db)
    fetched = article_requests(replica.requests)
    assert [r.decoded_path for r in fetched] == [article.path]
    assert stored_topics(db)[article.id] == {"environment", "vietnam-japan"}
    replica.clear_requests()
    crawl(replica, db)
    assert article_requests(replica.requests) == []  # re-check not due yet: a fresh article waits 3 hours


def test_after_a_new_article_listings_are_walked_only_as_deep_as_it_reaches(replica, tmp_path):
    # Every page shows the newest articles in its "latest news" box; that must not send the
    # crawler down every listing. Only a listing whose own items show an unseen article is
    # followed one page further.
    db = tmp_path / "d.db"
    crawl(replica, db)
    article = new_article(replica, like="20211124202628584", site_id=datetime.now(VIETNAM_TZ).strftime("%Y%m%d%H%M%S") + "321",
                          title="Nhật Bản hỗ trợ Việt Nam xử lý rác thải nhựa đại dương")
    replica.publish(article)
    replica.clear_requests()
    crawl(replica, db)
    listing_it = {f"/tags/{tag_keyword(tag)}" for tag in article.tags} | {f"/{article.category.key}"}
    deeper = [r.decoded_path for r in replica.requests if page_number("http://x" + r.decoded_path) > 1]
    assert all(path.rsplit("/trang-", 1)[0] in listing_it for path in deeper), deeper
    assert all(path.endswith("/trang-2.htm") for path in deeper), "page 2 lists only articles met before"


def test_sigkill_mid_crawl_leaves_a_consistent_store_and_the_rerun_completes(replica, tmp_path):
    db = tmp_path / "k.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "tintuc.cli", "crawl", "--site-url", replica.url, "--db", str(db), "--delay", "0.05"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if db.exists():
                try:
                    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
                        if conn.execute("SELECT count(*) FROM articles").fetchone()[0] >= 8:
                            break
                except sqlite3.OperationalError:
                    pass
            time.sleep(0.05)
        else:
            raise AssertionError("the crawl stored nothing within 60 s")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()

    with Store.open(db) as store:
        assert store.integrity_check() == "ok"
        before = store.article_ids()
        assert store.runs(1)[0].status == "running"
        for site_id in before:  # no half-written article: its tags came with it
            row = store.article(site_id)
            assert row["tags"] == list(replica.articles[site_id].tags)

    replica.clear_requests()
    crawl(replica, db)
    corpus = load_corpus()
    topics = stored_topics(db)
    for article in corpus.articles.values():
        if article.topics and not article.path.startswith("/ban-doc/"):
            assert topics.get(article.id) == set(article.topics), article.title
    refetched = [r for r in article_requests(replica.requests) if r.decoded_path[-21:-4] in before]
    assert refetched == []
    with Store.open(db) as store:
        statuses = [run.status for run in store.runs(2)]
        assert statuses == ["ok", "interrupted"]
        assert store.integrity_check() == "ok"


def test_a_second_crawl_on_the_same_database_is_refused_while_one_runs(replica, tmp_path):
    from crawler.lock import CrawlLock

    db = tmp_path / "l.db"
    lock = CrawlLock(str(db))
    lock.acquire()
    try:
        result = crawl(replica, db, check=False)
    finally:
        lock.release()
    assert result.returncode == 1
    assert "another crawl is already running on this database" in result.stderr
    assert replica.requests == []


def test_an_edit_within_the_recheck_window_is_picked_up(replica, tmp_path):
    db = tmp_path / "e.db"
    now = datetime.now(VIETNAM_TZ).replace(microsecond=0)
    article = dataclasses.replace(
        new_article(replica, like="20211124202628584", site_id=now.strftime("%Y%m%d%H%M%S") + "456",
                    title="Nhật Bản hỗ trợ Việt Nam xử lý rác thải nhựa đại dương"),
        published=now,
    )
    replica.publish(article)
    crawl(replica, db, "--rechecks", "4s")
    with Store.open(db) as store:
        first = store.article(article.id)
    assert first["next_check"] is not None
    replica.edit(article.id, title="Nhật Bản hỗ trợ Việt Nam xử lý rác thải nhựa đại dương (cập nhật)")
    replica.clear_requests()
    later = (now + timedelta(seconds=5)).isoformat()  # the crawl's clock, not a wait
    crawl(replica, db, "--rechecks", "4s", "--now", later)
    assert [r.decoded_path for r in article_requests(replica.requests)] == [article.path]
    with Store.open(db) as store:
        second = store.article(article.id)
        assert store.runs(1)[0].articles_updated == 1
    assert second["title"].endswith("(cập nhật)")
    assert second["updated"] > first["updated"] and second["next_check"] is None


def test_reclassify_applies_edited_rules_without_fetching(replica, tmp_path):
    from tests.conftest import tintuc

    db = tmp_path / "r.db"
    crawl(replica, db, "--max-pages", "8")
    rules = (REPO / "crawler" / "topics.toml").read_text(encoding="utf-8")
    stricter = tmp_path / "strict.toml"
    stricter.write_text(rules.replace("threshold = 6", "threshold = 6000"), encoding="utf-8")
    replica.clear_requests()
    result = tintuc("reclassify", "--db", str(db), "--topics", str(stricter))
    assert replica.requests == []
    with Store.open(db) as store:
        assert store.article_ids("environment") == set() and store.article_ids("vietnam-japan")
    changed = int(result.stdout.split()[0])
    assert changed > 0
