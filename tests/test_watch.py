"""The watcher: which sources it watches, and news reaching the store and the feeds in minutes.

The end-to-end tests drive real HTTP requests to a simulated site on loopback whose publishing
clock, and the watcher's, is a ManualClock: a day passes in seconds, and the schedule is judged
by the times the site saw the requests.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
import urllib.request
from datetime import datetime, timedelta

import feedparser
import pytest

from core.clock import VIETNAM_TZ
from crawler.classify import load_rules
from crawler.client import PoliteClient
from crawler.focus import worth_fetching
from crawler.polling import POLICIES, Role
from crawler.urls import NEWEST_FEED_PATH, Kind, Site, kind_of, tag_page
from crawler.watch import FEED_MIN_RELEVANT, TAG_MIN_RELEVANT, Watcher, sources_to_watch
from replica import ReplicaSite
from replica.clock import ManualClock
from replica.faults import Status
from scheduler import Service, ServiceConfig
from scheduler.web import create_service_app
from storage import Store
from tests.conftest import crawl
from tests.feeds_support import running_server

RULES = load_rules()
NEWEST = "https://baotintuc.vn" + NEWEST_FEED_PATH
FEEDS = ["https://baotintuc.vn/rss/thoi-su-472.rss", "https://baotintuc.vn/rss/the-thao-273.rss",
         "https://baotintuc.vn/rss/the-gioi-130.rss"]  # fmt: skip


# -- what is watched ----------------------------------------------------------------------------


def test_the_newest_feed_is_always_watched():
    assert sources_to_watch([], [], RULES) == {NEWEST: Role.NEWEST}
    assert sources_to_watch(FEEDS, [], RULES) == {NEWEST: Role.NEWEST}


def test_category_feeds_are_watched_where_relevant_articles_appear_sub_sections_counting_for_their_parent():
    relevant = [("https://baotintuc.vn/thoi-su-472ct0.htm", ())] * (FEED_MIN_RELEVANT - 1)
    relevant += [("https://baotintuc.vn/chinh-tri-321ct472.htm", ())]  # a sub-section of Thời sự
    relevant += [("https://baotintuc.vn/the-gioi-130ct0.htm", ())]  # one only: not enough
    chosen = sources_to_watch(FEEDS, relevant, RULES)
    assert chosen == {NEWEST: Role.NEWEST, FEEDS[0]: Role.FEED}


def test_topical_tags_carried_by_enough_relevant_articles_are_watched_other_tags_not():
    tags = ("Biến đổi khí hậu", "Hà Nội", "JICA")
    relevant = [("", tags)] * TAG_MIN_RELEVANT + [("", ("Ô nhiễm không khí",))] * (TAG_MIN_RELEVANT - 1)
    chosen = sources_to_watch([], relevant, RULES)
    assert chosen == {NEWEST: Role.NEWEST, tag_page("biến đổi khí hậu"): Role.TAG, tag_page("jica"): Role.TAG}


def test_a_watched_source_that_stops_being_chosen_is_retired_and_comes_back_when_chosen_again(tmp_path):
    now = datetime(2026, 11, 2, tzinfo=VIETNAM_TZ)
    with Store.open(tmp_path / "w.db") as store:
        assert store.watch_sources([(NEWEST, "newest"), (FEEDS[0], "feed")], now=now) == [NEWEST, FEEDS[0]]
        assert store.watch_sources([(NEWEST, "newest")], now=now) == []
        assert [s.url for s in store.watched_sources()] == [NEWEST]
        assert {s.url: s.active for s in store.watched_sources(active=False)} == {NEWEST: True, FEEDS[0]: False}
        assert store.watch_sources([(NEWEST, "newest"), (FEEDS[0], "feed")], now=now) == [FEEDS[0]]


# -- a simulated day ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def day(tmp_path_factory):
    """A site publishing ~140 articles a day; the store and the watcher after one simulated day
    of watching it from empty, with the times the site saw each request."""
    end = datetime(2026, 11, 30, 18, tzinfo=VIETNAM_TZ)  # the simulation ends at this moment
    clock = ManualClock(end - timedelta(days=1))
    with ReplicaSite.simulated(2_000, seed=5, years=14.6 / 365, end=end, clock=clock) as site:
        db = tmp_path_factory.mktemp("watch") / "watch.db"
        watcher = Watcher(rules=RULES, site=Site(site.url), client=PoliteClient(delay=0), clock=clock)
        with Store.open(db) as store:
            started = clock()
            while clock() < end:
                if clock().minute % 10 == 0:
                    watcher.choose_sources(store)
                watcher.poll_due(store)
                clock.set(min(watcher.next_due(store), clock() + timedelta(seconds=15)))
        yield site, db, started, end


def published_during(site: ReplicaSite, start: datetime, end: datetime) -> list:
    return [a for a in site.simulation.published_between(start, end)]


@pytest.mark.e2e
def test_a_day_of_watching_brings_every_relevant_article_within_minutes(day):
    site, db, start, end = day
    first_poll = start + POLICIES[Role.NEWEST].max_interval  # articles before the first poll were there already
    wanted = [a for a in published_during(site, first_poll, end - timedelta(minutes=10))
              if a.id in site.simulation.environment | site.simulation.vietnam_japan
              and worth_fetching(a.title, a.sapo, RULES)]  # fmt: skip
    assert len(wanted) >= 3
    with Store.open(db) as store:
        first_seen = {row[0]: datetime.fromisoformat(row[1]) for row in
                      store.db.conn.execute("SELECT site_id, first_seen FROM articles")}  # fmt: skip
        in_topics = store.article_ids("environment") | store.article_ids("vietnam-japan")
    delays = [(first_seen[a.id] - a.published).total_seconds() / 60 for a in wanted if a.id in first_seen]
    assert len(delays) == len(wanted), "every relevant article the headlines announce is stored"
    assert {a.id for a in wanted} <= in_topics
    assert max(delays) <= 10 and statistics.median(delays) <= 5


@pytest.mark.e2e
def test_the_newest_feed_is_polled_more_often_in_busy_hours_than_at_night_and_mostly_answers_304(day):
    site, db, start, end = day
    polls = sorted(r.site_time for r in site.requests if r.decoded_path == NEWEST_FEED_PATH)
    gaps: dict[int, list[float]] = {}
    for before, after in zip(polls, polls[1:]):
        gaps.setdefault(before.astimezone(VIETNAM_TZ).hour, []).append((after - before).total_seconds())
    busy = statistics.median(g for hour in range(8, 18) for g in gaps.get(hour, []))
    night = statistics.median(g for hour in range(0, 5) for g in gaps.get(hour, []))
    assert busy < night <= POLICIES[Role.NEWEST].max_interval.total_seconds() + 15
    assert min(g for values in gaps.values() for g in values) >= POLICIES[Role.NEWEST].min_interval.total_seconds()
    answers = [r for r in site.requests if r.decoded_path == NEWEST_FEED_PATH]
    assert sum(r.status == 304 for r in answers) >= 0.3 * len(answers)
    assert all(r.if_none_match or r.if_modified_since for r in answers[1:])


@pytest.mark.e2e
def test_a_day_of_watching_costs_fewer_than_sixty_requests_an_hour_besides_the_new_articles(day):
    site, db, start, end = day
    per_hour: dict[int, int] = {}
    for record in site.requests:
        if kind_of("http://x" + record.decoded_path) is not Kind.ARTICLE:
            hour = int((record.site_time - start).total_seconds() // 3600)
            per_hour[hour] = per_hour.get(hour, 0) + 1
    assert per_hour and max(per_hour.values()) <= 60


@pytest.mark.e2e
def test_the_watcher_obeys_robots_txt_and_a_retry_after(tmp_path):
    clock = ManualClock(datetime(2026, 11, 30, 12, tzinfo=VIETNAM_TZ))
    with ReplicaSite.simulated(300, seed=2, years=0.01, end=clock(), clock=clock) as site:
        watcher = Watcher(rules=RULES, site=Site(site.url), client=PoliteClient(delay=0), clock=clock)
        site.set_robots(f"User-agent: *\nDisallow: {NEWEST_FEED_PATH}\n")
        with Store.open(tmp_path / "r.db") as store:
            watcher.choose_sources(store)
            report = watcher.poll_due(store)
            (source,) = store.watched_sources()
        assert report.failed == 1 and "robots.txt" in source.last_error
        assert [r.decoded_path for r in site.requests] == ["/robots.txt"]

        site.set_robots("")
        watcher.client = PoliteClient(delay=0)
        site.add_fault(NEWEST_FEED_PATH, Status(429, retry_after="600", times=1))
        with Store.open(tmp_path / "r.db") as store:
            clock.set(store.next_poll_time())
            site.clear_requests()
            watcher.poll_due(store)
            assert watcher.next_due(store) >= clock() + timedelta(seconds=600)
            clock.advance(minutes=9)
            assert watcher.poll_due(store).polled == 0, "nothing during the pause the site asked for"
            clock.advance(minutes=2)
            report = watcher.poll_due(store)
        assert report.polled == 1 and report.failed == 0
        assert [r.status for r in site.requests if r.decoded_path == NEWEST_FEED_PATH] == [429, 200]


@pytest.mark.e2e
def test_an_article_published_while_the_service_runs_reaches_its_served_feed_within_ten_minutes(tmp_path):
    clock = ManualClock(datetime.now(VIETNAM_TZ).replace(microsecond=0))
    with ReplicaSite(clock=clock) as site:
        db, out = tmp_path / "s.db", tmp_path / "feeds"
        crawl(site, db)  # a store in steady state: the daily crawl was just done
        config = ServiceConfig(db=str(db), out=str(out), site_url=site.url, delay=0, watch_every="0.3s",
                               backfill_at="off")  # fmt: skip
        service = Service(config, clock=clock)
        service.start_jobs()
        try:
            with running_server(create_service_app(service)) as url:
                settle(service, clock)
                base = site.articles["20211124202628584"]
                article = dataclasses.replace(
                    base, id=clock().strftime("%Y%m%d%H%M%S") + "555", slug="hop-tac-chong-bien-doi-khi-hau",
                    title="Việt Nam và Nhật Bản hợp tác chống biến đổi khí hậu ở miền Trung",
                    published=clock(), modified=None,
                )  # fmt: skip
                site.publish(article)
                published = clock()
                for _ in range(12):
                    clock.advance(minutes=1)
                    settle(service, clock)
                    with urllib.request.urlopen(f"{url}/moi-truong.atom") as response:
                        entries = feedparser.parse(response.read()).entries
                    if any(article.id in entry.id for entry in entries):
                        break
                arrived = clock()
        finally:
            service.stop()
    assert any(article.id in entry.id for entry in entries), "the article never reached the feed"
    assert arrived - published <= timedelta(minutes=10)


def settle(service: Service, clock: ManualClock, timeout: float = 30) -> None:
    """Wait (real time) until the service's watcher has done what is due at the clock's time."""
    deadline = time.monotonic() + timeout
    while True:
        with Store.open(service.config.db) as store:
            due = store.next_poll_time()
        if due is not None and due > clock():
            time.sleep(0.5)  # the round that polled may still be storing and regenerating
            return
        assert time.monotonic() < deadline, "the watcher did not poll what was due"
        time.sleep(0.1)


def test_the_watcher_rechecks_only_articles_in_a_topic_the_crawl_rechecks_the_others(tmp_path):
    from core.model import Article, TopicMatch

    now = datetime(2026, 11, 30, 12, tzinfo=VIETNAM_TZ)
    with Store.open(tmp_path / "r.db") as store:
        for site_id, topics in (("20261130080000001", [TopicMatch("environment", 5.0, ("ô nhiễm",))]),
                                ("20261130080000002", [])):  # fmt: skip
            article = Article(site_id=site_id, url=f"https://baotintuc.vn/x/a-{site_id}.htm", title="T",
                              body_text="B", body_html="<p>B</p>", published="2026-11-30T08:00:00+07:00",
                              modified="2026-11-30T08:00:00+07:00")  # fmt: skip
            store.save_article(article, topics, rules_version="r", now=now, next_check=now - timedelta(minutes=1))
        assert [a.site_id for a in store.due_for_recheck(now, 10, in_a_topic=True)] == ["20261130080000001"]
        assert len(store.due_for_recheck(now, 10)) == 2
