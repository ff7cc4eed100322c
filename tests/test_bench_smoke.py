"""The benchmark suite itself must not rot: run it in quick mode on tiny sizes.

Only that it runs and prints every row of the table is checked; timings are never asserted
(the machines are noisy, and `make bench` is where the numbers are read).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from replica import shared
from tests.conftest import REPO

pytestmark = pytest.mark.e2e  # real crawls of the replica over HTTP, or the whole service

# Rows measured on the shared material: present exactly when it is (a clone alone has none).
REAL_PAGE_ROWS = [
    ("1 Extraction", "real pages", "articles/s"),
    ("1 Extraction", "real pages", "title exact / body F1"),
]
# Every stage's rows: (stage, words found in their "Measure" cell).
EXPECTED_ROWS = [
    ("1 Extraction", "replica pages", "articles/s"),
    ("1 Extraction", "replica pages", "title exact / body F1"),
    *(REAL_PAGE_ROWS if not shared.missing(["real-pages"]) else []),
    ("2 Classification", "replica articles", "articles/s"),
    ("2 Classification", "topic sets equal to ground truth", ""),
    *([("2 Classification", "real prose", "environment"), ("2 Classification", "real prose", "vietnam-japan")]
      if not shared.missing(["real-texts"]) else []),
    ("3 Crawl", "full crawl, ", ""),
    ("3 Crawl", "full crawl: peak RSS", ""),
    ("4 Incremental", "2nd crawl, site unchanged", ""),
    ("4 Incremental", "3rd crawl, ", ""),
    ("4 Incremental", "pages robots.txt disallows", ""),
    ("5 Storage", "Store.save_article", ""),
    ("5 Storage", "bytes per article", ""),
    ("5 Storage", "Store.search latency", ""),
    ("6 Feeds", "regenerate all default feeds, 50 articles", ""),
    ("6 Feeds", "regenerate all default feeds, 100 articles", ""),
    ("7 Serving", "conditional GET → 304", ""),
    ("7 Serving", "full GET → 200 gzip", ""),
    ("9 Backfill", "whole archive (", "recall"),
    ("9 Backfill", "whole archive: requests per relevant article", ""),
    ("9 Backfill", "--since ", "recall / requests per relevant"),
    ("10 Freshness", "relevant articles published", "median publication → feed"),
    ("10 Freshness", "… p95", ""),
    ("10 Freshness", "every article published", ""),
    ("10 Freshness", "requests per hour to the site", "mean"),
    ("10 Freshness", "… the busiest hour", ""),
]


def test_bench_quick_run_prints_every_row(tmp_path):
    report = tmp_path / "benchmarks.md"
    env = {
        **os.environ,
        "BENCH_QUICK": "1",
        "BENCH_REPEAT": "1",
        "BENCH_CRAWL_ARTICLES": "40",
        "BENCH_NEW_ARTICLES": "2",
        "BENCH_STORE_SIZES": "50,100",
        "BENCH_SERVE_SECONDS": "0.2",
        "BENCH_SERVE_CONNECTIONS": "2",
        "BENCH_BACKFILL_ARTICLES": "1000",
        "BENCH_FRESHNESS_ARTICLES": "300",
        "BENCH_FRESHNESS_HOURS": "1",
        "BENCH_FRESHNESS_WARMUP_HOURS": "0.5",
        "BENCH_FRESHNESS_CRAWL_HOURS": "0.5",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--out", str(report)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    table = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    header, rows = table[0], table[1:]
    assert "Peer (same run)" in header and "Ratio" in header and "Target" in header
    cells = [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]
    for stage, start, words in EXPECTED_ROWS:
        found = [c for c in cells if c[0] == stage and c[1].startswith(start) and words in c[1]]
        assert len(found) == 1, (stage, start, words, rows)
    assert len(cells) == len(EXPECTED_ROWS)
    for c in cells:
        assert all(c[:3]), c  # every row has a stage, a measure and a figure
        assert not c[1].startswith("FAILED"), c
    text = report.read_text(encoding="utf-8")
    assert "**Machine**" in text and "**Versions**" in text and "**Date**" in text
    assert all(row in text for row in rows)
