"""The crawl stage's peer: a bare Scrapy spider that fetches a list of URLs and does nothing.

    python -m bench.bare_spider URL_FILE [-s NAME=VALUE ...]

It runs with the project's Scrapy settings (same user agent, robots.txt, timeouts, download
limits) and the same overrides as the real crawl, minus everything that is ours: no item
pipeline (store), no page-budget or backoff middlewares, no parsing. So the time it takes is
what Scrapy itself needs to download those pages from the replica; the real spider's extra
time is extraction, classification, link scoring and storage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings


class BareSpider(scrapy.Spider):
    """Keeps `in_flight` requests going: it starts that many, and each response releases the
    next URL of the list. (Scheduling the whole list at once would hold thousands of requests
    in memory, which a crawler that discovers its links as it goes never does, and would make
    the peak-RSS comparison meaningless.)"""

    name = "bare"

    def __init__(self, urls: list[str], in_flight: int = 32, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.urls = iter(urls)
        self.in_flight = in_flight
        self.received = 0

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for _ in range(self.in_flight):
            request = self._next()
            if request is None:
                return
            yield request

    def _next(self) -> scrapy.Request | None:
        url = next(self.urls, None)
        return None if url is None else scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response):  # noqa: ANN001, ANN201 - nothing but the next URL, on purpose
        self.received += 1
        request = self._next()
        return [request] if request is not None else None


def settings(overrides: list[str]) -> Settings:
    result = Settings()
    result.setmodule("crawler.settings", priority="project")
    result.setdict(
        {"ITEM_PIPELINES": {}, "DOWNLOADER_MIDDLEWARES": {}, "SPIDER_MODULES": []},
        priority="project",
    )
    for item in overrides:
        name, _, value = item.partition("=")
        result.set(name, value, priority="cmdline")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url_file")
    parser.add_argument("-s", dest="overrides", action="append", default=[])
    args = parser.parse_args(argv)
    with open(args.url_file, encoding="utf-8") as handle:
        urls = [line.strip() for line in handle if line.strip()]
    process = CrawlerProcess(settings(args.overrides))
    crawler = process.create_crawler(BareSpider)
    concurrency = crawler.settings.getint("CONCURRENT_REQUESTS")
    process.crawl(crawler, urls=urls, in_flight=max(1, 4 * concurrency))
    process.start()
    received = crawler.spider.received if crawler.spider else 0
    print(f"bare spider: {received} of {len(urls)} pages received")
    return 0 if received == len(urls) else 1


if __name__ == "__main__":
    sys.exit(main())
