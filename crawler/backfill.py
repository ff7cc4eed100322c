"""How a backfill walks the archive: pure decisions about pages, no network (issue #14).

The site has no environment section and no Japan section: the topics' articles are spread over
the top-level listings (docs/site.md §7), which together list every article, newest first, in
pages of about twenty. A backfill reads those listings page by page and fetches only the articles
whose headline and summary make them worth it (crawler/focus.py): listing pages are the cost,
and each holds twenty decisions.

- **The window.** With `--since`, a listing is walked down to that date, whole: a researcher who
  asks for a year wants all of it. With `--until`, the walk first locates the first page that
  reaches that date (a jump to where the listing's density puts it, then a binary search: a
  handful of requests instead of every page in between). A window of a few days reads the listings' day archives
  instead, one page per section and day, addressed by date, so nothing shifts under it while
  the site publishes.
- **No window.** The whole archive, with a stopping rule per listing: the walk of a listing ends
  when its last `WINDOW` pages together gave fewer than `THIN * WINDOW` articles worth fetching.
  Then the topical tags that the relevant articles found carry are walked the same way, with a
  shorter memory (`TAG_WINDOW`): they list old articles of the topics that listings of sections
  thick with other news bury. (A window's listings are read whole: its tags could add nothing.) On the simulated site (50,000 articles, 10 years) this finds 0.97
  of the relevant articles for 1.9 requests per relevant article found (bench/backfill.py).

Each decision takes the walk's stored state (storage.BackfillSource) and a page's contents, and
returns the next state: the walk resumes from any state, which is what makes kill -9 harmless.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from core.clock import VIETNAM_TZ
from core.durations import DurationError, parse_duration
from crawler.listing import ListingItem

WINDOW = 8  # listing pages the stopping rule looks back over
THIN = 0.35  # candidates per page below which a listing's walk ends
TAG_WINDOW = 3  # the same, for tag pages
TAG_MIN_RELEVANT = 5  # relevant articles found that must carry a tag before its pages are walked
DAY_ARCHIVE_DAYS = 7  # windows this short read day archives
MAX_PAGES = 10_000  # no listing is walked deeper than this (a runaway pagination)
ITEMS_PER_PAGE = 20  # a listing page below the first (docs/site.md §6)

# A walk's status (storage: backfill_sources.status).
LOCATING, WALKING = "locating", "walking"  # going on
DONE, THIN_STATUS, DISALLOWED = "done", "thin", "disallowed"  # ended


@dataclass(frozen=True)
class Window:
    """The dates a backfill covers (Vietnam time), each end open when None."""

    since: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"--since {self.since} is after --until {self.until}")

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Window:
        """The window of TINTUC_BACKFILL_SINCE / _UNTIL (ISO dates; unset: open)."""
        since, until = settings.get("TINTUC_BACKFILL_SINCE"), settings.get("TINTUC_BACKFILL_UNTIL")
        return cls(date.fromisoformat(since) if since else None, date.fromisoformat(until) if until else None)

    @property
    def key(self) -> str:
        """How the store names this backfill: 'SINCE..UNTIL', open ends empty."""
        return f"{self.since or ''}..{self.until or ''}"

    def __str__(self) -> str:
        if self.since is None and self.until is None:
            return "the whole archive"
        if self.since is None:
            return f"the archive up to {self.until}"
        return f"{self.since} to {self.until or 'today'}"

    @property
    def open(self) -> bool:
        return self.since is None

    def contains(self, created: datetime) -> bool:
        day = created.astimezone(VIETNAM_TZ).date()
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)

    def days(self, today: date) -> list[date]:
        """Every day of a bounded window, newest first (today at most)."""
        if self.since is None:
            raise ValueError("an open window has no list of days")
        last = min(self.until or today, today)
        return [last - timedelta(days=n) for n in range((last - self.since).days + 1)]

    def uses_day_archives(self, today: date) -> bool:
        return self.since is not None and (min(self.until or today, today) - self.since).days < DAY_ARCHIVE_DAYS


@dataclass(frozen=True)
class Walk:
    """Where one source's walk stands: the part of storage.BackfillSource a decision needs."""

    kind: str  # listing, day or tag
    next_page: int = 1
    recent: tuple[int, ...] = ()  # candidates on each of the last pages, newest last
    status: str = WALKING
    low: int = 0  # while locating: the deepest page known to be newer than the window
    high: int = 0  # … and the shallowest known to reach it (0: none yet)


@dataclass(frozen=True)
class PageView:
    """What a walk needs from one fetched page of its source."""

    items: Sequence[ListingItem]
    has_next: bool  # its pagination names a next page


def start_walk(kind: str, window: Window) -> Walk:
    """A new walk: a listing with an `until` first locates the window's first page."""
    return Walk(kind, status=LOCATING if kind == "listing" and window.until else WALKING)


def candidates(
    items: Iterable[ListingItem],
    window: Window,
    worth: Callable[[str, str], bool],
    known: Callable[[ListingItem], bool],
) -> list[ListingItem]:
    """The items of a page worth fetching: in the window, not stored yet, and with a headline
    (`worth(title, summary)`) that puts them in a topic or close to one."""
    chosen = []
    for item in items:
        created = item.created
        if created is None or not window.contains(created) or known(item):
            continue
        if worth(item.title, item.summary):
            chosen.append(item)
    return chosen


def after_page(walk: Walk, page: PageView, found: int, window: Window) -> Walk:
    """The walk once one of its pages was read and `found` of its items were worth fetching."""
    if walk.status == LOCATING:
        return _locate(walk, page, window)
    memory = WINDOW if walk.kind == "listing" else TAG_WINDOW
    recent = (*walk.recent, found)[-memory:]
    oldest = min((item.created for item in page.items if item.created), default=None)
    if not page.items or not page.has_next or walk.next_page >= MAX_PAGES:
        return Walk(walk.kind, walk.next_page, recent, DONE)
    if window.since is not None and oldest is not None and oldest.astimezone(VIETNAM_TZ).date() < window.since:
        return Walk(walk.kind, walk.next_page, recent, DONE)
    if window.open and walk.kind != "day" and len(recent) >= memory and sum(recent) < THIN * memory:
        return Walk(walk.kind, walk.next_page, recent, THIN_STATUS)
    return Walk(walk.kind, walk.next_page + 1, recent, WALKING)


def _locate(walk: Walk, page: PageView, window: Window) -> Walk:
    """One step of the search for the first page that reaches `window.until`. A page wholly newer
    than it raises the low bound, any other lowers the high bound. While no high bound is known,
    the next probe is where this page's density puts `until` (pages cover days at a steady pace,
    near enough); then it halves the range between the bounds."""
    assert window.until is not None
    # Only a listing's main list is in time order: its lead and top items are picks (docs/site.md §6).
    ordered = [item for item in page.items if item.block == "list"] or page.items
    created = sorted(item.created.astimezone(VIETNAM_TZ) for item in ordered if item.created)
    newer = bool(created) and created[0].date() > window.until
    if newer and page.has_next:
        low, high = walk.next_page, walk.high
    else:
        low, high = walk.low, walk.next_page
    if high and high - low <= 1:
        return Walk(walk.kind, high, (), WALKING)
    if high:
        probe = (low + high) // 2
    else:  # newer: skip the pages this page's density says are newer still
        days_per_item = (created[-1] - created[0]).total_seconds() / 86_400 / max(1, len(created) - 1)
        days_ahead = (created[0].date() - window.until).days
        probe = low + max(1, math.floor(days_ahead / max(days_per_item * ITEMS_PER_PAGE, 1e-3)))
    return Walk(walk.kind, probe, (), LOCATING, low, high)


def topical_tags(tag_counts: dict[str, int], hint: Callable[[str], float]) -> list[str]:
    """The tags whose pages are worth walking: carried by enough relevant articles found, and
    topical by their own words (`hint(tag) > 0`), most used first."""
    ranked = sorted(tag_counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [tag for tag, count in ranked if count >= TAG_MIN_RELEVANT and hint(tag) > 0]



HORIZON = timedelta(days=3653)  # how far back an open walk is assumed to go, for the ETA only


def pages_left(kind: str, status: str, items: int, oldest: str | None, window: Window, today: date) -> int:
    """About how many more pages a walk will read, for a progress estimate: the days between
    its oldest article and the window's start (or ten years back), at the density its pages
    have shown so far."""
    if status == LOCATING:
        return 8  # a few probes more
    if kind == "day" or oldest is None:
        return 1
    oldest_day = date.fromisoformat(oldest[:10])
    newest_day = min(window.until or today, today)
    per_day = items / max(1, (newest_day - oldest_day).days)
    floor = window.since or today - HORIZON
    return math.ceil(max(0, (oldest_day - floor).days) * per_day / ITEMS_PER_PAGE)


def window_from(since: str | None, until: str | None, today: date) -> Window:
    """The window of `tintuc backfill --since/--until`: dates (YYYY-MM-DD), or for `--since` a
    duration back from today ("2d", "1w": what a nightly job wants). ValueError says what is
    wrong."""

    def day(text: str | None, option: str, relative: bool) -> date | None:
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
        if relative:
            try:
                return today - timedelta(days=parse_duration(text).days)
            except DurationError:
                pass
        shapes = "a date (YYYY-MM-DD) or a duration back from today (2d, 1w)" if relative else "a date (YYYY-MM-DD)"
        raise ValueError(f"{option} {text!r} is not {shapes}")

    return Window(day(since, "--since", True), day(until, "--until", False))
