"""What the spider hands to the item pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.model import Article, TopicMatch


@dataclass
class ArticleItem:
    """An extracted, classified article and how its page was fetched."""

    article: Article
    topics: list[TopicMatch]
    rules_version: str
    fetched_at: datetime
    etag: str | None = None
    last_modified: str | None = None
