"""Turn a listing or tag page into its own items and its pagination: a pure function, no network.

A listing's items are its lead item, the three under it and its main list (docs/site.md §6): the
boxes around them list other articles. Each item has what a reader sees of an article before
opening it, a title and (most) a summary, and its id tells when it was created, which is enough
to decide whether an article is worth fetching.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from parsel import Selector

from core.clock import id_time
from core.text import clean_line
from crawler import selectors as css
from crawler.htmlbody import unescape_leftovers
from crawler.urls import Kind, Site, article_id, page_number


@dataclass(frozen=True)
class ListingItem:
    url: str  # canonical
    site_id: str
    title: str
    summary: str  # "" where the site shows none (the three top items)
    image: str
    block: str  # "lead", "top" or "list" (selectors.LISTING_BLOCKS)

    @property
    def created(self) -> datetime | None:
        """When the article was created (its id says), Vietnam time."""
        return id_time(self.site_id)


@dataclass(frozen=True)
class ListingPage:
    url: str  # canonical
    page: int  # 1 for the first page
    items: tuple[ListingItem, ...]  # in page order, each article once
    pages: tuple[str, ...]  # the other pages its pagination links to (canonical), in order
    next_page: str | None  # the page after this one, when the pagination names one


def extract_listing(page: str, url: str, *, site: Site = Site(), parsed: Selector | None = None) -> ListingPage:
    """The listing's own items and pagination; `url` is where the page was fetched from."""
    sel = parsed if parsed is not None else Selector(text=page)
    canonical = site.to_canonical(url)
    items: dict[str, ListingItem] = {}
    for block, query in css.LISTING_BLOCKS:
        for node in sel.css(query):
            item = _item(node, block, url, site)
            if item is not None and item.site_id not in items:
                items[item.site_id] = item
    pages, next_page = _pagination(sel, url, site, page_number(canonical))
    return ListingPage(canonical, page_number(canonical), tuple(items.values()), pages, next_page)


def _item(node: Selector, block: str, base: str, site: Site) -> ListingItem | None:
    for query in css.LISTING_ITEM_TITLE:
        for link in node.css(query):
            target = site.resolve(link.attrib.get("href", ""), base)
            title = clean_line(" ".join(link.css("::text").getall())) or clean_line(
                unescape_leftovers(link.attrib.get("title", ""))
            )
            if target is None or target[1] is not Kind.ARTICLE or not title:
                continue
            summary = clean_line(" ".join(node.css(css.LISTING_ITEM_SUMMARY).css("::text").getall()))
            image = node.css("img::attr(data-src), img::attr(src)").get() or ""
            return ListingItem(target[0], article_id(target[0]) or "", title, summary, image.strip(), block)
    return None


def _pagination(sel: Selector, base: str, site: Site, current: int) -> tuple[tuple[str, ...], str | None]:
    pages: dict[str, None] = {}
    next_page = None
    for query in css.PAGINATION_LINKS:
        for link in sel.css(query):
            target = site.resolve(link.attrib.get("href", ""), base)
            if target is None or target[1] not in (Kind.LISTING, Kind.TAG):
                continue  # the current page's javascript:void(0), and strangers
            number = page_number(target[0])
            text = clean_line(" ".join(link.css("::text").getall()))
            if number != current:
                pages.setdefault(target[0], None)
            if next_page is None and (text == css.NEXT_PAGE_TEXT or number == current + 1):
                next_page = target[0]
    return tuple(pages), next_page
