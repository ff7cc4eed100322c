"""The SQLite store of tintuc-feeds, and the only code that speaks SQL to it.

The file is a public interface (people query it with sqlite3, sqlite-utils and Datasette):
storage/schema.py is its definition and docs/schema.md its documentation. The feeds keep a
private cache of their own (feeds/manifest.py), which is not this database.

Other packages use what `__all__` lists: `Store`, the store's exceptions, and the dataclasses its
verbs return.
"""

from core.model import content_hash
from storage.articles import KnownArticle, SaveOutcome
from storage.backfills import BackfillSource, PageOutcome, QueuedArticle
from storage.crawl_state import FetchState, FrontierEntry
from storage.errors import (
    DatabaseBusyError,
    DatabaseUnusableError,
    FeedQueryError,
    InvalidDataError,
    SearchQueryError,
    StorageError,
)
from storage.reports import EXPORT_COLUMNS, MonthCount, StoreStats
from storage.runs import RUN_COUNTERS, CrawlRun, FieldCoverage
from storage.search import SearchHit, SearchResults
from storage.store import Store
from storage.watching import PollOutcome, WatchedSource

__all__ = [
    "EXPORT_COLUMNS",
    "RUN_COUNTERS",
    "BackfillSource",
    "CrawlRun",
    "DatabaseBusyError",
    "DatabaseUnusableError",
    "FeedQueryError",
    "FetchState",
    "FieldCoverage",
    "FrontierEntry",
    "InvalidDataError",
    "KnownArticle",
    "MonthCount",
    "PageOutcome",
    "PollOutcome",
    "QueuedArticle",
    "SaveOutcome",
    "SearchHit",
    "SearchQueryError",
    "SearchResults",
    "StorageError",
    "Store",
    "StoreStats",
    "WatchedSource",
    "content_hash",
]
