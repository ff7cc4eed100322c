"""Which entries go in a feed's current document and which in its archive pages (RFC 5005).

Pure functions of the feed's members and the crawl history. The scheme, and why:

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

`layout` places every member from scratch. Because full pages never change, a layout can also
be carried forward: `advance` takes the previous one and only the articles that changed since,
which is what keeps a regeneration's cost independent of the size of the store. A `Layout`
itself is small (the newest entries, the history past the last full page, counts); the members
of full pages, which grow with the store, are kept by the caller (feeds.manifest) and only the
changed ones are asked for. `advance` gives up (None) whenever the change could reach into the
pages (a paged article left the feed or moved in the history, an article joined the middle of
it, the crawls behind the pages were rewritten) or the newest entries cannot be told without
every member; then `layout` runs. What `advance` returns is what `layout` would on the same
store (tests/test_feeds_archive.py checks it on random histories). It assumes what the store
guarantees: an article's first_seen never changes.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import json
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from core.feed_types import CrawlWindow, FeedMember
from feeds.entries import article_time

Key = tuple[str, int, str]  # a place in the history: (arrival, publication time, site id)
Newest = tuple[int, str]  # (publication time, site id): compared, newest is largest
Paged = tuple[str, int]  # (site id, publication time) of an article in a full page
Page = tuple[Paged, ...]  # a full page's articles, in history order
Location = tuple[int, int]  # (page number, publication time); page 0: a feed without archive


@dataclass(frozen=True)
class Plan:
    current: tuple[str, ...]  # site ids in the current document, newest first
    pages: tuple[tuple[str, ...], ...]  # full archive pages, oldest first: pages[n - 1] is page n


@dataclass(frozen=True)
class Layout:
    """Where a feed's members are, but for the members of its full pages (see above).

    Every member is in a full page, `waiting` or `unsettled` (feeds with an archive), or among
    the `unpaged` (feeds without); `newest` overlaps them. Publication times are POSIX seconds.
    """

    newest: tuple[Newest, ...] = ()  # the `limit` newest members, newest first
    pages: int = 0  # full pages
    paged: int = 0  # articles in them
    waiting: tuple[FeedMember, ...] = ()  # history past the last full page, in order
    unsettled: tuple[FeedMember, ...] = ()  # stored by a crawl still running, by site id
    unpaged: int = 0  # members of a feed without archive
    last_key: Key | None = None  # the place of the last paged article
    paged_until: str | None = None  # the latest first_seen of a paged article
    windows: str = ""  # digest of the crawl windows that decide where paged articles are

    @property
    def total(self) -> int:
        """How many articles the feed selects."""
        return self.paged + len(self.waiting) + len(self.unsettled) + self.unpaged

    def current(
        self, max_age_days: float | None = None, now: datetime | None = None
    ) -> tuple[str, ...]:
        """The current document's site ids, newest first: the newest (within `max_age_days`
        of `now`), and the waiting ones."""
        shown = list(self.newest)
        if max_age_days is not None and now is not None:
            cutoff = (now - timedelta(days=max_age_days)).timestamp()
            shown = [entry for entry in shown if entry[0] >= cutoff]
        chosen = {site_id for _time, site_id in shown}
        shown += [(_time(m), m.site_id) for m in self.waiting if m.site_id not in chosen]
        shown.sort(reverse=True)
        return tuple(site_id for _time, site_id in shown)


@dataclass(frozen=True)
class Placement:
    """A layout made from scratch, with the members it leaves to the caller."""

    layout: Layout
    pages: tuple[Page, ...] = ()  # every full page, oldest first
    unpaged: tuple[str, ...] = ()  # a feed without archive: every member, sorted


@dataclass(frozen=True)
class Step:
    """A layout carried forward, and how the members left to the caller changed."""

    layout: Layout
    appended: tuple[Page, ...] = ()  # new full pages, numbered after the previous ones
    dirty: frozenset[int] = frozenset()  # pages with an article changed (still in its place)
    joined: tuple[str, ...] = ()  # a feed without archive: members that were not
    left: tuple[str, ...] = ()  # ... and members no longer


def archive_path(slug: str, number: int) -> str:
    """Where archive page `number` (1 = oldest) of a feed lives, relative to the output dir."""
    return f"{slug}/archive-{number}.atom"


def published_of(member: FeedMember) -> datetime:
    return article_time(member.published, member.site_id)


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
    placed = layout(members, windows, limit=limit, page_size=page_size)
    return Plan(
        placed.layout.current(max_age_days, now),
        tuple(tuple(site_id for site_id, _time in page) for page in placed.pages),
    )


def layout(
    members: Sequence[FeedMember],
    windows: Sequence[CrawlWindow],
    *,
    limit: int,
    page_size: int | None,
) -> Placement:
    """Every member placed, from scratch."""
    newest = tuple(heapq.nlargest(limit, ((_time(m), m.site_id) for m in members)))
    if not page_size:
        ids = tuple(sorted(m.site_id for m in members))
        return Placement(Layout(newest=newest, unpaged=len(ids)), unpaged=ids)
    placed = _paged(Layout(newest=newest), members, windows, page_size)
    assert placed is not None  # nothing is paged yet, so nothing can be placed before it
    return Placement(*placed)


def advance(
    previous: Layout,
    changed: AbstractSet[str],
    members: Sequence[FeedMember],
    located: Mapping[str, Location],
    windows: Sequence[CrawlWindow],
    *,
    limit: int,
    page_size: int | None,
) -> Step | None:
    """`previous` after the articles `changed` changed, or None when only `layout` can tell.

    `previous` is a layout of the same definition; `members` are the articles of `changed`
    that the feed selects now; `located` says where the caller had those of `changed` it
    keeps: (page number, publication time) for a paged article, (0, 0) for a member of a feed
    without archive. `windows` are all crawl windows, as now.
    """
    if not changed:
        return Step(previous)
    now = {m.site_id: m for m in members}
    newest = _newest(previous, changed, members, limit)
    if newest is None:
        return None
    if not page_size:
        joined = tuple(sorted(now.keys() - located.keys()))
        left = tuple(sorted(located.keys() - now.keys()))
        unpaged = previous.unpaged + len(joined) - len(left)
        return Step(replace(previous, newest=newest, unpaged=unpaged), joined=joined, left=left)
    if _windows_digest(windows, previous.paged_until) != previous.windows:
        return None  # the crawls that decided where paged articles are were rewritten
    for site_id, (_page, time) in located.items():
        member = now.get(site_id)
        if member is None or _time(member) != time:
            return None  # it left the feed or moved in the history: the pages re-cut
    rest = [m for m in (*previous.waiting, *previous.unsettled) if m.site_id not in changed]
    rest += [m for m in members if m.site_id not in located]
    placed = _paged(replace(previous, newest=newest), rest, windows, page_size)
    if placed is None:
        return None
    layout, appended = placed
    return Step(layout, appended, frozenset(page for page, _time in located.values()))


def _newest(
    previous: Layout, changed: AbstractSet[str], members: Sequence[FeedMember], limit: int
) -> tuple[Newest, ...] | None:
    """The newest members after a change, when the previous newest and the changed tell them."""
    kept = [entry for entry in previous.newest if entry[1] not in changed]
    newest = tuple(heapq.nlargest(limit, kept + [(_time(m), m.site_id) for m in members]))
    if previous.total > len(previous.newest):  # members older than all of previous.newest exist
        floor = previous.newest[-1]
        if len(newest) < limit or newest[-1] < floor:
            return None  # one of those may belong among the newest now
    return newest


def _paged(
    previous: Layout, rest: Sequence[FeedMember], windows: Sequence[CrawlWindow], page_size: int
) -> tuple[Layout, tuple[Page, ...]] | None:
    """`previous` with `rest`, its members not in full pages, placed after them; new pages."""
    starts = [window.started for window in windows]
    history: list[tuple[Key, FeedMember]] = []
    unsettled = []
    for member in rest:
        batch, settled = arrival(member.first_seen, windows, starts)
        if not settled:
            unsettled.append(member)
            continue
        key = (batch, _time(member), member.site_id)
        if previous.last_key is not None and key < previous.last_key:
            return None  # it belongs among the paged articles: the pages re-cut
        history.append((key, member))
    history.sort(key=lambda pair: pair[0])
    full = len(history) // page_size * page_size
    appended = tuple(
        tuple((member.site_id, key[1]) for key, member in history[start : start + page_size])
        for start in range(0, full, page_size)
    )
    last_key, paged_until = previous.last_key, previous.paged_until
    if full:
        last_key = history[full - 1][0]
        seen = [member.first_seen for _key, member in history[:full]]
        paged_until = max(seen if paged_until is None else [*seen, paged_until])
    layout = replace(
        previous,
        pages=previous.pages + len(appended),
        paged=previous.paged + full,
        waiting=tuple(member for _key, member in history[full:]),
        unsettled=tuple(sorted(unsettled, key=lambda m: m.site_id)),
        last_key=last_key,
        paged_until=paged_until,
        windows=_windows_digest(windows, paged_until),
    )
    return layout, appended


def _time(member: FeedMember) -> int:
    return int(published_of(member).timestamp())


def _windows_digest(windows: Sequence[CrawlWindow], until: str | None) -> str:
    """What decides the arrival of articles first seen up to `until`: the windows started by then."""
    if until is None:
        return ""
    relevant = [(w.started, w.finished, w.running) for w in windows if w.started <= until]
    return hashlib.sha256(json.dumps(relevant).encode()).hexdigest()[:32]


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
