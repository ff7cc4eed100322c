"""Conditional requests, and what each response means for the page's record (downloader middleware).

Every request the spider makes goes out with the validators (If-None-Match, If-Modified-Since)
that the page's last full response carried, so an unchanged page costs a 304 and no body. The
final response of each request (after retries) is counted, and its outcome recorded when it
ends the page's story here:

- 304: nothing changed; an article's next re-check is scheduled (crawler/policy.py);
- 404, 410, other errors, a body that is not text: the status is recorded (404 and 410 mark the
  page gone: it is not asked for again);
- 200 with text: passed to the spider, and recorded by the pipeline once what was taken from it
  is stored (crawler/items.py says why).

Place it after the retry middleware (a lower number): it then sees only final outcomes.
"""

from __future__ import annotations

import logging
from datetime import datetime

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse

from core.durations import parse_durations
from crawler.extensions import CrawlRunExtension
from crawler.policy import conditional_headers, next_check
from crawler.urls import Kind, article_id

logger = logging.getLogger(__name__)

# Request meta key of a backfill's archive page (a deep listing page, a day archive): always
# fetched whole, and its outcome kept by the backfill (storage/backfills.py), not in fetch_state,
# so that crawls do not start revisiting the archive.
ARCHIVE = "archive"


def header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


class FetchStateMiddleware:
    def __init__(self, run: CrawlRunExtension, rechecks: str) -> None:
        self.run = run
        self.store = run.store
        self.rechecks = parse_durations(rechecks)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FetchStateMiddleware:
        return cls(CrawlRunExtension.of(crawler), crawler.settings["TINTUC_RECHECKS"])

    def process_request(self, request: Request, spider: object = None) -> None:
        if "kind" not in request.meta or "If-None-Match" in request.headers or request.meta.get(ARCHIVE):
            return None  # not one of the spider's pages (robots.txt), a retry already asking, an archive page
        canonical = request.meta["canonical"]
        site_id = article_id(canonical) if request.meta["kind"] is Kind.ARTICLE else None
        # A stored article's state is its stored URL's, which may be another variant of this one.
        state = (site_id and self.store.article_fetch_state(site_id)) or self.store.fetch_state(canonical)
        if state is not None:
            for name, value in conditional_headers(state.etag, state.last_modified).items():
                request.headers.setdefault(name, value)
        return None

    def process_response(self, request: Request, response: Response, spider: object = None) -> Response:
        if "kind" not in request.meta:
            return response
        self.run.count("pages")
        canonical, kind = request.meta["canonical"], request.meta["kind"]
        now = self.run.now()
        if response.status == 200 and isinstance(response, TextResponse):
            return response  # the spider parses it; the pipeline records it
        if response.status == 304:
            self.run.count("not_modified")
            self._not_modified(canonical, kind, now)
            return response
        self.run.count("failures")
        logger.warning(
            "skipped %s: HTTP %d, %s", response.url, response.status,
            header(response, "Content-Type") or "no type",
        )
        if not request.meta.get(ARCHIVE):
            self.store.record_fetch(canonical, kind.value, response.status, now=now)
        return response

    def process_exception(self, request: Request, exception: Exception, spider: object = None) -> None:
        if "kind" in request.meta and not isinstance(exception, IgnoreRequest):
            self.run.count("failures")  # the spider's errback says what happened
        return None

    def _not_modified(self, canonical: str, kind: Kind, now: datetime) -> None:
        site_id = article_id(canonical) if kind is Kind.ARTICLE else None
        known = self.store.known_article(site_id) if site_id else None
        if known is not None:
            published = datetime.fromisoformat(known.published)
            self.store.touch_article(site_id, now=now, next_check=next_check(published, now, self.rechecks))  # type: ignore[arg-type]
        else:
            self.store.record_fetch(canonical, kind.value, 304, now=now)
