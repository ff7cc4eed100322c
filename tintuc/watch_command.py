"""`tintuc watch`: poll the watched sources for new articles, without the service."""

from __future__ import annotations

import time

import click

from tintuc.options import db_option, delay_option, site_url_option, topics_option


@click.command("watch")
@db_option
@site_url_option
@delay_option
@topics_option
@click.option("--once", is_flag=True, help="Poll the sources due now, then exit.")
def watch_command(db: str, site_url: str, delay: float, topics: str | None, once: bool) -> None:
    """Watch the newest-articles feed, and the feeds and tag pages where relevant articles
    appear, each on its own schedule; store the new articles they list at once.

    The service does this itself (`tintuc run`); this command is for a store without one, and
    to see what the watcher does. Ctrl-C stops it.
    """
    from crawler.classify import load_rules
    from crawler.client import PoliteClient
    from crawler.urls import Site
    from crawler.watch import Watcher
    from storage import StorageError, Store

    watcher = Watcher(rules=load_rules(topics), site=Site(site_url), client=PoliteClient(delay=delay))
    try:
        while True:
            with Store.open(db) as store:
                watcher.choose_sources(store)
                report = watcher.poll_due(store)
                due = watcher.next_due(store)
            click.echo(f"watch: {report}; next poll {due:%Y-%m-%d %H:%M:%S %Z}" if due else f"watch: {report}")
            if once:
                return
            if due is not None:
                time.sleep(max(1.0, (due - watcher.clock()).total_seconds()))
    except StorageError as error:
        raise click.ClickException(str(error)) from None
    except KeyboardInterrupt:
        click.echo("watch: stopped")
