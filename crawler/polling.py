"""When to poll a watched source next: learned from how often it changes, less at night.

Pure functions of what a source did before; no network and no clock of their own, so tests give
them any history and any time.

A source remembers, for each hour of the day (Vietnam time, when the site publishes), how many
new articles it showed and for how many hours it was watched then, both fading as newer
observations come in (`HALF_LIFE`: about a week of each hour). Its rate at an hour is the
Gamma–Poisson estimate (items + prior items) / (hours + prior hours): a new source starts at the
prior rate of its role, and one quiet spell does not silence a busy source.

The next poll aims at `target_items` new articles per poll, as feed readers poll a feed about as
often as it changes, within the bounds of the source's role. The newest-articles feed carries
every article first, so its upper bound is what the freshness target allows; the other sources
are safety nets (a burst that scrolls the newest feed, a pause of the service) and wait longer.
Busy hours give short intervals, quiet ones (the night) long ones.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum

from core.clock import VIETNAM_TZ

HOURS = 24
# How many watched hours of one hour of the day weigh half as much as the newest: seven, about
# a week of polls at that hour.
HALF_LIFE = 7.0
PRIOR_HOURS = 1.0  # how much the prior rate weighs, in watched hours


class Role(str, Enum):
    """Why a source is watched; its polling bounds come with it (POLICIES)."""

    NEWEST = "newest"  # the site's newest-articles feed: every article, first
    FEED = "feed"  # a category feed where relevant articles appear
    TAG = "tag"  # a topical tag page


@dataclass(frozen=True)
class PollPolicy:
    target_items: float  # new articles one poll should find, on average
    min_interval: timedelta
    max_interval: timedelta
    prior_rate: float  # new articles per hour assumed before anything is observed


POLICIES: dict[Role, PollPolicy] = {
    # 8 minutes at most: an article waits 4 minutes on average and at most 8, plus the fetch.
    Role.NEWEST: PollPolicy(0.5, timedelta(minutes=2), timedelta(minutes=8), prior_rate=6.0),
    Role.FEED: PollPolicy(1.0, timedelta(minutes=20), timedelta(hours=6), prior_rate=0.5),
    Role.TAG: PollPolicy(1.0, timedelta(hours=1), timedelta(hours=12), prior_rate=0.1),
}


@dataclass(frozen=True)
class Activity:
    """New articles seen and hours watched, per hour of the day (Vietnam time), fading."""

    items: tuple[float, ...] = (0.0,) * HOURS
    hours: tuple[float, ...] = (0.0,) * HOURS

    def rate(self, hour: int, prior_rate: float) -> float:
        """Estimated new articles per hour at this hour of the day."""
        return (self.items[hour] + prior_rate * PRIOR_HOURS) / (self.hours[hour] + PRIOR_HOURS)

    def observe(self, start: datetime, end: datetime, new_items: int) -> Activity:
        """The activity once a poll at `end` found `new_items` articles that the poll at
        `start` had not shown; they are spread over the hours between in proportion to time."""
        spans = list(_hour_spans(start, end))
        total = sum(length for _, length in spans)
        if total <= 0:
            return self
        items, hours = list(self.items), list(self.hours)
        for hour, length in spans:
            fade = 0.5 ** (length / HALF_LIFE)
            items[hour] = items[hour] * fade + new_items * length / total
            hours[hour] = hours[hour] * fade + length
        return replace(self, items=tuple(items), hours=tuple(hours))

    def to_json(self) -> dict[str, list[float]]:
        return {"items": [round(x, 4) for x in self.items], "hours": [round(x, 4) for x in self.hours]}

    @classmethod
    def from_json(cls, data: object) -> Activity:
        """Back from `to_json`; anything unreadable is a source with no history."""
        try:
            items, hours = tuple(map(float, data["items"])), tuple(map(float, data["hours"]))  # type: ignore[index]
        except (TypeError, KeyError, ValueError):
            return cls()
        return cls(items, hours) if len(items) == len(hours) == HOURS else cls()


def _hour_spans(start: datetime, end: datetime) -> list[tuple[int, float]]:
    """[start, end) cut at Vietnam-time hour boundaries: (hour of day, length in hours)."""
    spans = []
    moment = start.astimezone(VIETNAM_TZ)
    end = end.astimezone(VIETNAM_TZ)
    while moment < end:
        boundary = moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        piece_end = min(boundary, end)
        spans.append((moment.hour, (piece_end - moment).total_seconds() / 3600))
        moment = piece_end
    return spans


def poll_interval(activity: Activity, at: datetime, role: Role) -> timedelta:
    """How long after a poll at `at` the source is due again."""
    policy = POLICIES[role]
    rate = activity.rate(at.astimezone(VIETNAM_TZ).hour, policy.prior_rate)
    wanted = timedelta(hours=policy.target_items / rate) if rate > 0 else policy.max_interval
    return max(policy.min_interval, min(policy.max_interval, wanted))


def failure_delay(failures: int, role: Role) -> timedelta:
    """After `failures` failed polls in a row: the usual minimum interval, doubling each time,
    at most a day."""
    minimum = POLICIES[role].min_interval
    return min(minimum * 2 ** max(0, min(failures, 20) - 1), timedelta(days=1))
