"""The pages beside the feeds: index.html (for people and autodiscovery) and feeds.opml.

Pure functions of the feed listings, with no clock in them, so they too change only when a
feed's title, description, entry count or newest update does.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import lxml.etree

from core.clock import VIETNAM_TZ

SITE_TITLE = "Tin tức baotintuc.vn theo chủ đề"
INTRO = (
    "Các nguồn tin Atom lọc bài viết của baotintuc.vn theo chủ đề. Sao chép địa chỉ một nguồn tin"
    " vào trình đọc tin (Miniflux, FreshRSS, Feedly…) để theo dõi."
)


@dataclass(frozen=True)
class Listing:
    """One feed as the index and the OPML file show it."""

    slug: str
    title: str
    subtitle: str
    url: str  # the feed's absolute URL
    alternate_url: str
    entries: int  # entries in the current document
    total: int | None  # articles the feed selects in all (None: unknown, e.g. a failed run)
    archive_pages: int
    updated: datetime | None  # newest entry's update, None for an empty feed


def index_html(listings: Sequence[Listing], *, opml_url: str) -> bytes:
    """index.html: every feed with its description and counts, and autodiscovery links."""
    e = html.escape
    head_links = "\n".join(
        f'  <link rel="alternate" type="application/atom+xml" title="{e(item.title)}" href="{e(item.url)}">'
        for item in listings
    )
    rows = "\n".join(_feed_row(item) for item in listings) or "  <p>Chưa có nguồn tin nào.</p>"
    page = f"""<!DOCTYPE html>
<html lang="vi">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{e(SITE_TITLE)}</title>
{head_links}
  <style>
    body {{ font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }}
    section {{ border-top: 1px solid #ccc; padding: .5rem 0; }}
    code {{ word-break: break-all; }}
    .meta {{ color: #555; font-size: .9rem; }}
  </style>
</head>
<body>
  <h1>{e(SITE_TITLE)}</h1>
  <p>{e(INTRO)}</p>
{rows}
  <p class="meta">Danh sách cho trình đọc tin: <a href="{e(opml_url)}">feeds.opml</a> (OPML).
  Nội dung thuộc bản quyền của <a href="https://baotintuc.vn/">baotintuc.vn</a>.</p>
</body>
</html>
"""
    return page.encode("utf-8")


def _feed_row(item: Listing) -> str:
    e = html.escape
    counts = f"{item.entries} bài mới nhất"
    if item.total is not None:
        counts += f" trên tổng số {item.total} bài"
    if item.archive_pages:
        first = item.url.rsplit(".atom", 1)[0] + "/archive-1.atom"
        counts += f', {item.archive_pages} trang lưu trữ (từ <a href="{e(first)}">trang 1</a>)'
    updated = f" · cập nhật {_vietnam_time(item.updated)}" if item.updated else ""
    return f"""  <section id="{e(item.slug)}">
    <h2><a href="{e(item.url)}">{e(item.title)}</a></h2>
    <p>{e(item.subtitle)}</p>
    <p class="meta">{counts}{updated}<br><code>{e(item.url)}</code></p>
  </section>"""


def opml(listings: Sequence[Listing], *, title: str = SITE_TITLE) -> bytes:
    """feeds.opml (OPML 2.0): every feed, for importing them all into a reader at once."""
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


def _vietnam_time(moment: datetime) -> str:
    return moment.astimezone(VIETNAM_TZ).strftime("%H:%M %d/%m/%Y (giờ Việt Nam)")
