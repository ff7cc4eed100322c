"""Atom 1.0 documents: render one with feedgen (pure: same input, same bytes) and check one.

Why feedgen 0.9: feedgen 1.0.0 drops `rel`, `type` and `length` from entry-level links, which
turns the lead-image enclosure into a second alternate link; 0.9 writes them (pinned in
pyproject.toml, guarded by tests/test_feeds_atom.py). feedgen's defaults that depend on the
clock (the feed's and entries' `updated`) are always overwritten here: a document's `updated` is
its newest entry's, so regenerating an unchanged feed yields the same bytes.

`check_atom` is the structural check run before anything is published, where the RELAX NG
schema is not available: it parses the bytes and checks what RFC 4287 requires and what this
project promises (absolute http(s) links, tag:/urn: ids, safe content). Tests additionally
validate against the RFC's RELAX NG schema and feedparser.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

import lxml.etree
import lxml.html
from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseExtension
from feedgen.feed import FeedGenerator

from core.project import NAME, PROJECT_URL, VERSION
from core.urls import SITE_NAME, SITE_ORIGIN, is_web_url
from feeds.entries import Entry

ATOM_NS = "http://www.w3.org/2005/Atom"
FH_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LANGUAGE = "vi"
ICON = "https://cdnstatic.baotintuc.vn/Images/icon.gif"  # the site's own favicon
# An empty feed still needs an `updated`; a fixed instant keeps its bytes stable.
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class FeedDocument:
    """Everything one Atom document says: a current feed or one archive page."""

    feed_id: str
    title: str
    subtitle: str
    self_url: str
    alternate_url: str  # the web page showing the same entries (rel="alternate", text/html)
    entries: Sequence[Entry]  # in document order (newest first)
    links: tuple[tuple[str, str], ...] = ()  # extra (rel, href): prev-archive, current…
    archive: bool = False  # an RFC 5005 archive document (fh:archive)
    icon: str = ICON
    author: str = SITE_NAME
    author_uri: str = SITE_ORIGIN + "/"
    # Another page about the feed (rel="related"): the site. Atom allows one alternate link per
    # type and language (RFC 4287 4.1.1), and that one is our own web page.
    related_url: str = ""

    @property
    def updated(self) -> datetime:
        """The newest entry's `updated`; never the clock."""
        return max((entry.updated for entry in self.entries), default=EMPTY_FEED_UPDATED)


class _FeedHistory(BaseExtension):
    """Adds <fh:archive/> (RFC 5005) to a feed; feedgen has no such extension."""

    def extend_ns(self) -> dict[str, str]:
        return {"fh": FH_NS}

    def extend_atom(self, feed: lxml.etree._Element) -> lxml.etree._Element:
        lxml.etree.SubElement(feed, f"{{{FH_NS}}}archive")
        return feed


def render(document: FeedDocument) -> bytes:
    """The document as UTF-8 Atom XML."""
    fg = FeedGenerator()
    fg.id(document.feed_id)
    fg.title(document.title)
    if document.subtitle:
        fg.subtitle(document.subtitle)
    fg.language(LANGUAGE)
    fg.updated(document.updated)
    fg.author({"name": document.author, "uri": document.author_uri})
    fg.generator(NAME, version=VERSION, uri=PROJECT_URL)
    fg.icon(document.icon)
    fg.link(href=document.self_url, rel="self", type="application/atom+xml")
    fg.link(href=document.alternate_url, rel="alternate", type="text/html")
    if document.related_url:
        fg.link(href=document.related_url, rel="related", type="text/html")
    for rel, href in document.links:
        fg.link(href=href, rel=rel, type="application/atom+xml")
    for entry in document.entries:
        fg.add_entry(_feed_entry(entry), order="append")
    if document.archive:
        fg.register_extension("fh", _FeedHistory, None, atom=True, rss=False)
    return fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)


def _feed_entry(entry: Entry) -> FeedEntry:
    fe = FeedEntry()
    fe.id(entry.id)
    fe.title(entry.title)
    fe.updated(entry.updated)
    fe.published(entry.published)
    fe.author([{"name": name} for name in entry.authors])
    if entry.link:
        fe.link(href=entry.link, rel="alternate", type="text/html")
    if entry.enclosure:
        fe.link(href=entry.enclosure.href, rel="enclosure", type=entry.enclosure.type)
    if entry.summary:
        fe.summary(entry.summary)
    if entry.content:
        fe.content(entry.content, type="html")
    if entry.categories:
        fe.category(
            [
                {"term": c.term, "scheme": c.scheme, **({"label": c.label} if c.label else {})}
                for c in entry.categories
            ]
        )
    return fe


# -- structural check ----------------------------------------------------------------------------

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_ID = re.compile(
    r"^(tag:[^\s]+|urn:[a-z0-9][a-z0-9-]{0,31}:[^\s]+|https?://[^\s]+)$", re.IGNORECASE
)
_UNSAFE_TAGS = {
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "form",
    "base",
    "meta",
    "link",
}
_PARSER = lxml.etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)


@dataclass
class _Problems:
    items: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        if len(self.items) < 20:
            self.items.append(message)


def check_atom(data: bytes, *, archive: bool = False) -> list[str]:
    """What is wrong with an Atom document, [] when nothing: the runtime gate before publishing."""
    problems = _Problems()
    try:
        root = lxml.etree.fromstring(data, _PARSER)
    except lxml.etree.XMLSyntaxError as error:
        return [f"not well-formed XML: {error}"]
    a = f"{{{ATOM_NS}}}"
    if root.tag != f"{a}feed":
        return [f"the root element is {root.tag}, not atom:feed"]
    if root.get(XML_LANG) != LANGUAGE:
        problems.add(f'the feed has no xml:lang="{LANGUAGE}"')
    _check_common(root, "feed", problems)
    links = root.findall(f"{a}link")
    if [link.get("rel") for link in links].count("self") != 1:
        problems.add('the feed needs exactly one rel="self" link')
    feed_has_author = root.find(f"{a}author/{a}name") is not None
    if archive:
        if root.find(f"{{{FH_NS}}}archive") is None:
            problems.add("an archive document needs fh:archive")
        if "current" not in [link.get("rel") for link in links]:
            problems.add('an archive document needs a rel="current" link')
    ids = set()
    for number, entry in enumerate(root.findall(f"{a}entry"), start=1):
        where = f"entry {number}"
        _check_common(entry, where, problems)
        entry_id = entry.findtext(f"{a}id")
        if entry_id in ids:
            problems.add(f"{where}: duplicate id {entry_id}")
        ids.add(entry_id)
        if not feed_has_author and entry.find(f"{a}author/{a}name") is None:
            problems.add(f"{where}: no author (and the feed has none)")
        alternate = [
            l for l in entry.findall(f"{a}link") if l.get("rel", "alternate") == "alternate"
        ]
        content = entry.findall(f"{a}content")
        if not alternate and not content:
            problems.add(f"{where}: neither an alternate link nor content")
        for element in content + entry.findall(f"{a}summary"):
            kind = element.get("type", "text")
            if kind not in ("text", "html"):
                problems.add(f"{where}: {element.tag} of type {kind!r}")
            elif kind == "html" and element.text:
                _check_html(element.text, where, problems)
        for name in ("published",):
            for element in entry.findall(f"{a}{name}"):
                if not _RFC3339.match(element.text or ""):
                    problems.add(f"{where}: {name} is not an RFC 3339 time")
    return problems.items


def _check_common(element: lxml.etree._Element, where: str, problems: _Problems) -> None:
    a = f"{{{ATOM_NS}}}"
    for name in ("id", "title", "updated"):
        found = element.findall(f"{a}{name}")
        if len(found) != 1:
            problems.add(f"{where}: needs exactly one {name} (has {len(found)})")
    if not _ID.match(element.findtext(f"{a}id") or ""):
        problems.add(f"{where}: id is not a tag:, urn: or http(s) IRI")
    if not (element.findtext(f"{a}title") or "").strip():
        problems.add(f"{where}: empty title")
    if not _RFC3339.match(element.findtext(f"{a}updated") or ""):
        problems.add(f"{where}: updated is not an RFC 3339 time")
    for author in element.findall(f"{a}author"):
        if not (author.findtext(f"{a}name") or "").strip():
            problems.add(f"{where}: an author without a name")
    for link in element.findall(f"{a}link"):
        if not is_web_url(link.get("href", "")):
            problems.add(f"{where}: link {link.get('href')!r} is not an absolute http(s) URL")
    for category in element.findall(f"{a}category"):
        if not category.get("term"):
            problems.add(f"{where}: a category without a term")


def _check_html(markup: str, where: str, problems: _Problems) -> None:
    """Defence in depth: the sanitiser's promises, checked again on the final bytes."""
    try:
        fragment = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (lxml.etree.LxmlError, ValueError) as error:
        problems.add(f"{where}: content is not parseable HTML ({error})")
        return
    for element in fragment.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag.lower() in _UNSAFE_TAGS:
            problems.add(f"{where}: content contains <{element.tag}>")
        for name, value in element.attrib.items():
            if name.lower().startswith("on") or name.lower() == "style":
                problems.add(f"{where}: content has a {name} attribute")
            if name.lower() in ("href", "src") and not (
                is_web_url(value, strict=False)
                or (name.lower() == "href" and value.startswith("mailto:"))
            ):
                problems.add(f"{where}: content has a non-absolute or unsafe URL {value[:80]!r}")
