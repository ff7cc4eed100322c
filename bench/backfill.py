"""Stage 9, backfill: how much of the archive's relevant news a backfill finds, and at what cost.

Issue 14 asks `tintuc backfill` to find at least 0.95 of the relevant articles the site lists for
at most 2 requests per relevant article found, listing and tag pages included. Measured on the
simulated site (`ReplicaSite.simulated`: BENCH_BACKFILL_ARTICLES articles over ten years per
50,000, i.e. the real archive's ~13.7 articles a day), served from this process, whose ground
truth says which articles are relevant (`simulation.environment | simulation.vietnam_japan`).

Each run is the real command in a child process, into a fresh database, politeness off (no
delay: the request count does not depend on it, the wall time would); its requests are counted
on the replica's own log, robots.txt and the home page included:

- the whole archive (`tintuc backfill`), the figure the targets are about;
- today's crawler on the same site (`tintuc crawl` with its default page budget), the peer;
- one closed window 3–4 years back (`--since`/`--until`: a calendar year), which must first
  locate the window's first page of each listing (a galloping then binary search) instead of
  reading every newer page: its probes are counted beside the pages they spare.

Recall is of the relevant articles stored *with a topic* (what reaches a feed); "fetched" is of
those whose page was requested at all (the rest were judged by their headline alone).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bench.common import Config, Row, StageResult, fmt_ratio, fmt_seconds, python, run_child

STAGE = "9 Backfill"
TARGET_RECALL = 0.95
TARGET_REQUESTS = 2.0  # per relevant article found
DAYS_PER_50K = 3652.5  # the simulated archive: ten years per 50,000 articles (~13.7 a day)


@dataclass(frozen=True)
class Harvest:
    """What one run asked of the site and what it stored of the relevant articles."""

    requests: Counter  # by kind of page: article, listing, tag, rss, robots, home, other
    log: tuple  # the replica's request records, in order
    found: frozenset[str]  # relevant articles stored with a topic
    fetched: frozenset[str]  # relevant articles whose page was requested
    stored: int  # articles stored, relevant or not
    seconds: float  # wall time of the child process

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    def per_found(self) -> float:
        return self.total / len(self.found) if self.found else math.inf

    def breakdown(self) -> str:
        """`1,352 listing + 151 tag + 2,540 article + 2 other` (robots.txt, home page)."""
        main = ("listing", "tag", "rss", "article")
        parts = [f"{self.requests[k]:,} {k}" for k in main if self.requests[k]]
        other = self.total - sum(self.requests[k] for k in main)
        return " + ".join(parts + ([f"{other} other"] if other else []))


def start_site(cfg: Config, ctx: dict):
    """The simulated archive, started (stopped at the end of the run), its clock at the end of
    the simulated period whatever the machine's date: every article is published."""
    from replica import ManualClock, ReplicaSite
    from replica.simulated import DEFAULT_END

    years = DAYS_PER_50K / 365.25 * cfg.backfill_articles / 50_000
    site = ReplicaSite.simulated(cfg.backfill_articles, years=years, clock=ManualClock(DEFAULT_END)).start()
    ctx.setdefault("cleanup", []).append(site.stop)
    return site


def page_kind(path: str) -> str:
    """What a requested path is, for the counts."""
    from crawler.urls import kind_of

    if path == "/robots.txt":
        return "robots"
    if path == "/":
        return "home"
    kind = kind_of("http://x" + path)
    return "other" if kind is None else {"rss-index": "rss"}.get(kind.value, kind.value)


def requested_articles(requests) -> set[str]:
    from crawler.urls import article_id

    return {i for r in requests if (i := article_id("http://x" + r.decoded_path))}


def harvest(site, db: Path, args: list[str], relevant: frozenset[str]) -> Harvest:
    """Run `python -m tintuc.cli ARGS` against the site into `db`, at the site's time, and count
    what it did."""
    from storage import Store

    site.clear_requests()
    child = run_child([python(), "-m", "tintuc.cli", *args, "--db", str(db), "--site-url", site.url,
                       "--now", site.now().isoformat()], timeout=3600)
    if child.returncode != 0:
        raise RuntimeError(f"{args[0]} exited {child.returncode}: {child.stderr[-2000:]}")
    requests = site.requests
    site.clear_requests()
    with Store.open(db) as store:
        stored = store.article_ids()
        topical = store.article_ids("environment") | store.article_ids("vietnam-japan")
    return Harvest(
        requests=Counter(page_kind(r.decoded_path) for r in requests),
        log=tuple(requests),
        found=frozenset(relevant & topical),
        fetched=frozenset(relevant & requested_articles(requests)),
        stored=len(stored),
        seconds=child.seconds,
    )


def closed_window(simulation) -> tuple[date, date]:
    """A calendar year 3–4 years before the archive's end; on a short archive (quick mode), the
    fifth of it that starts 40 % of the way in."""
    from replica.corpus import VN_TZ

    end = simulation.end.astimezone(VN_TZ).date()
    start = simulation.start.astimezone(VN_TZ).date()
    year = end.year - 4
    if date(year, 1, 1) >= start:
        return date(year, 1, 1), date(year, 12, 31)
    span = (end - start).days
    since = start + timedelta(days=round(span * 0.4))
    return since, since + timedelta(days=max(8, round(span * 0.2)))


def in_window(simulation, ids: frozenset[str], since: date, until: date) -> frozenset[str]:
    from replica.corpus import VN_TZ

    return frozenset(i for i in ids if since <= simulation.published(i).astimezone(VN_TZ).date() <= until)


@dataclass(frozen=True)
class Search:
    """How a windowed backfill reached its window in each listing, read from its requests."""

    probes: int  # listing requests that were steps of the search for the window's first page
    walked: int  # listing pages read as the window's own (from the first page that reaches it on)
    skipped: int  # pages before each listing's first window page: what a walk from page 1 reads more


def located_start(requests) -> Search:
    """Each listing's requests come one after another (the next page is asked for once the last
    one is read), so its page numbers end with the walk proper, a run of consecutive pages; what
    comes before are the probes of the search (galloping, then halving)."""
    from crawler.urls import Kind, kind_of, listing_page, page_number

    pages: dict[str, list[int]] = {}
    for record in requests:
        url = "http://x" + record.decoded_path
        if kind_of(url) is Kind.LISTING:
            pages.setdefault(listing_page(url, 1), []).append(page_number(url))
    probes = walked = skipped = 0
    for numbers in pages.values():
        run = 1
        while run < len(numbers) and numbers[-run - 1] == numbers[-run] - 1:
            run += 1
        probes += len(numbers) - run
        walked += run
        skipped += numbers[-run] - 1
    return Search(probes, walked, skipped)


def tag_finds(db: Path, since: date, until: date) -> int:
    """Articles the tag walks of a backfill queued (the listings had not)."""
    from crawler.backfill import Window
    from storage import Store

    with Store.open(db) as store:
        return sum(s.candidates for s in store.backfill_sources(Window(since, until).key) if s.kind == "tag")


def run(cfg: Config, ctx: dict) -> StageResult:
    from core import defaults

    result = StageResult()
    site = start_site(cfg, ctx)
    simulation = site.simulation
    relevant = frozenset(simulation.environment | simulation.vietnam_japan)
    common = ["--delay", "0", "--concurrency", str(cfg.crawl_concurrency)]

    whole = harvest(site, cfg.workdir / "backfill-whole.db", ["backfill", *common, "--no-progress"], relevant)
    crawl = harvest(site, cfg.workdir / "backfill-crawl.db",
                    ["crawl", *common, "--max-pages", str(defaults.MAX_PAGES)], relevant)
    since, until = closed_window(simulation)
    window_db = cfg.workdir / "backfill-window.db"
    windowed = harvest(site, window_db, ["backfill", *common, "--no-progress", "--since", since.isoformat(),
                                         "--until", until.isoformat()], relevant)

    n = len(relevant)
    recall, crawl_recall = len(whole.found) / n, len(crawl.found) / n
    result.rows.append(Row(
        STAGE, f"whole archive ({len(simulation.articles):,} articles, {n:,} relevant): recall (fetched at all)",
        f"{recall:.3f} ({len(whole.found):,}; fetched {len(whole.fetched) / n:.3f})",
        f"one crawl of {defaults.MAX_PAGES} pages {crawl_recall:.3f} ({len(crawl.found):,})",
        fmt_ratio(recall / crawl_recall) if crawl_recall else "—",
        f"≥ {TARGET_RECALL:g}", recall >= TARGET_RECALL,
        note="" if recall >= TARGET_RECALL else misses(simulation, relevant, whole),
    ))
    result.rows.append(Row(
        STAGE, "whole archive: requests per relevant article found (every request, robots.txt included)",
        f"{whole.per_found():.2f} ({whole.breakdown()})", f"one crawl {crawl.per_found():.2f} ({crawl.total:,})",
        fmt_ratio(whole.per_found() / crawl.per_found()), f"≤ {TARGET_REQUESTS:g}",
        whole.per_found() <= TARGET_REQUESTS,
        note="" if whole.per_found() <= TARGET_REQUESTS else cost_note(whole),
    ))

    in_range = in_window(simulation, relevant, since, until)
    found = windowed.found & in_range
    w_recall = len(found) / len(in_range) if in_range else math.nan
    w_cost = windowed.total / len(found) if found else math.inf
    search = located_start(windowed.log)
    w_met = w_recall >= TARGET_RECALL and w_cost <= TARGET_REQUESTS
    result.rows.append(Row(
        STAGE, f"--since {since} --until {until} ({len(in_range)} relevant): recall / requests per relevant",
        f"{w_recall:.3f} ({len(found)}) / {w_cost:.2f} ({windowed.total:,})",
        f"located start: {search.probes} probes instead of {search.skipped:,} pages", "—",
        f"≥ {TARGET_RECALL:g} / ≤ {TARGET_REQUESTS:g}", w_met,
        note="" if w_met else window_note(windowed, search, len(in_range), tag_finds(window_db, since, until)),
    ))
    result.notes.append(
        f"simulated archive of {len(simulation.articles):,} articles ({simulation.start:%Y-%m-%d} to"
        f" {simulation.end:%Y-%m-%d}), {n:,} relevant; politeness off (no delay), concurrency"
        f" {cfg.crawl_concurrency}. Requests counted on the replica's log, robots.txt and home page"
        f" included. Whole-archive backfill: {whole.breakdown()} in {fmt_seconds(whole.seconds)},"
        f" {whole.stored:,} articles stored; {misses(simulation, relevant, whole)}. Crawl: {crawl.breakdown()} in {fmt_seconds(crawl.seconds)},"
        f" {crawl.stored:,} stored. Window {since}..{until}: {windowed.breakdown()} in"
        f" {fmt_seconds(windowed.seconds)}; {search.probes} of its listing requests located the window's"
        f" first pages (a walk from page 1 would have read {search.skipped:,} pages more), {search.walked}"
        f" were the window's own pages; {len(windowed.found - in_range)} relevant articles"
        f" outside the window stored."
    )
    return result


def misses(simulation, relevant: frozenset[str], harvest_: Harvest) -> str:
    """Why the relevant articles a run did not store with a topic were missed: fetched but
    classified off-topic, never fetched although their headline is worth it (no walk reached
    their page), or never fetched because their headline is not (crawler/focus.py)."""
    from crawler.classify import load_rules
    from crawler.focus import worth_fetching

    rules = load_rules()
    missed = relevant - harvest_.found
    unfetched = missed - harvest_.fetched
    judged = sum(1 for i in unfetched if not worth_fetching(simulation.article(i).title,
                                                            simulation.article(i).sapo, rules))
    return (f"{len(missed):,} missed: {judged:,} by their headline (not worth fetching),"
            f" {len(unfetched) - judged:,} on pages not read, {len(missed) - len(unfetched):,}"
            f" fetched but classified off-topic")


def cost_note(harvest_: Harvest) -> str:
    """Where the requests per relevant article found go, when they are too many."""
    n = len(harvest_.found)
    pages = harvest_.total - harvest_.requests["article"]
    return (f"{pages / n:.2f} listing/tag pages and {harvest_.requests['article'] / n:.2f} article fetches"
            f" per relevant article found")


def window_note(windowed: Harvest, search: Search, relevant: int, tag_found: int) -> str:
    """Why a window costs more than the target: its listings are read whole (the stopping rule for
    thin listings is for open walks only: a window is asked for whole), and the search for its
    start costs probes. At about one relevant article per listing page, reading pages whole costs
    over one request per relevant article before any article is fetched."""
    tags = (f"; {windowed.requests['tag']:,} tag pages found {tag_found} more" if windowed.requests["tag"]
            else "; no tag pages (a window's listings are read whole)")
    return (f"its listings are read whole: {search.walked:,} pages ({search.walked / relevant:.1f} per"
            f" relevant article) + {search.probes} probes to find where the window starts{tags}")
