"""Stage 3, crawl: pages/s and peak RSS of a full crawl of a generated replica, beside a bare spider.

The replica serves a generated corpus (bench/corpus.py: the hand-written articles recombined,
with their ground-truth topics) on 127.0.0.1 from this process; the crawl runs as a child
process, exactly as `scrapy crawl baotintuc` with politeness off (no delay, no AutoThrottle) and
the listing/tag depth limits lifted so that it covers the whole site. Then the bare spider
(bench/bare_spider.py) fetches the very same URL list with the same settings. Both are children,
so their wall time, CPU time and peak RSS are their own (os.wait4).

Our crawl runs once (with 5,000 articles it is by far the longest measurement of the suite);
its pages/s is also reported as the median over ten equal slices of the crawl, which shows how
steady it was. The bare spider runs BENCH_BARE_REPEAT times; its median is the peer.
"""

from __future__ import annotations

from pathlib import Path

from bench.common import (
    Config,
    Row,
    StageResult,
    fmt_rate,
    fmt_ratio,
    fmt_seconds,
    median,
    python,
    run_child,
)

STAGE = "3 Crawl"
TARGET_TIME_RATIO = 1.3
TARGET_RSS_MB = 250.0
SLICES = 10


def crawl_args(site_url: str, db: Path, cfg: Config, *, whole_site: bool = True) -> list[str]:
    """`scrapy crawl baotintuc` over the replica with politeness off. `whole_site`: lift the
    listing and tag depth limits (5 and 10 pages), so that one crawl covers every article."""
    depth = ["-s", "TINTUC_MAX_LISTING_PAGES=100000", "-s", "TINTUC_MAX_TAG_PAGES=100000"]
    return [python(), "-m", "scrapy", "crawl", "baotintuc",
            "-a", f"site_url={site_url}", "-a", f"db={db}", "-a", "max_pages=10000000",
            *common_settings(cfg), *(depth if whole_site else [])]


def common_settings(cfg: Config) -> list[str]:
    """Overrides applied to both spiders alike."""
    values = {
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "CONCURRENT_REQUESTS": str(cfg.crawl_concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(cfg.crawl_concurrency),
    }
    return [arg for name, value in values.items() for arg in ("-s", f"{name}={value}")]


def start_site(cfg: Config, ctx: dict, articles: int):
    """The generated replica, started (stopped at the end of the run)."""
    from bench.corpus import write_corpus
    from replica import ReplicaSite

    corpus = write_corpus(cfg.workdir / f"corpus-{articles}", articles)
    site = ReplicaSite(corpus_dir=corpus).start()
    ctx.setdefault("cleanup", []).append(site.stop)
    return site


def slice_rates(times: list[float], slices: int = SLICES) -> list[float]:
    """Requests/s in `slices` consecutive equal-count slices of a crawl's request times."""
    size = len(times) // slices
    rates = []
    for index in range(slices):
        chunk = times[index * size : (index + 1) * size + 1]
        if len(chunk) > 1 and chunk[-1] > chunk[0]:
            rates.append((len(chunk) - 1) / (chunk[-1] - chunk[0]))
    return rates


def run(cfg: Config, ctx: dict) -> StageResult:
    result = StageResult()
    site = start_site(cfg, ctx, cfg.crawl_articles)
    db = cfg.workdir / "crawl.db"
    crawl = run_child(crawl_args(site.url, db, cfg))
    if crawl.returncode != 0:
        raise RuntimeError(f"crawl exited {crawl.returncode}: {crawl.stderr[-2000:]}")
    requests = site.requests
    pages = [r for r in requests if r.path != "/robots.txt"]
    url_file = cfg.workdir / "crawl-urls.txt"
    url_file.write_text("".join(site.url + r.path + "\n" for r in pages), encoding="utf-8")
    ctx["crawl"] = {"site": site, "db": db, "first_requests": requests, "seconds": crawl.seconds}

    bare_runs = []
    for _ in range(cfg.bare_repeat):
        site.clear_requests()
        bare = run_child([python(), "-m", "bench.bare_spider", str(url_file), *common_settings(cfg)])
        if bare.returncode != 0:
            raise RuntimeError(f"bare spider exited {bare.returncode}: {bare.stderr[-2000:]}")
        bare_runs.append(bare)
    site.clear_requests()

    from storage import Store

    with Store.open(db) as store:
        stored = len(store.article_ids())
        run_row = store.runs(limit=1)[0]
    ctx["crawl"]["disallowed"] = disallowed(requests)
    bare_seconds = median([b.seconds for b in bare_runs])
    bare_rss = median([b.max_rss_mb for b in bare_runs])
    ours_rate, bare_rate = len(pages) / crawl.seconds, len(pages) / bare_seconds
    ratio = crawl.seconds / bare_seconds
    steady = median(slice_rates([r.time for r in pages]))
    articles = sum(1 for r in pages if _is_article(r.decoded_path))
    result.rows.append(Row(
        STAGE, f"full crawl, {len(pages):,} pages ({articles:,} articles): pages/s",
        f"{fmt_rate(ours_rate)} (slices: {fmt_rate(steady)})",
        f"bare Scrapy {fmt_rate(bare_rate)}", f"{fmt_ratio(ratio)} time",
        f"≤ {TARGET_TIME_RATIO:g}× bare time", ratio <= TARGET_TIME_RATIO,
    ))
    result.rows.append(Row(
        STAGE, "full crawl: peak RSS of the crawl process", f"{crawl.max_rss_mb:,.0f} MB",
        f"bare Scrapy {bare_rss:,.0f} MB", fmt_ratio(crawl.max_rss_mb / bare_rss),
        f"≤ {TARGET_RSS_MB:g} MB", crawl.max_rss_mb <= TARGET_RSS_MB,
    ))
    result.notes.append(
        f"crawl of {cfg.crawl_articles:,} generated articles at concurrency {cfg.crawl_concurrency}:"
        f" {fmt_seconds(crawl.seconds)} wall, {fmt_seconds(crawl.cpu_seconds)} CPU in the crawl"
        f" process ({crawl.cpu_seconds / crawl.seconds:.0%} of one core); the bare spider"
        f" {fmt_seconds(bare_seconds)} wall, {fmt_seconds(median([b.cpu_seconds for b in bare_runs]))}"
        f" CPU (median of {len(bare_runs)}). Stored {stored:,} articles; the run recorded"
        f" {run_row.pages:,} pages, {run_row.failures} failures, status {run_row.status}."
    )
    return result


def disallowed(requests) -> list[str]:
    """Paths the replica's robots.txt disallows that were requested anyway."""
    from protego import Protego

    from replica.routes import DEFAULT_ROBOTS

    rules = Protego.parse(DEFAULT_ROBOTS)
    return [r.path for r in requests if not rules.can_fetch("http://127.0.0.1" + r.path, "tintuc-feeds")]


def _is_article(path: str) -> bool:
    from crawler.urls import Kind, kind_of

    return kind_of("http://x" + path) is Kind.ARTICLE
