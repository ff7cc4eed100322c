"""`tintuc search`, `tintuc stats`, `tintuc export`, `tintuc browse`: reading the store.

Each command parses its options, opens the
store, calls one verb (storage/queries.py) and formats the answer; option defaults also come
from the `[search]`, `[stats]`, `[export]` and `[browse]` sections of the configuration file.
None of them creates a database: a wrong --db is an error, not a new empty file.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

import click

from storage import EXPORT_COLUMNS, SearchQueryError, StorageError, Store, StoreStats
from tintuc.options import db_option

topic_option = click.option(
    "--topic", help="Only articles in this topic (environment, vietnam-japan).",
)
# Appended to FTS5's own complaint when --fts is on.
FTS_HINT = " (--fts takes FTS5 syntax, see docs/schema.md; without it words are searched as typed)"


class SinceType(click.ParamType):
    """A lower bound on publication: 2024, 2024-05, 2024-05-01 or 2024-05-01T08:00[+07:00].

    Dates are Vietnam calendar days, like `published`; a time without offset is Vietnam time.
    """

    name = "DATE"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> date:
        if isinstance(value, date):  # a datetime is a date too
            return value
        text = str(value).strip()
        try:
            if len(text) == 4 and text.isdigit():
                return date(int(text), 1, 1)
            if len(text) == 7:
                return date.fromisoformat(text + "-01")
            if len(text) == 10:
                return date.fromisoformat(text)
            return datetime.fromisoformat(text)
        except ValueError:
            self.fail(
                f"{text!r} is not a date: use 2024-05-01, 2024-05, 2024 or 2024-05-01T08:00+07:00",
                param, ctx,
            )


since_option = click.option(
    "--since", type=SinceType(), help="Only articles published on or after DATE (Vietnam time).",
)


@contextmanager
def open_store(db: str, topic: str | None = None) -> Iterator[Store]:
    """The existing store at `db`, with `topic` checked against the topics it holds."""
    if not Path(db).is_file():
        raise click.ClickException(
            f"{db}: no database there (run `tintuc crawl` first, or pass --db)"
        )
    try:
        store = Store.open(db)
    except StorageError as error:
        raise click.ClickException(str(error)) from None
    with store:
        if topic is not None:
            known = store.topic_counts()
            if topic not in known:
                names = ", ".join(sorted(known)) or "none yet"
                raise click.ClickException(f"no articles in topic {topic!r} (topics here: {names})")
        yield store


@click.command("search")
@db_option
@click.argument("query")
@topic_option
@since_option
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="Show at most N articles, best first.")
@click.option("--fts", is_flag=True,
              help='QUERY is FTS5 syntax: AND OR NOT, "phrases", prefix*, NEAR(a b, 5), brackets.')
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def search_command(
    db: str, query: str, topic: str | None, since: date | None, limit: int, fts: bool, as_json: bool
) -> None:
    """Full-text search; diacritics and đ do not matter ("nhat ban" finds "Nhật Bản").

    Every word must occur; "quoted words" must occur together; word* matches a prefix. Matches
    are bold in the snippet (between ** when not on a terminal).

    Example: tintuc search "bien doi khi hau" --topic environment --since 2024-01-01
    """
    bold = sys.stdout.isatty() and not as_json
    marks = ("\x1b[1m", "\x1b[0m") if bold else ("**", "**")
    with open_store(db, topic) as store:
        try:
            results = store.search(
                query, topic=topic, since=since, limit=limit, fts=fts, marks=marks
            )
        except SearchQueryError as error:
            hint = FTS_HINT if fts else ""
            raise click.ClickException(f"{error}{hint}") from None
    if as_json:
        for hit in results.hits:
            click.echo(json.dumps(asdict(hit), ensure_ascii=False))
        return
    shown, total = len(results.hits), results.total
    matches = "1 article matches" if total == 1 else f"{total} articles match"
    click.echo(f"{matches} {query!r}" + (f"; the {shown} best:" if shown < total else ":"))
    for hit in results.hits:
        labels = " · ".join([*hit.topics, hit.category] if hit.category else hit.topics)
        click.echo(f"\n{hit.published[:10]}  {hit.title}")
        click.echo(f"            {labels + ' · ' if labels else ''}{hit.url}")
        click.echo(f"            {hit.snippet}")


@click.command("stats")
@db_option
@click.option("--months", type=click.IntRange(min=1), default=12, show_default=True,
              help="How many months to count, newest first.")
@click.option("--runs", type=click.IntRange(min=0), default=5, show_default=True,
              help="How many recent crawl runs to show.")
@click.option("--json", "as_json", is_flag=True, help="Everything as one JSON object.")
def stats_command(db: str, months: int, runs: int, as_json: bool) -> None:
    """Articles per topic, category and month, the last crawl runs, the database's size.

    Example: tintuc stats --months 24
    """
    with open_store(db) as store:
        stats = store.stats(months=months, runs=runs)
    if as_json:
        click.echo(json.dumps(asdict(stats), ensure_ascii=False, indent=2))
    else:
        click.echo(format_stats(db, stats))


def format_stats(db: str, stats: StoreStats) -> str:
    """The text report of `tintuc stats`."""
    topics = list(stats.topics)
    size = f"{human_size(stats.size_bytes)} ({stats.size_bytes:,} bytes)"
    if stats.wal_bytes:
        size += f" + {human_size(stats.wal_bytes)} write-ahead log"
    lines = [f"{db}: {stats.articles} articles, {size}, schema version {stats.schema_version}"]
    lines += ["", "Articles per topic"]
    lines += [f"  {name:<32}{count:>6}" for name, count in stats.topics.items()]
    lines += [f"  {'(no topic)':<32}{stats.without_topic:>6}"]
    lines += ["", "Articles per category"]
    lines += [f"  {name or '(none)':<32}{count:>6}" for name, count in stats.categories.items()]
    lines += ["", "Articles per month"]
    lines += [f"  {'':<32}{'all':>6}" + "".join(f"{t:>16}" for t in topics)]
    lines += [
        f"  {m.month:<32}{m.articles:>6}" + "".join(f"{m.topics.get(t, 0):>16}" for t in topics)
        for m in stats.months
    ]
    if stats.runs:
        lines += ["", "Last crawl runs"]
    for run in stats.runs:
        took = f" in {run.seconds} s" if run.seconds is not None else ""
        lines.append(
            f"  #{run.id} {run.started} {run.status}{took}: {run.pages} pages"
            f" ({run.not_modified} not modified), {run.articles_new} new,"
            f" {run.articles_updated} updated, {run.failures + run.extraction_failures} failures"
            + (f" ({run.message})" if run.message else "")
        )
    return "\n".join(lines)


def human_size(size: int) -> str:
    """1536 → "1.5 KiB"."""
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


@click.command("export")
@db_option
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv",
              show_default=True, help="CSV with a header row, or one JSON object per line.")
@topic_option
@since_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              show_default=True, help="File to write (replaced only once complete); - is stdout.")
def export_command(
    db: str, fmt: str, topic: str | None, since: date | None, output: str
) -> None:
    """Stream articles, oldest first, with their topics, tags and text, for use elsewhere.

    Lists (topics, tags, authors) are JSON arrays, also inside CSV cells.

    Example: tintuc export --format jsonl --topic vietnam-japan -o vietnam-japan.jsonl
    """
    from tintuc.export import WRITERS

    write = WRITERS[fmt]
    with open_store(db, topic) as store:
        rows = store.iter_export(topic=topic, since=since)
        if output == "-":
            out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
            try:
                write(rows, out, EXPORT_COLUMNS)
                out.flush()
            except BrokenPipeError:  # `tintuc export | head`: the reader has enough
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            finally:
                out.detach()
            return
        partial = Path(output + ".partial")
        try:
            with open(partial, "w", encoding="utf-8", newline="") as out:
                count = write(rows, out, EXPORT_COLUMNS)
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
    click.echo(f"{count} articles written to {output}", err=True)


@click.command("browse", context_settings={"ignore_unknown_options": True})
@db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True,
              help="0 picks a free port.")
@click.option("--open", "open_browser", is_flag=True, help="Open it in a web browser.")
@click.argument("datasette_args", nargs=-1, type=click.UNPROCESSED)
def browse_command(
    db: str, host: str, port: int, open_browser: bool, datasette_args: tuple[str, ...]
) -> None:
    """Explore the database in Datasette: tables, views, facets, full-text search, saved queries.

    Needs the optional extra: pip install 'tintuc-feeds[browse]'. Arguments after the options
    go to `datasette serve` as they are.

    Example: tintuc browse --db data/tintuc.db --port 8001 --open
    """
    from tintuc import browse

    if not browse.datasette_installed():
        raise click.ClickException(browse.INSTALL_HINT)
    with open_store(db):  # checks the file and migrates it, so the views Datasette shows exist
        pass
    with tempfile.TemporaryDirectory(prefix="tintuc-browse-") as scratch:
        metadata = None
        if browse.METADATA_FILE.is_file():
            metadata = browse.write_metadata(browse.metadata_for(db), Path(scratch))
        else:
            click.echo(f"warning: {browse.METADATA_FILE} not found; no descriptions or "
                       "saved queries", err=True)
        argv = browse.datasette_argv(db, metadata, host=host, port=port,
                                     open_browser=open_browser, extra=datasette_args)
        process = subprocess.Popen(argv)
        # Stopped by a service manager: stop Datasette too rather than orphan it.
        signal.signal(signal.SIGTERM, lambda *_: process.terminate())
        try:
            code = process.wait()
        except KeyboardInterrupt:  # Ctrl-C reached Datasette as well; let it finish stopping
            code = process.wait()
    sys.exit(128 - code if code < 0 else code)  # stopped by signal N: the shell's 128 + N
