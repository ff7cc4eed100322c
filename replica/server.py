"""The replica of baotintuc.vn as a local HTTP server, for crawler tests and demos.

Why a real socket server: the crawler (Scrapy) must be tested end to end, with HTTP
validators, 304s, robots.txt and politeness, against the markup of the real site. The server
is deliberately thin: it keeps an immutable :class:`~.site.SiteState`, hands each request to
the pure router (``routes.py``), adds ETag/Last-Modified and answers conditional requests,
and records every request for assertions. The "moving site" methods (:meth:`publish`,
:meth:`edit`, :meth:`remove`, :meth:`set_robots`) swap in a new state under a lock, so pages
reflect them at once. Faults (``faults.py``: :meth:`add_fault`, :meth:`set_chaos`) make chosen
requests misbehave.
"""

from __future__ import annotations

import dataclasses
import hashlib
import socket
import ssl
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .corpus import VN_TZ, ReplicaArticle, load_corpus
from .faults import Fault, FaultMatch, FaultPlan
from .routes import Response, Robots, decode_path, resolve
from .site import REAL_LAYOUT, SMALL_LAYOUT, Content, Layout, SiteState

if TYPE_CHECKING:
    from .simulated import Simulation

__all__ = ["RequestRecord", "ReplicaSite"]

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class RequestRecord:
    """One request the replica answered.

    ``path`` is the request target exactly as received (percent-escapes and query kept);
    ``decoded_path`` is its path part percent-decoded as UTF-8; ``fault`` is the kind of the
    fault applied to it (``"Status"``, ``"Reset"``…), None for a normal answer. ``time`` is the
    wall clock's, ``site_time`` the site's publishing clock's (they differ under a ManualClock).
    """

    method: str
    path: str
    status: int
    user_agent: str | None
    if_none_match: str | None
    if_modified_since: str | None
    time: float
    decoded_path: str = ""
    fault: str | None = None
    site_time: datetime | None = None  # the site's clock when it answered (a ManualClock's time in tests)


@dataclass(frozen=True)
class _Reply:
    """``reset_after``: send that many body bytes, then reset the connection."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    fault: str | None = None
    reset_after: int | None = None


class ReplicaSite:
    """baotintuc.vn served from the test corpus on ``127.0.0.1`` and a free port.

    Use as a context manager (``with ReplicaSite() as site: ... site.url``) or call
    :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        corpus_dir: Path | str | None = None,
        shared_dir: Path | str | None = None,
        *,
        categories_file: Path | str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
        tls: ssl.SSLContext | None = None,
        layout: Layout = SMALL_LAYOUT,
        max_requests: int | None = None,
    ) -> None:
        corpus = load_corpus(corpus_dir, shared_dir, categories_file=categories_file)
        content = Content(corpus.categories, corpus.articles.values(), layout=layout)
        self._setup(content, host=host, port=port, clock=clock, tls=tls, max_requests=max_requests)

    def _setup(
        self,
        content: Content,
        *,
        host: str,
        port: int,
        clock: Clock | None,
        tls: ssl.SSLContext | None,
        max_requests: int | None,
    ) -> None:
        self._content = content
        self.simulation: Simulation | None = None
        self._robots = Robots()
        self._lock = threading.Lock()
        # The request log; a long-running server bounds it (max_requests: the newest kept).
        self._log: deque[RequestRecord] = deque(maxlen=max_requests)
        self._faults = FaultPlan()
        self._clock: Clock = clock or (lambda: datetime.now(VN_TZ))
        self._address = (host, port)
        self._tls = tls  # serve HTTPS with this server-side context
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # Fault-free answers by request target, valid for one (view, robots) pair: routing
        # and rendering are pure, so a page renders once per view (see _plain_answer).
        self._rendered: tuple[SiteState, Robots, dict[str, _Rendered]] | None = None
        self._rendered_bytes = 0

    @classmethod
    def simulated(
        cls,
        articles: int = 50_000,
        seed: int = 1,
        *,
        end: datetime | None = None,
        years: float = 10.0,
        clock: Clock | None = None,
        corpus: bool = True,
        shared_dir: Path | str | None = None,
        layout: Layout = REAL_LAYOUT,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
        max_requests: int | None = None,
    ) -> ReplicaSite:
        """A site at the real one's scale: ``articles`` generated articles published over
        ``years`` years up to ``end`` (default ``simulated.DEFAULT_END``), deterministic from
        ``seed``, plus the hand-written corpus when ``corpus``; the real page sizes.

        What is visible follows ``clock`` (default: the real time, after ``DEFAULT_END``, so
        everything): pass a ``ManualClock`` or ``FastClock`` (``replica.clock``) to watch news
        arrive. The ground truth is :attr:`simulation` (:class:`simulated.Simulation`).
        """
        from .simulated import generate

        simulation = generate(
            articles, seed, end=end, years=years, corpus=corpus, shared_dir=shared_dir
        )
        site = cls.__new__(cls)
        site._setup(
            simulation.content(layout),
            host=host, port=port, clock=clock, tls=tls, max_requests=max_requests,
        )
        site.simulation = simulation
        return site

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> ReplicaSite:
        """Bind and serve in a daemon thread. Returns ``self``."""
        if self._server is not None:
            raise RuntimeError("the replica site is already running")
        server = _Server(self._address, _Handler)
        if self._tls is not None:
            server.socket = self._tls.wrap_socket(server.socket, server_side=True)
        server.site = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"replica-site-{server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ReplicaSite:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        if self._server is None:
            raise RuntimeError("the replica site is not running: call start() first")
        host, port = self._server.server_address[:2]
        return f"{'https' if self._tls else 'http'}://{host}:{port}"

    # -- content -----------------------------------------------------------------------------

    def now(self) -> datetime:
        """The site's clock (Vietnam time): what is published by then is visible."""
        return self._clock()

    @property
    def articles(self) -> dict[str, ReplicaArticle]:
        """The visible articles by id (a copy; removed and not yet published ones left out)."""
        return {a.id: a for a in self.state.articles}

    @property
    def state(self) -> SiteState:
        """The site as its clock shows it now: an immutable view (categories, visible
        articles, removed ids)."""
        return self._content.at(self._clock())

    @property
    def content(self) -> Content:
        """Everything the site holds, scheduled articles included (immutable)."""
        return self._content

    def article_url(self, article_id: str) -> str:
        """The replica URL of an article (also of a removed or not yet published one)."""
        content = self._content
        position = content.position.get(article_id)
        if position is not None:
            return self.url + content.articles[position].path
        removed = content.removed.get(article_id)
        if removed is None:
            raise KeyError(f"no article with id {article_id}")
        return self.url + removed[0].path

    def publish(self, article: ReplicaArticle) -> None:
        """Add an article now; it shows up on listings, tag pages, RSS and boxes at once,
        even when its ``published`` lies ahead of the site's clock.

        Raises:
            ValueError: the id already exists (live or scheduled), or the category is unknown.
        """
        with self._lock:
            content = self._content
            if article.id in content.position:
                raise ValueError(f"article {article.id} already exists: use edit()")
            if content.categories.get(article.category.key) != article.category:
                raise ValueError(f"unknown category {article.category.key!r}")
            removed = {k: v for k, v in content.removed.items() if k != article.id}
            forced = set(content.forced)
            if article.published > self._clock():
                forced.add(article.id)
            self._content = content.with_changes(content.articles + (article,), removed, forced)

    def schedule(self, *articles: ReplicaArticle) -> None:
        """Add articles that appear when the site's clock reaches their ``published`` time
        (at once if it has): the publishing clock's way, where :meth:`publish` is "now".

        Raises:
            ValueError: an id already exists (live or scheduled), or a category is unknown.
        """
        with self._lock:
            content = self._content
            ids = [a.id for a in articles]
            for article in articles:
                if article.id in content.position or ids.count(article.id) > 1:
                    raise ValueError(f"article {article.id} already exists")
                if content.categories.get(article.category.key) != article.category:
                    raise ValueError(f"unknown category {article.category.key!r}")
            removed = {k: v for k, v in content.removed.items() if k not in ids}
            self._content = content.with_changes(
                content.articles + articles, removed, content.forced)

    def edit(self, article_id: str, **changes: Any) -> ReplicaArticle:
        """Replace fields of a live article; ``modified`` moves to now unless given.

        The new ``modified`` is always later than the old one, so Last-Modified changes even
        for two edits within a second. Returns the new article.
        """
        with self._lock:
            content = self._content
            old = content.at(self._clock()).article(article_id)
            if old is None:
                raise KeyError(f"no live article with id {article_id}")
            if "modified" not in changes:
                now = self._clock().replace(microsecond=0)
                changes["modified"] = max(now, old.last_modified + timedelta(seconds=1))
            new = dataclasses.replace(old, **changes)
            others = tuple(a for a in content.articles if a.id != article_id)
            self._content = content.with_changes(others + (new,), content.removed, content.forced)
            return new

    def remove(self, article_id: str, status: int = 410) -> None:
        """Take an article down: its URL then answers ``status`` (404 or 410)."""
        if status not in (404, 410):
            raise ValueError(f"status must be 404 or 410, not {status}")
        with self._lock:
            content = self._content
            old = content.at(self._clock()).article(article_id)
            if old is None:
                raise KeyError(f"no live article with id {article_id}")
            others = tuple(a for a in content.articles if a.id != article_id)
            removed = {**content.removed, article_id: (old, status)}
            forced = content.forced - {article_id}
            self._content = content.with_changes(others, removed, forced)

    def set_robots(self, text: str) -> None:
        """Serve ``text`` as /robots.txt from now on."""
        with self._lock:
            self._robots = Robots(text, self._clock().replace(microsecond=0))

    # -- faults ------------------------------------------------------------------------------

    def add_fault(self, match: FaultMatch, fault: Fault) -> None:
        """Make requests whose decoded path (no query) matches misbehave: ``match`` is a path
        (exact), a compiled pattern (searched) or a callable. The first rule that matches and
        has ``times`` left applies; rules apply before chaos."""
        self._faults.add(match, fault)

    def set_chaos(
        self,
        seed: int,
        rate: float,
        kinds: Sequence[Fault] | None = None,
        exclude: Sequence[FaultMatch] = ("/robots.txt",),
    ) -> None:
        """Random faults: each request no rule claims and ``exclude`` does not match gets,
        with probability ``rate``, one of ``kinds`` (default ``faults.CHAOS_KINDS``), drawn
        from ``random.Random(seed)``: the same requests in the same order get the same
        faults. The kinds' ``times`` is ignored."""
        self._faults.set_chaos(seed, rate, kinds, exclude)

    def clear_faults(self) -> None:
        """Remove every fault rule and the chaos mode."""
        self._faults.clear()

    # -- request log -------------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of the requests answered so far, oldest first."""
        with self._lock:
            return list(self._log)

    def clear_requests(self) -> None:
        with self._lock:
            self._log.clear()

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self._log.append(record)

    # -- HTTP --------------------------------------------------------------------------------

    def _answer(self, method: str, target: str, headers: Mapping[str, str]) -> _Reply:
        if method not in ("GET", "HEAD"):
            return _Reply(405, (("Allow", "GET, HEAD"),), b"")
        state = self.state
        fault = self._faults.pick(decode_path(target), state)
        if fault is None:
            response, base, body, validators = self._plain_answer(state, target)
            return _conditional(response, base, body, headers, validators)
        hooks = fault
        response = hooks.respond(target, state) or resolve(state, target, self._robots)
        response = hooks.rewrite(response)
        content_type, body = hooks.encode(response)
        base = (("Content-Type", content_type),) + response.headers
        reply = _conditional(response, base, body, headers)
        return dataclasses.replace(reply, fault=fault.kind, reset_after=fault.cut(len(reply.body)))

    def _plain_answer(self, state: SiteState, target: str) -> _Rendered:
        """The fault-free response to ``target``, encoded, with its validators; cached.

        The cache belongs to one snapshot and one robots.txt (both immutable, compared by
        identity), so publish/edit/remove/set_robots start a new one. Identical to rendering
        on every request, only faster: with thousands of articles (the benchmarks) rendering
        would otherwise make the replica, not the client under test, the bottleneck.
        """
        robots = self._robots
        cached = self._rendered
        if cached is None or cached[0] is not state or cached[1] is not robots:
            cached = self._rendered = (state, robots, {})
            self._rendered_bytes = 0
        pages = cached[2]
        entry = pages.get(target)
        if entry is None:
            response = resolve(state, target, robots)
            content_type, body = _NO_FAULT.encode(response)
            base = (("Content-Type", content_type),) + response.headers
            validators = (
                _validators(body, response)
                if response.status == 200 and response.last_modified is not None
                else None
            )
            # Keep the bytes, not the text too (the reply needs only status and dates from it).
            entry = (dataclasses.replace(response, body=""), base, body, validators)
            if len(pages) >= _RENDERED_MAX or self._rendered_bytes > _RENDERED_BYTES:
                pages.clear()
                self._rendered_bytes = 0
            pages[target] = entry
            self._rendered_bytes += len(body)
        return entry


_NO_FAULT = Fault()
_RENDERED_MAX = 50_000  # targets kept per snapshot (any path may be asked for: bound it)
_RENDERED_BYTES = 64 << 20  # and their bytes (a crawl of a 50,000-article site: ~70 KB a page)
_Rendered = tuple[Response, tuple[tuple[str, str], ...], bytes, "tuple[tuple[str, str], ...] | None"]


def _conditional(
    response: Response,
    base: tuple[tuple[str, str], ...],
    body: bytes,
    headers: Mapping[str, str],
    validators: tuple[tuple[str, str], ...] | None = None,
) -> _Reply:
    """The reply, or a 304 when the request's validators match (200 responses only)."""
    if response.status != 200 or response.last_modified is None:
        return _Reply(response.status, base, body)
    validators = validators or _validators(body, response)
    status = 304 if _not_modified(headers, validators, response.last_modified) else 200
    if status == 304:
        return _Reply(304, validators, b"")
    return _Reply(200, base + validators, body)


def _validators(body: bytes, response: Response) -> tuple[tuple[str, str], ...]:
    assert response.last_modified is not None
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return (("ETag", etag), ("Last-Modified", http_date(response.last_modified)))


def http_date(moment: datetime) -> str:
    """An HTTP date (RFC 9110 IMF-fixdate, GMT)."""
    return format_datetime(moment.astimezone(timezone.utc).replace(microsecond=0), usegmt=True)


def _not_modified(
    headers: Mapping[str, str], validators: tuple[tuple[str, str], ...], last_modified: datetime
) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present; else If-Modified-Since."""
    etag = dict(validators)["ETag"]
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or etag in tags
    if_modified_since = headers.get("If-Modified-Since")
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=timezone.utc)
    return last_modified.replace(microsecond=0) <= since


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Do not wait for idle keep-alive connections on close: stop() must return promptly.
    block_on_close = False
    site: ReplicaSite

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (a timeout, e.g. against a Slow fault) is not worth a
        traceback on stderr; anything else is."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Adapts http.server to :meth:`ReplicaSite._answer` and records each request."""

    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as a real server offers
    server_version = "Microsoft-IIS/10.0"
    timeout = 120  # close idle keep-alive connections eventually (IIS default: 120 s)
    # Send each answer at once (TCP_NODELAY): headers and body go out in two writes, and with
    # Nagle's algorithm the body would wait for the client's delayed ACK (~40 ms per request).
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        return self.server_version

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header follows the site's clock (a simulated site's "now")."""
        if timestamp is not None:
            return super().date_time_string(timestamp)
        return http_date(self.server.site._clock())

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_POST(self) -> None:
        # Drain the body so the keep-alive connection stays in step, then refuse.
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._serve("POST")

    def _serve(self, method: str) -> None:
        site = self.server.site
        reply = site._answer(method, self.path, self.headers)
        # Record before answering, so a client that has its response also finds the record.
        site._record(
            RequestRecord(
                method=method,
                path=self.path,
                status=reply.status,
                user_agent=self.headers.get("User-Agent"),
                if_none_match=self.headers.get("If-None-Match"),
                if_modified_since=self.headers.get("If-Modified-Since"),
                time=time.time(),
                decoded_path=decode_path(self.path),
                fault=reply.fault,
                site_time=site.now(),
            )
        )
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("X-Powered-By", "ASP.NET")
        if reply.status != 304:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if method != "HEAD" and reply.body:
            self.wfile.write(reply.body[: reply.reset_after])
        if reply.reset_after is not None:
            self._reset()

    def _reset(self) -> None:
        """Drop the connection with a TCP RST (SO_LINGER 0), as a crashed server does."""
        self.close_connection = True
        linger = struct.pack("ii", 1, 0)
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        self.connection.close()  # the RST goes out once the handler's files are closed too

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        """Silence the default stderr access log; requests are in ``ReplicaSite.requests``."""
