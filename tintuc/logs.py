"""What the command line prints while it works: our progress, and other libraries' only when asked.

Without -v: our own packages at INFO, other libraries' warnings and errors in one line each (a
library's traceback only with -v, -vv for debug), and nothing from loggers whose failures our
code reports itself, better. A traceback of our own code is always shown: that is a bug.
"""

from __future__ import annotations

import logging

# Loggers of our own packages: their progress is shown at INFO.
OWN_LOGGERS = ("core", "crawler", "storage", "feeds", "scheduler", "tintuc")
# Library loggers whose failures are reported by our code, naming the host and the cause.
REPORTED_BY_US = {
    "scrapy.downloadermiddlewares.robotstxt": "crawler.middlewares reports robots.txt failures",
}


def setup_logging(verbose: int) -> None:
    """Install the one handler (see the module docstring); -v levels: 0, 1 (-v), 2 (-vv)."""
    handler = logging.StreamHandler()
    handler.setFormatter(_Formatter(verbose, "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # A filter on the handler rather than logger levels: Scrapy resets its loggers' levels.
    handler.addFilter(_Shown(verbose))
    logging.basicConfig(level=logging.DEBUG if verbose >= 2 else logging.INFO, handlers=[handler])


def _own(record: logging.LogRecord) -> bool:
    return record.name.split(".")[0] in OWN_LOGGERS


class _Shown(logging.Filter):
    def __init__(self, verbose: int) -> None:
        super().__init__()
        self.verbose = verbose
        self.library_level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]

    def filter(self, record: logging.LogRecord) -> bool:
        if _own(record):
            return True
        if not self.verbose and record.name in REPORTED_BY_US:
            return False
        return record.levelno >= self.library_level


class _Formatter(logging.Formatter):
    def __init__(self, verbose: int, fmt: str) -> None:
        super().__init__(fmt)
        self.verbose = verbose

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info and not self.verbose and not _own(record):
            record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        return super().format(record)
