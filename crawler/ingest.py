"""Storing a fetched, classified article: one way for the crawl, the backfill and the watcher.

The article is saved with its topics and its page's fetch state, with the next re-check its
publication time calls for (crawler/policy.py); when it was fetched under another URL variant
than the one it names, that variant's fetch is recorded too, so it is not fetched again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from crawler.items import ArticleItem
from crawler.policy import RECHECKS, next_check
from storage import SaveOutcome, Store


def store_article(store: Store, item: ArticleItem, rechecks: tuple[timedelta, ...] = RECHECKS) -> SaveOutcome:
    """Save a classified article item; whether it was new, updated or unchanged."""
    article = item.article
    if item.topics is None:
        raise RuntimeError(f"article {article.site_id} reached the store unclassified")
    outcome = store.save_article(
        article,
        item.topics,
        rules_version=item.rules_version,
        now=item.fetched_at,
        next_check=next_check(datetime.fromisoformat(article.published), item.fetched_at, rechecks),
        etag=item.etag,
        last_modified=item.last_modified,
    )
    if article.url != item.fetched_url:
        store.record_fetch(item.fetched_url, "article", 200, now=item.fetched_at)
    return outcome
