"""Archive paging (RFC 5005): the pure plan, a plan carried forward, the published pages and
their stability, and regenerations that redo only what changed."""

from __future__ import annotations

import random
import sqlite3
import tempfile
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import lxml.etree
import pytest

from core.feed_types import CrawlWindow, FeedMember
from crawler.classify import load_rules
from feeds import generate, load_definitions, publish
from feeds.archive import Placement, Step, advance, arrival, layout, plan
from storage import Store
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


# -- a layout carried forward --------------------------------------------------------------------


def carried(before: Placement, step: Step) -> Placement:
    """What the caller keeps (feeds.manifest), updated by a step."""
    unpaged = (set(before.unpaged) - set(step.left)) | set(step.joined)
    return Placement(step.layout, before.pages + step.appended, tuple(sorted(unpaged)))


def locate(placement: Placement, site_ids) -> dict:
    where = {i: (n, time) for n, page in enumerate(placement.pages, 1) for i, time in page}
    where.update({i: (0, 0) for i in placement.unpaged})
    return {i: where[i] for i in site_ids if i in where}


def forward(before: Placement, changed, members, windows, *, limit, page_size):
    """`advance` as the regeneration calls it: the changed among the members, where they were."""
    now = [m for m in members if m.site_id in changed]
    return advance(
        before.layout, changed, now, locate(before, changed), windows,
        limit=limit, page_size=page_size,
    )  # fmt: skip


def crawl_window(hour: int, running: bool = False) -> CrawlWindow:
    start = f"2026-11-01T{hour:02d}:00:00+00:00"
    return CrawlWindow(start, None if running else f"2026-11-01T{hour:02d}:10:00+00:00", running)


def random_member(rng: random.Random, n: int, hour: int) -> FeedMember:
    minute = rng.choice([1, 5, 9, 30])  # within that hour's crawl, or after it
    return member(n, f"2026-11-01T{hour:02d}:{minute:02d}:00+00:00", day=rng.randrange(40))


@pytest.mark.parametrize("page_size", [3, None])
@pytest.mark.parametrize("seed", range(200))
def test_a_layout_carried_forward_is_the_layout_made_from_scratch(seed, page_size):
    rng = random.Random(seed)
    hours = rng.randrange(1, 6)
    running = rng.random() < 0.5  # the last crawl has not finished yet
    windows = [crawl_window(h, running and h == hours - 1) for h in range(hours)]
    members = [random_member(rng, n, rng.randrange(hours)) for n in range(rng.randrange(25))]
    before = layout(members, windows, limit=4, page_size=page_size)
    # What happens next: that crawl finishes, more crawls bring articles, some articles are
    # fetched again (unchanged, edited, re-dated), some leave the feed, others never were in it.
    later = [crawl_window(h) for h in range(hours + rng.randrange(3))]
    changed: set[str] = set()
    after = []
    for m in members:
        roll = rng.random()
        if roll < 0.05:
            changed.add(m.site_id)  # left the feed
        elif roll < 0.08:
            changed.add(m.site_id)  # re-dated by the site
            after.append(replace(m, published=member(0, day=rng.randrange(40)).published))
        else:
            if roll < 0.4:
                changed.add(m.site_id)  # fetched again
            after.append(m)
    for n in range(100, 100 + rng.randrange(12)):
        arrived = random_member(rng, n, rng.randrange(hours - 1, len(later)))
        changed.add(arrived.site_id)
        if rng.random() < 0.8:  # else: stored, but not in this feed
            after.append(arrived)
    step = forward(before, changed, after, later, limit=4, page_size=page_size)
    if step is not None:
        assert carried(before, step) == layout(after, later, limit=4, page_size=page_size)


def test_the_usual_changes_are_carried_forward_without_every_member():
    """New arrivals, articles fetched again, others stored: no need for the whole history."""
    first = [member(n) for n in range(1, 11)]
    before = layout(first, [CRAWL_1], limit=5, page_size=3)
    arrived = [member(n, "2026-11-02T00:05:00+00:00") for n in range(11, 15)]
    changed = {m.site_id for m in arrived} | {first[0].site_id, first[-1].site_id, "other"}
    step = forward(before, changed, first + arrived, [CRAWL_1, CRAWL_2], limit=5, page_size=3)
    assert step is not None
    assert step.dirty == {1} and len(step.appended) == 1  # page 1 re-rendered, page 4 is new
    assert carried(before, step) == layout(first + arrived, [CRAWL_1, CRAWL_2], limit=5, page_size=3)
    assert forward(before, set(), first, [CRAWL_1], limit=5, page_size=3) == Step(before.layout)


def test_what_reaches_into_the_pages_needs_every_member():
    first = [member(n) for n in range(1, 11)]
    before = layout(first, [CRAWL_1], limit=5, page_size=3)
    gone = first[1:]  # the first article left the feed: every page shifts
    assert forward(before, {first[0].site_id}, gone, [CRAWL_1], limit=5, page_size=3) is None
    moved = [replace(first[0], published=first[-1].published), *first[1:]]
    assert forward(before, {first[0].site_id}, moved, [CRAWL_1], limit=5, page_size=3) is None
    late = member(99, "2026-11-01T00:00:30+00:00", day=0)  # in crawl 1, classified only now
    assert forward(before, {late.site_id}, [*first, late], [CRAWL_1], limit=5, page_size=3) is None
    rewritten = [replace(CRAWL_1, finished="2026-11-01T00:03:00+00:00")]
    assert forward(before, {first[-1].site_id}, first, rewritten, limit=5, page_size=3) is None


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
    store.finish_run(run, {}, status="ok", now=start + timedelta(minutes=10))


def article_ids(day_from: int, day_to: int) -> list[str]:
    return [f"202610{day:02d}090000000" for day in range(day_from, day_to + 1)]


def regenerate(store, out, definition=DEFINITION, base=BASE):
    definitions, errors = load_definitions(definition, load_rules())
    assert not errors
    report = generate(store, definitions, out, base_url=base)
    assert report.ok, report.errors
    return report


def links(data: bytes) -> dict[str, str]:
    root = lxml.etree.fromstring(data)
    return {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}


@pytest.mark.shared("schemas")
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
        "alternate": BASE + "moi-truong/archive-2.html",  # its web page: the same entries
        "related": "https://baotintuc.vn/",
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
    pages = [entries_by_id(p.read_bytes()) for p in sorted((out / "moi-truong").glob("*.atom"))]
    assert set(current).union(*pages) == {
        f"tag:baotintuc.vn,{i[:4]}-{i[4:6]}-{i[6:8]}:{i}" for i in store.article_ids()
    }


def test_pages_no_longer_produced_are_removed(store, tmp_path):
    out = tmp_path / "out"
    crawl(store, article_ids(1, 12), T0)
    regenerate(store, out)
    assert len(list((out / "moi-truong").glob("archive-*"))) == 4  # Atom files and web pages
    (out / "moi-truong" / "notes.txt").write_text("not ours")
    definitions, _ = load_definitions([{**DEFINITION[0], "archive": False}], load_rules())
    report = generate(store, definitions, out, base_url=BASE)
    assert sorted(report.removed) == [
        "moi-truong/archive-1.atom", "moi-truong/archive-1.html",
        "moi-truong/archive-2.atom", "moi-truong/archive-2.html",
    ]  # fmt: skip
    assert sorted(p.name for p in (out / "moi-truong").iterdir()) == ["index.html", "notes.txt"]
    assert "prev-archive" not in links((out / "moi-truong.atom").read_bytes())


# -- regenerating only what changed (feeds.manifest) ---------------------------------------------

CURRENT = "moi-truong.atom"


def page(number: int) -> str:
    return f"moi-truong/archive-{number}.atom"


def web_page(number: int | None) -> str:
    return "moi-truong/index.html" if number is None else f"moi-truong/archive-{number}.html"


def published(out) -> dict[str, bytes]:
    """Every published file (the manifest, a hidden name, aside)."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def from_scratch(store, tmp_path, definition=DEFINITION, base=BASE) -> dict[str, bytes]:
    out = Path(tempfile.mkdtemp(dir=tmp_path))
    regenerate(store, out, definition, base)
    return published(out)


def identities(out) -> dict[str, tuple[int, int]]:
    """Each archive file's inode and mtime: both change whenever it is written."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (out / "moi-truong").iterdir()}


def test_regenerating_an_unchanged_store_renders_no_archive_page(store, tmp_path):
    crawl(store, article_ids(1, 17), T0)  # three full pages, two entries waiting
    out = tmp_path / "out"
    first = regenerate(store, out)
    assert sorted(first.rendered) == [CURRENT, page(1), page(2), page(3)]
    assert sorted(first.pages) == ["index.html", *(web_page(n) for n in (1, 2, 3, None))]
    before = identities(out)
    again = regenerate(store, out)
    assert again.rendered == [CURRENT] and again.pages == [] and again.written == []
    assert sorted(again.unchanged) == sorted(published(out))
    assert identities(out) == before


def test_new_articles_render_only_the_page_they_fill(store, tmp_path):
    crawl(store, article_ids(1, 12), T0)
    out = tmp_path / "out"
    regenerate(store, out)
    before = identities(out)
    crawl(store, article_ids(13, 15), T0 + timedelta(days=1))  # with the two waiting: page 3
    report = regenerate(store, out)
    assert sorted(report.rendered) == [CURRENT, page(3)]
    # Page 2's web page is rendered again for its "newer" link, now to page 3; not its feed.
    assert sorted(report.pages) == ["index.html", web_page(2), web_page(3), web_page(None)]
    unchanged = set(before) - {"archive-2.html", "index.html"}
    assert {name: identities(out)[name] for name in unchanged} == {n: before[n] for n in unchanged}
    assert published(out) == from_scratch(store, tmp_path)


def test_an_edited_article_rebuilds_exactly_its_page(store, tmp_path):
    crawl(store, article_ids(1, 17), T0)
    out = tmp_path / "out"
    regenerate(store, out)
    before = identities(out)
    edited = article_ids(7, 7)  # in page 2 (days 6 to 10)
    crawl(store, edited, T0 + timedelta(days=1), body_text="Đã sửa.", body_html="<p>Đã sửa.</p>")
    report = regenerate(store, out)
    assert sorted(report.rendered) == [CURRENT, page(2)] and page(2) in report.written
    after = identities(out)
    assert after["archive-2.atom"] != before["archive-2.atom"]
    assert {n: after[n] for n in ("archive-1.atom", "archive-3.atom")} == {
        n: before[n] for n in ("archive-1.atom", "archive-3.atom")
    }
    assert "Đã sửa." in (out / page(2)).read_text(encoding="utf-8")
    assert published(out) == from_scratch(store, tmp_path)


def test_a_missing_or_altered_archive_file_is_rebuilt(store, tmp_path):
    crawl(store, article_ids(1, 17), T0)
    out = tmp_path / "out"
    regenerate(store, out)
    expected = published(out)
    (out / page(1)).unlink()
    with open(out / page(2), "r+b") as handle:  # in place: same inode, same size
        handle.seek(200)
        handle.write(b"garbage")
    report = regenerate(store, out)
    assert sorted(report.rendered) == [CURRENT, page(1), page(2)]
    assert published(out) == expected


def test_a_changed_definition_or_base_url_rebuilds_every_page(store, tmp_path):
    crawl(store, article_ids(1, 17), T0)
    out = tmp_path / "out"
    regenerate(store, out)
    retitled = [{**DEFINITION[0], "title": "Môi trường (tiêu đề mới)"}]
    report = regenerate(store, out, retitled)
    assert sorted(report.rendered) == [CURRENT, page(1), page(2), page(3)]
    assert published(out) == from_scratch(store, tmp_path, retitled)
    moved = regenerate(store, out, retitled, base="https://tin.example/feeds/")
    assert sorted(moved.rendered) == [CURRENT, page(1), page(2), page(3)]
    assert published(out) == from_scratch(store, tmp_path, retitled, "https://tin.example/feeds/")


def test_articles_leaving_the_feed_re_cut_its_pages(store, tmp_path):
    crawl(store, article_ids(1, 17), T0)
    out = tmp_path / "out"
    regenerate(store, out)
    for site_id in article_ids(2, 4):  # new topic rules: three old articles are out
        store.replace_topics(site_id, [], rules_version="other rules")
    report = regenerate(store, out)
    assert report.removed == [page(3), web_page(3)]
    assert report.feeds["moi-truong"].archive_pages == 2
    assert published(out) == from_scratch(store, tmp_path)


class Killed(BaseException):
    """What kill -9 does to a regeneration, at a chosen moment."""


def test_a_regeneration_killed_at_any_moment_is_repaired_by_the_next(
    store, tmp_path, monkeypatch
):
    crawl(store, article_ids(1, 12), T0)
    earlier = tmp_path / "earlier.db"  # the store as it was (same history of changes)
    with sqlite3.connect(store.path) as source, sqlite3.connect(earlier) as copy:
        source.backup(copy)
    crawl(store, article_ids(1, 1), T0 + timedelta(days=1), title="Tiêu đề đã sửa")  # page 1
    crawl(store, article_ids(13, 16), T0 + timedelta(days=2))  # page 3, and more waiting
    expected = from_scratch(store, tmp_path)
    real = publish.publish
    for moment in range(20):
        out = tmp_path / f"killed-{moment}"
        with Store.open(earlier) as before:
            regenerate(before, out)
        calls = []

        def publish_then_die(path, data, moment=moment, calls=calls):
            if len(calls) == moment:
                raise Killed
            calls.append(path)
            return real(path, data)

        monkeypatch.setattr(publish, "publish", publish_then_die)
        try:
            regenerate(store, out)
            finished = True
        except Killed:
            finished = False
        monkeypatch.setattr(publish, "publish", real)
        repaired = regenerate(store, out)
        assert published(out) == expected, f"killed after {moment} files"
        assert regenerate(store, out).rendered == [CURRENT], f"killed after {moment} files"
        if finished:
            assert moment > 3 and repaired.rendered == [CURRENT]
            break
    else:
        pytest.fail("the regeneration never finished")


def test_a_restored_backup_is_never_taken_for_the_store_it_was_copied_from(store, tmp_path):
    crawl(store, article_ids(1, 12), T0)
    store.backup_to(tmp_path / "backup.db")
    crawl(store, article_ids(1, 1), T0 + timedelta(days=1), title="Tiêu đề đã sửa")
    crawl(store, article_ids(13, 16), T0 + timedelta(days=1))
    out = tmp_path / "out"
    regenerate(store, out)
    with Store.open(tmp_path / "backup.db") as restored:  # ... and it goes its own way
        crawl(restored, article_ids(20, 29), T0 + timedelta(days=2))
        assert restored.revision().number > store.revision().number
        report = regenerate(restored, out)
        assert sorted(report.rendered)[:2] == [CURRENT, page(1)]
        assert published(out) == from_scratch(restored, tmp_path)


def test_an_unreadable_manifest_is_started_afresh(store, tmp_path):
    crawl(store, article_ids(1, 12), T0)
    out = tmp_path / "out"
    regenerate(store, out)
    expected = published(out)
    (out / ".manifest.db").write_bytes(b"not a database" * 100)
    report = regenerate(store, out)
    assert sorted(report.rendered) == [CURRENT, page(1), page(2)]
    assert published(out) == expected
    assert regenerate(store, out).rendered == [CURRENT]
