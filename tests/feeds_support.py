"""Shared by the tests/test_feeds_*.py files: full Atom validation and hand-made articles.

Validation here is the strict one the runtime cannot do: the RFC 4287 RELAX NG schema (read
from the shared folder at test time, never copied into the project: tests that use it are
marked `shared("schemas")`), feedparser without bozo, and the RFC's Schematron rules checked by
hand.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timezone
from urllib.parse import urlsplit

import feedparser
import lxml.etree
import lxml.html
import uvicorn

from core.model import Article, Image, TopicMatch
from replica import shared
from storage import Store

ATOM = "{http://www.w3.org/2005/Atom}"
FH = "{http://purl.org/syndication/history/1.0}"
T0 = datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)


@functools.cache
def relax_ng() -> lxml.etree.RelaxNG:
    """The RFC's schema; a test that validates with it is marked `shared("schemas")`."""
    return lxml.etree.RelaxNG(file=str(shared.material("schemas")))


def assert_valid_atom(data: bytes, name: str = "feed") -> feedparser.FeedParserDict:
    """RELAX NG + RFC 4287 Schematron rules + feedparser without bozo; returns the parsed feed."""
    root = lxml.etree.fromstring(data)
    schema = relax_ng()
    assert schema.validate(root.getroottree()), f"{name}: {schema.error_log}"
    assert_schematron_rules(root, name)
    parsed = feedparser.parse(data)
    assert not parsed.bozo, f"{name}: feedparser: {parsed.get('bozo_exception')!r}"
    return parsed


def assert_schematron_rules(root: lxml.etree._Element, name: str = "feed") -> None:
    """The rules RFC 4287 states in Schematron (RELAX NG validators ignore them)."""
    feed_author = root.find(f"{ATOM}author") is not None
    _assert_unique_alternates(root, name)
    for entry in root.findall(f"{ATOM}entry"):
        where = f"{name}: entry {entry.findtext(f'{ATOM}id')}"
        assert feed_author or entry.find(f"{ATOM}author") is not None, f"{where}: no author"
        assert entry.find(f"{ATOM}author") is not None, f"{where}: every entry names its own author"
        alternates = [
            l for l in entry.findall(f"{ATOM}link") if l.get("rel", "alternate") == "alternate"
        ]
        assert alternates or entry.find(f"{ATOM}content") is not None, (
            f"{where}: no alternate link nor content"
        )
        assert len(entry.findall(f"{ATOM}content")) <= 1, where
        _assert_unique_alternates(entry, where)


def _assert_unique_alternates(element: lxml.etree._Element, where: str) -> None:
    alternates = Counter(
        (link.get("type"), link.get("hreflang"))
        for link in element.findall(f"{ATOM}link")
        if link.get("rel", "alternate") == "alternate"
    )
    assert all(count == 1 for count in alternates.values()), f"{where}: duplicate alternate links"


def assert_safe_content(entry: lxml.etree._Element) -> str:
    """The entry's HTML content holds no active content and only absolute http(s) URLs."""
    markup = entry.findtext(f"{ATOM}content") or ""
    if not markup:
        return markup
    root = lxml.html.fragment_fromstring(markup, create_parent="div")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag not in {
            "script",
            "style",
            "iframe",
            "object",
            "embed",
            "svg",
            "math",
            "form",
            "base",
            "meta",
            "link",
            "frame",
            "noscript",
        }, markup
        for name, value in element.attrib.items():
            assert not name.startswith("on") and name not in ("style", "srcset"), markup
            if name in ("href", "src"):
                assert value.startswith(("https://", "http://", "mailto:")), markup
    lowered = markup.lower()
    assert "javascript:" not in lowered and "data:" not in lowered and "vbscript:" not in lowered
    return markup


def make_article(site_id: str = "20261101150000123", **changes) -> Article:
    base = Article(
        site_id=site_id,
        url=f"https://baotintuc.vn/xa-hoi/bai-viet-{site_id}.htm",
        title="Đường phố Hà Nội ngập sau mưa lớn",
        sapo="Nhiều tuyến đường ngập sâu.",
        body_text="Mưa lớn khiến đường ngập.\n\nNhật Bản hỗ trợ hệ thống thoát nước.",
        body_html="<p>Mưa lớn khiến đường ngập.</p><p>Nhật Bản hỗ trợ hệ thống thoát nước.</p>",
        authors=("Minh Đức",),
        agency="TTXVN",
        category="Xã hội",
        category_url="https://baotintuc.vn/xa-hoi-129ct0.htm",
        tags=("ngập lụt", "Hà Nội"),
        published=f"{site_id[:4]}-{site_id[4:6]}-{site_id[6:8]}T{site_id[8:10]}:{site_id[10:12]}:00+07:00",
        modified=f"{site_id[:4]}-{site_id[4:6]}-{site_id[6:8]}T{site_id[8:10]}:{site_id[10:12]}:00+07:00",
        lead_image="https://cdnmedia.baotintuc.vn/a.jpg",
        images=(Image("https://cdnmedia.baotintuc.vn/a.jpg", "Ảnh"),),
    )
    return replace(base, **changes)


ENVIRONMENT = (TopicMatch("environment", 9.0, ("ngập lụt",)),)
BOTH = (
    TopicMatch("environment", 9.0, ("ngập lụt",)),
    TopicMatch("vietnam-japan", 7.0, ("nhật bản",)),
)


def save(store: Store, article: Article, topics=ENVIRONMENT, now: datetime = T0) -> None:
    store.save_article(article, topics, rules_version="test", now=now, next_check=None)


def topics_from_row(row: dict) -> tuple[TopicMatch, ...]:
    return tuple(TopicMatch(t, v["score"], tuple(v["terms"])) for t, v in row["topics"].items())


def entries_by_id(data: bytes) -> dict[str, lxml.etree._Element]:
    root = lxml.etree.fromstring(data)
    return {entry.findtext(f"{ATOM}id"): entry for entry in root.findall(f"{ATOM}entry")}


@contextlib.contextmanager
def running_server(app) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free port of 127.0.0.1 in a thread; yields its URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def fetch(
    url: str, path: str, method: str = "GET", headers: dict | None = None
) -> tuple[int, dict, bytes]:
    """One request with the path sent exactly as given (no normalisation by the client)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()
