"""`tintuc feeds` and `tintuc serve`: parse options, call the library, report.

Option defaults also come from the `[feeds]`
and `[serve]` sections of the configuration file; feed definitions are its `[[feed]]` tables.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from core import defaults
from tintuc.options import db_option, host_option, out_option, port_option, topics_option

DEFAULT_BASE_URL = f"http://{defaults.HOST}:{defaults.PORT}/"


def _feed_tables() -> list | None:
    context = click.get_current_context()
    root_obj = context.find_root().obj or {}
    return (root_obj.get("config") or {}).get("feed") or None


@click.command("feeds")
@db_option
@out_option
@click.option(
    "--base-url",
    envvar="TINTUC_BASE_URL",
    default=DEFAULT_BASE_URL,
    show_default=True,
    show_envvar=True,
    help="Public URL the output directory is served at (self links).",
)
@topics_option
def feeds_command(db: str, out: str, base_url: str, topics: str | None) -> None:
    """Regenerate every Atom feed, its archive pages, index.html and feeds.opml.

    Files are replaced atomically and only when their bytes change. A feed whose definition or
    document is bad is reported (exit status 1) and keeps its previous file; the others are
    still published.

    Example: tintuc feeds --db data/tintuc.db --out data/feeds --base-url https://feeds.example/
    """
    from crawler.classify import RulesError, load_rules
    from feeds import generate, load_definitions
    from feeds.regenerate import feed_base_url
    from storage import StorageError, Store

    if not Path(db).is_file():
        raise click.ClickException(
            f"{db}: no database there (run `tintuc crawl` first, or pass --db)"
        )
    try:
        feed_base_url(base_url)
        rules = load_rules(topics)
    except (ValueError, RulesError) as error:
        raise click.ClickException(str(error)) from None
    definitions, errors = load_definitions(_feed_tables(), rules)
    for message in errors:
        click.echo(f"error: {message}", err=True)
    try:
        with Store.open(db) as store:
            report = generate(store, definitions, out, base_url=base_url)
    except StorageError as error:
        raise click.ClickException(str(error)) from None
    for slug, counts in report.feeds.items():
        click.echo(
            f"{slug}.atom: {counts.entries} entries ({counts.total} in all), "
            f"{counts.archive_pages} archive pages"
        )
    for message in report.errors:
        click.echo(f"error: {message}", err=True)
    click.echo(
        f"feeds: {report.summary()}" + (f"; {len(errors)} bad definitions" if errors else "")
    )
    if errors or not report.ok:
        sys.exit(1)


@click.command("serve")
@out_option
@host_option
@port_option
@click.option(
    "--max-age",
    envvar="TINTUC_MAX_AGE",
    type=click.IntRange(min=0),
    default=defaults.MAX_AGE,
    show_default=True,
    show_envvar=True,
    help="Cache-Control max-age in seconds; keep it at most the regeneration interval.",
)
def serve_command(out: str, host: str, port: int, max_age: int) -> None:
    """Serve the feeds over HTTP (ETag, Last-Modified, 304, gzip) until interrupted.

    Example: tintuc serve --out data/feeds --port 8080
    """
    from feeds.server import serve

    if not Path(out).is_dir():
        raise click.ClickException(
            f"{out}: no such directory (run `tintuc feeds` first, or pass --out)"
        )
    serve(out, host, port, max_age)
