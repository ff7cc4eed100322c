"""A first run that explains itself: an unreachable site gives one line naming the cause and the
host, the service tries again soon and less and less soon, and /healthz says why; a site whose
template moved a field trips the field alarm."""

from __future__ import annotations

import dataclasses
import re
import socket
import sys
from datetime import datetime, timedelta, timezone

import pytest

from core.clock import VIETNAM_TZ
from replica import Mutate
from scheduler import Service, ServiceConfig
from scheduler.health import FIELD_ALARM_ARTICLES, field_alarms, health_report
from storage import Store
from tests.conftest import crawl, tintuc

pytestmark = pytest.mark.e2e
T0 = datetime(2026, 12, 3, 1, 0, tzinfo=timezone.utc)


def closed_port() -> int:
    """A port of 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_crawl_of_an_unreachable_site_fails_in_one_line_naming_the_cause(tmp_path):
    port = closed_port()
    result = tintuc("crawl", "--site-url", f"http://127.0.0.1:{port}", "--db", str(tmp_path / "c.db"), check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"Error: crawl failed: robots.txt could not be read: connection refused by 127.0.0.1:{port}; nothing fetched"
    )
    # The start URLs are not said to be "forbidden": robots.txt was never read.
    assert "Forbidden by robots.txt" not in result.stderr
    assert "robots.txt could not be read" in [line for line in result.stderr.splitlines() if "not fetched" in line][0]
    with Store.open(tmp_path / "c.db") as store:
        status, body = health_report(store, next_crawl=None, crawling=False, unhealthy_after=1)
    assert status == 503 and body["status"] == "failing"
    assert body["cause"] == f"the last crawl failed: robots.txt could not be read: connection refused by 127.0.0.1:{port}; nothing fetched"


def test_the_service_tries_again_after_1_then_2_minutes_and_healthz_says_why(tmp_path):
    port = closed_port()
    db = tmp_path / "s.db"
    config = ServiceConfig(db=str(db), out=str(tmp_path / "out"), site_url=f"http://127.0.0.1:{port}",
                           crawl_every="1h")
    quick = [sys.executable, "-m", "scrapy", "crawl", "baotintuc", "-s", f"TINTUC_DB={db}",
             "-s", f"TINTUC_SITE_URL={config.site_url}", "-s", "TINTUC_BACKOFF_BASE=0.01"]
    service = Service(config, crawl_command=quick, clock=lambda: T0)
    service.start_jobs(paused=True)
    try:
        job = service.scheduler.get_job("crawl")
        job.modify(next_run_time=T0 + timedelta(hours=1))  # as when the job was just submitted
        service.crawl_job()
        assert job.next_run_time == T0 + timedelta(minutes=1)
        job.modify(next_run_time=T0 + timedelta(hours=1))
        service.crawl_job()
        assert job.next_run_time == T0 + timedelta(minutes=2)
        status, body = service.health()
        assert "connection refused by 127.0.0.1" in body["cause"]
        assert body["next_crawl"] == (T0 + timedelta(minutes=2)).isoformat()
    finally:
        service.stop()


def _byline_moved(html: str) -> str:
    """The byline taken out of the article box and set after it, as a redesign might."""
    match = re.search(r'<div class="author">.*?</div>', html, re.S)
    if not match:
        return html
    rest = html[: match.start()] + html[match.end():]
    return rest.replace("</form>", match.group(0) + "</form>", 1)


def test_a_template_that_moved_the_byline_trips_the_field_alarm(replica, tmp_path):
    db = tmp_path / "f.db"
    crawl(replica, db)
    with Store.open(db) as store:
        assert field_alarms(store.recent_field_coverage(FIELD_ALARM_ARTICLES)) == []
    replica.add_fault(re.compile(r"-\d{17}\.htm$"), Mutate(_byline_moved))
    # The redesign reaches the articles published from now on: more than the alarm's window.
    models = sorted((a for a in replica.articles.values() if a.layout == "current"), key=lambda a: a.id)
    for number, model in enumerate(models[: FIELD_ALARM_ARTICLES + 4]):
        created = datetime(2026, 12, 3, 8, 0, number, tzinfo=VIETNAM_TZ)
        replica.publish(dataclasses.replace(model, id=created.strftime("%Y%m%d%H%M%S") + "123",
                                            slug=f"tin-moi-{number}", published=created, modified=None))
    crawl(replica, db)
    with Store.open(db) as store:
        last = store.runs(1)[0]
        assert last.fields["byline"].fallback >= FIELD_ALARM_ARTICLES and last.fields["title"].fallback == 0
        status, body = health_report(store, next_crawl=None, crawling=False, unhealthy_after=3)
    assert status == 503 and body["status"] == "degraded"
    assert body["field_alarms"][0].startswith("byline: ") and body["cause"] == body["field_alarms"][0]

