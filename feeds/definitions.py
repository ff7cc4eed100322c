"""Feed definitions: the `[[feed]]` tables of the configuration file, checked and completed.

A definition is a filter over the store (topics, site categories, tags, a full-text query, a
minimum score, a maximum age) plus how to present it (slug, title, subtitle, entry limit,
archive). Checking is strict and per definition: an unknown key, topic or bad value makes that
one definition fail with a message naming it, and the others still load. docs/feeds.md lists
every key.
"""

from __future__ import annotations

import difflib
import math
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.feed_types import FeedFilter
from core.project import PROJECT_URL
from core.text import clean_line, fold
from core.urls import SITE_NAME, SITE_ORIGIN, is_web_url

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
DEFAULT_ARCHIVE_PAGE_SIZE = 50
SITE_URL = SITE_ORIGIN + "/"
# Feed ids are UUIDs derived from the slug in this namespace: stable across hosts and base URLs.
FEED_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, PROJECT_URL + "/feeds")

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_IRI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
KEYS = (
    "slug",
    "title",
    "subtitle",
    "topics",
    "match",
    "categories",
    "tags",
    "query",
    "min_score",
    "max_age_days",
    "limit",
    "archive",
    "archive_page_size",
    "link",
    "id",
)

# Slugs (file names) of the default feeds for the packaged topics. Never change them: they are
# the URLs people subscribe to.
TOPIC_SLUGS = {"environment": "moi-truong", "vietnam-japan": "viet-nam-nhat-ban"}
ANY_SLUG = "tat-ca"
BOTH_SLUG = "moi-truong-va-viet-nhat"
# Labels of the packaged topics, used when only topic names are known.
_FALLBACK_LABELS = {"environment": "Môi trường", "vietnam-japan": "Việt Nam – Nhật Bản"}


@dataclass(frozen=True)
class TopicInfo:
    name: str
    label: str  # Vietnamese, shown to readers (category labels, default titles)
    description: str = ""


@dataclass(frozen=True)
class FeedDefinition:
    """One feed: what it selects and how it is presented. Build with `load_definitions`."""

    slug: str  # file name: <slug>.atom, archives under <slug>/
    title: str
    subtitle: str
    topics: tuple[str, ...] = ()
    match_all: bool = False
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    query: str | None = None
    min_score: float | None = None
    max_age_days: float | None = None
    limit: int = DEFAULT_LIMIT
    archive_page_size: int | None = DEFAULT_ARCHIVE_PAGE_SIZE  # None: no archive
    link: str = SITE_URL  # the feed's rel="alternate": the site
    feed_id: str = ""
    topic_labels: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def filter(self) -> FeedFilter:
        return FeedFilter(
            name=self.slug,
            topics=self.topics,
            match_all=self.match_all,
            categories=self.categories,
            tags=self.tags,
            query=self.query,
            min_score=self.min_score,
        )


class DefinitionError(ValueError):
    """One definition is unusable; the message names it."""


Failure = Callable[[str], DefinitionError]


def topic_catalog(known_topics: Any) -> dict[str, TopicInfo]:
    """Known topics from rules (`load_rules()`), a name → label mapping, or plain names.

    Labels and descriptions are cleaned here: they end up in every feed's XML.
    """
    topics = getattr(known_topics, "topics", None)
    if topics is not None:
        found = [(t.name, t.label, t.description) for t in topics]
    elif isinstance(known_topics, Mapping):
        found = [(name, label, "") for name, label in known_topics.items()]
    else:
        found = [(name, _FALLBACK_LABELS.get(str(name), ""), "") for name in known_topics]
    return {
        str(name): TopicInfo(str(name), clean_line(str(label)) or str(name), clean_line(str(text)))
        for name, label, text in found
    }


def load_definitions(
    raw: list[dict] | None, known_topics: Any
) -> tuple[list[FeedDefinition], list[str]]:
    """Check the `[[feed]]` tables; the defaults when there are none.

    Returns the usable definitions and one message per unusable one (naming it). `known_topics`
    is the topic rules (`crawler.classify.load_rules()`), their `.names`, or a name → label map.
    """
    catalog = topic_catalog(known_topics)
    if not raw:
        return default_definitions(catalog), []
    if not isinstance(raw, list):
        return [], ["[[feed]] must be an array of tables"]
    definitions: list[FeedDefinition] = []
    errors: list[str] = []
    used: dict[str, int] = {}
    for number, table in enumerate(raw, start=1):
        try:
            definition = parse_definition(table, catalog, number)
            if definition.slug in used:
                raise DefinitionError(
                    f"feed #{number} {definition.slug!r}: slug already used by feed #{used[definition.slug]}"
                )
        except DefinitionError as error:
            errors.append(str(error))
            continue
        used[definition.slug] = number
        definitions.append(definition)
    return definitions, errors


def default_definitions(catalog: Mapping[str, TopicInfo]) -> list[FeedDefinition]:
    """One feed per topic, plus (with two or more topics) one for any and one for all of them."""
    labels = {name: info.label for name, info in catalog.items()}
    feeds = [
        FeedDefinition(
            slug=topic_slug(info),
            title=f"{info.label} | {SITE_NAME}",
            subtitle=f"Bài viết của {SITE_NAME} về chủ đề {info.label}"
            + (f": {info.description}" if info.description else ""),
            topics=(name,),
            feed_id=default_feed_id(topic_slug(info)),
            topic_labels=labels,
        )
        for name, info in catalog.items()
    ]
    if len(catalog) >= 2:
        names = tuple(catalog)
        joined = " và ".join(info.label for info in catalog.values())
        both_slug = (
            BOTH_SLUG
            if set(names) == set(TOPIC_SLUGS)
            else "-va-".join(topic_slug(info) for info in catalog.values())
        )
        both_title = (
            "Môi trường trong quan hệ Việt – Nhật" if both_slug == BOTH_SLUG else f"Vừa {joined}"
        )
        feeds.append(
            FeedDefinition(
                slug=ANY_SLUG,
                title=f"{joined} | {SITE_NAME}",
                subtitle=f"Bài viết của {SITE_NAME} thuộc ít nhất một chủ đề: {joined}",
                topics=names,
                feed_id=default_feed_id(ANY_SLUG),
                topic_labels=labels,
            )
        )
        feeds.append(
            FeedDefinition(
                slug=both_slug,
                title=f"{both_title} | {SITE_NAME}",
                subtitle=f"Bài viết của {SITE_NAME} thuộc cùng lúc các chủ đề: {joined}",
                topics=names,
                match_all=True,
                feed_id=default_feed_id(both_slug),
                topic_labels=labels,
            )
        )
    return feeds


def topic_slug(info: TopicInfo) -> str:
    if info.name in TOPIC_SLUGS:
        return TOPIC_SLUGS[info.name]
    return "-".join(re.findall(r"[a-z0-9]+", fold(info.label))) or "chu-de"


def default_feed_id(slug: str) -> str:
    return f"urn:uuid:{uuid.uuid5(FEED_ID_NAMESPACE, slug)}"


def parse_definition(table: Any, catalog: Mapping[str, TopicInfo], number: int) -> FeedDefinition:
    """One `[[feed]]` table → a definition; raises `DefinitionError` naming it."""
    if not isinstance(table, Mapping):
        raise DefinitionError(f"feed #{number}: must be a table, not {type(table).__name__}")
    slug = table.get("slug")
    name = f"feed #{number} {slug!r}" if isinstance(slug, str) and slug else f"feed #{number}"

    def fail(message: str) -> DefinitionError:
        return DefinitionError(f"{name}: {message}")

    for key in table:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise fail(f"unknown key {key!r}{hint}; known keys: {', '.join(KEYS)}")
    if not isinstance(slug, str) or not _SLUG.match(slug) or len(slug) > 80:
        raise fail(
            'slug is required: lower-case ASCII letters, digits and single dashes (e.g. "moi-truong")'
        )
    topics = _strings(table, "topics", fail)
    unknown = [t for t in topics if t not in catalog]
    if unknown:
        raise fail(f"unknown topic {unknown[0]!r} (known: {', '.join(catalog) or 'none'})")
    match = table.get("match", "any")
    if match not in ("any", "all"):
        raise fail(f'match must be "any" or "all", not {match!r}')
    query = table.get("query")
    if query is not None and (not isinstance(query, str) or not query.strip()):
        raise fail('query must be a non-empty string (FTS5 syntax, e.g. "rac thai OR nhua")')
    min_score = _number(table, "min_score", fail, minimum=0, inclusive=True)
    max_age = _number(table, "max_age_days", fail, minimum=0, inclusive=False)
    limit = _integer(table, "limit", fail, DEFAULT_LIMIT, 1, MAX_LIMIT)
    archive = table.get("archive", max_age is None)
    if not isinstance(archive, bool):
        raise fail(f"archive must be true or false, not {archive!r}")
    if archive and max_age is not None:
        raise fail(
            "archive and max_age_days cannot be combined: a feed that drops old entries has no"
            " stable history to archive (set archive = false, or remove max_age_days)"
        )
    page_size = _integer(
        table, "archive_page_size", fail, min(DEFAULT_ARCHIVE_PAGE_SIZE, limit), 1, limit
    )
    link = table.get("link", SITE_URL)
    if not isinstance(link, str) or not is_web_url(link):
        raise fail(f"link must be an absolute http(s) URL, not {link!r}")
    feed_id = table.get("id", default_feed_id(slug))
    if not isinstance(feed_id, str) or not _IRI_SCHEME.match(feed_id):
        raise fail(f"id must be an absolute IRI such as urn:uuid:… or tag:…, not {feed_id!r}")
    labels = {n: info.label for n, info in catalog.items()}
    title = _text(table, "title", fail) or (
        " và ".join(labels[t] for t in topics) + f" | {SITE_NAME}" if topics else slug
    )
    return FeedDefinition(
        slug=slug,
        title=title,
        subtitle=_text(table, "subtitle", fail),
        topics=tuple(dict.fromkeys(topics)),
        match_all=match == "all",
        categories=_strings(table, "categories", fail),
        tags=_strings(table, "tags", fail),
        query=query.strip() if query else None,
        min_score=min_score,
        max_age_days=max_age,
        limit=limit,
        archive_page_size=page_size if archive else None,
        link=link,
        feed_id=feed_id,
        topic_labels=labels,
    )


def _strings(table: Mapping, key: str, fail: Failure) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise fail(f"{key} must be a list of non-empty strings, not {value!r}")
    return tuple(clean_line(v) for v in value)


def _text(table: Mapping, key: str, fail: Failure) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise fail(f"{key} must be a string, not {value!r}")
    return clean_line(value)


def _number(
    table: Mapping, key: str, fail: Failure, *, minimum: float, inclusive: bool
) -> float | None:
    value = table.get(key)
    if value is None:
        return None
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < minimum or (value == minimum and not inclusive):
        bound = f">= {minimum}" if inclusive else f"> {minimum}"
        raise fail(f"{key} must be a number {bound}, not {value!r}")
    return float(value)


def _integer(table: Mapping, key: str, fail: Failure, default: int, low: int, high: int) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise fail(f"{key} must be a whole number from {low} to {high}, not {value!r}")
    return value
