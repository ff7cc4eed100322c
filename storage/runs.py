"""Crawl runs: one row per crawl, with its counters and how it ended.

A run is opened when a crawl starts, its counters saved as it goes (so a killed crawl still
shows how far it got), and closed with a status: ok, failed or interrupted. A run left
'running' by a crawl that died is closed by the next one (or by the service) as 'interrupted'.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from core.clock import iso_utc
from storage._database import Database, translated

# What a crawl counts, in the order `tintuc runs` shows them; each is a column of crawl_runs.
RUN_COUNTERS = (
    "pages",  # responses received, 304s included
    "not_modified",  # of which 304 Not Modified
    "articles_new",
    "articles_updated",  # content changed since the last fetch
    "articles_unchanged",
    "failures",  # HTTP errors and network failures
    "extraction_failures",  # pages that yielded no title or body
)
Counters = Mapping[str, int]


@dataclass(frozen=True)
class CrawlRun:
    """A crawl run as the `crawl_history` view shows it (`seconds`: None while unfinished)."""

    id: int
    started: str
    finished: str | None
    status: str  # running, ok, failed, interrupted
    site_url: str
    pages: int = 0
    not_modified: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    failures: int = 0
    extraction_failures: int = 0
    message: str = ""
    seconds: int | None = None


_RUN_COLUMNS = ", ".join(
    ["id", "started", "finished", "status", "site_url", *RUN_COUNTERS, "message", "seconds"]
)


def _counter_values(counters: Counters) -> dict[str, int]:
    unknown = set(counters) - set(RUN_COUNTERS)
    if unknown:
        raise ValueError(f"unknown run counters {sorted(unknown)}")
    return {name: int(counters.get(name, 0)) for name in RUN_COUNTERS}


class RunsMixin(Database):
    @translated
    def start_run(self, site_url: str, *, now: datetime) -> int:
        """Open a crawl run. Runs left 'running' by a killed crawl are closed as 'interrupted'."""
        with self._transaction():
            self.db.conn.execute(
                "UPDATE crawl_runs SET status = 'interrupted', message = 'the crawl process died'"
                " WHERE status = 'running'"
            )
            cursor = self.db.conn.execute(
                "INSERT INTO crawl_runs (started, status, site_url) VALUES (?, 'running', ?)",
                [iso_utc(now), site_url],
            )
        return int(cursor.lastrowid)

    @translated
    def update_run(self, run_id: int, counters: Counters) -> None:
        """Save a running crawl's counters, so a killed crawl still shows how far it got."""
        with self._transaction():
            self.db["crawl_runs"].update(run_id, _counter_values(counters))

    @translated
    def finish_run(
        self, run_id: int, counters: Counters, *, status: str, now: datetime, message: str = ""
    ) -> None:
        with self._transaction():
            self.db["crawl_runs"].update(
                run_id,
                {**_counter_values(counters), "status": status, "finished": iso_utc(now),
                 "message": message},
            )  # fmt: skip

    @translated
    def runs(self, limit: int = 20) -> list[CrawlRun]:
        """The most recent runs, newest first."""
        rows = self.db.conn.execute(
            f"SELECT {_RUN_COLUMNS} FROM crawl_history ORDER BY id DESC LIMIT ?", [limit]
        )
        return [CrawlRun(*row) for row in rows]

    @translated
    def fail_running_runs(self, message: str, *, now: datetime) -> int:
        """Close runs left 'running' by a crawl process that was killed (a hang, a crash)."""
        with self._transaction():
            cursor = self.db.conn.execute(
                "UPDATE crawl_runs SET status = 'failed', finished = ?, message = ?"
                " WHERE status = 'running'",
                [iso_utc(now), message],
            )
        return cursor.rowcount

    @translated
    def record_failed_run(
        self, site_url: str, *, started: datetime, now: datetime, message: str
    ) -> int:
        """A crawl that died before it could record itself (it crashed at start)."""
        with self._transaction():
            cursor = self.db.conn.execute(
                "INSERT INTO crawl_runs (started, finished, status, site_url, message)"
                " VALUES (?, ?, 'failed', ?, ?)",
                [iso_utc(started), iso_utc(now), site_url, message],
            )
        return int(cursor.lastrowid)

    @translated
    def failed_runs_in_a_row(self) -> int:
        """How many of the most recent finished crawls failed, counting back to the last success."""
        count = 0
        for (status,) in self.db.conn.execute(
            "SELECT status FROM crawl_runs WHERE status != 'running' ORDER BY id DESC"
        ):
            if status == "ok":
                break
            count += 1
        return count

    @translated
    def last_successful_run(self) -> CrawlRun | None:
        row = self.db.conn.execute(
            f"SELECT {_RUN_COLUMNS} FROM crawl_history WHERE status = 'ok' ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return CrawlRun(*row) if row else None
