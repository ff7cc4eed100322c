"""Downloader middlewares: retries that back off, and the per-run page budget."""

from __future__ import annotations

import asyncio
import email.utils
import logging
from datetime import datetime, timezone

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

logger = logging.getLogger(__name__)


def retry_after_seconds(value: str | bytes | None, now: datetime) -> float | None:
    """Parse a Retry-After header (delta-seconds or an HTTP date); None when absent or invalid."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())


def backoff_seconds(attempt: int, base: float) -> float:
    """Exponential backoff: base, 2·base, 4·base… for retry 1, 2, 3…"""
    return base * 2 ** max(0, attempt - 1)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry policy, plus a wait before each retry.

    The wait is the server's Retry-After on 429/503 when it gives one (a server that asks for
    more than TINTUC_RETRY_AFTER_MAX seconds is not retried in this run), else exponential
    backoff. Only the retried request waits; the rest of the crawl goes on at its own pace.
    """

    def __init__(self, settings) -> None:  # noqa: ANN001 (Scrapy API)
        super().__init__(settings)
        self.retry_after_max = settings.getfloat("TINTUC_RETRY_AFTER_MAX", 300)
        self.backoff_base = settings.getfloat("TINTUC_BACKOFF_BASE", 2.0)

    async def process_response(self, request: Request, response: Response, spider=None):  # noqa: ANN001
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
        await asyncio.sleep(wait)
        return retry

    async def process_exception(self, request: Request, exception: Exception, spider=None):  # noqa: ANN001
        if request.meta.get("dont_retry") or not isinstance(exception, self.exceptions_to_retry):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await asyncio.sleep(backoff_seconds(retry.meta["retry_times"], self.backoff_base))
        return retry


class BudgetSpent(IgnoreRequest):
    """The crawl's page budget is spent; the page waits in the frontier for the next crawl."""


class PageBudgetMiddleware:
    """Stop fetching after TINTUC_MAX_PAGES pages; what is left waits in the frontier.

    The budget is spent at download time, not when links are found, so the pages fetched are
    the highest-priority ones the scheduler holds. robots.txt fetches are free.
    """

    def __init__(self, crawler) -> None:  # noqa: ANN001 (Scrapy API)
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):  # noqa: ANN001, ANN206
        return cls(crawler)

    def process_request(self, request: Request, spider=None) -> None:  # noqa: ANN001
        if request.meta.get("dont_obey_robotstxt") or request.meta.get("budget_spent"):
            return None  # robots.txt, or a retry/redirect of a page already paid for
        if not self.crawler.spider.take_page_from_budget():
            # Nothing is lost: every request entered the crawl frontier when it was found.
            raise BudgetSpent(f"page budget spent: {request.url}")
        request.meta["budget_spent"] = True
        return None
