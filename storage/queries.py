"""The verbs behind `tintuc search`, `tintuc stats` and `tintuc export`: reading the store.

A mixin of `Store` (see store.py), beside `FeedQueries`. It reads through the views of schema
version 2 (`articles_flat`, `topic_month_counts`, `crawl_history`), the same ones people query by
hand, so they stay exercised. Every user value (query, topic, date, limit) reaches SQLite as a
named parameter; the SQL text is constant.

Each verb is one SELECT, or a few, outside any explicit transaction: in WAL mode a statement
reads one committed snapshot, so a crawl writing at the same time neither blocks it nor shows it
an article without its topics and tags (save_article writes them in one transaction).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import sqlite_utils

from storage.fts import (
    HIT_END,
    HIT_START,
    SearchQueryError,
    folded_source,
    raw_match,
    restore_snippet,
    simple_match,
)

VIETNAM = timezone(timedelta(hours=7), "ICT")  # the site's clock: `published` is +07:00
SNIPPET_TOKENS = 24

# The columns of `tintuc export`, in order; list columns are lists (JSON arrays in CSV cells).
EXPORT_COLUMNS = (
    "site_id", "published", "title", "sapo", "url", "category", "topics", "tags", "authors",
    "agency", "modified", "first_seen", "updated", "lead_image", "body_text",
)
_LIST_COLUMNS = ("topics", "tags", "authors")

_ARTICLE_FILTER = """
    (:topic IS NULL OR EXISTS (
        SELECT 1 FROM article_topics AS t WHERE t.site_id = f.site_id AND t.topic = :topic))
    AND (:since IS NULL OR f.published >= :since)
"""

_SEARCH_SQL = f"""
SELECT f.site_id, f.url, f.title, f.published, f.category, f.topics, f.tags,
       snippet(articles_fts, 3, :hit_start, :hit_end, '…', :tokens),
       a.title, a.sapo, a.body_text
FROM articles_fts
JOIN articles AS a ON a.rowid = articles_fts.rowid
JOIN articles_flat AS f ON f.site_id = a.site_id
WHERE articles_fts MATCH :match AND {_ARTICLE_FILTER}
ORDER BY articles_fts.rank, f.published DESC
LIMIT :limit
"""

_SEARCH_COUNT_SQL = f"""
SELECT count(*)
FROM articles_fts JOIN articles AS f ON f.rowid = articles_fts.rowid
WHERE articles_fts MATCH :match AND {_ARTICLE_FILTER}
"""

_EXPORT_SQL = f"""
SELECT f.site_id, f.published, f.title, f.sapo, f.url, f.category, f.topics, f.tags, f.authors,
       f.agency, f.modified, f.first_seen, f.updated, f.lead_image, a.body_text
FROM articles_flat AS f JOIN articles AS a ON a.site_id = f.site_id
WHERE {_ARTICLE_FILTER}
ORDER BY f.published, f.site_id
"""


@dataclass(frozen=True)
class SearchHit:
    """An article that matched, with a snippet of where (hits between the caller's marks)."""

    site_id: str
    url: str
    title: str
    published: str
    category: str
    topics: tuple[str, ...]
    tags: tuple[str, ...]
    snippet: str


@dataclass(frozen=True)
class SearchResults:
    total: int  # how many articles match (`hits` holds at most the limit)
    hits: list[SearchHit]


@dataclass(frozen=True)
class MonthCount:
    month: str  # yyyy-mm of `published`, Vietnam time
    articles: int
    topics: dict[str, int] = field(default_factory=dict)  # topics with articles that month


@dataclass(frozen=True)
class RunSummary:
    """A crawl run as the `crawl_history` view shows it."""

    id: int
    started: str
    finished: str | None
    seconds: int | None
    status: str
    pages: int
    not_modified: int
    articles_new: int
    articles_updated: int
    failures: int
    extraction_failures: int
    message: str


@dataclass(frozen=True)
class StoreStats:
    articles: int
    topics: dict[str, int]  # articles per topic, largest first
    without_topic: int  # stored, but in no topic
    categories: dict[str, int]  # articles per site category, largest first
    months: list[MonthCount]  # newest first
    runs: list[RunSummary]  # newest first
    size_bytes: int  # the database proper (pages × page size)
    wal_bytes: int  # the write-ahead log beside it, not yet folded back
    schema_version: int


def published_bound(since: date | datetime) -> str:
    """`since` as text that compares with `published` (+07:00 ISO 8601) as a lower bound.

    A date is a Vietnam calendar day; a naive datetime is Vietnam time; an aware one is converted.
    """
    if not isinstance(since, datetime):
        return since.isoformat()
    moment = since.replace(tzinfo=VIETNAM) if since.tzinfo is None else since.astimezone(VIETNAM)
    return moment.isoformat(timespec="seconds")


class QueryVerbs:
    """Search, statistics and export, mixed into `Store` (which provides `db` and `path`)."""

    db: sqlite_utils.Database
    path: str

    def search_articles(
        self,
        query: str,
        *,
        topic: str | None = None,
        since: date | datetime | None = None,
        limit: int = 20,
        fts: bool = False,
        marks: tuple[str, str] = ("[", "]"),
    ) -> SearchResults:
        """Articles matching `query`, best first, each with a snippet in the original spelling.

        Diacritics and đ are ignored both in the query and in the text. By default every word
        must occur (`simple_match`); `fts=True` takes FTS5 syntax (`raw_match`). Raises
        `SearchQueryError` with a one-line reason when the query cannot run.
        """
        match = raw_match(query) if fts else simple_match(query)
        params = {
            "match": match,
            "topic": topic,
            "since": published_bound(since) if since is not None else None,
        }
        try:
            total = self.db.conn.execute(_SEARCH_COUNT_SQL, params).fetchone()[0]
            rows = self.db.conn.execute(
                _SEARCH_SQL,
                {**params, "limit": limit, "tokens": SNIPPET_TOKENS,
                 "hit_start": HIT_START, "hit_end": HIT_END},
            ).fetchall()
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_ERROR:
                raise  # locked, I/O: not the query's fault
            raise SearchQueryError(f"invalid search query {query!r}: {error}") from None
        start, end = marks
        hits = [
            SearchHit(
                *row[:5],
                topics=tuple(json.loads(row[5])),
                tags=tuple(json.loads(row[6])),
                snippet=restore_snippet(row[7], folded_source(*row[8:11]), start, end),
            )
            for row in rows
        ]
        return SearchResults(total, hits)

    def iter_export(
        self, *, topic: str | None = None, since: date | datetime | None = None
    ) -> Iterator[dict[str, object]]:
        """Every article (or those of a topic, published since a date), oldest first, streamed.

        Rows come one at a time from the cursor, so memory stays flat however large the store.
        Keys are EXPORT_COLUMNS; topics, tags and authors are lists.
        """
        params = {"topic": topic, "since": published_bound(since) if since is not None else None}
        for row in self.db.conn.execute(_EXPORT_SQL, params):
            record = dict(zip(EXPORT_COLUMNS, row, strict=True))
            for name in _LIST_COLUMNS:
                record[name] = json.loads(record[name] or "[]")
            yield record

    def stats(self, *, months: int = 12, runs: int = 5) -> StoreStats:
        """Counts per topic, category and month, the last crawl runs, and the file's size."""
        conn = self.db.conn
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        topics = dict(conn.execute(
            "SELECT topic, count(*) AS n FROM article_topics GROUP BY topic ORDER BY n DESC, topic"
        ).fetchall())
        without_topic = conn.execute(
            "SELECT count(*) FROM articles AS a WHERE NOT EXISTS"
            " (SELECT 1 FROM article_topics AS t WHERE t.site_id = a.site_id)"
        ).fetchone()[0]
        categories = conn.execute(
            "SELECT category, count(*) AS n FROM articles"
            " GROUP BY category ORDER BY n DESC, category"
        ).fetchall()
        month_rows = conn.execute(
            "SELECT month, count(*) FROM articles_flat GROUP BY month ORDER BY month DESC LIMIT :n",
            {"n": months},
        ).fetchall()
        per_topic: dict[str, dict[str, int]] = {}
        oldest = month_rows[-1][0] if month_rows else ""
        for topic, month, count in conn.execute(
            "SELECT topic, month, articles FROM topic_month_counts WHERE month >= :oldest"
            " ORDER BY topic",
            {"oldest": oldest},
        ):
            per_topic.setdefault(month, {})[topic] = count
        run_rows = conn.execute(
            "SELECT id, started, finished, seconds, status, pages, not_modified, articles_new,"
            " articles_updated, failures, extraction_failures, message"
            " FROM crawl_history ORDER BY id DESC LIMIT :n",
            {"n": runs},
        ).fetchall()
        page_count = conn.execute("PRAGMA page_count").fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        return StoreStats(
            articles=articles,
            topics=topics,
            without_topic=without_topic,
            categories=dict(categories),
            months=[MonthCount(m, n, per_topic.get(m, {})) for m, n in month_rows],
            runs=[RunSummary(*row) for row in run_rows],
            size_bytes=page_count * page_size,
            wal_bytes=_file_size(self.path + "-wal"),
            schema_version=conn.execute("PRAGMA user_version").fetchone()[0],
        )


def _file_size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:  # no WAL (checkpointed and removed, or an in-memory database)
        return 0
