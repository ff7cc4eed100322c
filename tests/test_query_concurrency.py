"""Readers and a writer at once: queries and exports never wait long, never see half an article.

The store runs in WAL mode with a busy timeout; each article is saved in one transaction with its
topics and tags. These tests hold readers (search, export, stats, the views) to that while
another process writes: first a real crawl of the replica, then a writer that re-saves the same
articles as fast as it can, each version with its own tags, topics and a checksum in the body,
so a reader seeing rows of two versions at once would notice.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone

import pytest

from core.model import Article, TopicMatch
from replica import ReplicaSite, load_corpus
from storage import Store
from tests.conftest import REPO

pytestmark = pytest.mark.e2e  # real crawls of the replica over HTTP, or the whole service

BOUND = 2.0  # seconds any single query or export may take while the writer writes
ARTICLES = 30
NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)


def timed(durations: list[float], action: Callable[[], object]) -> object:
    start = time.monotonic()
    result = action()
    durations.append(time.monotonic() - start)
    return result


# -- a real crawl writes --------------------------------------------------------------------------


def test_queries_and_exports_during_a_real_crawl_are_fast_and_see_whole_articles(tmp_path):
    corpus = load_corpus()
    db = tmp_path / "tintuc.db"
    Store.open(db).close()  # an existing (empty) store, as the service has
    durations: list[float] = []
    counts: list[int] = []
    with ReplicaSite() as site:
        crawler = subprocess.Popen(
            [sys.executable, "-m", "tintuc.cli", "crawl", "--site-url", site.url, "--db", str(db),
             "--delay", "0"],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            while True:
                running = crawler.poll() is None
                with Store.open(db) as store:
                    rows = timed(durations, lambda: list(store.iter_export()))
                    timed(durations, lambda: store.search("nhat ban", limit=50))
                    timed(durations, lambda: store.stats())
                for row in rows:
                    truth = corpus.articles[row["site_id"]]
                    assert (row["title"], row["tags"]) == (truth.title, list(truth.tags))
                    assert row["body_text"]
                counts.append(len(rows))
                if not running:
                    break
                time.sleep(0.05)  # the replica serves from this process: leave it the GIL
        finally:
            if crawler.poll() is None:  # a failed assertion: do not leave the crawl running
                crawler.kill()
    assert crawler.wait(60) == 0
    assert len(set(counts)) >= 3, "the reads did not overlap the crawl's writes"
    assert counts[-1] > 50 and counts == sorted(counts)
    assert max(durations) < BOUND, f"slowest read took {max(durations):.2f} s"


# -- a writer re-saves articles as fast as it can ----------------------------------------------


def expected_tags(version: int) -> list[str]:
    return [f"thẻ {version}-{k}" for k in range(version % 5)]  # 0 to 4 tags


def expected_topics(version: int) -> list[str]:
    return ["environment"] if version % 2 else ["environment", "vietnam-japan"]


def checksum(tags: list[str]) -> str:
    return hashlib.sha256(json.dumps(tags, ensure_ascii=False).encode()).hexdigest()[:16]


def synthetic(number: int, version: int) -> tuple[Article, list[TopicMatch]]:
    """Article `number` at `version`: title, body, tags and topics all say which version."""
    tags = expected_tags(version)
    site_id = f"202611011500{number:05d}"
    article = Article(
        site_id=site_id, url=f"https://baotintuc.vn/bai-{site_id}.htm",
        title=f"Bài {number} phiên bản {version}",
        body_text=f"Phiên bản {version}. Kiểm tra đường thẻ: {checksum(tags)}.",
        body_html=f"<p>Phiên bản {version}.</p>", tags=tuple(tags),
        published="2026-11-01T15:00:00+07:00", modified="2026-11-01T15:00:00+07:00",
    )
    return article, [TopicMatch(topic, 7.0, ("x",)) for topic in expected_topics(version)]


def write_articles(db: str, seconds: float) -> None:
    """Re-save every article, a new version each time, until `seconds` pass; print the saves."""
    deadline, version = time.monotonic() + seconds, ARTICLES
    with Store.open(db) as store:
        while time.monotonic() < deadline:
            version += 1
            article, topics = synthetic(version % ARTICLES, version)
            store.save_article(article, topics, rules_version="r", now=NOW, next_check=None)
    print(version - ARTICLES)


def assert_whole(title: str, text: str, tags: list[str], topics: list[str]) -> int:
    version = int(re.search(r"phiên bản (\d+)", title).group(1))
    assert tags == expected_tags(version), f"tags of another version than {title!r}"
    assert sorted(topics) == expected_topics(version), f"topics of another version than {title!r}"
    if text:
        assert f"Phiên bản {version}. " in text and checksum(tags) in text
    return version


def test_readers_never_see_a_half_written_article_while_a_writer_saves_nonstop(tmp_path):
    db = tmp_path / "busy.db"
    with Store.open(db) as store:
        for number in range(ARTICLES):
            article, topics = synthetic(number, number)
            store.save_article(article, topics, rules_version="r", now=NOW, next_check=None)
    writer = subprocess.Popen(
        [sys.executable, "-c", "import sys; from tests.test_query_concurrency import"
         " write_articles; write_articles(sys.argv[1], float(sys.argv[2]))", str(db), "4"],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )
    durations: list[float] = []
    seen: dict[str, set[int]] = {}
    reads = 0
    while writer.poll() is None:
        with Store.open(db) as store:
            rows = timed(durations, lambda: list(store.iter_export()))
            assert len(rows) == ARTICLES
            for row in rows:
                version = assert_whole(row["title"], row["body_text"], row["tags"], row["topics"])
                seen.setdefault(row["site_id"], set()).add(version)
            hits = timed(durations, lambda: store.search("kiem tra duong", limit=ARTICLES))
            assert hits.total == ARTICLES
            for hit in hits.hits:
                assert_whole(hit.title, "", list(hit.tags), list(hit.topics))
            stats = timed(durations, lambda: store.stats())
            assert stats.articles == ARTICLES and stats.topics["environment"] == ARTICLES
        reads += 1
    saves = int(writer.communicate(timeout=30)[0])
    assert writer.returncode == 0
    assert saves > 5 * ARTICLES and reads >= 10, (saves, reads)
    changed_while_read = sum(len(versions) > 1 for versions in seen.values())
    assert changed_while_read > ARTICLES / 2, "the reads did not overlap the writes"
    assert max(durations) < BOUND, f"slowest read took {max(durations):.2f} s"
