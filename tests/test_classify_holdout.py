"""Classifier quality on a held-out set: 30 articles written without sight of the rules.

The replica's corpus is checked through real crawls (tests/test_crawl_e2e.py) and must be
classified perfectly; this set was written afterwards, by someone who never read the rules, to
measure how the rules generalise. Its bar is lower on purpose: tuning the rules until it is
perfect would make it one more training set.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.model import Article
from crawler.classify import classify, load_rules
from replica import load_corpus

HOLDOUT = Path(__file__).parent / "holdout"
TOPICS = ("environment", "vietnam-japan")


def as_article(item) -> Article:
    body = "\n\n".join([*item.paragraphs, *(figure.caption for figure in item.figures)])
    return Article(site_id=item.id, url=item.canonical_url, title=item.title, sapo=item.sapo,
                   body_text=body, body_html="", tags=tuple(item.tags))


@pytest.mark.parametrize("topic", TOPICS)
def test_holdout_precision_and_recall(topic):
    rules = load_rules()
    articles = load_corpus(HOLDOUT).articles.values()
    truth = {a.id for a in articles if topic in a.topics}
    found = {a.id for a in articles if topic in {m.topic for m in classify(as_article(a), rules)}}
    precision = len(found & truth) / max(len(found), 1)
    recall = len(found & truth) / max(len(truth), 1)
    print(f"held-out {topic}: precision {precision:.2f}, recall {recall:.2f} ({len(truth)} true)")
    assert len(truth) >= 12
    assert precision >= 0.9 and recall >= 0.85
