"""How far a backfill has got: a bar with an ETA on a terminal, plain lines elsewhere.

A Scrapy extension of the backfill spider (crawler/spiders/backfill.py). Work done is the pages
and articles fetched in this run; work left is the queue plus an estimate of the pages each walk
still has (crawler/backfill.py, `pages_left`), capped by the run's budget. The estimate grows and
shrinks as walks learn how dense their listings are and end, so the ETA is a guide, not a promise.

On a terminal (stderr is a TTY; TINTUC_PROGRESS forces it either way) rich draws the bar, and the
log lines scroll above it; otherwise one line every PLAIN_EVERY seconds, which a log file or a
service's journal can keep.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from crawler.backfill import Window, pages_left
from crawler.extensions import CrawlRunExtension, stat

logger = logging.getLogger(__name__)

PLAIN_EVERY = 30.0  # seconds between two plain progress lines
REFRESH_EVERY = 0.5  # seconds between two looks at the store for the bar


@dataclass(frozen=True)
class Snapshot:
    done: int  # pages and articles fetched in this run
    left: int  # estimated: pages still to walk, articles queued
    walks: int  # walks going on
    queued: int
    new: int  # articles stored for the first time in this run

    @property
    def total(self) -> int:
        return self.done + self.left


class BackfillProgress:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.window = Window.from_settings(crawler.settings)
        self.budget = crawler.settings.getint("TINTUC_MAX_PAGES")
        forced = crawler.settings.get("TINTUC_PROGRESS")
        self.interactive = sys.stderr.isatty() if forced is None else crawler.settings.getbool("TINTUC_PROGRESS")
        self._bar = None
        self._task = None
        self._redirected: list[logging.StreamHandler] = []
        self._last = 0.0
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackfillProgress:
        return cls(crawler)

    def snapshot(self) -> Snapshot:
        run = CrawlRunExtension.of(self.crawler)
        stats = self.crawler.stats
        done = int(stats.get_value(stat("pages"), 0)) + int(stats.get_value(stat("failures"), 0))  # type: ignore[union-attr]
        today = run.now().date()
        sources = [s for s in run.store.backfill_sources(self.window.key) if s.active]
        queued = len(run.store.backfill_queue(self.window.key))
        left = queued + sum(pages_left(s.kind, s.status, s.items, s.oldest, self.window, today) for s in sources)
        return Snapshot(done, min(left, max(0, self.budget - done)), len(sources), queued,
                        int(stats.get_value(stat("articles_new"), 0)))  # type: ignore[union-attr]  # fmt: skip

    # -- signals ---------------------------------------------------------------------------------

    def opened(self, spider: Spider) -> None:
        if not self.interactive:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn(f"backfill of {self.window}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            redirect_stderr=True, transient=False,
        )  # fmt: skip
        self._bar.start()
        self._task = self._bar.add_task("backfill", total=None, status="")
        # Log lines go through rich's proxy of stderr, above the bar, not across it.
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream is sys.__stderr__:
                handler.setStream(sys.stderr)
                self._redirected.append(handler)

    def response_received(self, *args: object, **kwargs: object) -> None:
        now = time.monotonic()
        if now - self._last < (REFRESH_EVERY if self._bar else PLAIN_EVERY):
            return
        self._last = now
        self._show(self.snapshot())

    def closed(self, spider: Spider) -> None:
        snapshot = self.snapshot()
        self._show(snapshot)
        if self._bar is not None:
            self._bar.stop()
            for handler in self._redirected:
                handler.setStream(sys.__stderr__)
        logger.info("backfill of %s: %d requests in this run, %d new articles; %s",
                    self.window, snapshot.done, snapshot.new,
                    f"{snapshot.walks} walks and {snapshot.queued} articles left for the next run"
                    if snapshot.walks or snapshot.queued else "nothing left to walk")  # fmt: skip

    def _show(self, snapshot: Snapshot) -> None:
        status = f"{snapshot.walks} walks, {snapshot.queued} queued, {snapshot.new} new"
        if self._bar is not None:
            self._bar.update(self._task, completed=snapshot.done, total=snapshot.total, status=status)
        else:
            logger.info("backfill of %s: %d of about %d requests; %s", self.window, snapshot.done, snapshot.total, status)
