"""Regenerate every feed, its archive pages, index.html and feeds.opml: the one entry point.

The side effects are here and only here: read the store, write files. Everything between is
pure (feeds.archive plans, feeds.entries maps, feeds.atom renders and checks, feeds.pages lays
out), so the same store and definitions always give the same bytes: nothing depends on the
clock except a `max_age_days` cut-off, which is relative to `now`.

One feed failing (an invalid full-text query, a document that fails the structural check, a
disk error) is logged, reported and counted; its previously published files stay as they were,
and the other feeds go on.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import lxml.etree

from feeds import atom, pages, publish
from feeds.archive import archive_path, plan
from feeds.definitions import FeedDefinition
from feeds.entries import Entry, entry_from_article, parse_time
from storage.feed_queries import CrawlWindow, FeedQueryError

if TYPE_CHECKING:
    from storage.store import Store

logger = logging.getLogger(__name__)

INDEX = "index.html"
OPML = "feeds.opml"
_ARCHIVE_FILE = re.compile(r"^archive-(\d+)\.atom$")


class FeedBuildError(Exception):
    """A feed could not be built or failed its check; the message names the feed."""


@dataclass(frozen=True)
class FeedCounts:
    entries: int  # in the current document
    total: int  # articles the feed selects in all
    archive_pages: int


@dataclass
class GenerateReport:
    """What a regeneration did. `ok` is False when any feed failed."""

    feeds: dict[str, FeedCounts] = field(
        default_factory=dict
    )  # slug → counts, feeds that succeeded
    written: list[str] = field(default_factory=list)  # paths relative to the output directory
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # archive pages no longer produced
    failed: list[str] = field(default_factory=list)  # slugs
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.errors

    def __str__(self) -> str:
        return self.summary() + "".join(f"; {message}" for message in self.errors)

    def summary(self) -> str:
        return (
            f"{len(self.feeds)} feeds ok, {len(self.failed)} failed; files: {len(self.written)} written,"
            f" {len(self.unchanged)} unchanged, {len(self.removed)} removed"
        )


def generate(
    store: Store,
    definitions: Sequence[FeedDefinition],
    out_dir: str | Path,
    *,
    base_url: str,
    now: datetime | None = None,
) -> GenerateReport:
    """Regenerate all feeds into `out_dir`, publishing each file atomically and only if changed.

    `base_url` is where `out_dir` is served (self links, index, OPML). `now` only matters for
    definitions with `max_age_days`; it defaults to the current time.
    """
    now = now or datetime.now(timezone.utc)
    base = feed_base_url(base_url)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = GenerateReport()
    windows = store.crawl_windows()
    cache: dict[tuple, Entry] = {}
    listings: list[pages.Listing] = []
    for definition in definitions:
        try:
            files, listing, counts = build_feed(store, definition, base, now, windows, cache)
            _publish_feed(out, definition, files, report)
        except Exception as error:  # noqa: BLE001 - one feed must never stop the others
            _record_failure(report, definition, error)
            previous = listing_from_file(out, definition, base)
            if previous is not None:
                listings.append(previous)
            continue
        report.feeds[definition.slug] = counts
        listings.append(listing)
        logger.info(
            "feed %s: %d entries (%d in all), %d archive pages",
            definition.slug,
            counts.entries,
            counts.total,
            counts.archive_pages,
        )
    for name, data in (
        (INDEX, pages.index_html(listings, opml_url=urljoin(base, OPML))),
        (OPML, pages.opml(listings)),
    ):
        try:
            _record_write(report, name, publish.publish(out / name, data))
        except OSError as error:
            report.errors.append(f"{name}: cannot write ({error})")
            logger.error("%s: cannot write (%s)", name, error)
    try:
        publish.remove_stale_temp_files(out)
    except OSError as error:
        logger.warning("cannot clean temporary files in %s (%s)", out, error)
    return report


def feed_base_url(base_url: str) -> str:
    """The base URL with a trailing slash; ValueError unless it is absolute http(s)."""
    parts = urlsplit(base_url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(
            f"base URL must be an absolute http(s) URL without query, not {base_url!r}"
        )
    return base_url if base_url.endswith("/") else base_url + "/"


def build_feed(
    store: Store,
    definition: FeedDefinition,
    base: str,
    now: datetime,
    windows: Sequence[CrawlWindow],
    cache: dict[tuple, Entry],
) -> tuple[dict[str, bytes], pages.Listing, FeedCounts]:
    """A feed's documents (relative path → bytes, all checked), its listing and its counts."""
    members = store.feed_members(definition.filter)
    layout = plan(
        members,
        windows,
        limit=definition.limit,
        page_size=definition.archive_page_size,
        max_age_days=definition.max_age_days,
        now=now,
    )
    entries = _entries(
        store, definition, {i for ids in (layout.current, *layout.pages) for i in ids}, cache
    )
    self_url = urljoin(base, f"{definition.slug}.atom")

    def page_url(number: int) -> str:
        return urljoin(base, archive_path(definition.slug, number))

    def document(ids: Sequence[str], **kwargs) -> atom.FeedDocument:
        chosen = sorted(
            (entries[i] for i in ids if i in entries), key=lambda e: e.sort_key, reverse=True
        )
        return atom.FeedDocument(
            feed_id=definition.feed_id,
            subtitle=definition.subtitle,
            alternate_url=definition.link,
            entries=chosen,
            **kwargs,
        )

    full = len(layout.pages)
    current = document(
        layout.current,
        title=definition.title,
        self_url=self_url,
        links=(("prev-archive", page_url(full)),) if full else (),
    )
    files = {f"{definition.slug}.atom": _checked(atom.render(current), definition, archive=False)}
    for number, ids in enumerate(layout.pages, start=1):
        links = [("current", self_url)]
        if number > 1:
            links.append(("prev-archive", page_url(number - 1)))
        # Named before it exists, so that this page never changes once written (docs/feeds.md).
        links.append(("next-archive", page_url(number + 1)))
        page = document(
            ids,
            title=f"{definition.title} – lưu trữ {number}",
            self_url=page_url(number),
            links=tuple(links),
            archive=True,
        )
        files[archive_path(definition.slug, number)] = _checked(
            atom.render(page), definition, archive=True
        )
    listing = pages.Listing(
        slug=definition.slug,
        title=definition.title,
        subtitle=definition.subtitle,
        url=self_url,
        alternate_url=definition.link,
        entries=len(current.entries),
        total=len(members),
        archive_pages=full,
        updated=current.updated if current.entries else None,
    )
    return files, listing, FeedCounts(len(current.entries), len(members), full)


def _entries(
    store: Store, definition: FeedDefinition, ids: set[str], cache: dict[tuple, Entry]
) -> dict[str, Entry]:
    """Entries for the ids, rendered once per run even when several feeds share an article."""
    labels = tuple(definition.topic_labels.items())
    missing = [i for i in ids if (i, labels) not in cache]
    for site_id, article in store.feed_articles(missing).items():
        cache[(site_id, labels)] = entry_from_article(article, definition.topic_labels)
    return {i: cache[(i, labels)] for i in ids if (i, labels) in cache}


def _checked(data: bytes, definition: FeedDefinition, *, archive: bool) -> bytes:
    problems = atom.check_atom(data, archive=archive)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise FeedBuildError(
            f"feed {definition.slug!r}: invalid Atom, not published: {problems[0]}{more}"
        )
    return data


def _publish_feed(
    out: Path, definition: FeedDefinition, files: Mapping[str, bytes], report: GenerateReport
) -> None:
    for name, data in files.items():
        _record_write(report, name, publish.publish(out / name, data))
    folder = out / definition.slug
    if folder.is_dir() and not folder.is_symlink():
        for candidate in sorted(folder.iterdir()):
            name = f"{definition.slug}/{candidate.name}"
            stale = _ARCHIVE_FILE.match(candidate.name) and name not in files
            if stale and publish.remove(candidate):
                report.removed.append(name)


def _record_write(report: GenerateReport, name: str, written: bool) -> None:
    (report.written if written else report.unchanged).append(name)


def _record_failure(report: GenerateReport, definition: FeedDefinition, error: Exception) -> None:
    report.failed.append(definition.slug)
    if isinstance(error, (FeedBuildError, FeedQueryError)):
        message = str(error)
        logger.error("%s; the published feed is left as it was", message)
    else:
        message = f"feed {definition.slug!r}: {type(error).__name__}: {error}"
        logger.exception("%s; the published feed is left as it was", message)
    report.errors.append(message)


def listing_from_file(out: Path, definition: FeedDefinition, base: str) -> pages.Listing | None:
    """The listing of a feed that failed this time, from its previously published file."""
    path = out / f"{definition.slug}.atom"
    try:
        root = lxml.etree.fromstring(
            path.read_bytes(), lxml.etree.XMLParser(resolve_entities=False, no_network=True)
        )
    except (OSError, lxml.etree.XMLSyntaxError):
        return None
    a = f"{{{atom.ATOM_NS}}}"
    entries = root.findall(f"{a}entry")
    folder = out / definition.slug
    archived = (
        len([p for p in folder.iterdir() if _ARCHIVE_FILE.match(p.name)]) if folder.is_dir() else 0
    )
    return pages.Listing(
        slug=definition.slug,
        title=definition.title,
        subtitle=definition.subtitle,
        url=urljoin(base, f"{definition.slug}.atom"),
        alternate_url=definition.link,
        entries=len(entries),
        total=None,
        archive_pages=archived,
        updated=parse_time(root.findtext(f"{a}updated") or "") if entries else None,
    )
