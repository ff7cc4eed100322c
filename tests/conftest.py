"""Shared fixtures: the shared evidence, the replica site, and running the real CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.replica import ReplicaSite
from tests.replica.corpus import default_shared_dir

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = default_shared_dir()
    if not (path / "real-pages").is_dir():
        pytest.fail(f"shared material not found at {path}; set TINTUC_SHARED_DIR")
    return path


@pytest.fixture
def replica():
    """A fresh replica of the site on 127.0.0.1, for one test."""
    with ReplicaSite() as site:
        yield site


def tintuc(*args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess:
    """Run the real `tintuc` command line in a child process, as a user would."""
    result = subprocess.run(
        [sys.executable, "-m", "tintuc.cli", *args],
        capture_output=True, text=True, timeout=timeout, cwd=REPO,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"tintuc {' '.join(args)} exited {result.returncode}:\n{result.stderr[-4000:]}")
    return result


def crawl(site: ReplicaSite, db: Path, *extra: str, check: bool = True) -> subprocess.CompletedProcess:
    """One crawl of the replica, politeness delay off."""
    return tintuc("crawl", "--site-url", site.url, "--db", str(db), "--delay", "0", *extra, check=check)


def article_requests(records: list) -> list:
    """The requests for article pages among the replica's records (not listings, RSS, robots)."""
    from crawler.urls import Kind, kind_of

    return [r for r in records if kind_of("http://x" + r.decoded_path) is Kind.ARTICLE]


@pytest.fixture(scope="session")
def _crawled_template(tmp_path_factory) -> Path:
    """One full crawl of a fresh replica per test process; tests get copies of it."""
    db = tmp_path_factory.mktemp("crawled-template") / "tintuc.db"
    with ReplicaSite() as site:
        crawl(site, db)
    return db


@pytest.fixture(scope="module")
def crawled_db(_crawled_template, tmp_path_factory, request) -> Path:
    """A private copy of a store filled by a real crawl of the replica, for one test module.

    A module may name the file by defining `CRAWLED_DB_NAME` (Datasette shows the name).
    """
    from storage.store import Store

    name = getattr(request.module, "CRAWLED_DB_NAME", "tintuc.db")
    copy = tmp_path_factory.mktemp("crawled") / name
    with Store.open(_crawled_template) as store:
        store.backup_to(copy)
    return copy
