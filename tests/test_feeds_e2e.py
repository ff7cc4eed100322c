"""End to end: feeds built from a real crawl of the replica, validated, served over HTTP, stable.

One crawl for the whole module; tests that change the store work on a copy of it.
"""

from __future__ import annotations

import gzip
import html
import shutil
import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import feedparser
import lxml.etree
import pytest

from crawler.classify import load_rules
from crawler.urls import START_URL
from feeds import generate, load_definitions
from feeds.atom import check_atom
from feeds.server import create_app
from replica import load_corpus
from storage import Store
from tests.conftest import tintuc
from tests.feeds_support import (
    ATOM,
    FH,
    assert_safe_content,
    assert_valid_atom,
    entries_by_id,
    fetch,
    running_server,
    topics_from_row,
)

pytestmark = pytest.mark.e2e  # real crawls of the replica over HTTP, or the whole service

BASE = "http://127.0.0.1:8080/"
SEED = "20211124202628584"
SEED_ID = "tag:baotintuc.vn,2021-11-24:20211124202628584"
DEFAULT_SLUGS = ["moi-truong", "viet-nam-nhat-ban", "tat-ca", "moi-truong-va-viet-nhat"]
# Besides the defaults: a small-paged feed so that the replica's articles fill archive pages.
SMALL_PAGES = {
    "slug": "trang-nho",
    "title": "Trang nhỏ",
    "topics": ["environment", "vietnam-japan"],
    "limit": 5,
    "archive_page_size": 5,
}


def definitions(extra=()):
    defaults, _ = load_definitions(None, load_rules())
    more, errors = load_definitions(list(extra), load_rules()) if extra else ([], [])
    assert not errors
    return defaults + more


@pytest.fixture(scope="module")
def crawled(crawled_db):
    return crawled_db


@pytest.fixture(scope="module")
def published(crawled, tmp_path_factory):
    out = tmp_path_factory.mktemp("feeds-out")
    with Store.open(crawled) as store:
        report = generate(store, definitions([SMALL_PAGES]), out, base_url=BASE)
    assert report.ok, report.errors
    return {"out": out, "report": report}


def copy_database(source, target):
    """A consistent copy of a WAL database (SQLite's backup API)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def atom_files(out):
    return sorted(p for p in out.rglob("*.atom"))


@pytest.mark.shared("schemas")
def test_every_document_is_valid_atom(published):
    files = atom_files(published["out"])
    assert [p.name for p in files if p.parent == published["out"]] == sorted(
        f"{slug}.atom" for slug in [*DEFAULT_SLUGS, "trang-nho"]
    )
    archives = [p for p in files if p.parent.name == "trang-nho"]
    assert len(archives) == published["report"].feeds["trang-nho"].archive_pages >= 5
    for path in files:
        data = path.read_bytes()
        archive = path.parent != published["out"]
        assert check_atom(data, archive=archive) == [], path
        parsed = assert_valid_atom(data, path.name)
        assert parsed.version == "atom10"
        root = lxml.etree.fromstring(data)
        assert (root.find(f"{FH}archive") is not None) == archive
        for entry in root.findall(f"{ATOM}entry"):
            assert_safe_content(entry)


def test_feeds_hold_exactly_the_stored_articles_of_their_topics(crawled, published):
    with Store.open(crawled) as store:
        environment, japan = store.article_ids("environment"), store.article_ids("vietnam-japan")
    expected = {
        "moi-truong": environment,
        "viet-nam-nhat-ban": japan,
        "tat-ca": environment | japan,
        "moi-truong-va-viet-nhat": environment & japan,
    }
    for slug, ids in expected.items():
        data = (published["out"] / f"{slug}.atom").read_bytes()
        assert {i.rsplit(":", 1)[1] for i in entries_by_id(data)} == ids, slug
        assert published["report"].feeds[slug].entries == len(ids)


def test_the_archive_and_the_current_document_together_hold_the_whole_feed(crawled, published):
    out = published["out"]
    current = entries_by_id((out / "trang-nho.atom").read_bytes())
    assert len(current) >= 5
    pages = [entries_by_id(p.read_bytes()) for p in sorted((out / "trang-nho").glob("*.atom"))]
    assert all(len(page) == 5 for page in pages)
    with Store.open(crawled) as store:
        everything = store.article_ids("environment") | store.article_ids("vietnam-japan")
    assert {i.rsplit(":", 1)[1] for i in set(current).union(*pages)} == everything


def test_the_seed_article_entry(published):
    parsed = feedparser.parse((published["out"] / "moi-truong-va-viet-nhat.atom").read_bytes())
    [entry] = [e for e in parsed.entries if e.id == SEED_ID]
    print(
        "\nseed entry as feedparser sees it:",
        {
            "title": entry.title,
            "id": entry.id,
            "links": entry.links,
            "updated": entry.updated,
            "categories": [(t.term, t.scheme, t.label) for t in entry.tags],
        },
    )
    assert entry.title == "Việt Nam và Nhật Bản đối thoại về chính sách môi trường"
    alternate = [link for link in entry.links if link.rel == "alternate"]
    assert [link.href for link in alternate] == [START_URL]
    [enclosure] = [link for link in entry.links if link.rel == "enclosure"]
    assert enclosure.type == "image/jpeg" and enclosure.href.startswith(
        "https://cdnmedia.baotintuc.vn/"
    )
    assert entry.published.startswith("2021-11-24T20:") and entry.updated == entry.published
    served = load_corpus().articles["20211124202628584"]  # real text or stand-in, as crawled
    assert [a.name for a in entry.authors] == list(served.authors)
    terms = [t.term for t in entry.tags]
    assert (
        terms[:2] == ["environment", "vietnam-japan"] and terms[2] == "Thời sự"
    )  # the site section
    assert "biến đổi khí hậu" in terms and "COP26" in terms  # its tags
    assert served.paragraphs[-1] in html.unescape(entry.content[0].value)


def test_feeds_are_served_over_http_with_validators_gzip_and_refusals(published):
    with running_server(create_app(published["out"], max_age=600)) as url:
        status, headers, body = fetch(url, "/tat-ca.atom")
        assert status == 200 and body == (published["out"] / "tat-ca.atom").read_bytes()
        assert headers["content-type"] == "application/atom+xml; charset=utf-8"
        assert headers["cache-control"] == "public, max-age=600"
        assert not feedparser.parse(body).bozo
        assert fetch(url, "/tat-ca.atom", headers={"If-None-Match": headers["etag"]})[0] == 304
        assert (
            fetch(url, "/tat-ca.atom", headers={"If-Modified-Since": headers["last-modified"]})[0]
            == 304
        )
        status, zipped, compressed = fetch(url, "/tat-ca.atom", headers={"Accept-Encoding": "gzip"})
        assert zipped["content-encoding"] == "gzip" and gzip.decompress(compressed) == body
        status, head, nothing = fetch(url, "/tat-ca.atom", method="HEAD")
        assert status == 200 and nothing == b"" and head["content-length"] == str(len(body))
        assert fetch(url, "/trang-nho/archive-1.atom")[0] == 200
        status, _headers, index = fetch(url, "/")
        assert status == 200 and b'type="application/atom+xml"' in index
        status, headers, page = fetch(url, "/trang-nho/")  # the feed's web page
        assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
        (published["out"] / "khong-co-trang").mkdir(exist_ok=True)
        for attack in (
            "/../tintuc.db",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/khong-co-trang/",  # a directory without a page: never listed
            "/..%2f..%2fetc%2fpasswd",
            "/.manifest.db",  # what the publisher records: not for readers
        ):
            assert fetch(url, attack)[0] == 404, attack


def test_regenerating_is_byte_identical_and_leaves_mtimes_alone(crawled, published):
    out = published["out"]

    def files():
        return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}

    def regenerate(now):
        with Store.open(crawled) as store:
            report = generate(store, definitions([SMALL_PAGES]), out, base_url=BASE, now=now)
        assert report.ok and report.removed == []
        return report

    before = files()
    assert regenerate(datetime.now(timezone.utc)).written == []
    assert files() == before
    # A year on, the feeds are the same; only the index's chart (the last 24 months) moved
    # (and the manifest, which records it).
    later = regenerate(datetime.now(timezone.utc) + timedelta(days=365))
    assert later.written == ["index.html"] and later.pages == ["index.html"]
    moved = {out / "index.html", out / ".manifest.db"}
    assert {p: v for p, v in files().items() if p not in moved} == {
        p: v for p, v in before.items() if p not in moved
    }
    regenerate(datetime.now(timezone.utc))  # as it was, for the other tests


@pytest.mark.shared("schemas")
def test_an_edit_changes_one_entry_and_keeps_every_id(crawled, tmp_path):
    db = copy_database(crawled, tmp_path / "copy.db")
    out = tmp_path / "out"
    with Store.open(db) as store:
        generate(store, definitions([SMALL_PAGES]), out, base_url=BASE)
        before = {p.relative_to(out).as_posix(): p.read_bytes() for p in atom_files(out)}
        row = store.article(SEED)
        edited = replace(
            store.load_article(SEED),
            body_text=row["body_text"] + "\n\nĐoạn bổ sung sau khi bài được sửa.",
            body_html=row["body_html"] + "\n<p>Đoạn bổ sung sau khi bài được sửa.</p>",
            modified="2021-11-25T08:00:00+07:00",
        )
        later = datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc)
        store.save_article(
            edited, topics_from_row(row), rules_version="test", now=later, next_check=None
        )
        report = generate(store, definitions([SMALL_PAGES]), out, base_url=BASE)
    after = {p.relative_to(out).as_posix(): p.read_bytes() for p in atom_files(out)}
    assert after.keys() == before.keys()
    changed = {name for name in after if after[name] != before[name]}
    assert changed and set(report.written) - {"index.html", "feeds.opml"} == changed
    assert changed <= {
        "moi-truong.atom",
        "viet-nam-nhat-ban.atom",
        "tat-ca.atom",
        "moi-truong-va-viet-nhat.atom",
    } | {n for n in after if n.startswith("trang-nho/")}
    for name in changed:
        old, new = entries_by_id(before[name]), entries_by_id(after[name])
        assert list(old) == list(new), name  # same ids, same order
        differing = [i for i in old if lxml.etree.tostring(old[i]) != lxml.etree.tostring(new[i])]
        assert differing == [SEED_ID], name
        entry = new[SEED_ID]
        assert entry.findtext(f"{ATOM}updated") == later.isoformat()
        assert entry.findtext(f"{ATOM}published") == old[SEED_ID].findtext(f"{ATOM}published")
        assert "Đoạn bổ sung" in entry.findtext(f"{ATOM}content")
        root = lxml.etree.fromstring(after[name])
        if root.find(f"{FH}archive") is None:
            assert root.findtext(f"{ATOM}updated") == later.isoformat()  # the newest entry's
        assert_valid_atom(after[name], name)


def test_the_command_line_publishes_the_same_bytes(crawled, published, tmp_path):
    db = copy_database(crawled, tmp_path / "cli.db")
    out = tmp_path / "out"
    result = tintuc("feeds", "--db", str(db), "--out", str(out), "--base-url", BASE)
    assert "feeds: 4 feeds ok, 0 failed" in result.stdout
    for slug in DEFAULT_SLUGS:
        assert (out / f"{slug}.atom").read_bytes() == (
            published["out"] / f"{slug}.atom"
        ).read_bytes()
    shutil.rmtree(out)
