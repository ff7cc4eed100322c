"""Writing published files: only when their bytes change, and always atomically.

Why both: HTTP validators (ETag, Last-Modified) and readers' caches stay valid as long as a file
is untouched, so an unchanged feed must keep its mtime; and a reader fetching a feed while it is
being rewritten must get the old or the new file, never half of one. So: compare, then write a
temporary file in the same directory, fsync it, `os.replace` it over the old one (atomic on
POSIX), and fsync the directory so the rename survives a power cut.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
from pathlib import Path

logger = logging.getLogger(__name__)

FILE_MODE = 0o644  # published files are public; tempfile creates 0600
_TEMP = re.compile(r"^\..+\.tmp$")
STALE_TEMP_SECONDS = 3600


def publish(path: Path, data: bytes) -> bool:
    """Make `path` hold exactly `data`; True when it was written, False when already identical."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, FILE_MODE)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)
    return True


def remove(path: Path) -> bool:
    """Delete a published file that is no longer produced; True if it existed."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    _fsync_directory(path.parent)
    return True


def remove_stale_temp_files(directory: Path, older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Delete temporary files a killed run left behind (old enough not to be another run's)."""
    removed = []
    limit = time.time() - older_than
    for folder in [
        directory,
        *(p for p in directory.iterdir() if p.is_dir() and not p.is_symlink()),
    ]:
        with os.scandir(folder) as entries:  # archive folders are large: no Path per file
            for entry in entries:
                if _TEMP.match(entry.name) and entry.is_file() and entry.stat().st_mtime < limit:
                    candidate = Path(entry.path)
                    candidate.unlink(missing_ok=True)
                    removed.append(candidate)
    return removed


def _fsync_directory(directory: Path) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:  # not supported on this platform or filesystem: the rename is still atomic
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


