"""Item pipelines: classify each article, count its field coverage, then store it, or record what
a page was worth.

Classification is a step of its own so that the rules decide in one place, for the crawler as
for `tintuc reclassify`; storing records the page's fetch in the same transaction as what was
taken from it (crawler/items.py says why).
"""

from __future__ import annotations

import logging
from datetime import datetime

from scrapy.crawler import Crawler

from core.durations import parse_durations
from crawler.classify import classify, load_rules
from crawler.extensions import CrawlRunExtension
from crawler.items import ArticleItem, PageItem
from crawler.policy import next_check
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
        article = item.article
        if item.topics is None:
            raise RuntimeError("an article reached StorePipeline unclassified (ITEM_PIPELINES order)")
        outcome = self.store.save_article(
            article,
            item.topics,
            rules_version=item.rules_version,
            now=item.fetched_at,
            next_check=next_check(datetime.fromisoformat(article.published), item.fetched_at, self.rechecks),
            etag=item.etag,
            last_modified=item.last_modified,
        )
        if article.url != item.fetched_url:  # fetched under another URL variant: that one too
            self.store.record_fetch(item.fetched_url, "article", 200, now=item.fetched_at)
        self.run.count({SaveOutcome.NEW: "articles_new", SaveOutcome.UPDATED: "articles_updated"}
                       .get(outcome, "articles_unchanged"))  # fmt: skip
        topics = ",".join(match.topic for match in item.topics) or "-"
        logger.info("%s [%s] %s", outcome.value, topics, article.title)
