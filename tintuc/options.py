"""Command-line options shared by several `tintuc` commands: one definition each.

Defaults come from core/defaults.py, the one place every layer reads them from.
"""

from __future__ import annotations

import click

from core import defaults

db_option = click.option(
    "--db", "db", envvar="TINTUC_DB", default=defaults.DB, show_default=True,
    show_envvar=True, type=click.Path(dir_okay=False), help="SQLite database file.",
)
out_option = click.option(
    "--out", "out", envvar="TINTUC_OUT", default=defaults.OUT, show_default=True, show_envvar=True,
    type=click.Path(file_okay=False), help="Directory the feeds are written to and served from.",
)
host_option = click.option(
    "--host", envvar="TINTUC_HOST", default=defaults.HOST, show_default=True, show_envvar=True,
    help="Address to listen on.",
)
port_option = click.option(
    "--port", envvar="TINTUC_PORT", type=click.IntRange(0, 65535), default=defaults.PORT,
    show_default=True, show_envvar=True, help="Port to listen on.",
)
site_url_option = click.option(
    "--site-url", envvar="TINTUC_SITE_URL", default=defaults.SITE_URL, show_default=True,
    show_envvar=True, help="The site, or any mirror of it (links to baotintuc.vn map onto it).",
)
max_pages_option = click.option(
    "--max-pages", envvar="TINTUC_MAX_PAGES", type=click.IntRange(min=1), default=defaults.MAX_PAGES,
    show_default=True, show_envvar=True, help="Page budget of a crawl.",
)
delay_option = click.option(
    "--delay", envvar="TINTUC_DELAY", type=click.FloatRange(min=0), default=defaults.DELAY,
    show_default=True, show_envvar=True, help="Seconds between requests to the site.",
)
concurrency_option = click.option(
    "--concurrency", envvar="TINTUC_CONCURRENCY", type=click.IntRange(1, 16),
    default=defaults.CONCURRENCY, show_default=True, show_envvar=True,
    help="Requests in flight to the site at once (raise it only for your own mirror).",
)
topics_option = click.option(
    "--topics", envvar="TINTUC_TOPICS", type=click.Path(exists=True, dir_okay=False), show_envvar=True,
    help="Topic rules file (default: the packaged crawler/topics.toml).",
)
rechecks_option = click.option(
    "--rechecks", envvar="TINTUC_RECHECKS", default=defaults.RECHECKS, show_default=True,
    show_envvar=True, help="When to fetch a new article again, after its publication, to catch edits.",
)
