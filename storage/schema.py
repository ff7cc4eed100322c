"""The database schema: the current DDL, and forward migrations to it.

The schema is a public interface: people query this file with sqlite3, sqlite-utils and
Datasette. Names say what they hold; every column is documented here and in docs/schema.md.
Times we record ourselves are UTC and times taken from the site are Vietnam time; both are
ISO 8601 text with an explicit offset, so they sort and compare correctly as strings within
one column.

The version lives in `PRAGMA user_version`. To change the schema: add what takes version N to
N + 1 as MIGRATIONS[N] (SQL, or a function of the connection for a change that needs Python, such
as re-parsing stored values), bump VERSION, and update docs/schema.md (tests/test_query_docs.py
runs its queries). Each migration runs in one transaction with its version bump
(storage/_database.py). Never edit a migration that has shipped: SCHEMA and FTS_SCHEMA are
version 1 as it shipped, VIEWS are what version 2 added, CHANGES what version 3 added; their
digests are pinned by tests/test_storage.py. A later change to a view or a trigger is a new
migration that drops and re-creates it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

from core.bylines import parse_byline
from core.model import CONTENT_FIELDS, content_digest

APPLICATION_ID = 0x74696E74  # "tint": marks the file as a tintuc-feeds database
VERSION = 6

SCHEMA = """
-- One row per article of baotintuc.vn, keyed by the site's own id.
CREATE TABLE articles (
    site_id       TEXT PRIMARY KEY,   -- 17 digits, yyyyMMddHHmmssfff: the site's article id
    url           TEXT NOT NULL,      -- canonical public URL (https://baotintuc.vn/...)
    title         TEXT NOT NULL,
    sapo          TEXT NOT NULL DEFAULT '',  -- the lead paragraph
    body_text     TEXT NOT NULL,      -- article text, paragraphs separated by blank lines
    body_html     TEXT NOT NULL,      -- cleaned article HTML (paragraphs, figures), absolute URLs
    authors       TEXT NOT NULL DEFAULT '[]',  -- JSON array of names
    agency        TEXT NOT NULL DEFAULT '',    -- news agency in the byline, e.g. TTXVN
    category      TEXT NOT NULL DEFAULT '',    -- site category name, e.g. "Thời sự"
    category_url  TEXT NOT NULL DEFAULT '',    -- that category's listing URL
    published     TEXT NOT NULL,      -- publication time from the site, ISO 8601, +07:00
    modified      TEXT NOT NULL,      -- modification time the site declares, ISO 8601, +07:00
    lead_image    TEXT NOT NULL DEFAULT '',    -- URL of the lead image, '' if none
    layout        TEXT NOT NULL DEFAULT '',    -- page template the body came from: current/old/generic
    content_hash  TEXT NOT NULL,      -- hash of the extracted content; changes only when it does
    first_seen    TEXT NOT NULL,      -- when we first stored it (UTC)
    updated       TEXT NOT NULL,      -- when its content last changed in our copy (UTC)
    last_fetched  TEXT NOT NULL,      -- when we last fetched its page (UTC)
    fetch_count   INTEGER NOT NULL DEFAULT 1,  -- pages fetched for it, 304s included
    next_check    TEXT,               -- when to re-fetch it to catch edits (UTC); NULL: never
    search_folded TEXT NOT NULL DEFAULT ''     -- title, sapo, body without diacritics, đ→d (for FTS)
);
CREATE INDEX articles_published ON articles (published);
CREATE INDEX articles_next_check ON articles (next_check) WHERE next_check IS NOT NULL;

-- Which topics an article belongs to, and why. No row: the article matched no topic.
CREATE TABLE article_topics (
    site_id       TEXT NOT NULL REFERENCES articles (site_id) ON DELETE CASCADE,
    topic         TEXT NOT NULL,      -- "environment" or "vietnam-japan" (names from the rules)
    score         REAL NOT NULL,      -- weighted term count; compare with the rule's threshold
    matched_terms TEXT NOT NULL,      -- JSON array of the rule phrases that matched, strongest first
    rules_version TEXT NOT NULL,      -- fingerprint of the topic rules that decided it
    PRIMARY KEY (site_id, topic)
);
CREATE INDEX article_topics_topic ON article_topics (topic, site_id);

-- The site's tags on each article, in page order.
CREATE TABLE article_tags (
    site_id       TEXT NOT NULL REFERENCES articles (site_id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,   -- 0-based order on the page
    tag           TEXT NOT NULL,      -- as the site spells it
    PRIMARY KEY (site_id, position)
);
CREATE INDEX article_tags_tag ON article_tags (tag COLLATE NOCASE);

-- Images in the article body, with their captions, in page order.
CREATE TABLE article_images (
    site_id       TEXT NOT NULL REFERENCES articles (site_id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    url           TEXT NOT NULL,
    caption       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (site_id, position)
);

-- One row per crawl. A row left 'running' by a killed crawl becomes 'interrupted'.
CREATE TABLE crawl_runs (
    id                  INTEGER PRIMARY KEY,
    started             TEXT NOT NULL,   -- UTC
    finished            TEXT,            -- UTC; NULL while running
    status              TEXT NOT NULL,   -- running, ok, failed, interrupted
    site_url            TEXT NOT NULL,   -- where it fetched from (the site or a mirror)
    pages               INTEGER NOT NULL DEFAULT 0,  -- responses received (304s included)
    not_modified        INTEGER NOT NULL DEFAULT 0,  -- of which 304 Not Modified
    articles_new        INTEGER NOT NULL DEFAULT 0,
    articles_updated    INTEGER NOT NULL DEFAULT 0,  -- content changed since last fetch
    articles_unchanged  INTEGER NOT NULL DEFAULT 0,
    failures            INTEGER NOT NULL DEFAULT 0,  -- HTTP errors and network failures
    extraction_failures INTEGER NOT NULL DEFAULT 0,  -- pages that yielded no title or body
    message             TEXT NOT NULL DEFAULT ''     -- why it stopped, when not 'ok'
);

-- What we know of every URL fetched: validators for conditional requests, last outcome.
CREATE TABLE fetch_state (
    url           TEXT PRIMARY KEY,   -- canonical public URL
    kind          TEXT NOT NULL,      -- article, listing, tag, rss-index, rss
    status        INTEGER NOT NULL,   -- last HTTP status (304 when unchanged)
    etag          TEXT,
    last_modified TEXT,               -- HTTP Last-Modified as sent by the site
    fetched       TEXT NOT NULL,      -- when we last fetched it (UTC)
    relevant_links INTEGER NOT NULL DEFAULT 0  -- links on it that looked on-topic, last time
);

-- Pages found but not fetched yet (page budget reached, or the crawl was killed). The next
-- crawl starts with these, highest priority first.
CREATE TABLE crawl_frontier (
    url           TEXT PRIMARY KEY,   -- canonical public URL
    kind          TEXT NOT NULL,
    priority      INTEGER NOT NULL,
    discovered    TEXT NOT NULL       -- UTC
);
"""

# Full-text search over title, sapo and body, kept in step by triggers (named as sqlite-utils
# names them, so `sqlite-utils search` and Datasette find it). `remove_diacritics 2` lets
# "nhat ban" find "Nhật Bản"; `search_folded` also has đ→d, which no tokenizer does
# ("duong" finds "đường").
FTS_TABLE = "articles_fts"
FTS_SCHEMA = """
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    title, sapo, body_text, search_folded,
    content=[articles], tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, sapo, body_text, search_folded)
    VALUES (new.rowid, new.title, new.sapo, new.body_text, new.search_folded);
END;
CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, sapo, body_text, search_folded)
    VALUES ('delete', old.rowid, old.title, old.sapo, old.body_text, old.search_folded);
END;
CREATE TRIGGER articles_au AFTER UPDATE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, sapo, body_text, search_folded)
    VALUES ('delete', old.rowid, old.title, old.sapo, old.body_text, old.search_folded);
    INSERT INTO articles_fts (rowid, title, sapo, body_text, search_folded)
    VALUES (new.rowid, new.title, new.sapo, new.body_text, new.search_folded);
END;
"""


# Views for people who query the file directly (issue #4): each answers a common question in one
# line, in sqlite3, sqlite-utils, Datasette or pandas. Lists are JSON arrays, as in the tables
# (Datasette facets them with `_facet_array`). `month` is yyyy-mm of `published`, Vietnam time.
VIEWS = """
-- One row per article, its topics and tags flattened into JSON arrays: the place to start.
CREATE VIEW articles_flat AS
SELECT
    a.site_id,
    a.published,
    substr(a.published, 1, 7) AS month,
    a.title,
    a.sapo,
    a.url,
    a.category,
    (SELECT json_group_array(topic) FROM (
        SELECT t.topic FROM article_topics AS t WHERE t.site_id = a.site_id ORDER BY t.topic
    )) AS topics,
    (SELECT json_group_array(tag) FROM (
        SELECT g.tag FROM article_tags AS g WHERE g.site_id = a.site_id ORDER BY g.position
    )) AS tags,
    a.authors,
    a.agency,
    a.lead_image,
    a.modified,
    a.first_seen,
    a.updated
FROM articles AS a;

-- One row per (topic, article), with why it matched: what topic feeds and counts are made of.
CREATE VIEW topic_articles AS
SELECT
    t.topic,
    a.published,
    substr(a.published, 1, 7) AS month,
    a.title,
    a.url,
    a.category,
    t.score,
    t.matched_terms,
    a.site_id
FROM article_topics AS t JOIN articles AS a ON a.site_id = t.site_id;

-- One row per (tag, article), tags spelt as the site spells them.
CREATE VIEW tagged_articles AS
SELECT
    g.tag,
    a.published,
    substr(a.published, 1, 7) AS month,
    a.title,
    a.url,
    a.category,
    g.position,
    a.site_id
FROM article_tags AS g JOIN articles AS a ON a.site_id = g.site_id;

-- Articles per topic per month (months without articles have no row).
CREATE VIEW topic_month_counts AS
SELECT
    t.topic,
    substr(a.published, 1, 7) AS month,
    count(*) AS articles
FROM article_topics AS t JOIN articles AS a ON a.site_id = t.site_id
GROUP BY t.topic, month;

-- Crawl runs with their duration in seconds (NULL without an end: running or interrupted).
CREATE VIEW crawl_history AS
SELECT
    id,
    started,
    finished,
    CAST(round((julianday(finished) - julianday(started)) * 86400) AS INTEGER) AS seconds,
    status,
    site_url,
    pages,
    not_modified,
    articles_new,
    articles_updated,
    articles_unchanged,
    failures,
    extraction_failures,
    message
FROM crawl_runs;
"""


# The columns of `articles` whose change is a change of the article (fetch bookkeeping is not).
_CONTENT_COLUMNS = """\
    site_id, url, title, sapo, body_text, body_html, authors, agency, category, category_url,
    published, modified, lead_image, layout, content_hash, first_seen, updated, search_folded"""

# The change log's triggers, one per event: the row's article gets the next revision.
_CHANGE_EVENTS = {  # suffix: (event, the articles concerned, as a WHERE and as rows to insert)
    "ai": ("INSERT", "= new.site_id", "VALUES (new.site_id)"),
    "au": ("UPDATE", "IN (old.site_id, new.site_id)", "SELECT old.site_id UNION SELECT new.site_id"),
    "ad": ("DELETE", "= old.site_id", "VALUES (old.site_id)"),
}


def change_log_triggers(table: str, prefix: str, *, columns: str | None = None) -> str:
    """The triggers that log every change to `table`'s rows in `article_changes` (see CHANGES).

    `columns`: only an update of these counts (a formatted column list); None: any update.
    Used when a migration is written; what it produced for a shipped migration must never
    change (tests/test_storage.py pins each shipped migration's digest).
    """
    sql = ""
    for suffix, (event, match, rows) in _CHANGE_EVENTS.items():
        when = f"{event} OF\n{columns}\nON {table}" if event == "UPDATE" and columns else f"{event} ON {table}"
        sql += (
            f"CREATE TRIGGER {prefix}_{suffix} AFTER {when} BEGIN\n"
            f"    DELETE FROM article_changes WHERE site_id {match};\n"
            f"    INSERT INTO article_changes (site_id) {rows};\n"
            "END;\n"
        )
    return sql


# What changed, in order (issue #6): copies derived from the store, the feeds first, redo only
# what changed since the revision they were made from instead of re-reading every article.
# Triggers keep it, whoever writes (the crawler, `tintuc reclassify`, sqlite-utils, by hand).
# Each trigger deletes, then inserts, so the article gets the next revision (not REPLACE: the
# statement that fires a trigger imposes its own conflict handling on it). Fetch bookkeeping
# (last_fetched, fetch_count, next_check) is not a change. Images are not watched: they are part
# of the content, so they never change without the article's row.
CHANGES = """
-- Every article's latest change, numbered: the rows with revision > N changed since N.
CREATE TABLE article_changes (
    revision      INTEGER PRIMARY KEY AUTOINCREMENT,  -- grows with every change, never reused
    site_id       TEXT NOT NULL UNIQUE   -- the article (no foreign key: a deletion is a change)
);
INSERT INTO article_changes (site_id) SELECT site_id FROM articles ORDER BY rowid;

-- Which history those revisions belong to: one random value, renewed in every backup that
-- `tintuc` makes, so that a restored backup is never taken for the store it was copied from.
CREATE TABLE change_lineage (
    lineage       TEXT NOT NULL
);
INSERT INTO change_lineage (lineage) VALUES (lower(hex(randomblob(16))));

"""
CHANGES += "".join(
    change_log_triggers(table, prefix, columns=columns)
    for table, prefix, columns in (
        ("articles", "article_changes", _CONTENT_COLUMNS),
        ("article_topics", "article_changes_topics", None),
        ("article_tags", "article_changes_tags", None),
    )
)


# Bylines as written, and who they credit (issue #13): two columns, then every stored byline
# parsed again (core.bylines) without fetching anything. The page's own text was not kept before
# this version, so a stored byline is rebuilt from the names and agency the old parser stored
# (its separators may differ from the page's); the next fetch of a page stores it as written.
BYLINES = """
ALTER TABLE articles ADD COLUMN byline TEXT NOT NULL DEFAULT '';      -- the credit line as written
ALTER TABLE articles ADD COLUMN credit_role TEXT NOT NULL DEFAULT ''; -- its role, e.g. "Tin, ảnh"
"""


def reparse_bylines(conn: sqlite3.Connection) -> None:
    """Version 4: add the byline columns, then parse every stored byline again."""
    for statement in split_statements(BYLINES):
        conn.execute(statement)
    conn.row_factory = sqlite3.Row
    try:
        for row in conn.execute("SELECT * FROM articles").fetchall():
            names = [name for name in json.loads(row["authors"] or "[]") if isinstance(name, str)]
            agency = row["agency"]
            byline = parse_byline(", ".join(names) + (f" ({agency})" if agency and names else agency))
            content = {name: row[name] for name in CONTENT_FIELDS if name in row.keys()}
            content |= _children(conn, row["site_id"])
            content |= {"authors": list(byline.persons), "agency": byline.agency}
            conn.execute(
                "UPDATE articles SET authors = ?, agency = ?, credit_role = ?, byline = ?,"
                " content_hash = ? WHERE site_id = ?",
                [json.dumps(list(byline.persons), ensure_ascii=False), byline.agency, byline.role,
                 byline.raw, content_digest(content), row["site_id"]],
            )  # fmt: skip
    finally:
        conn.row_factory = None


def _children(conn: sqlite3.Connection, site_id: str) -> dict[str, list]:
    """An article's tags and images, as content_digest wants them."""
    tags = [tag for (tag,) in conn.execute(
        "SELECT tag FROM article_tags WHERE site_id = ? ORDER BY position", [site_id])]
    images = [{"url": url, "caption": caption} for url, caption in conn.execute(
        "SELECT url, caption FROM article_images WHERE site_id = ? ORDER BY position", [site_id])]
    return {"tags": tags, "images": images}  # fmt: skip


# Field coverage of each crawl (issue #13): for every field of the articles a crawl extracted,
# how many got it from the first-choice source of the site's template, from a fallback, or not at
# all (crawler/coverage.py). A primary share that drops means the site's markup changed.
FIELD_COVERAGE = """
CREATE TABLE crawl_run_fields (
    run_id        INTEGER NOT NULL REFERENCES crawl_runs (id) ON DELETE CASCADE,
    field         TEXT NOT NULL,      -- url, title, sapo, published, modified, category, tags, byline, body, lead_image
    from_primary  INTEGER NOT NULL DEFAULT 0,  -- articles that got it from its first-choice source
    from_fallback INTEGER NOT NULL DEFAULT 0,  -- … from another source (old template, meta, JSON-LD…)
    missing       INTEGER NOT NULL DEFAULT 0,  -- … from no source at all
    PRIMARY KEY (run_id, field)
);

-- Each crawl's field coverage, with the share of articles served by the primary source.
CREATE VIEW field_coverage AS
SELECT
    r.id AS run_id,
    r.started,
    f.field,
    f.from_primary,
    f.from_fallback,
    f.missing,
    round(1.0 * f.from_primary / max(f.from_primary + f.from_fallback + f.missing, 1), 3) AS primary_share
FROM crawl_run_fields AS f JOIN crawl_runs AS r ON r.id = f.run_id;
"""


# Reach and freshness (issue #14). The sources the service watches between crawls, each on its
# own schedule (crawler/polling.py); where each backfill walk of the archive stands and what it
# still has to fetch, so that a killed backfill resumes; and which runs were backfills.
WATCH_AND_BACKFILL = """
-- The cheap sources watched for new articles between crawls: the newest-articles feed, and the
-- category feeds and tag pages where relevant articles appear. Validators are in fetch_state.
CREATE TABLE watched_sources (
    url           TEXT PRIMARY KEY,   -- canonical URL of the feed or tag page
    role          TEXT NOT NULL,      -- newest, feed or tag: why it is watched
    active        INTEGER NOT NULL DEFAULT 1,  -- 0: no longer watched (kept for its history)
    added         TEXT NOT NULL,      -- when it was first watched (UTC)
    last_polled   TEXT,               -- when it was last requested (UTC); NULL: never
    next_poll     TEXT NOT NULL,      -- when it is due (UTC)
    polls         INTEGER NOT NULL DEFAULT 0,  -- requests made, 304s included
    changed       INTEGER NOT NULL DEFAULT 0,  -- polls that listed an article the one before did not
    new_articles  INTEGER NOT NULL DEFAULT 0,  -- articles it showed that the store did not have
    failures      INTEGER NOT NULL DEFAULT 0,  -- failed polls in a row
    last_error    TEXT NOT NULL DEFAULT '',    -- why the last failed poll failed
    listed_ids    TEXT NOT NULL DEFAULT '[]',  -- JSON array: the article ids its last response listed
    activity      TEXT NOT NULL DEFAULT '{}'   -- JSON: new articles and hours watched, per hour of day
);

-- Each backfill walk of one archive source: where it stands, so that a killed backfill resumes.
CREATE TABLE backfill_sources (
    backfill      TEXT NOT NULL,      -- the backfill's window, 'SINCE..UNTIL' (dates; '' where open)
    url           TEXT NOT NULL,      -- first page of the listing, day archive or tag page
    kind          TEXT NOT NULL,      -- listing, day or tag
    next_page     INTEGER NOT NULL DEFAULT 1,  -- the page to fetch next
    pages         INTEGER NOT NULL DEFAULT 0,  -- pages fetched
    items         INTEGER NOT NULL DEFAULT 0,  -- articles listed on them
    candidates    INTEGER NOT NULL DEFAULT 0,  -- of which worth fetching and not stored before
    recent        TEXT NOT NULL DEFAULT '[]',  -- JSON array: candidates on each of the last pages
    oldest        TEXT,               -- creation time of the oldest article listed (Vietnam time)
    status        TEXT NOT NULL DEFAULT 'walking',  -- locating, walking, done (window or archive end), thin (too few candidates), disallowed (robots.txt)
    low_page      INTEGER NOT NULL DEFAULT 0,  -- while locating: deepest page known to be newer than the window
    high_page     INTEGER NOT NULL DEFAULT 0,  -- … and shallowest known to reach it (0: none yet)
    updated       TEXT NOT NULL,      -- UTC
    PRIMARY KEY (backfill, url)
);

-- Articles a backfill found worth fetching and has not fetched yet.
CREATE TABLE backfill_queue (
    backfill      TEXT NOT NULL,      -- as in backfill_sources
    site_id       TEXT NOT NULL,      -- the article's id
    url           TEXT NOT NULL,      -- its canonical URL
    source        TEXT NOT NULL,      -- the page that listed it
    found         TEXT NOT NULL,      -- UTC
    PRIMARY KEY (backfill, site_id)
);

ALTER TABLE crawl_runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'crawl';  -- crawl or backfill

DROP VIEW crawl_history;
-- Crawl runs with their duration in seconds (NULL without an end: running or interrupted).
CREATE VIEW crawl_history AS
SELECT
    id,
    started,
    finished,
    CAST(round((julianday(finished) - julianday(started)) * 86400) AS INTEGER) AS seconds,
    status,
    site_url,
    pages,
    not_modified,
    articles_new,
    articles_updated,
    articles_unchanged,
    failures,
    extraction_failures,
    message,
    kind
FROM crawl_runs;
"""


# MIGRATIONS[n] takes a database at version n to version n + 1 (version 0 is an empty file): SQL,
# or a function of the connection. Each runs in one transaction together with the version bump.
Migration = str | Callable[[sqlite3.Connection], None]
MIGRATIONS: dict[int, Migration] = {
    0: SCHEMA + FTS_SCHEMA,  # issue #2: the first schema
    1: VIEWS,  # issue #4: views that make the common questions one-liners
    2: CHANGES,  # issue #6: what changed since a given revision, for the feeds
    3: reparse_bylines,  # issue #13: bylines as persons, agency and credit role
    4: FIELD_COVERAGE,  # issue #13: which source gave each field, per crawl
    5: WATCH_AND_BACKFILL,  # issue #14: watched sources, backfill walks, run kinds
}


def split_statements(script: str) -> list[str]:
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
