"""Turn an article page of baotintuc.vn into an `Article`: a pure function, no network.

Each field is read from the most trustworthy source first and falls back when the markup shifts:
the visible template (current, then the pre-2020 one), then meta tags and JSON-LD, and for the
body a generic extractor (trafilatura). `extract` also says which source answered for each field
(`Extraction.fields`): the crawl counts them (crawler/coverage.py), so a change of template shows
up in its field coverage before it shows up as empty feeds, and `tintuc extract` shows them.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urljoin

from parsel import Selector

from core.bylines import Byline, parse_byline
from core.clock import VIETNAM_TZ, id_time, iso_vietnam
from core.model import Article
from core.text import clean_line
from crawler import selectors as css
from crawler.htmlbody import clean_body_html, generic_body, html_to_text, images, unescape_leftovers
from crawler.urls import CANONICAL_ORIGIN, Site, article_id

logger = logging.getLogger(__name__)

# An article cannot be published before the id's creation time; allow for clock skew.
_MAX_PUBLISHED_BEFORE_ID = timedelta(hours=12)
_VISIBLE_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2}):(\d{2})")

# Where a field's value came from: a selector of a template (selectors.CURRENT, selectors.OLD),
# or one of these fallbacks. The names are part of `tintuc extract --json` (README).
META, JSON_LD, TITLE_TAG, CANONICAL_LINK, FETCHED_URL = "meta", "json-ld", "title-tag", "canonical-link", "fetched-url"
ARTICLE_ID, PUBLISHED, FIRST_FIGURE, GENERIC, NONE = "article-id", "published", "first-figure", "trafilatura", "none"
# The first choice for each field: any other source is a fallback.
PRIMARY = {
    "url": CANONICAL_LINK,
    "title": css.CURRENT,
    "sapo": css.CURRENT,
    "published": META,
    "modified": META,
    "category": css.CURRENT,
    "tags": META,
    "byline": css.CURRENT,
    "body": css.CURRENT,
    "lead_image": META,
}


@dataclass(frozen=True)
class Source:
    """Which source gave a field its value: a kind (see PRIMARY) and the selector or key."""

    kind: str
    detail: str = ""

    @property
    def found(self) -> bool:
        return self.kind != NONE


MISSING = Source(NONE)


@dataclass(frozen=True)
class Extraction:
    article: Article
    fields: Mapping[str, Source]  # every key of PRIMARY

    def is_primary(self, field: str) -> bool:
        return self.fields[field].kind == PRIMARY[field]


class ExtractionError(ValueError):
    """A page that is not an article we can store: no title or no body."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{reason}: {url}")
        self.url = url
        self.reason = reason


def extract_article(page: str, url: str, *, site: Site = Site(), parsed: Selector | None = None) -> Article:
    """The article of a page (see `extract`)."""
    return extract(page, url, site=site, parsed=parsed).article


def extract(page: str, url: str, *, site: Site = Site(), parsed: Selector | None = None) -> Extraction:
    """Extract an article from its page HTML, and where each field came from. `url` is where the
    page was fetched from; `parsed`, the same page already parsed, spares a second parse.

    Raises `ExtractionError` when the page has no article id, title or body.
    """
    sel = parsed if parsed is not None else Selector(text=page)
    canonical, url_source = _canonical_url(sel, url, site)
    site_id = article_id(canonical)
    created = id_time(site_id) if site_id else None
    if not site_id or created is None:
        raise ExtractionError(url, "no article id")
    ld = _json_ld(sel)
    title, title_source = _title(sel, ld)
    if not title:
        raise ExtractionError(url, "no title")
    (body_html, layout), body_source = _body(sel, page, canonical)
    body_text = html_to_text(body_html)
    if not body_text or body_text == title:  # a generic extractor may return just the headline
        raise ExtractionError(url, "no body")
    figures = tuple(images(body_html))
    byline, byline_source = _byline(sel)
    (category, category_url), category_source = _category(sel, ld)
    published, published_source = _published(sel, ld, site_id, created)
    modified, modified_source = _modified(sel, ld, published)
    sapo, sapo_source = _sapo(sel, ld)
    tags, tags_source = _tags(sel)
    lead_image, lead_source = _lead_image(sel, ld)
    if not lead_image and figures:
        lead_image, lead_source = figures[0].url, Source(FIRST_FIGURE)
    article = Article(
        site_id=site_id,
        url=canonical,
        title=title,
        sapo=sapo,
        body_text=body_text,
        body_html=body_html,
        authors=byline.persons,
        agency=byline.agency,
        credit_role=byline.role,
        byline=byline.raw,
        category=category,
        category_url=category_url,
        tags=tags,
        published=published,
        modified=modified,
        lead_image=lead_image,
        images=figures,
        layout=layout,
    )
    return Extraction(article, {
        "url": url_source, "title": title_source, "sapo": sapo_source,
        "published": published_source, "modified": modified_source,
        "category": category_source, "tags": tags_source, "byline": byline_source,
        "body": body_source, "lead_image": lead_source,
    })  # fmt: skip


# -- identity ------------------------------------------------------------------------------------


def _canonical_url(sel: Selector, url: str, site: Site) -> tuple[str, Source]:
    """The page's declared canonical URL when it agrees with the fetched one on the article id."""
    fetched = site.to_canonical(url)
    for declared, source in (
        (sel.css('link[rel="canonical"]::attr(href)').get(), Source(CANONICAL_LINK)),
        (sel.css('meta[property="og:url"]::attr(content)').get(), Source(META, "og:url")),
    ):
        if declared and site.owns(urljoin(url, declared.strip())):
            candidate = site.to_canonical(urljoin(url, declared.strip()))
            if article_id(candidate) and article_id(candidate) in (article_id(fetched), None):
                return candidate, source
            if not article_id(fetched):
                return candidate, source
    return fetched, Source(FETCHED_URL)


# -- helpers: each returns the value and its source, or ("", MISSING) ----------------------------


def _first(sel: Selector, queries: Iterable[tuple[str, str]], attr: str | None = None) -> tuple[str, Source]:
    for kind, query in queries:
        for node in sel.css(query):
            value = node.attrib.get(attr, "") if attr else " ".join(node.css("::text").getall())
            value = clean_line(unescape_leftovers(value) if attr else value)
            if value:
                return value, Source(kind, query)
    return "", MISSING


def _meta(sel: Selector, *names: str) -> tuple[str, Source]:
    for name in names:
        for key in ("property", "name", "itemprop"):
            for value in sel.css(f'meta[{key}="{name}"]::attr(content)').getall():
                if clean_line(value):
                    return clean_line(unescape_leftovers(value)), Source(META, name)
    return "", MISSING


def _json_ld(sel: Selector) -> dict:
    """The NewsArticle and BreadcrumbList objects of the page, merged; {} when absent or broken."""
    merged: dict = {}
    for raw in sel.css(css.JSON_LD).getall():
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            logger.debug("unparseable JSON-LD block skipped")
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict):
                merged.setdefault(str(item.get("@type", "")), item)
    return merged


def _ld(ld: dict, kind: str, key: str) -> tuple[str, Source]:
    value = ld.get(kind, {}).get(key, "")
    value = clean_line(value) if isinstance(value, str) else ""
    return (value, Source(JSON_LD, f"{kind}.{key}")) if value else ("", MISSING)


def _either(*candidates: tuple[str, Source]) -> tuple[str, Source]:
    """The first candidate with a value."""
    return next((found for found in candidates if found[0]), ("", MISSING))


# -- metadata ------------------------------------------------------------------------------------


def _title(sel: Selector, ld: dict) -> tuple[str, Source]:
    title = _either(_first(sel, css.TITLE), _meta(sel, "og:title", "headline"), _ld(ld, "NewsArticle", "headline"))
    if title[0]:
        return title
    text = re.sub(r"\s*\|\s*baotintuc\.vn\s*$", "", clean_line(sel.css("title::text").get()))
    return (text, Source(TITLE_TAG, "title")) if text else ("", MISSING)


def _sapo(sel: Selector, ld: dict) -> tuple[str, Source]:
    return _either(_first(sel, css.SAPO), _meta(sel, "og:description"), _ld(ld, "NewsArticle", "description"))


def _byline(sel: Selector) -> tuple[Byline, Source]:
    """The credit line under the body, parsed (core.bylines)."""
    for kind, query in css.AUTHOR:
        node = sel.css(query)
        if node:
            byline = parse_byline(" ".join(node[0].css("::text").getall()))
            if byline.raw:
                return byline, Source(kind, query)
    return parse_byline(""), MISSING


def _category(sel: Selector, ld: dict) -> tuple[tuple[str, str], Source]:
    for kind, query in css.CATEGORY_LINK:
        for link in sel.css(query):
            name = clean_line(
                " ".join(link.css("::text").getall()) or unescape_leftovers(link.attrib.get("title", ""))
            )
            href = link.attrib.get("href", "")
            if name:
                return (name, urljoin(CANONICAL_ORIGIN, href) if href else ""), Source(kind, query)
    crumbs = ld.get("BreadcrumbList", {}).get("itemListElement", [])
    for crumb in crumbs if isinstance(crumbs, list) else []:
        item = crumb.get("item", {}) if isinstance(crumb, dict) else {}
        if isinstance(crumb, dict) and crumb.get("position") == 2 and isinstance(item, dict):
            name = clean_line(item.get("name", ""))
            if name:
                return (name, str(item.get("@id", ""))), Source(JSON_LD, "BreadcrumbList")
    section, source = _meta(sel, "article:section")
    return (section, ""), source


def _tags(sel: Selector) -> tuple[tuple[str, ...], Source]:
    """Tags from every source that has them, in page order, each once (case-insensitively)."""
    keywords, _ = _meta(sel, "news_keywords")
    candidates = [(raw, Source(META, "news_keywords")) for raw in keywords.split(",")] if keywords else []
    candidates += [(raw, Source(META, "article:tag"))
                   for raw in sel.css('meta[property="article:tag"]::attr(content)').getall()]
    candidates += [(" ".join(a.css("::text").getall()), Source(css.CURRENT, css.TAG_LINKS))
                   for a in sel.css(css.TAG_LINKS)]  # fmt: skip
    seen: dict[str, str] = {}
    first = MISSING
    for raw, source in candidates:
        tag = clean_line(raw).strip(" ,;")
        if tag and tag.casefold() not in seen:
            seen[tag.casefold()] = tag
            first = first if first.found else source
    return tuple(seen.values()), first


def _lead_image(sel: Selector, ld: dict) -> tuple[str, Source]:
    image, source = _meta(sel, "og:image", "og:image:url", "og:image:secure_url", "image")
    if not image:
        value = ld.get("NewsArticle", {}).get("image")
        image = value.get("url", "") if isinstance(value, dict) else value if isinstance(value, str) else ""
        source = Source(JSON_LD, "NewsArticle.image") if image else MISSING
    return (urljoin(CANONICAL_ORIGIN, image.strip()), source) if image else ("", MISSING)


# -- dates ---------------------------------------------------------------------------------------


def _parse_date(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        match = _VISIBLE_DATE.search(value)
        if not match:
            return None
        day, month, year, hour, minute = map(int, match.groups())
        try:
            parsed = datetime(year, month, day, hour, minute)
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=VIETNAM_TZ)
    return parsed.astimezone(VIETNAM_TZ)


def _published(sel: Selector, ld: dict, site_id: str, created: datetime) -> tuple[str, Source]:
    """The first publication time that is consistent with the id's creation time."""
    for candidate, source in (
        _meta(sel, "article:published_time", "datePublished"),
        _ld(ld, "NewsArticle", "datePublished"),
        _first(sel, css.VISIBLE_DATE),
    ):
        parsed = _parse_date(candidate)
        if parsed and parsed >= created - _MAX_PUBLISHED_BEFORE_ID:
            return iso_vietnam(parsed), source
        if parsed:
            logger.warning("date %s contradicts article id %s; ignored", candidate, site_id)
    return iso_vietnam(created), Source(ARTICLE_ID)


def _modified(sel: Selector, ld: dict, published: str) -> tuple[str, Source]:
    for candidate, source in (
        _meta(sel, "article:modified_time", "dateModified"),
        _ld(ld, "NewsArticle", "dateModified"),
    ):
        parsed = _parse_date(candidate)
        if parsed and iso_vietnam(parsed) >= published:
            return iso_vietnam(parsed), source
    return published, Source(PUBLISHED)


# -- body ----------------------------------------------------------------------------------------


def _body(sel: Selector, page: str, base_url: str) -> tuple[tuple[str, str], Source]:
    """The article body as clean HTML and the layout that produced it ("current", "old",
    "generic": `Article.layout`)."""
    attempts = [
        ("current", css.BODY_CURRENT, sel.css(css.BODY_CURRENT).getall()),
        ("current", css.BODY_CURRENT_WHOLE, sel.css(css.BODY_CURRENT_WHOLE).getall()[:1]),
    ]
    attempts += [("old", query, sel.css(query).getall()[:1]) for query in css.BODY_OLD]
    for layout, query, fragments in attempts:
        body = clean_body_html("".join(fragments), base_url)
        if html_to_text(body):
            kind = css.CURRENT if layout == "current" else css.OLD
            return (body, layout), Source(kind, query)
    body = generic_body(page, base_url)
    return (body, "generic"), (Source(GENERIC) if body else MISSING)
