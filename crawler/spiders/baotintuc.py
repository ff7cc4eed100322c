"""The baotintuc spider: finds environment and Vietnam–Japan articles, politely and incrementally.

It starts from the start article, the site's RSS (found through /rss.htm), the listings and tag
pages that were useful before, and pages left over by an earlier crawl. From every page it
follows article, tag and listing links, most promising first (`crawler.focus`). It never
fetches a stored article again unless a re-check is due, and asks for everything else
conditionally. Extraction and classification are pure functions; this module only decides what
to fetch and records what happened.
"""

from __future__ import annotations

import codecs
import functools
import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime

import scrapy
from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator
from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler import selectors as css
from crawler.classify import classify, load_rules
from crawler.encoding import decode_page, looks_truncated
from crawler.extract import ExtractionError, extract_article
from crawler.focus import context_bonus, memoised_topic_hint, priority
from crawler.items import ArticleItem
from crawler.lock import CrawlLock
from crawler.middlewares import ROBOTS_UNREACHABLE_STAT, BudgetSpent
from core.durations import parse_durations
from crawler.policy import conditional_headers, is_due, next_check
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
from core.clock import utc_now
from storage import FrontierEntry, Store
from core.text import clean_line

logger = logging.getLogger(__name__)


@dataclass
class RunStats:  # temporary: counters move to crawler.stats
    pages: int = 0
    not_modified: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    failures: int = 0
    extraction_failures: int = 0


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

# Responses the callbacks handle themselves rather than as errors.
HANDLED_STATUSES = [304, 404, 410]
GONE = (404, 410)


class BaotintucSpider(scrapy.Spider):
    name = "baotintuc"
    custom_settings = {"HTTPERROR_ALLOWED_CODES": HANDLED_STATUSES}

    # -- setup and teardown ----------------------------------------------------------------------

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):  # noqa: ANN001, ANN206 (Scrapy API)
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._setup(crawler.settings)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    def _setup(self, settings) -> None:  # noqa: ANN001
        # Spider arguments (scrapy crawl baotintuc -a site_url=… -a db=…) win over settings.
        self.site = Site(getattr(self, "site_url", None) or settings.get("TINTUC_SITE_URL"))
        db_path = getattr(self, "db", None) or settings.get("TINTUC_DB")
        self.max_pages = int(getattr(self, "max_pages", None) or settings.getint("TINTUC_MAX_PAGES"))
        self.max_listing_pages = settings.getint("TINTUC_MAX_LISTING_PAGES")
        self.max_tag_pages = settings.getint("TINTUC_MAX_TAG_PAGES")
        self.frontier_keep = settings.getint("TINTUC_FRONTIER_KEEP")
        self.rechecks = parse_durations(settings.get("TINTUC_RECHECKS"))
        self.allowed_domains = [self.site.host]
        self.rules = load_rules(settings.get("TINTUC_TOPICS"))
        self.topic_hint = memoised_topic_hint(self.rules)
        self._resolve_anywhere = functools.lru_cache(maxsize=65_536)(
            functools.partial(self.site.resolve, base=self.site.base_url)
        )
        self.lock = CrawlLock(db_path)
        self.lock.acquire()
        self.store = Store.open(db_path)
        self.known = self.store.known_articles()
        self.fetch_state = self.store.fetch_states()
        self.seen_before = self._articles_seen_before()
        self.now = utc_now()
        self.run_stats = RunStats()
        self.run_id = self.store.start_run(self.site.base_url, now=self.now)
        self.pages_fetched = 0
        self.scheduled: set[str] = set()  # article ids and page URLs requested in this run

    def _articles_seen_before(self) -> set[str]:
        """Ids of the articles earlier crawls met: stored, fetched (even if gone since), or
        waiting in the frontier (where robots.txt may keep them forever)."""
        urls = [url for url, state in self.fetch_state.items() if state.kind == Kind.ARTICLE.value]
        urls += [entry.url for entry in self.store.frontier(self.frontier_keep) if entry.kind == Kind.ARTICLE.value]
        return set(self.known) | {site_id for url in urls if (site_id := article_id(url))}

    def _closed(self, spider: scrapy.Spider, reason: str) -> None:
        status = {"finished": "ok", "shutdown": "interrupted"}.get(reason, "failed")
        message = "" if status == "ok" else f"closed: {reason}"
        if reason == "finished" and self.run_stats.pages == 0 and self.run_stats.failures:
            status = "failed"
        if why := self.crawler.stats.get_value(ROBOTS_UNREACHABLE_STAT):
            # Not a crawl that found nothing new: one that was not allowed to look.
            status, message = "failed", f"robots.txt unreachable ({why}): nothing fetched"
        self.store.prune_frontier(self.frontier_keep)
        self.store.finish_run(self.run_id, asdict(self.run_stats), status=status, now=utc_now(), message=message)
        s = self.run_stats
        logger.info(
            "crawl %s: %d pages (%d not modified), %d new, %d updated, %d unchanged,"
            " %d failures, %d extraction failures",
            status, s.pages, s.not_modified, s.articles_new, s.articles_updated,
            s.articles_unchanged, s.failures, s.extraction_failures,
        )
        self.store.close()
        self.lock.release()

    # -- page budget (called by PageBudgetMiddleware) ---------------------------------------------

    def take_page_from_budget(self) -> bool:
        if self.pages_fetched >= self.max_pages:
            return False
        self.pages_fetched += 1
        return True

    # -- start -----------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        for request in self._start_requests():
            yield request

    def _start_requests(self) -> Iterator[Request]:
        """The start article, /rss.htm, pages left by earlier crawls, and pages worth re-polling."""
        links = [
            self._link(START_URL, Kind.ARTICLE, context="start"),
            self._link(self.site.to_canonical(RSS_INDEX_PATH), Kind.RSS_INDEX, context="start"),
        ]
        links += [
            Link(entry.url, Kind(entry.kind), entry.priority, "frontier")
            for entry in self.store.frontier(self.max_pages * 2)
        ]
        for state in self.fetch_state.values():
            kind = Kind(state.kind)
            useful_list = kind in (Kind.LISTING, Kind.TAG) and state.relevant_links > 0
            if kind is Kind.RSS or (useful_list and page_number(state.url) == 1):
                links.append(self._link(state.url, kind, context="revisit"))
        yield from self._follow(links)

    def _link(self, url: str, kind: Kind, *, context: str, text: str = "", relevant: bool = True) -> Link:
        """A Link to a canonical URL, with its focused-crawl priority computed from what the
        link says."""
        hint = self.topic_hint(text) if text else 0.0
        prio = priority(kind, hint=hint, context=context, from_relevant_page=relevant, page=page_number(url))
        return Link(url, kind, prio, context, hint > 0)

    # -- requests --------------------------------------------------------------------------------

    def _request(self, link: Link) -> Request | None:
        """A request for a link, or None when it was requested already or is not due."""
        canonical, kind = link.url, link.kind
        key = article_id(canonical) if kind is Kind.ARTICLE else canonical
        if key in self.scheduled:
            return None
        state = self.fetch_state.get(canonical)
        if kind is Kind.ARTICLE and key in self.known:
            known = self.known[key]
            due = is_due(datetime.fromisoformat(known.next_check) if known.next_check else None, self.now)
            if not due:
                return None
            state = self.fetch_state.get(known.url, state)
        if state is not None and state.status in GONE:
            return None
        self.scheduled.add(key)
        headers = conditional_headers(state.etag, state.last_modified) if state else {}
        return Request(
            self.site.to_fetch(canonical),
            callback=self._callbacks[kind],
            errback=self._failed,
            headers=headers,
            priority=link.priority,
            meta={"canonical": canonical, "kind": kind, "context": link.context},
        )


    # -- callbacks -------------------------------------------------------------------------------

    def _received(self, response: Response) -> bool:  # noqa: C901
        """Count a response; record 304s and gone pages. True when it has a body to parse."""
        meta = response.meta
        self.run_stats.pages += 1
        if self.run_stats.pages % 25 == 0:
            self.store.update_run(self.run_id, asdict(self.run_stats))
        if response.status == 200 and isinstance(response, TextResponse):
            return True
        if response.status == 304:
            self.run_stats.not_modified += 1
            site_id = article_id(meta["canonical"])
            if meta["kind"] is Kind.ARTICLE and site_id in self.known:
                published = datetime.fromisoformat(self.known[site_id].published)
                recheck = next_check(published, utc_now(), self.rechecks)
                self.store.touch_article(site_id, now=utc_now(), next_check=recheck)
                return False
        else:
            self.run_stats.failures += 1
            logger.warning("skipped %s: HTTP %d, %s", response.url, response.status,
                           response.headers.get("Content-Type", b"").decode("latin-1") or "no type")
        self.store.record_fetch(meta["canonical"], meta["kind"].value, response.status, now=utc_now())
        return False

    def _page_text(self, response: Response) -> str | None:
        """The page as text, whatever its declared charset; None when it arrived truncated."""
        text, encoding = decode_page(response.body, response.encoding)
        if encoding != codecs.lookup(response.encoding).name.replace("utf-8-sig", "utf-8"):
            logger.info("%s: declared %s, decoded as %s", response.url, response.encoding, encoding)
        if looks_truncated(text):
            self.run_stats.failures += 1
            logger.warning("truncated page %s: kept for the next crawl", response.url)
            return None
        return text

    def parse_article(self, response: Response) -> Iterator[Request | ArticleItem]:
        if not self._received(response) or (page := self._page_text(response)) is None:
            return
        parsed = Selector(text=page)  # once, for the article and for its links
        try:
            article = extract_article(page, response.url, site=self.site, parsed=parsed)
        except ExtractionError as error:
            self.run_stats.extraction_failures += 1
            logger.warning("extraction failed: %s", error)
            self._record_page(response, relevant_links=0)
            return
        topics = classify(article, self.rules)
        yield ArticleItem(
            article=article,
            topics=topics,
            rules_version=self.rules.fingerprint,
            fetched_at=utc_now(),
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
        )
        if article.url != response.meta["canonical"]:  # fetched under another URL variant
            self.store.record_fetch(response.meta["canonical"], "article", response.status, now=utc_now())
        yield from self._follow(self._links(parsed, response.url, relevant=bool(topics)))

    def parse_listing(self, response: Response) -> Iterator[Request]:
        if not self._received(response) or (page := self._page_text(response)) is None:
            return
        kind = response.meta["kind"]
        parsed = Selector(text=page)
        links = list(self._links(parsed, response.url, relevant=True, item_context="listing"))
        articles = [link for link in links if link.kind is Kind.ARTICLE]
        # Go one page deeper only while the page's own items include an article no earlier
        # crawl met. Not any link: the "latest news" boxes show the newest articles on every
        # page, which would send each crawl after new articles to the depth limit.
        listed = parsed.css(", ".join(css.LISTING_ITEMS))
        listed_ids = {article_id(target[0]) for href in listed.css("a::attr(href)").getall()
                      if (target := self._resolve(href, response.url))}
        fresh = bool(listed_ids - {None} - self.seen_before)
        limit = self.max_tag_pages if kind is Kind.TAG else self.max_listing_pages
        if fresh and page_number(response.url) < limit:
            url = next_page(response.meta["canonical"])
            links.append(self._link(url, kind, context="listing", text=tag_keyword(url)))
        self._record_page(response, relevant_links=sum(link.on_topic for link in articles))
        yield from self._follow(links)

    def parse_rss_index(self, response: Response) -> Iterator[Request]:
        if not self._received(response):
            return
        feeds = []
        for href in response.css(css.RSS_INDEX_LINKS + "::attr(href)").getall():
            target = self._resolve(href, response.url)
            if target and target[1] is Kind.RSS:
                feeds.append(self._link(target[0], Kind.RSS, context="rss"))
        logger.info("rss.htm lists %d feeds", len(feeds))
        self._record_page(response, relevant_links=len(feeds))
        yield from self._follow(feeds)

    def parse_rss(self, response: Response) -> Iterator[Request]:
        if not self._received(response):
            return
        links = []
        try:
            text, _ = decode_page(response.body, response.encoding)
            items = scrapy.Selector(text=text, type="xml").xpath("//item")
        except ValueError:
            items = []
        for item in items:
            href = clean_line(item.xpath("link/text()").get() or item.xpath("guid/text()").get())
            target = self._resolve(href, response.url)
            if target and target[1] is Kind.ARTICLE:
                text = " ".join(item.xpath("title/text()").getall() + item.xpath("description/text()").getall())
                links.append(self._link(target[0], Kind.ARTICLE, context="rss", text=text))
        self._record_page(response, relevant_links=sum(link.on_topic for link in links))
        yield from self._follow(links)

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
        if failure.check(BudgetSpent):
            return  # expected once the budget is spent: the next crawl starts with it
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            logger.info("not fetched %s: %s", failure.request.url, failure.getErrorMessage())
            return  # robots.txt or off-site: a decision, not a failure
        self.run_stats.failures += 1
        if failure.check(HttpError):
            reason = f"HTTP {failure.value.response.status}"
        else:
            reason = failure.getErrorMessage()
        logger.warning("failed %s: %s (kept for the next crawl)", failure.request.url, reason)

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

    def _follow(self, links: Iterable[Link]) -> Iterator[Request]:
        """Requests for the links not requested yet; they enter the frontier at once, so a
        killed crawl loses none of them."""
        requests = [request for link in links if (request := self._request(link)) is not None]
        if requests:
            self.store.add_to_frontier(
                [FrontierEntry(r.meta["canonical"], r.meta["kind"].value, r.priority) for r in requests],
                now=utc_now(),
            )
        yield from requests

    def _record_page(self, response: Response, *, relevant_links: int) -> None:
        meta = response.meta
        self.store.record_fetch(
            meta["canonical"],
            meta["kind"].value,
            response.status,
            now=utc_now(),
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
            relevant_links=relevant_links,
        )


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
