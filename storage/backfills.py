"""Backfills: where each walk of the archive stands, and the articles it still has to fetch.

A backfill is named by its window ("SINCE..UNTIL"). Each page it reads is written in one
transaction with the articles the page made worth fetching, so that a backfill killed at any
moment (kill -9 included) resumes from its last written page and loses no article it had found:
the queue is emptied as articles are fetched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from core.clock import iso_utc
from storage._database import Database, translated

ACTIVE = ("locating", "walking")  # statuses of a source whose walk goes on


@dataclass(frozen=True)
class BackfillSource:
    backfill: str
    url: str
    kind: str  # listing, day or tag
    next_page: int
    pages: int
    items: int
    candidates: int
    recent: tuple[int, ...]  # candidates on each of the last pages, newest last
    oldest: str | None
    status: str  # locating, walking, done, thin, disallowed
    low_page: int
    high_page: int
    updated: str

    @classmethod
    def from_row(cls, row: dict) -> BackfillSource:
        return cls(**{**row, "recent": tuple(int(n) for n in json.loads(row["recent"] or "[]"))})

    @property
    def active(self) -> bool:
        """Still being walked (or located)."""
        return self.status in ACTIVE


@dataclass(frozen=True)
class QueuedArticle:
    backfill: str
    site_id: str
    url: str
    source: str
    found: str


@dataclass(frozen=True)
class PageOutcome:
    """One page of a backfill source, read: where the walk goes next, and what it found."""

    next_page: int
    items: int  # articles the page listed
    candidates: Sequence[tuple[str, str]]  # (site_id, url) worth fetching, not stored before
    recent: Sequence[int]  # the stopping rule's memory after this page
    oldest: str | None  # creation time of the oldest article listed so far
    status: str  # locating, walking, done, thin or disallowed
    low_page: int = 0
    high_page: int = 0


class BackfillMixin(Database):
    @translated
    def backfill_sources(self, backfill: str) -> list[BackfillSource]:
        """The sources of one backfill, in the order they were added."""
        rows = self.db["backfill_sources"].rows_where("backfill = ?", [backfill], order_by="rowid")
        return [BackfillSource.from_row(row) for row in rows]

    @translated
    def backfill_source(self, backfill: str, url: str) -> BackfillSource | None:
        rows = list(self.db["backfill_sources"].rows_where("backfill = ? AND url = ?", [backfill, url]))
        return BackfillSource.from_row(rows[0]) if rows else None

    @translated
    def add_backfill_sources(
        self, backfill: str, sources: Iterable[tuple[str, str, str]], *, now: datetime
    ) -> int:
        """Add (url, kind, status) sources to walk; ones already there keep their progress.
        Returns how many were new."""
        with self._transaction():
            before = self.db.conn.total_changes
            self.db.conn.executemany(
                "INSERT INTO backfill_sources (backfill, url, kind, status, updated) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (backfill, url) DO NOTHING",
                [(backfill, url, kind, status, iso_utc(now)) for url, kind, status in sources],
            )
            return self.db.conn.total_changes - before

    @translated
    def record_backfill_page(self, backfill: str, url: str, outcome: PageOutcome, *, now: datetime) -> int:
        """Write a page's outcome and queue its candidates, together. Returns how many were
        queued (a candidate queued before is not queued twice)."""
        stamp = iso_utc(now)
        with self._transaction():
            conn = self.db.conn
            conn.execute(
                "UPDATE backfill_sources SET next_page = ?, pages = pages + 1, items = items + ?,"
                " candidates = candidates + ?, recent = ?, oldest = min(coalesce(?, oldest), coalesce(oldest, ?)),"
                " status = ?, low_page = ?, high_page = ?, updated = ? WHERE backfill = ? AND url = ?",
                [outcome.next_page, outcome.items, len(outcome.candidates), json.dumps(list(outcome.recent)),
                 outcome.oldest, outcome.oldest, outcome.status, outcome.low_page, outcome.high_page, stamp,
                 backfill, url],
            )  # fmt: skip
            before = conn.total_changes
            conn.executemany(
                "INSERT INTO backfill_queue (backfill, site_id, url, source, found) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (backfill, site_id) DO NOTHING",
                [(backfill, site_id, article_url, url, stamp) for site_id, article_url in outcome.candidates],
            )
            return conn.total_changes - before

    @translated
    def end_backfill_source(self, backfill: str, url: str, status: str, *, now: datetime) -> None:
        """Stop walking a source (`disallowed`: robots.txt forbids its pages)."""
        with self._transaction():
            self.db.conn.execute(
                "UPDATE backfill_sources SET status = ?, updated = ? WHERE backfill = ? AND url = ?",
                [status, iso_utc(now), backfill, url],
            )

    @translated
    def backfill_queue(self, backfill: str, limit: int | None = None) -> list[QueuedArticle]:
        """Articles still to fetch, newest first (ids sort by creation time)."""
        rows = self.db.conn.execute(
            "SELECT backfill, site_id, url, source, found FROM backfill_queue WHERE backfill = ?"
            " ORDER BY site_id DESC LIMIT ?",
            [backfill, -1 if limit is None else limit],
        )
        return [QueuedArticle(*row) for row in rows]

    @translated
    def dequeue(self, backfill: str, site_id: str) -> None:
        """An article of the queue was fetched (or is gone): it leaves the queue."""
        with self._transaction():
            self.db.conn.execute("DELETE FROM backfill_queue WHERE backfill = ? AND site_id = ?", [backfill, site_id])

    @translated
    def backfills(self) -> dict[str, dict[str, int]]:
        """Every backfill with its sources by status and its queue length."""
        summary: dict[str, dict[str, int]] = {}
        for backfill, status, count in self.db.conn.execute(
            "SELECT backfill, status, count(*) FROM backfill_sources GROUP BY backfill, status"
        ):
            summary.setdefault(backfill, {})[status] = count
        for backfill, count in self.db.conn.execute("SELECT backfill, count(*) FROM backfill_queue GROUP BY backfill"):
            summary.setdefault(backfill, {})["queued"] = count
        return summary

    @translated
    def forget_finished_backfills(self, before: datetime) -> int:
        """Drop the records of backfills that ended (every walk over, nothing queued) before
        `before`: a nightly backfill of the last days leaves one a night. Returns how many."""
        with self._transaction():
            finished = [backfill for (backfill,) in self.db.conn.execute(
                "SELECT backfill FROM backfill_sources GROUP BY backfill"
                " HAVING sum(status IN ('locating', 'walking')) = 0 AND max(updated) < ?"
                " AND backfill NOT IN (SELECT backfill FROM backfill_queue)",
                [iso_utc(before)],
            )]  # fmt: skip
            self.db.conn.executemany("DELETE FROM backfill_sources WHERE backfill = ?", [(b,) for b in finished])
        return len(finished)
