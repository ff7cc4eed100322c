"""Downloader middlewares: robots.txt for every request, retries that back off, the page budget."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.base import DelayedCall
from twisted.internet.defer import Deferred

from crawler.extensions import ROBOTS_UNREACHABLE_STAT
from crawler.network import describe_failure, retry_after_seconds

logger = logging.getLogger(__name__)

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


class RobotsUnreadable(IgnoreRequest):
    """A page not asked for because robots.txt could not be read (not because it forbids it)."""


class EveryRequestRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with two corrections.

    A robots.txt that cannot be had (5xx or a network error, after retries) means "crawl
    nothing for now", as RFC 9309 §2.3.1.4 asks; Scrapy would parse the error page, or give up
    on rules, and crawl everything. A 4xx means there are no rules (§2.3.1.3), whatever the
    error page says.

    In Scrapy 2.19, requests that arrive while robots.txt is being fetched all await one
    Deferred, but only the first awaiter receives the parser: the chain passes None to the
    others, which then go out unchecked. At concurrency above 2 that let pages of a disallowed
    section, queued at the start of a crawl, be fetched. Once the Deferred has fired, the parsed
    rules (or None when robots.txt could not be fetched) are in `_parsers`; read them from there.

    Every page it keeps out for want of a robots.txt says so (not "Forbidden by robots.txt"),
    and the crawl's run record says why robots.txt could not be had (ROBOTS_UNREACHABLE_STAT).
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._unread: dict[str, str] = {}  # netloc → why its robots.txt could not be read

    async def robot_parser(self, request: Request) -> RobotParser | None:
        parser = await super().robot_parser(request)
        settled = self._parsers.get(urlparse_cached(request).netloc)
        return settled if settled is not None and not isinstance(settled, Deferred) else parser

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        netloc = urlparse_cached(request).netloc
        if netloc in self._unread:
            raise RobotsUnreadable(self._unread[netloc])
        super().process_request_2(rp, request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._unreachable(netloc, f"{netloc} answered HTTP {response.status}")
            response = response.replace(body=DISALLOW_ALL)
        elif response.status >= 400:
            response = response.replace(body=b"")
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, IgnoreRequest):  # our own decision (the page budget): no rules
            super()._robots_error(exc, netloc)
            return
        self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        self._unreachable(netloc, describe_failure(exc, netloc))
        waiting = self._parsers[netloc]
        self._parsers[netloc] = build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
        waiting.callback(self._parsers[netloc])  # type: ignore[union-attr]

    def _unreachable(self, netloc: str, cause: str) -> None:
        self._unread[netloc] = why = f"robots.txt could not be read: {cause}"
        logger.error("%s; nothing is fetched from %s in this crawl", why, netloc)
        self._stats.set_value(ROBOTS_UNREACHABLE_STAT, why)


def backoff_seconds(attempt: int, base: float) -> float:
    """Exponential backoff: base, 2·base, 4·base… for retry 1, 2, 3…"""
    return base * 2 ** max(0, attempt - 1)


class RetryLater(IgnoreRequest):
    """This response is dropped: the request was put back, to be sent again after a wait."""


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry policy, with a wait before each retry that holds nothing up.

    The wait is the server's Retry-After on 429/503 when it gives one (a server that asks for
    more than TINTUC_RETRY_AFTER_MAX seconds is not retried in this run), else exponential
    backoff. A page of the spider's is handed back to the engine when its wait is over;
    meanwhile its download slot serves the rest of the crawl, and the spider stays open for it.
    robots.txt, which every other request waits for anyway, is retried in place.
    """

    def __init__(self, settings) -> None:  # noqa: ANN001 (Scrapy API)
        super().__init__(settings)
        self.retry_after_max = settings.getfloat("TINTUC_RETRY_AFTER_MAX", 300)
        self.backoff_base = settings.getfloat("TINTUC_BACKOFF_BASE", 2.0)
        self._waiting: set[DelayedCall] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        middleware = super().from_crawler(crawler)
        crawler.signals.connect(middleware._keep_open, signal=signals.spider_idle)
        crawler.signals.connect(middleware._forget, signal=signals.spider_closed)
        return middleware

    async def process_response(self, request: Request, response: Response, spider=None):  # noqa: ANN001, ANN201
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        wait = retry_after_seconds(response.headers.get("Retry-After"), datetime.now(timezone.utc))
        if wait is not None and wait > self.retry_after_max:
            logger.warning(
                "%s asks to retry after %.0f s (limit %.0f s): giving up for this run",
                request.url, wait, self.retry_after_max,
            )
            return response
        retry = self._retry(request, f"HTTP {response.status}")
        if retry is None:
            return response
        if wait is None:
            wait = backoff_seconds(retry.meta["retry_times"], self.backoff_base)
        return await self._later(retry, wait)

    async def process_exception(self, request: Request, exception: Exception, spider=None):  # noqa: ANN001, ANN201
        if request.meta.get("dont_retry") or not isinstance(exception, self.exceptions_to_retry):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        return await self._later(retry, backoff_seconds(retry.meta["retry_times"], self.backoff_base))

    async def _later(self, retry: Request, wait: float) -> Request:
        """`retry`, after `wait` seconds: a page of the spider's is sent again by the engine then,
        and its current download ends now (RetryLater); robots.txt waits in place."""
        if wait <= 0:
            return retry
        if "kind" not in retry.meta:
            await asyncio.sleep(wait)
            return retry
        from twisted.internet import reactor

        def send() -> None:
            self._waiting.discard(call)
            if self.crawler.engine is not None and self.crawler.engine.spider is not None:
                self.crawler.engine.crawl(retry)

        call = reactor.callLater(wait, send)  # type: ignore[attr-defined]
        self._waiting.add(call)
        raise RetryLater(f"retrying {retry.url} in {wait:.0f} s")

    def _keep_open(self) -> None:
        if self._waiting:
            raise DontCloseSpider(f"{len(self._waiting)} retries waiting")

    def _forget(self) -> None:
        """At the end of the crawl: the waiting retries stay in the frontier for the next one."""
        for call in self._waiting:
            if call.active():
                call.cancel()
        self._waiting.clear()


class BudgetSpent(IgnoreRequest):
    """The crawl's page budget is spent; the page waits in the frontier for the next crawl."""


class PageBudgetMiddleware:
    """Stop fetching after TINTUC_MAX_PAGES pages; what is left waits in the frontier.

    The budget is spent at download time, not when links are found, so the pages fetched are
    the highest-priority ones the scheduler holds. robots.txt fetches are free, and so are the
    retries and redirects of a page already paid for.
    """

    def __init__(self, max_pages: int) -> None:
        self.max_pages = max_pages
        self.spent = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageBudgetMiddleware:
        return cls(crawler.settings.getint("TINTUC_MAX_PAGES"))

    def process_request(self, request: Request, spider=None) -> None:  # noqa: ANN001
        if request.meta.get("dont_obey_robotstxt") or request.meta.get("budget_spent"):
            return None
        if self.spent >= self.max_pages:
            # Nothing is lost: every request entered the crawl frontier when it was found.
            raise BudgetSpent(f"page budget spent: {request.url}")
        self.spent += 1
        request.meta["budget_spent"] = True
        return None
