"""Which entries go in a feed's current document and which in its archive pages (RFC 5005).

A pure function of the feed's members and the crawl history. The scheme, and why:

- The current document (`<slug>.atom`) holds the `limit` newest entries by publication time:
  what a reader polling the feed wants.
- The feed's history is the order in which its articles arrived in the store: by crawl (the
  start of the crawl run that first stored them), then publication time, then site id. New
  articles only ever join the end of that order, even old ones discovered late, which a
  publication-time order would insert in the middle, shifting every later page.
- That history is cut into pages of a fixed size N, oldest first: `<slug>/archive-1.atom` holds
  the first N articles, `archive-2.atom` the next N, and so on. Only full pages are written, so
  a page's set of entries never changes once it exists, and neither does its URL.
- Entries of the history past the last full page (fewer than N) that are not among the newest
  `limit` go into the current document too, so every entry is in the current document or an
  archive page. In steady state those are only articles discovered late; N is at most `limit`,
  so the newest arrivals are always already in the current document.
- Articles stored by a crawl that is still running are not paged yet (their order within the
  crawl is not final); they appear in the current document when they are among the newest.
- Feeds with `max_age_days` have no archive: they are rolling windows by design.

Membership changes (new topic rules, an edited definition) re-cut that feed's pages: that is the
only way a full page's entries change.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from feeds.entries import id_time, parse_time
from storage.feed_queries import CrawlWindow, FeedMember


@dataclass(frozen=True)
class Plan:
    current: tuple[str, ...]  # site ids in the current document, newest first
    pages: tuple[tuple[str, ...], ...]  # full archive pages, oldest first: pages[n - 1] is page n


def archive_path(slug: str, number: int) -> str:
    """Where archive page `number` (1 = oldest) of a feed lives, relative to the output dir."""
    return f"{slug}/archive-{number}.atom"


def published_of(member: FeedMember) -> datetime:
    return parse_time(member.published) or id_time(member.site_id)


def plan(
    members: Sequence[FeedMember],
    windows: Sequence[CrawlWindow],
    *,
    limit: int,
    page_size: int | None,
    max_age_days: float | None = None,
    now: datetime | None = None,
) -> Plan:
    """Split a feed's members into the current document and full archive pages (see above)."""
    newest_first = sorted(members, key=lambda m: (published_of(m), m.site_id), reverse=True)
    if max_age_days is not None and now is not None:
        cutoff = now - timedelta(days=max_age_days)
        newest_first = [m for m in newest_first if published_of(m) >= cutoff]
    current = newest_first[:limit]
    if not page_size:
        return Plan(tuple(m.site_id for m in current), ())
    starts = [window.started for window in windows]
    history: list[tuple[tuple[str, datetime, str], FeedMember]] = []
    for member in members:
        batch, settled = arrival(member.first_seen, windows, starts)
        if settled:
            history.append(((batch, published_of(member), member.site_id), member))
    history.sort(key=lambda pair: pair[0])
    full = len(history) // page_size
    pages = tuple(
        tuple(member.site_id for _key, member in history[n * page_size : (n + 1) * page_size])
        for n in range(full)
    )
    chosen = {m.site_id for m in current}
    waiting = [
        member for _key, member in history[full * page_size :] if member.site_id not in chosen
    ]
    shown = sorted(current + waiting, key=lambda m: (published_of(m), m.site_id), reverse=True)
    return Plan(tuple(m.site_id for m in shown), pages)


def arrival(
    first_seen: str, windows: Sequence[CrawlWindow], starts: Sequence[str] | None = None
) -> tuple[str, bool]:
    """When an article arrived, as an ordering key, and whether that is final.

    Articles first stored during a crawl arrived together, at the crawl's start; the key is
    final once the crawl has finished. Outside any crawl (or in a killed one) the key is the
    article's own first_seen. Times are the store's UTC ISO strings, which sort as text.
    """
    starts = starts if starts is not None else [window.started for window in windows]
    index = bisect.bisect_right(starts, first_seen) - 1
    if index >= 0:
        window = windows[index]
        if window.running:
            return window.started, False
        if window.finished is not None and first_seen <= window.finished:
            return window.started, True
    return first_seen, True
