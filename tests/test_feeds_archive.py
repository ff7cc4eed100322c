"""Archive paging (RFC 5005): the pure plan, then the published pages and their stability."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import lxml.etree
import pytest

from crawler.classify import load_rules
from feeds import generate, load_definitions
from feeds.archive import arrival, plan
from storage.feed_queries import CrawlWindow, FeedMember
from storage.store import RunStats, Store
from tests.feeds_support import ATOM, FH, T0, assert_valid_atom, entries_by_id, make_article, save

BASE = "http://127.0.0.1:8080/"


def member(
    n: int, first_seen: str = "2026-11-01T00:00:10+00:00", day: int | None = None
) -> FeedMember:
    day = n if day is None else day
    published = (datetime(2026, 1, 1, 12, tzinfo=timezone.utc) + timedelta(days=day)).isoformat()
    return FeedMember(f"2026{n:013d}", published, first_seen)


CRAWL_1 = CrawlWindow("2026-11-01T00:00:00+00:00", "2026-11-01T00:10:00+00:00", False)
CRAWL_2 = CrawlWindow("2026-11-02T00:00:00+00:00", "2026-11-02T00:10:00+00:00", False)
RUNNING = CrawlWindow("2026-11-03T00:00:00+00:00", None, True)


def test_one_crawl_is_paged_in_publication_order_and_everything_is_covered():
    members = [member(n, f"2026-11-01T00:0{n % 9}:00+00:00") for n in range(1, 24)]
    layout = plan(members, [CRAWL_1], limit=5, page_size=5)
    assert len(layout.pages) == 4 and all(len(page) == 5 for page in layout.pages)
    assert layout.pages[0] == tuple(m.site_id for m in members[:5])  # oldest first
    assert layout.current == tuple(m.site_id for m in reversed(members[-5:]))  # newest first
    covered = set(layout.current).union(*layout.pages)
    assert covered == {m.site_id for m in members}


def test_later_crawls_only_append_and_full_pages_never_change():
    first = [member(n) for n in range(1, 11)]
    before = plan(first, [CRAWL_1], limit=5, page_size=5)
    later = first + [member(n, "2026-11-02T00:05:00+00:00") for n in range(11, 13)]
    # ...and an old article discovered late: it joins the end of the history, not its middle.
    late = member(99, "2026-11-02T00:06:00+00:00", day=0)
    after = plan(later + [late], [CRAWL_1, CRAWL_2], limit=5, page_size=5)
    assert after.pages == before.pages and len(after.pages) == 2
    assert late.site_id in after.current  # waiting for its page to fill, shown meanwhile
    assert len(after.current) == 5 + 1
    covered = set(after.current).union(*after.pages)
    assert covered == {m.site_id for m in later + [late]}
    grown = later + [late] + [member(n, "2026-11-02T00:07:00+00:00") for n in range(13, 15)]
    final = plan(grown, [CRAWL_1, CRAWL_2], limit=5, page_size=5)
    assert final.pages[:2] == before.pages and late.site_id in final.pages[2]
    assert late.site_id not in final.current


def test_articles_of_a_running_crawl_are_not_paged_yet():
    settled = [member(n) for n in range(1, 6)]
    arriving = [member(n, "2026-11-03T00:01:00+00:00") for n in range(6, 12)]
    layout = plan(settled + arriving, [CRAWL_1, RUNNING], limit=5, page_size=5)
    assert layout.pages == (tuple(m.site_id for m in settled),)
    assert arrival("2026-11-03T00:01:00+00:00", [CRAWL_1, RUNNING]) == (RUNNING.started, False)


def test_arrival_outside_any_crawl_is_the_first_seen_time():
    assert arrival("2026-10-01T00:00:00+00:00", [CRAWL_1]) == ("2026-10-01T00:00:00+00:00", True)
    assert arrival("2026-11-01T00:11:00+00:00", [CRAWL_1]) == ("2026-11-01T00:11:00+00:00", True)
    assert arrival("2026-11-01T00:05:00+00:00", [CRAWL_1]) == (CRAWL_1.started, True)
    killed = CrawlWindow("2026-11-01T00:00:00+00:00", None, False)  # interrupted: no end
    assert arrival("2026-11-01T00:05:00+00:00", [killed]) == ("2026-11-01T00:05:00+00:00", True)


def test_without_archive_or_with_max_age_there_are_no_pages():
    members = [member(n) for n in range(1, 30)]
    assert plan(members, [CRAWL_1], limit=5, page_size=None).pages == ()
    now = datetime(2026, 1, 31, tzinfo=timezone.utc)
    layout = plan(members, [CRAWL_1], limit=50, page_size=None, max_age_days=5, now=now)
    assert len(layout.current) == 5


# -- published archive pages ---------------------------------------------------------------------

DEFINITION = [{"slug": "moi-truong", "topics": ["environment"], "limit": 5, "archive_page_size": 5}]


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "t.db") as opened:
        yield opened


def crawl(store: Store, site_ids, start: datetime, **article_changes) -> None:
    """Save articles inside a recorded crawl run, as the crawler does."""
    run = store.start_run("http://replica", now=start)
    for offset, site_id in enumerate(site_ids):
        save(
            store,
            make_article(site_id, **article_changes),
            now=start + timedelta(seconds=offset + 1),
        )
    store.finish_run(run, RunStats(), status="ok", now=start + timedelta(minutes=10))


def article_ids(day_from: int, day_to: int) -> list[str]:
    return [f"202610{day:02d}090000000" for day in range(day_from, day_to + 1)]


def regenerate(store, out):
    definitions, errors = load_definitions(DEFINITION, load_rules())
    assert not errors
    report = generate(store, definitions, out, base_url=BASE)
    assert report.ok, report.errors
    return report


def links(data: bytes) -> dict[str, str]:
    root = lxml.etree.fromstring(data)
    return {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}


def test_archive_pages_are_linked_marked_and_valid(store, tmp_path):
    crawl(store, article_ids(1, 12), T0)
    out = tmp_path / "out"
    report = regenerate(store, out)
    assert report.feeds["moi-truong"].archive_pages == 2
    current = (out / "moi-truong.atom").read_bytes()
    first, second = ((out / "moi-truong" / f"archive-{n}.atom").read_bytes() for n in (1, 2))
    for name, data in (("current", current), ("archive-1", first), ("archive-2", second)):
        assert_valid_atom(data, name)
    assert links(current)["prev-archive"] == BASE + "moi-truong/archive-2.atom"
    assert lxml.etree.fromstring(current).find(f"{FH}archive") is None
    assert links(second) == {
        "self": BASE + "moi-truong/archive-2.atom",
        "alternate": "https://baotintuc.vn/",
        "current": BASE + "moi-truong.atom",
        "prev-archive": BASE + "moi-truong/archive-1.atom",
        "next-archive": BASE + "moi-truong/archive-3.atom",
    }
    assert "prev-archive" not in links(first)
    for data in (first, second):
        assert lxml.etree.fromstring(data).find(f"{FH}archive") is not None
    ids = [lxml.etree.fromstring(d).findtext(f"{ATOM}id") for d in (current, first, second)]
    assert len(set(ids)) == 1  # one logical feed
    assert [i[-17:] for i in entries_by_id(first)] == list(reversed(article_ids(1, 5)))
    assert [i[-17:] for i in entries_by_id(current)] == list(reversed(article_ids(8, 12)))


def test_full_pages_stay_byte_identical_as_the_feed_grows(store, tmp_path):
    out = tmp_path / "out"
    crawl(store, article_ids(1, 12), T0)
    regenerate(store, out)
    page = out / "moi-truong" / "archive-1.atom"
    before, stat_before = page.read_bytes(), page.stat()
    crawl(store, article_ids(20, 24), T0 + timedelta(days=1))
    crawl(store, ["20260101090000000"], T0 + timedelta(days=2))  # an old article, discovered late
    report = regenerate(store, out)
    assert report.feeds["moi-truong"].archive_pages == 3
    assert (
        "moi-truong/archive-1.atom" in report.unchanged
        and "moi-truong/archive-2.atom" in report.unchanged
    )
    assert page.read_bytes() == before and page.stat().st_mtime_ns == stat_before.st_mtime_ns
    current = entries_by_id((out / "moi-truong.atom").read_bytes())
    assert "tag:baotintuc.vn,2026-01-01:20260101090000000" in current
    pages = [entries_by_id(p.read_bytes()) for p in sorted((out / "moi-truong").iterdir())]
    assert set(current).union(*pages) == {
        f"tag:baotintuc.vn,{i[:4]}-{i[4:6]}-{i[6:8]}:{i}" for i in store.article_ids()
    }


def test_pages_no_longer_produced_are_removed(store, tmp_path):
    out = tmp_path / "out"
    crawl(store, article_ids(1, 12), T0)
    regenerate(store, out)
    assert len(list((out / "moi-truong").iterdir())) == 2
    (out / "moi-truong" / "notes.txt").write_text("not ours")
    definitions, _ = load_definitions([{**DEFINITION[0], "archive": False}], load_rules())
    report = generate(store, definitions, out, base_url=BASE)
    assert sorted(report.removed) == ["moi-truong/archive-1.atom", "moi-truong/archive-2.atom"]
    assert [p.name for p in (out / "moi-truong").iterdir()] == ["notes.txt"]
    assert "prev-archive" not in links((out / "moi-truong.atom").read_bytes())
