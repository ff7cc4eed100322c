"""What went wrong on the way to the site, said in one line a person can act on.

A crawl that cannot reach the site (no network, a wrong address, a firewall, a TLS mismatch)
reports the cause and the host once, instead of the transport library's traceback.
"""

from __future__ import annotations

import email.utils
import socket
import ssl
from datetime import datetime, timezone

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from twisted.internet import error as tx
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

_TLS = "TLS handshake with {host} failed"
# (exception types, what happened), most specific first; "{host}" is filled in.
_CAUSES: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((CannotResolveHostError, tx.DNSLookupError, socket.gaierror),
     "cannot resolve {host} (DNS): no network, or a wrong address"),
    ((DownloadConnectionRefusedError, tx.ConnectionRefusedError, ConnectionRefusedError),
     "connection refused by {host}"),
    ((DownloadTimeoutError, tx.TimeoutError, tx.TCPTimedOutError, TimeoutError),
     "no answer from {host} in time (timeout)"),
    ((ssl.SSLError,), _TLS),
    ((tx.NoRouteError, tx.ConnectError), "cannot connect to {host}"),
    ((ResponseDataLossError,), "{host} cut the response short"),
    ((DownloadFailedError, ResponseFailed, ResponseNeverReceived, tx.ConnectionLost, tx.ConnectionDone,
      ConnectionError),
     "the connection to {host} was lost"),
)


def describe_failure(error: BaseException, host: str) -> str:
    """One line for a failed download: the cause, naming the host."""
    if _caused_by_tls(error):
        return _TLS.format(host=host)
    for kinds, cause in _CAUSES:
        if isinstance(error, kinds):
            return cause.format(host=host)
    return f"{type(error).__name__} while fetching from {host}: {error}"


def _caused_by_tls(error: BaseException) -> bool:
    """Twisted reports TLS failures as OpenSSL errors wrapped in a ResponseNeverReceived."""
    reasons = getattr(error, "reasons", None) or []
    names = {type(getattr(reason, "value", reason)).__module__ for reason in reasons}
    return any(name.startswith("OpenSSL") for name in names)


def retry_after_seconds(value: str | bytes | None, now: datetime) -> float | None:
    """Parse a Retry-After header (delta-seconds or an HTTP date); None when absent or invalid."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())
