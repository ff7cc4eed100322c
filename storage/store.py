"""The article store: one SQLite file, the only code in the project that speaks SQL.

Callers use named verbs (`save_article`, `start_run`, `search`…) and get dataclasses back.
Every write that belongs together (an article with its topics, tags, images and fetch state)
happens in one transaction, so a crash at any moment leaves either the old row or the new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path

import sqlite_utils

from storage.feed_queries import FeedQueries
from storage.queries import QueryVerbs
from storage.schema import APPLICATION_ID, FTS_TABLE, MIGRATIONS, VERSION
from tintuc.model import Article, Image, TopicMatch
from tintuc.text import fold

BUSY_TIMEOUT_MS = 30_000


class StorageError(Exception):
    """The database cannot be used: wrong file, newer schema, locked for too long."""


class SaveOutcome(str, Enum):
    NEW = "new"
    UPDATED = "updated"  # content changed since we last stored it
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class FetchState:
    url: str
    kind: str
    status: int
    etag: str | None
    last_modified: str | None
    fetched: str
    relevant_links: int = 0


@dataclass(frozen=True)
class KnownArticle:
    site_id: str
    url: str
    next_check: str | None
    fetch_count: int
    published: str


@dataclass(frozen=True)
class FrontierEntry:
    url: str
    kind: str
    priority: int


@dataclass
class RunStats:
    pages: int = 0
    not_modified: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    failures: int = 0
    extraction_failures: int = 0


@dataclass(frozen=True)
class CrawlRun:
    id: int
    started: str
    finished: str | None
    status: str
    site_url: str
    pages: int
    not_modified: int
    articles_new: int
    articles_updated: int
    articles_unchanged: int
    failures: int
    extraction_failures: int
    message: str


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def content_hash(article: Article) -> str:
    """A stable hash of what readers see; `updated` changes only when this does."""
    content = asdict(article)
    for volatile in ("url", "layout", "modified"):
        content.pop(volatile)
    raw = json.dumps(content, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return "v1:" + hashlib.sha256(raw).hexdigest()


class Store(FeedQueries, QueryVerbs):
    """An open tintuc-feeds database. Use `Store.open(path)`; close it (or use `with`)."""

    def __init__(self, db: sqlite_utils.Database, path: str) -> None:
        self.db = db
        self.path = path

    # -- lifecycle -------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Store:
        """Open (creating and migrating when needed) the database at `path`."""
        path = str(path)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            fresh = not Path(path).exists()
            if fresh:  # created private: the store may hold more than the public site shows
                Path(path).touch(mode=0o600)
        conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        store = cls(sqlite_utils.Database(conn), path)
        try:
            store._configure()
            store._migrate()
        except Exception:
            conn.close()
            raise
        return store

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _configure(self) -> None:
        conn = self.db.conn
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise StorageError(f"{self.path}: not a SQLite database ({error})") from error
        if mode.lower() != "wal" and self.path != ":memory:":
            raise StorageError(f"{self.path}: cannot switch to WAL mode (got {mode})")
        # WAL with synchronous=NORMAL stays consistent on power loss; it may lose the last commits.
        conn.execute("PRAGMA synchronous = NORMAL")

    def _migrate(self) -> None:
        conn = self.db.conn
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if version > VERSION:
            raise StorageError(
                f"{self.path}: schema version {version} is newer than this program's ({VERSION});"
                " upgrade tintuc-feeds"
            )
        if version == 0 and self.db.table_names():
            raise StorageError(f"{self.path}: not a tintuc-feeds database (it has other tables)")
        if app_id not in (0, APPLICATION_ID):
            raise StorageError(f"{self.path}: not a tintuc-feeds database (application_id)")
        while version < VERSION:
            with self._transaction(immediate=True):
                # Another process may have migrated while we waited for the write lock.
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version >= VERSION:
                    break
                for statement in _split_sql(MIGRATIONS[version]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {version + 1}")
            version += 1

    @contextmanager
    def _transaction(self, immediate: bool = True) -> Iterator[sqlite3.Connection]:
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads that all see one state of the store (a read transaction; writers go on)."""
        with self._transaction(immediate=False):
            yield

    @property
    def schema_version(self) -> int:
        return self.db.conn.execute("PRAGMA user_version").fetchone()[0]

    # -- articles --------------------------------------------------------------------------------

    def save_article(
        self,
        article: Article,
        topics: Iterable[TopicMatch],
        *,
        rules_version: str,
        now: datetime,
        next_check: datetime | None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> SaveOutcome:
        """Insert or update an article with everything that belongs to it, atomically."""
        digest = content_hash(article)
        stamp = iso(now)
        with self._transaction():
            old = self.db.conn.execute(
                "SELECT content_hash, first_seen, updated, fetch_count FROM articles WHERE site_id = ?",
                [article.site_id],
            ).fetchone()
            if old is None:
                outcome, first_seen, updated, count = SaveOutcome.NEW, stamp, stamp, 1
            else:
                changed = old[0] != digest
                outcome = SaveOutcome.UPDATED if changed else SaveOutcome.UNCHANGED
                first_seen, updated, count = old[1], stamp if changed else old[2], old[3] + 1
            self.db["articles"].upsert(
                {
                    "site_id": article.site_id,
                    "url": article.url,
                    "title": article.title,
                    "sapo": article.sapo,
                    "body_text": article.body_text,
                    "body_html": article.body_html,
                    "authors": json.dumps(list(article.authors), ensure_ascii=False),
                    "agency": article.agency,
                    "category": article.category,
                    "category_url": article.category_url,
                    "published": article.published,
                    "modified": article.modified,
                    "lead_image": article.lead_image,
                    "layout": article.layout,
                    "content_hash": digest,
                    "first_seen": first_seen,
                    "updated": updated,
                    "last_fetched": stamp,
                    "fetch_count": count,
                    "next_check": iso(next_check) if next_check else None,
                    "search_folded": fold(
                        "\n".join([article.title, article.sapo, article.body_text])
                    ),
                },
                pk="site_id",
            )
            self._replace_children(article, topics, rules_version)
            self._record_fetch(article.url, "article", 200, etag, last_modified, stamp, 0)
        return outcome

    def _replace_children(
        self, article: Article, topics: Iterable[TopicMatch], rules_version: str
    ) -> None:
        key = article.site_id
        for table in ("article_topics", "article_tags", "article_images"):
            self.db.conn.execute(f"DELETE FROM {table} WHERE site_id = ?", [key])
        self._insert_topics(key, topics, rules_version)
        self.db["article_tags"].insert_all(
            {"site_id": key, "position": i, "tag": tag} for i, tag in enumerate(article.tags)
        )
        self.db["article_images"].insert_all(
            {"site_id": key, "position": i, "url": image.url, "caption": image.caption}
            for i, image in enumerate(article.images)
        )

    def touch_article(
        self, site_id: str, *, now: datetime, next_check: datetime | None, status: int = 304
    ) -> None:
        """Record a re-check that found the article unchanged (304)."""
        with self._transaction():
            self.db.conn.execute(
                "UPDATE articles SET last_fetched = ?, fetch_count = fetch_count + 1,"
                " next_check = ? WHERE site_id = ?",
                [iso(now), iso(next_check) if next_check else None, site_id],
            )
            self.db.conn.execute(
                "UPDATE fetch_state SET status = ?, fetched = ? WHERE url ="
                " (SELECT url FROM articles WHERE site_id = ?)",
                [status, iso(now), site_id],
            )

    def known_articles(self) -> dict[str, KnownArticle]:
        """Every stored article's id with what the crawler needs to decide on re-fetching."""
        rows = self.db.conn.execute(
            "SELECT site_id, url, next_check, fetch_count, published FROM articles"
        )
        return {row[0]: KnownArticle(*row) for row in rows}

    def article(self, site_id: str) -> dict | None:
        """One article as a dict of its columns, with topics, tags and images; None if absent."""
        rows = list(self.db["articles"].rows_where("site_id = ?", [site_id]))
        if not rows:
            return None
        record = rows[0]
        record["authors"] = json.loads(record["authors"])
        record["topics"] = {
            row["topic"]: {"score": row["score"], "terms": json.loads(row["matched_terms"])}
            for row in self.db["article_topics"].rows_where("site_id = ?", [site_id])
        }
        record["tags"] = [
            row["tag"]
            for row in self.db["article_tags"].rows_where("site_id = ?", [site_id], order_by="position")
        ]
        record["images"] = [
            {"url": row["url"], "caption": row["caption"]}
            for row in self.db["article_images"].rows_where("site_id = ?", [site_id], order_by="position")
        ]
        return record

    def load_article(self, site_id: str) -> Article | None:
        """A stored article back as the `Article` extraction produced (to reclassify or edit it)."""
        row = self.article(site_id)
        if row is None:
            return None
        return Article(
            site_id=row["site_id"],
            url=row["url"],
            title=row["title"],
            body_text=row["body_text"],
            body_html=row["body_html"],
            sapo=row["sapo"],
            authors=tuple(row["authors"]),
            agency=row["agency"],
            category=row["category"],
            category_url=row["category_url"],
            tags=tuple(row["tags"]),
            published=row["published"],
            modified=row["modified"],
            lead_image=row["lead_image"],
            images=tuple(Image(image["url"], image["caption"]) for image in row["images"]),
            layout=row["layout"],
        )

    def article_ids(self, topic: str | None = None) -> set[str]:
        """Ids of all stored articles, or of those in one topic."""
        if topic is None:
            sql, params = "SELECT site_id FROM articles", []
        else:
            sql, params = "SELECT site_id FROM article_topics WHERE topic = ?", [topic]
        return {row[0] for row in self.db.conn.execute(sql, params)}

    def topic_counts(self) -> dict[str, int]:
        rows = self.db.conn.execute("SELECT topic, count(*) FROM article_topics GROUP BY topic")
        return dict(rows.fetchall())

    def iter_articles(self) -> Iterator[dict]:
        """All stored articles as column dicts (for re-classification and export)."""
        yield from self.db["articles"].rows_where(order_by="site_id")

    def replace_topics(
        self, site_id: str, topics: Iterable[TopicMatch], rules_version: str
    ) -> None:
        with self._transaction():
            self.db.conn.execute("DELETE FROM article_topics WHERE site_id = ?", [site_id])
            self._insert_topics(site_id, topics, rules_version)

    def _insert_topics(self, site_id: str, topics: Iterable[TopicMatch], rules_version: str) -> None:
        self.db["article_topics"].insert_all(
            {
                "site_id": site_id,
                "topic": match.topic,
                "score": match.score,
                "matched_terms": json.dumps(list(match.terms), ensure_ascii=False),
                "rules_version": rules_version,
            }
            for match in topics
        )

    def search(self, query: str, limit: int = 20) -> list[dict]:
        """Full-text search that ignores diacritics (and đ): "nhat ban" finds "Nhật Bản".

        The query is FTS5 syntax applied to the folded text; raises `ValueError` when it is invalid.
        """
        sql = (
            f"SELECT articles.site_id, articles.title, articles.url, articles.published"
            f" FROM {FTS_TABLE} JOIN articles ON articles.rowid = {FTS_TABLE}.rowid"
            f" WHERE {FTS_TABLE} MATCH ? ORDER BY rank LIMIT ?"
        )
        match = "{search_folded}: (" + fold(query) + ")"
        try:
            rows = self.db.conn.execute(sql, [match, limit]).fetchall()
        except sqlite3.OperationalError as error:
            raise ValueError(f"invalid search query {query!r}: {error}") from error
        return [dict(zip(("site_id", "title", "url", "published"), row)) for row in rows]

    # -- fetch state and frontier ----------------------------------------------------------------

    def fetch_states(self) -> dict[str, FetchState]:
        return {
            row["url"]: FetchState(**row) for row in self.db["fetch_state"].rows
        }

    def record_fetch(
        self,
        url: str,
        kind: str,
        status: int,
        *,
        now: datetime,
        etag: str | None = None,
        last_modified: str | None = None,
        relevant_links: int = 0,
    ) -> None:
        """Remember a fetched page's outcome and validators; it leaves the frontier."""
        with self._transaction():
            self._record_fetch(url, kind, status, etag, last_modified, iso(now), relevant_links)

    def _record_fetch(
        self,
        url: str,
        kind: str,
        status: int,
        etag: str | None,
        last_modified: str | None,
        stamp: str,
        relevant_links: int,
    ) -> None:
        if status == 304:  # keep the validators and what we learnt from the full response
            self.db.conn.execute(
                "UPDATE fetch_state SET status = 304, fetched = ? WHERE url = ?", [stamp, url]
            )
        else:
            self.db["fetch_state"].upsert(
                {
                    "url": url,
                    "kind": kind,
                    "status": status,
                    "etag": etag,
                    "last_modified": last_modified,
                    "fetched": stamp,
                    "relevant_links": relevant_links,
                },
                pk="url",
            )
        self.db.conn.execute("DELETE FROM crawl_frontier WHERE url = ?", [url])

    def add_to_frontier(self, entries: Iterable[FrontierEntry], *, now: datetime) -> None:
        """Keep pages for a later crawl; an entry already there keeps its higher priority."""
        with self._transaction():
            self.db.conn.executemany(
                "INSERT INTO crawl_frontier (url, kind, priority, discovered) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (url) DO UPDATE SET priority = max(priority, excluded.priority)",
                [(e.url, e.kind, e.priority, iso(now)) for e in entries],
            )

    def frontier(self, limit: int) -> list[FrontierEntry]:
        rows = self.db.conn.execute(
            "SELECT url, kind, priority FROM crawl_frontier ORDER BY priority DESC, url LIMIT ?",
            [limit],
        )
        return [FrontierEntry(*row) for row in rows]

    def prune_frontier(self, keep: int) -> int:
        """Drop all but the `keep` highest-priority entries; returns how many were dropped."""
        with self._transaction():
            cursor = self.db.conn.execute(
                "DELETE FROM crawl_frontier WHERE url NOT IN (SELECT url FROM crawl_frontier"
                " ORDER BY priority DESC, url LIMIT ?)",
                [keep],
            )
        return cursor.rowcount

    # -- crawl runs ------------------------------------------------------------------------------

    def start_run(self, site_url: str, *, now: datetime) -> int:
        """Open a crawl run. Runs left 'running' by a killed crawl are closed as 'interrupted'."""
        with self._transaction():
            self.db.conn.execute(
                "UPDATE crawl_runs SET status = 'interrupted', message = 'the crawl process died'"
                " WHERE status = 'running'"
            )
            cursor = self.db.conn.execute(
                "INSERT INTO crawl_runs (started, status, site_url) VALUES (?, 'running', ?)",
                [iso(now), site_url],
            )
        return int(cursor.lastrowid)

    def update_run(self, run_id: int, stats: RunStats) -> None:
        """Save a running crawl's counters, so a killed crawl still shows how far it got."""
        with self._transaction():
            self.db["crawl_runs"].update(run_id, asdict(stats))

    def finish_run(
        self, run_id: int, stats: RunStats, *, status: str, now: datetime, message: str = ""
    ) -> None:
        with self._transaction():
            self.db["crawl_runs"].update(
                run_id, {**asdict(stats), "status": status, "finished": iso(now), "message": message}
            )

    def runs(self, limit: int = 20) -> list[CrawlRun]:
        rows = self.db["crawl_runs"].rows_where(order_by="id DESC", limit=limit)
        return [CrawlRun(**row) for row in rows]

    def fail_running_runs(self, message: str, *, now: datetime) -> int:
        """Close runs left 'running' by a crawl process that was killed (a hang, a crash)."""
        with self._transaction():
            cursor = self.db.conn.execute(
                "UPDATE crawl_runs SET status = 'failed', finished = ?, message = ?"
                " WHERE status = 'running'",
                [iso(now), message],
            )
        return cursor.rowcount

    def record_failed_run(self, site_url: str, *, started: datetime, now: datetime, message: str) -> int:
        """A crawl that died before it could record itself (it crashed at start)."""
        with self._transaction():
            cursor = self.db.conn.execute(
                "INSERT INTO crawl_runs (started, finished, status, site_url, message)"
                " VALUES (?, ?, 'failed', ?, ?)",
                [iso(started), iso(now), site_url, message],
            )
        return int(cursor.lastrowid)

    def failed_runs_in_a_row(self) -> int:
        """How many of the most recent finished crawls failed, counting back to the last success."""
        count = 0
        for (status,) in self.db.conn.execute(
            "SELECT status FROM crawl_runs WHERE status != 'running' ORDER BY id DESC"
        ):
            if status == "ok":
                break
            count += 1
        return count

    def last_successful_run(self) -> CrawlRun | None:
        rows = list(self.db["crawl_runs"].rows_where("status = 'ok'", order_by="id DESC", limit=1))
        return CrawlRun(**rows[0]) if rows else None

    # -- maintenance -----------------------------------------------------------------------------

    def optimize(self) -> None:
        """Merge the FTS index, refresh the planner's statistics, and fold the WAL back."""
        conn = self.db.conn
        conn.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('optimize')")
        conn.execute("PRAGMA optimize")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def backup_to(self, path: str | os.PathLike[str]) -> None:
        """A consistent copy of the database, taken with SQLite's online backup API.

        Written to a temporary name first, so an interrupted backup never looks complete.
        """
        target = Path(path)
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        partial.touch(mode=0o600)
        copy = sqlite3.connect(partial)
        try:
            self.db.conn.backup(copy)
            with copy:  # a history of its own from here on: see CHANGES in schema.py
                copy.execute("UPDATE change_lineage SET lineage = lower(hex(randomblob(16)))")
        finally:
            copy.close()
        os.replace(partial, target)

    def integrity_check(self) -> str:
        return self.db.conn.execute("PRAGMA integrity_check").fetchone()[0]


def _split_sql(script: str) -> list[str]:
    """Split a DDL script into statements, keeping trigger bodies whole."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--") and not current.strip():
            continue
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements
