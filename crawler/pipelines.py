"""Item pipelines: classify each article, count its field coverage, then store it, or record what
a page was worth.

Classification is a step of its own so that the rules decide in one place, for the crawler as
for `tintuc reclassify`; storing records the page's fetch in the same transaction as what was
taken from it (crawler/items.py says why).
"""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler

from core.durations import parse_durations
from crawler.backfill import Window
from crawler.classify import classify, load_rules
from crawler.extensions import CrawlRunExtension
from crawler.ingest import store_article
from crawler.items import ArticleItem, PageItem
from storage import SaveOutcome

logger = logging.getLogger(__name__)


class ClassifyPipeline:
    """The topics of each article, and why, by the topic rules (TINTUC_TOPICS)."""

    def __init__(self, topics_path: str | None) -> None:
        self.rules = load_rules(topics_path)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClassifyPipeline:
        return cls(crawler.settings.get("TINTUC_TOPICS"))

    def process_item(self, item: object, spider: object = None) -> object:
        if isinstance(item, ArticleItem):
            item.topics = classify(item.article, self.rules)
            item.rules_version = self.rules.fingerprint
        return item


class FieldCoveragePipeline:
    """Count, for each field, the articles that got it from its primary source, a fallback or
    nothing (crawler/coverage.py), into the crawl's stats: the run record keeps them."""

    def __init__(self, run: CrawlRunExtension) -> None:
        self.run = run

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FieldCoveragePipeline:
        return cls(CrawlRunExtension.of(crawler))

    def process_item(self, item: object, spider: object = None) -> object:
        if isinstance(item, ArticleItem) and item.fields:
            for field, outcome in item.fields.items():
                self.run.count_field(field, outcome)
        return item


class StorePipeline:
    """Save each article (counting new, updated, unchanged) and each parsed page's fetch."""

    def __init__(self, run: CrawlRunExtension, rechecks: str) -> None:
        self.run = run
        self.store = run.store
        self.rechecks = parse_durations(rechecks)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(CrawlRunExtension.of(crawler), crawler.settings["TINTUC_RECHECKS"])

    def process_item(self, item: object, spider: object = None) -> object:
        if isinstance(item, ArticleItem):
            self._save(item)
        elif isinstance(item, PageItem):
            self.store.record_fetch(
                item.url, item.kind, 200, now=item.fetched_at, etag=item.etag,
                last_modified=item.last_modified, relevant_links=item.relevant_links,
            )  # fmt: skip
        return item

    def _save(self, item: ArticleItem) -> None:
        outcome = store_article(self.store, item, self.rechecks)  # after ClassifyPipeline
        self.run.count({SaveOutcome.NEW: "articles_new", SaveOutcome.UPDATED: "articles_updated"}
                       .get(outcome, "articles_unchanged"))  # fmt: skip
        topics = ",".join(match.topic for match in item.topics or ()) or "-"
        logger.info("%s [%s] %s", outcome.value, topics, item.article.title)


class BackfillQueuePipeline:
    """A backfill's article leaves its queue once stored (crawler/spiders/backfill.py): a
    backfill killed before that fetches it again, never loses it."""

    def __init__(self, run: CrawlRunExtension, window: Window) -> None:
        self.store = run.store
        self.key = window.key

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackfillQueuePipeline:
        return cls(CrawlRunExtension.of(crawler), Window.from_settings(crawler.settings))

    def process_item(self, item: object, spider: object = None) -> object:
        if isinstance(item, ArticleItem):
            self.store.dequeue(self.key, item.article.site_id)
        return item
