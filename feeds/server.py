"""Serving the output directory over HTTP: a thin layer over Starlette's StaticFiles.

What readers and caches rely on, and where it comes from:
- ETag (a hash of the file's bytes, so an identical regeneration, or a restored backup, keeps
  it), Last-Modified, and 304 on If-None-Match / If-Modified-Since: StaticFiles' checks, fed a
  consistent snapshot (one open file: its stat and its bytes), because a feed can be replaced
  by the publisher between a stat and an open.
- gzip: each version of a file is compressed once, when first asked for (`Compressed`, keyed by
  its ETag, bounded), not at every request. A client gets it when its Accept-Encoding allows
  gzip (RFC 9110 12.5.3: `gzip;q=0` does not), with `Content-Encoding: gzip`, `Vary:
  Accept-Encoding` and a strong ETag of its own (`"<identity tag>-gzip"`: another
  representation, another validator). If-None-Match with either representation's ETag is a 304.
- Content types: application/atom+xml and text/x-opml with charset=utf-8, so readers do not
  guess the encoding of Vietnamese text.
- Cache-Control max-age: given by the caller, at most the regeneration interval.
- Safety: only regular files inside the directory. Starlette normalises the path and refuses
  anything resolving outside it (`..`, encoded or not, and symlinks leading out); on top of
  that, hidden names (the publisher's temporary files) are 404 and so are directories without
  an index (no listings). `/` serves index.html.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import stat
from collections import OrderedDict
from collections.abc import Sequence
from email.utils import formatdate
from pathlib import Path

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Scope

MEDIA_TYPES = {
    ".atom": "application/atom+xml; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
FEED_SUFFIXES = (".atom", ".opml")
SNAPSHOT_LIMIT = 64 * 1024 * 1024  # larger files are streamed from disk instead
GZIP_MINIMUM = 500  # smaller bodies are sent as they are
GZIP_LEVEL = 9  # paid once per version of a file
GZIP_CACHE_BYTES = 32 * 1024 * 1024  # compressed bodies kept, least recently used dropped first
# Browsers showing the web pages or a feed: nothing runs, nothing embeds it. The pages' only
# style is the served style.css (no inline style, so none can be injected); their charts are
# inline SVG, which needs no source; images (the articles' lead images) come from anywhere.
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "content-security-policy": (
        "default-src 'none'; style-src 'self'; img-src https: http:; frame-ancestors 'none';"
        " base-uri 'none'; form-action 'none'"
    ),
    "referrer-policy": "no-referrer",
}


class FeedFiles(StaticFiles):
    """StaticFiles with our content types, validators, cache lifetime and refusals."""

    def __init__(self, directory: str | os.PathLike[str], *, max_age: int) -> None:
        super().__init__(directory=directory, html=True, follow_symlink=False)
        self.max_age = max_age
        self._hashes: dict[tuple, str] = {}
        self._compressed = Compressed(GZIP_CACHE_BYTES)

    def get_path(self, scope: Scope) -> str:
        path = super().get_path(scope)
        parts = path.split(os.sep)
        if any(part.startswith(".") and part != "." for part in parts) or "\x00" in path:
            raise HTTPException(status_code=404)
        return path

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        headers = {**SECURITY_HEADERS, "cache-control": f"public, max-age={self.max_age}"}
        media_type = MEDIA_TYPES.get(Path(full_path).suffix.lower())
        if Path(full_path).suffix.lower() in FEED_SUFFIXES:
            headers["access-control-allow-origin"] = "*"  # browser-based readers fetch feeds too
        snapshot = _snapshot(full_path)
        if snapshot is None:  # too large, or gone since the lookup
            return FileResponse(
                full_path,
                status_code=status_code,
                stat_result=stat_result,
                media_type=media_type,
                headers=headers,
            )
        body, stat_now = snapshot
        request = Headers(scope=scope)
        identity = self._etag(full_path, stat_now, body)
        etags = [identity]  # the representation sent first, then the other one
        headers["last-modified"] = formatdate(stat_now.st_mtime, usegmt=True)
        if media_type is not None and len(body) >= GZIP_MINIMUM:
            headers["vary"] = "Accept-Encoding"
            if accepts_gzip(request.get("accept-encoding", "")):
                body = self._compressed.get(identity, body)
                headers["content-encoding"] = "gzip"
                etags.insert(0, gzip_etag(identity))
            else:
                etags.append(gzip_etag(identity))
        response = Response(
            body,
            status_code=status_code,
            media_type=media_type,
            headers={**headers, "etag": etags[0]},
        )
        for etag in etags:  # the one the client holds, whichever it is
            validators = Headers({"etag": etag, "last-modified": headers["last-modified"]})
            if self.is_not_modified(validators, request):
                response.headers["etag"] = etag
                return NotModifiedResponse(response.headers)
        return response

    def _etag(self, path: str | os.PathLike[str], info: os.stat_result, body: bytes) -> str:
        key = (str(path), info.st_ino, info.st_mtime_ns, info.st_size)
        if key not in self._hashes:
            if len(self._hashes) > 4096:
                self._hashes.clear()
            self._hashes[key] = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        return self._hashes[key]


def _snapshot(path: str | os.PathLike[str]) -> tuple[bytes, os.stat_result] | None:
    """The file's bytes and the stat of the very same file (one open descriptor)."""
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > SNAPSHOT_LIMIT:
                return None
            return handle.read(), info
    except OSError:
        return None


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether to send gzip (RFC 9110 12.5.3): listed (as gzip, x-gzip or *) with q > 0, and
    identity not explicitly preferred. A malformed q counts as 0: identity is always safe."""
    quality: dict[str, float] = {}
    for item in accept_encoding.split(","):
        coding, *parameters = (part.strip().lower() for part in item.split(";"))
        q = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if coding:
            quality[coding] = q
    gzip_q = quality.get("gzip", quality.get("x-gzip", quality.get("*", 0.0)))
    return gzip_q > 0 and gzip_q >= quality.get("identity", 0.0)


def gzip_etag(identity: str) -> str:
    """The strong ETag of the gzip representation: another representation, another tag."""
    return identity[:-1] + '-gzip"'


def compress(body: bytes) -> bytes:
    """gzip, the same bytes for the same input (no timestamp in the header)."""
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


class Compressed:
    """gzip bodies by the ETag of what they compress: each version is compressed once.

    At most `limit` bytes are kept; the least recently used go first. A body larger than that is
    compressed and not kept.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0

    def get(self, etag: str, body: bytes) -> bytes:
        found = self._bodies.get(etag)
        if found is not None:
            self._bodies.move_to_end(etag)
            return found
        compressed = compress(body)
        if len(compressed) <= self.limit:
            self._bodies[etag] = compressed
            self._size += len(compressed)
            while self._size > self.limit:
                _etag, dropped = self._bodies.popitem(last=False)
                self._size -= len(dropped)
        return compressed


def create_app(
    out_dir: str | os.PathLike[str], *, max_age: int, extra_routes: Sequence[BaseRoute] = ()
) -> Starlette:
    """The ASGI app serving `out_dir`; `extra_routes` (e.g. /healthz) take precedence."""
    if max_age < 0:
        raise ValueError("max_age must be >= 0")
    files = FeedFiles(out_dir, max_age=max_age)
    return Starlette(routes=[*extra_routes, Mount("/", app=files, name="feeds")])


def serve(out_dir: str | os.PathLike[str], host: str, port: int, max_age: int) -> None:
    """Serve `out_dir` until interrupted (blocking)."""
    import uvicorn

    uvicorn.run(
        create_app(out_dir, max_age=max_age),
        host=host,
        port=port,
        log_level="info",
        server_header=False,
        proxy_headers=False,
    )
