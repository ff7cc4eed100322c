"""A misbehaving site: every fault gets a logged skip or a retry, never a crash or a bad row.

One crawl meets all the faults at once, each on a different relevant article, then a second
crawl of the healed site shows that what was skipped is picked up later.
"""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata

import pytest

from replica import ReplicaSite, load_corpus
from replica.faults import (
    Charset,
    ControlChars,
    EndlessPagination,
    Huge,
    Redirect,
    Reset,
    Slow,
    Status,
    Truncate,
)
from storage import Store
from tests.conftest import REPO
from tests.offsite import OtherHost

pytestmark = pytest.mark.e2e  # real crawls of the replica over HTTP, or the whole service

MAX_LISTING_PAGES = 5
FAULTS = {
    "gone-404": Status(404),
    "gone-410": Status(410),
    "error-twice": Status(500, times=2),
    "busy-retry-after": Status(503, retry_after="1", times=1),
    "too-many": Status(429, retry_after="1", times=1),
    "timeout-once": Slow(4, times=1),
    "reset-once": Reset(times=1),
    "truncated": Truncate(0.6),
    "cp1258-as-utf8": Charset("windows-1258", declared="utf-8"),
    "utf8-as-cp1258": Charset("utf-8", declared="windows-1258"),
    "no-charset": Charset("utf-8", declared=None),
    "control-chars": ControlChars(),
    "huge": Huge(),
    "redirect-off-site": None,  # a redirect to another host: set up in the fixture
    "redirect-loop": Redirect.loop(),
}
RECOVER_IN_THIS_CRAWL = {"error-twice", "busy-retry-after", "too-many", "timeout-once", "reset-once",
                         "cp1258-as-utf8", "utf8-as-cp1258", "no-charset", "control-chars"}
GONE = {"gone-404", "gone-410"}


def scrapy_crawl(site, db):
    """`scrapy crawl baotintuc`, with timeouts and backoff shortened for the test."""
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "baotintuc", "-a", f"site_url={site.url}", "-a", f"db={db}",
         "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "DOWNLOAD_TIMEOUT=2",
         "-s", "TINTUC_BACKOFF_BASE=0.1", "-s", "LOG_LEVEL=INFO",
         "-s", f"TINTUC_MAX_LISTING_PAGES={MAX_LISTING_PAGES}"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    corpus = load_corpus()
    relevant = sorted((a for a in corpus.articles.values()
                       if a.topics and not a.path.startswith("/ban-doc/") and a.id != "20211124202628584"),
                      key=lambda a: a.id)
    victims = dict(zip(FAULTS, relevant))
    db = tmp_path_factory.mktemp("faults") / "f.db"
    other_host = OtherHost()
    faults = {**FAULTS, "redirect-off-site": Redirect(other_host.url)}
    with ReplicaSite() as site:
        for name, fault in faults.items():
            site.add_fault(victims[name].path, fault)
        site.add_fault(re.compile(r"^/the-thao-273ct0/trang-\d+\.htm$"), EndlessPagination())
        first = scrapy_crawl(site, db)
        first_requests = site.requests
        with Store.open(db) as store:
            after_first = {i: store.article(i) for i in store.article_ids()}
        site.clear_faults()
        site.clear_requests()
        second = scrapy_crawl(site, db)
        with Store.open(db) as store:
            after_second = {i: store.article(i) for i in store.article_ids()}
            runs = store.runs(2)
            integrity = store.integrity_check()
    other_host.close()
    return {"other_host_connections": other_host.connections, "victims": victims, "first": first, "second": second, "requests": first_requests,
            "after_first": after_first, "after_second": after_second, "runs": runs,
            "integrity": integrity, "corpus": corpus}


def test_the_crawl_survives_every_fault(faulty):
    assert faulty["first"].returncode == 0, faulty["first"].stderr[-3000:]
    assert "Traceback" not in faulty["first"].stderr, faulty["first"].stderr[-3000:]
    assert faulty["integrity"] == "ok"
    second, first = faulty["runs"]
    assert first.status == "ok" and first.failures >= len(FAULTS) - len(RECOVER_IN_THIS_CRAWL)


@pytest.mark.parametrize("name", sorted(RECOVER_IN_THIS_CRAWL))
def test_transient_faults_are_retried_and_the_article_stored_intact(faulty, name):
    article = faulty["victims"][name]
    row = faulty["after_first"].get(article.id)
    assert row is not None, f"{name}: {article.title} not stored"
    assert row["title"] == article.title
    assert unicodedata.is_normalized("NFC", row["body_text"])
    assert row["body_text"].split("\n\n")[0] == article.paragraphs[0] or row["layout"] == "old"
    assert "\ufffd" not in row["body_text"] and "\x00" not in row["title"]
    assert set(row["topics"]) == set(article.topics)


@pytest.mark.parametrize("name", sorted(set(FAULTS) - RECOVER_IN_THIS_CRAWL))
def test_pages_that_cannot_be_read_are_skipped_not_stored(faulty, name):
    assert faulty["victims"][name].id not in faulty["after_first"]


@pytest.mark.parametrize("name", sorted(set(FAULTS) - RECOVER_IN_THIS_CRAWL - GONE))
def test_skipped_pages_are_fetched_by_the_next_crawl(faulty, name):
    article = faulty["victims"][name]
    assert faulty["after_second"][article.id]["title"] == article.title


@pytest.mark.parametrize("name", sorted(GONE))
def test_gone_articles_are_not_requested_again(faulty, name):
    assert faulty["victims"][name].id not in faulty["after_second"]
    assert f"{faulty['victims'][name].path}" not in faulty["second"].stderr


def test_retry_after_is_honoured(faulty):
    path = faulty["victims"]["busy-retry-after"].path
    times = [r.time for r in faulty["requests"] if r.decoded_path == path]
    assert len(times) == 2 and times[1] - times[0] >= 0.9


def test_a_redirect_off_the_site_is_not_followed(faulty):
    assert faulty["other_host_connections"] == 0


def test_endless_pagination_is_bounded(faulty):
    pages = [r for r in faulty["requests"] if r.decoded_path.startswith("/the-thao-273ct0")]
    assert 1 <= len(pages) <= MAX_LISTING_PAGES
