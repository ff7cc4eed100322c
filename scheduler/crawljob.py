"""Run one crawl in a child process, with a time limit and a way to stop it.

Scrapy's reactor cannot be restarted inside a process, and a crawl that hangs or crashes must
not take the service with it: each crawl is its own process, in its own process group, so that
killing it also kills anything it started.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CrawlOutcome:
    returncode: int | None  # None when it had to be killed
    duration: float
    timed_out: bool = False
    stopped: bool = False  # asked to stop (service shutdown)

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class CrawlProcess:
    """One crawl command; `run()` blocks until it ends, `stop()` (any thread) ends it early."""

    def __init__(self, argv: Sequence[str], *, timeout: float, grace: float = 30.0) -> None:
        self.argv = list(argv)
        self.timeout = timeout
        self.grace = grace  # how long a crawl asked to stop may take to finish its pages
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> CrawlOutcome:
        started = time.monotonic()
        # Its own session: a Ctrl-C in the service's terminal reaches the service, which then
        # stops the crawl once, cleanly. If the service itself dies, the crawl is told (Linux).
        process = subprocess.Popen(self.argv, start_new_session=True, preexec_fn=_end_with_parent)
        deadline = started + self.timeout
        while True:
            try:
                code = process.wait(timeout=0.2)
                return CrawlOutcome(code, time.monotonic() - started, stopped=self._stopping.is_set())
            except subprocess.TimeoutExpired:
                pass
            if self._stopping.is_set():
                code = self._end(process, "the service is stopping")
                return CrawlOutcome(code, time.monotonic() - started, stopped=True)
            if time.monotonic() >= deadline:
                self._end(process, f"time limit of {self.timeout:.0f} s reached")
                return CrawlOutcome(None, time.monotonic() - started, timed_out=True)

    def _end(self, process: subprocess.Popen, why: str) -> int | None:
        """SIGTERM (Scrapy then closes cleanly), and SIGKILL after the grace period."""
        logger.warning("stopping crawl (pid %d): %s", process.pid, why)
        _signal_group(process, signal.SIGTERM)
        try:
            return process.wait(timeout=self.grace)
        except subprocess.TimeoutExpired:
            logger.error("crawl (pid %d) ignored SIGTERM for %.0f s: killing it", process.pid, self.grace)
            _signal_group(process, signal.SIGKILL)
            process.wait()
            return None


_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _end_with_parent() -> None:
    """In the child, before exec: receive SIGTERM when the service's process dies."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _signal_group(process: subprocess.Popen, sig: signal.Signals) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
