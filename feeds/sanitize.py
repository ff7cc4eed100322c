"""Article HTML made safe for feed readers: an allowlist, absolute URLs, bounded size.

Why not trust the stored body (the crawler already cleans it): a feed reader renders `content`
inside its own page, so whatever passes here runs with the reader's privileges. This module
assumes the worst about its input and is the last word on what reaches readers.

Steps, each for a reason:
1. lxml resolves lazy images (`data-src` & co. into `src`): they would be stripped otherwise.
2. nh3 (ammonia) keeps only the tags and attributes below, drops `<script>`, `<style>`,
   `<iframe>`, SVG, MathML and their content, every event handler and `style`, and any URL whose
   scheme is not http, https or mailto (after decoding entities, so `&#106;avascript:` goes too);
   it resolves relative URLs against the article's URL.
3. Characters XML 1.0 forbids are removed, and a body too large for a feed is cut at a paragraph
   with a link to the full article.
"""

from __future__ import annotations

import html
import logging

import lxml.etree
import lxml.html
import nh3

from core.text import clean_line, strip_xml_forbidden
from core.urls import SITE_NAME, SITE_ORIGIN, is_web_url

logger = logging.getLogger(__name__)

# A feed is fetched whole by every reader at every poll: a body above this is cut.
MAX_CONTENT_CHARS = 100_000

TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "small",
    "mark",
    "abbr",
    "blockquote",
    "q",
    "cite",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "a",
    "img",
    "figure",
    "figcaption",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "caption",
    "pre",
    "code",
    "span",
    "div",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "abbr": {"title"},
    "ol": {"start"},
}
# Removed with everything inside them (other tags outside TAGS are unwrapped, text kept).
DROP_WITH_CONTENT = {
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "svg",
    "math",
    "template",
    "noscript",
    "noembed",
    "noframes",
    "textarea",
    "select",
    "button",
    "form",
    "canvas",
    "audio",
    "video",
    "head",
    "title",
    "xmp",
    "plaintext",
}
URL_SCHEMES = {"http", "https", "mailto"}
LAZY_ATTRIBUTES = ("data-src", "data-original", "data-lazy-src", "data-lazy", "data-url")


def sanitize_html(body_html: str, base_url: str) -> str:
    """Safe HTML for a feed's `content`, every URL absolute (see the module docstring)."""
    text = strip_xml_forbidden(body_html or "")
    if not text.strip():
        return ""
    if not is_web_url(base_url):
        base_url = SITE_ORIGIN + "/"
    try:
        text = _resolve_lazy_images(text)
    except (lxml.etree.LxmlError, ValueError) as error:  # nh3 alone still makes it safe
        logger.warning("cannot pre-parse an article body (%s); sanitising it as is", error)
    cleaned = nh3.clean(
        text,
        tags=TAGS,
        clean_content_tags=DROP_WITH_CONTENT,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        url_relative=("rewrite_with_base", base_url),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return strip_xml_forbidden(cleaned).strip()


def bounded_content(safe_html: str, body_text: str, article_url: str) -> str:
    """`safe_html`, or when it is too large, its text cut at a paragraph plus a "read on" link."""
    if len(safe_html) <= MAX_CONTENT_CHARS:
        return safe_html
    budget = MAX_CONTENT_CHARS - 500
    paragraphs: list[str] = []
    for paragraph in (body_text or "").split("\n\n"):
        piece = f"<p>{html.escape(clean_line(paragraph), quote=False)}</p>"
        if len(piece) > budget:
            if not paragraphs:  # one giant paragraph: cut inside it
                paragraphs.append(f"<p>{html.escape(clean_line(paragraph)[: budget // 2])}…</p>")
            break
        paragraphs.append(piece)
        budget -= len(piece)
    if is_web_url(article_url):
        href = html.escape(article_url, quote=True)
        paragraphs.append(
            f'<p><a href="{href}" rel="noopener noreferrer">Đọc toàn văn trên {SITE_NAME}</a></p>'
        )
    return strip_xml_forbidden("\n".join(paragraphs))


def _resolve_lazy_images(fragment: str) -> str:
    """`<img data-src=…>` (and a placeholder or missing `src`) → `<img src=…>`."""
    if "<img" not in fragment.lower():
        return fragment
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    changed = False
    for img in root.iter("img"):
        lazy = next((img.get(a) for a in LAZY_ATTRIBUTES if (img.get(a) or "").strip()), None)
        src = (img.get("src") or "").strip()
        if lazy and (not src or src.lower().startswith("data:") or "placeholder" in src.lower()):
            img.set("src", lazy.strip())
            changed = True
    if not changed:
        return fragment
    return (root.text or "") + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in root
    )
