"""Schema version 2: the views, how a version 1 store migrates to them, what they show.

(Version 3 added the change history, tests/test_storage.py; a version 1 store migrates through
both.)

The store is filled by one real crawl of the replica; a version 1 copy of it is built by applying
MIGRATIONS[0] alone and copying the rows over, as a store of the previous release would be.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from datetime import datetime, timezone

import pytest

from core.model import Article, TopicMatch
from storage import Store
from storage.schema import APPLICATION_ID, MIGRATIONS, VERSION

VIEWS = ("articles_flat", "topic_articles", "tagged_articles", "topic_month_counts",
         "crawl_history")  # what version 2 added
ALL_VIEWS = (*VIEWS, "field_coverage")  # version 5 added field_coverage
TABLES = ("articles", "article_topics", "article_tags", "article_images", "crawl_runs",
          "fetch_state", "crawl_frontier")


@pytest.fixture
def store(crawled_db):
    with Store.open(crawled_db) as opened:
        yield opened


@pytest.fixture
def conn(store):
    return store.db.conn


def rows(conn, sql, *params):
    return conn.execute(sql, params).fetchall()


def make_v1_copy(source, target):
    """A database at schema version 1 holding the rows of `source`."""
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.executescript(MIGRATIONS[0])
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("ATTACH DATABASE ? AS source", [str(source)])
    for table in TABLES:  # the articles insert trigger fills the full-text index
        columns = ", ".join(row[1] for row in conn.execute(f"PRAGMA main.table_info({table})"))
        conn.execute(f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM source.{table}")
    conn.execute("DETACH DATABASE source")
    conn.close()


def schema_objects(conn, kind):
    return dict(rows(conn, "SELECT name, sql FROM sqlite_master WHERE type = ?", kind))


# -- migration ----------------------------------------------------------------------------------


def test_migration_1_only_adds_the_views():
    assert sorted(MIGRATIONS) == list(range(VERSION))
    conn = sqlite3.connect(":memory:")
    conn.executescript(MIGRATIONS[0])
    version_1 = rows(conn, "SELECT type, name, sql FROM sqlite_master")
    conn.executescript(MIGRATIONS[1])
    version_2 = rows(conn, "SELECT type, name, sql FROM sqlite_master")
    assert set(version_1) <= set(version_2)
    added = sorted((kind, name) for kind, name, _ in set(version_2) - set(version_1))
    assert added == [("view", name) for name in sorted(VIEWS)]


def test_a_version_1_store_migrates_to_version_2_with_its_data_intact(crawled_db, tmp_path):
    old = tmp_path / "v1.db"
    make_v1_copy(crawled_db, old)
    conn = sqlite3.connect(old)
    assert rows(conn, "PRAGMA user_version") == [(1,)] and schema_objects(conn, "view") == {}
    columns = {table: ", ".join(row[1] for row in conn.execute(f"PRAGMA table_info({table})")) for table in TABLES}
    before = {table: rows(conn, f"SELECT {columns[table]} FROM {table} ORDER BY 1, 2") for table in TABLES}
    conn.close()

    with Store.open(old) as migrated:
        assert migrated.schema_version == VERSION
        conn = migrated.db.conn
        # Every column of version 1 as it was (later versions add columns, and version 4
        # re-derives bylines: these articles were stored with bylines parsed the current way).
        after = {table: rows(conn, f"SELECT {columns[table]} FROM {table} ORDER BY 1, 2") for table in TABLES}
        assert after == before and all(before.values())
        assert migrated.integrity_check() == "ok"
        assert rows(conn, "PRAGMA foreign_key_check") == []
        assert migrated.search("nhat ban").total >= 10
        assert rows(conn, "SELECT count(*) FROM articles_flat") == [(len(before["articles"]),)]
        # Version 3: every article already stored counts as changed since revision 0.
        assert migrated.changed_since(0) == {row[0] for row in before["articles"]}


def test_a_migrated_store_has_exactly_the_views_of_a_new_one(crawled_db, tmp_path):
    make_v1_copy(crawled_db, tmp_path / "v1.db")
    Store.open(tmp_path / "v1.db").close()
    Store.open(tmp_path / "new.db").close()
    migrated, new = sqlite3.connect(tmp_path / "v1.db"), sqlite3.connect(tmp_path / "new.db")
    for kind in ("table", "index", "trigger", "view"):
        assert schema_objects(migrated, kind) == schema_objects(new, kind), kind
    assert sorted(schema_objects(new, "view")) == sorted(ALL_VIEWS)


def test_migrating_twice_changes_nothing(crawled_db, tmp_path):
    copy = tmp_path / "again.db"
    with Store.open(crawled_db) as source:
        source.backup_to(copy)
    with Store.open(copy) as first:
        views = schema_objects(first.db.conn, "view")
    with Store.open(copy) as second:
        assert second.schema_version == VERSION and schema_objects(second.db.conn, "view") == views


# -- the views on a crawled store ---------------------------------------------------------------


def test_articles_flat_has_one_row_per_article_with_its_topics_and_tags(store, conn):
    flat = rows(conn, "SELECT site_id, topics, tags, authors, month, published FROM articles_flat")
    assert len(flat) == len(store.article_ids()) > 50
    for site_id, topics, tags, authors, month, published in flat:
        article = store.article(site_id)
        assert json.loads(topics) == sorted(article["topics"])
        assert json.loads(tags) == article["tags"]
        assert json.loads(authors) == article["authors"]
        assert month == published[:7] == article["published"][:7]


def test_topic_articles_has_one_row_per_topic_of_each_article_with_why(store, conn):
    view = rows(conn, "SELECT topic, site_id, score, matched_terms, title FROM topic_articles")
    assert Counter(topic for topic, *_ in view) == store.topic_counts()
    for topic, site_id, score, terms, title in view:
        article = store.article(site_id)
        assert article["topics"][topic] == {"score": score, "terms": json.loads(terms)}
        assert title == article["title"]


def test_tagged_articles_lists_every_tag_of_every_article(store, conn):
    view = rows(conn, "SELECT site_id, tag FROM tagged_articles ORDER BY site_id, position")
    expected = [(i, tag) for i in sorted(store.article_ids()) for tag in store.article(i)["tags"]]
    assert view == expected


def test_topic_month_counts_add_up_to_the_topics(store, conn):
    counts = rows(conn, "SELECT topic, sum(articles) FROM topic_month_counts GROUP BY topic")
    assert dict(counts) == store.topic_counts()
    months = rows(conn, "SELECT DISTINCT month FROM topic_month_counts")
    assert all(len(m) == 7 and m[4] == "-" for (m,) in months)


def test_crawl_history_shows_each_run_with_its_kind_and_duration(store, conn):
    runs = store.runs()
    history = rows(conn, "SELECT id, kind, status, pages, articles_new, seconds FROM crawl_history ORDER BY id DESC")
    assert [(r.id, r.kind, r.status, r.pages, r.articles_new) for r in runs] == [h[:5] for h in history]
    assert [kind for _, kind, *_ in history] == ["backfill", "crawl"]  # the fixture's crawl, then its backfill
    assert all(status == "ok" and 0 <= seconds < 300 for _, _, status, _, _, seconds in history)


def test_an_article_without_topics_or_tags_shows_empty_arrays(tmp_path):
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    article = Article(site_id="20261101150000123", url="https://baotintuc.vn/a-20261101150000123.htm",
                      title="Tiêu đề", body_text="Nội dung.", body_html="<p>Nội dung.</p>",
                      published="2026-11-01T15:05:00+07:00", modified="2026-11-01T15:05:00+07:00")
    with Store.open(tmp_path / "t.db") as store:
        db = store.db.conn
        store.save_article(article, [], rules_version="r", now=now, next_check=None)
        flat = rows(db, "SELECT topics, tags, month FROM articles_flat")
        assert flat == [("[]", "[]", "2026-11")]
        store.save_article(article, [TopicMatch("environment", 7.0, ("rác",))], rules_version="r",
                           now=now, next_check=None)
        assert rows(db, "SELECT topic, month, articles FROM topic_month_counts") == [
            ("environment", "2026-11", 1)
        ]
        store.start_run("http://x", now=now)
        assert rows(db, "SELECT status, seconds FROM crawl_history") == [("running", None)]
