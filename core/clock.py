"""Time as the project uses it: the site's clock (Vietnam, UTC+7) and ours (UTC).

Times taken from the site are Vietnam time; times we record are UTC; both are stored as ISO 8601
text with an explicit offset, so that they compare correctly as strings within one column. The
site's 17-digit article id is itself a time: yyyyMMddHHmmssfff, when the article was created.

A `Clock` is a function returning the current aware time: components take one (default
`utc_now`) so that tests can set the time instead of waiting for it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")  # no daylight saving time
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso_utc(moment: datetime) -> str:
    """`2026-11-28T05:26:00+00:00`: how the store writes the times it records."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def iso_vietnam(moment: datetime) -> str:
    """`2021-11-24T20:28:00+07:00`: how the store writes the site's times."""
    return moment.astimezone(VIETNAM_TZ).isoformat(timespec="seconds")


def id_time(site_id: str) -> datetime | None:
    """The creation time an article id encodes (Vietnam time); None when it encodes no time."""
    try:
        return datetime.strptime(site_id[:14], "%Y%m%d%H%M%S").replace(tzinfo=VIETNAM_TZ)
    except ValueError:
        return None


def parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 time to the second (`Z` accepted); Vietnam time when it has no offset; None
    when it cannot be read."""
    try:
        moment = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VIETNAM_TZ)
    return moment.replace(microsecond=0)
