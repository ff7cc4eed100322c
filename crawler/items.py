"""What the spider hands to the item pipelines: what a fetched page taught us.

Items carry the page's HTTP validators because a page's fetch is recorded only once what was
taken from it is stored (crawler/pipelines.py): a page that came back truncated, or whose
article could not be saved, is fetched in full again next time instead of answering 304.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.model import Article, TopicMatch


@dataclass
class ArticleItem:
    """An extracted article and how its page was fetched; the classifier adds its topics."""

    article: Article
    fetched_url: str  # the canonical URL it was fetched under (the article may name another)
    fetched_at: datetime
    etag: str | None = None
    last_modified: str | None = None
    fields: dict[str, str] | None = None  # each field's outcome (crawler/coverage.py)
    topics: list[TopicMatch] | None = None  # set by ClassifyPipeline
    rules_version: str = ""


@dataclass
class PageItem:
    """A listing, tag page, RSS feed or the RSS index, parsed: worth a conditional revisit?"""

    url: str  # canonical
    kind: str  # crawler.urls.Kind value
    fetched_at: datetime
    relevant_links: int  # links on it that looked on-topic
    etag: str | None = None
    last_modified: str | None = None
