"""Stage 6, feed generation: time to regenerate all default feeds from stores of growing size.

The stores come from stage 5 (or are built here when this stage runs alone). For each size: one
cold generation into an empty directory (every file written), then BENCH_FEED_REPEAT
regenerations into the same directory (nothing changed: what the service does after a crawl
that stored nothing new); the median of those is the figure. The peer is the smallest store:
the target is flat (the same time whatever the store's size) and at most 0.5 s at the largest.

When the largest size misses the target, one regeneration of the middle size runs under
cProfile and the heaviest functions of the project are written to the notes.
"""

from __future__ import annotations

import cProfile
import fnmatch
import io
import pstats
from pathlib import Path

from bench.common import Config, Row, StageResult, fmt_ratio, fmt_seconds, median, timed

STAGE = "6 Feeds"
TARGET_SECONDS = 0.5
WARM_BUDGET = 30.0  # seconds of warm regenerations per size, at most (then at least one)


def _generate(store_path: Path, out: Path, *, archives: bool = True):
    import dataclasses

    import feeds
    from crawler.classify import load_rules
    from storage import Store

    definitions, _ = feeds.load_definitions(None, load_rules())
    if not archives:  # what-if: current documents only (no archive page rebuilt)
        definitions = [dataclasses.replace(d, archive_page_size=None) for d in definitions]
    with Store.open(store_path) as store:
        return feeds.generate(store, definitions, out, base_url="http://127.0.0.1:8080/")


def profile_top(fn, limit: int = 8) -> str:
    """The heaviest functions (cumulative time) of one call, project and SQLite lines only."""
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = []
    skip = ("bench/", "regenerate.py:*(generate)", "regenerate.py:*(build_feed)")
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        ours = "/work/" in filename or any(part in filename for part in ("/feeds/", "/storage/", "/crawler/"))
        if (ours and "site-packages" not in filename) or name in ("execute", "fetchall") or "feedgen" in filename or "nh3" in name:
            rows.append((cumtime, calls, tottime, f"{Path(filename).parent.name}/{Path(filename).name}:{line}({name})"))
    rows = [r for r in rows if not any(fnmatch.fnmatch(r[3], f"*{part}*") for part in skip)]
    rows.sort(reverse=True)
    lines = [f"    {cum:7.2f} s cumulative {cum / total:5.0%} {calls:>8,} calls  {where}"
             for cum, calls, _tt, where in rows[:limit]]
    return f"cProfile, {total:.2f} s in all:\n\n" + "\n".join(lines)


def run(cfg: Config, ctx: dict) -> StageResult:
    result = StageResult()
    stores = ctx.get("stores")
    if stores is None:
        from bench import storage

        storage.run(cfg, ctx)
        stores = ctx["stores"]
    sizes = sorted(stores)
    timings: dict[int, float] = {}
    details = []
    for size in sizes:
        out = cfg.workdir / f"feeds-{size}"
        cold, report = timed(lambda: _generate(stores[size], out))
        # BENCH_FEED_REPEAT runs in all, the cold one included; the warm ones stop once they
        # have taken WARM_BUDGET seconds (at least one): the figure is the warm median.
        warm: list[float] = []
        while len(warm) < max(1, cfg.feed_repeat - 1) and sum(warm) < WARM_BUDGET:
            warm.append(timed(lambda: _generate(stores[size], out))[0])
        timings[size] = median(warm)
        entries = sum(c.entries for c in report.feeds.values())
        pages = sum(c.archive_pages for c in report.feeds.values())
        members = sum(c.total for c in report.feeds.values())
        details.append(
            f"{size:,} articles: {len(report.feeds)} feeds select {members:,} entries in all,"
            f" {entries} in current documents, {pages:,} archive pages; cold {fmt_seconds(cold)}"
            f" ({len(report.written)} files written), warm {fmt_seconds(timings[size])}"
            f" (median of {len(warm)})"
        )
        ctx.setdefault("feed_dirs", {})[size] = out
    small, large = sizes[0], sizes[-1]
    for size in sizes:
        ratio = timings[size] / timings[small]
        target = f"≤ {TARGET_SECONDS:g} s, flat" if size == large else "flat"
        met = ratio <= 1.5 and (size != large or timings[size] <= TARGET_SECONDS)
        result.rows.append(Row(
            STAGE, f"regenerate all default feeds, {size:,} articles",
            fmt_seconds(timings[size]), f"at {small:,}: {fmt_seconds(timings[small])}",
            fmt_ratio(ratio), target, met,
        ))
    result.notes.append("; ".join(details) + ".")
    if timings[large] > TARGET_SECONDS or timings[large] / timings[small] > 1.5:
        out = cfg.workdir / f"feeds-{large}-current-only"
        _generate(stores[large], out, archives=False)
        current_only = median([timed(lambda: _generate(stores[large], out, archives=False))[0]
                               for _ in range(max(1, cfg.feed_repeat - 1))])
        result.notes.append(
            f"what-if at {large:,}: the same feeds without their archive pages take"
            f" {fmt_seconds(current_only)} (vs {fmt_seconds(timings[large])}): the bound of a"
            " regeneration that skips archive pages whose entries did not change."
        )
        middle = sizes[len(sizes) // 2]
        out = cfg.workdir / f"feeds-{middle}"
        result.notes.append(
            f"regeneration of the {middle:,}-article store (unchanged), "
            + profile_top(lambda: _generate(stores[middle], out))
        )
    return result
