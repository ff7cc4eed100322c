"""Articles: saving what the crawler extracted, reading it back, re-classifying it.

An article is written in one transaction with everything that belongs to it (topics, tags,
images, the fetch state of its page), so a crash at any moment leaves the old version or the new
one, never a mix. `updated` changes only when what readers see does (`content_hash`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from core.clock import iso_utc
from core.model import Article, Image, TopicMatch, content_hash
from storage._database import translated
from storage.crawl_state import CrawlStateMixin, FetchState
from storage.fts import folded_text


class SaveOutcome(str, Enum):
    NEW = "new"
    UPDATED = "updated"  # content changed since we last stored it
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class KnownArticle:
    """What the crawler needs to know of a stored article to decide whether to fetch it again."""

    site_id: str
    url: str
    next_check: str | None
    fetch_count: int
    published: str


# What the crawler and the watcher need to know of a stored article (KnownArticle's fields).
_SELECT_KNOWN = "SELECT site_id, url, next_check, fetch_count, published FROM articles"


class ArticlesMixin(CrawlStateMixin):
    """Saving an article also records its page's fetch (hence the crawl state below it)."""

    @translated
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
        """Insert or update an article with everything that belongs to it, atomically.

        Raises `InvalidDataError` (nothing written) when the article breaks the schema's rules.
        """
        digest = content_hash(article)
        stamp = iso_utc(now)
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
                    "credit_role": article.credit_role,
                    "byline": article.byline,
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
                    "next_check": iso_utc(next_check) if next_check else None,
                    "search_folded": folded_text(article.title, article.sapo, article.body_text),
                },
                pk="site_id",
            )
            self._replace_children(article, topics, rules_version)
            self._write_fetch(article.url, "article", 200, etag, last_modified, stamp, 0)
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

    @translated
    def touch_article(
        self, site_id: str, *, now: datetime, next_check: datetime | None, status: int = 304
    ) -> None:
        """Record a re-check that found the article unchanged (304)."""
        with self._transaction():
            self.db.conn.execute(
                "UPDATE articles SET last_fetched = ?, fetch_count = fetch_count + 1,"
                " next_check = ? WHERE site_id = ?",
                [iso_utc(now), iso_utc(next_check) if next_check else None, site_id],
            )
            self.db.conn.execute(
                "UPDATE fetch_state SET status = ?, fetched = ? WHERE url ="
                " (SELECT url FROM articles WHERE site_id = ?)",
                [status, iso_utc(now), site_id],
            )

    @translated
    def known_articles(self) -> dict[str, KnownArticle]:
        """Every stored article's id with what the crawler needs to decide on re-fetching."""
        return {row[0]: KnownArticle(*row) for row in self.db.conn.execute(_SELECT_KNOWN)}

    @translated
    def known_article(self, site_id: str) -> KnownArticle | None:
        """`known_articles()` for one article; None when it is not stored."""
        row = self.db.conn.execute(_SELECT_KNOWN + " WHERE site_id = ?", [site_id]).fetchone()
        return KnownArticle(*row) if row else None

    @translated
    def due_for_recheck(self, now: datetime, limit: int, *, in_a_topic: bool = False) -> list[KnownArticle]:
        """Stored articles whose re-check is due at `now` (only those in a topic, the ones the
        feeds show, with `in_a_topic`), the most overdue first."""
        topical = " AND site_id IN (SELECT site_id FROM article_topics)" if in_a_topic else ""
        rows = self.db.conn.execute(
            _SELECT_KNOWN + f" WHERE next_check IS NOT NULL AND next_check <= ?{topical} ORDER BY next_check LIMIT ?",
            [iso_utc(now), limit],
        )
        return [KnownArticle(*row) for row in rows]

    @translated
    def article_fetch_state(self, site_id: str) -> FetchState | None:
        """The last fetch of a stored article's page (under the URL it is stored with)."""
        rows = list(self.db.query(
            "SELECT f.* FROM fetch_state AS f JOIN articles AS a ON f.url = a.url"
            " WHERE a.site_id = ?", [site_id],
        ))  # fmt: skip
        return FetchState(**rows[0]) if rows else None

    @translated
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
            credit_role=row["credit_role"],
            byline=row["byline"],
            category=row["category"],
            category_url=row["category_url"],
            tags=tuple(row["tags"]),
            published=row["published"],
            modified=row["modified"],
            lead_image=row["lead_image"],
            images=tuple(Image(image["url"], image["caption"]) for image in row["images"]),
            layout=row["layout"],
        )

    @translated
    def article_ids(self, topic: str | None = None) -> set[str]:
        """Ids of all stored articles, or of those in one topic."""
        if topic is None:
            sql, params = "SELECT site_id FROM articles", []
        else:
            sql, params = "SELECT site_id FROM article_topics WHERE topic = ?", [topic]
        return {row[0] for row in self.db.conn.execute(sql, params)}

    @translated
    def where_relevant_appear(self, since: str) -> list[tuple[str, tuple[str, ...]]]:
        """For each article in a topic published since `since` (ISO 8601, compared as the
        site's time): its category listing URL and its tags. What the watcher watches follows
        from these."""
        rows = self.db.conn.execute(
            "SELECT a.category_url, (SELECT json_group_array(tag) FROM (SELECT tag FROM article_tags"
            " WHERE site_id = a.site_id ORDER BY position)) FROM articles AS a"
            " WHERE a.published >= ? AND a.site_id IN (SELECT site_id FROM article_topics)",
            [since],
        )
        return [(category_url, tuple(json.loads(tags))) for category_url, tags in rows]

    @translated
    def relevant_tag_counts(self) -> dict[str, int]:
        """How many articles in a topic carry each tag (as the site spells it)."""
        rows = self.db.conn.execute(
            "SELECT tag, count(DISTINCT site_id) FROM article_tags"
            " WHERE site_id IN (SELECT site_id FROM article_topics) GROUP BY tag"
        )
        return dict(rows.fetchall())

    @translated
    def topic_counts(self) -> dict[str, int]:
        rows = self.db.conn.execute("SELECT topic, count(*) FROM article_topics GROUP BY topic")
        return dict(rows.fetchall())

    @translated
    def replace_topics(
        self, site_id: str, topics: Iterable[TopicMatch], rules_version: str
    ) -> None:
        """Store a new classification of an article (the rules changed; nothing is fetched)."""
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
