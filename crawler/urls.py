"""What a baotintuc.vn URL is, and how it maps between the public site and a mirror.

The crawler can fetch from any mirror of the site (the replica in tests, a cache, a proxy) while
everything it stores names the canonical public URL. All URL knowledge of the site lives here;
docs/site.md §2 describes the URL kinds and how sure we are of each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import Enum
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

from core.urls import SITE_ORIGIN as CANONICAL_ORIGIN

SITE_HOSTS = frozenset({"baotintuc.vn", "www.baotintuc.vn"})
START_URL = (
    "https://baotintuc.vn/thoi-su/"
    "viet-nam-va-nhat-ban-doi-thoai-ve-chinh-sach-moi-truong-20211124202628584.htm"
)
RSS_INDEX_PATH = "/rss.htm"
NEWEST_FEED_PATH = "/tin-moi-nhat.rss"  # the newest articles of every section (docs/site.md §8)

_ARTICLE = re.compile(r"^/[a-z0-9-]+/[a-z0-9-]+-(\d{17})\.htm$", re.IGNORECASE)
_LISTING = re.compile(r"^/([a-z0-9-]+-\d+ct\d+)(?:/trang-(\d+))?\.htm$", re.IGNORECASE)
# A listing's day archive: /<listing>/d<D>-<M>-<YYYY>.htm (docs/site.md §2; listing markup).
_DAY = re.compile(r"^/([a-z0-9-]+-\d+ct\d+)/d(\d{1,2})-(\d{1,2})-(\d{4})(?:/trang-(\d+))?\.htm$", re.IGNORECASE)
_TAG = re.compile(r"^/tags/([^/]+?)(?:/trang-(\d+))?\.htm$", re.IGNORECASE)
_LISTING_IDS = re.compile(r"^/[a-z0-9-]+-(\d+)ct(\d+)(?:/|\.htm$)", re.IGNORECASE)
_CATEGORY_FEED = re.compile(r"^/rss/[a-z0-9-]+-(\d+)\.rss$", re.IGNORECASE)


class Kind(str, Enum):
    ARTICLE = "article"
    LISTING = "listing"  # a category listing page, or one day of it (a day archive)
    TAG = "tag"  # a tag page
    RSS_INDEX = "rss-index"  # /rss.htm, the list of the site's feeds
    RSS = "rss"  # one RSS 2.0 feed


def kind_of(url: str) -> Kind | None:
    """The kind of page behind a URL of the site, or None for pages the crawler ignores."""
    path = urlsplit(url).path
    if _ARTICLE.match(path):
        return Kind.ARTICLE
    if _LISTING.match(path) or _DAY.match(path):
        return Kind.LISTING
    if _TAG.match(unquote(path)):
        return Kind.TAG
    if path.lower() == RSS_INDEX_PATH:
        return Kind.RSS_INDEX
    if path.lower().endswith(".rss"):
        return Kind.RSS
    return None


def article_id(url: str) -> str | None:
    """The 17-digit id ending an article URL: the key that survives slug and host changes."""
    match = _ARTICLE.match(urlsplit(url).path)
    return match.group(1) if match else None


def page_number(url: str) -> int:
    """Which page of a listing, day archive or tag page a URL is (1 when it has no /trang-N)."""
    path = unquote(urlsplit(url).path)
    if day := _DAY.match(path):
        return int(day.group(5)) if day.group(5) else 1
    match = _LISTING.match(path) or _TAG.match(path)
    return int(match.group(2)) if match and match.group(2) else 1


def listing_page(url: str, number: int) -> str:
    """Page `number` of the listing or tag page `url` is a page of (`/x.htm` → `/x/trang-N.htm`)."""
    parts = urlsplit(url)
    path = re.sub(r"(/trang-\d+)?\.htm$", "", parts.path, flags=re.IGNORECASE)
    path = f"{path}/trang-{number}.htm" if number > 1 else f"{path}.htm"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def day_archive(listing_url: str, day: date) -> str:
    """The day archive of a category listing for one Vietnam-time day (no zero padding, as the
    site's own script writes it)."""
    parts = urlsplit(listing_page(listing_url, 1))
    path = parts.path.removesuffix(".htm") + f"/d{day.day}-{day.month}-{day.year}.htm"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def next_page(url: str) -> str:
    """The URL of the page after this listing or tag page (`/x.htm` → `/x/trang-2.htm`)."""
    return listing_page(url, page_number(url) + 1)


def is_day_archive(url: str) -> bool:
    """Whether a listing URL is one day of a listing (`…/d<D>-<M>-<YYYY>.htm`)."""
    return _DAY.match(urlsplit(url).path) is not None


def listing_ids(url: str) -> tuple[int, int] | None:
    """A category listing's own id and its parent's (0 for a top-level one), from its URL."""
    match = _LISTING_IDS.match(urlsplit(url).path)
    return (int(match.group(1)), int(match.group(2))) if match else None


def feed_category(url: str) -> int | None:
    """The category id of a category feed (`/rss/kinh-te-128.rss` → 128); None for others."""
    match = _CATEGORY_FEED.match(urlsplit(url).path)
    return int(match.group(1)) if match else None


def tag_page(keyword: str) -> str:
    """The canonical URL of a tag's page: lower case, spaces as `+` (docs/site.md §2)."""
    path = "/tags/" + "+".join(keyword.casefold().split()) + ".htm"
    return CANONICAL_ORIGIN + safe_url_string(path)


def tag_keyword(url: str) -> str:
    """The human keyword of a tag page: `/tags/bi%E1%BA%BFn+%C4%91%E1%BB%95i.htm` → "biến đổi"."""
    match = _TAG.match(unquote(urlsplit(url).path))
    return match.group(1).replace("+", " ") if match else ""


@dataclass(frozen=True)
class Site:
    """Where the site is fetched from. `base_url` is the public site or any mirror of it."""

    base_url: str = CANONICAL_ORIGIN

    @property
    def host(self) -> str:
        """The host name requests go to (the mirror's, when crawling a mirror)."""
        return urlsplit(self.base_url).hostname or ""

    @property
    def _origin(self) -> tuple[str, str]:
        parts = urlsplit(self.base_url)
        return parts.scheme, parts.netloc

    def owns(self, url: str) -> bool:
        """Whether a URL belongs to the site, under its public name or under the mirror's."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return False
        host = (parts.hostname or "").lower()
        return host in SITE_HOSTS or (parts.scheme, parts.netloc) == self._origin

    def absolute(self, href: str, base: str) -> str | None:
        """Resolve a link found on `base`; None when it leaves the site or is no page link."""
        href = (href or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            return None
        url = urljoin(base, href)
        return url if self.owns(url) else None

    def resolve(self, href: str, base: str) -> tuple[str, Kind] | None:
        """The canonical URL and kind of the page a link found on `base` leads to; None when it
        leaves the site or leads to no page the crawler knows."""
        url = self.absolute(href, base)
        kind = kind_of(url) if url else None
        return None if kind is None else (self.to_canonical(url), kind)  # type: ignore[arg-type]

    def to_canonical(self, url: str) -> str:
        """The public URL for a site URL: https, no www, no fragment, no query on articles."""
        parts = urlsplit(safe_url_string(url))
        query = "" if kind_of(url) is Kind.ARTICLE else parts.query
        return urlunsplit(("https", "baotintuc.vn", parts.path or "/", query, ""))

    def to_fetch(self, url: str) -> str:
        """Where to fetch a site URL: the same path and query on `base_url`."""
        parts = urlsplit(safe_url_string(url))
        scheme, netloc = self._origin
        return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
