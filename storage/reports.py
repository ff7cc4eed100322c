"""Reading the store whole: statistics for `tintuc stats`, a streamed export for `tintuc export`.

Both read through the views of schema version 2 (`articles_flat`, `topic_month_counts`,
`crawl_history`), the same ones people query by hand, so they stay exercised. Each is one
SELECT, or a few, outside any explicit transaction: in WAL mode a statement reads one committed
snapshot, so a crawl writing at the same time neither blocks it nor shows it half an article.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from storage._database import translated
from storage._filters import ARTICLE_FILTER, filter_params
from storage.runs import CrawlRun, RunsMixin

# The columns of `tintuc export`, in order; list columns are lists (JSON arrays in CSV cells).
EXPORT_COLUMNS = (
    "site_id", "published", "title", "sapo", "url", "category", "topics", "tags", "authors",
    "agency", "modified", "first_seen", "updated", "lead_image", "body_text",
)
_LIST_COLUMNS = ("topics", "tags", "authors")

_EXPORT_SQL = f"""
SELECT f.site_id, f.published, f.title, f.sapo, f.url, f.category, f.topics, f.tags, f.authors,
       f.agency, f.modified, f.first_seen, f.updated, f.lead_image, a.body_text
FROM articles_flat AS f JOIN articles AS a ON a.site_id = f.site_id
WHERE {ARTICLE_FILTER}
ORDER BY f.published, f.site_id
"""


@dataclass(frozen=True)
class MonthCount:
    month: str  # yyyy-mm of `published`, Vietnam time
    articles: int
    topics: dict[str, int] = field(default_factory=dict)  # topics with articles that month


@dataclass(frozen=True)
class StoreStats:
    articles: int
    topics: dict[str, int]  # articles per topic, largest first
    without_topic: int  # stored, but in no topic
    categories: dict[str, int]  # articles per site category, largest first
    months: list[MonthCount]  # newest first
    runs: list[CrawlRun]  # newest first
    size_bytes: int  # the database proper (pages × page size)
    wal_bytes: int  # the write-ahead log beside it, not yet folded back
    schema_version: int


class ReportsMixin(RunsMixin):
    @translated
    def iter_export(
        self, *, topic: str | None = None, since: date | datetime | None = None
    ) -> Iterator[dict[str, object]]:
        """Every article (or those of a topic, published since a date), oldest first, streamed.

        Rows come one at a time from the cursor, so memory stays flat however large the store.
        Keys are EXPORT_COLUMNS; topics, tags and authors are lists.
        """
        for row in self.db.conn.execute(_EXPORT_SQL, filter_params(topic, since)):
            record = dict(zip(EXPORT_COLUMNS, row, strict=True))
            for name in _LIST_COLUMNS:
                record[name] = json.loads(record[name] or "[]")
            yield record

    @translated
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
        page_count = conn.execute("PRAGMA page_count").fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        return StoreStats(
            articles=articles,
            topics=topics,
            without_topic=without_topic,
            categories=dict(categories),
            months=[MonthCount(m, n, per_topic.get(m, {})) for m, n in month_rows],
            runs=self.runs(runs),
            size_bytes=page_count * page_size,
            wal_bytes=_file_size(self.path + "-wal"),
            schema_version=self.schema_version,
        )


def _file_size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:  # no WAL (checkpointed and removed, or an in-memory database)
        return 0
