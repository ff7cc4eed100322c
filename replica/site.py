"""An immutable snapshot of the replica site's content, and the queries its pages need.

The server swaps in a new snapshot on every change (publish/edit/remove), so a request always
renders from one consistent state without holding a lock while rendering. Rendering and routing
receive the snapshot explicitly; nothing here does I/O or reads the clock.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from .corpus import VN_TZ, Category, ReplicaArticle

__all__ = ["MOST_READ_COUNT", "SITE_DATE", "SiteState", "newest_modified", "tag_keyword"]

SITE_DATE = datetime(2021, 1, 1, tzinfo=VN_TZ)
"""Last-Modified of pages without dated items (the RSS index, empty listings, robots.txt)."""

MOST_READ_COUNT = 5


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


def _newest_first(articles: Iterable[ReplicaArticle]) -> tuple[ReplicaArticle, ...]:
    return tuple(sorted(articles, key=lambda a: (a.published, a.id), reverse=True))


@dataclass(frozen=True)
class SiteState:
    """Categories, live articles (newest first) and removed article ids with their status.

    Derived indexes (by id, normalised tags, the most-read pick) are computed once per snapshot
    on first use (``cached_property``): a snapshot never changes, and with thousands of articles
    (the benchmarks' generated corpus) recomputing them on every page made rendering O(n²).
    """

    categories: Mapping[str, Category]
    articles: tuple[ReplicaArticle, ...]
    removed: Mapping[str, tuple[ReplicaArticle, int]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        categories: Mapping[str, Category],
        articles: Iterable[ReplicaArticle],
        removed: Mapping[str, tuple[ReplicaArticle, int]] | None = None,
    ) -> SiteState:
        return cls(dict(categories), _newest_first(articles), dict(removed or {}))

    # -- lookups ---------------------------------------------------------------------------

    @cached_property
    def _by_id(self) -> dict[str, ReplicaArticle]:
        index: dict[str, ReplicaArticle] = {}
        for article in self.articles:
            index.setdefault(article.id, article)  # the first (newest), as a scan would find
        return index

    @cached_property
    def _tag_keys(self) -> dict[str, frozenset[str]]:
        """Each article's tags as comparison keys (:func:`normalize_tag`), by article id."""
        return {a.id: frozenset(normalize_tag(t) for t in a.tags) for a in self.articles}

    def article(self, article_id: str) -> ReplicaArticle | None:
        return self._by_id.get(article_id)

    def category(self, key: str) -> Category | None:
        """A category by its listing key, case-insensitively (IIS paths are)."""
        wanted = key.lower()
        return next((c for c in self.categories.values() if c.key.lower() == wanted), None)

    def rss_category(self, slug: str, cat_id: int) -> Category | None:
        """The category behind ``/rss/<slug>-<catId>.rss``, if the site offers that feed."""
        for category in self.categories.values():
            if category.rss and category.cat_id == cat_id and category.slug == slug:
                return category
        return None

    def top_level(self) -> list[Category]:
        return [c for c in self.categories.values() if not c.parent]

    def children(self, category: Category) -> list[Category]:
        return [c for c in self.categories.values() if c.parent == category.key]

    def root(self, category: Category) -> Category:
        """The top-level ancestor (the section bar shows it with its subcategories)."""
        while category.parent and category.parent in self.categories:
            category = self.categories[category.parent]
        return category

    def subtree_keys(self, category: Category) -> set[str]:
        keys = {category.key}
        for child in self.children(category):
            keys |= self.subtree_keys(child)
        return keys

    # -- article lists (all newest first) --------------------------------------------------

    def newest(self, count: int | None = None) -> tuple[ReplicaArticle, ...]:
        return self.articles if count is None else self.articles[:count]

    def in_category(self, category: Category) -> tuple[ReplicaArticle, ...]:
        """Articles of ``category`` and of its subcategories."""
        keys = self.subtree_keys(category)
        return tuple(a for a in self.articles if a.category.key in keys)

    def with_tag(self, keyword: str) -> tuple[ReplicaArticle, ...]:
        """Articles tagged ``keyword`` (raw or ``+``-joined, any case)."""
        wanted = normalize_tag(keyword)
        keys = self._tag_keys
        return tuple(a for a in self.articles if wanted in keys[a.id])

    def most_read(self) -> tuple[ReplicaArticle, ...]:
        """A fixed pick of articles for "tin đọc nhiều nhất": the same on every page."""
        return self._most_read

    @cached_property
    def _most_read(self) -> tuple[ReplicaArticle, ...]:
        ranked = sorted(self.articles, key=lambda a: hashlib.sha1(a.id.encode()).hexdigest())
        return tuple(ranked[:MOST_READ_COUNT])

    def related(self, article: ReplicaArticle) -> tuple[ReplicaArticle, ...]:
        """Other articles ranked by shared tags, then the same category, newest first."""
        own_tags = {normalize_tag(t) for t in article.tags}
        same_section = self.subtree_keys(article.category)
        keys = self._tag_keys

        def shared(other: ReplicaArticle) -> int:
            return len(own_tags & keys[other.id])

        others = [a for a in self.articles if a.id != article.id]
        by_tag = sorted((a for a in others if shared(a)), key=shared, reverse=True)
        by_section = [a for a in others if not shared(a) and a.category.key in same_section]
        return tuple(by_tag + by_section)

    def same_category(self, article: ReplicaArticle, count: int) -> tuple[ReplicaArticle, ...]:
        """The newest other articles of the article's category (with its subcategories)."""
        others = (a for a in self.in_category(article.category) if a.id != article.id)
        return tuple(others)[:count]


def paginate(items: Sequence[ReplicaArticle], page: int, per_page: int) -> tuple[
    tuple[ReplicaArticle, ...], int
]:
    """The items of 1-based ``page`` and the number of pages (at least 1)."""
    pages = max(1, -(-len(items) // per_page))
    start = (page - 1) * per_page
    return tuple(items[start : start + per_page]), pages
