"""When a watched source is polled next: learned from how often it changed, hour by hour."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.clock import VIETNAM_TZ
from crawler.polling import HOURS, POLICIES, Activity, Role, failure_delay, poll_interval

DAY = datetime(2026, 11, 2, 0, 0, tzinfo=VIETNAM_TZ)


def at(hour: int, minute: int = 0, day: int = 0) -> datetime:
    return DAY + timedelta(days=day, hours=hour, minutes=minute)


def watch(activity: Activity, *, days: int, every: timedelta, new_per_hour) -> Activity:  # noqa: ANN001
    """`days` days of polls every `every`, each finding what `new_per_hour(hour)` publishes."""
    moment = at(0)
    end = at(0, day=days)
    while moment < end:
        later = moment + every
        hours = every.total_seconds() / 3600
        activity = activity.observe(moment, later, round(new_per_hour(moment.hour) * hours))
        moment = later
    return activity


def busy_by_day(hour: int) -> float:
    """A newsroom: 12 articles an hour from 7:00 to 21:59, one an hour at night."""
    return 12.0 if 7 <= hour < 22 else 1.0


def test_a_source_never_polled_is_polled_at_its_roles_prior_rate():
    fresh = Activity()
    assert poll_interval(fresh, at(10), Role.NEWEST) == timedelta(hours=POLICIES[Role.NEWEST].target_items
                                                                   / POLICIES[Role.NEWEST].prior_rate)
    for role in Role:
        assert POLICIES[role].min_interval <= poll_interval(fresh, at(10), role) <= POLICIES[role].max_interval


def test_a_busy_source_is_polled_more_often_than_a_quiet_one():
    busy = watch(Activity(), days=10, every=timedelta(minutes=10), new_per_hour=lambda hour: 6.0)
    quiet = watch(Activity(), days=10, every=timedelta(minutes=10), new_per_hour=lambda hour: 0.5)
    assert poll_interval(busy, at(10), Role.FEED) < poll_interval(quiet, at(10), Role.FEED)
    # Ten days of history outweigh the prior: the estimate is the observed rate, nearly.
    assert busy.rate(10, POLICIES[Role.FEED].prior_rate) == pytest.approx(6.0, rel=0.15)


def test_every_source_is_polled_less_at_night_when_it_publishes_less_at_night():
    learned = watch(Activity(), days=7, every=timedelta(minutes=5), new_per_hour=busy_by_day)
    for role in (Role.FEED, Role.TAG):
        assert poll_interval(learned, at(3), role) > poll_interval(learned, at(10), role)
    # The newest-articles feed too, within its freshness bound.
    assert poll_interval(learned, at(10), Role.NEWEST) < poll_interval(learned, at(3), Role.NEWEST)
    assert poll_interval(learned, at(3), Role.NEWEST) == POLICIES[Role.NEWEST].max_interval


def test_the_newest_feed_never_waits_longer_than_its_freshness_bound():
    silent = watch(Activity(), days=7, every=timedelta(minutes=8), new_per_hour=lambda hour: 0.0)
    for hour in range(HOURS):
        assert poll_interval(silent, at(hour), Role.NEWEST) == POLICIES[Role.NEWEST].max_interval
    assert POLICIES[Role.NEWEST].max_interval <= timedelta(minutes=10)


def test_intervals_stay_within_their_roles_bounds_whatever_the_history():
    flood = watch(Activity(), days=2, every=timedelta(minutes=1), new_per_hour=lambda hour: 600.0)
    for role in Role:
        assert poll_interval(flood, at(12), role) == POLICIES[role].min_interval


def test_an_observation_is_spread_over_the_hours_it_spans():
    activity = Activity().observe(at(9, 30), at(11, 30), 4)
    assert activity.items[9] == pytest.approx(1.0)
    assert activity.items[10] == pytest.approx(2.0)
    assert activity.items[11] == pytest.approx(1.0)
    assert activity.hours[10] == pytest.approx(1.0)
    assert sum(activity.items) == pytest.approx(4.0)


def test_old_observations_fade_so_a_source_that_changed_its_pace_is_followed():
    was_busy = watch(Activity(), days=7, every=timedelta(minutes=10), new_per_hour=lambda hour: 10.0)
    after_two_weeks = watch(was_busy, days=14, every=timedelta(minutes=10), new_per_hour=lambda hour: 0.0)
    after_four_weeks = watch(after_two_weeks, days=14, every=timedelta(minutes=10), new_per_hour=lambda hour: 0.0)
    assert after_two_weeks.rate(12, 0.0) < 0.25 * was_busy.rate(12, 0.0)
    assert after_four_weeks.rate(12, 0.0) < 0.05 * was_busy.rate(12, 0.0)


def test_activity_survives_a_round_trip_through_json_and_unreadable_json_is_no_history():
    learned = watch(Activity(), days=1, every=timedelta(minutes=30), new_per_hour=busy_by_day)
    again = Activity.from_json(learned.to_json())
    assert again.rate(10, 1.0) == pytest.approx(learned.rate(10, 1.0), rel=1e-3)
    for junk in (None, {}, {"items": [1] * 3, "hours": [1] * 3}, {"items": "x", "hours": []}, "[]"):
        assert Activity.from_json(junk) == Activity()


def test_failed_polls_back_off_doubling_up_to_a_day():
    delays = [failure_delay(n, Role.NEWEST) for n in range(1, 16)]
    assert delays[0] == POLICIES[Role.NEWEST].min_interval
    assert delays[1] == 2 * delays[0] and delays[2] == 4 * delays[0]
    assert delays == sorted(delays) and delays[-1] == timedelta(days=1)
