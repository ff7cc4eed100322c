"""Benchmarks of every stage of tintuc-feeds, each against its peer and its limit (issue #6).

Run with `make bench` or `python -m bench` (see bench/__main__.py); results go to
docs/benchmarks.md. One module per stage, each with `run(cfg, ctx) -> StageResult`:

extraction, classification, crawl (+ bare_spider), incremental, storage, feeds, serving,
backfill, freshness.

Knobs (environment): BENCH_QUICK=1 (tiny sizes), BENCH_REPEAT, BENCH_CRAWL_ARTICLES,
BENCH_CONCURRENCY, BENCH_BARE_REPEAT, BENCH_NEW_ARTICLES, BENCH_STORE_SIZES, BENCH_FEED_REPEAT,
BENCH_SERVE_SECONDS, BENCH_SERVE_CONNECTIONS, BENCH_BACKFILL_ARTICLES, BENCH_FRESHNESS_ARTICLES,
BENCH_FRESHNESS_HOURS, BENCH_FRESHNESS_WARMUP_HOURS, BENCH_FRESHNESS_CRAWL_HOURS. Timings are
never asserted anywhere: the smoke test (tests/test_bench_smoke.py) only checks that the suite
runs and prints every row.
"""
