"""The baotintuc spider: discovers environment and Vietnam–Japan articles, and parses pages.

It starts from the start article, the site's RSS (found through /rss.htm), the listings and tag
pages that were useful before, and the pages an earlier crawl left for later. From every page it
follows article, tag and listing links, most promising first (crawler/focus.py). It asks again
for a stored article only when a re-check is due, and never for a page that is gone.

That is all it does: the other components of a crawl (crawler/settings.py) keep its books. The
run's lifecycle is crawler/extensions.py, conditional requests and fetch outcomes
crawler/fetchstate.py, the frontier crawler/frontier.py, the page budget and politeness
crawler/middlewares.py, classification and storage crawler/pipelines.py. Extraction and the
URL rules are pure functions (crawler/extract.py, crawler/urls.py).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

import scrapy
from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.httpobj import urlparse_cached
from twisted.python.failure import Failure

from crawler import selectors as css
from crawler.classify import load_rules
from crawler.encoding import decode_page
from crawler.extensions import LAST_FAILURE_STAT, CrawlRunExtension
from crawler.fetchstate import header
from crawler.focus import context_bonus, memoised_topic_hint, page_on_topic, priority
from crawler.items import ArticleItem, PageItem
from crawler.listing import extract_listing
from crawler.memory import CrawlMemory
from crawler.middlewares import BudgetSpent, RetryLater
from crawler.network import describe_failure
from crawler.policy import is_due
from crawler.rss import parse_rss
from crawler.spiders.pages import article_item, page_text
from crawler.urls import (
    RSS_INDEX_PATH,
    START_URL,
    Kind,
    Site,
    article_id,
    next_page,
    page_number,
    tag_keyword,
)

logger = logging.getLogger(__name__)

# Spider arguments (`scrapy crawl baotintuc -a db=…`) and the settings they stand for.
ARGUMENT_SETTINGS = {"site_url": "TINTUC_SITE_URL", "db": "TINTUC_DB", "max_pages": "TINTUC_MAX_PAGES"}


@dataclass(frozen=True)
class Link:
    """A page worth fetching, found somewhere: where it points and how promising it looks."""

    url: str  # canonical public URL
    kind: Kind
    priority: int
    context: str  # where it was found (a box name, "rss", "start", "frontier"…)
    on_topic: bool = False  # its anchor text uses the topics' vocabulary


# The link queries, compiled once to lxml XPath: a page has hundreds of links, and parsel would
# wrap each one in a Selector.
_LINK_BOXES = tuple((name, etree.XPath(HTMLTranslator().css_to_xpath(query))) for name, query in css.ARTICLE_LINK_BOXES)
_ALL_LINKS = etree.XPath(HTMLTranslator().css_to_xpath(css.MENU_LINKS))

# Responses the callbacks receive besides 200 (crawler/fetchstate.py records them); they are
# outcomes, not errors.
HANDLED_STATUSES = [304, 404, 410]


class BaotintucSpider(scrapy.Spider):
    name = "baotintuc"
    custom_settings = {"HTTPERROR_ALLOWED_CODES": HANDLED_STATUSES}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args, **kwargs) -> BaotintucSpider:  # noqa: ANN002, ANN003
        for argument, setting in ARGUMENT_SETTINGS.items():
            if argument in kwargs:  # the settings are not frozen yet: one source of truth
                crawler.settings.set(setting, kwargs.pop(argument), priority="spider")
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._configure(crawler.settings)
        return spider

    def _configure(self, settings) -> None:  # noqa: ANN001
        self.site = Site(settings["TINTUC_SITE_URL"])
        self.allowed_domains = [self.site.host]
        self.max_pages = settings.getint("TINTUC_MAX_PAGES")
        self.max_listing_pages = settings.getint("TINTUC_MAX_LISTING_PAGES")
        self.max_tag_pages = settings.getint("TINTUC_MAX_TAG_PAGES")
        self.rules = load_rules(settings.get("TINTUC_TOPICS"))
        self.topic_hint = memoised_topic_hint(self.rules)
        self._resolve_anywhere = functools.lru_cache(maxsize=65_536)(
            functools.partial(self.site.resolve, base=self.site.base_url)
        )
        self.scheduled: set[str] = set()  # article ids and page URLs requested in this run

    # -- start -----------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        run = CrawlRunExtension.of(self.crawler)
        self.now = run.now()
        self.memory = CrawlMemory.recall(run.store, frontier_keep=self.settings.getint("TINTUC_FRONTIER_KEEP"))
        for request in self._follow(self._start_links()):
            yield request

    def _start_links(self) -> list[Link]:
        """The start article, /rss.htm, pages left by earlier crawls, and pages worth re-polling."""
        links = [
            self._link(START_URL, Kind.ARTICLE, context="start"),
            self._link(self.site.to_canonical(RSS_INDEX_PATH), Kind.RSS_INDEX, context="start"),
        ]
        links += [
            Link(entry.url, Kind(entry.kind), entry.priority, "frontier")
            for entry in self.memory.frontier[: self.max_pages * 2]
        ]
        links += [self._link(url, kind, context="revisit") for url, kind in self.memory.worth_revisiting()]
        return links

    def _link(self, url: str, kind: Kind, *, context: str, text: str = "", relevant: bool = True) -> Link:
        """A Link to a canonical URL, with its focused-crawl priority computed from what the
        link says."""
        hint = self.topic_hint(text) if text else 0.0
        prio = priority(kind, hint=hint, context=context, from_relevant_page=relevant, page=page_number(url))
        return Link(url, kind, prio, context, hint > 0)

    # -- requests --------------------------------------------------------------------------------

    def _follow(self, links: Iterable[Link]) -> Iterator[Request]:
        """Requests for the links not requested yet in this crawl, nor needless."""
        for link in links:
            request = self._request(link)
            if request is not None:
                yield request

    def _request(self, link: Link) -> Request | None:
        """A request for a link, or None when it was requested already, is gone or is not due."""
        canonical, kind = link.url, link.kind
        key = article_id(canonical) if kind is Kind.ARTICLE else canonical
        if key in self.scheduled:
            return None
        known = self.memory.known.get(key) if kind is Kind.ARTICLE else None
        if known is not None:
            next_check = datetime.fromisoformat(known.next_check) if known.next_check else None
            if not is_due(next_check, self.now):
                return None
        if self.memory.gone(canonical, known):
            return None
        self.scheduled.add(key)
        return Request(
            self.site.to_fetch(canonical),
            callback=self._callbacks[kind],
            errback=self._failed,
            priority=link.priority,
            meta={"canonical": canonical, "kind": kind, "context": link.context},
        )

    @property
    def _callbacks(self) -> dict:
        return {
            Kind.ARTICLE: self.parse_article,
            Kind.LISTING: self.parse_listing,
            Kind.TAG: self.parse_listing,
            Kind.RSS_INDEX: self.parse_rss_index,
            Kind.RSS: self.parse_rss,
        }

    def _failed(self, failure: Failure) -> None:
        """A page not fetched. It stays in the frontier, for the next crawl to try again."""
        if failure.check(BudgetSpent, RetryLater):
            return  # expected: the next crawl starts with it, or it is being retried later
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            logger.info("not fetched %s: %s", failure.request.url, failure.getErrorMessage())
            return  # robots.txt or off-site: a decision, not a failure
        if failure.check(HttpError):
            reason = f"{self.site.host} answered HTTP {failure.value.response.status}"
        else:
            reason = describe_failure(failure.value, urlparse_cached(failure.request).netloc)
        self.crawler.stats.set_value(LAST_FAILURE_STAT, reason)
        logger.warning("failed %s: %s (kept for the next crawl)", failure.request.url, reason)

    # -- callbacks -------------------------------------------------------------------------------

    def _page_text(self, response: Response) -> str | None:
        return page_text(response, CrawlRunExtension.of(self.crawler))

    def parse_article(self, response: Response) -> Iterator[Request | ArticleItem | PageItem]:
        if (page := self._page_text(response)) is None:
            return
        parsed = Selector(text=page)  # once, for the article and for its links
        item = article_item(response, page, parsed, site=self.site, run=CrawlRunExtension.of(self.crawler))
        if item is None:
            yield self._page_item(response, relevant_links=0)
            return
        yield item
        relevant = page_on_topic(item.article, self.rules)
        yield from self._follow(self._links(parsed, response.url, relevant=relevant))

    def parse_listing(self, response: Response) -> Iterator[Request | PageItem]:
        if (page := self._page_text(response)) is None:
            return
        kind = response.meta["kind"]
        parsed = Selector(text=page)
        links = list(self._links(parsed, response.url, relevant=True, item_context="listing"))
        articles = [link for link in links if link.kind is Kind.ARTICLE]
        # Go one page deeper only while the page's own items include an article no earlier
        # crawl met. Not any link: the "latest news" boxes show the newest articles on every
        # page, which would send each crawl after new articles to the depth limit.
        listing = extract_listing(page, response.url, site=self.site, parsed=parsed)
        fresh = bool({item.site_id for item in listing.items} - self.memory.seen)
        limit = self.max_tag_pages if kind is Kind.TAG else self.max_listing_pages
        if fresh and page_number(response.url) < limit:
            url = next_page(response.meta["canonical"])
            links.append(self._link(url, kind, context="listing", text=tag_keyword(url)))
        yield self._page_item(response, relevant_links=sum(link.on_topic for link in articles))
        yield from self._follow(links)

    def parse_rss_index(self, response: Response) -> Iterator[Request | PageItem]:
        if response.status != 200 or not isinstance(response, TextResponse):
            return
        feeds = []
        for href in response.css(css.RSS_INDEX_LINKS + "::attr(href)").getall():
            target = self._resolve(href, response.url)
            if target and target[1] is Kind.RSS:
                feeds.append(self._link(target[0], Kind.RSS, context="rss"))
        logger.info("rss.htm lists %d feeds", len(feeds))
        yield self._page_item(response, relevant_links=len(feeds))
        yield from self._follow(feeds)

    def parse_rss(self, response: Response) -> Iterator[Request | PageItem]:
        if response.status != 200 or not isinstance(response, TextResponse):
            return
        text, _ = decode_page(response.body, response.encoding)
        links = [
            self._link(item.url, Kind.ARTICLE, context="rss", text=f"{item.title} {item.summary}")
            for item in parse_rss(text, response.url, site=self.site)
        ]
        yield self._page_item(response, relevant_links=sum(link.on_topic for link in links))
        yield from self._follow(links)

    def _page_item(self, response: Response, *, relevant_links: int) -> PageItem:
        return PageItem(
            url=response.meta["canonical"],
            kind=response.meta["kind"].value,
            fetched_at=self._now(),
            relevant_links=relevant_links,
            etag=header(response, "ETag"),
            last_modified=header(response, "Last-Modified"),
        )

    def _now(self) -> datetime:
        return CrawlRunExtension.of(self.crawler).now()

    # -- discovery -------------------------------------------------------------------------------

    def _links(self, page: Selector, page_url: str, *, relevant: bool, item_context: str = "page") -> Iterator[Link]:
        """Every link worth following on a parsed page, the best-placed one for each target.

        An anchor inside one of the known boxes takes the box's name as its context (the first
        box, in decreasing trust, or the page's own context when that says more).
        """
        root = page.root
        box_of: dict = {}
        for name, query in _LINK_BOXES:
            for anchor in query(root):
                box_of.setdefault(anchor, name)
        best: dict[str, Link] = {}
        for anchor in _ALL_LINKS(root):
            target = self._resolve(anchor.get("href", ""), page_url)
            if target is None or target[1] is Kind.RSS:
                continue
            url, kind = target
            if kind is Kind.LISTING and not relevant:
                continue
            if kind in (Kind.LISTING, Kind.TAG) and page_number(url) > 1:
                continue  # deeper pages are walked one by one, while they hold new articles
            if kind is Kind.TAG:
                text = tag_keyword(url)
                if self.topic_hint(text) == 0:
                    continue  # "Quảng Ngãi", "Hà Nội": tag pages that list every subject
            else:
                text = " ".join(anchor.itertext()) + " " + anchor.get("title", "")
            context = max(box_of.get(anchor, item_context), item_context, key=context_bonus)
            link = self._link(url, kind, context=context, text=text, relevant=relevant)
            key = article_id(url) or url
            if key not in best or best[key].priority < link.priority:
                best[key] = link
        yield from best.values()

    def _resolve(self, href: str, base: str) -> tuple[str, Kind] | None:
        """`Site.resolve`, remembered for links that mean the same on every page (root-relative
        or absolute): menus and boxes repeat them on page after page."""
        href = href.strip()
        if href.startswith(("http://", "https://")) or (href.startswith("/") and not href.startswith("//")):
            return self._resolve_anywhere(href)
        return self.site.resolve(href, base)
