"""The `tintuc` command: a thin layer that parses options and calls the library.

Every option can also come from an environment variable (shown in --help), so a service
manager can configure the program without a command line.
"""

from __future__ import annotations

import json
import logging
import sys

import click

from tintuc import __version__
from tintuc.config import ConfigError, default_map, load_config
from tintuc.options import (
    db_option,
    concurrency_option,
    delay_option,
    host_option,
    max_pages_option,
    out_option,
    port_option,
    rechecks_option,
    site_url_option,
    topics_option,
)

@click.group()
@click.version_option(__version__, prog_name="tintuc")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("--config", "config_path", envvar="TINTUC_CONFIG", show_envvar=True,
              type=click.Path(exists=True, dir_okay=False), help="TOML configuration file.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, config_path: str | None) -> None:
    """Topical feeds from baotintuc.vn: environment and Vietnam–Japan relations.

    Settings come from, in order of precedence: options, environment variables, the
    configuration file, built-in defaults.
    """
    setup_logging(verbose)
    try:
        config = load_config(config_path)
        ctx.default_map = default_map(config, list(cli.commands))
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    ctx.obj = {"config": config}


OWN_LOGGERS = ("crawler", "storage", "feeds", "scheduler", "tintuc")


def setup_logging(verbose: int) -> None:
    """Our own progress at INFO; other libraries' chatter only with -v (-vv: debug).

    A filter on the handler rather than logger levels, because Scrapy resets its loggers'
    levels when a crawl starts.
    """
    library_level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]

    def keep(record: logging.LogRecord) -> bool:
        own = record.name.split(".")[0] in OWN_LOGGERS
        return own or record.levelno >= library_level

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(keep)
    logging.basicConfig(level=logging.DEBUG if verbose >= 2 else logging.INFO, handlers=[handler])


@cli.command()
@db_option
@site_url_option
@max_pages_option
@delay_option
@concurrency_option
@topics_option
@rechecks_option
def crawl(db: str, site_url: str, max_pages: int, delay: float, concurrency: int, topics: str | None,
          rechecks: str) -> None:
    """Crawl the site once into the database, then print a summary.

    Example: tintuc crawl --site-url http://127.0.0.1:8081 --db x.db --delay 0
    """
    from crawler.lock import CrawlLock, CrawlLockedError
    from crawler.policy import parse_rechecks
    from crawler.run import run_crawl

    try:  # fail fast with clear messages, before Scrapy starts
        parse_rechecks(rechecks)
        lock = CrawlLock(db)
        lock.acquire()
        lock.release()
    except (CrawlLockedError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    run = run_crawl(rechecks=rechecks, db_path=db, site_url=site_url, max_pages=max_pages, delay=delay,
                    concurrency=concurrency, topics_path=topics)
    if run is None:
        raise click.ClickException("the crawl did not start (see the log above)")
    click.echo(
        f"crawl {run.status}: {run.pages} pages ({run.not_modified} not modified), "
        f"{run.articles_new} new, {run.articles_updated} updated, {run.articles_unchanged} unchanged, "
        f"{run.failures} failures, {run.extraction_failures} extraction failures"
    )
    if run.status != "ok":
        sys.exit(1)


@cli.command()
@db_option
@topics_option
def reclassify(db: str, topics: str | None) -> None:
    """Re-apply the topic rules to every stored article, without fetching anything."""
    from crawler.classify import RulesError
    from crawler.reclassify import reclassify_store
    from storage.store import Store

    try:
        with Store.open(db) as store:
            changed = reclassify_store(store, topics)
    except RulesError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{changed} articles changed topics")


@cli.command()
@db_option
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def runs(db: str, limit: int, as_json: bool) -> None:
    """List recent crawl runs, newest first."""
    from dataclasses import asdict

    from storage.store import Store

    with Store.open(db) as store:
        for run in store.runs(limit):
            if as_json:
                click.echo(json.dumps(asdict(run), ensure_ascii=False))
            else:
                click.echo(
                    f"#{run.id} {run.started} {run.status:<11} pages={run.pages} "
                    f"304={run.not_modified} new={run.articles_new} updated={run.articles_updated} "
                    f"failures={run.failures}+{run.extraction_failures} {run.message}"
                )


@cli.command()
@db_option
@out_option
@site_url_option
@host_option
@port_option
@click.option("--base-url", envvar="TINTUC_BASE_URL", default="", show_envvar=True,
              help="Public URL of the feeds (for self links). Default: http://HOST:PORT/")
@click.option("--crawl-every", envvar="TINTUC_CRAWL_EVERY", default="30m", show_default=True,
              show_envvar=True, help="Interval (30m, 15s, 2h) or cron expression (Vietnam time).")
@click.option("--crawl-jitter", envvar="TINTUC_CRAWL_JITTER", type=click.FloatRange(min=0), default=None,
              show_envvar=True, help="Seconds of random delay added to each crawl "
              "[default: a tenth of the interval, at most 300].")
@click.option("--crawl-timeout", envvar="TINTUC_CRAWL_TIMEOUT", default="20m", show_default=True,
              show_envvar=True, help="A crawl still running after this is killed.")
@delay_option
@concurrency_option
@max_pages_option
@topics_option
@rechecks_option
@click.option("--feeds-every", envvar="TINTUC_FEEDS_EVERY", default="6h", show_default=True,
              show_envvar=True, help="Safety regeneration of the feeds (they are also rebuilt after each crawl that changed the store).")
@click.option("--maintenance-at", envvar="TINTUC_MAINTENANCE_AT", default="03:30", show_default=True,
              show_envvar=True, help="Daily maintenance and backup time, HH:MM Vietnam time.")
@click.option("--keep-backups", envvar="TINTUC_KEEP_BACKUPS", type=click.IntRange(min=1), default=7,
              show_default=True, show_envvar=True)
@click.pass_obj
def run(obj: dict, **options) -> None:  # noqa: ANN003
    """Run the service: crawl on a schedule, regenerate the feeds, serve them, until stopped.

    Example: tintuc run --crawl-every 30m --port 8080
    """
    from scheduler import Service, ServiceConfig
    from scheduler.schedule import ScheduleError

    try:
        service = Service(ServiceConfig(feed_definitions=obj["config"].get("feed", []), **options))
        service.serve()
    except (ScheduleError, RuntimeError) as error:
        raise click.ClickException(str(error)) from None


from feeds.cli import feeds_command, serve_command  # noqa: E402 (registered after the group exists)

cli.add_command(feeds_command)
cli.add_command(serve_command)

from tintuc.query_cli import (  # noqa: E402
    browse_command,
    export_command,
    search_command,
    stats_command,
)

cli.add_command(search_command)
cli.add_command(stats_command)
cli.add_command(export_command)
cli.add_command(browse_command)

if __name__ == "__main__":
    cli()
