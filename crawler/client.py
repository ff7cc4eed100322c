"""Single polite requests to the site, outside a Scrapy crawl (`tintuc extract URL`).

The same manners as the crawler (docs/site.md §9): the project's User-Agent, robots.txt obeyed
(unreadable for a server error or a network failure means "ask nothing", RFC 9309; a 4xx means
no rules), a delay between two requests, conditional requests when validators are known, and the
TLS option the site has needed (legacy renegotiation). Failures are one line naming the cause.
"""

from __future__ import annotations

import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from protego import Protego

from core.project import USER_AGENT
from crawler.network import describe_failure, retry_after_seconds
from crawler.policy import conditional_headers


class FetchError(Exception):
    """A page that could not be had; the message says why in one line, naming the host.

    `status` is the HTTP status when the site answered (None for a network failure), and
    `retry_after` the seconds its Retry-After header asked for, when it sent one.
    """

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after

    @property
    def gone(self) -> bool:
        """The page is not there (404, 410): asking again will not help."""
        return self.status in (404, 410)


@dataclass(frozen=True)
class Reply:
    status: int  # 200, or 304 for a conditional request whose page did not change
    url: str  # the final URL, after redirects
    headers: Mapping[str, str]
    body: bytes

    @property
    def charset(self) -> str | None:
        content_type = self.headers.get("Content-Type", "")
        for parameter in content_type.split(";")[1:]:
            name, _, value = parameter.strip().partition("=")
            if name.lower() == "charset":
                return value.strip().strip('"') or None
        return None


def tls_context() -> ssl.SSLContext:
    """Certificates unchecked, as the crawler (a public news site, read only), and legacy
    renegotiation allowed: the site has needed it under OpenSSL 3 (docs/site.md §1)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.options |= getattr(ssl, "OP_LEGACY_SERVER_CONNECT", 0x4)
    return context


class PoliteClient:
    """GET pages of one site, one at a time, at least `delay` seconds apart."""

    def __init__(
        self,
        *,
        user_agent: str = USER_AGENT,
        delay: float = 1.0,
        timeout: float = 30.0,
        robots_ttl: float = 86_400.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.user_agent = user_agent
        self.delay = delay
        self.timeout = timeout
        self.robots_ttl = robots_ttl  # a long-lived client reads robots.txt again after this
        self._clock, self._sleep = clock, sleep
        self._last: float | None = None
        self._robots: dict[str, tuple[Protego, float]] = {}
        self._opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=tls_context()))

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Reply:
        """The page at `url` (304 when the validators still hold); `FetchError` otherwise."""
        if not self.allowed(url):
            raise FetchError(f"robots.txt of {urlsplit(url).netloc} disallows {url}")
        reply = self._request(url, conditional_headers(etag, last_modified))
        if reply.status not in (200, 304):
            raise FetchError(
                f"{urlsplit(url).netloc} answered HTTP {reply.status} for {url}",
                status=reply.status,
                retry_after=retry_after_seconds(reply.headers.get("Retry-After"), datetime.now(timezone.utc)),
            )
        return reply

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets us fetch `url` (read once per host, again after `robots_ttl`)."""
        parts = urlsplit(url)
        cached = self._robots.get(parts.netloc)
        if cached is None or self._clock() - cached[1] > self.robots_ttl:
            rules = self._read_robots(f"{parts.scheme}://{parts.netloc}/robots.txt")
            cached = self._robots[parts.netloc] = (rules, self._clock())
        return cached[0].can_fetch(url, self.user_agent)

    def _read_robots(self, url: str) -> Protego:
        try:
            reply = self._request(url, {})
        except FetchError as error:
            raise FetchError(f"robots.txt could not be read: {error}") from None
        if reply.status >= 500:
            raise FetchError(f"robots.txt could not be read: {urlsplit(url).netloc} answered HTTP {reply.status}")
        text = reply.body.decode("utf-8", errors="replace") if reply.status < 400 else ""
        return Protego.parse(text)

    def _request(self, url: str, headers: Mapping[str, str]) -> Reply:
        self._wait_turn()
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent, **headers})
        host = urlsplit(url).netloc
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return Reply(response.status, response.url, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:  # a status, not a failure: the caller decides
            return Reply(error.code, url, dict(error.headers or {}), error.read() if error.fp else b"")
        except (urllib.error.URLError, OSError) as error:
            raise FetchError(describe_failure(getattr(error, "reason", error), host)) from None
        finally:
            self._last = self._clock()

    def _wait_turn(self) -> None:
        if self._last is not None:
            remaining = self.delay - (self._clock() - self._last)
            if remaining > 0:
                self._sleep(remaining)

