"""Politeness by default: the settings a crawl of the real site runs with, and retry timing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core.durations import parse_durations
from core.project import PROJECT_URL
from crawler.middlewares import backoff_seconds
from crawler.network import retry_after_seconds
from crawler.policy import RECHECKS, conditional_headers, is_due, next_check
from crawler.run import crawl_settings
from replica import Status
from storage import Store
from tests.conftest import crawl

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


def test_default_settings_are_polite():
    settings = crawl_settings(db_path="x.db", site_url="https://baotintuc.vn")
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings["USER_AGENT"].startswith("tintuc-feeds/") and PROJECT_URL in settings["USER_AGENT"]
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 2
    assert settings.getint("CONCURRENT_REQUESTS") <= 2
    assert settings.getfloat("DOWNLOAD_DELAY") >= 1
    # A re-crawl answered by 304s must not stay at AutoThrottle's 5 s default start delay.
    assert settings.getfloat("AUTOTHROTTLE_START_DELAY") == settings.getfloat("DOWNLOAD_DELAY")
    assert 429 in settings.getlist("RETRY_HTTP_CODES") and 503 in settings.getlist("RETRY_HTTP_CODES")


def test_delay_option_sets_both_delays():
    settings = crawl_settings(db_path="x.db", site_url="https://baotintuc.vn", delay=2.5)
    assert settings.getfloat("DOWNLOAD_DELAY") == settings.getfloat("AUTOTHROTTLE_START_DELAY") == 2.5


@pytest.mark.parametrize("value, expected", [
    ("120", 120.0),
    (b"7", 7.0),
    ("Sat, 28 Nov 2026 12:00:30 GMT", 30.0),
    ("Sat, 28 Nov 2026 11:00:00 GMT", 0.0),  # in the past: retry now
    ("soon", None),
    (None, None),
])
def test_retry_after_accepts_seconds_and_http_dates(value, expected):
    assert retry_after_seconds(value, NOW) == expected


def test_backoff_doubles():
    assert [backoff_seconds(n, 2.0) for n in (1, 2, 3)] == [2.0, 4.0, 8.0]


def test_a_new_article_is_rechecked_a_bounded_number_of_times_in_its_first_days():
    published = NOW
    checks, moment = [], published + timedelta(minutes=10)
    while (following := next_check(published, moment)) is not None:
        checks.append(following - published)
        moment = following
    assert checks == list(RECHECKS)


def test_an_old_article_is_never_rechecked():
    assert next_check(NOW - timedelta(days=30), NOW) is None
    assert not is_due(None, NOW)
    assert is_due(NOW - timedelta(seconds=1), NOW) and not is_due(NOW + timedelta(seconds=1), NOW)


def test_conditional_headers():
    assert conditional_headers('"abc"', "Sat, 28 Nov 2026 12:00:00 GMT") == {
        "If-None-Match": '"abc"', "If-Modified-Since": "Sat, 28 Nov 2026 12:00:00 GMT"}
    assert conditional_headers(None, None) == {}


def test_recheck_delays_are_configurable():
    assert parse_durations("24h, 3h,3d") == RECHECKS
    assert parse_durations("") == ()
    with pytest.raises(ValueError, match="'5x'"):
        parse_durations("3h,5x")


@pytest.mark.e2e
def test_a_retry_after_wait_frees_the_slot_for_the_rest_of_the_crawl(replica, tmp_path):
    """One page asks for 30 s; with one request in flight at a time, the other pages must not
    wait for it (the retry is rescheduled, not slept on), yet the page is asked for again only
    once the 30 s are over, and the crawl waits for it before it ends."""
    feed = "/tin-moi-nhat.rss"  # among the first pages a crawl asks for
    replica.add_fault(feed, Status(429, retry_after="30", times=1))
    crawl(replica, tmp_path / "r.db", "--concurrency", "1")
    requests = replica.requests
    asked = [r.time for r in requests if r.decoded_path == feed]
    assert len(asked) == 2 and asked[1] - asked[0] >= 29, "Retry-After honoured"
    meanwhile = [r for r in requests if r.decoded_path != feed and asked[0] < r.time < asked[0] + 15]
    assert len(meanwhile) > 100, "the rest of the crawl went on during the wait"
    with Store.open(tmp_path / "r.db") as store:
        assert store.runs(1)[0].status == "ok"
        assert store.fetch_state("https://baotintuc.vn" + feed).status == 200
