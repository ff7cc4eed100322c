"""Stage 10, freshness: how soon a relevant article reaches the feeds, and what watching costs.

Issue 14 asks that a relevant article reach the feeds within 5 minutes of its publication
(median), 10 minutes at worst (p95), for at most 60 requests an hour to the site besides the
fetches of the new articles themselves. Measured over one simulated day, time compressed:

- **The site**: `ReplicaSite.simulated` at the real site's pace (~137 articles a day:
  BENCH_FRESHNESS_ARTICLES over a tenth of a year per 5,000), on a `ManualClock` that this stage
  moves. The day measured is the last simulated day (a window shorter than a day starts at 07:00,
  the morning rush). The ground truth says when each article was published and which are relevant.
- **The new design**, as the service runs it with its defaults (core/defaults.py,
  scheduler/service.py): the watcher in this process, a round every WATCH_EVERY on a fixed grid
  as the service's interval job (a source due between two rounds waits for the next), the sources
  chosen again every WATCH_SOURCES_EVERY, feeds regenerated at once when a round stored
  something; the daily crawl (CRAWL_EVERY) and the nightly backfill (BACKFILL_AT, BACKFILL_SINCE,
  BACKFILL_BUDGET) as child processes at their virtual times, with the site's clock set there.
  Between events the clock jumps; the real seconds each step took are added to it, so processing
  counts. Before the day: a crawl, a backfill of the whole (short) archive and
  BENCH_FRESHNESS_WARMUP_HOURS of watching, not counted, so the store is steady and the watcher
  has learned its sources' rates.
- **Today's crawler**, the peer: `tintuc crawl` every 30 minutes (an hour of such crawls first),
  over BENCH_FRESHNESS_CRAWL_HOURS of the same day (each crawl is a process of a few seconds:
  a whole day of 48 is left to BENCH_FRESHNESS_CRAWL_HOURS=24).

Freshness of a relevant article: when it first appeared in a regenerated feed file (ours), or
the end of the first crawl that stored it (the peer), minus its publication. Requests per hour:
the replica's log, read after each step and put in the virtual hour the step started in, less
the first fetch of each article published in the window. Politeness is off (no delay) for both:
with the default delay of 1 s, a round that fetches k pages takes k seconds more, a 300-page
crawl five minutes more.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bench.common import Config, Row, StageResult, fmt_ratio, median, python, run_child

STAGE = "10 Freshness"
TARGET_MEDIAN = timedelta(minutes=5)
TARGET_P95 = timedelta(minutes=10)
TARGET_PER_HOUR = 60.0
PEER_EVERY = timedelta(minutes=30)  # today's crawler: the service crawled every 30 minutes
PEER_WARMUP = timedelta(hours=1)  # its crawls before the window (a fresh store's first crawls differ)
DRAIN = timedelta(minutes=30)  # time given after the window to the articles published at its end
RUSH_HOUR = 7  # a window shorter than a day starts at 07:00 (Vietnam time)
ARTICLES_PER_YEAR = 50_000  # the site's pace: 5,000 articles in a tenth of a year, ~137 a day
HOUR = timedelta(hours=1)
_ENTRY_ID = re.compile(r"<id>tag:[^,<]+,\d{4}-\d{2}-\d{2}:(\d{17})</id>")


# -- the window and the site ----------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A stretch of virtual time, [start, end)."""

    start: datetime
    end: datetime

    @property
    def hours(self) -> float:
        return (self.end - self.start) / HOUR

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def label(self) -> str:
        if self.hours >= 24:
            return f"{self.start:%Y-%m-%d}, 24 h"
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


def window(end: datetime, hours: float) -> Span:
    """The simulated day that ends at `end`, or `hours` of it from 07:00 when shorter."""
    day = end - timedelta(days=1)
    if hours >= 24:
        return Span(day, end)
    start = day + timedelta(hours=RUSH_HOUR)
    return Span(start, start + timedelta(hours=hours))


def start_site(cfg: Config, ctx: dict, start: datetime):
    """The simulated site at the real pace, on a manual clock set to `start`."""
    from replica import ManualClock, ReplicaSite

    clock = ManualClock(start)
    years = cfg.freshness_articles / ARTICLES_PER_YEAR
    site = ReplicaSite.simulated(cfg.freshness_articles, years=years, clock=clock).start()
    ctx.setdefault("cleanup", []).append(site.stop)
    return site, clock


# -- what the site was asked ----------------------------------------------------------------------


@dataclass
class Ledger:
    """Requests to the site by the virtual hour of the window they were made in and by what made
    them, less the first fetch of each article published in the window (the news itself)."""

    span: Span
    new_ids: frozenset[str]
    hours: list[Counter] = field(default_factory=list)  # per hour of the window: requests by what made them
    kinds: Counter = field(default_factory=Counter)  # (what, kind of page) over the window
    excluded: int = 0
    _fetched: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.hours = [Counter() for _ in range(math.ceil(self.span.hours))]

    def take(self, site, at: datetime, what: str) -> None:
        """Read (and clear) the site's request log: the requests of one step that began `at`."""
        from bench.backfill import page_kind
        from crawler.urls import article_id

        records = site.requests
        site.clear_requests()
        counted = at in self.span
        for record in records:
            site_id = article_id("http://x" + record.decoded_path)
            if site_id in self.new_ids and site_id not in self._fetched:
                self._fetched.add(site_id)
                self.excluded += counted
                continue
            if counted:
                self.hours[int((at - self.span.start) / HOUR)][what] += 1
                self.kinds[what, page_kind(record.decoded_path)] += 1

    def mean(self) -> float:
        return sum(sum(hour.values()) for hour in self.hours) / self.span.hours

    def busiest(self) -> tuple[int, Counter]:
        index = max(range(len(self.hours)), key=lambda i: sum(self.hours[i].values()))
        return index, self.hours[index]

    def breakdown(self) -> str:
        """Requests per hour by what made them: `watch 25.9, crawl 12.5`."""
        total: Counter = Counter()
        for hour in self.hours:
            total.update(hour)
        return ", ".join(f"{what} {n / self.span.hours:.1f}" for what, n in total.most_common())

    def kinds_text(self) -> str:
        """`watch: 480 rss, 90 article; crawl: …` over the window."""
        by_what: dict[str, list[str]] = {}
        for (what, kind), n in self.kinds.most_common():
            by_what.setdefault(what, []).append(f"{n:,} {kind}")
        return "; ".join(f"{what}: {', '.join(parts)}" for what, parts in by_what.items()) or "none"

    def over(self, limit: float) -> str:
        """The hours of the window with more than `limit` requests, and what made them."""
        hours = [(i, hour) for i, hour in enumerate(self.hours) if sum(hour.values()) > limit]
        if not hours:
            return ""
        named = ", ".join(f"{self.span.start + i * HOUR:%H} h ({hour.most_common(1)[0][0]})" for i, hour in hours)
        return f"{len(hours)} of {len(self.hours)} hours over {limit:g}: {named}"

    def describe_busiest(self) -> str:
        index, hour = self.busiest()
        start = self.span.start + index * HOUR
        parts = ", ".join(f"{what} {n}" for what, n in hour.most_common())
        return f"{sum(hour.values())} ({start:%H}–{start + HOUR:%H} h: {parts or 'nothing'})"


# -- the new design on a virtual clock ------------------------------------------------------------


@dataclass
class Arrivals:
    """When each article was first listed by a polled source, stored, and in a feed file."""

    listed: dict[str, datetime] = field(default_factory=dict)
    in_feed: dict[str, datetime] = field(default_factory=dict)

    def saw(self, ids: Iterable[str], at: datetime) -> None:
        for site_id in ids:
            self.listed.setdefault(site_id, at)

    def fed(self, ids: Iterable[str], at: datetime) -> None:
        for site_id in ids:
            self.in_feed.setdefault(site_id, at)


class VirtualService:
    """The service's jobs that ask the site for something, run one at a time on a virtual clock
    (scheduler/service.py runs them in threads on the real one)."""

    def __init__(self, site, clock, db: Path, out: Path, ledger: Ledger) -> None:
        import feeds
        from core import defaults
        from crawler.classify import load_rules
        from crawler.client import PoliteClient
        from crawler.urls import Site
        from crawler.watch import Watcher
        from scheduler.schedule import parse_schedule, seconds
        from scheduler.service import WATCH_SOURCES_EVERY, ServiceConfig
        from storage import Store

        self.site, self.clock, self.db, self.out, self.ledger = site, clock, db, out, ledger
        rules = load_rules()
        self.watcher = Watcher(rules=rules, site=Site(site.url), client=PoliteClient(delay=0), clock=clock)
        self.definitions, _ = feeds.load_definitions([], list(rules.names))
        self.config = ServiceConfig(db=str(db), out=str(out), site_url=site.url)
        self.round_every = timedelta(seconds=seconds(defaults.WATCH_EVERY))
        self.choose_every = timedelta(seconds=WATCH_SOURCES_EVERY)
        self.crawl_schedule = parse_schedule(defaults.CRAWL_EVERY)
        self.arrivals = Arrivals()
        self.children: list[tuple[str, datetime, float]] = []  # (what, virtual start, real seconds)
        self.rounds = 0
        self.round_seconds = 0.0
        self.rechecked = 0  # stored articles fetched again by the watcher in the window
        self.store = Store.open(db)

    def close(self) -> None:
        self.store.close()

    # -- the jobs -------------------------------------------------------------------------------

    def crawl(self) -> None:
        """The daily crawl: `tintuc crawl` as the service starts it (delay off)."""
        from core import defaults

        c = self.config
        self._child("crawl", ["crawl", "--max-pages", str(c.max_pages), "--rechecks", c.rechecks,
                              "--concurrency", str(defaults.CONCURRENCY)])

    def backfill(self, since: str | None = None, budget: int | None = None) -> None:
        """The nightly backfill as the service starts it; `since=None`: the whole archive."""
        from core import defaults

        args = ["backfill", "--no-progress", "--concurrency", str(defaults.CONCURRENCY)]
        args += ["--since", since] if since else []
        args += ["--budget", str(budget)] if budget else []
        self._child("backfill", args)

    def _child(self, what: str, args: list[str]) -> None:
        """One crawl or backfill process at the current virtual time; the clock then moves on by
        its real duration, and the feeds are regenerated if the store changed."""
        start = self.clock()
        revision = self.store.revision()
        child = run_child([python(), "-m", "tintuc.cli", *args, "--db", str(self.db), "--site-url",
                           self.site.url, "--delay", "0", "--now", start.isoformat()], timeout=3600)
        if child.returncode != 0:
            raise RuntimeError(f"{what} at {start} exited {child.returncode}: {child.stderr[-2000:]}")
        self.clock.advance(seconds=child.seconds)
        self.ledger.take(self.site, start, what)
        self.children.append((what, start, child.seconds))
        if self.store.revision() != revision:
            self._regenerate()

    def watch_round(self, choose: bool) -> None:
        """One round of the watcher (sources chosen again first when `choose`); the feeds at once
        when it stored something new or changed."""
        start = self.clock()
        began = time.perf_counter()
        if choose:
            self.watcher.choose_sources(self.store)
        report = self.watcher.poll_due(self.store)
        if report.polled:
            self.arrivals.saw((i for s in self.store.watched_sources() for i in s.listed_ids), start)
        self.clock.advance(seconds=time.perf_counter() - began)
        self.ledger.take(self.site, start, "watch")
        if report.changed:
            self._regenerate()
        self.rounds += 1
        self.round_seconds += time.perf_counter() - began
        self.rechecked += report.rechecked if start in self.ledger.span else 0

    def _regenerate(self) -> None:
        """feeds_job: every feed regenerated (the clock moves on by the time it takes); the
        articles in the files written are in a feed from then."""
        import feeds

        began = time.perf_counter()
        report = feeds.generate(self.store, self.definitions, self.out, base_url=self.config.public_base_url,
                                now=self.clock())
        self.clock.advance(seconds=time.perf_counter() - began)
        written = [self.out / name for name in report.written if name.endswith(".atom")]
        ids = {i for path in written for i in _ENTRY_ID.findall(path.read_text(encoding="utf-8"))}
        self.arrivals.fed(ids, self.clock())

    # -- the schedule ---------------------------------------------------------------------------

    def run(self, until: datetime, last_crawl: datetime) -> None:
        """Every job at its virtual time until `until`: watch rounds on the WATCH_EVERY grid (a
        round that overran pushes the next to the grid's next tick), the crawl CRAWL_EVERY after
        the last one, the backfill daily at BACKFILL_AT."""
        from core import defaults

        origin = self.clock()
        next_round = origin
        next_choice = origin
        next_crawl = self.crawl_schedule.first_run(last_crawl, origin)
        next_backfill = _next_daily(defaults.BACKFILL_AT, origin)
        while self.clock() < until:
            due = min(next_round, next_crawl, next_backfill)
            if due > self.clock():
                self.clock.set(due)
            now = self.clock()
            if next_crawl <= now:
                self.crawl()
                next_crawl += timedelta(seconds=self.crawl_schedule.period)
            elif next_backfill <= now:
                self.backfill(defaults.BACKFILL_SINCE, defaults.BACKFILL_BUDGET)
                next_backfill = _next_daily(defaults.BACKFILL_AT, now + timedelta(minutes=1))
            else:
                choose = next_choice <= now
                self.watch_round(choose)
                if choose:
                    next_choice = now + self.choose_every
                ticks = math.floor((self.clock() - origin) / self.round_every) + 1
                next_round = origin + ticks * self.round_every


def _next_daily(at: str, after: datetime) -> datetime:
    """The next HH:MM (Vietnam time) at or after `after`."""
    from core.clock import VIETNAM_TZ

    hour, minute = (int(part) for part in at.split(":"))
    local = after.astimezone(VIETNAM_TZ)
    moment = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return moment if moment >= local else moment + timedelta(days=1)


# -- today's crawler ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrawlSeries:
    """Today's crawler over a window: when each crawl started and how long it took."""

    runs: tuple[tuple[datetime, float], ...]
    db: Path
    ledger: Ledger

    def arrival(self, first_seen: datetime) -> datetime | None:
        """The end of the crawl that stored an article first seen at `first_seen`."""
        for start, seconds in reversed(self.runs):
            if start <= first_seen + timedelta(seconds=1):
                return start + timedelta(seconds=seconds)
        return None


def crawl_series(site, clock, db: Path, span: Span, new_ids: frozenset[str]) -> CrawlSeries:
    """`tintuc crawl` every 30 minutes from an hour before the window to its end (that last
    crawl catches what the window's last half hour published)."""
    from core import defaults

    ledger = Ledger(span, new_ids)
    runs = []
    moment = span.start - PEER_WARMUP
    while moment <= span.end:
        clock.set(moment)
        child = run_child([python(), "-m", "tintuc.cli", "crawl", "--db", str(db), "--site-url", site.url,
                           "--delay", "0", "--concurrency", str(defaults.CONCURRENCY),
                           "--max-pages", str(defaults.MAX_PAGES), "--now", moment.isoformat()], timeout=3600)
        if child.returncode != 0:
            raise RuntimeError(f"crawl at {moment} exited {child.returncode}: {child.stderr[-2000:]}")
        ledger.take(site, moment, "crawl")
        runs.append((moment, child.seconds))
        moment += PEER_EVERY
    return CrawlSeries(tuple(runs), db, ledger)


# -- figures --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One design's figures over its window: seconds from publication to arrival, sorted (inf:
    never arrived), of the relevant articles and of every article published."""

    relevant: list[float]
    every: list[float]
    ledger: Ledger
    missed: str = ""  # why relevant articles never arrived
    stages: tuple[tuple[float, float], ...] = ()  # per relevant article arrived: (seen, seen → feed) seconds

    @property
    def never(self) -> int:
        return sum(math.isinf(v) for v in self.relevant)

    def arrived(self) -> list[float]:
        return [v for v in self.relevant if not math.isinf(v)]

    def limits(self, target: float) -> str:
        """What keeps the figure over `target` seconds: articles that never arrived, and for the
        late ones how long until the watcher saw them and how long from there to the feed."""
        late = [(seen, after) for seen, after in self.stages if seen + after > target]
        parts = [self.missed] if self.missed else []
        if late:
            parts.append(f"{len(late)} late: seen after {fmt_minutes(median([s for s, _ in late]))},"
                         f" then {fmt_minutes(median([a for _, a in late]))} to the feed (medians)")
        return "; ".join(parts)


def stored_times(db: Path, ids: Iterable[str]) -> dict[str, tuple[datetime, bool]]:
    """For each stored article among `ids`: when it was first stored, and whether in a topic."""
    from storage import Store

    found = {}
    with Store.open(db) as store:
        for site_id in ids:
            record = store.article(site_id)
            if record is not None:
                found[site_id] = (datetime.fromisoformat(record["first_seen"]), bool(record["topics"]))
    return found


def delays(simulation, ids: Iterable[str], arrived: dict[str, datetime]) -> list[float]:
    """Seconds from publication to arrival, sorted; inf for an article that never arrived."""
    return sorted(
        (arrived[i] - simulation.published(i)).total_seconds() if i in arrived else math.inf for i in ids
    )


def rank(values: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted values (nan when there are none)."""
    if not values:
        return math.nan
    return values[max(0, math.ceil(share * len(values)) - 1)]


def fmt_minutes(seconds: float) -> str:
    if math.isnan(seconds):
        return "n/a"
    if math.isinf(seconds):
        return "∞"
    return f"{seconds / 60:.1f} min"


def sooner(ours: float, peer: float) -> str:
    if not all(math.isfinite(v) for v in (ours, peer)) or ours <= 0:
        return "—"
    return f"{fmt_ratio(peer / ours)} sooner"


def why_missed(simulation, ids: Iterable[str], arrivals: Arrivals, stored: dict[str, tuple[datetime, bool]]) -> str:
    """Why relevant articles never reached a feed: classified off-topic once fetched, judged by
    their headline (crawler/focus.py), or never listed by a watched source."""
    from crawler.classify import load_rules
    from crawler.focus import worth_fetching

    rules = load_rules()
    reasons: Counter = Counter()
    for site_id in ids:
        if site_id in arrivals.in_feed:
            continue
        article = simulation.article(site_id)
        if site_id in stored:
            reasons["stored, classified off-topic" if not stored[site_id][1] else "stored, in no feed"] += 1
        elif site_id not in arrivals.listed:
            reasons["never listed by a watched source"] += 1
        elif not worth_fetching(article.title, article.sapo, rules):
            reasons["headline not worth fetching"] += 1
        else:
            reasons["listed, worth fetching, not stored"] += 1
    return "; ".join(f"{n} {why}" for why, n in reasons.most_common())


# -- the stage ------------------------------------------------------------------------------------


def measure_ours(cfg: Config, site, clock, span: Span) -> tuple[Outcome, VirtualService]:
    """The service's design over the window, after its warm-up."""
    simulation = site.simulation
    published = [a.id for a in simulation.published_between(span.start, span.end)]
    relevant = [i for i in published if i in simulation.environment | simulation.vietnam_japan]
    service = VirtualService(site, clock, cfg.workdir / "fresh.db", cfg.workdir / "fresh-feeds",
                             Ledger(span, frozenset(published)))
    try:
        service.crawl()
        last_crawl = clock()
        service.backfill()  # the whole archive (a few weeks here): the store a running service has
        service.run(span.end + DRAIN, last_crawl)
    finally:
        service.close()
    stored = stored_times(service.db, published)
    arrivals = service.arrivals
    seen = earliest(arrivals.listed, {i: when for i, (when, _) in stored.items()})
    fed = [i for i in relevant if i in arrivals.in_feed]
    return Outcome(
        relevant=delays(simulation, relevant, arrivals.in_feed),
        every=delays(simulation, published, seen),
        ledger=service.ledger,
        missed=why_missed(simulation, relevant, arrivals, stored),
        stages=tuple(((seen[i] - simulation.published(i)).total_seconds(),
                      (arrivals.in_feed[i] - seen[i]).total_seconds()) for i in fed if i in seen),
    ), service


def earliest(*times: dict[str, datetime]) -> dict[str, datetime]:
    """For each id in any of the maps, its earliest time."""
    merged: dict[str, datetime] = {}
    for mapping in times:
        for key, when in mapping.items():
            merged[key] = min(when, merged.get(key, when))
    return merged


def measure_peer(cfg: Config, site, clock, span: Span) -> tuple[Outcome, CrawlSeries]:
    """Today's crawler over its window: an article arrives when the crawl that stored it ends."""
    simulation = site.simulation
    published = [a.id for a in simulation.published_between(span.start, span.end)]
    relevant = [i for i in published if i in simulation.environment | simulation.vietnam_japan]
    series = crawl_series(site, clock, cfg.workdir / "fresh-peer.db", span, frozenset(published))
    stored = stored_times(series.db, published)
    arrived = {i: t for i, (seen, _) in stored.items() if (t := series.arrival(seen)) is not None}
    in_topic = {i: t for i, t in arrived.items() if stored[i][1]}
    return Outcome(delays(simulation, relevant, in_topic), delays(simulation, published, arrived),
                   series.ledger), series


def run(cfg: Config, ctx: dict) -> StageResult:
    from replica.simulated import DEFAULT_END

    span, peer_span = window(DEFAULT_END, cfg.freshness_hours), window(DEFAULT_END, cfg.freshness_crawl_hours)
    site, clock = start_site(cfg, ctx, span.start - timedelta(hours=cfg.freshness_warmup_hours))
    if site.simulation.end != DEFAULT_END:
        raise RuntimeError(f"the simulation ends at {site.simulation.end}, not {DEFAULT_END}")
    began = time.perf_counter()
    ours, service = measure_ours(cfg, site, clock, span)
    ours_seconds = time.perf_counter() - began
    began = time.perf_counter()
    peer, series = measure_peer(cfg, site, clock, peer_span)
    peer_seconds = time.perf_counter() - began

    result = StageResult(rows=rows(span, peer_span, ours, peer))
    result.notes.append(summary(cfg, site.simulation, span, service, ours, ours_seconds) + " "
                        + peer_summary(peer_span, series, peer_seconds))
    return result


def rows(span: Span, peer_span: Span, ours: Outcome, peer: Outcome) -> list[Row]:
    """The table's rows: freshness median and p95 of the relevant articles, detection of every
    article, requests per hour (mean, busiest)."""
    crawls = f"30-min crawls {peer_span.label()}"
    mid, p95 = rank(ours.relevant, 0.5), rank(ours.relevant, 0.95)
    peer_median, peer_p95 = rank(peer.relevant, 0.5), rank(peer.relevant, 0.95)
    mid_met = None if math.isnan(mid) else mid <= TARGET_MEDIAN.total_seconds()
    p95_met = None if math.isnan(p95) else p95 <= TARGET_P95.total_seconds()
    mean, peer_mean = ours.ledger.mean(), peer.ledger.mean()
    rate_met = mean <= TARGET_PER_HOUR
    return [
        Row(STAGE, f"relevant articles published {span.label()} ({len(ours.relevant)}): median publication → feed",
            fmt_minutes(mid), f"{crawls} ({len(peer.relevant)}): {fmt_minutes(peer_median)}",
            sooner(mid, peer_median), f"≤ {fmt_minutes(TARGET_MEDIAN.total_seconds())}", mid_met,
            note="" if mid_met is not False else ours.limits(TARGET_MEDIAN.total_seconds())),
        Row(STAGE, "… p95 (max of those that arrived; never in a feed)",
            f"{fmt_minutes(p95)} (max {fmt_minutes(max(ours.arrived(), default=math.nan))}; {ours.never} never)",
            f"{fmt_minutes(peer_p95)} (max {fmt_minutes(max(peer.arrived(), default=math.nan))};"
            f" {peer.never} never)",
            sooner(p95, peer_p95), f"≤ {fmt_minutes(TARGET_P95.total_seconds())}", p95_met,
            note=ours.limits(TARGET_P95.total_seconds()) if ours.never or p95_met is False else ""),
        Row(STAGE, f"every article published ({len(ours.every)}): median / p95 publication → seen or stored",
            f"{fmt_minutes(rank(ours.every, 0.5))} / {fmt_minutes(rank(ours.every, 0.95))}"
            f" ({sum(math.isinf(v) for v in ours.every)} never)",
            f"stored by a crawl ({len(peer.every)}): {fmt_minutes(rank(peer.every, 0.5))} /"
            f" {fmt_minutes(rank(peer.every, 0.95))} ({sum(math.isinf(v) for v in peer.every)} never)",
            sooner(rank(ours.every, 0.5), rank(peer.every, 0.5)), "—", None),
        Row(STAGE, f"requests per hour to the site, new articles' first fetches left out: mean of"
            f" {span.hours:g} h", f"{mean:,.1f}", f"{crawls}: {peer_mean:,.0f}",
            fmt_ratio(mean / peer_mean) if peer_mean else "—", f"≤ {TARGET_PER_HOUR:g}", rate_met,
            note="" if rate_met else "per hour: " + ours.ledger.breakdown()),
        Row(STAGE, "… the busiest hour", ours.ledger.describe_busiest(),
            f"{crawls}: {peer.ledger.describe_busiest()}", "—", "—", None,
            note=ours.ledger.over(TARGET_PER_HOUR)),
    ]


def summary(cfg: Config, simulation, span: Span, service: VirtualService, ours: Outcome, seconds: float) -> str:
    children = ", ".join(f"{what} at {start:%m-%d %H:%M} ({took:.1f} s)" for what, start, took in service.children)
    ledger = ours.ledger
    return (
        f"simulated site of {len(simulation.articles):,} articles ({simulation.start:%Y-%m-%d} to"
        f" {simulation.end:%Y-%m-%d}); window {span.label()} after {cfg.freshness_warmup_hours:g} h of"
        f" watching (and {DRAIN / timedelta(minutes=1):g} min more for its last articles, not counted); {len(ours.relevant)} relevant"
        f" articles published in it, {ours.never} never reached a feed"
        + (f" ({ours.missed})" if ours.never else "") + "."
        f" The new design: {service.rounds:,} watch rounds ({service.round_seconds:.1f} s real),"
        f" crawls and backfills {children}; requests counted in the window by kind: {ledger.kinds_text()}"
        f" ({service.rechecked} of the watcher's article requests re-checks of stored articles, in a"
        f" topic or not); {ledger.excluded} first fetches of new articles left out; {seconds:.0f} s real."
        + (f" With {len(ours.relevant)} relevant articles the p95 is a high rank among few: the row of every"
           " article is the larger sample." if len(ours.relevant) < 20 else "")
    )


def peer_summary(span: Span, series: CrawlSeries, seconds: float) -> str:
    took = sorted(s for _, s in series.runs)
    return (
        f"Today's crawler: {len(series.runs)} crawls from {series.runs[0][0]:%H:%M} to"
        f" {series.runs[-1][0]:%H:%M} (window {span.label()}), median {took[len(took) // 2]:.1f} s each;"
        f" requests by kind: {series.ledger.kinds_text()}; {seconds:.0f} s real."
    )
