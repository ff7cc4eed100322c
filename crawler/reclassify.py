"""Re-apply topic rules to stored articles: rules change, articles need not be refetched."""

from __future__ import annotations

from crawler.classify import classify, load_rules
from storage import Store


def reclassify_store(store: Store, topics_path: str | None = None) -> int:
    """Classify every stored article again; returns how many changed their set of topics."""
    rules = load_rules(topics_path)
    changed = 0
    for site_id in sorted(store.article_ids()):
        before = set(store.article(site_id)["topics"])
        topics = classify(store.load_article(site_id), rules)
        if {match.topic for match in topics} != before:
            changed += 1
        store.replace_topics(site_id, topics, rules.fingerprint)
    return changed
