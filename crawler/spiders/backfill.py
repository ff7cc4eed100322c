"""The backfill spider: walks the archive for the topics' articles (`tintuc backfill`).

What to walk and when to stop are pure decisions (crawler/backfill.py); this spider fetches the
pages they name and keeps the books in the store (storage/backfills.py): every archive page's
outcome is written together with the articles it queued, and an article leaves the queue once it
is stored. A backfill killed at any moment therefore resumes where it stood, and one cut by its
budget (`--budget`) goes on at the next run with the same window.

It shares everything else with the crawl: the run record and lock (a backfill and a crawl never
run at once on one database), robots.txt, the delay, retries with backoff and Retry-After, the
page budget, classification, field coverage and storage (crawler/settings.py).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator

import scrapy
from parsel import Selector
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure

from core.clock import VIETNAM_TZ, iso_vietnam
from crawler import backfill as plan
from crawler.classify import load_rules
from crawler.extensions import LAST_FAILURE_STAT, CrawlRunExtension
from crawler.fetchstate import ARCHIVE
from crawler.focus import memoised_topic_hint, worth_fetching
from crawler.items import ArticleItem
from crawler.listing import ListingItem, extract_listing
from crawler.middlewares import BudgetSpent, RetryLater, RobotsUnreadable
from crawler.network import describe_failure
from crawler.spiders.pages import article_item, page_text
from crawler.urls import (
    Kind,
    Site,
    day_archive,
    is_day_archive,
    listing_ids,
    listing_page,
    page_number,
    tag_page,
)
from storage import BackfillSource, PageOutcome, Store

logger = logging.getLogger(__name__)

ARTICLE_PRIORITY = 100  # queued articles before further archive pages: the queue stays short
HOME_PATH = "/"


class BackfillSpider(scrapy.Spider):
    name = "backfill"
    run_kind = "backfill"  # how crawl_runs records it
    custom_settings = {
        "HTTPERROR_ALLOWED_CODES": [404, 410],
        "EXTENSIONS": {
            "scrapy.extensions.telnet.TelnetConsole": None,
            # Built first, so its last look at the store comes before the run closes the store.
            "crawler.progress.BackfillProgress": -10,
            "crawler.extensions.CrawlRunExtension": 0,
        },
        "SPIDER_MIDDLEWARES": {"crawler.frontier.FrontierMiddleware": None},  # the backfill keeps its own
        "ITEM_PIPELINES": {
            "crawler.pipelines.ClassifyPipeline": 200,
            "crawler.pipelines.FieldCoveragePipeline": 250,
            "crawler.pipelines.StorePipeline": 300,
            "crawler.pipelines.BackfillQueuePipeline": 400,
        },
    }

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args, **kwargs) -> BackfillSpider:  # noqa: ANN002, ANN003
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.site = Site(settings["TINTUC_SITE_URL"])
        spider.allowed_domains = [spider.site.host]
        spider.window = plan.Window.from_settings(settings)
        spider.rules = load_rules(settings.get("TINTUC_TOPICS"))
        spider.hint = memoised_topic_hint(spider.rules)
        spider.requested: set[str] = set()  # ids of the articles asked for in this run
        return spider

    @property
    def key(self) -> str:
        return self.window.key

    @property
    def run(self) -> CrawlRunExtension:
        return CrawlRunExtension.of(self.crawler)

    @property
    def store(self) -> Store:
        return self.run.store

    # -- start -----------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        sources = self.store.backfill_sources(self.key)
        if not sources:
            logger.info("backfill of %s: reading the site's sections from its home page", self.window)
            yield self._request(self.site.to_canonical(HOME_PATH), self.parse_home, kind=Kind.LISTING)
            return
        queued = self.store.backfill_queue(self.key)
        active = [source for source in sources if source.active]
        logger.info("backfill of %s: resuming, %d walks to go on, %d articles queued", self.window, len(active), len(queued))
        for request in self._articles((entry.site_id, entry.url) for entry in queued):
            yield request
        for source in active:
            yield self._page_request(source.url, source.next_page, source.kind)
        if not active:
            for request in self._after_walks():
                yield request

    def parse_home(self, response: Response) -> Iterator[Request]:
        """Plan the walks from the home page's menu: its top-level listings, which together list
        every article (docs/site.md §6)."""
        if (page := page_text(response, self.run)) is None:
            return
        sections = []
        for href in Selector(text=page).css("a::attr(href)").getall():
            target = self.site.resolve(href, response.url)
            if target is None or target[1] is not Kind.LISTING:
                continue
            ids = listing_ids(target[0])
            if ids and ids[1] == 0 and page_number(target[0]) == 1 and not is_day_archive(target[0]):
                sections.append(target[0])  # a top-level section's listing
        sections = list(dict.fromkeys(sections))
        if not sections:
            logger.error("backfill: the home page %s links no section listing; nothing to walk", response.url)
            return
        today = self.run.now().astimezone(VIETNAM_TZ).date()
        if self.window.uses_day_archives(today):
            walks = [(day_archive(url, day), "day") for day in self.window.days(today) for url in sections]
        else:
            walks = [(url, "listing") for url in sections]
        self.store.add_backfill_sources(
            self.key, [(url, kind, plan.start_walk(kind, self.window).status) for url, kind in walks], now=self.run.now()
        )
        logger.info("backfill of %s: %d sections, %d walks planned", self.window, len(sections), len(walks))
        for source in self.store.backfill_sources(self.key):
            yield self._page_request(source.url, source.next_page, source.kind)

    # -- archive pages ---------------------------------------------------------------------------

    def _page_request(self, source_url: str, number: int, source_kind: str) -> Request:
        """Page `number` of a walk's source."""
        kind = Kind.TAG if source_kind == "tag" else Kind.LISTING
        return self._request(listing_page(source_url, number), self.parse_page, kind=kind, source=source_url)

    def _request(self, canonical: str, callback, *, kind: Kind, source: str | None = None) -> Request:  # noqa: ANN001
        return Request(
            self.site.to_fetch(canonical),
            callback=callback,
            errback=self._failed,
            dont_filter=True,  # the walk reads again pages that its search for the window's start probed
            meta={"canonical": canonical, "kind": kind, ARCHIVE: True, "source": source},
        )

    def parse_page(self, response: Response) -> Iterator[Request]:
        """One archive page: the next step of its walk, and the articles on it worth fetching."""
        source = self.store.backfill_source(self.key, response.meta["source"])
        if source is None or not source.active or source.next_page != page_number(response.meta["canonical"]):
            return  # a stale answer: the walk has moved on
        page = page_text(response, self.run) if response.status == 200 else ""  # 404: past the end
        if page is None:
            return  # truncated: the same page is asked for again
        listing = extract_listing(page, response.url, site=self.site) if page else None
        view = plan.PageView(listing.items if listing else (), bool(listing and listing.next_page))
        walk = plan.Walk(source.kind, source.next_page, source.recent, source.status, source.low_page, source.high_page)
        if walk.status == plan.LOCATING:
            walk = plan.after_page(walk, view, 0, self.window)
            if not (walk.status == plan.WALKING and walk.next_page == source.next_page):
                self._record(source, walk, view, found=[], walked=False)
                yield self._page_request(source.url, walk.next_page, source.kind)
                return
            # located: this very page is the walk's first
        found = plan.candidates(view.items, self.window, self._worth, self._known)
        walk = plan.after_page(walk, view, len(found), self.window)
        self._record(source, walk, view, found, walked=True)
        yield from self._articles((item.site_id, item.url) for item in found)
        if walk.status == plan.WALKING:
            yield self._page_request(source.url, walk.next_page, source.kind)
            return
        logger.info("backfill: %s %s after %d pages", source.url, walk.status, source.pages + 1)
        if not any(s.active for s in self.store.backfill_sources(self.key)):
            yield from self._after_walks()

    def _record(
        self, source: BackfillSource, walk: plan.Walk, view: plan.PageView, found: list[ListingItem], *, walked: bool
    ) -> None:
        """The page's outcome and its candidates, in one transaction (a probe of the search for
        the window's start lists nothing: its items are not the walk's)."""
        oldest = min((item.created for item in view.items if item.created), default=None) if walked else None
        self.store.record_backfill_page(self.key, source.url, PageOutcome(
            next_page=walk.next_page, items=len(view.items) if walked else 0,
            candidates=[(item.site_id, item.url) for item in found], recent=walk.recent,
            oldest=iso_vietnam(oldest) if oldest else None, status=walk.status,
            low_page=walk.low, high_page=walk.high,
        ), now=self.run.now())  # fmt: skip

    def _after_walks(self) -> Iterator[Request]:
        """When the listings are walked: the topical tags of the relevant articles found, walked
        once. Only for the whole archive: a window's listings were read whole, so its tag pages
        would show the same articles again."""
        sources = self.store.backfill_sources(self.key)
        if self.window != plan.Window() or any(s.kind == "tag" for s in sources):
            return
        counts: dict[str, int] = {}
        for tag, count in self.store.relevant_tag_counts().items():
            key = " ".join(tag.casefold().split())
            counts[key] = counts.get(key, 0) + count
        tags = plan.topical_tags(counts, self.hint)
        if not tags:
            return
        walks = [(tag_page(tag), "tag", plan.WALKING) for tag in tags]
        self.store.add_backfill_sources(self.key, walks, now=self.run.now())
        logger.info("backfill of %s: walking %d topical tags: %s", self.window, len(tags), ", ".join(tags))
        for source in self.store.backfill_sources(self.key):
            if source.kind == "tag" and source.active:
                yield self._page_request(source.url, source.next_page, source.kind)

    def _worth(self, title: str, summary: str) -> bool:
        return worth_fetching(title, summary, self.rules)

    def _known(self, item: ListingItem) -> bool:
        """Requested in this run, stored, or fetched before (gone, or no article on it)."""
        return (item.site_id in self.requested or self.store.known_article(item.site_id) is not None
                or self.store.fetch_state(item.url) is not None)  # fmt: skip

    # -- articles --------------------------------------------------------------------------------

    def _articles(self, entries: Iterable[tuple[str, str]]) -> Iterator[Request]:
        for site_id, url in entries:
            if site_id in self.requested:
                continue
            if self.store.known_article(site_id) is not None:  # stored since it was queued
                self.store.dequeue(self.key, site_id)
                continue
            self.requested.add(site_id)
            yield Request(
                self.site.to_fetch(url),
                callback=self.parse_article,
                errback=self._failed,
                priority=ARTICLE_PRIORITY,
                meta={"canonical": url, "kind": Kind.ARTICLE, "site_id": site_id},
            )

    def parse_article(self, response: Response) -> Iterator[ArticleItem]:
        site_id = response.meta["site_id"]
        if response.status in (404, 410):
            self.store.dequeue(self.key, site_id)  # gone: fetch_state remembers it
            return
        if (page := page_text(response, self.run)) is None:
            return  # truncated: it stays queued
        item = article_item(response, page, Selector(text=page), site=self.site, run=self.run)
        if item is None:
            self.store.dequeue(self.key, site_id)  # no article on it: asking again will not help
            return
        yield item  # BackfillQueuePipeline dequeues it once stored

    def _failed(self, failure: Failure) -> None:
        """A page not fetched: its walk (or its queue entry) stays as it was, for the next run;
        unless robots.txt forbids it, which the backfill takes as final."""
        if failure.check(BudgetSpent, RetryLater, RobotsUnreadable):
            return
        if failure.check(IgnoreRequest):  # forbidden by robots.txt: a decision, not a failure
            logger.info("not fetched %s: %s", failure.request.url, failure.getErrorMessage())
            meta = failure.request.meta
            if meta.get("source"):
                self.store.end_backfill_source(self.key, meta["source"], plan.DISALLOWED, now=self.run.now())
            elif meta.get("site_id"):
                self.store.dequeue(self.key, meta["site_id"])
            return
        reason = describe_failure(failure.value, self.site.host)
        self.crawler.stats.set_value(LAST_FAILURE_STAT, reason)
        logger.warning("failed %s: %s (left for the next run)", failure.request.url, reason)
