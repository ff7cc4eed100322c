"""The store's own exceptions: callers never see a sqlite3 error.

Every public method of `Store` raises only these for problems with the database or with what it
was asked to store (`translate_errors` turns sqlite3's into them); programming errors (a wrong
argument type, a bug in our SQL) propagate as they are, so that they are fixed rather than
handled.
"""

from __future__ import annotations


class StorageError(Exception):
    """The store cannot do what was asked; the message says why and names the database."""


class DatabaseUnusableError(StorageError):
    """Not a SQLite file, another program's database, a newer schema, or damaged."""


class DatabaseBusyError(StorageError):
    """Another process held the database for longer than the store waits (its busy timeout)."""


class InvalidDataError(StorageError, ValueError):
    """What was to be stored breaks the schema's rules (a missing value, a duplicate key)."""


class SearchQueryError(StorageError, ValueError):
    """A search that cannot run: bad FTS5 syntax, or nothing to search for."""


class FeedQueryError(StorageError, ValueError):
    """A feed's filter that cannot run (an invalid full-text query); the message names the feed."""
