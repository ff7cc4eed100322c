"""Security review, as tests: malformed requests, injection through configuration, file modes.

Feed content sanitisation (an XSS corpus) and path traversal are covered where those parts are
specified: tests/test_feeds_atom.py (HOSTILE_BODIES) and tests/test_feeds_server.py.
"""

from __future__ import annotations

import socket
import stat
from urllib.parse import urlsplit

import pytest

import feeds
from crawler.classify import load_rules
from feeds.server import create_app
from storage import Store
from tests.conftest import crawl
from tests.feeds_support import fetch, make_article, running_server, save


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    (out / "moi-truong.atom").write_bytes(b"<feed xmlns='http://www.w3.org/2005/Atom'/>")
    with running_server(create_app(out, max_age=60)) as url:
        yield url


def raw_request(url: str, data: bytes) -> bytes:
    """Send bytes as they are and return what comes back (b'' when the server just closes)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (ConnectionResetError, TimeoutError):
            pass
    return b"".join(chunks)


REFUSED = {b"4"}  # a 4xx status line, or the connection closed without an answer


@pytest.mark.parametrize("request_bytes, accepted", [
    (b"GARBAGE\r\n\r\n", REFUSED),
    (b"GET /moi-truong.atom HTTP/9.9\r\n\r\n", {b"2", b"4", b"5"}),  # answered as 1.1, or refused
    (b"GET " + b"/a" * 40_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", REFUSED),
    (b"GET /moi-truong.atom HTTP/1.1\r\nHost: x\r\nX-Big: " + b"y" * 200_000 + b"\r\n\r\n", REFUSED),
    (b"GET /moi-truong.atom HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", REFUSED),
    (b"GET /moi-truong.atom HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", REFUSED),
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 100, REFUSED),  # TLS on the HTTP port
])
def test_malformed_or_oversized_requests_are_refused_and_the_server_stays_up(server, request_bytes, accepted):
    answer = raw_request(server, request_bytes)
    assert answer == b"" or answer.split(b" ", 2)[1][:1] in accepted, answer[:100]
    status, _, body = fetch(server, "/moi-truong.atom")
    assert status == 200 and body.startswith(b"<feed")


INJECTIONS = ["'; DROP TABLE articles; --", "x\" OR 1=1 --", "Robert'); DELETE FROM article_topics;--"]


@pytest.mark.parametrize("value", INJECTIONS)
@pytest.mark.parametrize("key", ["categories", "tags"])
def test_feed_definitions_cannot_inject_sql(tmp_path, key, value):
    with Store.open(tmp_path / "s.db") as store:
        save(store, make_article())
        definitions, errors = feeds.load_definitions(
            [{"slug": "x", "title": "X", "topics": ["environment"], key: [value]}], load_rules())
        assert not errors
        report = feeds.generate(store, definitions, tmp_path / "out", base_url="http://127.0.0.1/")
        assert not report.failed
        assert store.db["articles"].count == 1 and store.db["article_topics"].count == 1


@pytest.mark.parametrize("query", INJECTIONS + ['"unbalanced', "NEAR(", "title:", "*", "a OR"])
def test_a_hostile_full_text_query_fails_only_its_own_feed(tmp_path, query):
    with Store.open(tmp_path / "s.db") as store:
        save(store, make_article())
        definitions, errors = feeds.load_definitions(
            [{"slug": "bad", "title": "Bad", "query": query},
             {"slug": "good", "title": "Good", "topics": ["environment"]}], load_rules())
        report = feeds.generate(store, definitions, tmp_path / "out", base_url="http://127.0.0.1/")
        assert "good" not in report.failed and (tmp_path / "out" / "good.atom").exists()
        assert store.db["articles"].count == 1 and store.db["article_topics"].count == 1
        assert store.integrity_check() == "ok"


def test_database_files_are_private_to_their_owner(replica, tmp_path):
    db = tmp_path / "private.db"
    crawl(replica, db, "--max-pages", "5")
    for path in (db, tmp_path / "private.db-wal", tmp_path / "private.db-shm", tmp_path / "private.db.lock"):
        if path.exists():
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode & 0o077 == 0, f"{path.name} is {oct(mode)}"
    with Store.open(db) as store:
        store.backup_to(tmp_path / "backup.db")
    assert stat.S_IMODE((tmp_path / "backup.db").stat().st_mode) == 0o600
