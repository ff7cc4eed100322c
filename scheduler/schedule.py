"""How often: "30m", "15s", "2h", "1d", or a five-field cron expression, as APScheduler triggers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.clock import VIETNAM_TZ
from core.durations import DurationError, parse_duration


class ScheduleError(ValueError):
    """An interval or cron expression that cannot be used; the message says why."""


def seconds(text: str) -> float:
    """A duration ("30m", "2h"…) in seconds; `ScheduleError` when it is not one."""
    try:
        return parse_duration(text).total_seconds()
    except DurationError as error:
        raise ScheduleError(str(error)) from None


@dataclass(frozen=True)
class Schedule:
    """A trigger, and the typical time between two runs (for freshness checks and Cache-Control)."""

    trigger: BaseTrigger
    period: float  # seconds
    text: str

    def first_run(self, last_good: datetime | None, now: datetime) -> datetime:
        """When the first run after a start is due, given when the last good one ended.

        At once when there was none or it is older than the period; otherwise one period after
        it (an interval), or at the trigger's next time (cron). Never None: APScheduler 3 takes
        `next_run_time=None` as "add the job paused", and the service would never run it.
        """
        if last_good is None or (now - last_good).total_seconds() > self.period:
            return now
        if isinstance(self.trigger, IntervalTrigger):
            return last_good + timedelta(seconds=self.period)
        return self.trigger.get_next_fire_time(None, now) or now


def retry_delay(failures: int, period: float) -> timedelta:
    """How long to wait after `failures` failed crawls in a row: 1, 2, 4… minutes, at most the
    schedule's period. A first run with no network, or a site down for a while, is tried again
    soon, then less and less often, never less often than the schedule itself."""
    minutes = 2 ** max(0, min(failures, 32) - 1)
    return timedelta(seconds=min(60 * minutes, period))


def parse_schedule(text: str, *, jitter: float | None = None) -> Schedule:
    """An interval ("30m") or a cron expression ("*/30 * * * *", Vietnam time).

    Jitter (seconds) spreads runs so many installs do not hit the site at the same second;
    by default a tenth of the period, at most five minutes.
    """
    text = str(text).strip()
    if len(text.split()) == 5:
        try:
            trigger = CronTrigger.from_crontab(text, timezone=VIETNAM_TZ)
        except ValueError as error:
            raise ScheduleError(f"not a cron expression: {text!r} ({error})") from error
        first = trigger.get_next_fire_time(None, datetime.now(VIETNAM_TZ))
        second = trigger.get_next_fire_time(first, first + timedelta(seconds=1))
        period = (second - first).total_seconds()
        if jitter:
            trigger = CronTrigger.from_crontab(text, timezone=VIETNAM_TZ)
            trigger.jitter = int(jitter)
        return Schedule(trigger, period, text)
    period = seconds(text)
    if jitter is None:
        jitter = min(period / 10, 300)
    return Schedule(IntervalTrigger(seconds=period, jitter=int(jitter) or None), period, text)
