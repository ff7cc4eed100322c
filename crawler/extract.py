"""Turn an article page of baotintuc.vn into an `Article`: a pure function, no network.

Each field is read from the most trustworthy source first and falls back when the markup shifts:
the visible template (current, then the pre-2020 one), then meta tags and JSON-LD, and for the
body a generic extractor (trafilatura). Which body extractor won is kept in `Article.layout`, so a
change of template shows up in the data before it shows up as empty feeds.
"""

from __future__ import annotations

import html as htmllib
import json
import logging
import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from urllib.parse import urljoin

import lxml.html
from lxml_html_clean import Cleaner
from parsel import Selector

from core.clock import VIETNAM_TZ, id_time, iso_vietnam
from core.model import Article, Image
from core.text import clean_line, clean_text
from crawler import selectors as css
from crawler.urls import CANONICAL_ORIGIN, Site, article_id

logger = logging.getLogger(__name__)

# An article cannot be published before the id's creation time; allow for clock skew.
_MAX_PUBLISHED_BEFORE_ID = timedelta(hours=12)
_VISIBLE_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2}):(\d{2})")
_LEFTOVER_ENTITY = re.compile(r"&(#\d+|#x[0-9a-f]+|[a-z]+\d*);", re.IGNORECASE)
_BYLINE_AGENCY = re.compile(r"\(([^()]+)\)")
_BLOCKS = ("p", "h2", "h3", "h4", "h5", "li", "figcaption", "blockquote", "td")

_CLEANER = Cleaner(
    scripts=True,
    javascript=True,
    comments=True,
    style=True,
    inline_style=True,
    links=True,
    meta=True,
    page_structure=True,
    processing_instructions=True,
    embedded=True,
    frames=True,
    forms=True,
    annoying_tags=True,
    remove_unknown_tags=False,
    allow_tags=(
        "p", "br", "strong", "b", "em", "i", "u", "a", "ul", "ol", "li", "blockquote",
        "h2", "h3", "h4", "h5", "figure", "figcaption", "img", "table", "thead", "tbody",
        "tr", "td", "th", "sub", "sup",
    ),
    safe_attrs_only=True,
    safe_attrs=frozenset({"href", "src", "alt", "title", "width", "height"}),
)


class ExtractionError(ValueError):
    """A page that is not an article we can store: no title or no body."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{reason}: {url}")
        self.url = url
        self.reason = reason


def extract_article(page: str, url: str, *, site: Site = Site(), parsed: Selector | None = None) -> Article:
    """Extract an article from its page HTML. `url` is where the page was fetched from;
    `parsed`, the same page already parsed, spares a second parse (it is not modified).

    Raises `ExtractionError` when the page has no article id, title or body.
    """
    sel = parsed if parsed is not None else Selector(text=page)
    canonical = _canonical_url(sel, url, site)
    site_id = article_id(canonical)
    created = id_time(site_id) if site_id else None
    if not site_id or created is None:
        raise ExtractionError(url, "no article id")
    ld = _json_ld(sel)
    title = _title(sel, ld)
    if not title:
        raise ExtractionError(url, "no title")
    body_html, layout = _body(sel, page, canonical)
    body_text = html_to_text(body_html)
    if not body_text or body_text == title:  # a generic extractor may return just the headline
        raise ExtractionError(url, "no body")
    images = tuple(_images(body_html))
    authors, agency = _byline(sel)
    category, category_url = _category(sel, ld)
    published = _published(sel, ld, site_id, created)
    return Article(
        site_id=site_id,
        url=canonical,
        title=title,
        sapo=_sapo(sel, ld),
        body_text=body_text,
        body_html=body_html,
        authors=authors,
        agency=agency,
        category=category,
        category_url=category_url,
        tags=_tags(sel),
        published=published,
        modified=_modified(sel, ld, published),
        lead_image=_lead_image(sel, ld) or (images[0].url if images else ""),
        images=images,
        layout=layout,
    )


# -- identity ------------------------------------------------------------------------------------


def _canonical_url(sel: Selector, url: str, site: Site) -> str:
    """The page's declared canonical URL when it agrees with the fetched one on the article id."""
    fetched = site.to_canonical(url)
    for declared in (
        sel.css('link[rel="canonical"]::attr(href)').get(),
        sel.css('meta[property="og:url"]::attr(content)').get(),
    ):
        if declared and site.owns(urljoin(url, declared.strip())):
            candidate = site.to_canonical(urljoin(url, declared.strip()))
            if article_id(candidate) and article_id(candidate) in (article_id(fetched), None):
                return candidate
            if not article_id(fetched):
                return candidate
    return fetched


def _first(sel: Selector, queries: Iterable[str], attr: str | None = None) -> str:
    for query in queries:
        for node in sel.css(query):
            value = node.attrib.get(attr, "") if attr else " ".join(node.css("::text").getall())
            value = clean_line(_unescape_leftovers(value) if attr else value)
            if value:
                return value
    return ""


def _meta(sel: Selector, *names: str) -> str:
    for name in names:
        for key in ("property", "name", "itemprop"):
            for value in sel.css(f'meta[{key}="{name}"]::attr(content)').getall():
                if clean_line(value):
                    return clean_line(_unescape_leftovers(value))
    return ""


def _unescape_leftovers(value: str) -> str:
    """Decode entities left after the parser's pass: the site double-escapes some attributes."""
    return htmllib.unescape(value) if _LEFTOVER_ENTITY.search(value) else value


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


def _ld(ld: dict, kind: str, key: str) -> str:
    value = ld.get(kind, {}).get(key, "")
    return clean_line(value) if isinstance(value, str) else ""


# -- metadata ------------------------------------------------------------------------------------


def _title(sel: Selector, ld: dict) -> str:
    title = _first(sel, css.TITLE) or _meta(sel, "og:title", "headline")
    title = title or _ld(ld, "NewsArticle", "headline")
    if not title:
        title = re.sub(r"\s*\|\s*baotintuc\.vn\s*$", "", clean_line(sel.css("title::text").get()))
    return title


def _sapo(sel: Selector, ld: dict) -> str:
    return (
        _first(sel, css.SAPO)
        or _meta(sel, "og:description")
        or _ld(ld, "NewsArticle", "description")
    )


def _byline(sel: Selector) -> tuple[tuple[str, ...], str]:
    """Authors and agency from `<div class="author"><strong>A - B</strong><i> (TTXVN)</i>`."""
    for query in css.AUTHOR:
        node = sel.css(query)
        if not node:
            continue
        names = clean_line(" ".join(node[0].css("strong ::text").getall()))
        whole = clean_line(" ".join(node[0].css("::text").getall()))
        agency_match = _BYLINE_AGENCY.search(whole)
        agency = clean_line(agency_match.group(1)) if agency_match else ""
        if not names:
            names = clean_line(_BYLINE_AGENCY.sub("", whole))
        authors = tuple(n for n in (clean_line(p) for p in re.split(r"\s+-\s+|,", names)) if n)
        if authors or agency:
            return authors, agency
    return (), ""


def _category(sel: Selector, ld: dict) -> tuple[str, str]:
    for query in css.CATEGORY_LINK:
        for link in sel.css(query):
            name = clean_line(
                " ".join(link.css("::text").getall()) or _unescape_leftovers(link.attrib.get("title", ""))
            )
            href = link.attrib.get("href", "")
            if name:
                return name, urljoin(CANONICAL_ORIGIN, href) if href else ""
    crumbs = ld.get("BreadcrumbList", {}).get("itemListElement", [])
    for crumb in crumbs if isinstance(crumbs, list) else []:
        item = crumb.get("item", {}) if isinstance(crumb, dict) else {}
        if isinstance(crumb, dict) and crumb.get("position") == 2 and isinstance(item, dict):
            return clean_line(item.get("name", "")), str(item.get("@id", ""))
    return _meta(sel, "article:section"), ""


def _tags(sel: Selector) -> tuple[str, ...]:
    keywords = _meta(sel, "news_keywords")
    candidates = keywords.split(",") if keywords else []
    candidates += sel.css('meta[property="article:tag"]::attr(content)').getall()
    candidates += [" ".join(a.css("::text").getall()) for a in sel.css(css.TAG_LINKS)]
    seen: dict[str, str] = {}
    for raw in candidates:
        tag = clean_line(raw).strip(" ,;")
        if tag and tag.casefold() not in seen:
            seen[tag.casefold()] = tag
    return tuple(seen.values())


def _lead_image(sel: Selector, ld: dict) -> str:
    image = _meta(sel, "og:image", "og:image:url", "og:image:secure_url", "image")
    if not image:
        value = ld.get("NewsArticle", {}).get("image")
        image = value.get("url", "") if isinstance(value, dict) else value if isinstance(value, str) else ""
    return urljoin(CANONICAL_ORIGIN, image.strip()) if image else ""


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


def _published(sel: Selector, ld: dict, site_id: str, created: datetime) -> str:
    """The first publication time that is consistent with the id's creation time."""
    candidates = [
        _meta(sel, "article:published_time", "datePublished"),
        _ld(ld, "NewsArticle", "datePublished"),
        _first(sel, css.VISIBLE_DATE),
    ]
    for candidate in candidates:
        parsed = _parse_date(candidate)
        if parsed and parsed >= created - _MAX_PUBLISHED_BEFORE_ID:
            return iso_vietnam(parsed)
        if parsed:
            logger.warning("date %s contradicts article id %s; ignored", candidate, site_id)
    return iso_vietnam(created)


def _modified(sel: Selector, ld: dict, published: str) -> str:
    for candidate in (
        _meta(sel, "article:modified_time", "dateModified"),
        _ld(ld, "NewsArticle", "dateModified"),
    ):
        parsed = _parse_date(candidate)
        if parsed and iso_vietnam(parsed) >= published:
            return iso_vietnam(parsed)
    return published


# -- body ----------------------------------------------------------------------------------------


def _body(sel: Selector, page: str, base_url: str) -> tuple[str, str]:
    """The article body as clean HTML, and the name of the layout that produced it."""
    attempts: list[tuple[str, list[str]]] = [
        ("current", sel.css(css.BODY_CURRENT).getall()),
        ("current", sel.css(css.BODY_CURRENT_WHOLE).getall()[:1]),
    ]
    attempts += [("old", sel.css(query).getall()[:1]) for query in css.BODY_OLD]
    for layout, fragments in attempts:
        body = clean_body_html("".join(fragments), base_url)
        if html_to_text(body):
            return body, layout
    return _generic_body(page, base_url), "generic"


def clean_body_html(fragment: str, base_url: str) -> str:
    """Keep only article markup: no ads, scripts, wrappers or styling; absolute URLs."""
    if not fragment.strip():
        return ""
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for junk in root.cssselect(css.BODY_JUNK):
        junk.drop_tree()
    for img in root.iter("img"):
        lazy = img.get("data-src") or img.get("data-original")
        if lazy and (not img.get("src") or img.get("src", "").startswith("data:")):
            img.set("src", lazy)
    root = _CLEANER.clean_html(root)
    root.make_links_absolute(base_url, resolve_base_href=False)
    for element in root.iter("p", "figcaption", "li", "h2", "h3", "h4"):
        if not element.text_content().strip() and not len(element):
            element.drop_tree()
    for img in root.iter("img"):
        if img.get("alt"):
            img.set("alt", clean_line(_unescape_leftovers(img.get("alt", ""))))
    inner = (root.text or "") + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in root
    )
    return clean_text(inner)


def html_to_text(body_html: str) -> str:
    """Plain text of a body: one paragraph (or caption, list item) per block, blank-line separated."""
    if not body_html.strip():
        return ""
    root = lxml.html.fragment_fromstring(body_html, create_parent="div")
    blocks = [clean_line(el.text_content()) for el in root.iter(*_BLOCKS) if not _inside_block(el)]
    if not any(blocks):
        blocks = [clean_line(root.text_content())]
    return "\n\n".join(b for b in blocks if b)


def _inside_block(element: lxml.html.HtmlElement) -> bool:
    return any(parent.tag in _BLOCKS for parent in element.iterancestors())


def _images(body_html: str) -> Iterator[Image]:
    if not body_html:
        return
    root = lxml.html.fragment_fromstring(body_html, create_parent="div")
    for img in root.iter("img"):
        src = img.get("src", "")
        if not src or src.startswith("data:"):
            continue
        figure = next((p for p in img.iterancestors() if p.tag == "figure"), None)
        captions = figure.findall(".//figcaption") if figure is not None else []
        caption = clean_line(captions[0].text_content()) if captions else ""
        yield Image(url=src, caption=caption)


def _generic_body(page: str, base_url: str) -> str:
    """Last resort when no known template matches: trafilatura's main-text extraction."""
    import trafilatura  # imported lazily: it is slow to import and rarely needed

    text = trafilatura.extract(page, url=base_url, include_comments=False, include_tables=False)
    if not text:
        return ""
    paragraphs = [clean_line(line) for line in text.split("\n")]
    return "\n".join(f"<p>{htmllib.escape(p, quote=False)}</p>" for p in paragraphs if p)
