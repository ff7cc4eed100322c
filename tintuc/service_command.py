"""`tintuc run`: the service (scheduled crawls, feeds, maintenance, serving), until stopped."""

from __future__ import annotations

import click

from core import defaults
from tintuc.options import (
    concurrency_option,
    db_option,
    delay_option,
    host_option,
    max_pages_option,
    out_option,
    port_option,
    rechecks_option,
    site_url_option,
    topics_option,
)


@click.command("run")
@db_option
@out_option
@site_url_option
@host_option
@port_option
@click.option("--base-url", envvar="TINTUC_BASE_URL", default="", show_envvar=True,
              help="Public URL of the feeds (for self links). Default: http://HOST:PORT/")
@click.option("--crawl-every", envvar="TINTUC_CRAWL_EVERY", default=defaults.CRAWL_EVERY,
              show_default=True, show_envvar=True,
              help="Interval (30m, 15s, 2h) or cron expression (Vietnam time).")
@click.option("--crawl-jitter", envvar="TINTUC_CRAWL_JITTER", type=click.FloatRange(min=0), default=None,
              show_envvar=True, help="Seconds of random delay added to each crawl "
              "[default: a tenth of the interval, at most 300].")
@click.option("--crawl-timeout", envvar="TINTUC_CRAWL_TIMEOUT", default=defaults.CRAWL_TIMEOUT,
              show_default=True, show_envvar=True, help="A crawl still running after this is killed.")
@delay_option
@concurrency_option
@max_pages_option
@topics_option
@rechecks_option
@click.option("--watch/--no-watch", envvar="TINTUC_WATCH", default=True, show_default=True, show_envvar=True,
              help="Poll the newest-articles feed, and the feeds and tags where relevant articles appear,"
                   " between crawls: new articles reach the feeds within minutes.")
@click.option("--backfill-at", envvar="TINTUC_BACKFILL_AT", default=defaults.BACKFILL_AT, show_default=True,
              show_envvar=True, help="Nightly backfill time, HH:MM Vietnam time, or 'off'.")
@click.option("--backfill-since", envvar="TINTUC_BACKFILL_SINCE", default=defaults.BACKFILL_SINCE,
              show_default=True, show_envvar=True,
              help="What the nightly backfill covers: a duration back (2d) or a date (YYYY-MM-DD: the"
                   " archive from then, a budget's worth a night).")
@click.option("--backfill-budget", envvar="TINTUC_BACKFILL_BUDGET", type=click.IntRange(min=1),
              default=defaults.BACKFILL_BUDGET, show_default=True, show_envvar=True,
              help="Requests the nightly backfill may make.")
@click.option("--feeds-every", envvar="TINTUC_FEEDS_EVERY", default=defaults.FEEDS_EVERY,
              show_default=True, show_envvar=True,
              help="Safety regeneration of the feeds (they are also rebuilt after each crawl that changed the store).")
@click.option("--maintenance-at", envvar="TINTUC_MAINTENANCE_AT", default=defaults.MAINTENANCE_AT,
              show_default=True, show_envvar=True, help="Daily maintenance and backup time, HH:MM Vietnam time.")
@click.option("--keep-backups", envvar="TINTUC_KEEP_BACKUPS", type=click.IntRange(min=1),
              default=defaults.KEEP_BACKUPS, show_default=True, show_envvar=True)
@click.pass_obj
def run_command(obj: dict, **options) -> None:  # noqa: ANN003
    """Run the service: watch for new articles, crawl and backfill on a schedule, regenerate
    the feeds, serve them, until stopped.

    Example: tintuc run --crawl-every 12h --port 8080
    """
    from scheduler import Service, ServiceConfig
    from scheduler.schedule import ScheduleError
    from storage import StorageError

    try:
        service = Service(ServiceConfig(feed_definitions=obj["config"].get("feed", []), **options))
        service.serve()
    except (ScheduleError, StorageError, RuntimeError) as error:
        raise click.ClickException(str(error)) from None
