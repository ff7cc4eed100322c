"""An RSS 2.0 feed of the site as a list of its items: a pure function, no network.

What an item holds is not documented anywhere (docs/site.md §8): we rely on `link` (or `guid`),
`title`, `description` (its text, once any HTML in it is dropped) and `pubDate` when there is
one, and on nothing else.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from datetime import datetime

import lxml.html
from parsel import Selector

from core.text import clean_line
from crawler.urls import Kind, Site, article_id


@dataclass(frozen=True)
class FeedItem:
    url: str  # canonical
    site_id: str
    title: str
    summary: str  # the description's text
    published: datetime | None  # pubDate, when given and readable


def parse_rss(text: str, url: str, *, site: Site = Site()) -> tuple[FeedItem, ...]:
    """The feed's article items, in feed order (others, and strangers' links, left out)."""
    try:
        items = Selector(text=text, type="xml").xpath("//item")
    except ValueError:
        return ()
    found = []
    for item in items:
        href = clean_line(item.xpath("link/text()").get() or item.xpath("guid/text()").get())
        target = site.resolve(href, url)
        if target is None or target[1] is not Kind.ARTICLE:
            continue
        found.append(FeedItem(
            url=target[0],
            site_id=article_id(target[0]) or "",
            title=clean_line(" ".join(item.xpath("title/text()").getall())),
            summary=_text(" ".join(item.xpath("description/text()").getall())),
            published=_date(item.xpath("pubDate/text()").get()),
        ))  # fmt: skip
    return tuple(found)


def _text(markup: str) -> str:
    """The text of a description that may hold HTML (a thumbnail link, then the sapo)."""
    if "<" not in markup:
        return clean_line(markup)
    try:
        return clean_line(lxml.html.fragment_fromstring(markup, create_parent="div").text_content())
    except (lxml.etree.LxmlError, ValueError):
        return clean_line(markup)


def _date(value: str | None) -> datetime | None:
    try:
        return email.utils.parsedate_to_datetime(value.strip()) if value else None
    except (TypeError, ValueError):
        return None
