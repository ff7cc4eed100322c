"""The store: schema, upserts keyed by site id, content-aware `updated`, FTS, runs, frontier."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sqlite3
import stat
from datetime import datetime, timedelta, timezone

import pytest

from core.feed_types import FeedFilter
from core.model import Article, Image, TopicMatch
from storage import (
    DatabaseBusyError,
    FieldCoverage,
    FrontierEntry,
    InvalidDataError,
    PageOutcome,
    PollOutcome,
    SaveOutcome,
    SearchQueryError,
    StorageError,
    Store,
)
from storage.schema import MIGRATIONS, VERSION

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)
ARTICLE = Article(
    site_id="20261101150000123",
    url="https://baotintuc.vn/xa-hoi/duong-pho-ha-noi-20261101150000123.htm",
    title="Đường phố Hà Nội ngập sau mưa lớn",
    sapo="Nhiều tuyến đường ngập sâu.",
    body_text="Mưa lớn khiến đường ngập.\n\nNhật Bản hỗ trợ hệ thống thoát nước.",
    body_html="<p>Mưa lớn khiến đường ngập.</p><p>Nhật Bản hỗ trợ hệ thống thoát nước.</p>",
    authors=("Minh Đức",), agency="TTXVN", category="Xã hội",
    category_url="https://baotintuc.vn/xa-hoi-129ct0.htm", tags=("ngập lụt", "Hà Nội"),
    published="2026-11-01T15:05:00+07:00", modified="2026-11-01T15:05:00+07:00",
    lead_image="https://cdnmedia.baotintuc.vn/a.jpg", images=(Image("https://cdnmedia.baotintuc.vn/a.jpg", "Ảnh"),),
)
TOPICS = [TopicMatch("environment", 9.0, ("ngập lụt", "mưa lũ"))]


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "t.db") as opened:
        yield opened


def save(store, article=ARTICLE, topics=TOPICS, now=T0):
    return store.save_article(article, topics, rules_version="r1", now=now, next_check=None)


def test_a_new_database_is_at_the_current_version_in_wal_mode(store, tmp_path):
    assert store.schema_version == VERSION
    assert store.db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert stat.S_IMODE(os.stat(tmp_path / "t.db").st_mode) == 0o600


def test_newer_or_foreign_databases_are_refused(tmp_path):
    newer = tmp_path / "newer.db"
    sqlite3.connect(newer).execute(f"PRAGMA user_version = {VERSION + 1}").connection.close()
    with pytest.raises(StorageError, match="newer"):
        Store.open(newer)
    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE x (a)")
    conn.close()
    with pytest.raises(StorageError, match="not a tintuc-feeds database"):
        Store.open(foreign)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StorageError, match="not a SQLite database"):
        Store.open(garbage)


def test_save_stores_the_article_with_topics_tags_and_images(store):
    assert save(store) is SaveOutcome.NEW
    row = store.article(ARTICLE.site_id)
    assert row["title"] == ARTICLE.title and row["authors"] == ["Minh Đức"]
    assert row["topics"] == {"environment": {"score": 9.0, "terms": ["ngập lụt", "mưa lũ"]}}
    assert row["tags"] == ["ngập lụt", "Hà Nội"]
    assert row["images"] == [{"url": "https://cdnmedia.baotintuc.vn/a.jpg", "caption": "Ảnh"}]
    assert store.topic_counts() == {"environment": 1}


def test_updated_changes_only_when_the_content_changes(store):
    save(store)
    first = store.article(ARTICLE.site_id)
    assert save(store, now=T0 + timedelta(hours=1)) is SaveOutcome.UNCHANGED
    same = store.article(ARTICLE.site_id)
    assert same["updated"] == first["updated"] and same["fetch_count"] == 2
    edited = dataclasses.replace(ARTICLE, body_text=ARTICLE.body_text + "\n\nCập nhật.")
    assert save(store, edited, now=T0 + timedelta(hours=2)) is SaveOutcome.UPDATED
    after = store.article(ARTICLE.site_id)
    assert after["updated"] > first["updated"] and after["first_seen"] == first["first_seen"]


def test_url_variants_of_one_article_never_duplicate_it(store):
    save(store)
    save(store, dataclasses.replace(ARTICLE, url="https://baotintuc.vn/thoi-su/khac-20261101150000123.htm"))
    assert store.db["articles"].count == 1


def test_irrelevant_articles_are_stored_without_topics(store):
    save(store, topics=[])
    assert store.article(ARTICLE.site_id)["topics"] == {}
    assert store.article_ids("environment") == set()


@pytest.mark.parametrize("query", ["nhat ban", "Nhật Bản", "duong pho", "đường phố", "thoát nước"])
def test_search_ignores_diacritics_and_d(store, query):
    save(store)
    assert [hit.site_id for hit in store.search(query).hits] == [ARTICLE.site_id]


def test_search_with_bad_syntax_is_a_clear_error(store):
    save(store)
    with pytest.raises(SearchQueryError, match="invalid search query"):
        store.search('"unbalanced', fts=True)
    with pytest.raises(SearchQueryError, match="nothing to search for"):
        store.search('" "')


def test_fts_follows_updates(store):
    save(store)
    save(store, dataclasses.replace(ARTICLE, title="Tiêu đề khác hẳn", body_text="Không còn gì."), now=T0 + timedelta(hours=1))
    assert store.search("nhat ban").total == 0
    assert store.search("tieu de").total == 1


def test_runs_left_running_by_a_killed_crawl_become_interrupted(store):
    first = store.start_run("http://x", now=T0)
    store.update_run(first, {"pages": 7})
    second = store.start_run("http://x", now=T0 + timedelta(minutes=5))
    runs = {run.id: run for run in store.runs()}
    assert runs[first].status == "interrupted" and runs[first].pages == 7
    store.finish_run(second, {"pages": 3, "articles_new": 1}, status="ok", now=T0 + timedelta(minutes=6))
    assert store.runs(1)[0].status == "ok" and store.runs(1)[0].articles_new == 1


def test_frontier_keeps_the_best_priority_and_forgets_fetched_pages(store):
    store.add_to_frontier([FrontierEntry("https://baotintuc.vn/a.htm", "listing", 5)], now=T0)
    store.add_to_frontier([FrontierEntry("https://baotintuc.vn/a.htm", "listing", 9),
                           FrontierEntry("https://baotintuc.vn/b.htm", "listing", 1)], now=T0)
    assert store.frontier(10) == [FrontierEntry("https://baotintuc.vn/a.htm", "listing", 9),
                                  FrontierEntry("https://baotintuc.vn/b.htm", "listing", 1)]
    store.record_fetch("https://baotintuc.vn/a.htm", "listing", 200, now=T0, etag='"e"')
    assert [e.url for e in store.frontier(10)] == ["https://baotintuc.vn/b.htm"]
    assert store.prune_frontier(keep=0) == 1


def test_a_304_keeps_the_validators(store):
    store.record_fetch("https://baotintuc.vn/x.htm", "listing", 200, now=T0, etag='"v1"', last_modified="Sun, 01 Nov 2026 08:00:00 GMT", relevant_links=3)
    store.record_fetch("https://baotintuc.vn/x.htm", "listing", 304, now=T0 + timedelta(hours=1))
    state = store.fetch_states()["https://baotintuc.vn/x.htm"]
    assert (state.status, state.etag, state.relevant_links) == (304, '"v1"', 3)


def test_a_failed_save_leaves_nothing_half_written(store):
    save(store)
    broken = dataclasses.replace(ARTICLE, title="Tiêu đề mới", tags=(None,))  # tag NULL violates NOT NULL
    with pytest.raises(InvalidDataError, match="article_tags.tag"):
        save(store, broken, now=T0 + timedelta(hours=1))
    row = store.article(ARTICLE.site_id)
    assert row["title"] == ARTICLE.title and row["tags"] == ["ngập lụt", "Hà Nội"]
    assert store.integrity_check() == "ok"


def test_load_article_gives_back_what_was_saved(store):
    save(store)
    assert store.load_article(ARTICLE.site_id) == ARTICLE
    assert store.load_article("20000101000000000") is None


# -- what changed (article_changes) --------------------------------------------------------------


def test_every_change_to_what_an_article_says_gets_a_new_revision(store):
    start = store.revision()
    save(store)
    other = dataclasses.replace(ARTICLE, site_id="20261101160000456")
    save(store, other)
    assert store.changed_since(start.number) == {ARTICLE.site_id, other.site_id}
    mark = store.revision().number
    assert store.changed_since(mark) == set()
    store.replace_topics(other.site_id, [], rules_version="r2")  # re-classified
    assert store.changed_since(mark) == {other.site_id}
    for statement in (
        "UPDATE articles SET title = 'Sửa tay' WHERE site_id = ?",
        "UPDATE article_tags SET tag = 'khác' WHERE site_id = ? AND position = 0",
        "DELETE FROM articles WHERE site_id = ?",
    ):
        mark = store.revision().number
        store.db.conn.execute(statement, [ARTICLE.site_id])
        assert store.changed_since(mark) == {ARTICLE.site_id}, statement
    assert store.revision().number > mark


def test_fetch_bookkeeping_is_not_a_change_but_storing_a_fetch_is(store):
    save(store)
    mark = store.revision().number
    store.touch_article(ARTICLE.site_id, now=T0 + timedelta(hours=1), next_check=None)  # a 304
    assert store.changed_since(mark) == set()
    save(store, now=T0 + timedelta(hours=2))  # a 200 with the same content: children rewritten
    assert store.changed_since(mark) == {ARTICLE.site_id}


def test_a_snapshot_sees_one_state_while_others_write(store):
    save(store)
    with store.snapshot():
        before = store.revision()
        with Store.open(store.path) as writer:
            save(writer, dataclasses.replace(ARTICLE, site_id="20261101160000456"))
        assert store.revision() == before and len(store.article_ids()) == 1
    assert store.revision().number > before.number and len(store.article_ids()) == 2


def test_a_backup_starts_a_lineage_of_its_own(store, tmp_path):
    save(store)
    store.backup_to(tmp_path / "backup.db")
    with Store.open(tmp_path / "backup.db") as copy:
        assert copy.revision().number == store.revision().number
        assert copy.revision().lineage != store.revision().lineage
        assert copy.changed_since(0) == {ARTICLE.site_id}


# -- the store's own errors ------------------------------------------------------------------------

# Every public verb of Store with arguments it accepts; test_every_verb_is_listed keeps it whole.
VERBS = {
    "save_article": lambda s: save(s),
    "touch_article": lambda s: s.touch_article(ARTICLE.site_id, now=T0, next_check=None),
    "known_articles": lambda s: s.known_articles(),
    "known_article": lambda s: s.known_article(ARTICLE.site_id),
    "article_fetch_state": lambda s: s.article_fetch_state(ARTICLE.site_id),
    "article": lambda s: s.article(ARTICLE.site_id),
    "load_article": lambda s: s.load_article(ARTICLE.site_id),
    "article_ids": lambda s: s.article_ids(),
    "topic_counts": lambda s: s.topic_counts(),
    "replace_topics": lambda s: s.replace_topics(ARTICLE.site_id, TOPICS, "r2"),
    "fetch_states": lambda s: s.fetch_states(),
    "fetch_state": lambda s: s.fetch_state(ARTICLE.url),
    "record_fetch": lambda s: s.record_fetch(ARTICLE.url, "article", 200, now=T0),
    "add_to_frontier": lambda s: s.add_to_frontier([FrontierEntry("https://baotintuc.vn/a.htm", "listing", 1)], now=T0),
    "frontier": lambda s: s.frontier(10),
    "prune_frontier": lambda s: s.prune_frontier(10),
    "start_run": lambda s: s.start_run("http://x", now=T0),
    "update_run": lambda s: s.update_run(1, {"pages": 1}),
    "finish_run": lambda s: s.finish_run(1, {}, status="ok", now=T0),
    "runs": lambda s: s.runs(),
    "fail_running_runs": lambda s: s.fail_running_runs("x", now=T0),
    "record_failed_run": lambda s: s.record_failed_run("http://x", started=T0, now=T0, message="x"),
    "failed_runs_in_a_row": lambda s: s.failed_runs_in_a_row(),
    "last_successful_run": lambda s: s.last_successful_run(),
    "recent_field_coverage": lambda s: s.recent_field_coverage(50),
    "optimize": lambda s: s.optimize(),
    "backup_to": lambda s: s.backup_to(s.path + ".copy"),
    "integrity_check": lambda s: s.integrity_check(),
    "search": lambda s: s.search("nhat ban"),
    "iter_export": lambda s: list(s.iter_export()),
    "stats": lambda s: s.stats(),
    "feed_members": lambda s: s.feed_members(FeedFilter(topics=("environment",))),
    "revision": lambda s: s.revision(),
    "changed_since": lambda s: s.changed_since(0),
    "crawl_windows": lambda s: s.crawl_windows(),
    "feed_articles": lambda s: s.feed_articles([ARTICLE.site_id]),
    "monthly_topic_counts": lambda s: s.monthly_topic_counts("2025-01", "2026-12"),
    "crawl_summary": lambda s: s.crawl_summary(),
    "snapshot": lambda s: s.snapshot().__enter__(),
    "urls_of_kind": lambda s: s.urls_of_kind("rss"),
    "where_relevant_appear": lambda s: s.where_relevant_appear("2020-01-01"),
    "relevant_tag_counts": lambda s: s.relevant_tag_counts(),
    "watch_sources": lambda s: s.watch_sources([("https://baotintuc.vn/tin-moi-nhat.rss", "newest")], now=T0),
    "watched_sources": lambda s: s.watched_sources(),
    "watched_source": lambda s: s.watched_source("https://baotintuc.vn/tin-moi-nhat.rss"),
    "due_sources": lambda s: s.due_sources(T0),
    "next_poll_time": lambda s: s.next_poll_time(),
    "record_poll": lambda s: s.record_poll("https://baotintuc.vn/tin-moi-nhat.rss", "rss", PollOutcome(304, T0), now=T0),
    "backfill_sources": lambda s: s.backfill_sources(".."),
    "backfill_source": lambda s: s.backfill_source("..", "https://baotintuc.vn/thoi-su-472ct0.htm"),
    "add_backfill_sources": lambda s: s.add_backfill_sources("..", [("https://baotintuc.vn/thoi-su-472ct0.htm", "listing", "walking")], now=T0),
    "record_backfill_page": lambda s: s.record_backfill_page("..", "https://baotintuc.vn/thoi-su-472ct0.htm", PageOutcome(2, 0, [], [0], None, "walking"), now=T0),
    "end_backfill_source": lambda s: s.end_backfill_source("..", "https://baotintuc.vn/thoi-su-472ct0.htm", "done", now=T0),
    "backfill_queue": lambda s: s.backfill_queue(".."),
    "dequeue": lambda s: s.dequeue("..", ARTICLE.site_id),
    "backfills": lambda s: s.backfills(),
    "due_for_recheck": lambda s: s.due_for_recheck(T0, 10),
    "forget_finished_backfills": lambda s: s.forget_finished_backfills(T0),
}


def test_every_verb_is_listed():
    public = {name for name in dir(Store) if not name.startswith("_") and callable(getattr(Store, name))}
    assert public - {"open", "close"} == set(VERBS)


# SQLite's backup API runs no statement that the progress handler could interrupt.
INTERRUPTIBLE = sorted(set(VERBS) - {"backup_to"})


@pytest.mark.parametrize("verb", INTERRUPTIBLE)
def test_every_verb_raises_the_stores_own_error_when_sqlite_fails(store, verb):
    save(store)
    store.db.conn.set_progress_handler(lambda: 1, 1)  # SQLite interrupts every statement
    with pytest.raises(StorageError, match="interrupted"):
        VERBS[verb](store)


WRITERS = ["save_article", "touch_article", "replace_topics", "record_fetch", "add_to_frontier",
           "prune_frontier", "start_run", "update_run", "finish_run", "fail_running_runs",
           "record_failed_run", "optimize"]


@pytest.mark.parametrize("verb", WRITERS)
def test_a_write_while_another_process_writes_too_long_is_busy(tmp_path, verb):
    path = tmp_path / "held.db"
    with Store.open(path) as store:
        save(store)
    store = Store.open(path, timeout=0.05)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's write transaction
    try:
        with pytest.raises(DatabaseBusyError, match="busy for too long"):
            VERBS[verb](store)
    finally:
        holder.close()
        store.close()


def test_opening_a_held_database_says_it_is_busy(tmp_path):
    path = tmp_path / "held.db"
    Store.open(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE change_lineage SET lineage = lineage")
    holder.execute("COMMIT")
    try:
        with pytest.raises(DatabaseBusyError):
            Store.open(path, timeout=0.05)
    finally:
        holder.close()


# Each shipped migration as it shipped: a change here changes databases already in use.
SHIPPED = {
    0: "02d78d13b2b0a5cf8ed22a4b240bfaba592b54a788adb391d70c21876b507d32",
    1: "297634a08ceb2a3310f6b79a91efbae5886f6016af62fd4352c1ce0e7b1116a1",
    2: "8843da4504e9e02aedb8188f377bdaa69d2b8159648d30dda67eafef54a105bf",
}


@pytest.mark.parametrize("version", sorted(SHIPPED))
def test_shipped_migrations_never_change(version):
    assert hashlib.sha256(MIGRATIONS[version].encode()).hexdigest() == SHIPPED[version]


def test_a_runs_field_coverage_is_kept_with_it_and_summed_over_recent_runs(store):
    first = store.start_run("http://x", now=T0)
    store.finish_run(first, {"pages": 3}, status="ok", now=T0,
                     fields={"byline": {"primary": 30}, "title": {"primary": 30}})
    second = store.start_run("http://x", now=T0 + timedelta(hours=1))
    store.update_run(second, {"pages": 1}, fields={"byline": {"primary": 2, "fallback": 5}})
    store.finish_run(second, {"pages": 2}, status="ok", now=T0 + timedelta(hours=1),
                     fields={"byline": {"primary": 3, "fallback": 15, "missing": 2}, "title": {"primary": 20}})
    assert store.runs(1)[0].fields["byline"] == FieldCoverage(3, 15, 2)
    recent = store.recent_field_coverage(articles=10)  # the newest run has 20: enough
    assert recent["byline"] == FieldCoverage(3, 15, 2) and recent["byline"].primary_share == 0.15
    everything = store.recent_field_coverage(articles=40)
    assert everything["byline"] == FieldCoverage(33, 15, 2) and everything["title"] == FieldCoverage(50, 0, 0)
