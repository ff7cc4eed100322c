"""When to fetch a page again: pure decisions, the clock passed in.

A new article is re-fetched a bounded number of times in its first days, to catch the edits
newsrooms make after publication; after that it is never fetched again. Listings, tag pages and
RSS are always re-requested, but conditionally (ETag / Last-Modified), so an unchanged page
costs a 304 and no body.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

# Re-check an article this long after its publication (at most len(RECHECKS) re-checks).
RECHECKS = (timedelta(hours=3), timedelta(hours=24), timedelta(days=3))
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_rechecks(text: str) -> tuple[timedelta, ...]:
    """ "3h,24h,3d" → the re-check offsets; "" → none. Raises ValueError naming a bad item."""
    offsets = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        match = re.fullmatch(r"(\d+)([smhd])", item)
        if not match:
            raise ValueError(f"not a re-check delay: {item!r} (use e.g. 3h, 24h, 3d)")
        offsets.append(timedelta(**{_UNITS[match.group(2)]: int(match.group(1))}))
    return tuple(sorted(offsets))


def next_check(
    published: datetime, now: datetime, rechecks: tuple[timedelta, ...] = RECHECKS
) -> datetime | None:
    """The next re-check of an article fetched at `now`; None when it is past its first days."""
    upcoming = (published + offset for offset in rechecks)
    return next((moment for moment in upcoming if moment > now), None)


def is_due(next_check_at: datetime | None, now: datetime) -> bool:
    """Whether a stored article should be fetched again now."""
    return next_check_at is not None and next_check_at <= now


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """Request headers that let the site answer 304 when a page has not changed."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers
