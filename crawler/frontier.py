"""The crawl frontier, as a spider middleware: every page the spider asks for is remembered.

The requests of each batch the spider yields (its start requests, then each callback's links)
enter the `crawl_frontier` table before Scrapy schedules them, so a crawl killed at any moment,
or cut by its page budget, loses none of them: the next crawl starts with them. A page leaves
the frontier when its fetch is recorded.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator

from scrapy.crawler import Crawler
from scrapy.http import Request, Response

from crawler.extensions import CrawlRunExtension
from storage import FrontierEntry


class FrontierMiddleware:
    def __init__(self, run: CrawlRunExtension) -> None:
        self.run = run

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierMiddleware:
        return cls(CrawlRunExtension.of(crawler))

    async def process_start(self, start: AsyncIterator[object]) -> AsyncIterator[object]:
        batch = [item async for item in start]
        self._remember(batch)
        for item in batch:
            yield item

    def process_spider_output(self, response: Response, result: Iterable[object], spider: object = None) -> Iterator[object]:
        batch = list(result)
        self._remember(batch)
        yield from batch

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[object], spider: object = None
    ) -> AsyncIterator[object]:
        batch = [item async for item in result]
        self._remember(batch)
        for item in batch:
            yield item

    def _remember(self, batch: list[object]) -> None:
        entries = [
            FrontierEntry(r.meta["canonical"], r.meta["kind"].value, r.priority)
            for r in batch
            if isinstance(r, Request) and "canonical" in r.meta
        ]
        if entries:
            self.run.store.add_to_frontier(entries, now=self.run.now())
