"""Re-apply topic rules to stored articles: rules change, articles need not be refetched."""

from __future__ import annotations

from crawler.classify import Rules, classify
from storage import Store


def reclassify_store(store: Store, rules: Rules) -> int:
    """Classify every stored article again; returns how many changed their set of topics."""
    changed = 0
    for site_id in sorted(store.article_ids()):
        article = store.load_article(site_id)
        if article is None:  # deleted meanwhile
            continue
        before = set(store.article(site_id)["topics"])
        topics = classify(article, rules)
        if {match.topic for match in topics} != before:
            changed += 1
        store.replace_topics(site_id, topics, rules.fingerprint)
    return changed
