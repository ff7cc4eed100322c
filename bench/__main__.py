"""`python -m bench`: run the benchmark stages, print one table, write docs/benchmarks.md.

    python -m bench                     # the full suite (what `make bench` runs), ~13 minutes
    python -m bench --quick             # tiny sizes, a smoke run (~1 min); writes no docs
    python -m bench --stages crawl,incremental --out -   # some stages, print only

Knobs (environment variables) are listed in bench/__init__.py and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench.common import REPO, Config, Row, StageResult, machine, now_utc, table, versions

# Stage modules, in the order they run (incremental reuses the crawl; feeds reuse storage;
# backfill and freshness each serve a simulated site of their own).
STAGES = ("extraction", "classification", "crawl", "incremental", "storage", "feeds", "serving", "backfill",
          "freshness")
DOCS = REPO / "docs" / "benchmarks.md"
KEEP_MARKER = "<!-- analysis: written by hand, kept across runs -->"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (also BENCH_QUICK=1)")
    parser.add_argument("--stages", default="", help=f"comma-separated subset of {','.join(STAGES)}")
    parser.add_argument("--out", default=None,
                        help="Markdown report path, '-' for none (default: docs/benchmarks.md for a"
                             " full run of every stage, none otherwise)")
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.stages.split(",") if s.strip()] or list(STAGES)
    unknown = sorted(set(chosen) - set(STAGES))
    if unknown:
        parser.error(f"unknown stages {unknown}; choose from {', '.join(STAGES)}")
    chosen = [s for s in STAGES if s in chosen]

    started = time.perf_counter()
    date = now_utc()
    with tempfile.TemporaryDirectory(prefix="tintuc-bench-") as tmp:
        cfg = Config.from_env(args.quick, Path(tmp))
        print(f"tintuc-feeds benchmarks {'(quick) ' if cfg.quick else ''}— stages: {', '.join(chosen)}",
              flush=True)
        results: dict[str, StageResult] = {}
        ctx: dict = {}
        try:
            for name in chosen:
                results[name] = _run_stage(name, cfg, ctx)
        finally:
            for closer in ctx.get("cleanup", []):
                closer()
    wall = time.perf_counter() - started
    rows = [row for result in results.values() for row in result.rows]
    print()
    print(table(rows))
    print(f"\nwall time {wall:.0f} s; stages: "
          + ", ".join(f"{name} {r.seconds:.0f} s" for name, r in results.items()), flush=True)
    out = args.out
    if out is None:
        out = str(DOCS) if (not cfg.quick and chosen == list(STAGES)) else "-"
    if out != "-":
        _write_report(Path(out), cfg, results, rows, date, wall)
        print(f"wrote {out}")
    failed = [r for r in rows if r.measure.startswith("FAILED")]
    return 1 if failed else 0


def _run_stage(name: str, cfg: Config, ctx: dict) -> StageResult:
    print(f"[{time.strftime('%H:%M:%S')}] {name}…", flush=True)
    start = time.perf_counter()
    try:
        result = importlib.import_module(f"bench.{name}").run(cfg, ctx)
    except Exception as error:  # noqa: BLE001 - one broken stage must not hide the others
        traceback.print_exc()
        result = StageResult(rows=[Row(name, f"FAILED: {type(error).__name__}: {error}"[:160], "—", met=False)])
    result.seconds = time.perf_counter() - start
    for row in result.rows:
        print(f"    {row.measure}: {row.ours}  [{row.peer}; {row.ratio}; target {row.target}: {row.verdict}]"
              + (f" ({row.note})" if row.note else ""), flush=True)
    return result


def _write_report(path: Path, cfg: Config, results: dict[str, StageResult], rows: list[Row],
                  date, wall: float) -> None:
    kept = ""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if KEEP_MARKER in text:
            kept = text.split(KEEP_MARKER, 1)[1].strip("\n")
    host = machine()
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench`); re-run it to refresh this file. Every figure",
        "is the median of several repetitions, printed beside its peer measured in the same run:",
        "the machines are noisy, so compare ratios, not absolute numbers, between runs.",
        "",
        f"- **Date**: {date:%Y-%m-%d %H:%M} UTC{' (quick mode: tiny sizes)' if cfg.quick else ''}",
        f"- **Machine**: {host['CPU']}, {host['cores']} cores, {host['memory']}, {host['OS']}",
        "- **Versions**: " + ", ".join(f"{k} {v}" for k, v in versions().items()),
        f"- **Sizes**: crawl of a generated replica of {cfg.crawl_articles:,} articles at concurrency"
        f" {cfg.crawl_concurrency}; {cfg.new_articles} new articles; stores of "
        + ", ".join(f"{n:,}" for n in cfg.store_sizes) + f" articles; {cfg.repeat} repetitions"
        f" ({cfg.bare_repeat} for the bare spider, {cfg.feed_repeat} per feed regeneration);"
        f" load generator {cfg.serve_seconds:g} s × {cfg.serve_connections} connections;"
        f" backfill of a simulated archive of {cfg.backfill_articles:,} articles; freshness over"
        f" {cfg.freshness_hours:g} h of a simulated site of {cfg.freshness_articles:,} articles after"
        f" {cfg.freshness_warmup_hours:g} h of warm-up, today's crawler over {cfg.freshness_crawl_hours:g} h",
        f"- **Wall time**: {wall / 60:.1f} min ("
        + ", ".join(f"{name} {r.seconds:.0f} s" for name, r in results.items()) + ")",
        "",
        "## Results",
        "",
        table(rows),
        "",
    ]
    notes = [(name, n) for name, r in results.items() for n in r.notes]
    if notes:
        lines += ["## Measured in this run", ""]
        for name, note in notes:
            first, _, rest = note.partition("\n")
            lines.append(f"- **{name}**: {first.strip()}")
            if rest.strip():
                body = "\n".join("    " + line.strip() for line in rest.strip().splitlines())
                lines += ["", "  ```", body, "  ```"]
        lines.append("")
    lines += [
        "## How to run, knobs",
        "",
        "`make bench` (not part of `make test`) or `.venv/bin/python -m bench [--quick] [--stages a,b]"
        " [--out PATH|-]`. Environment knobs:",
        "",
        "| variable | default (quick) | what |",
        "| --- | --- | --- |",
        "| `BENCH_QUICK=1` | off | tiny sizes, one or two repetitions: a smoke run in ~1 min; writes no docs |",
        "| `BENCH_REPEAT` | 5 (2) | repetitions of the short measurements |",
        "| `BENCH_CRAWL_ARTICLES` | 5000 (80) | articles of the generated replica that is crawled |",
        "| `BENCH_CONCURRENCY` | 8 | `CONCURRENT_REQUESTS` (and per domain) for both spiders, and the backfill stage's runs |",
        "| `BENCH_BARE_REPEAT` | 3 (1) | crawls by the bare spider (ours crawls once: it is the long one) |",
        "| `BENCH_NEW_ARTICLES` | 10 (3) | articles published before the third crawl |",
        "| `BENCH_STORE_SIZES` | 1000,10000,100000 (100,200,400) | store sizes for storage and feeds |",
        "| `BENCH_FEED_REPEAT` | 3 (1) | regenerations per store size, the cold one included (warm ones capped at ~30 s per size) |",
        "| `BENCH_SERVE_SECONDS` | 3 (0.5) | duration of each load-generator run |",
        "| `BENCH_SERVE_CONNECTIONS` | 8 | keep-alive connections of the load generator |",
        "| `BENCH_BACKFILL_ARTICLES` | 50000 (3000) | articles of the simulated archive the backfill walks (ten years per 50,000) |",
        "| `BENCH_FRESHNESS_ARTICLES` | 5000 (600) | articles of the simulated site of the freshness day (~137 a day) |",
        "| `BENCH_FRESHNESS_HOURS` | 24 (3) | hours of the last simulated day measured with the watcher (shorter: from 07:00) |",
        "| `BENCH_FRESHNESS_WARMUP_HOURS` | 24 (1) | hours of watching before, not counted (after a crawl and a backfill) |",
        "| `BENCH_FRESHNESS_CRAWL_HOURS` | 6 (0.5) | hours from 07:00 measured with today's 30-minute crawls (one process each) |",
        "",
        KEEP_MARKER,
        "",
        kept or "## Analysis\n\n(none yet)",
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
