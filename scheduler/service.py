"""The service behind `tintuc run`: watch, crawl and backfill on schedules, regenerate feeds,
maintain, serve.

APScheduler runs the jobs in background threads: the watcher's rounds (crawler/watch.py), which
bring new articles within minutes; a daily crawl, which discovers widely; a nightly backfill of
the last days, the safety net under the watcher (and, given a date, a walk of the archive a
night at a time); the feeds' regeneration; the daily maintenance. A crawl and a backfill each
run in their own process, one after the other, never together. uvicorn serves the feeds (and
/healthz) in the main thread and owns the signal handling: SIGINT/SIGTERM stop the server, then
the service stops the scheduler, asks a running crawl or backfill to finish, and exits 0 with
the database consistent.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core import defaults
from core.clock import VIETNAM_TZ, Clock, utc_now
from scheduler.crawljob import CrawlOutcome, CrawlProcess
from scheduler.health import health_report, write_health_feed
from scheduler.schedule import parse_schedule, retry_delay, seconds
from storage import Store

logger = logging.getLogger(__name__)

WATCH_SOURCES_EVERY = 600.0  # seconds between two choices of what the watcher watches
KEEP_FINISHED_BACKFILLS = timedelta(days=30)  # then maintenance forgets where a finished backfill stood


@dataclass
class ServiceConfig:
    """Every setting of the service; `tintuc run` fills it from options, env and config file."""

    db: str = defaults.DB
    out: str = defaults.OUT
    site_url: str = defaults.SITE_URL
    host: str = defaults.HOST
    port: int = defaults.PORT
    base_url: str = ""  # public URL of the feeds; default http://host:port/
    crawl_every: str = defaults.CRAWL_EVERY  # interval or five-field cron expression (Vietnam time)
    crawl_jitter: float | None = None  # seconds; default a tenth of the interval, at most 5 min
    crawl_timeout: str = defaults.CRAWL_TIMEOUT  # a crawl still running after this is killed
    delay: float = defaults.DELAY  # politeness delay passed to each crawl
    concurrency: int = defaults.CONCURRENCY  # requests in flight, passed to each crawl
    max_pages: int = defaults.MAX_PAGES
    topics: str | None = None
    rechecks: str = defaults.RECHECKS  # passed to each crawl
    watch: bool = True  # poll the watched sources between crawls
    watch_every: str = defaults.WATCH_EVERY  # how often to look for sources that are due
    backfill_at: str = defaults.BACKFILL_AT  # nightly, Vietnam time; "off": no nightly backfill
    backfill_since: str = defaults.BACKFILL_SINCE  # what it covers: a duration back, or a date
    backfill_budget: int = defaults.BACKFILL_BUDGET  # requests a night
    feeds_every: str = defaults.FEEDS_EVERY  # safety regeneration, besides the one after each changing crawl
    maintenance_at: str = defaults.MAINTENANCE_AT  # daily, Vietnam time
    backups: str = ""  # directory of daily backups; default <db dir>/backups
    keep_backups: int = defaults.KEEP_BACKUPS
    unhealthy_after: int = 3  # failed crawls in a row that turn /healthz to 503
    feed_definitions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def public_base_url(self) -> str:
        return self.base_url or f"http://{self.host}:{self.port}/"


class Service:
    def __init__(
        self, config: ServiceConfig, crawl_command: list[str] | None = None, *, clock: Clock = utc_now
    ) -> None:
        self.config = config
        self.clock = clock  # what the service records and names files by (tests set it)
        self.schedule = parse_schedule(config.crawl_every, jitter=config.crawl_jitter)
        self.crawl_timeout = seconds(config.crawl_timeout)
        self.crawl_command = crawl_command or self._default_crawl_command()
        self.watcher = self._watcher() if config.watch else None
        self._sources_chosen = float("-inf")  # when the watcher last chose its sources (monotonic)
        self._feeds_lock = threading.Lock()
        self._site_lock = threading.Lock()  # one crawl or backfill at a time
        self._crawl: CrawlProcess | None = None  # the crawl or backfill running
        self._stopping = threading.Event()
        self.scheduler = BackgroundScheduler(
            timezone=VIETNAM_TZ,
            job_defaults={
                # APScheduler 3's defaults skip a job one second late (misfire_grace_time=1):
                # a busy machine must delay a crawl, not drop it.
                "misfire_grace_time": max(60, int(self.schedule.period)),
                "coalesce": True,  # after a long pause, run once, not once per missed slot
                "max_instances": 1,  # never two crawls (or two regenerations) at once
            },
        )
        Path(config.out).mkdir(parents=True, exist_ok=True)
        with Store.open(config.db):  # create or migrate the database before anything runs
            pass

    def _default_crawl_command(self) -> list[str]:
        c = self.config
        argv = [sys.executable, "-m", "tintuc.cli", "crawl", "--db", c.db, "--site-url", c.site_url,
                "--delay", str(c.delay), "--concurrency", str(c.concurrency),
                "--max-pages", str(c.max_pages), "--rechecks", c.rechecks]
        return argv + (["--topics", c.topics] if c.topics else [])

    def _backfill_command(self) -> list[str]:
        c = self.config
        argv = [sys.executable, "-m", "tintuc.cli", "backfill", "--db", c.db, "--site-url", c.site_url,
                "--since", c.backfill_since, "--budget", str(c.backfill_budget), "--delay", str(c.delay),
                "--concurrency", str(c.concurrency), "--no-progress"]
        return argv + (["--topics", c.topics] if c.topics else [])

    def _watcher(self):  # noqa: ANN202 (crawler.watch.Watcher, imported when watching)
        from core.durations import parse_durations
        from crawler.classify import load_rules
        from crawler.client import PoliteClient
        from crawler.urls import Site
        from crawler.watch import Watcher

        c = self.config
        return Watcher(rules=load_rules(c.topics), site=Site(c.site_url), client=PoliteClient(delay=c.delay),
                       clock=self.clock, rechecks=parse_durations(c.rechecks))  # fmt: skip

    # -- jobs ------------------------------------------------------------------------------------

    def crawl_job(self) -> CrawlOutcome | None:
        """One crawl in its own process; then the feeds and web pages (the index says when the
        last crawl ran, so even a crawl that changed nothing is followed by a regeneration, which
        then costs little: feeds.regenerate)."""
        with self._site_lock:
            return self._crawl_once()

    def _crawl_once(self) -> CrawlOutcome | None:
        if self._stopping.is_set():
            return None
        with Store.open(self.config.db) as store:
            runs_before = store.runs(1, kind="crawl")
        last_id = runs_before[0].id if runs_before else 0
        started = self.clock()
        logger.info("crawl: start")
        self._crawl = CrawlProcess(self.crawl_command, timeout=self.crawl_timeout)
        outcome = self._crawl.run()
        self._crawl = None
        with Store.open(self.config.db) as store:
            if outcome.timed_out:
                store.fail_running_runs(f"killed after the {self.config.crawl_timeout} time limit", now=self.clock())
            new_runs = [run for run in store.runs(5, kind="crawl") if run.id > last_id]
            if not new_runs and not outcome.stopped:
                store.record_failed_run(self.config.site_url, started=started, now=self.clock(),
                                        message=f"crawl process exited with {outcome.returncode}")
            latest = store.runs(1, kind="crawl")
            run = latest[0] if latest else None
            failures = store.failed_runs_in_a_row()
        logger.info(
            "crawl: end in %.1f s, exit %s%s; %s", outcome.duration, outcome.returncode,
            " (time limit)" if outcome.timed_out else "",
            f"run #{run.id} {run.status}: {run.pages} pages, {run.articles_new} new, "
            f"{run.articles_updated} updated" if run else "no run recorded",
        )
        if run is not None and run.status == "failed" and not self._stopping.is_set():
            self._try_again_soon(failures, run.message)
        if not self._stopping.is_set():
            self.feeds_job()
        else:
            self.health_feed()
        return outcome

    def watch_job(self) -> object | None:
        """One round of the watcher: the sources due, the re-checks due; new feeds at once when
        an article arrived or changed. A failure is logged; the next round comes anyway."""
        if self.watcher is None or self._stopping.is_set():
            return None
        try:
            with Store.open(self.config.db) as store:
                if time.monotonic() - self._sources_chosen > WATCH_SOURCES_EVERY:
                    self.watcher.choose_sources(store)
                    self._sources_chosen = time.monotonic()
                report = self.watcher.poll_due(store)
        except Exception:  # noqa: BLE001 - a broken round must not end the watching
            logger.exception("watch: the round failed")
            return None
        if report.polled or report.rechecked:
            (logger.info if report.changed or report.failed else logger.debug)("watch: %s", report)
        if report.changed and not self._stopping.is_set():
            self.feeds_job()
        return report

    def backfill_job(self) -> CrawlOutcome | None:
        """The nightly backfill, in its own process, after any crawl running; then new feeds if
        the store changed."""
        with self._site_lock:
            if self._stopping.is_set():
                return None
            with Store.open(self.config.db) as store:
                revision_before = store.revision()
            logger.info("backfill: start (since %s, at most %d requests)", self.config.backfill_since,
                        self.config.backfill_budget)  # fmt: skip
            timeout = max(self.crawl_timeout, self.config.backfill_budget * max(self.config.delay, 0.1) * 3 + 600)
            self._crawl = CrawlProcess(self._backfill_command(), timeout=timeout)
            outcome = self._crawl.run()
            self._crawl = None
            with Store.open(self.config.db) as store:
                if outcome.timed_out:
                    store.fail_running_runs(f"killed after {timeout:.0f} s", now=self.clock())
                changed = store.revision() != revision_before
            logger.info("backfill: end in %.1f s, exit %s", outcome.duration, outcome.returncode)
        if changed and not self._stopping.is_set():
            self.feeds_job()
        return outcome

    def _try_again_soon(self, failures: int, why: str) -> None:
        """After a failed crawl, the next try comes sooner than the schedule: 1, 2, 4… minutes."""
        job = self.scheduler.get_job("crawl")
        if job is None:
            return
        when = self.clock() + retry_delay(failures, self.schedule.period)
        if job.next_run_time is not None and job.next_run_time <= when:
            return  # the schedule comes sooner anyway
        job.modify(next_run_time=when)
        logger.warning(
            "crawl failed (%s); next try in %s, at %s", why or "no reason recorded",
            when - self.clock(), when.astimezone(VIETNAM_TZ).strftime("%H:%M:%S (Vietnam time)"),
        )

    def feeds_job(self) -> None:
        """Regenerate every feed; files whose bytes do not change are left alone."""
        import feeds

        with self._feeds_lock, Store.open(self.config.db) as store:
            started = time.monotonic()
            definitions, errors = feeds.load_definitions(self.config.feed_definitions, self._topics())
            for error in errors:
                logger.error("feed definition: %s", error)
            report = feeds.generate(store, definitions, self.config.out, base_url=self.config.public_base_url)
            self._write_health_feed(store)
        logger.info("feeds: regenerated in %.2f s: %s", time.monotonic() - started, report)

    def health_feed(self) -> None:
        with self._feeds_lock, Store.open(self.config.db) as store:
            self._write_health_feed(store)

    def _write_health_feed(self, store: Store) -> None:
        write_health_feed(store, Path(self.config.out), base_url=self.config.public_base_url)

    def maintenance_job(self) -> None:
        """Daily: finished backfills' records forgotten after a month, FTS optimize, PRAGMA
        optimize, WAL checkpoint, a backup, old backups pruned."""
        started = time.monotonic()
        directory = Path(self.config.backups or Path(self.config.db).parent / "backups")
        directory.mkdir(parents=True, exist_ok=True)
        now = self.clock()
        target = directory / f"tintuc-{now.astimezone(VIETNAM_TZ):%Y%m%d-%H%M%S}.db"
        with Store.open(self.config.db) as store:
            store.forget_finished_backfills(now - KEEP_FINISHED_BACKFILLS)
            store.optimize()
            store.backup_to(target)
        backups = sorted(directory.glob("tintuc-*.db"))
        for old in backups[: -self.config.keep_backups]:
            old.unlink()
        logger.info("maintenance: done in %.1f s, backup %s", time.monotonic() - started, target)

    def _topics(self) -> list[str]:
        from crawler.classify import load_rules

        return list(load_rules(self.config.topics).names)

    # -- health ----------------------------------------------------------------------------------

    def health(self) -> tuple[int, dict[str, Any]]:
        job = self.scheduler.get_job("crawl")
        next_crawl = job.next_run_time if job else None
        with Store.open(self.config.db) as store:
            return health_report(store, next_crawl=next_crawl, crawling=self._crawl is not None,
                                 unhealthy_after=self.config.unhealthy_after)

    # -- lifecycle -------------------------------------------------------------------------------

    def start_jobs(self, *, paused: bool = False) -> None:
        """Schedule the jobs; crawl at once when the last successful crawl is too old.

        `paused` (tests): the jobs are scheduled but none runs until resumed.
        """
        with Store.open(self.config.db) as store:
            last = store.last_successful_run()
        now = self.clock()
        last_good = datetime.fromisoformat(last.finished or last.started) if last else None
        self.scheduler.add_job(self.crawl_job, self.schedule.trigger, id="crawl", name="crawl",
                               next_run_time=self.schedule.first_run(last_good, now))
        feeds_period = seconds(self.config.feeds_every)
        self.scheduler.add_job(self.feeds_job, IntervalTrigger(seconds=feeds_period), id="feeds",
                               name="feeds", next_run_time=now)
        hour, minute = (int(part) for part in self.config.maintenance_at.split(":"))
        self.scheduler.add_job(self.maintenance_job, CronTrigger(hour=hour, minute=minute, timezone=VIETNAM_TZ),
                               id="maintenance", name="maintenance")
        if self.watcher is not None:
            self.scheduler.add_job(self.watch_job, IntervalTrigger(seconds=seconds(self.config.watch_every)),
                                   id="watch", name="watch", next_run_time=now)
        if self.config.backfill_at.strip().lower() not in ("", "off"):
            hour, minute = (int(part) for part in self.config.backfill_at.split(":"))
            self.scheduler.add_job(self.backfill_job, CronTrigger(hour=hour, minute=minute, timezone=VIETNAM_TZ),
                                   id="backfill", name="backfill")
        self.scheduler.start(paused=paused)
        for job in self.scheduler.get_jobs():
            logger.info("job %s: %s, next run %s", job.id, job.trigger, job.next_run_time)

    def stop(self) -> None:
        """No new jobs; a running crawl is asked to stop and given a bounded time."""
        self._stopping.set()
        crawl = self._crawl
        if crawl is not None:
            crawl.stop()
        self.scheduler.shutdown(wait=True)
        logger.info("service stopped")

    def serve(self) -> None:
        """Run until SIGINT/SIGTERM: jobs in the background, the HTTP server in this thread."""
        import uvicorn

        from scheduler.web import create_service_app

        app = create_service_app(self)
        config = uvicorn.Config(app, host=self.config.host, port=self.config.port,
                                log_level="warning", access_log=False, lifespan="off")
        server = uvicorn.Server(config)

        def request_exit(signum: int, frame: object) -> None:
            server.should_exit = True

        # uvicorn handles SIGINT/SIGTERM while it runs, then raises them again for the handlers
        # that were in place before it: these, so the signal ends in a clean stop, not a kill.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, request_exit)
        self.start_jobs()
        try:
            logger.info("serving feeds on http://%s:%d/", self.config.host, self.config.port)
            server.run()
        finally:
            self.stop()
        if not server.started:
            raise RuntimeError(f"could not listen on {self.config.host}:{self.config.port}")
