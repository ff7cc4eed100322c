"""Stage 7, serving: requests/s of conditional GETs answered 304, and of full gzip 200s.

The server is `feeds.server.serve` (uvicorn + create_app, exactly what `tintuc serve` runs) in a
child process, on a feed written by stage 6 (or generated here). The load generator is a small
asyncio client in this process: BENCH_SERVE_CONNECTIONS keep-alive connections on loopback, each
sending one request at a time for BENCH_SERVE_SECONDS, so every run is bounded in time. With
two cores the client takes one and the server (single process, single thread) the other; the
server's own CPU time is read from /proc, so "per core" figures are honest even when the client
competes for the CPU.

The peer is uvicorn with a bare ASGI app (bench/serve_app.py) under the same configuration.
When the 304 target is missed, the server runs once more under cProfile and its heaviest
functions are written to the notes.
"""

from __future__ import annotations

import asyncio
import os
import pstats
import re
import signal
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

from bench.common import REPO, Config, Row, StageResult, fmt_rate, fmt_ratio, median, python

STAGE = "7 Serving"
TARGET_304 = 2000.0
FEED = "moi-truong.atom"
_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A server child process; `cpu()` is its CPU seconds so far (from /proc)."""

    def __init__(self, args: list[str], port: int) -> None:
        self.port = port
        self.process = subprocess.Popen(args, cwd=REPO, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited {self.process.returncode}: {' '.join(args)}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("server did not start")

    def cpu(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # uvicorn shuts down cleanly (and cProfile writes)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def _load(port: int, request: bytes, seconds: float, connections: int) -> tuple[int, Counter, float]:
    statuses: Counter = Counter()
    start = time.perf_counter()
    deadline = start + seconds

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < deadline:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                statuses[int(head[9:12])] += 1
                match = _LENGTH.search(head)
                if match:
                    await reader.readexactly(int(match[1]))
                elif b"chunked" in head.lower():
                    while True:
                        size = int((await reader.readline()).strip(), 16)
                        await reader.readexactly(size + 2)
                        if size == 0:
                            break
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - start
    return sum(statuses.values()), statuses, elapsed


def load(port: int, request: bytes, seconds: float, connections: int) -> tuple[float, Counter]:
    count, statuses, elapsed = asyncio.run(_load(port, request, seconds, connections))
    return count / elapsed, statuses


def _request(path: str, *, etag: str | None) -> bytes:
    lines = [f"GET /{path} HTTP/1.1", "Host: 127.0.0.1", "User-Agent: tintuc-bench",
             "Accept-Encoding: gzip"]
    if etag:
        lines.append(f"If-None-Match: {etag}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _etag(port: int, path: str) -> str:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", f"/{path}", headers={"Accept-Encoding": "gzip"})
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"GET /{path}: {response.status}")
    return response.getheader("ETag") or ""


def _measure(server: Server, path: str, cfg: Config) -> dict[str, tuple[float, float, Counter]]:
    """{"304"|"200": (median req/s, median req per server CPU-second, statuses)}."""
    etag = _etag(server.port, path)
    load(server.port, _request(path, etag=etag), min(0.5, cfg.serve_seconds), cfg.serve_connections)  # warm
    results = {}
    for name, request in (("304", _request(path, etag=etag)), ("200", _request(path, etag=None))):
        rates, per_cpu, seen = [], [], Counter()
        for _ in range(_runs(cfg)):
            cpu = server.cpu()
            rate, statuses = load(server.port, request, cfg.serve_seconds, cfg.serve_connections)
            used = server.cpu() - cpu
            rates.append(rate)
            per_cpu.append(sum(statuses.values()) / used if used > 0 else float("nan"))
            seen.update(statuses)
        results[name] = (median(rates), median(per_cpu), seen)
    return results


def _runs(cfg: Config) -> int:
    return 1 if cfg.quick else max(1, min(cfg.repeat, 3))


def _feed_dir(cfg: Config, ctx: dict) -> Path:
    dirs = ctx.get("feed_dirs")
    if dirs:
        return dirs[min(dirs)]
    from datetime import datetime, timezone

    from bench.corpus import synthetic_articles
    from bench.feeds import _generate
    from bench.storage import _topics
    from storage import Store

    path = cfg.workdir / "serve.db"
    with Store.open(path) as store:
        for article, topics in synthetic_articles(300):
            store.save_article(article, _topics(topics), rules_version="bench",
                               now=datetime.now(timezone.utc), next_check=None)
    out = cfg.workdir / "serve-feeds"
    _generate(path, out)
    return out


def run(cfg: Config, ctx: dict) -> StageResult:
    result = StageResult()
    out = _feed_dir(cfg, ctx)
    feed = out / FEED
    size = feed.stat().st_size
    ours_server = Server([python(), "-m", "bench.serve_app", "feeds", str(out), str(port := free_port())], port)
    try:
        ours = _measure(ours_server, FEED, cfg)
    finally:
        ours_server.stop()
    bare_server = Server([python(), "-m", "bench.serve_app", "bare", str(feed), str(port := free_port())], port)
    try:
        bare = _measure(bare_server, FEED, cfg)
    finally:
        bare_server.stop()
    for name, label in (("304", "conditional GET → 304"), ("200", f"full GET → 200 gzip ({size / 1024:,.0f} kB feed)")):
        rate, per_cpu, statuses = ours[name]
        peer_rate, peer_cpu, _ = bare[name]
        wrong = {k: v for k, v in statuses.items() if str(k) != name}
        if wrong:
            raise RuntimeError(f"{label}: unexpected statuses {dict(statuses)}")
        is_304 = name == "304"
        result.rows.append(Row(
            STAGE, f"{label}: requests/s ({per_cpu:,.0f} per server CPU-second)", fmt_rate(rate),
            f"bare uvicorn app {fmt_rate(peer_rate)}", fmt_ratio(rate / peer_rate),
            f"≥ {TARGET_304:,.0f}/s on one core" if is_304 else "—",
            (per_cpu >= TARGET_304 and rate >= TARGET_304) if is_304 else None,
        ))
    result.notes.append(
        f"{cfg.serve_connections} keep-alive connections, {cfg.serve_seconds:g} s per run, median of"
        f" {_runs(cfg)} runs; the server is one uvicorn process"
        " (feeds.server.serve: h11 unless httptools is installed, asyncio loop, access log on)."
    )
    if ours["304"][0] < TARGET_304:
        result.notes.append(_profile_304(cfg, out))
    return result


def _profile_304(cfg: Config, out: Path) -> str:
    """Run our server under cProfile for one 304 load run; its heaviest functions."""
    prof = cfg.workdir / "serve.prof"
    port = free_port()
    server = Server([python(), "-m", "cProfile", "-o", str(prof), "-m", "bench.serve_app", "feeds",
                     str(out), str(port)], port)
    try:
        etag = _etag(port, FEED)
        load(port, _request(FEED, etag=etag), cfg.serve_seconds, cfg.serve_connections)
    finally:
        server.stop()
    if not prof.exists():
        return "server profile: not written"
    stats = pstats.Stats(str(prof))
    total = stats.total_tt  # type: ignore[attr-defined]
    groups: Counter = Counter()
    for (filename, _line, _name), (_cc, _calls, tottime, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        for key in ("uvicorn", "h11", "starlette", "asyncio", "logging", "feeds", "email", "anyio"):
            if f"/{key}/" in filename or filename.endswith(f"/{key}.py"):
                groups[key] += tottime
                break
        else:
            groups["other (builtins, selectors, os)"] += tottime
    shares = ", ".join(f"{name} {seconds / total:.0%}" for name, seconds in groups.most_common(8))
    return f"server under cProfile during a 304 run: self time by package: {shares}."
