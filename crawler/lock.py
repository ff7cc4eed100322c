"""One crawl per database at a time, across processes: an advisory lock file beside it."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class CrawlLockedError(RuntimeError):
    """Another crawl is writing to this database right now."""


class CrawlLock:
    """`fcntl.flock` on `<db>.lock`; released when the process dies, even by SIGKILL."""

    def __init__(self, db_path: str) -> None:
        self.path = Path(f"{db_path}.lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise CrawlLockedError(
                f"another crawl is already running on this database (lock {self.path})"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
