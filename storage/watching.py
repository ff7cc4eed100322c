"""Watched sources: the feeds and tag pages polled between crawls, each with its own schedule.

The store keeps what a poll needs to know about a source (when it is due, what it listed last,
how active it has been) and writes each poll's outcome in one transaction with the page's fetch
state, so the next request is conditional. When to poll is decided elsewhere (crawler/polling.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from core.clock import iso_utc
from storage._database import translated
from storage.crawl_state import CrawlStateMixin


@dataclass(frozen=True)
class WatchedSource:
    url: str
    role: str  # newest, feed or tag
    active: bool
    added: str
    last_polled: str | None
    next_poll: str
    polls: int
    changed: int
    new_articles: int
    failures: int
    last_error: str
    listed_ids: tuple[str, ...]
    activity: dict  # crawler/polling.py Activity.to_json()

    @classmethod
    def from_row(cls, row: dict) -> WatchedSource:
        listed = json.loads(row["listed_ids"] or "[]")
        activity = json.loads(row["activity"] or "{}")
        return cls(**{**row, "active": bool(row["active"]), "listed_ids": tuple(map(str, listed)),
                      "activity": activity if isinstance(activity, dict) else {}})  # fmt: skip


@dataclass(frozen=True)
class PollOutcome:
    """What one poll of a watched source found, as the store records it."""

    status: int  # HTTP status; 0 when no response came
    next_poll: datetime
    listed_ids: tuple[str, ...] | None = None  # None: not parsed (304, failure): keep the last
    activity: dict | None = None  # None: keep the last
    changed: bool = False  # it listed an article the poll before did not
    new_articles: int = 0  # articles it listed that the store did not have
    error: str = ""  # why it failed; "" for a success
    etag: str | None = None
    last_modified: str | None = None


class WatchingMixin(CrawlStateMixin):
    @translated
    def watched_sources(self, *, active: bool = True) -> list[WatchedSource]:
        """The watched sources (all of them, retired ones too, with `active=False`), by URL."""
        where = "active = 1" if active else "1"
        return [WatchedSource.from_row(row) for row in self.db["watched_sources"].rows_where(where, order_by="url")]

    @translated
    def watched_source(self, url: str) -> WatchedSource | None:
        rows = list(self.db["watched_sources"].rows_where("url = ?", [url]))
        return WatchedSource.from_row(rows[0]) if rows else None

    @translated
    def watch_sources(self, sources: Iterable[tuple[str, str]], *, now: datetime) -> list[str]:
        """Watch these (url, role) from now on, and only these: a source not named any more is
        retired (kept, inactive), one named again is watched again, due at once when new.
        Returns the URLs that were not watched before."""
        wanted = dict(sources)
        with self._transaction():
            conn = self.db.conn
            before = {url for (url,) in conn.execute("SELECT url FROM watched_sources WHERE active = 1")}
            conn.execute(
                "UPDATE watched_sources SET active = 0 WHERE url NOT IN (SELECT value FROM json_each(?))",
                [json.dumps(list(wanted))],
            )
            conn.executemany(
                "INSERT INTO watched_sources (url, role, added, next_poll) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (url) DO UPDATE SET role = excluded.role, active = 1",
                [(url, role, iso_utc(now), iso_utc(now)) for url, role in wanted.items()],
            )
        return [url for url in wanted if url not in before]

    @translated
    def due_sources(self, now: datetime) -> list[WatchedSource]:
        """Active sources due at `now`, the most overdue first."""
        rows = self.db["watched_sources"].rows_where(
            "active = 1 AND next_poll <= ?", [iso_utc(now)], order_by="next_poll, url"
        )
        return [WatchedSource.from_row(row) for row in rows]

    @translated
    def next_poll_time(self) -> datetime | None:
        """When the next active source is due (None: nothing is watched)."""
        row = self.db.conn.execute("SELECT min(next_poll) FROM watched_sources WHERE active = 1").fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    @translated
    def record_poll(self, url: str, kind: str, outcome: PollOutcome, *, now: datetime) -> None:
        """Write a poll's outcome, and the page's fetch state when a response came."""
        stamp = iso_utc(now)
        failed = bool(outcome.error)
        with self._transaction():
            self.db.conn.execute(
                "UPDATE watched_sources SET last_polled = :now, next_poll = :next, polls = polls + 1,"
                " changed = changed + :changed, new_articles = new_articles + :new,"
                " failures = CASE WHEN :failed THEN failures + 1 ELSE 0 END, last_error = :error,"
                " listed_ids = coalesce(:listed, listed_ids), activity = coalesce(:activity, activity)"
                " WHERE url = :url",
                {"now": stamp, "next": iso_utc(outcome.next_poll), "url": url,
                 "changed": int(outcome.changed),
                 "new": outcome.new_articles, "failed": failed, "error": outcome.error,
                 "listed": None if outcome.listed_ids is None else json.dumps(list(outcome.listed_ids)),
                 "activity": None if outcome.activity is None else json.dumps(outcome.activity)},
            )  # fmt: skip
            if outcome.status in (200, 304):
                self._write_fetch(url, kind, outcome.status, outcome.etag, outcome.last_modified, stamp, None)
