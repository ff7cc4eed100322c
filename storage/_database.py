"""Opening, configuring and migrating the SQLite file; transactions; error translation.

Generic plumbing of the store, no business logic: the domain verbs live in the mixins that
`storage.store.Store` combines.
"""

from __future__ import annotations

import functools
import inspect
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ParamSpec, Self, TypeVar

import sqlite_utils

from storage.errors import (
    DatabaseBusyError,
    DatabaseUnusableError,
    InvalidDataError,
    StorageError,
)
from storage.schema import APPLICATION_ID, MIGRATIONS, VERSION, split_statements

BUSY_TIMEOUT_S = 30.0

P = ParamSpec("P")
R = TypeVar("R")


class Database:
    """An open tintuc-feeds database: the connection, its path, transactions."""

    def __init__(self, db: sqlite_utils.Database, path: str) -> None:
        self.db = db
        self.path = path

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, timeout: float = BUSY_TIMEOUT_S) -> Self:
        """Open the database at `path`, creating and migrating it when needed.

        `timeout` is how long a statement waits for another process's write lock.
        """
        path = str(path)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            if not Path(path).exists():  # created private: it may hold more than the site shows
                Path(path).touch(mode=0o600)
        conn = sqlite3.connect(path, isolation_level=None, timeout=timeout)
        store = cls(sqlite_utils.Database(conn), path)
        try:
            with translate_errors(path):
                store._configure(timeout)
                store._migrate()
        except BaseException:
            conn.close()
            raise
        return store

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self.db.conn.execute("PRAGMA user_version").fetchone()[0]

    def _configure(self, timeout: float) -> None:
        conn = self.db.conn
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.OperationalError:
            raise  # busy, or the disk: translate_errors says which
        except sqlite3.DatabaseError as error:
            raise DatabaseUnusableError(f"{self.path}: not a SQLite database ({error})") from error
        if mode.lower() != "wal" and self.path != ":memory:":
            raise DatabaseUnusableError(f"{self.path}: cannot switch to WAL mode (got {mode})")
        # WAL with synchronous=NORMAL stays consistent on power loss; it may lose the last commits.
        conn.execute("PRAGMA synchronous = NORMAL")

    def _migrate(self) -> None:
        conn = self.db.conn
        version = self.schema_version
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if version > VERSION:
            raise DatabaseUnusableError(
                f"{self.path}: schema version {version} is newer than this program's ({VERSION});"
                " upgrade tintuc-feeds"
            )
        if version == 0 and self.db.table_names():
            raise DatabaseUnusableError(f"{self.path}: not a tintuc-feeds database (it has other tables)")
        if app_id not in (0, APPLICATION_ID):
            raise DatabaseUnusableError(f"{self.path}: not a tintuc-feeds database (application_id)")
        while version < VERSION:
            with self._transaction():
                # Another process may have migrated while we waited for the write lock.
                version = self.schema_version
                if version >= VERSION:
                    break
                migration = MIGRATIONS[version]
                if callable(migration):
                    migration(conn)
                else:
                    for statement in split_statements(migration):
                        conn.execute(statement)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {version + 1}")
            version += 1

    @contextmanager
    def _transaction(self, immediate: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction: all of it is written, or none of it (the error propagates)."""
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
        with translate_errors(self.path), self._transaction(immediate=False):
            yield


@contextmanager
def translate_errors(path: str) -> Iterator[None]:
    """sqlite3's errors as the store's own (storage.errors), the database named in the message.

    Only what a caller can act on is translated: a busy, damaged or foreign file, data the
    schema refuses, a failed disk. A `ProgrammingError` (misused API, a bug) is left alone.
    """
    try:
        yield
    except sqlite3.IntegrityError as error:
        raise InvalidDataError(f"{path}: refused by the schema ({error})") from error
    except sqlite3.OperationalError as error:
        message = str(error)
        if "locked" in message or "busy" in message:
            raise DatabaseBusyError(f"{path}: busy for too long ({message})") from error
        raise StorageError(f"{path}: {message}") from error
    except sqlite3.DatabaseError as error:
        if isinstance(error, sqlite3.ProgrammingError | sqlite3.InterfaceError):
            raise
        raise DatabaseUnusableError(f"{path}: {error}") from error


def translated(method: Callable[P, R]) -> Callable[P, R]:
    """`translate_errors` around a store method (a generator's iteration included)."""
    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def iterate(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            with translate_errors(self.path):
                yield from method(self, *args, **kwargs)

        return iterate  # type: ignore[return-value]

    @functools.wraps(method)
    def call(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        with translate_errors(self.path):
            return method(self, *args, **kwargs)

    return call  # type: ignore[return-value]
