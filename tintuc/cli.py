"""The `tintuc` group: global options, logging, configuration, and every command.

Every option can also come from an environment variable (shown in --help) or the configuration
file, so a service manager can configure the program without a command line.
"""

from __future__ import annotations

import click

from tintuc import __version__
from tintuc.backfill_command import backfill_command
from tintuc.config import ConfigError, default_map, load_config
from tintuc.crawl_commands import crawl_command, runs_command
from tintuc.extract_command import extract_command
from tintuc.feed_commands import feeds_command, serve_command
from tintuc.logs import setup_logging
from tintuc.query_commands import browse_command, export_command, search_command, stats_command
from tintuc.rules_commands import classify_command, eval_command, reclassify_command
from tintuc.service_command import run_command
from tintuc.watch_command import watch_command


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
    ctx.obj = {"config": config, "verbose": verbose}


for command in (
    crawl_command,
    backfill_command,
    watch_command,
    runs_command,
    reclassify_command,
    classify_command,
    eval_command,
    extract_command,
    run_command,
    feeds_command,
    serve_command,
    search_command,
    stats_command,
    export_command,
    browse_command,
):
    cli.add_command(command)


if __name__ == "__main__":
    cli()
