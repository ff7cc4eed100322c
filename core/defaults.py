"""The default of every setting that more than one layer knows about, in one place.

The command line (tintuc/options.py), the crawler's Scrapy settings (crawler/settings.py) and the
service (scheduler/service.py) all read their defaults here; README.md's configuration section
lists them for users.
"""

from __future__ import annotations

from core.urls import SITE_ORIGIN

DB = "data/tintuc.db"  # the SQLite file
OUT = "data/feeds"  # where feeds are published
SITE_URL = SITE_ORIGIN  # the site, or any mirror of it
HOST = "127.0.0.1"
PORT = 8080
MAX_PAGES = 300  # page budget of one crawl
DELAY = 1.0  # seconds between requests to the site
CONCURRENCY = 2  # requests in flight to the site
RECHECKS = "3h,24h,3d"  # fetch a new article again this long after publication, to catch edits
# The crawl discovers widely (links, tags, listings) but costs hundreds of requests: once a day.
# Freshness comes from the watcher, the archive from the backfill (README, "Freshness").
CRAWL_EVERY = "24h"
WATCH_EVERY = "15s"  # how often the service looks for watched sources that are due
BACKFILL_AT = "01:30"  # the nightly backfill, Vietnam time ("off": none)
BACKFILL_SINCE = "2d"  # … of the last two days: what the watcher's headlines let through
BACKFILL_BUDGET = 1000  # … at most this many requests a night; an unfinished one goes on the next
CRAWL_TIMEOUT = "20m"
FEEDS_EVERY = "6h"
MAINTENANCE_AT = "03:30"  # Vietnam time
KEEP_BACKUPS = 7
MAX_AGE = 300  # Cache-Control max-age of served files, seconds
