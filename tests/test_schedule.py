"""When the service crawls: intervals, cron expressions, and the first crawl after a start."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from scheduler.schedule import ScheduleError, parse_schedule, seconds

NOW = datetime(2026, 11, 28, 5, 0, tzinfo=timezone.utc)


def test_a_bad_duration_is_a_schedule_error_naming_it():
    assert seconds("30m") == 1800
    with pytest.raises(ScheduleError, match="'soon'"):
        seconds("soon")
    with pytest.raises(ScheduleError, match="'soon'"):
        parse_schedule("soon")


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


def test_after_failed_crawls_the_next_try_comes_sooner_then_less_soon():
    from scheduler.schedule import retry_delay

    period = 30 * 60
    assert [retry_delay(n, period).total_seconds() / 60 for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]
    assert retry_delay(1000, period).total_seconds() == period  # never later than the schedule
