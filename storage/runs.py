"""Crawl runs: one row per crawl, with its counters and how it ended.

A run is opened when a crawl starts, its counters saved as it goes (so a killed crawl still
shows how far it got), and closed with a status: ok, failed or interrupted. A run left
'running' by a crawl that died is closed by the next one (or by the service) as 'interrupted'.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
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
FieldCounts = Mapping[str, Mapping[str, int]]  # {field: {"primary"|"fallback"|"missing": articles}}


@dataclass(frozen=True)
class FieldCoverage:
    """How many articles got one field from its primary source, a fallback, or nowhere."""

    primary: int = 0
    fallback: int = 0
    missing: int = 0

    @property
    def articles(self) -> int:
        return self.primary + self.fallback + self.missing

    @property
    def primary_share(self) -> float:
        return self.primary / self.articles if self.articles else 1.0

    def __add__(self, other: FieldCoverage) -> FieldCoverage:
        return FieldCoverage(
            self.primary + other.primary, self.fallback + other.fallback, self.missing + other.missing
        )


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
    kind: str = "crawl"  # crawl, or backfill (`tintuc backfill`)
    fields: dict[str, FieldCoverage] = field(default_factory=dict)  # field coverage, by field


_RUN_COLUMNS = ", ".join(
    ["id", "started", "finished", "status", "site_url", *RUN_COUNTERS, "message", "seconds", "kind"]
)


def _counter_values(counters: Counters) -> dict[str, int]:
    unknown = set(counters) - set(RUN_COUNTERS)
    if unknown:
        raise ValueError(f"unknown run counters {sorted(unknown)}")
    return {name: int(counters.get(name, 0)) for name in RUN_COUNTERS}


class RunsMixin(Database):
    @translated
    def start_run(self, site_url: str, *, now: datetime, kind: str = "crawl") -> int:
        """Open a run (a crawl, or a backfill). Runs left 'running' by a killed crawl are
        closed as 'interrupted'."""
        with self._transaction():
            self.db.conn.execute(
                "UPDATE crawl_runs SET status = 'interrupted', message = 'the crawl process died'"
                " WHERE status = 'running'"
            )
            cursor = self.db.conn.execute(
                "INSERT INTO crawl_runs (started, status, site_url, kind) VALUES (?, 'running', ?, ?)",
                [iso_utc(now), site_url, kind],
            )
        return int(cursor.lastrowid)

    @translated
    def update_run(self, run_id: int, counters: Counters, *, fields: FieldCounts | None = None) -> None:
        """Save a running crawl's counters, so a killed crawl still shows how far it got."""
        with self._transaction():
            self.db["crawl_runs"].update(run_id, _counter_values(counters))
            self._write_fields(run_id, fields or {})

    @translated
    def finish_run(
        self,
        run_id: int,
        counters: Counters,
        *,
        status: str,
        now: datetime,
        message: str = "",
        fields: FieldCounts | None = None,
    ) -> None:
        with self._transaction():
            self.db["crawl_runs"].update(
                run_id,
                {**_counter_values(counters), "status": status, "finished": iso_utc(now),
                 "message": message},
            )  # fmt: skip
            self._write_fields(run_id, fields or {})

    def _write_fields(self, run_id: int, fields: FieldCounts) -> None:
        self.db.conn.executemany(
            "INSERT INTO crawl_run_fields (run_id, field, from_primary, from_fallback, missing)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_id, field) DO UPDATE SET"
            " from_primary = excluded.from_primary, from_fallback = excluded.from_fallback,"
            " missing = excluded.missing",
            [(run_id, name, int(counts.get("primary", 0)), int(counts.get("fallback", 0)),
              int(counts.get("missing", 0))) for name, counts in fields.items()],
        )  # fmt: skip

    @translated
    def runs(self, limit: int = 20) -> list[CrawlRun]:
        """The most recent runs, newest first, each with its field coverage."""
        rows = self.db.conn.execute(
            f"SELECT {_RUN_COLUMNS} FROM crawl_history ORDER BY id DESC LIMIT ?", [limit]
        ).fetchall()
        return self._with_fields([CrawlRun(*row) for row in rows])

    def _with_fields(self, runs: list[CrawlRun]) -> list[CrawlRun]:
        coverage: dict[int, dict[str, FieldCoverage]] = {}
        for run_id, name, primary, fallback, missing in self.db.conn.execute(
            "SELECT run_id, field, from_primary, from_fallback, missing FROM crawl_run_fields"
            " WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, rowid",
            [json.dumps([run.id for run in runs])],
        ):
            coverage.setdefault(run_id, {})[name] = FieldCoverage(primary, fallback, missing)
        return [replace(run, fields=coverage.get(run.id, {})) for run in runs]

    @translated
    def recent_field_coverage(self, articles: int) -> dict[str, FieldCoverage]:
        """Field coverage over the most recent crawls that extracted, together, at least
        `articles` articles (all of them when there are fewer): by field."""
        totals: dict[str, FieldCoverage] = {}
        seen = 0
        runs = self.db.conn.execute(
            "SELECT run_id, max(from_primary + from_fallback + missing) FROM crawl_run_fields"
            " GROUP BY run_id ORDER BY run_id DESC"
        ).fetchall()
        for run_id, extracted in runs:
            if seen >= articles:
                break
            for name, primary, fallback, missing in self.db.conn.execute(
                "SELECT field, from_primary, from_fallback, missing FROM crawl_run_fields WHERE run_id = ?",
                [run_id],
            ):
                totals[name] = totals.get(name, FieldCoverage()) + FieldCoverage(primary, fallback, missing)
            seen += extracted
        return totals

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
        """How many of the most recent finished crawls failed, counting back to the last success
        (backfills are not counted: they are not what keeps the feeds current)."""
        count = 0
        for (status,) in self.db.conn.execute(
            "SELECT status FROM crawl_runs WHERE status != 'running' AND kind = 'crawl' ORDER BY id DESC"
        ):
            if status == "ok":
                break
            count += 1
        return count

    @translated
    def last_successful_run(self) -> CrawlRun | None:
        row = self.db.conn.execute(
            f"SELECT {_RUN_COLUMNS} FROM crawl_history WHERE status = 'ok' AND kind = 'crawl'"
            " ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return self._with_fields([CrawlRun(*row)])[0] if row else None
