"""Scrapy settings for the baotintuc crawler: polite by default.

Read by `scrapy crawl baotintuc` (through scrapy.cfg) and by `tintuc crawl`, which overrides a
few from its options (`--delay`, `--max-pages`, `--db`, `--site-url`). Every project-specific
setting starts with TINTUC_; shared defaults come from core/defaults.py.
"""

from core import defaults
from core.project import USER_AGENT as _USER_AGENT

BOT_NAME = "tintuc"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# -- project settings ---------------------------------------------------------------------------
TINTUC_DB = defaults.DB
TINTUC_SITE_URL = defaults.SITE_URL  # or any mirror of the site
TINTUC_MAX_PAGES = defaults.MAX_PAGES  # page budget of one crawl (robots.txt not counted)
TINTUC_MAX_LISTING_PAGES = 5  # deepest /trang-N.htm followed on a category listing
TINTUC_MAX_TAG_PAGES = 10  # deepest /trang-N.htm followed on a tag page
TINTUC_FRONTIER_KEEP = 5000  # pages kept for later crawls, highest priority first
TINTUC_RECHECKS = defaults.RECHECKS  # re-fetch a new article this long after publication, to catch edits
TINTUC_TOPICS = None  # path of a topic rules file; None: the packaged crawler/topics.toml
TINTUC_RETRY_AFTER_MAX = 300  # seconds: longest Retry-After we wait for before giving up
TINTUC_BACKOFF_BASE = 2.0  # seconds: retry n waits BASE * 2**(n-1) when no Retry-After is given
TINTUC_BACKFILL_SINCE = None  # `tintuc backfill --since`: ISO date, None: the whole archive
TINTUC_BACKFILL_UNTIL = None  # `tintuc backfill --until`: ISO date, None: up to today
TINTUC_PROGRESS = None  # backfill progress: True a bar, False plain lines, None: a bar on a terminal
TINTUC_NOW = None  # ISO 8601 time the crawl's clock starts at; None: the system clock (tests use it)

# -- politeness ---------------------------------------------------------------------------------
USER_AGENT = _USER_AGENT
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = defaults.CONCURRENCY
CONCURRENT_REQUESTS_PER_DOMAIN = defaults.CONCURRENCY
DOWNLOAD_DELAY = defaults.DELAY
DOWNLOAD_DELAY_JITTER = 0.5  # each wait is 0.5–1.5 × the delay, as a person would click
AUTOTHROTTLE_ENABLED = True
# AutoThrottle never lowers its delay after a non-200 response, and a 304 counts as one: start at
# the base delay, or a re-crawl answered with 304s would crawl at the 5 s default.
AUTOTHROTTLE_START_DELAY = DOWNLOAD_DELAY
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024  # an article page is ~150 kB; anything far larger is not one
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
HTTPCACHE_ENABLED = False
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "vi,en;q=0.5",
}

# -- retries: transient errors, with backoff and Retry-After -------------------------------------
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_GIVE_UP_LOG_LEVEL = "INFO"  # the spider's errback says, in one line, why a page failed

# -- TLS ----------------------------------------------------------------------------------------
# baotintuc.vn has needed legacy renegotiation with OpenSSL 3 (UNSAFE_LEGACY_RENEGOTIATION_DISABLED).
# Scrapy's default TLS context sets OP_LEGACY_SERVER_CONNECT, which is what it needs; the test
# suite checks that the crawler's context keeps that option. Certificates are not verified
# (Scrapy's default), as a browser-like client of a public news site.

# -- components ---------------------------------------------------------------------------------
# The spider discovers and parses; each of these keeps one part of the books.
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "crawler.extensions.CrawlRunExtension": 0,  # lock, store, clock, run record, counters
}
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.EveryRequestRobotsTxtMiddleware": 100,
    "crawler.middlewares.PageBudgetMiddleware": 120,  # after robots.txt (100): disallowed pages cost nothing
    "crawler.fetchstate.FetchStateMiddleware": 540,  # below retries (550): final outcomes only
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
}
SPIDER_MIDDLEWARES = {
    "crawler.frontier.FrontierMiddleware": 950,  # nearest the spider: every request it makes
}
ITEM_PIPELINES = {
    "crawler.pipelines.ClassifyPipeline": 200,
    "crawler.pipelines.FieldCoveragePipeline": 250,
    "crawler.pipelines.StorePipeline": 300,
}

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
