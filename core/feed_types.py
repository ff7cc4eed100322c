"""What a feed selects and what it reads of the store: the types shared by storage/ and feeds/.

storage/ answers with them (storage/feed_queries.py), feeds/ plans and renders with them; neither
owns them, so they live here, below both.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FeedFilter:
    """Which articles a feed selects. Empty tuples and None mean "no condition".

    `name` only labels error messages. Category and tag comparisons ignore case and Unicode
    spelling; `query` is FTS5 syntax over the diacritic-free copy of the text (as `Store.search(..., fts=True)`).
    """

    name: str = ""
    topics: tuple[str, ...] = ()
    match_all: bool = False  # all of `topics` rather than any of them
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    query: str | None = None
    min_score: float | None = None  # on the selected topics (on any topic when none is selected)


@dataclass(frozen=True)
class FeedMember:
    """An article a feed selects, with what ordering and archive paging need."""

    site_id: str
    published: str
    first_seen: str  # UTC, when we first stored it: the feed's history is ordered by this


@dataclass(frozen=True)
class Revision:
    """Where the store's history of changes stands (tables article_changes, change_lineage)."""

    lineage: str
    number: int


@dataclass(frozen=True)
class CrawlWindow:
    """When a crawl ran; articles first seen inside one window arrived together."""

    started: str
    finished: str | None
    running: bool


@dataclass(frozen=True)
class FeedArticle:
    """An article with everything a feed entry shows."""

    site_id: str
    url: str
    title: str
    sapo: str
    body_html: str
    body_text: str
    authors: tuple[str, ...]
    agency: str
    category: str
    category_url: str
    published: str
    modified: str
    lead_image: str
    first_seen: str
    updated: str
    topics: tuple[tuple[str, float], ...] = field(default_factory=tuple)  # (topic, score)
    tags: tuple[str, ...] = field(default_factory=tuple)
    # Why it matched, for people: (topic, the rule phrases that matched, strongest first).
    topic_terms: tuple[tuple[str, tuple[str, ...]], ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class CrawlSummary:
    """When the crawls ran, as the web pages say it: the last one that ended, and the last
    that succeeded (None: no such crawl). Times are the store's UTC ISO strings."""

    last_ended: str | None = None  # when it finished (or, killed, when it started)
    last_status: str = ""  # ok, failed, interrupted
    last_ok: str | None = None  # when the last successful crawl finished


@dataclass(frozen=True)
class MonthlyCount:
    """Articles of one topic published in one month (Vietnam time, yyyy-mm)."""

    topic: str
    month: str
    articles: int
