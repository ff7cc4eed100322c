"""What every spider does with a fetched page: its text, and the article on it.

Shared by the crawl (baotintuc.py) and the backfill (backfill.py), so that an article is
decoded, checked and extracted the same way whichever walk found it.
"""

from __future__ import annotations

import codecs
import logging

from parsel import Selector
from scrapy.http import Response, TextResponse

from crawler.coverage import field_outcomes
from crawler.encoding import decode_page, looks_truncated
from crawler.extensions import CrawlRunExtension
from crawler.extract import ExtractionError, extract
from crawler.fetchstate import header
from crawler.items import ArticleItem
from crawler.urls import Site

logger = logging.getLogger(__name__)


def page_text(response: Response, run: CrawlRunExtension) -> str | None:
    """The page as text, whatever its declared charset; None when there is nothing to parse
    (a 304, a gone page) or the page arrived truncated (it is fetched again next time)."""
    if response.status != 200 or not isinstance(response, TextResponse):
        return None  # crawler/fetchstate.py recorded it
    text, encoding = decode_page(response.body, response.encoding)
    if encoding != codecs.lookup(response.encoding).name.replace("utf-8-sig", "utf-8"):
        logger.info("%s: declared %s, decoded as %s", response.url, response.encoding, encoding)
    if looks_truncated(text):
        run.count("failures")
        logger.warning("truncated page %s: kept for the next crawl", response.url)
        return None
    return text


def article_item(
    response: Response, page: str, parsed: Selector, *, site: Site, run: CrawlRunExtension
) -> ArticleItem | None:
    """The article on a fetched page, for the pipelines; None (counted, logged) when it yields
    no article."""
    try:
        extraction = extract(page, response.url, site=site, parsed=parsed)
    except ExtractionError as error:
        run.count("extraction_failures")
        logger.warning("extraction failed: %s", error)
        return None
    return ArticleItem(
        article=extraction.article,
        fields=field_outcomes(extraction),
        fetched_url=response.meta["canonical"],
        fetched_at=run.now(),
        etag=header(response, "ETag"),
        last_modified=header(response, "Last-Modified"),
    )
