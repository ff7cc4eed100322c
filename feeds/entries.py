"""From a stored article to what a feed entry says: a pure function, no I/O.

How each field is decided (docs/feeds.md repeats this for users):
- id: `tag:baotintuc.vn,<yyyy-mm-dd>:<site id>`, the date and id taken from the site's 17-digit
  article id. It never changes when the article's slug, section or our host changes, so readers
  never see an article twice.
- updated: the article's `published` time until our copy of its content changes, then the time
  we saw it change (the store's `updated` column). Both change only with the content. The site's
  own `modified` is not used: the store overwrites it on every fetch, even when nothing a reader
  sees changed, and a re-marked "updated" entry is exactly what readers must not see.
- authors: the byline's names, else the agency (TTXVN…), else "baotintuc.vn".
- content: the sapo in bold, then the body, sanitised (feeds.sanitize); summary: the sapo.
- categories: topics (term = topic name, label = Vietnamese label), the site section, the tags.
- enclosure: the lead image, unless it is the site's generic share image.
- reasons: each topic's score and matched terms; not in the Atom entry (the web pages say them).
"""

from __future__ import annotations

import html
import mimetypes
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote, urljoin, urlsplit

from core.clock import id_time, parse_time
from core.feed_types import FeedArticle
from core.project import PROJECT_URL
from core.text import clean_line, strip_xml_forbidden
from core.urls import SITE_NAME, SITE_ORIGIN, is_web_url
from feeds.sanitize import bounded_content, sanitize_html

TAG_AUTHORITY = SITE_NAME
SITE_AUTHOR = SITE_NAME
TOPIC_SCHEME = PROJECT_URL + "/blob/main/crawler/topics.toml"
CATEGORY_SCHEME = SITE_ORIGIN + "/"
TAG_SCHEME = SITE_ORIGIN + "/tags/"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)  # the time of an article whose id says none
# The image the site shows when an article has none of its own: not worth an enclosure.
PLACEHOLDER_IMAGES = ("/web_images/baotintuc-share.jpg",)
IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",
    ".bmp": "image/bmp",
}
DEFAULT_IMAGE_TYPE = "image/jpeg"  # the site's lead images are JPEG when the URL says nothing
MAX_TITLE = 500
MAX_SUMMARY = 2_000
MAX_AUTHORS = 20
MAX_TAGS = 50
MAX_TERMS = 12  # matched terms shown per topic, strongest first
UNTITLED = "(Không có tiêu đề)"
_SITE_ID = re.compile(r"^\d{17}$")
_URL_SAFE = "%/:=&?~#+!$,;'@()*[]"


@dataclass(frozen=True)
class Category:
    term: str
    scheme: str
    label: str = ""


@dataclass(frozen=True)
class Enclosure:
    href: str
    type: str


@dataclass(frozen=True)
class Reason:
    """Why an article is in a topic: its score and the rule phrases that matched."""

    topic: str
    label: str  # the topic's Vietnamese label
    score: float
    terms: tuple[str, ...]  # strongest first; may hold a co-occurrence marker "[japan + vietnam]"


@dataclass(frozen=True)
class Entry:
    """One feed entry, every text already safe for XML."""

    site_id: str
    id: str
    title: str
    link: str | None  # the article's canonical URL (rel="alternate")
    published: datetime
    updated: datetime
    authors: tuple[str, ...]
    summary: str
    content: str  # sanitised HTML, '' when the article has no text at all
    categories: tuple[Category, ...]
    enclosure: Enclosure | None
    reasons: tuple[Reason, ...] = ()  # for the web pages; the Atom entry does not carry them

    @property
    def sort_key(self) -> tuple[datetime, str]:
        """Newest first when sorted in reverse: published, then the site id breaks ties."""
        return (self.published, self.site_id)


def entry_from_article(article: FeedArticle, topic_labels: Mapping[str, str]) -> Entry:
    published = article_time(article.published, article.site_id)
    link = article.url if is_web_url(article.url) else None
    title = _cut(clean_line(article.title), MAX_TITLE) or UNTITLED
    summary = _cut(clean_line(article.sapo), MAX_SUMMARY)
    body = sanitize_html(article.body_html, link or CATEGORY_SCHEME)
    if not body and article.body_text.strip():
        body = "\n".join(
            f"<p>{html.escape(clean_line(p), quote=False)}</p>"
            for p in article.body_text.split("\n\n")
            if p.strip()
        )
    body = bounded_content(body, article.body_text, link or "")
    lead = f"<p><strong>{html.escape(summary, quote=False)}</strong></p>\n" if summary else ""
    content = lead + body
    if not content and link is None:  # an entry needs an alternate link or content (RFC 4287)
        content = f"<p>{html.escape(title, quote=False)}</p>"
    return Entry(
        site_id=article.site_id,
        id=entry_id(article.site_id, published),
        title=title,
        link=link,
        published=published,
        updated=entry_updated(article, published),
        authors=authors(article),
        summary=summary,
        content=content,
        categories=categories(article, topic_labels),
        enclosure=enclosure(article.lead_image, link),
        reasons=reasons(article, topic_labels),
    )


def entry_id(site_id: str, published: datetime) -> str:
    """tag:baotintuc.vn,2021-11-24:20211124202628584 (RFC 4151), from the site's article id."""
    if _SITE_ID.match(site_id):
        day = f"{site_id[:4]}-{site_id[4:6]}-{site_id[6:8]}"
        try:
            datetime.strptime(day, "%Y-%m-%d")
            return f"tag:{TAG_AUTHORITY},{day}:{site_id}"
        except ValueError:
            pass
    return f"tag:{TAG_AUTHORITY},{published.date().isoformat()}:{quote(site_id, safe='')}"


def entry_updated(article: FeedArticle, published: datetime) -> datetime:
    """`published` until our copy's content changed, then when it changed (module docstring)."""
    if article.updated == article.first_seen:
        return published
    changed = parse_time(article.updated)
    return max(changed, published) if changed else published


def authors(article: FeedArticle) -> tuple[str, ...]:
    names = [clean_line(name) for name in article.authors]
    names = list(dict.fromkeys(name for name in names if name))[:MAX_AUTHORS]
    if names:
        return tuple(_cut(name, 200) for name in names)
    agency = _cut(clean_line(article.agency), 200)
    return (agency or SITE_AUTHOR,)


def categories(article: FeedArticle, topic_labels: Mapping[str, str]) -> tuple[Category, ...]:
    order = {name: position for position, name in enumerate(topic_labels)}
    topics = sorted(
        {topic for topic, _score in article.topics}, key=lambda t: (order.get(t, len(order)), t)
    )
    found = [Category(topic, TOPIC_SCHEME, topic_labels.get(topic, topic)) for topic in topics]
    section = _cut(clean_line(article.category), 200)
    if section:
        found.append(Category(section, CATEGORY_SCHEME))
    tags = [_cut(clean_line(tag), 200) for tag in article.tags][:MAX_TAGS]
    found.extend(Category(tag, TAG_SCHEME) for tag in tags if tag)
    return tuple(dict.fromkeys(found))


def reasons(article: FeedArticle, topic_labels: Mapping[str, str]) -> tuple[Reason, ...]:
    """Each topic of the article with its score and terms, in the order of `topic_labels`."""
    order = {name: position for position, name in enumerate(topic_labels)}
    terms = dict(article.topic_terms)
    found = [
        Reason(
            topic=topic,
            label=topic_labels.get(topic, topic),
            score=float(score),
            terms=tuple(
                cleaned
                for term in terms.get(topic, ())[:MAX_TERMS]
                if (cleaned := _cut(clean_line(term), 200))
            ),
        )
        for topic, score in article.topics
    ]
    return tuple(sorted(found, key=lambda r: (order.get(r.topic, len(order)), r.topic)))


def enclosure(lead_image: str, article_url: str | None) -> Enclosure | None:
    if not lead_image or not lead_image.strip():
        return None
    href = urljoin(article_url or CATEGORY_SCHEME, strip_xml_forbidden(lead_image.strip()))
    href = quote(href, safe=_URL_SAFE)  # spaces and other stray characters, percent-encoded
    if not is_web_url(href) or any(href.endswith(p) for p in PLACEHOLDER_IMAGES):
        return None
    path = urlsplit(href).path.lower()
    suffix = path[path.rfind(".") :] if "." in path.rsplit("/", 1)[-1] else ""
    kind = IMAGE_TYPES.get(suffix) or mimetypes.guess_type(path)[0] or ""
    return Enclosure(href, kind if kind.startswith("image/") else DEFAULT_IMAGE_TYPE)


def article_time(published: str, site_id: str) -> datetime:
    """An article's publication time: as stored, else the time its id encodes, else the epoch."""
    return parse_time(published) or id_time(site_id) or EPOCH


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
