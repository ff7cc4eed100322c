"""What an operator needs to know: /healthz, and an Atom feed of runs that went wrong.

Two alarms: crawls that keep failing (the site is unreachable, robots.txt cannot be read…), and
fields that the site's template stopped serving from their first-choice source (its markup
changed: crawler/coverage.py). Either turns /healthz to 503 and names the cause.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.coverage import WATCHED
from feeds.health import HEALTH_FILE, build_health_feed
from feeds.publish import publish
from storage import CrawlRun, FieldCoverage, Store

FIELD_ALARM_SHARE = 0.8  # below this share of articles from the primary source, a field alarms
FIELD_ALARM_ARTICLES = 20  # ... over the most recent articles, this many (a day or two of news)
FIELD_ALARM_MINIMUM = 5  # fewer articles than this say too little either way


def field_alarms(coverage: Mapping[str, FieldCoverage], *, minimum: int = FIELD_ALARM_MINIMUM) -> list[str]:
    """One line per watched field whose primary share is below FIELD_ALARM_SHARE."""
    alarms = []
    for field in WATCHED:
        counts = coverage.get(field)
        if counts is None or counts.articles < minimum or counts.primary_share >= FIELD_ALARM_SHARE:
            continue
        alarms.append(
            f"{field}: {counts.primary} of {counts.articles} recent articles from its usual place in"
            f" the page ({counts.fallback} from a fallback, {counts.missing} without it): the"
            " site's template may have changed (docs/site.md)"
        )
    return alarms


def is_suspicious(run: CrawlRun) -> bool:
    """A run that went through but looks wrong: pages fetched and nothing extracted, or a
    watched field served by its fallbacks (the layout may have changed)."""
    fetched_bodies = run.pages - run.not_modified
    extracted = run.articles_new + run.articles_updated + run.articles_unchanged
    nothing = fetched_bodies > 5 and extracted == 0 and run.failures == fetched_bodies
    return run.status == "ok" and (run.extraction_failures > 0 or nothing or bool(field_alarms(run.fields)))


def health_report(
    store: Store, *, next_crawl: datetime | None, crawling: bool, unhealthy_after: int
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) of /healthz: 503 after `unhealthy_after` failed crawls in a row,
    or while a field alarm holds; the body says why. It also shows what the watcher watches and
    the last backfill."""
    runs = store.runs(1, kind="crawl")
    backfills = store.runs(1, kind="backfill")
    failed = store.failed_runs_in_a_row()
    alarms = field_alarms(store.recent_field_coverage(FIELD_ALARM_ARTICLES))
    status = "failing" if failed >= unhealthy_after else "degraded" if alarms else "ok"
    last = runs[0] if runs else None
    body = {
        "status": status,
        "cause": _cause(last, failed, alarms),
        "failed_crawls_in_a_row": failed,
        "field_alarms": alarms,
        "crawling": crawling,
        "last_crawl": asdict(last) if last else None,
        "next_crawl": next_crawl.isoformat() if next_crawl else None,
        "last_backfill": asdict(backfills[0]) if backfills else None,
        "watch": watch_summary(store),
        "articles": len(store.article_ids()),
        "articles_per_topic": store.topic_counts(),
    }
    return (200 if status == "ok" else 503), body


def watch_summary(store: Store) -> dict[str, Any]:
    """The watched sources in brief: how many, when the next poll is due, which are failing."""
    sources = store.watched_sources()
    due = store.next_poll_time()
    return {
        "sources": len(sources),
        "next_poll": due.isoformat() if due else None,
        "polls": sum(source.polls for source in sources),
        "new_articles": sum(source.new_articles for source in sources),
        "failing": [{"url": s.url, "failures": s.failures, "error": s.last_error} for s in sources if s.failures],
    }


def _cause(last: CrawlRun | None, failed: int, alarms: list[str]) -> str | None:
    """What is wrong, in one line: the last crawl's failure, else the first field alarm."""
    if last is not None and failed and last.status != "ok":
        count = "the last crawl" if failed == 1 else f"the last {failed} crawls"
        return f"{count} failed: {last.message or last.status}"
    return alarms[0] if alarms else None


def write_health_feed(store: Store, out_dir: Path, *, base_url: str, limit: int = 50) -> bool:
    """The operator's feed: one entry per failed or suspicious crawl, kept apart from users' feeds."""
    runs = [run for run in store.runs(500) if run.status in ("failed", "interrupted") or is_suspicious(run)]
    runs = runs[:limit]
    notes = {run.id: alarms[0] for run in runs if (alarms := field_alarms(run.fields))}
    document = build_health_feed(runs, base_url=base_url, notes=notes)
    return publish(out_dir / HEALTH_FILE, document)
