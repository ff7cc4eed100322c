"""Fault injection in the replica site: every fault kind, seen by a real HTTP client."""

from __future__ import annotations

import http.client
import re
import socket
import time
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit

import lxml.html
import pytest

from replica import (
    CHAOS_KINDS,
    PER_PAGE,
    Charset,
    ControlChars,
    EndlessPagination,
    Fault,
    Huge,
    Mutate,
    Redirect,
    ReplicaSite,
    RequestRecord,
    Reset,
    Slow,
    Status,
    Truncate,
)

pytestmark = pytest.mark.e2e  # real crawls of the replica over HTTP, or the whole service

SEED_PATH = (
    "/thoi-su/viet-nam-va-nhat-ban-doi-thoai-ve-chinh-sach-moi-truong-20211124202628584.htm"
)
SEED_TITLE = "Việt Nam và Nhật Bản đối thoại về chính sách môi trường"
LISTING = "/thoi-su-472ct0"


@pytest.fixture(scope="module")
def running() -> Iterator[ReplicaSite]:
    with ReplicaSite() as site:
        yield site


@pytest.fixture
def site(running: ReplicaSite) -> Iterator[ReplicaSite]:
    """The shared replica with no faults and an empty log, and none left behind."""
    running.clear_faults()
    running.clear_requests()
    yield running
    running.clear_faults()


def fetch(
    site: ReplicaSite, target: str, timeout: float = 10, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of a GET that does not follow redirects."""
    parts = urlsplit(site.url)
    assert parts.hostname is not None
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", target, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def h1_text(body: str) -> str:
    match = re.search(r"<h1\b[^>]*>(.*?)</h1>", body, re.S)
    assert match is not None
    return " ".join(match[1].split())


def last_fault(site: ReplicaSite) -> str | None:
    return site.requests[-1].fault


# -- matching and counting ---------------------------------------------------------------------


def test_no_fault_by_default_and_the_record_field_defaults_to_none(site: ReplicaSite) -> None:
    status, _, _ = fetch(site, SEED_PATH)
    assert status == 200 and last_fault(site) is None
    record = RequestRecord("GET", "/", 200, None, None, None, 0.0)
    assert record.fault is None and record.decoded_path == ""


def test_match_by_exact_path_pattern_or_callable(site: ReplicaSite) -> None:
    site.add_fault(SEED_PATH, Status(500))
    site.add_fault(re.compile(r"ct0\.htm$"), Status(502))
    site.add_fault(lambda path: path.startswith("/tags/"), Status(404))
    assert fetch(site, SEED_PATH + "?utm_source=x")[0] == 500  # query is not part of the match
    assert fetch(site, SEED_PATH.upper())[0] == 200  # exact: not case-folded
    assert fetch(site, LISTING + ".htm")[0] == 502
    assert fetch(site, "/tags/m%C3%B4i+tr%C6%B0%E1%BB%9Dng.htm")[0] == 404
    assert fetch(site, "/")[0] == 200
    assert [r.fault for r in site.requests] == ["Status", None, "Status", "Status", None]
    site.clear_faults()
    assert fetch(site, SEED_PATH)[0] == 200


def test_first_active_rule_wins_and_times_counts_per_fault(site: ReplicaSite) -> None:
    site.add_fault(SEED_PATH, Status(503, times=2))
    site.add_fault(SEED_PATH, Status(500, times=1))
    statuses = [fetch(site, SEED_PATH)[0] for _ in range(5)]
    assert statuses == [503, 503, 500, 200, 200]
    assert [r.fault for r in site.requests] == ["Status"] * 3 + [None] * 2


def test_bad_arguments_are_refused(site: ReplicaSite) -> None:
    with pytest.raises(ValueError):
        Status(503, times=-1)
    with pytest.raises(ValueError):
        Status(999)
    with pytest.raises(ValueError):
        Truncate(1.5)
    with pytest.raises(ValueError):
        Redirect("https://example.com/", status=200)
    with pytest.raises(LookupError):
        Charset("no-such-codec", "utf-8")
    with pytest.raises(TypeError):
        site.add_fault(42, Status(500))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        site.add_fault("/", "500")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        site.set_chaos(1, rate=2.0)
    with pytest.raises(ValueError):
        site.set_chaos(1, rate=0.5, kinds=[])


# -- each kind --------------------------------------------------------------------------------


def test_status_with_retry_after_then_normal(site: ReplicaSite) -> None:
    site.add_fault(SEED_PATH, Status(503, retry_after="120", times=1))
    status, headers, body = fetch(site, SEED_PATH)
    assert status == 503
    assert headers["Retry-After"] == "120"
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "ETag" not in headers and "Last-Modified" not in headers
    assert b"503 Service Unavailable" in body and len(body) < 1000
    assert int(headers["Content-Length"]) == len(body)
    status, headers, body = fetch(site, SEED_PATH)
    assert status == 200 and "Retry-After" not in headers
    assert SEED_TITLE in h1_text(body.decode())
    assert [(r.status, r.fault) for r in site.requests] == [(503, "Status"), (200, None)]


def test_status_without_retry_after_and_urllib_sees_an_error(site: ReplicaSite) -> None:
    site.add_fault(SEED_PATH, Status(429))
    status, headers, _ = fetch(site, SEED_PATH)
    assert status == 429 and "Retry-After" not in headers
    site.add_fault("/", Status(410))
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(site.url + "/", timeout=10)
    assert caught.value.code == 410


def test_slow_trips_a_client_timeout_then_answers_normally(site: ReplicaSite) -> None:
    site.add_fault(SEED_PATH, Slow(0.4, times=1))
    started = time.monotonic()
    with pytest.raises((TimeoutError, socket.timeout)):
        fetch(site, SEED_PATH, timeout=0.1)
    assert time.monotonic() - started < 0.35
    assert fetch(site, SEED_PATH)[0] == 200  # another handler thread: not held up
    assert time.monotonic() - started < 0.35
    # The slow request is recorded once its sleep ends: wait, so no later test sees it.
    while not any(r.fault == "Slow" for r in site.requests):
        assert time.monotonic() - started < 5
        time.sleep(0.02)
    assert [r.fault for r in site.requests] == [None, "Slow"]


def test_slow_answers_after_the_delay(site: ReplicaSite) -> None:
    site.add_fault("/", Slow(0.2))
    started = time.monotonic()
    assert fetch(site, "/")[0] == 200
    assert time.monotonic() - started >= 0.2
    assert last_fault(site) == "Slow"


def test_reset_mid_body(site: ReplicaSite) -> None:
    full = fetch(site, SEED_PATH)[2]
    site.add_fault(SEED_PATH, Reset(times=1))
    parts = urlsplit(site.url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        conn.request("GET", SEED_PATH)
        response = conn.getresponse()
        assert response.status == 200
        assert int(response.getheader("Content-Length") or 0) == len(full)
        with pytest.raises((http.client.IncompleteRead, ConnectionError)):
            response.read()
    finally:
        conn.close()
    assert last_fault(site) == "Reset"
    site.add_fault(SEED_PATH, Reset(times=1))
    with pytest.raises((http.client.IncompleteRead, ConnectionError, urllib.error.URLError)):
        urllib.request.urlopen(site.url + SEED_PATH, timeout=10).read()
    assert fetch(site, SEED_PATH)[2] == full  # the server is fine afterwards


def test_reset_sends_half_the_body_before_dropping(site: ReplicaSite) -> None:
    full = fetch(site, SEED_PATH)[2]
    site.add_fault(SEED_PATH, Reset())
    parts = urlsplit(site.url)
    received = b""
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        conn.sendall(f"GET {SEED_PATH} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        try:
            while chunk := conn.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
    # The RST may make the kernel drop bytes not yet read, so: never the whole body.
    _, _, body = received.partition(b"\r\n\r\n")
    assert len(body) <= len(full) // 2
    assert full.startswith(body)


def test_truncate_is_well_formed_http_with_cut_html(site: ReplicaSite) -> None:
    full = fetch(site, SEED_PATH)[2].decode()
    site.add_fault(SEED_PATH, Truncate(0.3))
    status, headers, body = fetch(site, SEED_PATH)
    assert status == 200
    assert int(headers["Content-Length"]) == len(body)
    text = body.decode("utf-8")  # cut on characters: still valid UTF-8
    assert text == full[: int(len(full) * 0.3)]
    assert "</html>" not in text
    assert last_fault(site) == "Truncate"


def test_charset_windows_1258_declared(site: ReplicaSite) -> None:
    site.add_fault(SEED_PATH, Charset("windows-1258", "windows-1258"))
    status, headers, body = fetch(site, SEED_PATH)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=windows-1258"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = body.decode("cp1258")
    assert '<meta http-equiv="Content-Type" content="text/html; charset=windows-1258" />' in text
    assert unicodedata.normalize("NFC", h1_text(text)) == SEED_TITLE
    assert "?" not in h1_text(text)
    # tone marks as separate combining characters, as windows-1258 writes Vietnamese
    assert "ê\u0323" in text  # "ệ" of "Việt"
    doc = lxml.html.fromstring(body)  # lxml honours the meta charset
    assert unicodedata.normalize("NFC", doc.cssselect("h1")[0].text_content().strip()) == SEED_TITLE


def test_charset_undeclared_and_lying(site: ReplicaSite) -> None:
    site.add_fault(SEED_PATH, Charset("windows-1258", None, times=1))
    _, headers, body = fetch(site, SEED_PATH)
    assert headers["Content-Type"] == "text/html"
    assert b"charset" not in body.lower().split(b"</head>")[0]
    site.add_fault(SEED_PATH, Charset("utf-8", "windows-1258"))
    _, headers, body = fetch(site, SEED_PATH)
    assert headers["Content-Type"] == "text/html; charset=windows-1258"
    assert h1_text(body.decode("utf-8")) == SEED_TITLE  # utf-8 bytes labelled windows-1258
    assert b"charset=windows-1258" in body


def test_charset_rewrites_the_xml_declaration_of_a_feed(site: ReplicaSite) -> None:
    site.add_fault("/tin-moi-nhat.rss", Charset("windows-1258", "windows-1258"))
    _, headers, body = fetch(site, "/tin-moi-nhat.rss")
    assert headers["Content-Type"] == "application/rss+xml; charset=windows-1258"
    assert body.startswith(b'<?xml version="1.0" encoding="windows-1258"?>')


def test_control_chars_in_title_and_first_paragraph(site: ReplicaSite) -> None:
    site.add_fault(SEED_PATH, ControlChars())
    _, _, body = fetch(site, SEED_PATH)
    text = body.decode("utf-8")
    h1 = re.search(r"<h1\b[^>]*>\s*(.*?)\s*</h1>", text, re.S)
    assert h1 is not None and h1[1] == SEED_TITLE.replace("Việt", "Việt\x00\x01\x0b", 1)
    first_p = re.search(r"<p\b[^>]*>(.*?)</p>", text, re.S)
    assert first_p is not None and "\x00\x01\x0b" in first_p[1]
    assert text.count("\x00\x01\x0b") == 2
    site.add_fault("/", ControlChars("\x07"))
    assert "\x07" in fetch(site, "/")[2].decode()


def test_huge_page(site: ReplicaSite) -> None:
    assert Huge().size == 20 * 1024 * 1024
    size = 3 * 1024 * 1024
    site.add_fault(SEED_PATH, Huge(size))
    status, headers, body = fetch(site, SEED_PATH)
    assert status == 200 and len(body) == size == int(headers["Content-Length"])
    text = body.decode("utf-8")
    assert text.lstrip().startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert h1_text(text) == SEED_TITLE  # the page itself is intact


def test_redirect_off_site(site: ReplicaSite) -> None:
    site.add_fault(SEED_PATH, Redirect("https://example.com/x", status=301))
    status, headers, body = fetch(site, SEED_PATH)
    assert status == 301
    assert headers["Location"] == "https://example.com/x"
    assert b'href="https://example.com/x"' in body
    assert last_fault(site) == "Redirect"


def test_redirect_loop_changes_the_query(site: ReplicaSite) -> None:
    site.add_fault("/", Redirect.loop())
    assert fetch(site, "/")[1]["Location"] == "/?r=1"
    assert fetch(site, "/?r=1")[1]["Location"] == "/?r=2"
    assert fetch(site, "/?r=7&x=1")[1]["Location"] == "/?r=8"
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(site.url + "/", timeout=10)  # urllib gives up after 10
    assert caught.value.code == 302


def test_endless_pagination(site: ReplicaSite) -> None:
    assert fetch(site, LISTING + "/trang-50.htm")[2].count(b'class="item"') == 0  # normally
    site.add_fault(re.compile(r"/trang-\d+\.htm$"), EndlessPagination())
    status, headers, body = fetch(site, LISTING + "/trang-50.htm")
    assert status == 200 and "Last-Modified" in headers
    doc = lxml.html.fromstring(body)
    links = [a.get("href") for a in doc.cssselect("ul.list-newsest > li.item a.title")]
    assert len(links) == PER_PAGE
    ids = re.findall(r"^/thoi-su/[a-z0-9-]+-(\d{17})\.htm$", "\n".join(links), re.M)
    assert len(set(ids)) == PER_PAGE
    pages = [a.get("href") for a in doc.cssselect("ul.list-pagination a")]
    assert pages[-1] == LISTING + "/trang-51.htm"
    assert doc.cssselect("ul.list-pagination a.active")[0].text == "50"
    # page 51 goes on, with other articles; the articles themselves are not published
    body51 = fetch(site, LISTING + "/trang-51.htm")[2]
    assert LISTING.encode() + b"/trang-52.htm" in body51
    assert not set(ids) & {i.decode() for i in re.findall(rb"-(\d{17})\.htm", body51)}
    assert not set(ids) & set(site.articles)
    assert fetch(site, links[0])[0] == 404
    assert fetch(site, LISTING + "/trang-50.htm")[2] == body  # stable
    assert [r.fault for r in site.requests] == [
        None, "EndlessPagination", "EndlessPagination", None, "EndlessPagination"
    ]


def test_endless_pagination_on_tags_and_only_past_the_last_page(site: ReplicaSite) -> None:
    tag = "/tags/m%C3%B4i+tr%C6%B0%E1%BB%9Dng"
    site.add_fault(lambda path: True, EndlessPagination(times=1))
    assert fetch(site, LISTING + "/trang-2.htm")[2].count(b'class="item"') > 0  # a real page
    assert fetch(site, LISTING + ".htm")[0] == 200
    assert fetch(site, SEED_PATH)[0] == 200
    status, _, body = fetch(site, tag + "/trang-40.htm")  # the one use goes here
    assert status == 200 and body.count(b'class="item"') == PER_PAGE
    assert 'href="/tags/môi+trường/trang-41.htm"'.encode() in body  # raw UTF-8, as the site
    assert fetch(site, tag + "/trang-41.htm")[2].count(b'class="item"') == 0  # times=1 used
    assert [r.fault for r in site.requests] == [None, None, None, "EndlessPagination", None]


def test_mutate(site: ReplicaSite) -> None:
    site.add_fault(SEED_PATH, Mutate(lambda html: re.sub(r"<h1\b.*?</h1>", "", html, flags=re.S)))
    _, headers, body = fetch(site, SEED_PATH)
    assert b"<h1" not in body and int(headers["Content-Length"]) == len(body)
    assert last_fault(site) == "Mutate"


def test_fault_responses_keep_conditional_requests_consistent(site: ReplicaSite) -> None:
    site.add_fault(SEED_PATH, Truncate(0.5))
    _, headers, body = fetch(site, SEED_PATH)
    status, _, _ = fetch(site, SEED_PATH, headers={"If-None-Match": headers["ETag"]})
    assert status == 304  # the ETag names the bytes actually sent
    site.clear_faults()
    status, _, full = fetch(site, SEED_PATH, headers={"If-None-Match": headers["ETag"]})
    assert status == 200 and full != body


# -- chaos ------------------------------------------------------------------------------------


def _chaos_run(site: ReplicaSite, seed: int, targets: list[str]) -> list[str | None]:
    site.clear_requests()
    site.set_chaos(seed, rate=0.5)
    for target in targets:
        try:
            fetch(site, target, timeout=5)
        except (http.client.HTTPException, ConnectionError):
            pass
    return [r.fault for r in site.requests]


def test_chaos_is_reproducible_by_seed(site: ReplicaSite) -> None:
    targets = [SEED_PATH, "/", LISTING + ".htm", "/robots.txt", "/rss.htm"] * 8
    first = _chaos_run(site, 7, targets)
    again = _chaos_run(site, 7, targets)
    other = _chaos_run(site, 8, targets)
    assert first == again
    assert first != other
    assert {f for f in first if f} <= {k.kind for k in CHAOS_KINDS}
    assert 5 <= sum(f is not None for f in first) <= 30
    assert all(f is None for f, t in zip(first, targets) if t == "/robots.txt")
    statuses = [r.status for r in site.requests]
    assert {500, 502, 503, 429} & set(statuses) and 200 in statuses


def test_chaos_kinds_rate_and_rules_first(site: ReplicaSite) -> None:
    site.set_chaos(1, rate=1.0, kinds=[Status(500)], exclude=[re.compile(r"\.rss$")])
    site.add_fault("/", Status(418))
    assert fetch(site, SEED_PATH)[0] == 500
    assert fetch(site, "/")[0] == 418  # a rule wins over chaos
    assert fetch(site, "/tin-moi-nhat.rss")[0] == 200
    site.set_chaos(1, rate=0.0)
    assert fetch(site, SEED_PATH)[0] == 200
    site.set_chaos(1, rate=1.0)
    site.clear_faults()  # removes chaos too
    assert fetch(site, SEED_PATH)[0] == 200


def test_base_fault_changes_nothing(site: ReplicaSite) -> None:
    full = fetch(site, SEED_PATH)[2]
    site.add_fault(SEED_PATH, Fault())
    assert fetch(site, SEED_PATH)[2] == full
    assert last_fault(site) == "Fault"
