"""The serving stage's servers, run as a child process: ours, or the bare ASGI peer.

    python -m bench.serve_app feeds OUT_DIR PORT     # feeds.server.serve: what `tintuc serve` runs
    python -m bench.serve_app bare FILE PORT         # the peer: uvicorn with a minimal ASGI app

The peer runs under the same uvicorn configuration as feeds.server.serve (same HTTP
implementation, logging and access log) and answers from memory without any framework: a 304
when If-None-Match matches, else the file's bytes gzip-compressed once at start-up. It is the
floor of what uvicorn can do on this machine, so the ratio is the cost of Starlette and
StaticFiles (a stat, an open and a read per request) and our own per-request work (validators,
content negotiation).
"""

from __future__ import annotations

import gzip
import hashlib
import sys
from pathlib import Path


def bare_app(path: Path):
    body = path.read_bytes()
    compressed = gzip.compress(body, compresslevel=9)
    etag = ('"' + hashlib.sha256(body).hexdigest()[:32] + '"').encode()
    common = [(b"etag", b"W/" + etag), (b"content-type", b"application/atom+xml; charset=utf-8"),
              (b"cache-control", b"public, max-age=300")]

    async def app(scope, receive, send):  # noqa: ANN001, ANN202
        if scope["type"] != "http":
            return
        headers = dict(scope["headers"])
        tags = {t.strip().removeprefix("W/").encode() for t in headers.get(b"if-none-match", b"").decode().split(",")}
        if etag in tags:
            await send({"type": "http.response.start", "status": 304, "headers": common})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": [
            *common, (b"content-encoding", b"gzip"), (b"content-length", str(len(compressed)).encode()),
        ]})
        await send({"type": "http.response.body", "body": compressed})

    return app


def main(argv: list[str]) -> int:
    kind, target, port = argv[0], argv[1], int(argv[2])
    if kind == "feeds":
        from feeds.server import serve

        serve(target, "127.0.0.1", port, max_age=300)
        return 0
    import uvicorn

    # The same options as feeds.server.serve.
    uvicorn.run(bare_app(Path(target)), host="127.0.0.1", port=port, log_level="info",
                server_header=False, proxy_headers=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
