"""The scheduled service end to end: `tintuc run` against the replica, with seconds-long intervals."""

from __future__ import annotations

import dataclasses
import json
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

import feedparser
import pytest

from core.clock import VIETNAM_TZ
from scheduler import Service, ServiceConfig
from storage import Store
from tests.conftest import REPO, tintuc

pytestmark = pytest.mark.e2e  # real crawls of the replica over HTTP, or the whole service


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 10) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class RunningService:
    """`tintuc run` in a child process, as an operator would start it."""

    def __init__(self, site, tmp: Path, *extra: str) -> None:
        self.port = free_port()
        self.db = tmp / "service.db"
        self.out = tmp / "feeds"
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(tmp / "service.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tintuc.cli", "run", "--site-url", site.url, "--db", str(self.db),
             "--out", str(self.out), "--port", str(self.port), "--delay", "0", *extra],
            cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT,
        )

    def health(self) -> tuple[int, dict]:
        try:
            status, body = get(self.url + "/healthz", timeout=5)
        except OSError:
            return 0, {}
        return status, json.loads(body)

    def runs(self) -> list:
        with Store.open(self.db) as store:
            return store.runs(100)

    def stored_articles(self) -> int:
        with Store.open(self.db) as store:
            return len(store.article_ids())

    def stop(self, sig=signal.SIGTERM, timeout: float = 90) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self.log.close()

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return Path(self.log.name).read_text()


@pytest.fixture
def service_factory(replica, tmp_path):
    started = []

    def start(*extra: str) -> RunningService:
        service = RunningService(replica, tmp_path, *extra)
        started.append(service)
        return service

    yield start
    for service in started:
        if service.process.poll() is None:
            service.process.kill()
            service.process.wait()


def feed_entries(service: RunningService, name: str) -> list:
    status, body = get(f"{service.url}/{name}")
    assert status == 200, name
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.bozo_exception
    return parsed.entries


def test_service_crawls_publishes_serves_and_picks_up_new_articles(replica, service_factory):
    service = service_factory("--crawl-every", "4s")
    wait_for(lambda: service.health()[1].get("last_crawl", {}) and service.health()[1]["last_crawl"]["status"] == "ok",
             120, "a first successful crawl")
    status, health = service.health()
    assert status == 200 and health["articles_per_topic"]["environment"] > 10
    assert health["next_crawl"]

    status, index = get(service.url + "/")
    assert status == 200 and b"moi-truong.atom" in index
    environment = wait_for(lambda: feed_entries(service, "moi-truong.atom"), 30, "a filled environment feed")
    assert all(entry.link.startswith("https://baotintuc.vn/") for entry in environment)

    now = datetime.now(VIETNAM_TZ).replace(second=0, microsecond=0)
    base = replica.articles["20211124202628584"]
    article = dataclasses.replace(base, id=now.strftime("%Y%m%d%H%M%S") + "777", slug="bai-moi-ve-khi-hau",
                                  title="Việt Nam và Nhật Bản hợp tác chống biến đổi khí hậu ở miền Trung",
                                  published=now, modified=None)
    replica.publish(article)

    def in_feed():
        entries = feed_entries(service, "moi-truong.atom")
        return [e for e in entries if article.id in e.id]

    found = wait_for(in_feed, 90, "the new article in the environment feed")
    assert len(found) == 1
    japan = [e for e in feed_entries(service, "viet-nam-nhat-ban.atom") if article.id in e.id]
    assert len(japan) == 1
    crawled = len(service.runs())
    wait_for(lambda: any(run.status == "ok" for run in service.runs()[: len(service.runs()) - crawled]),
             60, "another crawl after the article was found")
    assert len(in_feed()) == 1, "still exactly once"

    assert service.stop() == 0
    runs = service.runs()
    assert len(runs) >= 2 and all(run.status in ("ok", "interrupted") for run in runs)
    starts_and_ends = sorted((run.started, run.finished or "9999") for run in runs)
    for (_, end), (start, _) in zip(starts_and_ends, starts_and_ends[1:]):
        assert end <= start, "two crawls overlapped"


def test_a_service_restarted_right_after_a_crawl_goes_on_crawling_on_schedule(replica, service_factory):
    # A restart (deploy, crash, reboot) soon after a good crawl must not crawl at once, nor never.
    service = service_factory("--crawl-every", "6s", "--crawl-jitter", "0")
    wait_for(lambda: any(run.status == "ok" for run in service.runs()) if service.db.exists() else False,
             120, "a first successful crawl")
    service.stop()
    restarted = service_factory("--crawl-every", "6s", "--crawl-jitter", "0")
    last = max(run.started for run in restarted.runs())
    status, health = wait_for(lambda: restarted.health()[0] and restarted.health(), 30, "the restarted service")
    assert health["next_crawl"], "the crawl job must be scheduled, not paused"
    wait_for(lambda: any(run.started > last for run in restarted.runs()), 60, "a crawl after the restart")
    assert restarted.stop() == 0


def test_sigterm_during_a_crawl_exits_cleanly_with_a_consistent_database(replica, service_factory):
    service = service_factory("--crawl-every", "1h", "--delay", "0.3")
    wait_for(lambda: service.health()[1].get("crawling"), 60, "a crawl in progress")
    wait_for(lambda: service.stored_articles() > 0, 60, "the crawl storing articles")
    assert service.stop(signal.SIGTERM, timeout=60) == 0
    with sqlite3.connect(service.db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert service.runs()[0].status == "interrupted"
    assert "service stopped" in service.output()


def test_a_manual_crawl_while_the_service_crawls_is_refused(replica, service_factory):
    service = service_factory("--crawl-every", "1h", "--delay", "0.3")
    wait_for(lambda: service.health()[1].get("crawling"), 60, "a crawl in progress")
    result = tintuc("crawl", "--site-url", replica.url, "--db", str(service.db), check=False)
    assert result.returncode == 1
    assert "another crawl is already running" in result.stderr
    service.stop()


def test_crashing_and_hanging_crawls_are_contained_and_the_next_one_succeeds(replica, tmp_path):
    config = ServiceConfig(db=str(tmp_path / "c.db"), out=str(tmp_path / "out"), site_url=replica.url,
                           delay=0, crawl_every="1h", crawl_timeout="2s")
    service = Service(config)
    real_crawl = service.crawl_command

    service.crawl_command = [sys.executable, "-c", "raise SystemExit(3)"]
    crashed = service.crawl_job()
    assert crashed.returncode == 3
    service.crawl_command = [sys.executable, "-c", "import time; time.sleep(120)"]
    hung = service.crawl_job()
    assert hung.timed_out and hung.duration < 60
    with Store.open(config.db) as store:
        assert [run.status for run in store.runs(2)] == ["failed", "failed"]
        assert store.failed_runs_in_a_row() == 2

    service.crawl_command, service.crawl_timeout = real_crawl, 300
    assert service.crawl_job().ok
    with Store.open(config.db) as store:
        assert store.runs(1)[0].status == "ok" and store.failed_runs_in_a_row() == 0
    assert (Path(config.out) / "moi-truong.atom").exists()
    health = feedparser.parse((Path(config.out) / "_health.atom").read_bytes())
    assert not health.bozo and len(health.entries) == 2


def test_healthz_turns_503_after_repeated_failures(tmp_path):
    config = ServiceConfig(db=str(tmp_path / "h.db"), out=str(tmp_path / "out"), site_url="http://127.0.0.1:9",
                           crawl_every="1h", unhealthy_after=2)
    service = Service(config, crawl_command=[sys.executable, "-c", "raise SystemExit(1)"])
    assert service.health()[0] == 200
    service.crawl_job()
    service.crawl_job()
    status, body = service.health()
    assert status == 503 and body["status"] == "failing" and body["failed_crawls_in_a_row"] == 2


def test_maintenance_backs_up_and_keeps_the_last_few(replica, tmp_path):
    config = ServiceConfig(db=str(tmp_path / "m.db"), out=str(tmp_path / "out"), site_url=replica.url,
                           keep_backups=2, backups=str(tmp_path / "backups"))
    days = iter(datetime(2026, 11, day, 3, 30, tzinfo=VIETNAM_TZ) for day in (1, 2, 3))
    service = Service(config, clock=lambda: next(days))
    for _ in range(3):
        service.maintenance_job()
    backups = sorted((tmp_path / "backups").glob("tintuc-*.db"))
    assert len(backups) == 2
    with Store.open(backups[-1]) as copy:
        assert copy.integrity_check() == "ok"
    assert oct((backups[-1]).stat().st_mode & 0o777) == "0o600"
