"""`tintuc backfill`: the walk's decisions (pure), then real backfills of a simulated site.

The simulated site (replica/simulated.py) has the real category tree, paginated listings and
tag pages, day archives and a ground truth of which articles are about the topics.
"""

from __future__ import annotations

import math
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from core.clock import VIETNAM_TZ
from crawler import backfill as plan
from crawler.listing import ListingItem
from crawler.urls import Kind, kind_of
from replica import ReplicaSite
from storage import PageOutcome, Store
from tests.conftest import REPO, tintuc

TODAY = date(2026, 12, 1)


def item(created: datetime, title: str = "Tin", n: int = 0) -> ListingItem:
    site_id = created.strftime("%Y%m%d%H%M%S") + f"{n:03d}"
    return ListingItem(f"https://baotintuc.vn/x/tin-{site_id}.htm", site_id, title, "", "", "list")


def page_of_days(first_day: date, *, per_page: int = 20, has_next: bool = True) -> plan.PageView:
    """A listing page whose items were created on `first_day` and the days before, one a day."""
    start = datetime(first_day.year, first_day.month, first_day.day, 12, tzinfo=VIETNAM_TZ)
    return plan.PageView([item(start - timedelta(days=k), n=k) for k in range(per_page)], has_next)


# -- the window ---------------------------------------------------------------------------------


def test_a_window_names_itself_and_knows_its_days():
    whole, year = plan.Window(), plan.Window(date(2020, 1, 1), date(2020, 12, 31))
    assert (whole.key, str(whole), whole.open) == ("..", "the whole archive", True)
    assert (year.key, str(year), year.open) == ("2020-01-01..2020-12-31", "2020-01-01 to 2020-12-31", False)
    assert year.contains(datetime(2020, 12, 31, 23, 59, tzinfo=VIETNAM_TZ))
    assert not year.contains(datetime(2021, 1, 1, 0, 1, tzinfo=VIETNAM_TZ))
    assert plan.Window(date(2026, 11, 29)).days(TODAY) == [date(2026, 12, 1), date(2026, 11, 30), date(2026, 11, 29)]
    with pytest.raises(ValueError, match="after"):
        plan.Window(date(2021, 1, 1), date(2020, 1, 1))


def test_only_a_short_window_reads_day_archives():
    assert plan.Window(TODAY - timedelta(days=2)).uses_day_archives(TODAY)
    assert not plan.Window(TODAY - timedelta(days=plan.DAY_ARCHIVE_DAYS)).uses_day_archives(TODAY)
    assert not plan.Window().uses_day_archives(TODAY)
    assert not plan.Window(date(2020, 1, 1), date(2020, 12, 31)).uses_day_archives(TODAY)


def test_the_command_line_window_takes_dates_or_a_duration_back_from_today():
    assert plan.window_from("2d", None, TODAY) == plan.Window(date(2026, 11, 29))
    assert plan.window_from("2020-01-01", "2020-06-30", TODAY) == plan.Window(date(2020, 1, 1), date(2020, 6, 30))
    assert plan.window_from(None, None, TODAY) == plan.Window()
    with pytest.raises(ValueError, match="--since 'last year' is not a date"):
        plan.window_from("last year", None, TODAY)
    with pytest.raises(ValueError, match=r"--until '2d' is not a date \(YYYY-MM-DD\)$"):
        plan.window_from(None, "2d", TODAY)


# -- walking and stopping -----------------------------------------------------------------------


def test_a_walk_of_the_whole_archive_goes_on_while_its_pages_hold_candidates():
    walk = plan.start_walk("listing", plan.Window())
    for number in range(1, 30):
        walk = plan.after_page(walk, page_of_days(TODAY - timedelta(days=20 * number)), 3, plan.Window())
    assert (walk.status, walk.next_page) == (plan.WALKING, 30)


def test_a_walk_ends_thin_when_its_last_pages_together_gave_too_few_candidates():
    walk, found = plan.start_walk("listing", plan.Window()), [4, 2, 1, 0, 0, 1, 0, 0, 0, 0]
    statuses = []
    for number, count in enumerate(found, start=1):
        walk = plan.after_page(walk, page_of_days(TODAY - timedelta(days=20 * number)), count, plan.Window())
        statuses.append(walk.status)
    # After WINDOW pages the rule looks back over them: 4+2+1+0+0+1+0+0 = 8 is not thin; then it is.
    assert statuses[: plan.WINDOW] == [plan.WALKING] * plan.WINDOW
    thin_at = statuses.index(plan.THIN_STATUS) + 1
    assert sum(found[thin_at - plan.WINDOW : thin_at]) < plan.THIN * plan.WINDOW
    # Tag pages look back over fewer pages.
    tag = plan.start_walk("tag", plan.Window())
    for number in range(1, plan.TAG_WINDOW + 1):
        tag = plan.after_page(tag, page_of_days(TODAY - timedelta(days=20 * number)), 0, plan.Window())
    assert tag.status == plan.THIN_STATUS


def test_a_walk_ends_done_at_the_end_of_the_archive_or_past_the_windows_start():
    whole = plan.after_page(plan.Walk("listing"), page_of_days(TODAY, has_next=False), 5, plan.Window())
    assert whole.status == plan.DONE
    empty = plan.after_page(plan.Walk("listing", 7), plan.PageView([], False), 0, plan.Window())
    assert empty.status == plan.DONE
    window = plan.Window(TODAY - timedelta(days=30))
    inside = plan.after_page(plan.Walk("listing"), page_of_days(TODAY - timedelta(days=5)), 0, window)
    past = plan.after_page(plan.Walk("listing", 2), page_of_days(TODAY - timedelta(days=25)), 0, window)
    assert (inside.status, past.status) == (plan.WALKING, plan.DONE)


def test_a_bounded_window_is_walked_whole_however_few_its_candidates():
    window = plan.Window(TODAY - timedelta(days=3000))
    walk = plan.start_walk("listing", window)
    for number in range(1, 3 * plan.WINDOW):
        walk = plan.after_page(walk, page_of_days(TODAY - timedelta(days=20 * number)), 0, window)
    assert walk.status == plan.WALKING


@pytest.mark.parametrize("pages, until_page", [(1000, 1), (1000, 2), (1000, 377), (1000, 999), (37, 20)])
def test_a_walk_with_an_until_locates_its_first_page_in_a_logarithmic_number_of_probes(pages, until_page):
    # Page n lists days (n-1)*20 … (n-1)*20+19 before today; `until` falls on page `until_page`.
    def listing(number: int) -> plan.PageView:
        if number > pages:
            return plan.PageView([], False)
        return page_of_days(TODAY - timedelta(days=20 * (number - 1)), has_next=number < pages)

    until = TODAY - timedelta(days=20 * (until_page - 1) + 7)
    window = plan.Window(None, until)
    walk, probes = plan.start_walk("listing", window), []
    while walk.status == plan.LOCATING:
        probes.append(walk.next_page)
        walk = plan.after_page(walk, listing(walk.next_page), 0, window)
    assert walk.status == plan.WALKING and walk.next_page == until_page
    assert len(probes) <= 2 * math.log2(pages) + 2


def test_candidates_are_listed_articles_in_the_window_not_stored_and_worth_fetching():
    window = plan.Window(date(2026, 1, 1))
    items = [item(datetime(2026, 5, 1, tzinfo=VIETNAM_TZ), "Ô nhiễm sông", 1),
             item(datetime(2026, 5, 1, tzinfo=VIETNAM_TZ), "Bóng đá", 2),
             item(datetime(2025, 5, 1, tzinfo=VIETNAM_TZ), "Ô nhiễm cũ", 3),
             item(datetime(2026, 5, 2, tzinfo=VIETNAM_TZ), "Ô nhiễm đã lưu", 4)]  # fmt: skip
    stored = {items[3].site_id}
    chosen = plan.candidates(items, window, lambda title, summary: "Ô nhiễm" in title,
                             lambda listed: listed.site_id in stored)  # fmt: skip
    assert [c.title for c in chosen] == ["Ô nhiễm sông"]


def test_topical_tags_are_those_enough_relevant_articles_carry_and_that_speak_of_a_topic():
    counts = {"biến đổi khí hậu": 9, "hà nội": 40, "jica": plan.TAG_MIN_RELEVANT, "rác thải": 2}
    topical = {"biến đổi khí hậu", "jica", "rác thải"}
    assert plan.topical_tags(counts, lambda tag: float(tag in topical)) == ["biến đổi khí hậu", "jica"]


def test_the_progress_estimate_follows_the_density_a_walk_has_seen():
    window = plan.Window(TODAY - timedelta(days=100))
    # 20 items over the last 10 days (2 a day): 90 days more are ~180 items, 9 pages.
    assert plan.pages_left("listing", plan.WALKING, 20, "2026-11-21T00:00:00+07:00", window, TODAY) == 9
    assert plan.pages_left("listing", plan.WALKING, 20, "2026-08-01T00:00:00+07:00", window, TODAY) == 0
    assert plan.pages_left("day", plan.WALKING, 0, None, window, TODAY) == 1


# -- real backfills of a simulated site ---------------------------------------------------------


@pytest.fixture(scope="module")
def sim():
    """3,000 articles over seven months (the real site's density, ~14 a day in this simulation)."""
    with ReplicaSite.simulated(3_000, seed=3, years=0.6) as site:
        yield site


def backfill(site: ReplicaSite, db: Path, *extra: str, check: bool = True) -> subprocess.CompletedProcess:
    return tintuc("backfill", "--site-url", site.url, "--db", str(db), "--delay", "0", "--no-progress",
                  *extra, check=check)  # fmt: skip


def relevant(site: ReplicaSite) -> frozenset[str]:
    return site.simulation.environment | site.simulation.vietnam_japan


def stored_in_topics(db: Path) -> set[str]:
    with Store.open(db) as store:
        return store.article_ids("environment") | store.article_ids("vietnam-japan")


def article_fetches(site: ReplicaSite) -> Counter:
    return Counter(r.decoded_path for r in site.requests if kind_of("http://x" + r.decoded_path) is Kind.ARTICLE)


def archive_pages(site: ReplicaSite, since: int = 0) -> int:
    """Listing and tag pages among the replica's requests (from the `since`-th on)."""
    return sum(kind_of("http://x" + r.decoded_path) in (Kind.LISTING, Kind.TAG) for r in site.requests[since:])


@pytest.mark.e2e
def test_a_backfill_of_the_whole_archive_finds_the_topics_articles_for_few_requests(sim, tmp_path):
    sim.clear_requests()
    result = backfill(sim, tmp_path / "b.db")
    requests = len(sim.requests)
    found = stored_in_topics(tmp_path / "b.db") & relevant(sim)
    assert len(found) >= 0.95 * len(relevant(sim))
    assert requests <= 2.5 * len(found)  # listing and tag pages included (bench/backfill.py: 1.9 at 50,000)
    assert max(article_fetches(sim).values()) == 1, "no article fetched twice"
    assert "complete" in result.stdout
    with Store.open(tmp_path / "b.db") as store:
        (run,) = store.runs(kind="backfill")
        statuses = Counter(source.status for source in store.backfill_sources(".."))
    assert run.status == "ok" and set(statuses) <= {plan.DONE, plan.THIN_STATUS}
    assert statuses[plan.DONE] + statuses[plan.THIN_STATUS] >= 19  # every section listing at least

    sim.clear_requests()
    again = backfill(sim, tmp_path / "b.db")
    assert sim.requests == [] and "complete" in again.stdout, "a finished backfill asks for nothing"


@pytest.mark.e2e
def test_a_backfill_killed_at_any_moment_resumes_and_ends_where_an_uninterrupted_one_does(sim, tmp_path):
    sim.clear_requests()
    backfill(sim, tmp_path / "reference.db")
    reference = stored_in_topics(tmp_path / "reference.db")
    reference_pages = archive_pages(sim)

    sim.clear_requests()
    db = tmp_path / "killed.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "tintuc.cli", "backfill", "--site-url", sim.url, "--db", str(db),
         "--delay", "0.01", "--concurrency", "1", "--no-progress"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip

    def progress() -> tuple[int, int]:
        try:
            with sqlite3.connect(db, timeout=1) as conn:
                pages = conn.execute("SELECT coalesce(sum(pages), 0) FROM backfill_sources").fetchone()[0]
                articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
            return pages, articles
        except sqlite3.Error:
            return 0, 0

    deadline = time.monotonic() + 120
    while progress()[0] < 40 or progress()[1] < 10:
        assert time.monotonic() < deadline and process.poll() is None, "the backfill ended before it was killed"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()

    with Store.open(db) as store:
        assert store.integrity_check() == "ok"
        (run,) = store.runs(kind="backfill")
        assert run.status == "running"  # killed: the next run closes it as interrupted
        queued = {entry.site_id for entry in store.backfill_queue("..")}
        assert not queued & store.article_ids(), "a stored article never stays queued"

    resumed = backfill(sim, db)
    assert "complete" in resumed.stdout
    with Store.open(db) as store:
        assert [run.status for run in store.runs(kind="backfill")] == ["ok", "interrupted"]
    assert stored_in_topics(db) == reference
    # Resuming did not start over: at most the pages and articles in flight are fetched twice.
    assert sum(count - 1 for count in article_fetches(sim).values()) <= 2
    assert archive_pages(sim) <= reference_pages + 3


@pytest.mark.e2e
def test_a_backfill_obeys_robots_txt_and_says_which_walks_it_forbade(sim, tmp_path):
    listings = sorted(c.listing_path for c in sim.state.top_level())
    forbidden_listing = listings[0].removesuffix(".htm")
    forbidden_articles = "/" + next(iter(sim.simulation.article(i) for i in sorted(relevant(sim)))).path.split("/")[1] + "/"
    sim.set_robots(f"User-agent: *\nDisallow: {forbidden_listing}\nDisallow: {forbidden_articles}\n")
    try:
        sim.clear_requests()
        backfill(sim, tmp_path / "r.db")
        paths = [r.decoded_path for r in sim.requests]
    finally:
        sim.set_robots("")
    assert not [p for p in paths if p.startswith((forbidden_listing, forbidden_articles))]
    assert paths[0] == "/robots.txt" and paths.count("/robots.txt") == 1
    with Store.open(tmp_path / "r.db") as store:
        status = {source.url: source.status for source in store.backfill_sources("..")}
        stored_paths = [row[0] for row in store.db.conn.execute("SELECT url FROM articles")]
    assert status["https://baotintuc.vn" + listings[0]] == plan.DISALLOWED
    assert not [url for url in stored_paths if f"baotintuc.vn{forbidden_articles}" in url]
    assert Counter(status.values())[plan.DISALLOWED] == 1


@pytest.mark.e2e
def test_a_window_backfill_locates_its_start_and_stores_only_its_articles(sim, tmp_path):
    until = sim.simulation.end.astimezone(VIETNAM_TZ).date() - timedelta(days=100)
    since = until - timedelta(days=60)
    sim.clear_requests()
    backfill(sim, tmp_path / "w.db", "--since", since.isoformat(), "--until", until.isoformat())

    def in_window(site_id: str) -> bool:
        return since <= sim.simulation.published(site_id).astimezone(VIETNAM_TZ).date() <= until

    wanted = {i for i in relevant(sim) if in_window(i)}
    with Store.open(tmp_path / "w.db") as store:
        stored = store.article_ids()
    assert stored and all(in_window(i) for i in stored)
    assert len(stored_in_topics(tmp_path / "w.db") & wanted) >= 0.95 * len(wanted)
    # Each section's walk went to the window in a few probes, not page by page from the first.
    def pages_listing(section, day: date) -> int:  # pages of a section listing down to `day`
        newer = sum(a.published.astimezone(VIETNAM_TZ).date() >= day for a in sim.state.in_category(section))
        return 1 + math.ceil(max(0, newer - 24) / 20)

    sections = sim.state.top_level()
    walking_down = sum(pages_listing(s, since) for s in sections)
    in_window = sum(pages_listing(s, since) - pages_listing(s, until + timedelta(days=1)) + 1 for s in sections)
    listing_pages = sum(kind_of("http://x" + r.decoded_path) is Kind.LISTING for r in sim.requests)
    assert listing_pages < walking_down
    assert listing_pages <= in_window + 3 * len(sections)


@pytest.mark.e2e
def test_a_short_window_reads_the_day_archives_of_every_section(sim, tmp_path):
    last = sim.simulation.end.astimezone(VIETNAM_TZ)
    days = [last.date() - timedelta(days=n) for n in range(5)]
    sim.clear_requests()
    backfill(sim, tmp_path / "d.db", "--since", days[-1].isoformat(), "--now", last.isoformat())
    listing_paths = [r.decoded_path for r in sim.requests if kind_of("http://x" + r.decoded_path) is Kind.LISTING]
    archives = [f"/d{d.day}-{d.month}-{d.year}" for d in days]
    assert [r.decoded_path for r in sim.requests][:2] == ["/robots.txt", "/"]  # the home page names the sections
    assert all(any(archive in path for archive in archives) for path in listing_paths)
    assert len(listing_paths) >= len(days) * len(sim.state.top_level())
    wanted = {i for i in relevant(sim) if sim.simulation.published(i).astimezone(VIETNAM_TZ).date() in days}
    assert wanted and stored_in_topics(tmp_path / "d.db") & relevant(sim) == wanted


@pytest.mark.e2e
def test_a_budget_stops_the_backfill_and_the_next_run_goes_on(sim, tmp_path):
    sim.clear_requests()
    first = backfill(sim, tmp_path / "g.db", "--budget", "60")
    assert len([r for r in sim.requests if r.path != "/robots.txt"]) == 60
    assert "run the same command again" in first.stdout
    assert "backfill of the whole archive" in first.stderr and "of about" in first.stderr  # progress lines
    second = backfill(sim, tmp_path / "g.db")
    assert "complete" in second.stdout
    assert len(stored_in_topics(tmp_path / "g.db") & relevant(sim)) >= 0.95 * len(relevant(sim))


def test_maintenance_forgets_finished_backfills_a_month_on_and_keeps_the_others(tmp_path):
    old, recent = datetime(2026, 10, 1, tzinfo=VIETNAM_TZ), datetime(2026, 11, 28, tzinfo=VIETNAM_TZ)
    listing = "https://baotintuc.vn/thoi-su-472ct0.htm"
    with Store.open(tmp_path / "m.db") as store:
        for backfill, when, status in (("2026-09-29..", old, plan.DONE), ("..", old, plan.WALKING),
                                       ("2026-11-26..", recent, plan.THIN_STATUS)):  # fmt: skip
            store.add_backfill_sources(backfill, [(listing, "listing", status)], now=when)
        store.add_backfill_sources("2026-09-30..", [(listing, "listing", plan.DONE)], now=old)
        queued = [("20260930120000000", "https://baotintuc.vn/x/a-20260930120000000.htm")]
        store.record_backfill_page("2026-09-30..", listing, PageOutcome(2, 20, queued, [1], None, plan.DONE), now=old)
        assert store.forget_finished_backfills(recent - timedelta(days=30)) == 1
        assert set(store.backfills()) == {"..", "2026-11-26..", "2026-09-30.."}  # walking, recent, queued
