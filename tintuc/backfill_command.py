"""`tintuc backfill`: walk the site's archive for the topics' articles, politely and resumably."""

from __future__ import annotations

import click

from tintuc.options import (
    concurrency_option,
    db_option,
    delay_option,
    site_url_option,
    topics_option,
)


@click.command("backfill")
@db_option
@site_url_option
@click.option("--since", envvar="TINTUC_BACKFILL_SINCE", show_envvar=True,
              help="Oldest day to cover: YYYY-MM-DD, or a duration back from today (2d, 1w)."
                   "  [default: the whole archive]")
@click.option("--until", envvar="TINTUC_BACKFILL_UNTIL", show_envvar=True,
              help="Newest day to cover, YYYY-MM-DD.  [default: today]")
@click.option("--budget", type=click.IntRange(min=1), envvar="TINTUC_BACKFILL_BUDGET", show_envvar=True,
              help="Stop after this many requests; the same command later goes on from there."
                   "  [default: no limit]")
@delay_option
@concurrency_option
@topics_option
@click.option("--progress/--no-progress", default=None,
              help="A progress bar with an ETA, or plain progress lines.  [default: a bar on a terminal]")
@click.option("--now", envvar="TINTUC_NOW", hidden=True, help="Run as if the clock read this ISO 8601 time.")
def backfill_command(db: str, site_url: str, since: str | None, until: str | None, budget: int | None,
                     delay: float, concurrency: int, topics: str | None, progress: bool | None,
                     now: str | None) -> None:
    """Find the topics' articles in the site's archive and store them.

    Walks the section listings from the newest page to the oldest (a short window: the day
    archives), fetching only the articles whose headline and summary make them worth it, then
    the topical tags' pages. It obeys robots.txt and the delay, can be stopped at any moment
    (even with kill -9) and goes on from where it stood when run again with the same window.

    Example: tintuc backfill --since 2020-01-01 --until 2020-12-31
    """
    from core.clock import VIETNAM_TZ, parse_time, utc_now
    from crawler.backfill import window_from
    from crawler.lock import CrawlLock, CrawlLockedError
    from crawler.run import run_crawl

    today = (parse_time(now) if now else None) or utc_now()
    try:
        window = window_from(since, until, today.astimezone(VIETNAM_TZ).date())
        lock = CrawlLock(db)  # fail fast, before Scrapy starts
        lock.acquire()
        lock.release()
    except (ValueError, CrawlLockedError) as error:
        raise click.ClickException(str(error)) from None
    run = run_crawl(
        "backfill", db_path=db, site_url=site_url, since=window.since and window.since.isoformat(),
        until=window.until and window.until.isoformat(), max_pages=budget or 10**9, delay=delay,
        concurrency=concurrency, topics_path=topics, now=now, progress=progress,
    )  # fmt: skip
    if run is None:
        raise click.ClickException("the backfill did not start (see the log above)")
    from storage import Store

    with Store.open(db) as store:
        sources = store.backfill_sources(window.key)
        queued = len(store.backfill_queue(window.key))
    walks: dict[str, int] = {}
    for source in sources:
        walks[source.status] = walks.get(source.status, 0) + 1
    left = walks.get("walking", 0) + walks.get("locating", 0)
    click.echo(
        f"backfill of {window} {run.status}: {run.pages} pages, {run.articles_new} new articles, "
        f"{run.failures} failures; walks " + ", ".join(f"{n} {status}" for status, n in sorted(walks.items()))
        + (f"; {left} walks and {queued} articles left: run the same command again to go on" if left or queued
           else "; complete")
    )
    if run.status != "ok":
        raise click.ClickException(f"backfill {run.status}: {run.message or 'see the log above'}")
