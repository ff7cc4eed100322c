"""Serving the output directory over HTTP: a thin layer over Starlette's StaticFiles.

What readers and caches rely on, and where it comes from:
- ETag (a hash of the file's bytes, so an identical regeneration, or a restored backup, keeps
  it), Last-Modified, and 304 on If-None-Match / If-Modified-Since: StaticFiles' checks, fed a
  consistent snapshot (one open file: its stat and its bytes), because a feed can be replaced
  by the publisher between a stat and an open.
- gzip: GZipMiddleware; the ETag of a compressed response is made weak, as nginx does, since
  its bytes differ from the identity response's.
- Content types: application/atom+xml and text/x-opml with charset=utf-8, so readers do not
  guess the encoding of Vietnamese text.
- Cache-Control max-age: given by the caller, at most the regeneration interval.
- Safety: only regular files inside the directory. Starlette normalises the path and refuses
  anything resolving outside it (`..`, encoded or not, and symlinks leading out); on top of
  that, hidden names (the publisher's temporary files) are 404 and so are directories without
  an index (no listings). `/` serves index.html.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Sequence
from email.utils import formatdate
from pathlib import Path

from starlette.applications import Starlette
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MEDIA_TYPES = {
    ".atom": "application/atom+xml; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
FEED_SUFFIXES = (".atom", ".opml")
SNAPSHOT_LIMIT = 64 * 1024 * 1024  # larger files are streamed from disk instead
GZIP_MINIMUM = 500
# Browsers showing index.html or a feed: nothing runs, nothing embeds it.
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src https: http:; frame-ancestors 'none'",
    "referrer-policy": "no-referrer",
}


class FeedFiles(StaticFiles):
    """StaticFiles with our content types, validators, cache lifetime and refusals."""

    def __init__(self, directory: str | os.PathLike[str], *, max_age: int) -> None:
        super().__init__(directory=directory, html=True, follow_symlink=False)
        self.max_age = max_age
        self._hashes: dict[tuple, str] = {}

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
        response = Response(
            body,
            status_code=status_code,
            media_type=media_type,
            headers={
                **headers,
                "etag": self._etag(full_path, stat_now, body),
                "last-modified": formatdate(stat_now.st_mtime, usegmt=True),
            },
        )
        if self.is_not_modified(response.headers, Headers(scope=scope)):
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


class WeakETagWhenEncoded:
    """Outside GZipMiddleware: a compressed body is a different representation (weak ETag)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                etag = headers.get("etag")
                if etag and "content-encoding" in headers and not etag.startswith("W/"):
                    headers["etag"] = "W/" + etag
            await send(message)

        await self.app(scope, receive, sending)


def create_app(
    out_dir: str | os.PathLike[str], *, max_age: int, extra_routes: Sequence[BaseRoute] = ()
) -> Starlette:
    """The ASGI app serving `out_dir`; `extra_routes` (e.g. /healthz) take precedence."""
    if max_age < 0:
        raise ValueError("max_age must be >= 0")
    files = FeedFiles(out_dir, max_age=max_age)
    return Starlette(
        routes=[*extra_routes, Mount("/", app=files, name="feeds")],
        middleware=[
            Middleware(WeakETagWhenEncoded),
            Middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM),
        ],
    )


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
