"""What earlier crawls learned, read once when a crawl starts: the input of discovery.

Which articles are stored (and when each is due for a re-check), what each page's last fetch
gave, and which pages are waiting in the frontier. The spider decides from this what to ask
for; it never writes it (the pipelines and middlewares do).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from crawler.urls import Kind, article_id, page_number
from storage import FetchState, FrontierEntry, KnownArticle, Store

GONE = (404, 410)


@dataclass(frozen=True)
class CrawlMemory:
    known: Mapping[str, KnownArticle]  # stored articles by id
    fetched: Mapping[str, FetchState]  # last fetch of every page, by canonical URL
    frontier: tuple[FrontierEntry, ...]  # pages waiting, highest priority first
    seen: frozenset[str]  # ids of the articles earlier crawls met (see `recall`)

    @classmethod
    def recall(cls, store: Store, *, frontier_keep: int) -> CrawlMemory:
        known = store.known_articles()
        fetched = store.fetch_states()
        frontier = tuple(store.frontier(frontier_keep))
        # Met before: stored, fetched (even if gone since), or waiting in the frontier (where
        # robots.txt may keep them forever). A listing whose items are all met holds no news.
        urls = [url for url, state in fetched.items() if state.kind == Kind.ARTICLE.value]
        urls += [entry.url for entry in frontier if entry.kind == Kind.ARTICLE.value]
        seen = set(known) | {site_id for url in urls if (site_id := article_id(url))}
        return cls(known, fetched, frontier, frozenset(seen))

    def gone(self, url: str, known: KnownArticle | None = None) -> bool:
        """Whether the page answered 404 or 410 last time (a stored article: under its URL)."""
        state = (self.fetched.get(known.url) if known else None) or self.fetched.get(url)
        return state is not None and state.status in GONE

    def worth_revisiting(self) -> Iterator[tuple[str, Kind]]:
        """Pages to ask for again at every crawl (conditionally): the RSS feeds, and the first
        page of each listing or tag page that had on-topic links last time."""
        for state in self.fetched.values():
            kind = Kind(state.kind)
            useful_list = kind in (Kind.LISTING, Kind.TAG) and state.relevant_links > 0
            if kind is Kind.RSS or (useful_list and page_number(state.url) == 1):
                yield state.url, kind
