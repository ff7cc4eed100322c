"""robots.txt binds every request of a crawl, including those queued before it was read."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone

import pytest

from replica.faults import Reset, Status
from storage import FrontierEntry, Store
from tests.conftest import REPO, crawl

pytestmark = pytest.mark.e2e  # real crawls of the replica over HTTP, or the whole service

FORBIDDEN = [f"https://baotintuc.vn/ban-doc/bai-doc-gia-{n}-2021112420{n:02d}00000.htm" for n in range(12)]


def test_pages_left_in_the_frontier_are_checked_against_robots_txt_too(replica, tmp_path):
    # Pages a crawl starts with are all queued at once, while robots.txt is still being read;
    # each of them must wait for the rules, not only the first.
    db = tmp_path / "r.db"
    with Store.open(db) as store:
        store.add_to_frontier(
            [FrontierEntry(url, "article", 10_000) for url in FORBIDDEN], now=datetime.now(timezone.utc),
        )
    crawl(replica, db, "--max-pages", "5", "--concurrency", "8")
    paths = [r.decoded_path for r in replica.requests]
    assert paths[0] == "/robots.txt"
    assert [p for p in paths if p.startswith("/ban-doc/")] == []
    assert len(paths) == 6, "the budget went to allowed pages"


def test_a_robots_txt_the_server_fails_to_give_means_fetch_nothing_for_now(replica, tmp_path):
    db = tmp_path / "u.db"
    replica.add_fault("/robots.txt", Status(503, retry_after="0"))
    result = crawl(replica, db, check=False)
    assert {r.decoded_path for r in replica.requests} == {"/robots.txt"}  # retried, then nothing
    assert result.returncode == 1, "a crawl that may not look is a failed crawl, for the operator to see"
    with Store.open(db) as store:
        run = store.runs(limit=1)[0]
    host = replica.url.split("//", 1)[1]
    assert (run.status, run.message) == (
        "failed", f"robots.txt could not be read: {host} answered HTTP 503; nothing fetched"
    )
    replica.clear_faults()
    replica.clear_requests()
    crawl(replica, db)
    with Store.open(db) as store:
        assert len(store.article_ids()) > 50, "once robots.txt is back, the crawl proceeds"


def test_a_missing_robots_txt_means_no_rules(replica, tmp_path):
    db = tmp_path / "m.db"
    replica.add_fault("/robots.txt", Status(404))
    crawl(replica, db)
    paths = [r.decoded_path for r in replica.requests]
    assert paths.count("/robots.txt") == 1
    assert [p for p in paths if p.startswith("/ban-doc/")], "with no rules, the reader section is crawled"


def test_a_robots_txt_lost_to_network_errors_means_fetch_nothing_for_now(replica, tmp_path):
    db = tmp_path / "n.db"
    replica.add_fault("/robots.txt", Reset())
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "baotintuc", "-a", f"site_url={replica.url}", "-a", f"db={db}",
         "-s", "DOWNLOAD_DELAY=0", "-s", "TINTUC_BACKOFF_BASE=0.05"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]  # Scrapy's own exit status
    assert {r.decoded_path for r in replica.requests} == {"/robots.txt"}
    with Store.open(db) as store:
        run = store.runs(limit=1)[0]
    assert run.status == "failed", run.message
    # "cut the response short" or "the connection … was lost": when the reset lands varies.
    assert run.message.startswith("robots.txt could not be read: ") and "127.0.0.1:" in run.message, run.message
