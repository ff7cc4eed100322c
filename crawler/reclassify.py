"""Re-apply topic rules to stored articles: rules change, articles need not be refetched."""

from __future__ import annotations

import json

from crawler.classify import classify, load_rules
from storage.store import Store
from tintuc.model import Article, Image


def article_from_row(row: dict) -> Article:
    """Rebuild the fields classification reads from a stored article row."""
    return Article(
        site_id=row["site_id"],
        url=row["url"],
        title=row["title"],
        sapo=row["sapo"],
        body_text=row["body_text"],
        body_html=row["body_html"],
        authors=tuple(json.loads(row["authors"])),
        tags=tuple(row.get("tags", ())),
        images=tuple(Image(**image) for image in row.get("images", ())),
    )


def reclassify_store(store: Store, topics_path: str | None = None) -> int:
    """Classify every stored article again; returns how many changed their set of topics."""
    rules = load_rules(topics_path)
    changed = 0
    for site_id in sorted(store.article_ids()):
        row = store.article(site_id)
        topics = classify(article_from_row(row), rules)
        if {t.topic for t in topics} != set(row["topics"]):
            changed += 1
        store.replace_topics(site_id, topics, rules.fingerprint)
    return changed
