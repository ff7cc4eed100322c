"""What an operator needs to know: /healthz, and an Atom feed of runs that went wrong."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from feeds.health import HEALTH_FILE, build_health_feed
from feeds.publish import publish
from storage import CrawlRun, Store


def is_suspicious(run: CrawlRun) -> bool:
    """A run that fetched pages but extracted nothing from them: the layout may have changed."""
    fetched_bodies = run.pages - run.not_modified
    extracted = run.articles_new + run.articles_updated + run.articles_unchanged
    return run.status == "ok" and (run.extraction_failures > 0 or (fetched_bodies > 5 and extracted == 0 and run.failures == fetched_bodies))


def health_report(
    store: Store, *, next_crawl: datetime | None, crawling: bool, unhealthy_after: int
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) of /healthz: 503 after `unhealthy_after` failed crawls in a row."""
    runs = store.runs(1)
    failed = store.failed_runs_in_a_row()
    body = {
        "status": "failing" if failed >= unhealthy_after else "ok",
        "failed_crawls_in_a_row": failed,
        "crawling": crawling,
        "last_crawl": asdict(runs[0]) if runs else None,
        "next_crawl": next_crawl.isoformat() if next_crawl else None,
        "articles": len(store.article_ids()),
        "articles_per_topic": store.topic_counts(),
    }
    return (503 if failed >= unhealthy_after else 200), body


def write_health_feed(store: Store, out_dir: Path, *, base_url: str, limit: int = 50) -> bool:
    """The operator's feed: one entry per failed or suspicious crawl, kept apart from users' feeds."""
    runs = [run for run in store.runs(500) if run.status in ("failed", "interrupted") or is_suspicious(run)]
    document = build_health_feed(runs[:limit], base_url=base_url)
    return publish(out_dir / HEALTH_FILE, document)
