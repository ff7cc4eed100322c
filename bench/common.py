"""What every stage shares: the configuration knobs, timing helpers, child processes, rows.

Timing rules (these machines are noisy): every figure is the median of several repetitions,
and every figure is printed beside the peer it is compared with, measured in the same run, so
the ratio means something even when the absolute numbers drift from run to run.
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


# -- configuration ------------------------------------------------------------------------------


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def _env_sizes(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    value = os.environ.get(name, "").strip()
    return tuple(int(part) for part in value.split(",") if part.strip()) if value else default


@dataclass(frozen=True)
class Config:
    """Sizes and repetitions. `Config.from_env(quick)` reads the BENCH_* knobs (README in
    bench/__init__.py and docs/benchmarks.md)."""

    quick: bool
    workdir: Path
    repeat: int  # repetitions of short measurements (medians)
    crawl_articles: int  # articles in the generated replica that is crawled
    crawl_concurrency: int  # CONCURRENT_REQUESTS(_PER_DOMAIN) for both spiders
    bare_repeat: int  # repetitions of the bare spider's crawl (ours runs once: it is long)
    new_articles: int  # published between the second and the third crawl
    store_sizes: tuple[int, ...]  # stores for the storage and feed stages (the largest is built)
    feed_repeat: int  # regenerations timed per store size
    serve_seconds: float  # duration of each load-generator run
    serve_connections: int  # keep-alive connections of the load generator
    backfill_articles: int  # articles of the simulated site a backfill walks (13.7 a day, as the real archive)
    freshness_articles: int  # articles of the simulated site the freshness day is taken from (137 a day)
    freshness_hours: float  # hours measured with the watcher (24: the whole last simulated day)
    freshness_warmup_hours: float  # hours the watcher runs before, not counted (it learns its sources' rates)
    freshness_crawl_hours: float  # hours measured with today's 30-minute crawls (each crawl is a process)

    @classmethod
    def from_env(cls, quick: bool, workdir: Path) -> Config:
        quick = quick or os.environ.get("BENCH_QUICK", "") not in ("", "0")
        return cls(
            quick=quick,
            workdir=workdir,
            repeat=_env_int("BENCH_REPEAT", 2 if quick else 5),
            crawl_articles=_env_int("BENCH_CRAWL_ARTICLES", 80 if quick else 5000),
            crawl_concurrency=_env_int("BENCH_CONCURRENCY", 8),
            bare_repeat=_env_int("BENCH_BARE_REPEAT", 1 if quick else 3),
            new_articles=_env_int("BENCH_NEW_ARTICLES", 3 if quick else 10),
            store_sizes=_env_sizes("BENCH_STORE_SIZES", (100, 200, 400) if quick else (1_000, 10_000, 100_000)),
            feed_repeat=_env_int("BENCH_FEED_REPEAT", 1 if quick else 3),
            serve_seconds=_env_float("BENCH_SERVE_SECONDS", 0.5 if quick else 3.0),
            serve_connections=_env_int("BENCH_SERVE_CONNECTIONS", 8),
            backfill_articles=_env_int("BENCH_BACKFILL_ARTICLES", 3_000 if quick else 50_000),
            freshness_articles=_env_int("BENCH_FRESHNESS_ARTICLES", 600 if quick else 5_000),
            freshness_hours=_env_float("BENCH_FRESHNESS_HOURS", 3.0 if quick else 24.0),
            freshness_warmup_hours=_env_float("BENCH_FRESHNESS_WARMUP_HOURS", 1.0 if quick else 24.0),
            freshness_crawl_hours=_env_float("BENCH_FRESHNESS_CRAWL_HOURS", 0.5 if quick else 6.0),
        )


# -- results ------------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the table: a figure, the peer it is compared with, the ratio and the target."""

    stage: str
    measure: str
    ours: str
    peer: str = "—"
    ratio: str = "—"
    target: str = "—"
    met: bool | None = None  # None: no target
    note: str = ""  # what limits a figure that misses its target (a "Note" column when any row has one)

    @property
    def verdict(self) -> str:
        return {True: "yes", False: "**NO**", None: "—"}[self.met]


@dataclass
class StageResult:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # profiles, explanations (docs only)
    seconds: float = 0.0


COLUMNS = ("Stage", "Measure", "Ours", "Peer (same run)", "Ratio", "Target", "Met")


def table(rows: Sequence[Row]) -> str:
    """A Markdown table, padded so it also reads well in a terminal. A "Note" column (what
    limits a figure that misses its target) is added when any row has a note."""
    noted = any(r.note for r in rows)
    columns = COLUMNS + (("Note",) if noted else ())
    cells = [columns] + [
        (r.stage, r.measure, r.ours, r.peer, r.ratio, r.target, r.verdict) + ((r.note,) if noted else ())
        for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths)) + " |"

    out = [line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(row) for row in cells[1:]]
    return "\n".join(out)


# -- measuring ----------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def rates(fn: Callable[[], Any], items: int, repeat: int) -> list[float]:
    """Items per second of `fn` (which handles `items` items), once per repetition."""
    return [items / timed(fn)[0] for _ in range(repeat)]


def interleaved(fns: Sequence[Callable[[], Any]], repeat: int) -> list[list[float]]:
    """Seconds of each function, alternating A B A B…, so drifting noise hits both alike."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for index, fn in enumerate(fns):
            times[index].append(timed(fn)[0])
    return times


@dataclass(frozen=True)
class ChildRun:
    returncode: int
    seconds: float  # wall time
    cpu_seconds: float  # user + system of the child
    max_rss_mb: float  # peak resident set of the child (its own, from wait4)
    stdout: str
    stderr: str


def run_child(args: Sequence[str], *, env: dict[str, str] | None = None, timeout: float = 1800) -> ChildRun:
    """Run a child process and measure its own wall time, CPU time and peak RSS.

    os.wait4 gives the rusage of that one child (RUSAGE_CHILDREN would mix in every child the
    benchmark ever waited for, e.g. the bare spider or the HTTP server).
    """
    out_path = Path(os.environ.get("TMPDIR", "/tmp"))
    with (
        open(os.devnull, "rb") as devnull,
        _tempfile(out_path) as stdout,
        _tempfile(out_path) as stderr,
    ):
        start = time.perf_counter()
        process = subprocess.Popen(
            list(args), cwd=REPO, stdin=devnull, stdout=stdout, stderr=stderr,
            env={**os.environ, **(env or {})},
        )
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.01)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        return ChildRun(
            returncode=process.returncode,
            seconds=seconds,
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            max_rss_mb=usage.ru_maxrss / 1024,  # Linux: kilobytes
            stdout=stdout.read().decode("utf-8", "replace"),
            stderr=stderr.read().decode("utf-8", "replace"),
        )


def _tempfile(directory: Path):
    import tempfile

    return tempfile.TemporaryFile(dir=directory)


def own_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- formatting ---------------------------------------------------------------------------------


def fmt_rate(value: float, unit: str = "/s") -> str:
    if value >= 100:
        return f"{value:,.0f}{unit}"
    if value >= 10:
        return f"{value:,.1f}{unit}"
    return f"{value:,.2f}{unit}"


def fmt_seconds(value: float) -> str:
    if value < 1e-3:
        return f"{value * 1e6:,.0f} µs"
    if value < 1:
        return f"{value * 1e3:,.1f} ms"
    return f"{value:,.2f} s"


def fmt_ratio(value: float) -> str:
    return f"{value:,.2f}×"


# -- the machine --------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, str]:
    try:
        memory = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
        memory_text = f"{int(memory) / 1024 / 1024:.1f} GiB"
    except (OSError, IndexError, ValueError):
        memory_text = "?"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "CPU": cpu_model(),
        "cores": f"{os.cpu_count()} ({usable} usable)",
        "memory": memory_text,
        "OS": f"{platform.system()} {platform.release()}",
    }


VERSIONED = (
    "tintuc-feeds", "scrapy", "twisted", "lxml", "parsel", "trafilatura", "sqlite-utils",
    "feedgen", "nh3", "starlette", "uvicorn", "h11", "httptools", "uvloop",
)


def versions() -> dict[str, str]:
    import sqlite3

    found = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for name in VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def python() -> str:
    return sys.executable
