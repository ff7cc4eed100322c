"""URL routing of the replica: from a request path and a site snapshot to a response.

Pure (no sockets, no clock), so the URL rules can be read in one place and tested without a
server. The rules follow docs/site.md §2: category listings ``/<slug>-<id>ct<parent>.htm`` with
``/trang-N.htm`` pages and ``/d<D>-<M>-<YYYY>.htm`` day archives, tag pages in raw or
percent-encoded UTF-8 with ``/trang-N.htm`` pages, articles
``/<section>/<slug>-<17 digits>.htm``, RSS under ``/rss/``; everything else (video pages,
megastory, print and share links, search) is a 404.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import unquote_to_bytes

from . import render
from .corpus import SITE_ORIGIN, ReplicaArticle
from .site import (
    SITE_DATE,
    SiteState,
    newest_modified,
    normalize_tag,
    paginate,
    paginate_listing,
    tag_keyword,
)

__all__ = [
    "DEFAULT_ROBOTS",
    "HTML",
    "RSS",
    "TEXT",
    "Response",
    "Robots",
    "decode_path",
    "resolve",
]

HTML = "text/html; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"

DEFAULT_ROBOTS = """User-agent: *
Disallow: /Handler/
Disallow: /Search.aspx
Disallow: /ban-doc/

Sitemap: https://baotintuc.vn/sitemap.xml
"""
"""The real robots.txt is unknown (docs/site.md §1). These rules keep crawlers out of the AJAX
handlers and search, and out of reader-submitted articles (``/ban-doc/<slug>-<id>.htm``) while
leaving the ``/ban-doc-583ct0.htm`` listing allowed, which tests a robots parser properly."""


@dataclass(frozen=True)
class Robots:
    """The robots.txt body and when it last changed."""

    text: str = DEFAULT_ROBOTS
    last_modified: datetime = SITE_DATE


@dataclass(frozen=True)
class Response:
    """What to send: ``last_modified`` is None for error pages (they carry no validators);
    ``headers`` are extra response headers (``Location``, ``Retry-After``)."""

    status: int
    content_type: str
    body: str
    last_modified: datetime | None = None
    headers: tuple[tuple[str, str], ...] = ()


def decode_path(raw_target: str) -> str:
    """The path of a request target, percent-decoded as UTF-8, without query or fragment.

    ``raw_target`` is the target as ``http.server`` gives it (the request line decoded as
    Latin-1), so raw UTF-8 bytes and ``%XX`` escapes decode to the same text.
    """
    path = raw_target.split("?", 1)[0].split("#", 1)[0]
    raw = unquote_to_bytes(path.encode("latin-1", errors="replace"))
    return raw.decode("utf-8", errors="replace")


_Handler = Callable[[SiteState, "re.Match[str]", Robots], "Response | None"]
_ROUTES: list[tuple[re.Pattern[str], _Handler]] = []


def _route(pattern: str) -> Callable[[_Handler], _Handler]:
    def register(handler: _Handler) -> _Handler:
        _ROUTES.append((re.compile(pattern, re.IGNORECASE), handler))
        return handler

    return register


def resolve(state: SiteState, raw_target: str, robots: Robots = Robots()) -> Response:
    """The response for a GET of ``raw_target`` (HEAD uses the same, minus the body)."""
    path = decode_path(raw_target)
    for pattern, handler in _ROUTES:
        match = pattern.match(path)
        if match:
            response = handler(state, match, robots)
            if response is not None:
                return response
    return not_found(state)


def not_found(state: SiteState, status: int = 404) -> Response:
    return Response(status, HTML, render.render_not_found(state))


def _ok(body: str, items: Sequence[ReplicaArticle], content_type: str = HTML) -> Response:
    return Response(200, content_type, body, newest_modified(items) or SITE_DATE)


def _page_number(match: re.Match[str]) -> int | None:
    """The ``trang-N`` number (1 when absent); None for page 0, which does not exist."""
    number = int(match["page"]) if match["page"] else 1
    return number if number >= 1 else None


@_route(r"^/$")
def _home(state: SiteState, match: re.Match[str], robots: Robots) -> Response:
    items = state.newest(render.HOME_COUNT)
    return _ok(render.render_home(state, items), items)


@_route(r"^/robots\.txt$")
def _robots(state: SiteState, match: re.Match[str], robots: Robots) -> Response:
    return Response(200, TEXT, render.crlf(robots.text), robots.last_modified)


@_route(r"^/rss\.htm$")
def _rss_index(state: SiteState, match: re.Match[str], robots: Robots) -> Response:
    return Response(200, HTML, render.render_rss_index(state), SITE_DATE)


@_route(r"^/tin-moi-nhat\.rss$")
def _latest_feed(state: SiteState, match: re.Match[str], robots: Robots) -> Response:
    items = state.newest(state.layout.rss_items)
    return _feed(items, "Tin mới nhất", SITE_ORIGIN + "/")


@_route(r"^/rss/(?P<slug>[a-z0-9-]+)-(?P<cat_id>\d+)\.rss$")
def _category_feed(state: SiteState, match: re.Match[str], robots: Robots) -> Response | None:
    category = state.rss_category(match["slug"].lower(), int(match["cat_id"]))
    if category is None:
        return None
    items = state.in_category(category)[: state.layout.rss_items]
    return _feed(items, category.name, SITE_ORIGIN + category.listing_path)


def _feed(items: Sequence[ReplicaArticle], name: str, link: str) -> Response:
    build_date = newest_modified(items) or SITE_DATE
    body = render.render_rss_feed(
        title=f"{name} - Báo Tin tức",
        link=link,
        description=f"{name} - tin tức cập nhật từ baotintuc.vn",
        items=items,
        build_date=build_date,
    )
    return Response(200, RSS, body, build_date)


@_route(r"^/tags/(?P<kw>[^/]+?)(?:/trang-(?P<page>\d+))?\.htm$")
def _tag_page(state: SiteState, match: re.Match[str], robots: Robots) -> Response | None:
    """A tag page; an unknown tag is an empty listing, like a page past the last one."""
    page = _page_number(match)
    keyword = tag_keyword(normalize_tag(match["kw"]))
    if page is None or not keyword:
        return None
    page_items, pages = paginate(state.with_tag(keyword), page, state.layout.tag_page)
    return _ok(render.render_tag_page(state, keyword, page, page_items, pages), page_items)


@_route(
    r"^/(?P<key>[a-z0-9-]+)/d(?P<day>\d{1,2})-(?P<month>\d{1,2})-(?P<year>\d{4})"
    r"(?:/trang-(?P<page>\d+))?\.htm$"
)
def _day_archive(state: SiteState, match: re.Match[str], robots: Robots) -> Response | None:
    """``/<key>/d<D>-<M>-<YYYY>.htm`` (zero-padded numbers accepted): the sub-tree's articles
    of that day, newest first. A day without articles (in the future, say) is an empty list;
    an impossible date is a 404. Paginated only when the layout says so (``day_page``)."""
    category = state.category(match["key"])
    page = _page_number(match)
    per_page = state.layout.day_page
    if category is None or page is None or (match["page"] and per_page is None):
        return None
    try:
        day = date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        return None
    items = state.on_day(category, day)
    if per_page is None:
        page_items, pages = items, None
    else:
        page_items, pages = paginate(items, page, per_page)
    body = render.render_day_archive(state, category, day, page, page_items, pages)
    return _ok(body, page_items)


@_route(r"^/(?P<key>[a-z0-9-]+)(?:/trang-(?P<page>\d+))?\.htm$")
def _listing(state: SiteState, match: re.Match[str], robots: Robots) -> Response | None:
    category = state.category(match["key"])
    page = _page_number(match)
    if category is None or page is None:
        return None
    layout = state.layout
    page_items, pages = paginate_listing(
        state.in_category(category), page, layout.first_page, layout.per_page
    )
    return _ok(render.render_listing(state, category, page, page_items, pages), page_items)


@_route(r"^/(?P<section>[a-z0-9-]+)/(?P<slug>[a-z0-9-]+)-(?P<id>\d{17})\.htm$")
def _article(state: SiteState, match: re.Match[str], robots: Robots) -> Response | None:
    """An article, found by its id alone: like the real ``Details.aspx?n=<id>``, a wrong
    section or slug in the URL still shows it (its canonical URL names the right one). An
    article not yet published (a simulated site's clock) is a 404, like an unknown one."""
    article = state.article(match["id"])
    if article is None:
        removed = state.removed.get(match["id"])
        return not_found(state, removed[1]) if removed else None
    full = state.full(article)
    return Response(200, HTML, render.render_article(state, full), full.last_modified)
