"""What the last regeneration published, so that the next one redoes only what changed.

A small SQLite database beside the feeds, `<out>/.manifest.db` (a hidden name: never served): a
private cache of this package, rebuilt from the article store whenever it is missing or
unreadable, which is why its SQL lives here and not in storage/ (whose SQL is the article
database's).
For each feed it records:

- the fingerprint of everything besides the articles that the feed's documents depend on (its
  definition, the base URL, the rendering code and libraries): when it differs, all is rebuilt;
- the revision of the store it was made from (`Store.revision`): the articles changed since are
  `Store.changed_since(revision)`, unless the lineage differs (another store, a restored backup)
  or the store is behind it, and then nothing recorded is trusted;
- the feed's layout (feeds.archive.Layout) and the members of its full pages (or, for a feed
  without archive, all its members), looked up by site id: only the changed ones are read;
- a stamp of each archive page's files as written (inode, size, mtime, ctime of
  `archive-N.atom` and of its web page `archive-N.html`): a page either of whose files is
  missing, rewritten, touched or replaced since is rebuilt.

And for the web pages rendered from a view (index.html, each feed's current page): a digest of
what the page shows and a stamp of its file, so that it is rendered only when either changed;
and the index chart's counts with what they were counted from, so that a crawl that changed
nothing (the index then shows only a new time) does not count them again.

A feed's record is written after its files, in one transaction, so a run killed at any moment
leaves either the previous record, whose stamps no longer match the pages that run rewrote, or
the new one: it never vouches for a file it has not seen written. A manifest that cannot be
read (missing, corrupt, of another format) is started afresh, and every feed rebuilt in full.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib
import importlib.metadata
import itertools
import json
import logging
import os
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import sqlite_utils

from core.feed_types import FeedMember, Revision
from feeds.archive import Layout, Location, Page, Placement, Step
from feeds.definitions import FeedDefinition
from feeds.templating import templates_digest

logger = logging.getLogger(__name__)

FILENAME = ".manifest.db"
FORMAT = 3  # PRAGMA user_version: a manifest of another format is started afresh
SCHEMA = """
CREATE TABLE feeds (
    slug          TEXT PRIMARY KEY,
    fingerprint   TEXT NOT NULL,     -- what besides the articles its documents depend on
    lineage       TEXT NOT NULL,     -- the store's revision it was made from
    revision      INTEGER NOT NULL,
    layout        TEXT NOT NULL      -- feeds.archive.Layout, as JSON
);
CREATE TABLE members (
    slug          TEXT NOT NULL,
    site_id       TEXT NOT NULL,
    page          INTEGER NOT NULL,  -- the full page it is in; 0: a feed without archive
    position      INTEGER NOT NULL,  -- its place in the page, in history order
    time          INTEGER NOT NULL,  -- its publication time, POSIX seconds
    PRIMARY KEY (slug, site_id)
) WITHOUT ROWID;
CREATE INDEX members_by_page ON members (slug, page, position);
CREATE TABLE files (
    slug          TEXT NOT NULL,
    page          INTEGER NOT NULL,
    inode         INTEGER NOT NULL,  -- archive-N.atom
    size          INTEGER NOT NULL,
    mtime_ns      INTEGER NOT NULL,
    ctime_ns      INTEGER NOT NULL,
    html_inode    INTEGER NOT NULL,  -- archive-N.html, its web page
    html_size     INTEGER NOT NULL,
    html_mtime_ns INTEGER NOT NULL,
    html_ctime_ns INTEGER NOT NULL,
    PRIMARY KEY (slug, page)
) WITHOUT ROWID;
CREATE TABLE pages (
    name          TEXT PRIMARY KEY,  -- a page rendered from a view: index.html, <slug>/index.html
    digest        TEXT NOT NULL,     -- of what it shows
    stamp         TEXT NOT NULL      -- its file as written: [inode, size, mtime_ns, ctime_ns]
) WITHOUT ROWID;CREATE TABLE counts (
    name          TEXT PRIMARY KEY,  -- what was counted: "chart", the index's monthly counts
    key           TEXT NOT NULL,     -- of what they were counted from (revision, months, topics)
    value         TEXT NOT NULL      -- JSON
) WITHOUT ROWID;
"""
# Everything that decides a document's bytes besides the articles and the definition.
RENDERING_MODULES = (
    "feeds.archive",
    "feeds.atom",
    "feeds.cards",
    "feeds.entries",
    "feeds.pages",
    "feeds.regenerate",
    "feeds.sanitize",
    "feeds.templating",
    "storage.feed_queries",
    "core.clock",
    "core.feed_types",
    "core.project",
    "core.text",
    "core.urls",
)
RENDERING_LIBRARIES = ("feedgen", "jinja2", "lxml", "nh3")

Stamp = tuple[int, int, int, int]  # st_ino, st_size, st_mtime_ns, st_ctime_ns
PageStamp = tuple[Stamp | None, Stamp | None]  # an archive page's Atom file and web page


@dataclass(frozen=True)
class FeedRecord:
    """What the manifest says of one feed."""

    fingerprint: str
    revision: Revision
    layout: Layout
    files: dict[int, PageStamp]  # archive page number → its files as written


def stamp(file: str | os.PathLike[str] | os.DirEntry) -> Stamp | None:
    """What changes whenever a file is written, replaced or touched; None when it is missing."""
    try:
        info = file.stat() if isinstance(file, os.DirEntry) else os.stat(file)
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def fingerprint(definition: FeedDefinition, base_url: str) -> str:
    fields = {f.name: getattr(definition, f.name) for f in dataclasses.fields(definition)}
    fields["topic_labels"] = list(definition.topic_labels.items())  # their order shows
    text = json.dumps([fields, base_url, code_version()], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.cache
def code_version() -> str:
    """A digest of the rendering code, templates and libraries: a new release rebuilds every
    page."""
    digest = hashlib.sha256()
    for name in RENDERING_MODULES:
        digest.update(Path(importlib.import_module(name).__file__ or "").read_bytes())
    digest.update(templates_digest().encode())
    for library in RENDERING_LIBRARIES:
        digest.update(f"{library} {importlib.metadata.version(library)}\n".encode())
    return digest.hexdigest()


class Manifest:
    """The manifest of one output directory. Use as a context manager."""

    def __init__(self, out: Path) -> None:
        self.path = out / FILENAME
        try:
            self.db = _open(self.path)
        except sqlite3.DatabaseError as error:
            logger.warning("%s: unreadable (%s); starting it afresh", self.path, error)
            self.path.unlink(missing_ok=True)
            self.db = _open(self.path)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.db.close()

    def feed(self, slug: str) -> FeedRecord | None:
        """The feed's record; None when there is none or it cannot be read."""
        row = self.db.execute(
            "SELECT fingerprint, lineage, revision, layout FROM feeds WHERE slug = ?", [slug]
        ).fetchone()
        if row is None:
            return None
        try:
            layout = _layout(json.loads(row[3]))
        except (ValueError, TypeError, KeyError) as error:
            logger.warning("%s: the record of %s is unreadable (%s)", self.path, slug, error)
            return None
        files = {
            page: (tuple(stamps[:4]), tuple(stamps[4:]))
            for page, *stamps in self.db.execute(
                "SELECT page, inode, size, mtime_ns, ctime_ns, html_inode, html_size,"
                " html_mtime_ns, html_ctime_ns FROM files WHERE slug = ?",
                [slug],
            )
        }
        return FeedRecord(row[0], Revision(row[1], row[2]), layout, files)

    def view_page(self, name: str) -> tuple[str, Stamp | None] | None:
        """A view-rendered web page's record: (digest of what it showed, its file's stamp)."""
        row = self.db.execute("SELECT digest, stamp FROM pages WHERE name = ?", [name]).fetchone()
        if row is None:
            return None
        try:
            return row[0], _stamp(json.loads(row[1]))
        except (ValueError, TypeError):
            return None

    def record_page(self, name: str, digest: str, stamp: Stamp | None) -> None:
        with self.db.atomic():
            self.db["pages"].upsert(
                {"name": name, "digest": digest, "stamp": json.dumps(stamp)}, pk="name"
            )

    def counts(self, name: str, key: str) -> Any | None:
        """What was recorded under `name` if it was counted from `key`, else None."""
        row = self.db.execute(
            "SELECT value FROM counts WHERE name = ? AND key = ?", [name, key]
        ).fetchone()
        try:
            return json.loads(row[0]) if row else None
        except ValueError:
            return None

    def record_counts(self, name: str, key: str, value: Any) -> None:
        with self.db.atomic():
            self.db["counts"].upsert(
                {"name": name, "key": key, "value": json.dumps(value)}, pk="name"
            )

    def locate(self, slug: str, site_ids: Iterable[str]) -> dict[str, Location]:
        """Where the feed's recorded members among `site_ids` are (absent: not recorded)."""
        rows = self.db.execute(
            "SELECT site_id, page, time FROM members WHERE slug = ?"
            " AND site_id IN (SELECT value FROM json_each(?))",
            [slug, json.dumps(sorted(set(site_ids)))],
        )
        return {site_id: (page, time) for site_id, page, time in rows}

    def page(self, slug: str, number: int) -> Page:
        rows = self.db.execute(
            "SELECT site_id, time FROM members WHERE slug = ? AND page = ? ORDER BY position",
            [slug, number],
        )
        return tuple((site_id, time) for site_id, time in rows)

    def pages(self, slug: str) -> list[Page]:
        """Every recorded full page of the feed, oldest first."""
        rows = self.db.execute(
            "SELECT page, site_id, time FROM members WHERE slug = ? AND page > 0"
            " ORDER BY page, position",
            [slug],
        )
        return [
            tuple((site_id, time) for _page, site_id, time in group)
            for _page, group in itertools.groupby(rows, key=lambda row: row[0])
        ]

    def record(
        self,
        slug: str,
        fingerprint: str,
        revision: Revision,
        change: Placement | Step,
        files: Mapping[int, PageStamp | None],
    ) -> None:
        """Record a feed as just published: `change` from its previous record (a `Step`) or from
        nothing (a `Placement`), and the stamps of the archive files written (all of them for a
        `Placement`)."""
        with self.db.atomic():
            self.db["feeds"].upsert(
                {
                    "slug": slug,
                    "fingerprint": fingerprint,
                    "lineage": revision.lineage,
                    "revision": revision.number,
                    "layout": json.dumps(_plain(change.layout), ensure_ascii=False),
                },
                pk="slug",
            )
            members, stamps = self.db["members"], self.db["files"]
            if isinstance(change, Placement):
                members.delete_where("slug = ?", [slug])
                stamps.delete_where("slug = ?", [slug])
                self._insert_pages(slug, 1, change.pages)
                self._insert_members(slug, 0, ((site_id, 0) for site_id in change.unpaged))
            else:
                first = change.layout.pages - len(change.appended) + 1
                self._insert_pages(slug, first, change.appended)
                self._insert_members(slug, 0, ((site_id, 0) for site_id in change.joined))
                members.delete_where(
                    "slug = ? AND site_id IN (SELECT value FROM json_each(?))",
                    [slug, json.dumps(change.left)],
                )
            for page, found in files.items():
                stamps.delete_where("slug = ? AND page = ?", [slug, page])
                if found is not None and None not in found:
                    (inode, size, mtime_ns, ctime_ns), html = found
                    stamps.insert(
                        {"slug": slug, "page": page, "inode": inode, "size": size,
                         "mtime_ns": mtime_ns, "ctime_ns": ctime_ns, "html_inode": html[0],
                         "html_size": html[1], "html_mtime_ns": html[2], "html_ctime_ns": html[3]}
                    )  # fmt: skip

    def _insert_pages(self, slug: str, first: int, pages: Iterable[Page]) -> None:
        for number, page in enumerate(pages, start=first):
            self._insert_members(slug, number, page)

    def _insert_members(self, slug: str, page: int, members: Iterable[tuple[str, int]]) -> None:
        self.db["members"].insert_all(
            {"slug": slug, "site_id": site_id, "page": page, "position": position, "time": time}
            for position, (site_id, time) in enumerate(members)
        )


def _open(path: Path) -> sqlite_utils.Database:
    db = sqlite_utils.Database(path)
    if db.execute("PRAGMA user_version").fetchone()[0] != FORMAT:
        drop = "".join(f"DROP TABLE [{name}];\n" for name in db.table_names())
        db.conn.executescript(f"BEGIN;\n{drop}{SCHEMA}PRAGMA user_version = {FORMAT};\nCOMMIT;")
    return db


def _plain(layout: Layout) -> dict[str, Any]:
    return dataclasses.asdict(layout)


def _layout(data: dict[str, Any]) -> Layout:
    """A layout back from JSON, every value checked: a record never yields a wrong one."""
    return Layout(
        newest=tuple((_int(time), _str(site_id)) for time, site_id in data["newest"]),
        pages=_int(data["pages"]),
        paged=_int(data["paged"]),
        waiting=_members(data["waiting"]),
        unsettled=_members(data["unsettled"]),
        unpaged=_int(data["unpaged"]),
        last_key=None if data["last_key"] is None else _key(data["last_key"]),
        paged_until=None if data["paged_until"] is None else _str(data["paged_until"]),
        windows=_str(data["windows"]),
    )


def _stamp(value: Any) -> Stamp | None:
    if value is None:
        return None
    inode, size, mtime_ns, ctime_ns = (_int(v) for v in value)
    return (inode, size, mtime_ns, ctime_ns)


def _members(rows: Any) -> tuple[FeedMember, ...]:
    return tuple(
        FeedMember(_str(row["site_id"]), _str(row["published"]), _str(row["first_seen"]))
        for row in rows
    )


def _key(value: Any) -> tuple[str, int, str]:
    batch, time, site_id = value
    return (_str(batch), _int(time), _str(site_id))


def _int(value: Any) -> int:
    if type(value) is not int:
        raise TypeError(f"not an integer: {value!r}")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"not a string: {value!r}")
    return value
