"""Regenerate every feed, its archive pages, their web pages, index.html and the OPML files: the
one entry point.

The side effects are here and only here: read the store, write files. Everything between is
pure (feeds.archive plans, feeds.entries maps, feeds.atom renders and checks, feeds.cards and
feeds.chart prepare and feeds.pages renders the web pages), so the same store and definitions
always give the same bytes: nothing depends on the clock except a `max_age_days` cut-off and
the index chart's 24 months, both relative to `now`.

A regeneration costs what the feeds show, not what the store holds: the manifest
(feeds.manifest) says what the previous run published and from which revision of the store, so
only the articles changed since are read, each feed's layout is carried forward
(`archive.advance`), and an archive page is rendered again only when it is new, one of its
articles changed, or its file is not as written. The current documents are always rendered
(they are small, and that repairs them whatever happened to them).

One feed failing (an invalid full-text query, a document that fails the structural check, a
disk error) is logged, reported and counted; its previously published files stay as they were,
and the other feeds go on.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import lxml.etree

from core.clock import parse_time
from core.feed_types import CrawlWindow, MonthlyCount, Revision
from feeds import atom, cards, chart, manifest, pages, publish, templating
from feeds.archive import Page, Placement, Step, advance, archive_path, layout
from feeds.definitions import FeedDefinition
from feeds.entries import Entry, entry_from_article
from feeds.manifest import FeedRecord, Manifest, PageStamp, Stamp
from storage import FeedQueryError

if TYPE_CHECKING:
    from storage import Store

logger = logging.getLogger(__name__)

INDEX = pages.INDEX
OPML = pages.OPML
_ARCHIVE_FILE = re.compile(r"^archive-(\d+)\.atom$")


class FeedBuildError(Exception):
    """A feed could not be built or failed its check; the message names the feed."""


@dataclass(frozen=True)
class FeedCounts:
    entries: int  # in the current document
    total: int  # articles the feed selects in all
    archive_pages: int


@dataclass(frozen=True)
class FeedBuild:
    """A feed's checked documents, ready to publish, and what the manifest will record."""

    # Archive pages rendered (each an Atom document and its web page), oldest first, then the
    # current document.
    documents: dict[str, bytes]
    rendered: tuple[int, ...]  # the numbers of those archive pages
    relinked: tuple[int, ...]  # archive pages whose web page alone is rendered (its links)
    kept: tuple[int, ...]  # the archive pages left as they are
    dropped: tuple[int, ...]  # archive pages on disk that are no longer produced
    change: Placement | Step  # the layout, from scratch or carried forward
    fingerprint: str
    listing: pages.Listing
    counts: FeedCounts
    page: pages.FeedPage  # the feed's current web page, rendered only if it changed
    newest: tuple[cards.Card, ...]  # for the index


@dataclass
class GenerateReport:
    """What a regeneration did. `ok` is False when any feed failed."""

    feeds: dict[str, FeedCounts] = field(
        default_factory=dict
    )  # slug → counts, feeds that succeeded
    written: list[str] = field(default_factory=list)  # paths relative to the output directory
    unchanged: list[str] = field(default_factory=list)
    # Documents rendered (and checked): every current document, archive pages only when needed.
    rendered: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)  # web pages rendered
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
            f" {len(self.unchanged)} unchanged, {len(self.removed)} removed;"
            f" {len(self.rendered)} documents and {len(self.pages)} web pages rendered"
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
    cache: dict[tuple, Entry] = {}
    shown: list[pages.FeedOnIndex] = []
    for name, data in templating.static_files().items():  # before the pages that link to them
        _write(out, name, data, report)
    with store.snapshot(), Manifest(out) as recorded:
        revision = store.revision()
        windows = store.crawl_windows()
        changes = _Changes(store, revision)
        for definition in definitions:
            opml_url = urljoin(base, f"{definition.slug}.opml")
            try:
                previous = recorded.feed(definition.slug)
                build = build_feed(
                    store, definition, base, now, windows, cache, out, recorded, previous,
                    changes.since(previous),
                )  # fmt: skip
                files = _publish_feed(out, definition, build, report)
            except Exception as error:  # noqa: BLE001 - one feed must never stop the others
                _record_failure(report, definition, error)
                listing = listing_from_file(out, definition, base)
                if listing is not None:
                    shown.append(pages.FeedOnIndex(listing, (), opml_url, stale=True))
                continue
            _record(recorded, definition, build, revision, previous, files)
            report.feeds[definition.slug] = build.counts
            shown.append(pages.FeedOnIndex(build.listing, build.newest, opml_url))
            _publish_view(
                out, recorded, build.page.path, _digest(build.page),
                lambda page=build.page: pages.feed_page_html(page), report,
            )  # fmt: skip
            logger.info(
                "feed %s: %d entries (%d in all), %d archive pages (%d rendered)",
                definition.slug,
                build.counts.entries,
                build.counts.total,
                build.counts.archive_pages,
                len(build.rendered),
            )
        _publish_index(store, definitions, shown, base, now, revision, out, recorded, report)
    listings = [item.listing for item in shown]
    for item in listings:
        if item.opml_name != OPML:  # a feed named "feeds" has the file of all feeds instead
            _write(out, item.opml_name, pages.opml([item], title=item.title), report)
    _write(out, OPML, pages.opml(listings), report)
    try:
        publish.remove_stale_temp_files(out)
    except OSError as error:
        logger.warning("cannot clean temporary files in %s (%s)", out, error)
    return report


def _publish_index(
    store: Store,
    definitions: Sequence[FeedDefinition],
    shown: Sequence[pages.FeedOnIndex],
    base: str,
    now: datetime,
    revision: Revision,
    out: Path,
    recorded: Manifest,
    report: GenerateReport,
) -> None:
    """index.html, rendered only when what it shows changed: the feeds, the last crawl, and the
    chart, whose counts change only with the store's revision or the months of its window."""
    topics: dict[str, str] = {}
    for definition in definitions:
        for name, label in definition.topic_labels.items():
            topics.setdefault(name, label)
    months = chart.months_ending(now)
    crawls = pages.crawls(store.crawl_summary())
    opml_url = urljoin(base, OPML)
    chart_key = [revision.lineage, revision.number, months, list(topics.items())]
    digest = _digest([shown, opml_url, crawls, chart_key, _file_digest(chart.__file__)])

    def render() -> bytes:
        drawn = None
        if topics:
            counts = _monthly_counts(store, recorded, months, _digest(chart_key))
            drawn = chart.monthly_chart(counts, list(topics.items()), months)
        return pages.index_html(pages.IndexPage(tuple(shown), opml_url, crawls, drawn))

    _publish_view(out, recorded, INDEX, digest, render, report)


def _monthly_counts(
    store: Store, recorded: Manifest, months: Sequence[str], key: str
) -> list[MonthlyCount]:
    """The chart's counts: as recorded when counted from the same revision, months and topics,
    else counted (a query over the articles of those months) and recorded."""
    cached = recorded.counts("chart", key)
    if cached is not None:
        try:
            return [MonthlyCount(str(t), str(m), int(n)) for t, m, n in cached]
        except (TypeError, ValueError):
            pass
    counts = store.monthly_topic_counts(months[0], months[-1])
    try:
        recorded.record_counts("chart", key, [[c.topic, c.month, c.articles] for c in counts])
    except sqlite3.Error as error:
        logger.warning("cannot record the chart's counts in the manifest (%s)", error)
    return counts


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
    out: Path,
    recorded: Manifest,
    previous: FeedRecord | None = None,
    changed: set[str] | None = None,
) -> FeedBuild:
    """A feed's documents to publish (all checked), given what was published before.

    `previous` is the feed's record in the manifest and `changed` the articles changed since
    its revision (None: not known); without both, or with another fingerprint, all is rebuilt.
    """
    slug = definition.slug
    fingerprint = manifest.fingerprint(definition, base)
    if changed is None or (previous is not None and previous.fingerprint != fingerprint):
        previous, changed = None, set()  # nothing it says can be trusted
    on_disk = _archive_files(out, slug)
    change, to_render, relink = _place(
        store, definition, windows, on_disk, recorded, previous, changed
    )
    placed = change.layout
    page_ids = {
        n: tuple(site_id for site_id, _time in page)
        for n, page in (*to_render.items(), *relink.items())
    }
    current_ids = placed.current(definition.max_age_days, now)
    needed = {i for ids in page_ids.values() for i in ids} | set(current_ids)
    entries = _entries(store, definition, needed, cache)
    self_url = urljoin(base, f"{slug}.atom")

    opml_url = urljoin(base, f"{slug}.opml")
    full = placed.pages

    def page_url(number: int) -> str:
        return urljoin(base, archive_path(slug, number))

    def web_page_url(number: int | None) -> str:
        return urljoin(base, pages.page_path(slug, number).removesuffix("index.html"))

    def chosen(ids: Sequence[str]) -> list[Entry]:
        found = (entries[i] for i in ids if i in entries)
        return sorted(found, key=lambda e: e.sort_key, reverse=True)

    def document(ids: Sequence[str], number: int | None, **kwargs) -> atom.FeedDocument:
        return atom.FeedDocument(
            feed_id=definition.feed_id,
            subtitle=definition.subtitle,
            alternate_url=web_page_url(number),
            related_url=definition.link,
            entries=chosen(ids),
            **kwargs,
        )

    def web_page(ids: Sequence[str], number: int | None) -> pages.FeedPage:
        if number is None:
            older, newer = (pages.page_link(full) if full else None), None
        else:
            older = pages.page_link(number - 1) if number > 1 else None
            newer = pages.page_link(number + 1 if number < full else None)
        return pages.FeedPage(
            slug=slug,
            title=definition.title,
            subtitle=definition.subtitle,
            feed_url=self_url,
            opml_url=opml_url,
            document_url=self_url if number is None else page_url(number),
            related_url=definition.link,
            number=number,
            cards=tuple(cards.card(entry) for entry in chosen(ids)),
            older=older,
            newer=newer,
            oldest=pages.page_link(1) if number is None and full > 1 else None,
            total=placed.total if number is None else None,
            archive_pages=full if number is None else 0,
        )

    documents = {}
    rendered = tuple(sorted(to_render))
    for number in sorted(relink):  # before the pages after them, which they link to
        view = web_page(page_ids[number], number)
        documents[view.path] = pages.feed_page_html(view)
    for number in rendered:
        links = [("current", self_url)]
        if number > 1:
            links.append(("prev-archive", page_url(number - 1)))
        # Named before it exists, so that this page never changes once written (docs/feeds.md).
        links.append(("next-archive", page_url(number + 1)))
        page = document(
            page_ids[number],
            number,
            title=f"{definition.title} – lưu trữ {number}",
            self_url=page_url(number),
            links=tuple(links),
            archive=True,
        )
        documents[archive_path(slug, number)] = _checked(
            atom.render(page), definition, archive=True
        )
        view = web_page(page_ids[number], number)
        documents[view.path] = pages.feed_page_html(view)
    current = document(
        current_ids,
        None,
        title=definition.title,
        self_url=self_url,
        links=(("prev-archive", page_url(full)),) if full else (),
    )
    documents[f"{slug}.atom"] = _checked(atom.render(current), definition, archive=False)
    listing = pages.Listing(
        slug=slug,
        title=definition.title,
        subtitle=definition.subtitle,
        url=self_url,
        alternate_url=web_page_url(None),
        entries=len(current.entries),
        total=placed.total,
        archive_pages=full,
        updated=current.updated if current.entries else None,
    )
    newest = tuple(
        cards.card(entry, summary_limit=cards.ONE_LINE)
        for entry in current.entries[: pages.NEWEST_ON_INDEX]
    )
    return FeedBuild(
        documents=documents,
        rendered=rendered,
        relinked=tuple(sorted(relink)),
        kept=tuple(n for n in range(1, full + 1) if n not in to_render and n not in relink),
        dropped=tuple(sorted(n for n in on_disk if not 1 <= n <= full)),
        change=change,
        fingerprint=fingerprint,
        listing=listing,
        counts=FeedCounts(len(current.entries), placed.total, full),
        page=web_page(current_ids, None),
        newest=newest,
    )


def _place(
    store: Store,
    definition: FeedDefinition,
    windows: Sequence[CrawlWindow],
    on_disk: dict[int, PageStamp],
    recorded: Manifest,
    previous: FeedRecord | None,
    changed: set[str],
) -> tuple[Placement | Step, dict[int, Page], dict[int, Page]]:
    """The feed's layout, carried forward from its record when it can be; the archive pages
    to render (by number): new ones, those with an article changed, those not as recorded; and
    the pages whose web page alone is rendered: the last one before and after their number
    changed, whose "newer" link changes (to the page after it, or to the current page)."""
    slug = definition.slug
    limit, page_size = definition.limit, definition.archive_page_size
    if previous is not None:
        step = advance(
            previous.layout,
            changed,
            store.feed_members(definition.filter, among=changed) if changed else [],
            recorded.locate(slug, changed) if changed else {},
            windows,
            limit=limit,
            page_size=page_size,
        )
        if step is not None:
            first_new = previous.layout.pages + 1
            stale = step.dirty | {
                n for n in range(1, first_new) if not _as_written(n, on_disk, previous)
            }
            to_render = {n: recorded.page(slug, n) for n in sorted(stale)}
            to_render.update(enumerate(step.appended, start=first_new))
            relink = {
                n: recorded.page(slug, n)
                for n in _new_last(previous.layout.pages, step.layout.pages) - to_render.keys()
            }
            return step, to_render, relink
    placement = layout(
        store.feed_members(definition.filter), windows, limit=limit, page_size=page_size
    )
    before = recorded.pages(slug) if previous is not None else []

    def as_recorded(number: int, page: Page) -> bool:
        return (
            previous is not None
            and number <= len(before)
            and before[number - 1] == page
            and not any(site_id in changed for site_id, _time in page)
            and _as_written(number, on_disk, previous)
        )

    to_render = {
        n: page for n, page in enumerate(placement.pages, start=1) if not as_recorded(n, page)
    }
    last = _new_last(len(before), len(placement.pages)) if previous is not None else set()
    return placement, to_render, {n: placement.pages[n - 1] for n in last - to_render.keys()}


def _new_last(before: int, now: int) -> set[int]:
    """The pages whose web page changes when a feed's number of full pages goes from `before`
    to `now`: the last one before and the last one now (their "newer" links)."""
    return {n for n in (before, now) if 1 <= n <= now} if before != now else set()


def _as_written(number: int, on_disk: dict[int, PageStamp], previous: FeedRecord) -> bool:
    """Whether an archive page's files are exactly the ones the record saw written."""
    written = previous.files.get(number)
    return written is not None and None not in written and on_disk.get(number) == written


class _Changes:
    """The articles changed since a record's revision, asked of the store once per revision."""

    def __init__(self, store: Store, revision: Revision) -> None:
        self.store = store
        self.revision = revision
        self._since: dict[int, set[str]] = {}

    def since(self, previous: FeedRecord | None) -> set[str] | None:
        """None when the record's revision is not one of this store's past ones."""
        if previous is None:
            return None
        then = previous.revision
        if then.lineage != self.revision.lineage or then.number > self.revision.number:
            return None
        if then.number not in self._since:
            self._since[then.number] = self.store.changed_since(then.number)
        return self._since[then.number]


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
    out: Path, definition: FeedDefinition, build: FeedBuild, report: GenerateReport
) -> dict[int, PageStamp]:
    """Publish a feed's documents, archive pages first; the stamps of the pages rendered.

    In that order a reader, or a run killed half-way, never meets a link to a page not yet
    written; pages no longer produced go last, once nothing links to them any more.
    """
    slug = definition.slug
    for name, data in build.documents.items():
        _record_write(report, name, publish.publish(out / name, data))
        (report.pages if name.endswith(".html") else report.rendered).append(name)
    for number in build.relinked:
        report.unchanged.append(archive_path(slug, number))
    for number in build.kept:
        report.unchanged.extend((archive_path(slug, number), pages.page_path(slug, number)))
    for number in build.dropped:
        for name in (archive_path(slug, number), pages.page_path(slug, number)):
            if publish.remove(out / name):
                report.removed.append(name)
    return {n: _page_stamp(out, slug, n) for n in (*build.rendered, *build.relinked)}


def _page_stamp(out: Path, slug: str, number: int) -> PageStamp:
    return (
        manifest.stamp(out / archive_path(slug, number)),
        manifest.stamp(out / pages.page_path(slug, number)),
    )


def _archive_files(out: Path, slug: str) -> dict[int, PageStamp]:
    """A feed's archive pages on disk, by number, with the stamps of their Atom file and web
    page (feeds.manifest); a page with either file on disk is listed.

    It stats every file of the archive, at every run: written for speed (no pattern, no path
    objects), since for a large store this is most of what an unchanged regeneration costs.
    """
    folder = out / slug
    if not folder.is_dir() or folder.is_symlink():
        return {}
    found: dict[str, list[Stamp | None]] = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            if not entry.name.startswith("archive-"):
                continue
            number, _dot, kind = entry.name[len("archive-") :].partition(".")
            if kind not in ("atom", "html") or not number.isdecimal():
                continue
            stamps = found.get(number)
            if stamps is None:
                stamps = found[number] = [None, None]
            stamps[kind == "html"] = manifest.stamp(entry)
    return {int(number): (atom_file, web_page) for number, (atom_file, web_page) in found.items()}


def _record(
    recorded: Manifest,
    definition: FeedDefinition,
    build: FeedBuild,
    revision: Revision,
    previous: FeedRecord | None,
    files: dict[int, PageStamp],
) -> None:
    """Best effort: a feed without its record is only rebuilt in full the next time."""
    unchanged = previous is not None and build.change == Step(previous.layout)
    if unchanged and previous is not None and revision == previous.revision and not files:
        return  # nothing new to say
    if isinstance(build.change, Placement) and previous is not None:  # kept: as recorded
        files = {**{n: previous.files[n] for n in build.kept if n in previous.files}, **files}
    try:
        recorded.record(definition.slug, build.fingerprint, revision, build.change, files)
    except sqlite3.Error as error:
        logger.warning("feed %s: cannot record it in the manifest (%s)", definition.slug, error)


def _record_write(report: GenerateReport, name: str, written: bool) -> None:
    (report.written if written else report.unchanged).append(name)


def _write(out: Path, name: str, data: bytes, report: GenerateReport) -> None:
    """Publish a file that is cheap to make (OPML, the stylesheet); errors are reported."""
    try:
        _record_write(report, name, publish.publish(out / name, data))
    except OSError as error:
        report.errors.append(f"{name}: cannot write ({error})")
        logger.error("%s: cannot write (%s)", name, error)


def _publish_view(
    out: Path,
    recorded: Manifest,
    name: str,
    digest: str,
    render: Callable[[], bytes],
    report: GenerateReport,
) -> None:
    """Publish a web page made from a view, rendering it only when the digest of what it shows
    or its file differs from the manifest's record. Errors are reported, never raised: the
    feeds it shows are already published."""
    path = out / name
    record = recorded.view_page(name)
    if record is not None and record == (digest, manifest.stamp(path)):
        report.unchanged.append(name)
        return
    try:
        _record_write(report, name, publish.publish(path, render()))
        report.pages.append(name)
        recorded.record_page(name, digest, manifest.stamp(path))
    except (OSError, sqlite3.Error) as error:
        report.errors.append(f"{name}: cannot write ({error})")
        logger.error("%s: cannot write (%s)", name, error)


def _digest(view: object) -> str:
    """What a web page shows, and the code that renders it, as one digest.

    The repr of the view: frozen dataclasses of strings, numbers, tuples and datetimes, whose
    repr names every field and value (and is ten times cheaper than `dataclasses.asdict`).
    """
    text = f"{manifest.code_version()}\n{view!r}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@functools.cache
def _file_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


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
        alternate_url=urljoin(base, f"{definition.slug}/"),
        entries=len(entries),
        total=None,
        archive_pages=archived,
        updated=parse_time(root.findtext(f"{a}updated") or "") if entries else None,
    )
