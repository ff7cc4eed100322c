"""The replica site's content and the queries its pages need, at a given moment.

Two layers:

- :class:`Content` holds every article the site has *or will have* (a simulated site schedules
  its articles over years), newest first, with indexes by id, category, tag and day, all built
  once, on first use. It never changes: the server swaps in a new one on publish/edit/remove.
- :class:`SiteState` is the site as a reader sees it at one moment (``Content.at(moment)``):
  only the articles published by then. It is cheap (two bisections), cached per distinct set of
  visible articles, and what rendering and routing receive. Every list it returns is newest
  first and holds visible articles only.

Why a moment: a simulated site publishes on a clock (``ReplicaSite(clock=…)``); an article is
visible — on its own page, listings, tag pages, day archives, RSS and boxes — once
``published <= clock()``. An article added with ``ReplicaSite.publish`` is visible at once, even
if its ``published`` lies ahead of the clock (``forced``), so tests that publish "news from
2030" keep working. Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

import hashlib
import threading
import unicodedata
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cached_property
from itertools import chain, islice
from typing import overload

from .corpus import VN_TZ, Category, ReplicaArticle

__all__ = [
    "HIGHLIGHTS_POOL",
    "Items",
    "Layout",
    "MOST_READ_COUNT",
    "MOST_READ_POOL",
    "REAL_LAYOUT",
    "SITE_DATE",
    "SMALL_LAYOUT",
    "Content",
    "SiteState",
    "newest_modified",
    "tag_keyword",
]

SITE_DATE = datetime(2021, 1, 1, tzinfo=VN_TZ)
"""Last-Modified of pages without dated items (the RSS index, empty listings, robots.txt)."""

MOST_READ_COUNT = 5
MOST_READ_POOL = 100
""""tin đọc nhiều nhất" picks among the newest this many articles published before the current
day began (Vietnam time): on the real page the most-read are from the past week, and the box
stays the same all day, so it does not change every page's ETag at each publication."""
HIGHLIGHTS_POOL = 30
""""Tin tiêu điểm" (a listing's highlights) picks among this many of the section's newest
articles published before the current day began."""
RELATED_WINDOW = 200
"""Related articles are sought among this many articles on either side of the article in each
of its tags' lists (all of them for the hand-written corpus)."""


@dataclass(frozen=True)
class Layout:
    """How many items each kind of list shows.

    ``first_page``: page 1 of a category listing (the lead item, ``focus - 1`` items in
    ``ul.list-ul``, the rest in ``ul.list-newsest``); ``per_page``: its later pages;
    ``tag_page``: every page of a tag page; ``day_page``: every page of a day archive, or None
    for the whole day on one page without pagination; ``rss_items``: items per RSS feed.
    """

    first_page: int = 8
    per_page: int = 8
    tag_page: int = 8
    day_page: int | None = None
    focus: int = 4
    rss_items: int = 20

    def __post_init__(self) -> None:
        sizes = (self.first_page, self.per_page, self.tag_page, self.rss_items)
        if min(sizes) < 1 or (self.day_page is not None and self.day_page < 1):
            raise ValueError(f"page sizes must be positive: {self}")
        if not 1 <= self.focus <= self.first_page:
            raise ValueError(f"focus must be between 1 and first_page: {self}")


SMALL_LAYOUT = Layout()
"""The hand-written replica's: 8 items a page, so that its 73 articles still paginate."""
REAL_LAYOUT = Layout(first_page=24, per_page=20, tag_page=20, day_page=None)
"""The real site's sizes (docs/site.md §6): 1 + 3 + 20 on page 1, then 20 a page."""


def tag_keyword(tag: str) -> str:
    """The tag as it appears in ``/tags/<kw>.htm``: lower case, spaces as ``+``, raw UTF-8."""
    return "+".join(unicodedata.normalize("NFC", tag).lower().split())


def normalize_tag(text: str) -> str:
    """A comparison key for tags: NFC, case-folded, whitespace collapsed (``+`` is a space)."""
    words = unicodedata.normalize("NFC", text).replace("+", " ").casefold().split()
    return " ".join(words)


def newest_modified(articles: Iterable[ReplicaArticle]) -> datetime | None:
    """The latest ``modified`` among ``articles``, or None when there are none."""
    return max((a.last_modified for a in articles), default=None)


def vn_day(moment: datetime) -> date:
    """The calendar day of ``moment`` in Vietnam time."""
    return moment.astimezone(VN_TZ).date()


def _stamp(moment: datetime) -> int:
    return int(moment.timestamp())


def _newest_first(articles: Iterable[ReplicaArticle]) -> tuple[ReplicaArticle, ...]:
    return tuple(sorted(articles, key=lambda a: (a.published, a.id), reverse=True))


def _hash_order(article: ReplicaArticle) -> str:
    return hashlib.sha1(article.id.encode()).hexdigest()


# -- lists of visible articles ----------------------------------------------------------------


class Items(Sequence[ReplicaArticle]):
    """A newest-first list of visible articles, without copying the index it reads.

    ``head`` are positions shown although scheduled later (published with ``publish()``),
    then ``positions[start:]``. Slicing returns a tuple.
    """

    __slots__ = ("_articles", "_head", "_positions", "_start")

    def __init__(
        self,
        articles: Sequence[ReplicaArticle],
        positions: Sequence[int],
        start: int = 0,
        head: Sequence[int] = (),
    ) -> None:
        self._articles = articles
        self._positions = positions
        self._start = start
        self._head = head

    def __len__(self) -> int:
        return len(self._head) + len(self._positions) - self._start

    @overload
    def __getitem__(self, index: int) -> ReplicaArticle: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[ReplicaArticle, ...]: ...

    def __getitem__(self, index: int | slice) -> ReplicaArticle | tuple[ReplicaArticle, ...]:
        if isinstance(index, slice):
            return tuple(self._position(i) for i in range(*index.indices(len(self))))
        size = len(self)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError("Items index out of range")
        return self._position(index)

    def _position(self, index: int) -> ReplicaArticle:
        heads = len(self._head)
        if index < heads:
            return self._articles[self._head[index]]
        return self._articles[self._positions[self._start + index - heads]]

    def __iter__(self) -> Iterator[ReplicaArticle]:
        get = self._articles.__getitem__
        return chain(map(get, self._head), map(get, islice(self._positions, self._start, None)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Items, tuple, list)):
            return tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Items({len(self)} articles)"


# -- the content: everything, past and scheduled ----------------------------------------------


Details = Callable[[ReplicaArticle], ReplicaArticle]


class Content:
    """Categories, every article (newest first, scheduled ones included) and removed ones.

    ``details`` completes an article for its own page (a simulated site keeps only what lists
    need in memory and writes the body on demand); ``forced`` are ids visible whatever the
    moment. Indexes are positions in :attr:`articles`, ascending (so newest first).
    """

    def __init__(
        self,
        categories: Mapping[str, Category],
        articles: Iterable[ReplicaArticle],
        removed: Mapping[str, tuple[ReplicaArticle, int]] | None = None,
        *,
        forced: Iterable[str] = (),
        details: Details | None = None,
        layout: Layout = SMALL_LAYOUT,
    ) -> None:
        self.categories: dict[str, Category] = dict(categories)
        self.articles: tuple[ReplicaArticle, ...] = _newest_first(articles)
        self.removed: dict[str, tuple[ReplicaArticle, int]] = dict(removed or {})
        self.details = details
        self.layout = layout
        # -published, ascending: bisect_left(keys, -t) counts the articles published after t.
        self._keys = [-_stamp(a.published) for a in self.articles]
        self.forced: frozenset[str] = frozenset(forced)
        self.memo: dict[str, str] = {}  # page parts that depend on the categories only
        self._views: OrderedDict[tuple[int, int], SiteState] = OrderedDict()
        self._views_lock = threading.Lock()

    def with_changes(
        self,
        articles: Iterable[ReplicaArticle],
        removed: Mapping[str, tuple[ReplicaArticle, int]],
        forced: Iterable[str],
    ) -> Content:
        """A new content with the same categories, details and layout."""
        return Content(
            self.categories, articles, removed,
            forced=forced, details=self.details, layout=self.layout,
        )

    # -- the moment -------------------------------------------------------------------------

    def cut(self, moment: datetime | None) -> int:
        """How many articles (the newest) are published after ``moment`` (0 for None)."""
        return 0 if moment is None else bisect_left(self._keys, -_stamp(moment))

    def at(self, moment: datetime | None) -> SiteState:
        """The site as seen at ``moment`` (None: every article visible, no clock).

        Views are cached by what they show, so two moments between the same publications
        give the same object (the server caches rendered pages per view).
        """
        if moment is None:
            key = (0, 0)
        else:
            midnight = datetime.combine(vn_day(moment), time(0), tzinfo=VN_TZ)
            key = (self.cut(moment), self.cut(midnight))
        with self._views_lock:
            view = self._views.get(key)
            if view is None:
                view = self._views[key] = SiteState(self, *key)
                while len(self._views) > 8:
                    self._views.popitem(last=False)
            else:
                self._views.move_to_end(key)
            return view

    # -- indexes (built once, on first use) -------------------------------------------------

    @cached_property
    def position(self) -> dict[str, int]:
        index: dict[str, int] = {}
        for number, article in enumerate(self.articles):
            index.setdefault(article.id, number)  # the first (newest), as a scan would find
        return index

    @cached_property
    def forced_positions(self) -> frozenset[int]:
        return frozenset(self.position[i] for i in self.forced if i in self.position)

    @cached_property
    def _own(self) -> dict[str, list[int]]:
        own: dict[str, list[int]] = {key: [] for key in self.categories}
        for number, article in enumerate(self.articles):
            own.setdefault(article.category.key, []).append(number)
        return own

    @cached_property
    def _subtree_lists(self) -> dict[str, list[int]]:
        lists: dict[str, list[int]] = {}
        own = self._own
        for key, category in self.categories.items():
            keys = self.subtree_keys(category)
            if len(keys) == 1:
                lists[key] = own.get(key, [])
            else:
                lists[key] = sorted(chain.from_iterable(own.get(k, ()) for k in keys))
        return lists

    @cached_property
    def _tag_lists(self) -> dict[str, list[int]]:
        lists: dict[str, list[int]] = {}
        memo: dict[str, str] = {}
        for number, article in enumerate(self.articles):
            seen = set()
            for tag in article.tags:
                key = memo.get(tag)
                if key is None:
                    key = memo[tag] = normalize_tag(tag)
                if key not in seen:
                    seen.add(key)
                    lists.setdefault(key, []).append(number)
        return lists

    @cached_property
    def tag_keys(self) -> list[frozenset[str]]:
        """Each article's tags as comparison keys, by position."""
        memo: dict[str, str] = {}
        keys = []
        for article in self.articles:
            keys.append(frozenset(memo.get(t) or memo.setdefault(t, normalize_tag(t))
                                  for t in article.tags))
        return keys

    @cached_property
    def _day_lists(self) -> dict[date, list[int]]:
        lists: dict[date, list[int]] = {}
        for number, article in enumerate(self.articles):
            lists.setdefault(vn_day(article.published), []).append(number)
        return lists

    def own_list(self, category: Category) -> list[int]:
        return self._own.get(category.key, [])

    def subtree_list(self, category: Category) -> list[int]:
        found = self._subtree_lists.get(category.key)
        if found is None:  # a category not in this content's tree
            return sorted(chain.from_iterable(
                self._own.get(k, ()) for k in self.subtree_keys(category)))
        return found

    def tag_list(self, keyword: str) -> list[int]:
        return self._tag_lists.get(normalize_tag(keyword), [])

    def day_list(self, day: date) -> list[int]:
        return self._day_lists.get(day, [])

    def tag_names(self) -> dict[str, int]:
        """Every tag (comparison key) with its number of articles, scheduled ones included."""
        return {key: len(positions) for key, positions in self._tag_lists.items()}

    # -- categories ---------------------------------------------------------------------------

    @cached_property
    def _by_lower_key(self) -> dict[str, Category]:
        found: dict[str, Category] = {}
        for category in self.categories.values():
            for key in (category.key, *category.aliases):
                found.setdefault(key.lower(), category)
        return found

    def category(self, key: str) -> Category | None:
        """A category by its listing key or an alias, case-insensitively (IIS paths are)."""
        return self._by_lower_key.get(key.lower())

    @cached_property
    def _top_level(self) -> list[Category]:
        return [c for c in self.categories.values() if not c.parent]

    @cached_property
    def _children(self) -> dict[str, list[Category]]:
        children: dict[str, list[Category]] = {}
        for category in self.categories.values():
            if category.parent:
                children.setdefault(category.parent, []).append(category)
        return children

    def top_level(self) -> list[Category]:
        return self._top_level

    def children(self, category: Category) -> list[Category]:
        return self._children.get(category.key, [])

    def subtree_keys(self, category: Category) -> set[str]:
        keys = {category.key}
        for child in self.children(category):
            keys |= self.subtree_keys(child)
        return keys


# -- the site at a moment -----------------------------------------------------------------------


class SiteState:
    """The site as a reader sees it at one moment: the articles published by then.

    ``cut`` is the number of newest articles not yet published, ``day_cut`` the number
    published after the current day began (the boxes that change once a day use it).
    Build one with :meth:`build` (no clock) or :meth:`Content.at`.
    """

    def __init__(self, content: Content, cut: int = 0, day_cut: int = 0) -> None:
        self.content = content
        self.cut = cut
        self.day_cut = max(day_cut, cut)
        forced = content.forced_positions if content.forced else frozenset()
        self._head_set = frozenset(p for p in forced if p < cut)
        self._head = sorted(self._head_set)
        self._lock = threading.Lock()
        self._memo: dict[object, object] = {}

    @classmethod
    def build(
        cls,
        categories: Mapping[str, Category],
        articles: Iterable[ReplicaArticle],
        removed: Mapping[str, tuple[ReplicaArticle, int]] | None = None,
        *,
        layout: Layout = SMALL_LAYOUT,
        details: Details | None = None,
    ) -> SiteState:
        """Everything visible (no clock): the snapshot of a fixed corpus."""
        return Content(categories, articles, removed, layout=layout, details=details).at(None)

    # -- plain data ---------------------------------------------------------------------------

    @property
    def categories(self) -> dict[str, Category]:
        return self.content.categories

    @property
    def removed(self) -> dict[str, tuple[ReplicaArticle, int]]:
        return self.content.removed

    @property
    def layout(self) -> Layout:
        return self.content.layout

    @cached_property
    def articles(self) -> tuple[ReplicaArticle, ...]:
        """Every visible article, newest first."""
        everything = self.content.articles
        head = tuple(everything[p] for p in self._head)
        return head + everything[self.cut:]

    def _items(self, positions: Sequence[int]) -> Items:
        start = bisect_left(positions, self.cut)
        head: Sequence[int] = ()
        if self._head and start:
            head = [p for p in positions[:start] if p in self._head_set]
        return Items(self.content.articles, positions, start, head)

    # -- lookups -------------------------------------------------------------------------------

    def article(self, article_id: str) -> ReplicaArticle | None:
        """A visible article by id (None before its publication, or unknown)."""
        position = self.content.position.get(article_id)
        if position is None or (position < self.cut and position not in self._head_set):
            return None
        return self.content.articles[position]

    def full(self, article: ReplicaArticle) -> ReplicaArticle:
        """The article with everything its own page shows (body, figures, byline)."""
        details = self.content.details
        return details(article) if details is not None else article

    def scheduled(self, article_id: str) -> ReplicaArticle | None:
        """An article by id whether or not it is visible yet (for ground truth and tests)."""
        position = self.content.position.get(article_id)
        return None if position is None else self.content.articles[position]

    def category(self, key: str) -> Category | None:
        """A category by its listing key or an alias, case-insensitively (IIS paths are)."""
        return self.content.category(key)

    def rss_category(self, slug: str, cat_id: int) -> Category | None:
        """The category behind ``/rss/<slug>-<catId>.rss``, if the site offers that feed."""
        for category in self.categories.values():
            if category.rss and category.cat_id == cat_id and category.slug == slug:
                return category
        return None

    def top_level(self) -> list[Category]:
        return self.content.top_level()

    def children(self, category: Category) -> list[Category]:
        return self.content.children(category)

    def root(self, category: Category) -> Category:
        """The top-level ancestor (the section bar shows it with its subcategories)."""
        while category.parent and category.parent in self.categories:
            category = self.categories[category.parent]
        return category

    def subtree_keys(self, category: Category) -> set[str]:
        return self.content.subtree_keys(category)

    # -- article lists (all newest first, visible only) -----------------------------------------

    @overload
    def newest(self, count: None = None) -> Items: ...

    @overload
    def newest(self, count: int) -> tuple[ReplicaArticle, ...]: ...

    def newest(self, count: int | None = None) -> Items | tuple[ReplicaArticle, ...]:
        items = self._items(range(len(self.content.articles)))
        return items if count is None else items[:count]

    def in_category(self, category: Category) -> Items:
        """Articles of ``category`` and of its subcategories."""
        return self._items(self.content.subtree_list(category))

    def with_tag(self, keyword: str) -> Items:
        """Articles tagged ``keyword`` (raw or ``+``-joined, any case)."""
        return self._items(self.content.tag_list(keyword))

    def on_day(self, category: Category, day: date) -> tuple[ReplicaArticle, ...]:
        """Articles of ``category``'s sub-tree published on ``day`` (Vietnam time)."""
        keys = self.subtree_keys(category)
        return tuple(a for a in self._items(self.content.day_list(day)) if a.category.key in keys)

    def _memoised(self, key: object, compute: Callable[[], tuple[ReplicaArticle, ...]]) -> (
        tuple[ReplicaArticle, ...]
    ):
        with self._lock:
            found = self._memo.get(key)
        if found is None:
            found = compute()
            with self._lock:
                self._memo[key] = found
        return found  # type: ignore[return-value]

    def most_read(self) -> tuple[ReplicaArticle, ...]:
        """"tin đọc nhiều nhất": a hash-ordered pick among the newest ``MOST_READ_POOL``
        articles published before the current day (all of them without a clock). The same
        on every page, all day."""

        def pick() -> tuple[ReplicaArticle, ...]:
            pool = self.content.articles[self.day_cut : self.day_cut + MOST_READ_POOL]
            return tuple(sorted(pool, key=_hash_order)[:MOST_READ_COUNT])

        return self._memoised("most-read", pick)

    def highlights(self, category: Category, count: int = 5) -> tuple[ReplicaArticle, ...]:
        """"Tin tiêu điểm" of a listing: a hash-ordered pick among the section's newest
        ``HIGHLIGHTS_POOL`` articles published before the current day, shown newest first."""

        def pick() -> tuple[ReplicaArticle, ...]:
            positions = self.content.subtree_list(category)
            start = bisect_left(positions, self.day_cut)
            pool = [self.content.articles[p] for p in positions[start : start + HIGHLIGHTS_POOL]]
            chosen = {a.id for a in sorted(pool, key=_hash_order)[:count]}
            return tuple(a for a in pool if a.id in chosen)

        return self._memoised(("highlights", category.key, count), pick)

    def featured(self, page_items: Sequence[ReplicaArticle]) -> tuple[ReplicaArticle, ...]:
        """The lead item and the ``ul.list-ul`` items of a listing's page 1: an editor's pick
        among the newest two thirds of the page (the real page's lead was its 2nd newest item,
        the three others its 6th, 10th and 13th), newest first."""
        count = self.layout.focus
        window = list(page_items[: max(count, -(-len(page_items) * 2 // 3))])
        chosen = {a.id for a in sorted(window, key=_hash_order)[:count]}
        return tuple(a for a in window if a.id in chosen)

    def related(
        self, article: ReplicaArticle, limit: int | None = None
    ) -> tuple[ReplicaArticle, ...]:
        """Other articles ranked by shared tags (then newest first), then the same category,
        newest first; at most ``limit``. Sought near the article in its tags' lists."""
        content = self.content
        position = content.position.get(article.id)
        tag_keys = content.tag_keys
        own_tags = {normalize_tag(t) for t in article.tags}
        shared: dict[int, int] = {}
        for tag in own_tags:
            for other in self._near(self._items(content.tag_list(tag)), position):
                if other != position and other not in shared:
                    shared[other] = len(own_tags & tag_keys[other])
        by_tag = sorted(shared, key=lambda p: (-shared[p], p))
        ranked = [content.articles[p] for p in by_tag if content.articles[p].id != article.id]
        if limit is None or len(ranked) < limit:
            seen = {a.id for a in ranked} | {article.id}
            for other in self.in_category(article.category):
                if limit is not None and len(ranked) >= limit:
                    break
                if other.id not in seen:
                    ranked.append(other)
        return tuple(ranked if limit is None else ranked[:limit])

    @staticmethod
    def _near(visible: Items, position: int | None) -> list[int]:
        """The positions in ``visible``: all of them, or for a long list those within
        RELATED_WINDOW of ``position``."""
        positions, start, head = visible._positions, visible._start, list(visible._head)
        if len(visible) <= 2 * RELATED_WINDOW + 1:
            return head + list(islice(positions, start, None))
        middle = bisect_left(positions, position if position is not None else 0, start)
        low = max(start, middle - RELATED_WINDOW)
        return head + list(positions[low : middle + RELATED_WINDOW + 1])

    def same_category(self, article: ReplicaArticle, count: int) -> tuple[ReplicaArticle, ...]:
        """The newest other articles of the article's category (with its subcategories)."""
        others = (a for a in self.in_category(article.category) if a.id != article.id)
        return tuple(islice(others, count))


def paginate(items: Sequence[ReplicaArticle], page: int, per_page: int) -> tuple[
    tuple[ReplicaArticle, ...], int
]:
    """The items of 1-based ``page`` and the number of pages (at least 1)."""
    return paginate_listing(items, page, per_page, per_page)


def paginate_listing(
    items: Sequence[ReplicaArticle], page: int, first: int, rest: int
) -> tuple[tuple[ReplicaArticle, ...], int]:
    """The items of 1-based ``page`` when page 1 holds ``first`` items and later pages
    ``rest``, and the number of pages (at least 1)."""
    count = len(items)
    pages = 1 if count <= first else 1 + -(-(count - first) // rest)
    start = 0 if page == 1 else first + (page - 2) * rest
    stop = start + (first if page == 1 else rest)
    return tuple(items[start:stop]), pages
