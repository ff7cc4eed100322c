"""The crawl run's lifecycle, as a Scrapy extension: lock, store, clock, run record, counters.

One crawl per database at a time: the lock is taken when the crawler is built, before any
component touches the store. The run is recorded when the spider opens and closed with its
status when it closes; meanwhile the counters live in `crawler.stats` (keys `tintuc/<counter>`,
storage.RUN_COUNTERS), saved into the run every few pages so that a killed crawl still shows
how far it got. The other components reach the store and the clock through this extension
(`CrawlRunExtension.of(crawler)`), so one connection serves the whole crawl.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response

from core.clock import Clock, parse_time, utc_now
from crawler.lock import CrawlLock
from storage import RUN_COUNTERS, Store

logger = logging.getLogger(__name__)

STATS_PREFIX = "tintuc/"
ROBOTS_UNREACHABLE_STAT = STATS_PREFIX + "robotstxt_unreachable"  # why robots.txt could not be had
LAST_FAILURE_STAT = STATS_PREFIX + "last_failure"  # why the last page that failed did
FIELDS_PREFIX = STATS_PREFIX + "fields/"  # tintuc/fields/<field>/<primary|fallback|missing>
SAVE_EVERY = 25  # pages between two saves of a running crawl's counters


def stat(counter: str) -> str:
    """The `crawler.stats` key of a run counter (storage.RUN_COUNTERS)."""
    return STATS_PREFIX + counter


def crawl_clock(start: str | None) -> Clock:
    """The crawl's clock: the system's, or one that starts at `start` (ISO 8601) and runs on.

    Starting elsewhere lets a test ask "and three days later?" without waiting three days.
    """
    if not start:
        return utc_now
    begins = parse_time(start)
    if begins is None:
        raise ValueError(f"TINTUC_NOW is not an ISO 8601 time: {start!r}")
    offset: timedelta = begins - utc_now()
    return lambda: utc_now() + offset


class CrawlRunExtension:
    """Owns what one crawl holds from start to end; see the module docstring."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.site_url: str = settings["TINTUC_SITE_URL"]
        self.frontier_keep = settings.getint("TINTUC_FRONTIER_KEEP")
        self.clock = crawl_clock(settings.get("TINTUC_NOW"))
        self.lock = CrawlLock(settings["TINTUC_DB"])
        self.lock.acquire()
        try:
            self.store = Store.open(settings["TINTUC_DB"])
        except BaseException:
            self.lock.release()
            raise
        self.run_id: int | None = None
        self.kind = "crawl"
        self._saved_at = 0
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRunExtension:
        return cls(crawler)

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlRunExtension:
        """The running crawl's instance, for the components that need the store or the clock."""
        extension = crawler.get_extension(cls)
        if extension is None:
            raise RuntimeError(f"{cls.__name__} is not enabled (EXTENSIONS in crawler/settings.py)")
        return extension

    def now(self) -> datetime:
        return self.clock()

    def count(self, counter: str, by: int = 1) -> None:
        self.crawler.stats.inc_value(stat(counter), by)  # type: ignore[union-attr]

    def counters(self) -> dict[str, int]:
        stats = self.crawler.stats
        return {name: int(stats.get_value(stat(name), 0)) for name in RUN_COUNTERS}  # type: ignore[union-attr]

    def count_field(self, field: str, outcome: str) -> None:
        self.crawler.stats.inc_value(f"{FIELDS_PREFIX}{field}/{outcome}")  # type: ignore[union-attr]

    def field_counts(self) -> dict[str, dict[str, int]]:
        """{field: {outcome: articles}} of this crawl (crawler/coverage.py)."""
        counts: dict[str, dict[str, int]] = {}
        for key, value in self.crawler.stats.get_stats().items():  # type: ignore[union-attr]
            if key.startswith(FIELDS_PREFIX):
                field, outcome = key[len(FIELDS_PREFIX):].split("/", 1)
                counts.setdefault(field, {})[outcome] = int(value)
        return counts

    def spider_opened(self, spider: Spider) -> None:
        self.kind = getattr(spider, "run_kind", "crawl")  # "backfill" for crawler/spiders/backfill.py
        self.run_id = self.store.start_run(self.site_url, now=self.now(), kind=self.kind)

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        pages = self.counters()["pages"]
        if self.run_id is not None and pages >= self._saved_at + SAVE_EVERY:
            self._saved_at = pages
            self.store.update_run(self.run_id, self.counters(), fields=self.field_counts())

    def spider_closed(self, spider: Spider, reason: str) -> None:
        try:
            if self.run_id is not None:
                self._finish(reason)
        finally:
            self.store.close()
            self.lock.release()

    def _finish(self, reason: str) -> None:
        counters = self.counters()
        stats = self.crawler.stats
        status, message = run_outcome(
            reason, counters, stats.get_value(ROBOTS_UNREACHABLE_STAT), stats.get_value(LAST_FAILURE_STAT)  # type: ignore[union-attr]
        )
        self.store.prune_frontier(self.frontier_keep)
        self.store.finish_run(
            self.run_id, counters, fields=self.field_counts(), status=status, now=self.now(), message=message  # type: ignore[arg-type]
        )
        logger.info(
            "%s %s: %d pages (%d not modified), %d new, %d updated, %d unchanged,"
            " %d failures, %d extraction failures",
            self.kind, status, *(counters[name] for name in RUN_COUNTERS),
        )


def run_outcome(
    reason: str, counters: dict[str, int], robots_unreachable: str | None, last_failure: str | None = None
) -> tuple[str, str]:
    """(status, message) of a run Scrapy closed for `reason`, given what it counted and the last
    reason a page could not be fetched."""
    if robots_unreachable:
        # Not a crawl that found nothing new: one that was not allowed to look.
        return "failed", f"{robots_unreachable}; nothing fetched"
    if reason == "finished":
        if counters["pages"] == 0 and counters["failures"]:
            return "failed", f"nothing could be fetched: {last_failure or 'every request failed'}"
        return "ok", ""
    if reason == "shutdown":
        return "interrupted", f"closed: {reason}"
    return "failed", f"closed: {reason}"
