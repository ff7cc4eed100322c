"""Clocks for the replica's publishing clock (``ReplicaSite(clock=…)``).

A site shows an article once ``published <= clock()``. Tests and benchmarks move time
themselves (:class:`ManualClock`) or let it run faster than real time (:class:`FastClock`);
without a clock the site uses the real time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from threading import Lock

from .corpus import VN_TZ

__all__ = ["FastClock", "ManualClock", "aware"]


class ManualClock:
    """A clock that moves only when told: ``clock.advance(minutes=5)``, ``clock.set(moment)``.
    Call it for the time (``ReplicaSite(clock=…)`` does)."""

    def __init__(self, start: datetime) -> None:
        self._now = aware(start)
        self._lock = Lock()

    def __call__(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by ``delta`` or ``timedelta(**kwargs)``; returns the new time."""
        with self._lock:
            self._now += delta if delta is not None else timedelta(**kwargs)
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = aware(moment)


class FastClock:
    """Time running ``speed`` times faster than real time from ``start`` (``speed=0``: stopped),
    counted from the clock's creation (or :meth:`restart`)."""

    def __init__(
        self, start: datetime, speed: float = 1.0, timer: Callable[[], float] | None = None
    ) -> None:
        if speed < 0:
            raise ValueError("speed must not be negative")
        self.start = aware(start)
        self.speed = speed
        self._timer = timer or time.monotonic
        self._origin = self._timer()

    def restart(self) -> None:
        self._origin = self._timer()

    def __call__(self) -> datetime:
        elapsed = (self._timer() - self._origin) * self.speed
        return self.start + timedelta(seconds=elapsed)


def aware(moment: datetime) -> datetime:
    """``moment`` with Vietnam time attached when it has no time zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)
