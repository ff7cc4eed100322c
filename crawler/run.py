"""Run one crawl in this process, configured from plain arguments (used by `tintuc crawl`).

Scrapy's reactor cannot be restarted, so call this at most once per process; a service that
crawls repeatedly runs each crawl in a child process.
"""

from __future__ import annotations

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from storage import CrawlRun, Store


def crawl_settings(
    *,
    db_path: str,
    site_url: str,
    max_pages: int | None = None,
    delay: float | None = None,
    concurrency: int | None = None,
    topics_path: str | None = None,
    rechecks: str | None = None,
    now: str | None = None,
    since: str | None = None,
    until: str | None = None,
    progress: bool | None = None,
) -> Settings:
    """The project's Scrapy settings with the command-line overrides applied."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    overrides: dict = {"TINTUC_DB": db_path, "TINTUC_SITE_URL": site_url}
    if now:
        overrides["TINTUC_NOW"] = now
    if since:
        overrides["TINTUC_BACKFILL_SINCE"] = since
    if until:
        overrides["TINTUC_BACKFILL_UNTIL"] = until
    if progress is not None:
        overrides["TINTUC_PROGRESS"] = progress
    if max_pages is not None:
        overrides["TINTUC_MAX_PAGES"] = max_pages
    if topics_path:
        overrides["TINTUC_TOPICS"] = topics_path
    if rechecks is not None:
        overrides["TINTUC_RECHECKS"] = rechecks
    if delay is not None:
        overrides["DOWNLOAD_DELAY"] = delay
        overrides["AUTOTHROTTLE_START_DELAY"] = delay
    if concurrency is not None:
        overrides["CONCURRENT_REQUESTS"] = overrides["CONCURRENT_REQUESTS_PER_DOMAIN"] = concurrency
    settings.setdict(overrides, priority="cmdline")
    return settings


def run_crawl(spider: str = "baotintuc", **options) -> CrawlRun | None:  # noqa: ANN003 (crawl_settings)
    """Crawl once (or backfill, `spider="backfill"`) and return the run's record (None if the
    spider never opened).

    Logging handlers are the caller's to install (tintuc.cli.setup_logging).
    """
    settings = crawl_settings(**options)
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    process = CrawlerProcess(settings)
    process.crawl(spider)
    process.start()
    with Store.open(settings["TINTUC_DB"]) as store:
        runs = store.runs(limit=1)
    return runs[0] if runs else None
