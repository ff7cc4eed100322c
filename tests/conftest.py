"""Shared fixtures: the shared evidence, the replica site, a browser, and running the real CLI.

Tests that read the team's shared material (replica/shared.py) carry `@pytest.mark.shared(name,
…)`. Without the material they are skipped, all in one summary line that names what is missing;
with TINTUC_REQUIRE_SHARED=1 (CI) its absence fails the whole run before any test starts. The
tests that drive a real browser (the `chromium` fixture, tests/browser.py) work the same way
with TINTUC_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from replica import ReplicaSite, shared
from tests import browser

REPO = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    absent = shared.missing()
    if absent and shared.required():
        raise pytest.UsageError(
            f"{shared.REQUIRE_ENV} is set but shared material is missing from "
            f"{shared.shared_dir()}: {', '.join(absent)} (set {shared.SHARED_DIR_ENV})"
        )
    no_browser = browser.missing()
    if no_browser and browser.required():
        raise pytest.UsageError(f"{browser.REQUIRE_ENV} is set but {no_browser}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses the replica site, a crawled store or a browser is end to end, wherever it
    is."""
    for item in items:
        if {"replica", "crawled_db", "chromium"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip a test whose shared material or browser is absent, before any of its fixtures
    reads it."""
    if "chromium" in getattr(item, "fixturenames", ()) and (reason := browser.missing()):
        pytest.skip(reason)  # here, so that pytest folds every such skip into one line
    marker = item.get_closest_marker("shared")
    if marker is None:
        return
    unknown = [name for name in marker.args if name not in shared.MATERIAL]
    if unknown or not marker.args:
        raise pytest.UsageError(f"{item.nodeid}: shared() takes names of {sorted(shared.MATERIAL)}")
    if shared.missing(marker.args):
        # One reason for every such test, so that pytest folds them into one summary line.
        pytest.skip(
            f"shared material not found in {shared.shared_dir()}: {', '.join(shared.missing())}"
            f" (set {shared.SHARED_DIR_ENV}; CI sets {shared.REQUIRE_ENV}=1)"
        )


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium (tests/browser.py) for one module. On a machine without one, the
    tests that use it skip (pytest_runtest_setup; an error under TINTUC_REQUIRE_BROWSER=1)."""
    with browser.chromium() as driver:
        yield driver


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared folder, for tests marked `shared(...)` (the marker decides whether they run)."""
    return shared.shared_dir()


@pytest.fixture
def replica():
    """A fresh replica of the site on 127.0.0.1, for one test."""
    with ReplicaSite() as site:
        yield site


def tintuc(*args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess:
    """Run the real `tintuc` command line in a child process, as a user would (a crawl must:
    Scrapy's reactor runs once per process)."""
    result = subprocess.run(
        [sys.executable, "-m", "tintuc.cli", *args],
        capture_output=True, text=True, timeout=timeout, cwd=REPO,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"tintuc {' '.join(args)} exited {result.returncode}:\n{result.stderr[-4000:]}")
    return result


def tintuc_here(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run the real `tintuc` command line in this process, with click's CliRunner: the fast way
    for a command that starts no crawl. Its result reads like `tintuc()`'s."""
    from click.testing import CliRunner

    from tintuc.cli import cli

    result = CliRunner().invoke(cli, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    completed = subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)
    if check and completed.returncode != 0:
        raise AssertionError(f"tintuc {' '.join(args)} exited {completed.returncode}:\n{completed.stderr[-4000:]}")
    return completed


def crawl(site: ReplicaSite, db: Path, *extra: str, check: bool = True) -> subprocess.CompletedProcess:
    """One crawl of the replica, politeness delay off."""
    return tintuc("crawl", "--site-url", site.url, "--db", str(db), "--delay", "0", *extra, check=check)


def article_requests(records: list) -> list:
    """The requests for article pages among the replica's records (not listings, RSS, robots)."""
    from crawler.urls import Kind, kind_of

    return [r for r in records if kind_of("http://x" + r.decoded_path) is Kind.ARTICLE]


@pytest.fixture(scope="session")
def _crawled_template(tmp_path_factory) -> Path:
    """One full crawl of a fresh replica per test process, then a backfill and one round of the
    watcher, so that every table has rows; tests get copies of it."""
    db = tmp_path_factory.mktemp("crawled-template") / "tintuc.db"
    with ReplicaSite() as site:
        crawl(site, db)
        tintuc("backfill", "--site-url", site.url, "--db", str(db), "--delay", "0", "--no-progress")
        tintuc("watch", "--once", "--site-url", site.url, "--db", str(db), "--delay", "0")
    return db


@pytest.fixture(scope="module")
def crawled_db(_crawled_template, tmp_path_factory, request) -> Path:
    """A private copy of a store filled by a real crawl of the replica, for one test module.

    A module may name the file by defining `CRAWLED_DB_NAME` (Datasette shows the name).
    """
    from storage import Store

    name = getattr(request.module, "CRAWLED_DB_NAME", "tintuc.db")
    copy = tmp_path_factory.mktemp("crawled") / name
    with Store.open(_crawled_template) as store:
        store.backup_to(copy)
    return copy
