"""The article as the crawler extracts it and the store keeps it.

Plain frozen dataclasses: extraction returns them, classification reads them, storage writes
them. Nothing here does I/O.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field


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
    authors: tuple[str, ...] = ()  # the persons of the byline (core.bylines)
    agency: str = ""  # the outlets it credits ("TTXVN"), or the desk credit when no person
    credit_role: str = ""  # the byline's credit role ("Tin, ảnh"), if any
    byline: str = ""  # the byline as the page showed it
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


# What readers see of an article: the store's `updated` changes only when one of these does.
# Named one by one, so that a field added to Article (the byline as written, say) changes no
# stored hash.
CONTENT_FIELDS = (
    "site_id", "title", "body_text", "body_html", "sapo", "authors", "agency", "category",
    "category_url", "tags", "published", "lead_image", "images",
)


def content_hash(article: Article) -> str:
    """A stable hash of what readers see of an article (CONTENT_FIELDS)."""
    return content_digest({name: value for name, value in asdict(article).items() if name in CONTENT_FIELDS})


def content_digest(content: Mapping[str, object]) -> str:
    """`content_hash` of an article given as plain values (a stored row: lists, image dicts)."""
    raw = json.dumps(dict(content), ensure_ascii=False, sort_keys=True).encode("utf-8")
    return "v1:" + hashlib.sha256(raw).hexdigest()
