"""When the service crawls: intervals, cron expressions, and the first crawl after a start."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from scheduler.schedule import ScheduleError, parse_duration, parse_schedule

NOW = datetime(2026, 11, 28, 5, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("text", "seconds"), [("30m", 1800), ("15s", 15), ("2h", 7200), ("1d", 86400), ("90", 90)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "-5m", "0s"])
def test_bad_durations_are_refused_with_a_reason(text):
    with pytest.raises(ScheduleError):
        parse_duration(text)


def test_the_first_crawl_is_at_once_without_a_recent_good_one():
    schedule = parse_schedule("30m", jitter=0)
    assert schedule.first_run(None, NOW) == NOW
    assert schedule.first_run(NOW - timedelta(minutes=31), NOW) == NOW


def test_the_first_crawl_after_a_recent_good_one_waits_for_the_rest_of_the_period():
    schedule = parse_schedule("30m", jitter=0)
    assert schedule.first_run(NOW - timedelta(minutes=10), NOW) == NOW + timedelta(minutes=20)


def test_a_cron_schedule_resumes_at_its_next_time():
    schedule = parse_schedule("0 * * * *")  # every hour, Vietnam time
    now = NOW + timedelta(minutes=7)
    assert schedule.first_run(now - timedelta(minutes=5), now) == datetime(2026, 11, 28, 6, 0, tzinfo=timezone.utc)
