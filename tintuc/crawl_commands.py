"""`tintuc crawl` and `tintuc runs`: the crawler, and what it recorded."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from tintuc.options import (
    concurrency_option,
    db_option,
    delay_option,
    max_pages_option,
    rechecks_option,
    site_url_option,
    topics_option,
)


@click.command("crawl")
@db_option
@site_url_option
@max_pages_option
@delay_option
@concurrency_option
@topics_option
@rechecks_option
@click.option("--now", envvar="TINTUC_NOW", hidden=True,
              help="Crawl as if the clock read this ISO 8601 time (for tests and replays).")
def crawl_command(db: str, site_url: str, max_pages: int, delay: float, concurrency: int,
                  topics: str | None, rechecks: str, now: str | None) -> None:
    """Crawl the site once into the database, then print a summary.

    Example: tintuc crawl --site-url http://127.0.0.1:8081 --db x.db --delay 0
    """
    from core.durations import DurationError, parse_durations
    from crawler.lock import CrawlLock, CrawlLockedError
    from crawler.run import run_crawl

    try:  # fail fast with clear messages, before Scrapy starts
        parse_durations(rechecks)
        lock = CrawlLock(db)
        lock.acquire()
        lock.release()
    except (CrawlLockedError, DurationError) as error:
        raise click.ClickException(str(error)) from None
    run = run_crawl(rechecks=rechecks, db_path=db, site_url=site_url, max_pages=max_pages, delay=delay,
                    concurrency=concurrency, topics_path=topics, now=now)
    if run is None:
        raise click.ClickException("the crawl did not start (see the log above)")
    click.echo(
        f"crawl {run.status}: {run.pages} pages ({run.not_modified} not modified), "
        f"{run.articles_new} new, {run.articles_updated} updated, {run.articles_unchanged} unchanged, "
        f"{run.failures} failures, {run.extraction_failures} extraction failures"
    )
    if run.status != "ok":
        raise click.ClickException(f"crawl {run.status}: {run.message or 'see the log above'}")


@click.command("runs")
@db_option
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def runs_command(db: str, limit: int, as_json: bool) -> None:
    """List recent crawls and backfills, newest first."""
    from storage import StorageError, Store

    try:
        with Store.open(db) as store:
            runs = store.runs(limit)
    except StorageError as error:
        raise click.ClickException(str(error)) from None
    for run in runs:
        if as_json:
            click.echo(json.dumps(asdict(run), ensure_ascii=False))
            continue
        click.echo(
            f"#{run.id} {run.kind:<8} {run.started} {run.status:<11} pages={run.pages} "
            f"304={run.not_modified} new={run.articles_new} updated={run.articles_updated} "
            f"failures={run.failures}+{run.extraction_failures} {run.message}"
        )
        if run.fields:
            click.echo(f"    fields: {field_summary(run.fields)}")


def field_summary(fields: dict) -> str:
    """`all 40 articles from their primary sources`, or the fields that were not, e.g.
    `byline 3/40 primary (37 fallback)`."""
    articles = max(counts.articles for counts in fields.values())
    off = [f"{name} {counts.primary}/{counts.articles} primary ({counts.fallback} fallback"
           + (f", {counts.missing} missing" if counts.missing else "") + ")"
           for name, counts in fields.items() if name != "modified" and counts.primary < counts.articles]
    return "; ".join(off) or f"every field of the {articles} articles from its primary source"
