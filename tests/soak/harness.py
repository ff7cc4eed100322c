"""The soak: the whole service against a misbehaving, moving replica, killed and restarted.

`run_soak()` starts the replica with seeded chaos, starts `tintuc run` with a seconds-long crawl
interval, publishes and edits articles over time, changes robots.txt halfway, kills the service
(and sometimes its crawl) with SIGKILL at random moments and restarts it, while a reader polls
every feed over HTTP and a client queries the database. At the end it heals the site, lets one
clean crawl run, stops the service with SIGTERM and checks everything a user relies on. The
report is a table of figures, each with its verdict.

Used by `make soak` (minutes: `python -m tests.soak`) and, shortened, by tests/test_soak_short.py.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import feedparser
from lxml import etree

from core.clock import VIETNAM_TZ
from feeds.atom import check_atom
from replica import ReplicaSite, shared
from replica.faults import Redirect
from tests.offsite import OtherHost

REPO = Path(__file__).resolve().parents[2]
FEEDS = ("moi-truong.atom", "viet-nam-nhat-ban.atom", "tat-ca.atom", "moi-truong-va-viet-nhat.atom")
FEED_TOPICS = {  # which articles each default feed holds
    "moi-truong.atom": lambda topics: "environment" in topics,
    "viet-nam-nhat-ban.atom": lambda topics: "vietnam-japan" in topics,
    "tat-ca.atom": lambda topics: bool(topics),
    "moi-truong-va-viet-nhat.atom": lambda topics: {"environment", "vietnam-japan"} <= topics,
}
FEED_LIMIT = 50
ROBOTS_FORBIDDEN = "/ban-doc/"
ROBOTS_LATER_FORBIDDEN = "/the-thao/"  # added to robots.txt halfway through


@dataclass
class SoakConfig:
    duration: float = 300.0  # seconds of chaos, before the healing crawl
    seed: int = 20261128
    chaos_rate: float = 0.15
    crawl_every: str = "3s"
    publish_every: float = 4.0  # a new article on the replica this often
    kill_every: tuple[float, float] = (15.0, 40.0)  # SIGKILL the service after a random delay in range
    rechecks: str = "5s,20s,60s"
    memory_growth_limit: float = 1.5  # service RSS, last third vs first third


@dataclass
class Row:
    name: str
    value: str
    ok: bool | None = None  # None: a figure, not a check


@dataclass
class SoakReport:
    rows: list[Row] = field(default_factory=list)

    def add(self, name: str, value: object, ok: bool | None = None) -> None:
        self.rows.append(Row(name, str(value), ok))

    @property
    def ok(self) -> bool:
        return all(row.ok is not False for row in self.rows)

    def table(self) -> str:
        width = max(len(row.name) for row in self.rows)
        lines = [f"{'check':<{width}}  {'result':<40}  verdict", "-" * (width + 52)]
        for row in self.rows:
            verdict = {True: "ok", False: "FAIL", None: ""}[row.ok]
            lines.append(f"{row.name:<{width}}  {row.value:<40}  {verdict}")
        return "\n".join(lines)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Service:
    """`tintuc run` as a child process that the soak may kill and restart."""

    def __init__(self, site_url: str, work: Path, config: SoakConfig) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = work / "soak.db"
        self.out = work / "feeds"
        self.log = open(work / "service.log", "a")  # noqa: SIM115
        self.argv = [sys.executable, "-m", "tintuc.cli", "run", "--site-url", site_url, "--db", str(self.db),
                     "--out", str(self.out), "--port", str(self.port), "--delay", "0",
                     "--crawl-every", config.crawl_every, "--crawl-jitter", "0", "--crawl-timeout", "90s",
                     "--rechecks", config.rechecks, "--feeds-every", "1m"]
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT)
        self.starts += 1

    def pid(self) -> int | None:
        return self.process.pid if self.process and self.process.poll() is None else None

    def crawl_pids(self) -> list[int]:
        """Crawl processes of this service (they are in their own session, so look them up)."""
        result = subprocess.run(["pgrep", "-f", f"tintuc.cli crawl --db {self.db}"], capture_output=True, text=True)
        return [int(pid) for pid in result.stdout.split()]

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self, timeout: float = 120) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return None


def rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class FeedReader(threading.Thread):
    """Polls every feed like a feed reader, validating each document it gets."""

    def __init__(self, service: Service, schema: etree.RelaxNG | None) -> None:
        super().__init__(daemon=True)
        self.service, self.schema = service, schema
        self.stop_event = threading.Event()
        self.polled = self.valid = self.not_modified = self.unavailable = 0
        self.invalid: list[str] = []
        self.etags: dict[str, str] = {}

    def run(self) -> None:
        while not self.stop_event.is_set():
            for name in FEEDS:
                self.poll(name)
            self.stop_event.wait(0.3)

    def poll(self, name: str) -> None:
        request = urllib.request.Request(f"{self.service.url}/{name}")
        if name in self.etags:
            request.add_header("If-None-Match", self.etags[name])
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                body = response.read()
                etag = response.headers.get("ETag")
        except urllib.error.HTTPError as error:
            if error.code == 304:
                self.polled += 1
                self.not_modified += 1
            elif error.code == 404:
                self.unavailable += 1  # before the first generation
            else:
                self.invalid.append(f"{name}: HTTP {error.code}")
            return
        except OSError:
            self.unavailable += 1  # the service is down (killed) or restarting
            return
        self.polled += 1
        problems = validate_feed(body, self.schema)
        if problems:
            self.invalid.append(f"{name}: {problems}")
        else:
            self.valid += 1
            if etag:
                self.etags[name] = etag


def atom_schema() -> etree.RelaxNG | None:
    """The RFC 4287 RELAX NG schema from the shared material; None when it is absent."""
    path = shared.material("schemas")
    return etree.RelaxNG(etree.parse(str(path))) if path.is_file() else None


def validator_name(schema: etree.RelaxNG | None) -> str:
    return "RELAX NG + feedparser" if schema is not None else "structural check + feedparser"


def validate_feed(body: bytes, schema: etree.RelaxNG | None) -> str:
    """What is wrong with a polled feed: the RFC's schema when the shared folder has it, else the
    structural check the service itself runs before publishing; feedparser in both cases."""
    try:
        document = etree.fromstring(body)
    except etree.XMLSyntaxError as error:
        return f"not XML: {error}"
    if schema is not None and not schema.validate(document):
        return f"RELAX NG: {schema.error_log.last_error}"
    if schema is None and (problems := check_atom(body)):
        return f"structural check: {problems[0]}"
    parsed = feedparser.parse(body)
    if parsed.bozo:
        return f"feedparser: {parsed.bozo_exception}"
    return ""


class DatabaseClient(threading.Thread):
    """Queries the database the way a researcher would, while the service writes to it."""

    QUERIES = (
        "SELECT count(*) FROM articles",
        "SELECT t.topic, count(*) FROM article_topics t JOIN articles a USING (site_id) GROUP BY t.topic",
        "SELECT a.title FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid"
        " WHERE articles_fts MATCH 'search_folded: \"nhat ban\"' LIMIT 20",
        "SELECT a.site_id, a.title, group_concat(g.tag) FROM articles a LEFT JOIN article_tags g USING (site_id)"
        " GROUP BY a.site_id ORDER BY a.published DESC LIMIT 50",
    )

    def __init__(self, db: Path) -> None:
        super().__init__(daemon=True)
        self.db = db
        self.stop_event = threading.Event()
        self.queries = 0
        self.errors: list[str] = []
        self.slowest = 0.0

    def run(self) -> None:
        while not self.stop_event.is_set():
            if self.db.exists():
                try:
                    conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
                    for sql in self.QUERIES:
                        started = time.monotonic()
                        conn.execute(sql).fetchall()
                        self.slowest = max(self.slowest, time.monotonic() - started)
                        self.queries += 1
                    conn.close()
                except sqlite3.OperationalError as error:
                    if "no such table" not in str(error):  # the schema is being created
                        self.errors.append(str(error))
            self.stop_event.wait(0.3)


class Newsroom:
    """Publishes new articles on the replica over time, and edits some after publication."""

    def __init__(self, site: ReplicaSite, rng: random.Random) -> None:
        self.site, self.rng = site, rng
        self.models = sorted(site.articles.values(), key=lambda a: a.id)
        self.published: list[str] = []
        self.edited: list[str] = []
        self.counter = 0

    def publish(self) -> None:
        self.counter += 1
        model = self.rng.choice([a for a in self.models if not a.path.startswith(ROBOTS_FORBIDDEN)])
        now = datetime.now(VIETNAM_TZ).replace(microsecond=0)
        site_id = now.strftime("%Y%m%d%H%M%S") + f"{self.counter % 1000:03d}"
        slug = "-".join(model.slug.split("-")[:6]) + f"-moi-{self.counter}"
        article = dataclasses.replace(model, id=site_id, slug=slug,
                                      title=f"{model.title} (tin mới {self.counter})", published=now,
                                      modified=None)
        self.site.publish(article)
        self.published.append(site_id)

    def edit_one(self) -> None:
        fresh = [i for i in self.published[-5:] if i not in self.edited and i in self.site.articles]
        if fresh:
            site_id = self.rng.choice(fresh)
            old = self.site.articles[site_id]
            self.site.edit(site_id, title=old.title + " – cập nhật")
            self.edited.append(site_id)


def run_soak(config: SoakConfig, work: Path | None = None, log=print) -> SoakReport:  # noqa: C901, ANN001
    work = Path(work or tempfile.mkdtemp(prefix="tintuc-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(config.seed)
    schema = atom_schema()
    other_host = OtherHost()
    report = SoakReport()
    with ReplicaSite() as site:
        site.set_chaos(config.seed, config.chaos_rate)
        site.add_fault(re.compile(r"^/the-gioi-130ct0/trang-2\.htm$"), Redirect(other_host.url))
        service = Service(site.url, work, config)
        service.start()
        reader, client = FeedReader(service, schema), DatabaseClient(service.db)
        reader.start()
        client.start()
        newsroom = Newsroom(site, rng)
        service_rss: list[tuple[float, int]] = []
        crawl_peak_kb = 0
        kills = Counter()
        started = time.monotonic()
        next_kill = started + rng.uniform(*config.kill_every)
        next_publish = started + config.publish_every
        robots_changed_at: float | None = None
        while time.monotonic() - started < config.duration:
            now = time.monotonic()
            if now >= next_publish:
                newsroom.publish()
                if rng.random() < 0.4:
                    newsroom.edit_one()
                next_publish = now + config.publish_every
            if robots_changed_at is None and now - started > config.duration / 2:
                site.set_robots(f"User-agent: *\nDisallow: /Handler/\nDisallow: {ROBOTS_FORBIDDEN}\n"
                                f"Disallow: {ROBOTS_LATER_FORBIDDEN}\n")
                robots_changed_at = time.time()
                log("robots.txt changed")
            if now >= next_kill:
                if rng.random() < 0.3 and service.crawl_pids():
                    for pid in service.crawl_pids():
                        os.kill(pid, signal.SIGKILL)
                    kills["crawl"] += 1
                    log("SIGKILL the running crawl")
                else:
                    service.kill()
                    kills["service"] += 1
                    log("SIGKILL the service; restarting it")
                    time.sleep(rng.uniform(0.2, 2.0))
                    service.start()
                next_kill = time.monotonic() + rng.uniform(*config.kill_every)
            if (pid := service.pid()) is not None and (kb := rss_kb(pid)):
                service_rss.append((now - started, kb))
            for pid in service.crawl_pids():
                crawl_peak_kb = max(crawl_peak_kb, rss_kb(pid) or 0)
            time.sleep(0.5)

        log("healing the site; waiting for a clean crawl")
        site.clear_faults()
        heal_from = time.time()
        if service.pid() is None:
            service.start()
        healed = wait_for_clean_crawl(service.db, after=heal_from, timeout=240)
        wait_for_clean_crawl(service.db, after=time.time(), timeout=240)  # and one more: feeds settle
        time.sleep(2)
        reader.stop_event.set()
        client.stop_event.set()
        reader.join()
        client.join()
        exit_code = service.stop()
        other_host.close()
        requests = site.requests
        live = site.articles
        faults = Counter(
            f"{record.fault} {record.status}" if record.fault == "Status" else record.fault
            for record in requests if record.fault
        )

    conn = sqlite3.connect(service.db)
    runs = conn.execute("SELECT count(*), sum(status = 'ok'), sum(status = 'interrupted'),"
                        " sum(status = 'failed') FROM crawl_runs").fetchone()
    report.add("crawl cycles (ok/interrupted/failed)", f"{runs[0]} ({runs[1]}/{runs[2]}/{runs[3]})", runs[1] > 0)
    report.add("service SIGKILLs / crawl SIGKILLs", f"{kills['service']} / {kills['crawl']}")
    report.add("service restarts", service.starts - 1)
    report.add("faults injected", sum(faults.values()))
    for kind, count in sorted(faults.items()):
        report.add(f"  {kind}", count)
    report.add("healing crawl completed", "yes" if healed else "no", healed)
    report.add("articles published / edited during the run", f"{len(newsroom.published)} / {len(newsroom.edited)}")

    stored = {row[0]: row[1] for row in conn.execute("SELECT site_id, title FROM articles")}
    stored_topics: dict[str, set[str]] = {}
    for site_id, topic in conn.execute("SELECT site_id, topic FROM article_topics"):
        stored_topics.setdefault(site_id, set()).add(topic)
    reachable = {i: a for i, a in live.items()
                 if not a.path.startswith((ROBOTS_FORBIDDEN, ROBOTS_LATER_FORBIDDEN))}
    relevant = {i: a for i, a in reachable.items() if a.topics}
    missing = sorted(set(relevant) - set(stored))
    stale = sorted(i for i in relevant if i in stored and stored[i] != relevant[i].title)
    wrong_topics = sorted(i for i in stored if i in live and stored_topics.get(i, set()) != set(live[i].topics))
    report.add("relevant articles on the site / in the store", f"{len(relevant)} / {len(set(relevant) & set(stored))}",
               not missing)
    if missing:
        report.add("  missing", ", ".join(missing[:5]), False)
    report.add("stored with their latest content", f"{len(relevant) - len(stale)} of {len(relevant)}", not stale)
    report.add("articles with wrong topics", len(wrong_topics), not wrong_topics)

    feed_problems = check_feeds(service.out, relevant, schema)
    report.add("feeds hold every relevant article (limit 50)", feed_problems or "yes", not feed_problems)
    report.add(f"feeds polled / valid ({validator_name(schema)}) / 304",
               f"{reader.polled} / {reader.valid} / {reader.not_modified}",
               not reader.invalid and reader.polled > 0)
    if reader.invalid:
        report.add("  invalid", reader.invalid[0][:80], False)
    report.add("feed polls while the service was down", reader.unavailable)
    report.add("database queries during the run / errors", f"{client.queries} / {len(client.errors)}",
               client.queries > 0 and not client.errors)
    report.add("slowest query during writes", f"{client.slowest * 1000:.0f} ms", client.slowest < 5)

    integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    try:
        conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
        fts = "ok"
    except sqlite3.DatabaseError as error:
        fts = str(error)
    half = conn.execute("SELECT count(*) FROM articles WHERE title = '' OR body_text = ''"
                        " OR site_id NOT IN (SELECT site_id FROM article_tags)").fetchone()[0]
    duplicates = conn.execute("SELECT count(*) - count(DISTINCT url) FROM articles").fetchone()[0]
    report.add("PRAGMA integrity_check / FTS integrity", f"{integrity} / {fts}", integrity == fts == "ok")
    report.add("half-written articles / duplicate URLs", f"{half} / {duplicates}", half == 0 and duplicates == 0)
    conn.close()

    third = len(service_rss) // 3 or 1
    early = sorted(kb for _, kb in service_rss[:third])
    late = sorted(kb for _, kb in service_rss[-third:])
    early_median, late_median = early[len(early) // 2], late[len(late) // 2]
    growth = late_median / early_median
    report.add("service RSS peak / median early→late", f"{max(kb for _, kb in service_rss) // 1024} MB / "
               f"{early_median // 1024}→{late_median // 1024} MB", growth < config.memory_growth_limit)
    report.add("crawl RSS peak", f"{crawl_peak_kb // 1024} MB", crawl_peak_kb < 400 * 1024)

    forbidden = [r for r in requests if r.decoded_path.startswith(ROBOTS_FORBIDDEN)]
    later = [r for r in requests if robots_changed_at and r.decoded_path.startswith(ROBOTS_LATER_FORBIDDEN)
             and r.time > robots_changed_at + 95]  # a crawl started before the change may finish
    report.add("robots.txt honoured (requests to disallowed paths)", len(forbidden) + len(later),
               not forbidden and not later)
    report.add("requests that left the site", other_host.connections, other_host.connections == 0)
    report.add("service exit status after SIGTERM", exit_code, exit_code == 0)
    return report


def wait_for_clean_crawl(db: Path, *, after: float, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    stamp = datetime.fromtimestamp(after, timezone.utc).isoformat(timespec="seconds")
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
                row = conn.execute("SELECT count(*) FROM crawl_runs WHERE status = 'ok' AND failures = 0"
                                   " AND started >= ?", [stamp]).fetchone()
            if row[0]:
                return True
        except sqlite3.OperationalError:
            pass
        time.sleep(0.5)
    return False


def check_feeds(out: Path, relevant: dict, schema: etree.RelaxNG | None) -> str:
    """'' when every feed holds exactly the newest relevant articles it should, once each."""
    problems = []
    for name, belongs in FEED_TOPICS.items():
        body = (out / name).read_bytes()
        if validate_feed(body, schema):
            problems.append(f"{name} invalid")
            continue
        ids = [entry.id.rsplit(":", 1)[-1] for entry in feedparser.parse(body).entries]
        expected = sorted((a for a in relevant.values() if belongs(set(a.topics))),
                          key=lambda a: (a.published, a.id), reverse=True)[:FEED_LIMIT]
        if len(ids) != len(set(ids)):
            problems.append(f"{name} repeats entries")
        if set(ids) != {a.id for a in expected}:
            problems.append(f"{name}: {len(set(ids) ^ {a.id for a in expected})} entries differ")
    return "; ".join(problems)


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Soak the whole service (see tests/soak/harness.py).")
    parser.add_argument("--duration", type=float, default=300)
    parser.add_argument("--seed", type=int, default=SoakConfig.seed)
    parser.add_argument("--work", help="keep the files here (default: a temporary directory)")
    args = parser.parse_args()
    config = SoakConfig(duration=args.duration, seed=args.seed)
    report = run_soak(config, Path(args.work) if args.work else None,
                      log=lambda message: print(f"[soak] {message}", flush=True))
    print(report.table())
    print(json.dumps({"ok": report.ok}))
    return 0 if report.ok else 1
