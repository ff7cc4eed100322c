"""Item pipeline: hands each extracted article to the store."""

from __future__ import annotations

import logging
from datetime import datetime

from crawler.items import ArticleItem
from crawler.policy import next_check
from storage import SaveOutcome

logger = logging.getLogger(__name__)


class StorePipeline:
    """Save articles through the spider's store, counting new, updated and unchanged ones."""

    def __init__(self, crawler) -> None:  # noqa: ANN001 (Scrapy API)
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):  # noqa: ANN001, ANN206
        return cls(crawler)

    def process_item(self, item: ArticleItem) -> ArticleItem:
        spider = self.crawler.spider
        article = item.article
        outcome = spider.store.save_article(
            article,
            item.topics,
            rules_version=item.rules_version,
            now=item.fetched_at,
            next_check=next_check(datetime.fromisoformat(article.published), item.fetched_at, spider.rechecks),
            etag=item.etag,
            last_modified=item.last_modified,
        )
        stats = spider.run_stats
        if outcome is SaveOutcome.NEW:
            stats.articles_new += 1
        elif outcome is SaveOutcome.UPDATED:
            stats.articles_updated += 1
        else:
            stats.articles_unchanged += 1
        topics = ",".join(match.topic for match in item.topics) or "-"
        logger.info("%s [%s] %s", outcome.value, topics, article.title)
        return item
