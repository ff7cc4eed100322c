"""Durations as people write them in options and configuration: "30m", "15s", "2h", "1d".

One grammar for every setting that takes a duration (crawl interval, time limits, re-check
delays), so that what works in one place works in all of them.
"""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.IGNORECASE)
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "": 1}


class DurationError(ValueError):
    """Text that is not a duration; the message quotes it and shows the expected form."""


def parse_duration(text: str | float) -> timedelta:
    """`30m`, `15s`, `2h`, `1d`, `1.5h` or a bare number of seconds; positive."""
    match = _DURATION.match(str(text))
    if not match:
        raise DurationError(f"not a duration: {text!r} (use e.g. 30m, 15s, 2h, 1d)")
    seconds = float(match.group(1)) * _SECONDS[match.group(2).lower()]
    if seconds <= 0:
        raise DurationError(f"a duration must be positive: {text!r}")
    return timedelta(seconds=seconds)


def parse_durations(text: str) -> tuple[timedelta, ...]:
    """A comma-separated list ("3h,24h,3d"), shortest first; "" is the empty list."""
    items = (part.strip() for part in str(text).split(","))
    return tuple(sorted(parse_duration(item) for item in items if item))
