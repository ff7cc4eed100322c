"""Fault injection: make the replica misbehave the way real news sites and their proxies do.

Why: a crawler that only ever meets a healthy site proves nothing about retries, timeouts,
size limits, charset sniffing or loop detection. A test registers faults on paths::

    site.add_fault("/thoi-su-472ct0.htm", Status(503, retry_after="120", times=1))
    site.add_fault(re.compile(r"/trang-\\d+\\.htm$"), EndlessPagination())
    site.set_chaos(seed=7, rate=0.2)            # or: random faults, reproducible by seed

Each fault is a frozen dataclass whose hooks the server calls in this order (the defaults of
:class:`Fault` leave the request alone):

1. :meth:`Fault.applies` — can the fault act on this path at all? (only then does it count);
2. :meth:`Fault.respond` — answer instead of the site (None: the site answers);
3. :meth:`Fault.rewrite` — change the response text;
4. :meth:`Fault.encode` — turn it into a Content-Type and bytes;
5. :meth:`Fault.cut` — send only part of the body, then reset the connection.

``times`` (keyword-only on every fault): apply to the first N requests it applies to, then
answer normally; None applies forever. :class:`FaultPlan` holds the rules and the chaos mode
and picks the fault of each request under a lock.
"""

from __future__ import annotations

import codecs
import re
import threading
import time
import unicodedata
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from http import HTTPStatus
from itertools import combinations
from random import Random
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

from . import render
from .corpus import VN_TZ, Category, ReplicaArticle
from .routes import HTML, Response, decode_path
from .site import (
    SiteState,
    newest_modified,
    normalize_tag,
    paginate,
    paginate_listing,
    tag_keyword,
)

__all__ = [
    "CHAOS_KINDS",
    "Charset",
    "ControlChars",
    "EndlessPagination",
    "Fault",
    "FaultMatch",
    "FaultPlan",
    "Huge",
    "Mutate",
    "Redirect",
    "Reset",
    "Slow",
    "Status",
    "Truncate",
    "encode_text",
]

FaultMatch = str | re.Pattern[str] | Callable[[str], bool]
"""Which requests a fault is for, tested on the decoded path (no query): a string matches
exactly, a compiled pattern is searched, a callable decides."""


@dataclass(frozen=True)
class Fault:
    """Base of the fault kinds; an instance of the base class itself changes nothing."""

    times: int | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        if self.times is not None and self.times < 0:
            raise ValueError(f"times must be None or >= 0, not {self.times}")

    @property
    def kind(self) -> str:
        """The name recorded in ``RequestRecord.fault``: the class name, e.g. ``"Status"``."""
        return type(self).__name__

    def applies(self, path: str, state: SiteState) -> bool:
        """Whether the fault can act on a request for the decoded ``path``."""
        return True

    def respond(self, target: str, state: SiteState) -> Response | None:
        """The response to send instead of the site's (None: let the site answer).
        ``target`` is the raw request target, query included."""
        return None

    def rewrite(self, response: Response) -> Response:
        """Change the response (its text is still a ``str`` here)."""
        return response

    def encode(self, response: Response) -> tuple[str, bytes]:
        """The Content-Type header and the body bytes."""
        return response.content_type, response.body.encode("utf-8")

    def cut(self, size: int) -> int | None:
        """How many of the ``size`` body bytes to send before resetting the connection
        (None: send them all and keep the connection)."""
        return None


# -- answers instead of the page --------------------------------------------------------------


@dataclass(frozen=True)
class Status(Fault):
    """An error status instead of the page: an overloaded or crashed origin (500/502/503),
    rate limiting (429, with ``Retry-After`` in seconds or as an HTTP date), a page that
    vanished for a while (404/410). The body is a small HTML error page, as IIS sends."""

    code: int
    retry_after: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 100 <= self.code <= 599:
            raise ValueError(f"not an HTTP status code: {self.code}")

    def respond(self, target: str, state: SiteState) -> Response:
        headers = (("Retry-After", self.retry_after),) if self.retry_after is not None else ()
        return Response(self.code, HTML, _error_page(self.code), headers=headers)


@dataclass(frozen=True)
class Slow(Fault):
    """A server that takes ``seconds`` before it answers at all (an overloaded backend, a
    slow database): clients with a shorter timeout give up. The handler thread sleeps, so
    other requests are served meanwhile."""

    seconds: float

    def respond(self, target: str, state: SiteState) -> None:
        time.sleep(self.seconds)
        return None


@dataclass(frozen=True)
class Redirect(Fault):
    """A redirect (``status`` 301/302/303/307/308) to ``location``: off the site (an
    absolute URL elsewhere, e.g. a captive portal or a moved domain), or a loop. A callable
    ``location`` gets the raw request target and returns the Location value."""

    location: str | Callable[[str], str]
    status: int = 302

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.status not in (301, 302, 303, 307, 308):
            raise ValueError(f"not a redirect status: {self.status}")

    @classmethod
    def loop(cls, status: int = 302, *, times: int | None = None) -> Redirect:
        """A redirect of a path to itself with a changing query: ``/x`` → ``/x?r=1`` →
        ``/x?r=2`` … (a session-id or cache-buster loop). The Location is relative."""
        return cls(_next_in_loop, status, times=times)

    def respond(self, target: str, state: SiteState) -> Response:
        location = self.location(target) if callable(self.location) else self.location
        return Response(
            self.status, HTML, _redirect_page(location), headers=(("Location", location),)
        )


def _next_in_loop(target: str) -> str:
    parts = urlsplit(target)
    previous = parse_qs(parts.query).get("r", ["0"])[-1]
    number = int(previous) + 1 if previous.isdigit() else 1
    return f"{parts.path}?r={number}"


# -- broken pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Truncate(Fault):
    """A page cut short at ``fraction`` of its text, in a well-formed HTTP response whose
    Content-Length matches: a template that crashed half-way, an output buffer flushed
    early. Unclosed tags; the HTTP layer sees nothing wrong. (The cut is made on characters,
    so the body stays valid in its charset.)"""

    fraction: float = 0.5

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0.0 <= self.fraction <= 1.0:
            raise ValueError(f"fraction must be within [0, 1], not {self.fraction}")

    def rewrite(self, response: Response) -> Response:
        return replace(response, body=response.body[: int(len(response.body) * self.fraction)])


@dataclass(frozen=True)
class Reset(Fault):
    """The connection reset mid-body: status line and headers with the full
    Content-Length, half the body, then an abrupt close (SO_LINGER 0, so a TCP RST) — a
    crashed worker, a load balancer killing the connection. Clients see an incomplete read
    or a "connection reset" error."""

    def cut(self, size: int) -> int:
        return size // 2


@dataclass(frozen=True)
class Charset(Fault):
    """A page in another charset, or one that lies about it: the body encoded in
    ``body_encoding`` (e.g. ``"windows-1258"``, the legacy Vietnamese code page) while the
    Content-Type header and the page's ``<meta ... charset=...>`` (and an XML declaration's
    ``encoding``) say ``declared``; None drops the charset parameter and the meta tag.

    Characters the codec lacks precomposed are decomposed the way windows-1258 text is
    written (base letter with its vowel mark, then the combining tone mark: "ệ" → "ê" +
    U+0323), so decoding and NFC give the text back; the rest become "?".
    """

    body_encoding: str
    declared: str | None

    _META: ClassVar[re.Pattern[str]] = re.compile(
        r"<meta\s[^>]*?(?:http-equiv\s*=\s*[\"']?content-type|charset\s*=)[^>]*>", re.IGNORECASE
    )
    _CHARSET: ClassVar[re.Pattern[str]] = re.compile(r"charset\s*=\s*[\w.:-]+", re.IGNORECASE)
    _XML_ENCODING: ClassVar[re.Pattern[str]] = re.compile(
        r"(<\?xml[^>]*?)\s+encoding\s*=\s*([\"'])[^\"']*\2", re.IGNORECASE
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        codecs.lookup(self.body_encoding)  # LookupError for an unknown codec, now not later

    def rewrite(self, response: Response) -> Response:
        declared = self.declared

        def meta(match: re.Match[str]) -> str:
            return "" if declared is None else self._CHARSET.sub(f"charset={declared}", match[0])

        def xml(match: re.Match[str]) -> str:
            return match[1] if declared is None else f'{match[1]} encoding="{declared}"'

        body = self._XML_ENCODING.sub(xml, self._META.sub(meta, response.body), count=1)
        media_type = response.content_type.split(";", 1)[0].strip()
        content_type = media_type if declared is None else f"{media_type}; charset={declared}"
        return replace(response, body=body, content_type=content_type)

    def encode(self, response: Response) -> tuple[str, bytes]:
        return response.content_type, encode_text(response.body, self.body_encoding)


def encode_text(text: str, encoding: str) -> bytes:
    """``text`` in ``encoding``; a character it lacks is split into a base it has and
    combining marks it has (most composed form first), else written as "?"."""
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return "".join(_fit(char, encoding) for char in text).encode(encoding)


@lru_cache(maxsize=4096)
def _fit(char: str, encoding: str) -> str:
    """``char`` as characters ``encoding`` can encode (canonically equivalent), or "?"."""
    try:
        char.encode(encoding)
        return char
    except UnicodeEncodeError:
        pass
    base, *marks = unicodedata.normalize("NFD", char)
    for count in range(len(marks), -1, -1):
        for kept in combinations(range(len(marks)), count):
            head = unicodedata.normalize("NFC", base + "".join(marks[i] for i in kept))
            rest = "".join(mark for i, mark in enumerate(marks) if i not in kept)
            try:
                (head + rest).encode(encoding)
            except UnicodeEncodeError:
                continue
            return head + rest
    return "?"


@dataclass(frozen=True)
class ControlChars(Fault):
    """Control characters inside the text (NUL, SOH, VT by default): CMS content pasted from
    Word or a broken database export. They are inserted after the first word of the first
    ``<h1>`` and of the first ``<p>`` (in an RSS feed, of the first ``<title>``); XML parsers
    reject them and careless extractors carry them into titles."""

    chars: str = "\x00\x01\x0b"

    _TARGETS: ClassVar[tuple[re.Pattern[str], ...]] = tuple(
        re.compile(rf"<{tag}\b[^>]*>(?:\s|<[^>]*>)*[^\s<]+", re.IGNORECASE) for tag in ("h1", "p")
    )
    _FALLBACK: ClassVar[re.Pattern[str]] = re.compile(
        r"<title\b[^>]*>(?:\s|<[^>]*>)*[^\s<]+", re.IGNORECASE
    )

    def rewrite(self, response: Response) -> Response:
        body = response.body
        ends = [m.end() for p in self._TARGETS if (m := p.search(body))]
        if not ends and (m := self._FALLBACK.search(body)):
            ends = [m.end()]
        for end in sorted(ends, reverse=True):
            body = body[:end] + self.chars + body[end:]
        return replace(response, body=body)


@dataclass(frozen=True)
class Huge(Fault):
    """A page far larger than any article (``size`` bytes, 20 MiB by default): the page's own
    HTML with a hidden block of padding paragraphs before ``</body>`` (an inlined base64
    image, a runaway comment thread). Tests size limits such as Scrapy's
    ``DOWNLOAD_MAXSIZE``. A page already larger than ``size`` is left as is."""

    size: int = 20 * 1024 * 1024

    _LINE: ClassVar[str] = "<p>" + " ".join(["padding"] * 11) + "</p>\r\n"

    def rewrite(self, response: Response) -> Response:
        body = response.body
        open_, close = '<div class="replica-padding" style="display:none">\r\n', "</div>\r\n"
        missing = self.size - len(body.encode("utf-8")) - len(open_) - len(close)
        if missing <= 0:
            return response
        lines, rest = divmod(missing, len(self._LINE))
        padding = open_ + self._LINE * lines + " " * rest + close
        at = body.rfind("</body>")
        at = len(body) if at < 0 else at
        return replace(response, body=body[:at] + padding + body[at:])


@dataclass(frozen=True)
class Mutate(Fault):
    """Any other change: ``fn`` gets the response text and returns the text to send (drop an
    element, swap the layout, inject a script). The escape hatch for one-off breakage."""

    fn: Callable[[str], str]

    def rewrite(self, response: Response) -> Response:
        return replace(response, body=self.fn(response.body))


# -- crawler traps -----------------------------------------------------------------------------

_LISTING_PAGE = re.compile(r"^/(?P<key>[a-z0-9-]+)/trang-(?P<page>\d+)\.htm$", re.IGNORECASE)
_TAG_PAGE = re.compile(r"^/tags/(?P<kw>[^/]+?)/trang-(?P<page>\d+)\.htm$", re.IGNORECASE)
_SYNTHETIC_EPOCH = datetime(2015, 1, 1, 8, 0, tzinfo=VN_TZ)


@dataclass(frozen=True)
class EndlessPagination(Fault):
    """Pagination that never ends (a CMS that renders any page number): a category or tag
    page ``…/trang-N.htm`` past the last one is a full page (``Layout.per_page`` or
    ``tag_page`` articles) never seen before, with pagination up to N+1, instead of the empty
    list.

    The articles sit in the listing's category (a tag page: the first top-level one) and have
    17-digit ids derived from N and the listing (dated back from 2015-01-01, an hour per page,
    so deeper pages are older). They are not published: their URLs answer 404, so the corpus
    stays the ground truth. Pages within the real range, and other paths, are not affected
    (and do not count towards ``times``).
    """

    def applies(self, path: str, state: SiteState) -> bool:
        return self._listing(path, state) is not None

    def respond(self, target: str, state: SiteState) -> Response | None:
        found = self._listing(decode_path(target), state)
        if found is None:
            return None
        category, keyword, page = found
        base = f"/tags/{keyword}" if keyword else f"/{category.key}"
        layout = state.layout
        count = layout.tag_page if keyword else layout.per_page
        items = _synthetic_articles(category, base, page, count)
        if keyword:
            body = render.render_tag_page(state, keyword, page, items, page + 1)
        else:
            body = render.render_listing(state, category, page, items, page + 1)
        return Response(200, HTML, body, newest_modified(items))

    @staticmethod
    def _listing(path: str, state: SiteState) -> tuple[Category, str, int] | None:
        """(category of the articles, tag keyword or "", N) of a page past the last one."""
        if match := _TAG_PAGE.match(path):
            keyword = tag_keyword(normalize_tag(match["kw"]))
            top = state.top_level()
            if not keyword or not top:
                return None
            category, items = top[0], state.with_tag(keyword)
        elif match := _LISTING_PAGE.match(path):
            found = state.category(match["key"])
            if found is None:
                return None
            category, keyword, items = found, "", state.in_category(found)
        else:
            return None
        page = int(match["page"])
        layout = state.layout
        if keyword:
            _, pages = paginate(items, page, layout.tag_page)
        else:
            _, pages = paginate_listing(items, page, layout.first_page, layout.per_page)
        return (category, keyword, page) if page > pages else None


def _synthetic_articles(
    category: Category, base: str, page: int, count: int
) -> tuple[ReplicaArticle, ...]:
    millis = zlib.crc32(base.encode("utf-8")) % 1000
    articles = []
    for index in range(1, count + 1):
        published = _SYNTHETIC_EPOCH - timedelta(hours=page, minutes=index)
        articles.append(
            ReplicaArticle(
                id=published.strftime("%Y%m%d%H%M%S") + f"{millis:03d}",
                slug=f"tin-luu-tru-trang-{page}-so-{index}",
                category=category,
                title=f"Tin lưu trữ trang {page} số {index}",
                sapo=f"Bài lưu trữ số {index} của trang {page}, không còn trên trang.",
                paragraphs=(),
                published=published,
            )
        )
    return tuple(articles)


# -- the plan: rules and chaos -----------------------------------------------------------------

CHAOS_KINDS: tuple[Fault, ...] = (
    Status(500),
    Status(502),
    Status(503, retry_after="1"),
    Status(429, retry_after="1"),
    Reset(),
    Truncate(),
    ControlChars(),
)
"""The faults chaos mode picks from by default: quick, and meaningful on any path (no
delays, no 20 MiB bodies, no redirects)."""


@dataclass
class _Rule:
    match: FaultMatch
    fault: Fault
    remaining: int | None


@dataclass
class _Chaos:
    rng: Random
    rate: float
    kinds: tuple[Fault, ...]
    exclude: tuple[FaultMatch, ...]


def _check_match(match: FaultMatch) -> None:
    if not isinstance(match, (str, re.Pattern)) and not callable(match):
        raise TypeError(f"match must be a path, a compiled pattern or a callable, not {match!r}")


def _matches(match: FaultMatch, path: str) -> bool:
    if isinstance(match, str):
        return match == path
    if isinstance(match, re.Pattern):
        return match.search(path) is not None
    return bool(match(path))


class FaultPlan:
    """The faults of one replica: rules in the order added, then chaos. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []
        self._chaos: _Chaos | None = None

    def add(self, match: FaultMatch, fault: Fault) -> None:
        _check_match(match)
        if not isinstance(fault, Fault):
            raise TypeError(f"not a Fault: {fault!r}")
        with self._lock:
            self._rules.append(_Rule(match, fault, fault.times))

    def set_chaos(
        self,
        seed: int,
        rate: float,
        kinds: Sequence[Fault] | None = None,
        exclude: Sequence[FaultMatch] = ("/robots.txt",),
    ) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be within [0, 1], not {rate}")
        chosen = tuple(CHAOS_KINDS if kinds is None else kinds)
        if not chosen or not all(isinstance(k, Fault) for k in chosen):
            raise ValueError("kinds must be a non-empty sequence of faults")
        if isinstance(exclude, (str, re.Pattern)):
            exclude = (exclude,)
        for match in exclude:
            _check_match(match)
        with self._lock:
            self._chaos = _Chaos(Random(seed), rate, chosen, tuple(exclude))

    def clear(self) -> None:
        """Drop every rule and the chaos mode."""
        with self._lock:
            self._rules.clear()
            self._chaos = None

    def pick(self, path: str, state: SiteState) -> Fault | None:
        """The fault for a request of the decoded ``path``, counting it against ``times``:
        the first rule that matches, has uses left and applies; else chaos's draw."""
        with self._lock:
            for rule in self._rules:
                if rule.remaining == 0 or not _matches(rule.match, path):
                    continue
                if not rule.fault.applies(path, state):
                    continue
                if rule.remaining is not None:
                    rule.remaining -= 1
                return rule.fault
            chaos = self._chaos
            if chaos is None or any(_matches(m, path) for m in chaos.exclude):
                return None
            if chaos.rng.random() >= chaos.rate:
                return None
            fault = chaos.rng.choice(chaos.kinds)
            return fault if fault.applies(path, state) else None


# -- small pages -------------------------------------------------------------------------------

_SMALL_PAGE = """<!DOCTYPE html>
<html>
<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{title}</title></head>
<body>{body}</body>
</html>
"""


def _error_page(code: int) -> str:
    try:
        title = f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        title = str(code)
    body = f"<h1>{title}</h1><p>The server could not answer this request.</p>"
    return render.crlf(_SMALL_PAGE.format(title=title, body=body))


def _redirect_page(location: str) -> str:
    body = f'<h2>Object moved to <a href="{render.attr(location)}">here</a>.</h2>'
    return render.crlf(_SMALL_PAGE.format(title="Object moved", body=body))
