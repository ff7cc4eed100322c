"""The article store: one SQLite file, opened with `Store.open(path)`.

`Store` combines one mixin per domain; a new method goes into the module of its domain:

- storage/articles.py: saving, reading and re-classifying articles;
- storage/crawl_state.py: the last fetch of each page, the pages left for the next crawl;
- storage/watching.py: the sources watched between crawls, each with its schedule;
- storage/backfills.py: where each backfill walk stands, and the articles it has to fetch;
- storage/runs.py: crawl runs and their counters;
- storage/maintenance.py: index merges, backups, integrity checks;
- storage/feed_queries.py: what feeds select and render, and what changed since a revision;
- storage/search.py: full-text search; storage/reports.py: statistics and export.

Every public method raises only the store's own exceptions (storage/errors.py) for database
problems, and every write that belongs together happens in one transaction.
"""

from __future__ import annotations

from storage.articles import ArticlesMixin
from storage.backfills import BackfillMixin
from storage.feed_queries import FeedQueriesMixin
from storage.maintenance import MaintenanceMixin
from storage.reports import ReportsMixin
from storage.search import SearchMixin
from storage.watching import WatchingMixin


class Store(
    ArticlesMixin, WatchingMixin, BackfillMixin, ReportsMixin, FeedQueriesMixin, SearchMixin, MaintenanceMixin
):
    """An open tintuc-feeds database. Use `Store.open(path)`; close it (or use `with`)."""
