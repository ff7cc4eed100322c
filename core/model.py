"""The article as the crawler extracts it and the store keeps it.

Plain frozen dataclasses: extraction returns them, classification reads them, storage writes
them. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Image:
    url: str
    caption: str = ""


@dataclass(frozen=True)
class Article:
    """One article of baotintuc.vn, identified by the site's 17-digit id."""

    site_id: str  # "20211124202628584": yyyyMMddHHmmssfff, the article's creation time
    url: str  # canonical public URL, https://baotintuc.vn/...
    title: str
    body_text: str  # paragraphs separated by blank lines
    body_html: str  # cleaned article HTML (paragraphs, figures), URLs absolute
    sapo: str = ""
    authors: tuple[str, ...] = ()
    agency: str = ""
    category: str = ""
    category_url: str = ""
    tags: tuple[str, ...] = ()
    published: str = ""  # ISO 8601 with +07:00
    modified: str = ""  # ISO 8601 with +07:00
    lead_image: str = ""
    images: tuple[Image, ...] = ()
    layout: str = ""  # which extractor produced the body: "current", "old", "generic"


@dataclass(frozen=True)
class TopicMatch:
    """Why an article belongs to a topic: a score and the rule terms that matched."""

    topic: str
    score: float
    terms: tuple[str, ...] = field(default_factory=tuple)
