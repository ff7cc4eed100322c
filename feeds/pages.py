"""The web pages beside the feeds, and the OPML files: what each shows, rendered. Pure.

- `index.html` (`/`): every feed with its newest articles, its Atom URL to copy and an OPML
  link; a chart of articles per month per topic (feeds.chart); when the last crawl ran.
- `<slug>/index.html` (`/<slug>/`): the entries of the feed's current document;
  `<slug>/archive-N.html`: the entries of archive page N (`<slug>/archive-N.atom`), so the web
  pages are paged exactly like the feed's RFC 5005 archive. Each entry shows its date,
  section, summary, tags, a link to the original and why it matched.
- `feeds.opml` (every feed) and `<slug>.opml` (one feed), for readers that import OPML.

Each page is a function of a plain view (the dataclasses below) and nothing else: no clock, so
the same view always gives the same bytes. feeds.regenerate decides when a view changed.
Links between pages are relative (they work under any base URL and behind a proxy); the URLs
to subscribe to are absolute (they are copied into a reader).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import lxml.etree

from core.clock import VIETNAM_TZ, parse_time
from core.feed_types import CrawlSummary
from core.urls import SITE_NAME, SITE_ORIGIN
from feeds import templating
from feeds.cards import Card, vietnamese_date, vietnamese_int
from feeds.chart import Chart

SITE_TITLE = f"Tin tức {SITE_NAME} theo chủ đề"
INTRO = (
    f"Các bài viết của {SITE_NAME} (Thông tấn xã Việt Nam) được chọn lọc theo chủ đề, cập nhật"
    " sau mỗi lần thu thập. Đọc ngay tại đây, hoặc sao chép địa chỉ một nguồn tin vào trình đọc"
    " tin (Miniflux, FreshRSS, Feedly…) để theo dõi."
)
NEWEST_ON_INDEX = 5  # articles of each feed on the index
INDEX = "index.html"
OPML = "feeds.opml"


@dataclass(frozen=True)
class Listing:
    """One feed as the index and the OPML files show it."""

    slug: str
    title: str
    subtitle: str
    url: str  # the feed's absolute URL
    alternate_url: str  # the feed's web page (absolute)
    entries: int  # entries in the current document
    total: int | None  # articles the feed selects in all (None: unknown, e.g. a failed run)
    archive_pages: int
    updated: datetime | None  # newest entry's update, None for an empty feed

    @property
    def opml_name(self) -> str:
        return f"{self.slug}.opml"


@dataclass(frozen=True)
class FeedOnIndex:
    listing: Listing
    newest: tuple[Card, ...]  # its newest articles, newest first
    opml_url: str
    stale: bool = False  # this regeneration failed for it: what it shows is the last good one


@dataclass(frozen=True)
class Crawls:
    """When crawls ran, written for people (from core.feed_types.CrawlSummary)."""

    last: str  # "03/12/2026 14:05", "" when none ever ended
    last_iso: str
    failed: bool  # the last one did not succeed
    last_ok: str  # when the last good one ended, "" when none
    last_ok_iso: str


@dataclass(frozen=True)
class IndexPage:
    feeds: tuple[FeedOnIndex, ...]
    opml_url: str  # every feed
    crawls: Crawls
    chart: Chart | None  # None: no topic to chart


@dataclass(frozen=True)
class FeedPage:
    """A feed's web page: its current document (`number` None) or archive page `number`."""

    slug: str
    title: str
    subtitle: str
    feed_url: str  # the current document's absolute URL: what people subscribe to
    opml_url: str
    document_url: str  # the Atom document with the same entries
    related_url: str  # the site (the definition's `link`)
    number: int | None
    cards: tuple[Card, ...]
    older: str | None  # relative links to the neighbouring pages
    newer: str | None
    oldest: str | None  # the first archive page, from the current page
    total: int | None  # articles the feed selects (the current page only)
    archive_pages: int  # (the current page only)

    @property
    def path(self) -> str:
        return page_path(self.slug, self.number)


def page_path(slug: str, number: int | None) -> str:
    """Where a feed's web page lives, relative to the output directory."""
    return f"{slug}/index.html" if number is None else f"{slug}/archive-{number}.html"


def page_link(number: int | None) -> str:
    """A link from one of a feed's pages to another (they share a folder)."""
    return "./" if number is None else f"archive-{number}.html"


def crawls(summary: CrawlSummary) -> Crawls:
    last = parse_time(summary.last_ended)
    good = parse_time(summary.last_ok)
    return Crawls(
        last=_local(last),
        last_iso=_iso(last),
        failed=last is not None and summary.last_status != "ok",
        last_ok=_local(good),
        last_ok_iso=_iso(good),
    )


def index_html(page: IndexPage) -> bytes:
    """`/`: every feed, its newest articles, how to subscribe, the chart, the last crawl."""
    return templating.render(
        "index.html", page=page, site_title=SITE_TITLE, intro=INTRO, root="", number=vietnamese_int,
        site_name=SITE_NAME, site_url=SITE_ORIGIN + "/",
    )  # fmt: skip


def feed_page_html(page: FeedPage) -> bytes:
    """`/<slug>/` or `/<slug>/archive-N.html`: the entries of one Atom document, explained."""
    return templating.render(
        "feed.html", page=page, site_title=SITE_TITLE, root="../", number=vietnamese_int,
        site_name=SITE_NAME, site_url=SITE_ORIGIN + "/",
    )  # fmt: skip


def opml(listings: Sequence[Listing], *, title: str = SITE_TITLE) -> bytes:
    """An OPML 2.0 file of the feeds, for importing them into a reader at once."""
    root = lxml.etree.Element("opml", version="2.0")
    head = lxml.etree.SubElement(root, "head")
    lxml.etree.SubElement(head, "title").text = title
    body = lxml.etree.SubElement(root, "body")
    for item in listings:
        lxml.etree.SubElement(
            body,
            "outline",
            type="rss",
            text=item.title,
            title=item.title,
            description=item.subtitle,
            xmlUrl=item.url,
            htmlUrl=item.alternate_url,
            language="vi",
        )
    return lxml.etree.tostring(root, pretty_print=True, encoding="UTF-8", xml_declaration=True)


def _local(moment: datetime | None) -> str:
    return vietnamese_date(moment.astimezone(VIETNAM_TZ)) if moment else ""


def _iso(moment: datetime | None) -> str:
    return moment.astimezone(VIETNAM_TZ).isoformat(timespec="seconds") if moment else ""
