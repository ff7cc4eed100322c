"""What the crawler remembers between crawls: each page's last fetch, and pages still to fetch.

`fetch_state` keeps the validators (ETag, Last-Modified) that make the next request conditional,
and what a page was worth (how many on-topic links it had); `crawl_frontier` keeps the pages a
crawl found but did not fetch (page budget spent, or the crawl was killed), for the next one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from core.clock import iso_utc
from storage._database import Database, translated


@dataclass(frozen=True)
class FetchState:
    url: str
    kind: str
    status: int
    etag: str | None
    last_modified: str | None
    fetched: str
    relevant_links: int = 0


@dataclass(frozen=True)
class FrontierEntry:
    url: str
    kind: str
    priority: int


class CrawlStateMixin(Database):
    @translated
    def fetch_states(self) -> dict[str, FetchState]:
        return {row["url"]: FetchState(**row) for row in self.db["fetch_state"].rows}

    @translated
    def urls_of_kind(self, kind: str) -> list[str]:
        """The URLs of one kind of page (`rss`, `tag`…) fetched at least once, last status 200
        or 304, in URL order."""
        rows = self.db.conn.execute(
            "SELECT url FROM fetch_state WHERE kind = ? AND status IN (200, 304) ORDER BY url", [kind]
        )
        return [url for (url,) in rows]

    @translated
    def fetch_state(self, url: str) -> FetchState | None:
        """One page's last fetch; None when it was never fetched."""
        rows = list(self.db["fetch_state"].rows_where("url = ?", [url]))
        return FetchState(**rows[0]) if rows else None

    @translated
    def record_fetch(
        self,
        url: str,
        kind: str,
        status: int,
        *,
        now: datetime,
        etag: str | None = None,
        last_modified: str | None = None,
        relevant_links: int | None = None,
    ) -> None:
        """Remember a fetched page's outcome and validators; it leaves the frontier.

        A 304 keeps what the last full response taught; `relevant_links` None keeps the count
        recorded before (the page was not parsed this time).
        """
        with self._transaction():
            self._write_fetch(url, kind, status, etag, last_modified, iso_utc(now), relevant_links)

    def _write_fetch(
        self,
        url: str,
        kind: str,
        status: int,
        etag: str | None,
        last_modified: str | None,
        stamp: str,
        relevant_links: int | None,
    ) -> None:
        conn = self.db.conn
        if status == 304:  # keep the validators and what we learnt from the full response
            conn.execute("UPDATE fetch_state SET status = 304, fetched = ? WHERE url = ?", [stamp, url])
        else:
            conn.execute(
                "INSERT INTO fetch_state (url, kind, status, etag, last_modified, fetched,"
                " relevant_links) VALUES (:url, :kind, :status, :etag, :last_modified, :fetched,"
                " coalesce(:relevant_links, 0))"
                " ON CONFLICT (url) DO UPDATE SET kind = excluded.kind, status = excluded.status,"
                " etag = excluded.etag, last_modified = excluded.last_modified,"
                " fetched = excluded.fetched,"
                " relevant_links = coalesce(:relevant_links, relevant_links)",
                {"url": url, "kind": kind, "status": status, "etag": etag,
                 "last_modified": last_modified, "fetched": stamp,
                 "relevant_links": relevant_links},
            )  # fmt: skip
        conn.execute("DELETE FROM crawl_frontier WHERE url = ?", [url])

    @translated
    def add_to_frontier(self, entries: Iterable[FrontierEntry], *, now: datetime) -> None:
        """Keep pages for a later crawl; an entry already there keeps its higher priority."""
        with self._transaction():
            self.db.conn.executemany(
                "INSERT INTO crawl_frontier (url, kind, priority, discovered) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (url) DO UPDATE SET priority = max(priority, excluded.priority)",
                [(e.url, e.kind, e.priority, iso_utc(now)) for e in entries],
            )

    @translated
    def frontier(self, limit: int) -> list[FrontierEntry]:
        """The pages waiting for a crawl, highest priority first."""
        rows = self.db.conn.execute(
            "SELECT url, kind, priority FROM crawl_frontier ORDER BY priority DESC, url LIMIT ?",
            [limit],
        )
        return [FrontierEntry(*row) for row in rows]

    @translated
    def prune_frontier(self, keep: int) -> int:
        """Drop all but the `keep` highest-priority entries; returns how many were dropped."""
        with self._transaction():
            cursor = self.db.conn.execute(
                "DELETE FROM crawl_frontier WHERE url NOT IN (SELECT url FROM crawl_frontier"
                " ORDER BY priority DESC, url LIMIT ?)",
                [keep],
            )
        return cursor.rowcount
