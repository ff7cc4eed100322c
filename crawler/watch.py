"""Between crawls, watch the cheap sources for new articles, and store them at once (issue #14).

A crawl discovers widely but costs hundreds of requests, so it runs every few hours; news must
reach the feeds within minutes. The watcher fills the gap the way a good feed reader does. It
polls a handful of sources with conditional requests (an unchanged source costs a 304), each when
it is due by its own schedule (crawler/polling.py). A new article one of them lists is fetched,
classified and stored right away, if its headline makes it worth fetching (crawler/focus.py);
the service then regenerates the feeds.

What is watched follows from the store (`sources_to_watch`): always the newest-articles feed,
which lists every article first; and, as safety nets for bursts and pauses, the category feeds
and the topical tag pages where relevant articles appeared in the last weeks.

The watcher keeps no state of its own between polls but its HTTP client (robots.txt, the delay
between requests) and a pause the site may ask for (Retry-After): the store is its memory, so a
service killed mid-poll loses nothing, and each poll is given the store it should use (SQLite
connections stay in the thread that opened them).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.clock import Clock, iso_vietnam, utc_now
from crawler.classify import Rules, classify
from crawler.client import FetchError, PoliteClient, Reply
from crawler.encoding import decode_page, looks_truncated
from crawler.extract import ExtractionError, extract
from crawler.focus import topic_hint, worth_fetching
from crawler.ingest import store_article
from crawler.items import ArticleItem
from crawler.listing import extract_listing
from crawler.policy import RECHECKS, next_check
from crawler.polling import Activity, Role, failure_delay, poll_interval
from crawler.rss import parse_rss
from crawler.urls import NEWEST_FEED_PATH, Kind, Site, feed_category, listing_ids, tag_page
from storage import PollOutcome, SaveOutcome, Store, WatchedSource

logger = logging.getLogger(__name__)

# Relevant articles published this recently decide which feeds and tags are watched.
RECENT = timedelta(days=30)
FEED_MIN_RELEVANT = 2  # a category feed is watched once this many recent relevant articles are in it
TAG_MIN_RELEVANT = 3  # a tag page, once this many recent relevant articles carry the tag
MAX_TAGS = 15  # the most used topical tags only
RECHECKS_PER_ROUND = 5  # stored articles re-checked per round at most (crawler/policy.py says when)
RECHECK_RETRY = timedelta(hours=1)  # a re-check that failed is tried again this much later


def sources_to_watch(
    feeds: Iterable[str],
    where_relevant: Iterable[tuple[str, tuple[str, ...]]],
    rules: Rules,
    *,
    site: Site = Site(),
) -> dict[str, Role]:
    """Which sources to watch, and why: the newest-articles feed; the category feeds (of those
    the site lists, `feeds`) of the sections where relevant articles appear; the tag pages of
    the topical tags they carry. `where_relevant`: each recent relevant article's category
    listing URL and tags."""
    chosen = {site.to_canonical(NEWEST_FEED_PATH): Role.NEWEST}
    sections: Counter[int] = Counter()
    tags: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for category_url, article_tags in where_relevant:
        ids = listing_ids(category_url)
        if ids:
            sections.update({ids[0]} | ({ids[1]} - {0}))  # its section, and the parent section
        for tag in article_tags:
            key = " ".join(tag.casefold().split())
            spelling.setdefault(key, tag)
            tags[key] += 1
    for feed in feeds:
        category = feed_category(feed)
        if category is not None and sections[category] >= FEED_MIN_RELEVANT:
            chosen[site.to_canonical(feed)] = Role.FEED
    topical = [key for key, count in tags.most_common() if count >= TAG_MIN_RELEVANT
               and topic_hint(spelling[key], rules) > 0]  # fmt: skip
    for key in topical[:MAX_TAGS]:
        chosen[tag_page(key)] = Role.TAG
    return chosen


@dataclass
class WatchReport:
    """What one round of polls did."""

    polled: int = 0
    not_modified: int = 0
    failed: int = 0
    fetched: int = 0  # new articles' pages requested
    rechecked: int = 0  # stored articles' pages requested again (conditionally)
    saved: list[str] = field(default_factory=list)  # ids of the articles stored for the first time
    relevant: list[str] = field(default_factory=list)  # of which in a topic
    changed: list[str] = field(default_factory=list)  # ids of the articles new or updated (the feeds change)

    def __str__(self) -> str:
        return (f"{self.polled} polled ({self.not_modified} unchanged, {self.failed} failed),"
                f" {self.fetched} articles fetched, {len(self.saved)} new, {len(self.relevant)} in a topic,"
                f" {self.rechecked} re-checked")  # fmt: skip


class Watcher:
    """Polls the watched sources that are due; see the module docstring."""

    def __init__(
        self,
        *,
        rules: Rules,
        site: Site = Site(),
        client: PoliteClient | None = None,
        clock: Clock = utc_now,
        rechecks: tuple[timedelta, ...] = RECHECKS,
    ) -> None:
        self.rules = rules
        self.rechecks = rechecks
        self.site = site
        self.client = client or PoliteClient()
        self.clock = clock
        self.paused_until: datetime | None = None  # the site asked us to wait (Retry-After)

    # -- what to watch -----------------------------------------------------------------------------

    def choose_sources(self, store: Store) -> list[str]:
        """Bring the watched set up to date with the store; returns the sources newly watched."""
        now = self.clock()
        feeds = store.urls_of_kind(Kind.RSS.value)
        recent = store.where_relevant_appear(iso_vietnam(now - RECENT))
        added = store.watch_sources(
            [(url, role.value) for url, role in sources_to_watch(feeds, recent, self.rules, site=self.site).items()],
            now=now,
        )
        for url in added:
            logger.info("watch: now watching %s", url)
        return added

    def next_due(self, store: Store) -> datetime | None:
        """When the next poll is due (None: nothing watched)."""
        due = store.next_poll_time()
        if due is not None and self.paused_until is not None:
            return max(due, self.paused_until)
        return due

    # -- polling -----------------------------------------------------------------------------------

    def poll_due(self, store: Store) -> WatchReport:
        """Poll every source due now, most overdue first, and store what they bring; then
        re-check the stored articles due for it (edits made after publication)."""
        report = WatchReport()
        for source in store.due_sources(self.clock()):
            if self._paused():
                return report
            self.poll(store, source, report)
        # The articles the feeds show; the crawl re-checks the others (an edit rarely makes one relevant).
        for known in store.due_for_recheck(self.clock(), RECHECKS_PER_ROUND, in_a_topic=True):
            if self._paused():
                return report
            self.recheck(store, known.site_id, known.url, report)
        return report

    def _paused(self) -> bool:
        return self.paused_until is not None and self.clock() < self.paused_until

    def poll(self, store: Store, source: WatchedSource, report: WatchReport) -> None:
        """One conditional request to one source, and the new articles it lists."""
        role = Role(source.role)
        kind = Kind.TAG if role is Role.TAG else Kind.RSS
        state = store.fetch_state(source.url)
        report.polled += 1
        try:
            reply = self.client.get(
                self.site.to_fetch(source.url),
                etag=state.etag if state else None,
                last_modified=state.last_modified if state else None,
            )
        except FetchError as error:
            self._failed(store, source, role, kind, error)
            report.failed += 1
            return
        now = self.clock()
        activity = Activity.from_json(source.activity)
        since = datetime.fromisoformat(source.last_polled) if source.last_polled else None
        if reply.status == 304:
            report.not_modified += 1
            if since is not None:
                activity = activity.observe(since, now, 0)
            store.record_poll(source.url, kind.value, PollOutcome(
                304, now + poll_interval(activity, now, role), activity=activity.to_json(),
            ), now=now)  # fmt: skip
            return
        listed = self._listed(reply, source.url, kind)
        ids = tuple(item[0] for item in listed)
        # A first poll shows what was there before: no evidence of how often it changes.
        appeared = len(set(ids) - set(source.listed_ids)) if since is not None else 0
        if since is not None:
            activity = activity.observe(since, now, appeared)
        unknown = [item for item in listed if store.known_article(item[0]) is None]
        for site_id, url, title, summary in unknown:
            if store.fetch_state(url) is None and worth_fetching(title, summary, self.rules):
                self._fetch_article(store, url, site_id, report, source=f"listed by {source.url}")
        now = self.clock()
        store.record_poll(source.url, kind.value, PollOutcome(
            200, now + poll_interval(activity, now, role), listed_ids=ids, activity=activity.to_json(),
            changed=appeared > 0, new_articles=len(unknown),
            etag=reply.headers.get("ETag"), last_modified=reply.headers.get("Last-Modified"),
        ), now=now)  # fmt: skip

    def _listed(self, reply: Reply, url: str, kind: Kind) -> list[tuple[str, str, str, str]]:
        """(site_id, canonical URL, title, summary) of each article the source lists."""
        text, _ = decode_page(reply.body, reply.charset)
        if kind is Kind.RSS:
            return [(i.site_id, i.url, i.title, i.summary) for i in parse_rss(text, reply.url, site=self.site)]
        page = extract_listing(text, reply.url, site=self.site)
        return [(i.site_id, i.url, i.title, i.summary) for i in page.items]

    def _failed(self, store: Store, source: WatchedSource, role: Role, kind: Kind, error: FetchError) -> None:
        now = self.clock()
        wait = failure_delay(source.failures + 1, role)
        if error.retry_after is not None:  # the site asked for a pause: every source waits
            self.paused_until = now + timedelta(seconds=error.retry_after)
            wait = max(wait, timedelta(seconds=error.retry_after))
        logger.warning("watch: %s failed: %s; next try in %s", source.url, error, wait)
        store.record_poll(source.url, kind.value, PollOutcome(error.status or 0, now + wait, error=str(error)), now=now)

    def recheck(self, store: Store, site_id: str, url: str, report: WatchReport) -> None:
        """Fetch a stored article again, conditionally: a 304 only moves its next re-check."""
        state = store.article_fetch_state(site_id)
        report.rechecked += 1
        try:
            reply = self.client.get(
                self.site.to_fetch(url),
                etag=state.etag if state else None,
                last_modified=state.last_modified if state else None,
            )
        except FetchError as error:
            known = store.known_article(site_id)
            if error.gone or known is None:
                store.touch_article(site_id, now=self.clock(), next_check=None, status=error.status or 404)
            else:
                store.touch_article(site_id, now=self.clock(), next_check=self.clock() + RECHECK_RETRY,
                                    status=error.status or 0)  # fmt: skip
            logger.warning("watch: re-check of %s failed: %s", url, error)
            return
        if reply.status == 304:
            known = store.known_article(site_id)
            published = datetime.fromisoformat(known.published) if known else self.clock()
            store.touch_article(site_id, now=self.clock(), next_check=next_check(published, self.clock(), self.rechecks))
            return
        if not self._store_page(store, reply, url, site_id, report, source="re-checked"):
            store.touch_article(site_id, now=self.clock(), next_check=self.clock() + RECHECK_RETRY, status=200)

    def _fetch_article(self, store: Store, url: str, site_id: str, report: WatchReport, *, source: str) -> None:
        """Fetch, extract, classify and store one new article; failures are logged and the
        article is left for the next poll (or the next crawl) to try again."""
        report.fetched += 1
        try:
            reply = self.client.get(self.site.to_fetch(url))
        except FetchError as error:
            if error.gone:
                store.record_fetch(url, Kind.ARTICLE.value, error.status or 404, now=self.clock())
            logger.warning("watch: article %s not fetched: %s", url, error)
            return
        self._store_page(store, reply, url, site_id, report, source=source)

    def _store_page(self, store: Store, reply: Reply, url: str, site_id: str, report: WatchReport, *, source: str) -> bool:
        """Extract, classify and store the article on a fetched page; whether it was stored."""
        text, _ = decode_page(reply.body, reply.charset)
        if looks_truncated(text):
            logger.warning("watch: truncated page %s: left for the next poll", url)
            return False
        try:
            extraction = extract(text, reply.url, site=self.site)
        except ExtractionError as error:
            store.record_fetch(url, Kind.ARTICLE.value, 200, now=self.clock())  # not again and again
            logger.warning("watch: extraction failed: %s", error)
            return False
        item = ArticleItem(
            article=extraction.article,
            fetched_url=url,
            fetched_at=self.clock(),
            etag=reply.headers.get("ETag"),
            last_modified=reply.headers.get("Last-Modified"),
            topics=classify(extraction.article, self.rules),
            rules_version=self.rules.fingerprint,
        )
        outcome = store_article(store, item, self.rechecks)
        if outcome is not SaveOutcome.UNCHANGED:
            report.changed.append(site_id)
        if outcome is SaveOutcome.NEW:
            report.saved.append(site_id)
            if item.topics:
                report.relevant.append(site_id)
        topics = ",".join(match.topic for match in item.topics or ()) or "-"
        logger.info("watch: %s [%s] %s (%s)", outcome.value, topics, extraction.article.title, source)
        return True
