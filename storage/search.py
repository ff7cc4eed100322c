"""Full-text search: the store's one search verb.

Search runs on the folded copy of each article (storage/fts.py explains why and how), ranks with
FTS5's bm25, and gives each hit a snippet in the original spelling. In WAL mode each statement
reads one committed snapshot: a crawl writing meanwhile neither blocks a search nor shows it an
article without its topics.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from storage._database import Database, translate_errors
from storage._filters import ARTICLE_FILTER, filter_params
from storage.errors import SearchQueryError
from storage.fts import HIT_END, HIT_START, folded_source, raw_match, restore_snippet, simple_match

SNIPPET_TOKENS = 24

_SEARCH_SQL = f"""
SELECT f.site_id, f.url, f.title, f.published, f.category, f.topics, f.tags,
       snippet(articles_fts, 3, :hit_start, :hit_end, '…', :tokens),
       a.title, a.sapo, a.body_text
FROM articles_fts
JOIN articles AS a ON a.rowid = articles_fts.rowid
JOIN articles_flat AS f ON f.site_id = a.site_id
WHERE articles_fts MATCH :match AND {ARTICLE_FILTER}
ORDER BY articles_fts.rank, f.published DESC
LIMIT :limit
"""

_SEARCH_COUNT_SQL = f"""
SELECT count(*)
FROM articles_fts JOIN articles AS f ON f.rowid = articles_fts.rowid
WHERE articles_fts MATCH :match AND {ARTICLE_FILTER}
"""


@dataclass(frozen=True)
class SearchHit:
    """An article that matched, with a snippet of where (hits between the caller's marks)."""

    site_id: str
    url: str
    title: str
    published: str
    category: str
    topics: tuple[str, ...]
    tags: tuple[str, ...]
    snippet: str


@dataclass(frozen=True)
class SearchResults:
    total: int  # how many articles match (`hits` holds at most the limit)
    hits: list[SearchHit]


class SearchMixin(Database):
    def search(
        self,
        query: str,
        *,
        topic: str | None = None,
        since: date | datetime | None = None,
        limit: int = 20,
        fts: bool = False,
        marks: tuple[str, str] = ("[", "]"),
    ) -> SearchResults:
        """Articles matching `query`, best first, each with a snippet in the original spelling.

        Diacritics and đ are ignored both in the query and in the text. By default every word
        must occur (`fts.simple_match`); `fts=True` takes FTS5 syntax (`fts.raw_match`). Raises
        `SearchQueryError` with a one-line reason when the query cannot run.
        """
        match = raw_match(query) if fts else simple_match(query)
        params = {"match": match, **filter_params(topic, since)}
        with translate_errors(self.path):
            try:
                total = self.db.conn.execute(_SEARCH_COUNT_SQL, params).fetchone()[0]
                rows = self.db.conn.execute(
                    _SEARCH_SQL,
                    {**params, "limit": limit, "tokens": SNIPPET_TOKENS,
                     "hit_start": HIT_START, "hit_end": HIT_END},
                ).fetchall()  # fmt: skip
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_ERROR:
                    raise  # locked, I/O: not the query's fault
                raise SearchQueryError(f"invalid search query {query!r}: {error}") from None
        start, end = marks
        hits = [
            SearchHit(
                *row[:5],
                topics=tuple(json.loads(row[5])),
                tags=tuple(json.loads(row[6])),
                snippet=restore_snippet(row[7], folded_source(*row[8:11]), start, end),
            )
            for row in rows
        ]
        return SearchResults(total, hits)
