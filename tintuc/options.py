"""Command-line options shared by several `tintuc` commands: one definition each.

A module of its own (importing only click) so that every command module can use them without
importing tintuc.cli, which imports the command modules.
"""

from __future__ import annotations

import click

DEFAULT_DB = "data/tintuc.db"
DEFAULT_OUT = "data/feeds"
DEFAULT_SITE = "https://baotintuc.vn"

db_option = click.option(
    "--db", "db", envvar="TINTUC_DB", default=DEFAULT_DB, show_default=True,
    show_envvar=True, type=click.Path(dir_okay=False), help="SQLite database file.",
)
out_option = click.option(
    "--out", "out", envvar="TINTUC_OUT", default=DEFAULT_OUT, show_default=True, show_envvar=True,
    type=click.Path(file_okay=False), help="Directory the feeds are written to and served from.",
)
host_option = click.option(
    "--host", envvar="TINTUC_HOST", default="127.0.0.1", show_default=True, show_envvar=True,
    help="Address to listen on.",
)
port_option = click.option(
    "--port", envvar="TINTUC_PORT", type=click.IntRange(0, 65535), default=8080, show_default=True,
    show_envvar=True, help="Port to listen on.",
)
site_url_option = click.option(
    "--site-url", envvar="TINTUC_SITE_URL", default=DEFAULT_SITE, show_default=True, show_envvar=True,
    help="The site, or any mirror of it (links to baotintuc.vn map onto it).",
)
max_pages_option = click.option(
    "--max-pages", envvar="TINTUC_MAX_PAGES", type=click.IntRange(min=1), default=300,
    show_default=True, show_envvar=True, help="Page budget of a crawl.",
)
delay_option = click.option(
    "--delay", envvar="TINTUC_DELAY", type=click.FloatRange(min=0), default=1.0, show_default=True,
    show_envvar=True, help="Seconds between requests to the site.",
)
concurrency_option = click.option(
    "--concurrency", envvar="TINTUC_CONCURRENCY", type=click.IntRange(1, 16), default=2, show_default=True,
    show_envvar=True, help="Requests in flight to the site at once (raise it only for your own mirror).",
)
topics_option = click.option(
    "--topics", envvar="TINTUC_TOPICS", type=click.Path(exists=True, dir_okay=False), show_envvar=True,
    help="Topic rules file (default: the packaged crawler/topics.toml).",
)
rechecks_option = click.option(
    "--rechecks", envvar="TINTUC_RECHECKS", default="3h,24h,3d", show_default=True, show_envvar=True,
    help="When to fetch a new article again, after its publication, to catch edits.",
)
