"""An article's body, from the page's markup to clean HTML and plain text: pure functions.

The site's body container holds more than the article (an ad player, tracking, the related box,
the byline, share buttons): `clean_body_html` keeps only article markup, with absolute URLs.
`generic_body` is the last resort when no known template matches.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterator

import lxml.html
from lxml_html_clean import Cleaner

from core.model import Image
from core.text import clean_line, clean_text
from crawler import selectors as css

_LEFTOVER_ENTITY = re.compile(r"&(#\d+|#x[0-9a-f]+|[a-z]+\d*);", re.IGNORECASE)
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


def unescape_leftovers(value: str) -> str:
    """Decode entities left after the parser's pass: the site double-escapes some attributes."""
    return htmllib.unescape(value) if _LEFTOVER_ENTITY.search(value) else value


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
            img.set("alt", clean_line(unescape_leftovers(img.get("alt", ""))))
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


def images(body_html: str) -> Iterator[Image]:
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


def generic_body(page: str, base_url: str) -> str:
    """Last resort when no known template matches: trafilatura's main-text extraction."""
    import trafilatura  # imported lazily: it is slow to import and rarely needed

    text = trafilatura.extract(page, url=base_url, include_comments=False, include_tables=False)
    if not text:
        return ""
    paragraphs = [clean_line(line) for line in text.split("\n")]
    return "\n".join(f"<p>{htmllib.escape(p, quote=False)}</p>" for p in paragraphs if p)
