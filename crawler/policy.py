"""When to fetch a page again: pure decisions, the clock passed in.

A new article is re-fetched a bounded number of times in its first days, to catch the edits
newsrooms make after publication; after that it is never fetched again. Listings, tag pages and
RSS are always re-requested, but conditionally (ETag / Last-Modified), so an unchanged page
costs a 304 and no body.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core import defaults
from core.durations import parse_durations

# Re-check an article this long after its publication (at most len(RECHECKS) re-checks).
RECHECKS = parse_durations(defaults.RECHECKS)


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
