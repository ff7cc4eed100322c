"""The article filter that search and export share: a topic, and a lower bound on publication.

A constant SQL fragment over `articles_flat AS f`, with named parameters (`:topic`, `:since`),
so user values never reach the SQL text.
"""

from __future__ import annotations

from datetime import date, datetime

from core.clock import VIETNAM_TZ

ARTICLE_FILTER = """
    (:topic IS NULL OR EXISTS (
        SELECT 1 FROM article_topics AS t WHERE t.site_id = f.site_id AND t.topic = :topic))
    AND (:since IS NULL OR f.published >= :since)
"""


def filter_params(topic: str | None, since: date | datetime | None) -> dict[str, str | None]:
    return {"topic": topic, "since": published_bound(since) if since is not None else None}


def published_bound(since: date | datetime) -> str:
    """`since` as text that compares with `published` (+07:00 ISO 8601) as a lower bound.

    A date is a Vietnam calendar day; a naive datetime is Vietnam time; an aware one is converted.
    """
    if not isinstance(since, datetime):
        return since.isoformat()
    moment = since.replace(tzinfo=VIETNAM_TZ) if since.tzinfo is None else since.astimezone(VIETNAM_TZ)
    return moment.isoformat(timespec="seconds")
