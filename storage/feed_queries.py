"""The queries feeds need: which articles a feed definition selects, and everything to render them
(the web pages too: why each article matched, articles per topic per month, when crawls ran).

A mixin of `Store` (see store.py); the types it answers with are core.feed_types. Every value a
user writes in a feed
definition (topics, categories, tags, the full-text query, the minimum score) reaches SQLite as a
named parameter, lists as one JSON array unpacked by `json_each`. The SQL text itself is built
only from the constant fragments below, chosen by which filters a definition uses.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence

from core.feed_types import (
    CrawlSummary,
    CrawlWindow,
    FeedArticle,
    FeedFilter,
    FeedMember,
    MonthlyCount,
    Revision,
)
from core.text import normalize_for_match
from storage._database import Database, translate_errors, translated
from storage.errors import FeedQueryError
from storage.fts import fts_match_expression
from storage.schema import FTS_TABLE

# Name of the SQL function that normalises categories and tags for comparison (case, NFC,
# dashes), so "thời sự" in a definition selects the site's "Thời sự" whatever the spelling.
_NORM_FUNCTION = "tintuc_norm"


def filter_sql(
    feed: FeedFilter, among: Iterable[str] | None = None
) -> tuple[str, dict[str, object]]:
    """The member query of a filter and its named parameters (pure, so tests can read it).

    With `among`, only those articles are considered (looked up by key, however large the store).
    """
    conditions: list[str] = []
    params: dict[str, object] = {"min_score": feed.min_score}
    score = "(:min_score IS NULL OR t.score >= :min_score)"
    if feed.topics:
        params["topics"] = json.dumps(sorted(set(feed.topics)))
        chosen = "t.topic IN (SELECT value FROM json_each(:topics))"
        if feed.match_all:
            params["topic_count"] = len(set(feed.topics))
            conditions.append(
                "(SELECT count(DISTINCT t.topic) FROM article_topics AS t"
                f" WHERE t.site_id = a.site_id AND {chosen} AND {score}) = :topic_count"
            )
        else:
            conditions.append(
                "EXISTS (SELECT 1 FROM article_topics AS t"
                f" WHERE t.site_id = a.site_id AND {chosen} AND {score})"
            )
    elif feed.min_score is not None:
        conditions.append(
            f"EXISTS (SELECT 1 FROM article_topics AS t WHERE t.site_id = a.site_id AND {score})"
        )
    if feed.categories:
        params["categories"] = json.dumps([normalize_for_match(c) for c in feed.categories])
        conditions.append(
            f"{_NORM_FUNCTION}(a.category) IN (SELECT value FROM json_each(:categories))"
        )
    if feed.tags:
        params["tags"] = json.dumps([normalize_for_match(t) for t in feed.tags])
        conditions.append(
            "EXISTS (SELECT 1 FROM article_tags AS g WHERE g.site_id = a.site_id"
            f" AND {_NORM_FUNCTION}(g.tag) IN (SELECT value FROM json_each(:tags)))"
        )
    if feed.query is not None:
        params["match"] = fts_match_expression(feed.query)
        conditions.append(
            f"a.rowid IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match)"
        )
    if among is not None:
        params["among"] = json.dumps(sorted(set(among)))
        conditions.insert(0, "a.site_id IN (SELECT value FROM json_each(:among))")
    where = " AND ".join(conditions) or "1"
    return f"SELECT a.site_id, a.published, a.first_seen FROM articles AS a WHERE {where}", params


class FeedQueriesMixin(Database):
    def feed_members(
        self, feed: FeedFilter, among: Iterable[str] | None = None
    ) -> list[FeedMember]:
        """Every article the filter selects (of `among` only, when given), in no particular order.

        Raises `FeedQueryError` naming the feed when the full-text query is invalid.
        """
        self._register_feed_functions()
        sql, params = filter_sql(feed, among)
        with translate_errors(self.path):
            try:
                rows = self.db.conn.execute(sql, params).fetchall()
            except sqlite3.OperationalError as error:
                if feed.query is None or error.sqlite_errorcode != sqlite3.SQLITE_ERROR:
                    raise  # locked, I/O: not the definition's fault
                raise FeedQueryError(
                    f"feed {feed.name!r}: invalid full-text query {feed.query!r} ({error})"
                ) from error
        return [FeedMember(*row) for row in rows]

    @translated
    def revision(self) -> Revision:
        """The latest change: what a copy made now is up to date with."""
        lineage, number = self.db.conn.execute(
            "SELECT (SELECT lineage FROM change_lineage),"
            " (SELECT coalesce(max(revision), 0) FROM article_changes)"
        ).fetchone()
        return Revision(lineage, number)

    @translated
    def changed_since(self, number: int) -> set[str]:
        """Articles added, edited, re-classified, re-tagged or deleted after revision `number`."""
        rows = self.db.conn.execute(
            "SELECT site_id FROM article_changes WHERE revision > ?", [number]
        )
        return {site_id for (site_id,) in rows}

    @translated
    def crawl_windows(self) -> list[CrawlWindow]:
        """Every crawl run's time span, oldest first (a killed crawl has no end)."""
        rows = self.db.conn.execute(
            "SELECT started, finished, status = 'running' FROM crawl_runs ORDER BY started, id"
        )
        return [
            CrawlWindow(started, finished, bool(running)) for started, finished, running in rows
        ]

    @translated
    def feed_articles(self, site_ids: Iterable[str]) -> dict[str, FeedArticle]:
        """The given articles with their topics and tags, keyed by site id (absent ids skipped)."""
        ids = json.dumps(sorted(set(site_ids)))
        conn = self.db.conn
        topics: dict[str, list[tuple[str, float]]] = {}
        terms: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for site_id, topic, score, matched in conn.execute(
            "SELECT site_id, topic, score, matched_terms FROM article_topics"
            " WHERE site_id IN (SELECT value FROM json_each(:ids)) ORDER BY site_id, topic",
            {"ids": ids},
        ):
            topics.setdefault(site_id, []).append((topic, score))
            terms.setdefault(site_id, []).append((topic, _strings(matched)))
        tags: dict[str, list[str]] = {}
        for site_id, tag in conn.execute(
            "SELECT site_id, tag FROM article_tags"
            " WHERE site_id IN (SELECT value FROM json_each(:ids)) ORDER BY site_id, position",
            {"ids": ids},
        ):
            tags.setdefault(site_id, []).append(tag)
        rows = conn.execute(
            "SELECT site_id, url, title, sapo, body_html, body_text, authors, agency, category,"
            " category_url, published, modified, lead_image, first_seen, updated FROM articles"
            " WHERE site_id IN (SELECT value FROM json_each(:ids))",
            {"ids": ids},
        )
        articles = {}
        for row in rows:
            site_id = row[0]
            articles[site_id] = FeedArticle(
                *row[:6],
                _authors(row[6]),
                *row[7:],
                topics=tuple(topics.get(site_id, ())),
                tags=tuple(tags.get(site_id, ())),
                topic_terms=tuple(terms.get(site_id, ())),
            )
        return articles

    @translated
    def monthly_topic_counts(self, first: str, last: str) -> list[MonthlyCount]:
        """Articles per topic per month (yyyy-mm of `published`, Vietnam time, as the view
        `topic_month_counts` counts them) from month `first` to month `last`, both included.

        The bounds are compared with `published` itself, so the index on it does the work.
        """
        rows = self.db.conn.execute(
            "SELECT t.topic, substr(a.published, 1, 7) AS month, count(*)"
            " FROM articles AS a JOIN article_topics AS t ON t.site_id = a.site_id"
            " WHERE a.published >= :first AND a.published < :after"
            " GROUP BY t.topic, month ORDER BY month, t.topic",
            {"first": first, "after": _month_after(last)},
        )
        return [MonthlyCount(topic, month, count) for topic, month, count in rows]

    @translated
    def crawl_summary(self) -> CrawlSummary:
        """When the last crawl that ended ended (and how), and when the last good one did.

        Crawls only: a backfill walks the past, it is not what keeps the feeds current.
        """
        conn = self.db.conn
        last = conn.execute(
            "SELECT coalesce(finished, started), status FROM crawl_runs"
            " WHERE status != 'running' AND kind = :kind ORDER BY id DESC LIMIT 1",
            {"kind": "crawl"},
        ).fetchone()
        good = conn.execute(
            "SELECT coalesce(finished, started) FROM crawl_runs"
            " WHERE status = 'ok' AND kind = :kind ORDER BY id DESC LIMIT 1",
            {"kind": "crawl"},
        ).fetchone()
        return CrawlSummary(
            last_ended=last[0] if last else None,
            last_status=last[1] if last else "",
            last_ok=good[0] if good else None,
        )

    def _register_feed_functions(self) -> None:
        # deterministic=True lets SQLite use the function in indexes and cache its results.
        self.db.conn.create_function(
            _NORM_FUNCTION, 1, lambda value: normalize_for_match(value or ""), deterministic=True
        )


def _month_after(month: str) -> str:
    """"2026-12" → "2027-01": the exclusive upper bound of a month, as text."""
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def _strings(raw: str) -> tuple[str, ...]:
    """A JSON array of strings (matched_terms); anything else yields none rather than an error."""
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return ()
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))


def _authors(raw: str) -> tuple[str, ...]:
    """The authors column (a JSON array); anything else yields no authors rather than an error."""
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str):
        return ()
    return tuple(name for name in value if isinstance(name, str))
