"""Keeping the file healthy: index merges, planner statistics, the WAL, backups, checks."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from storage._database import Database, translated
from storage.schema import FTS_TABLE


class MaintenanceMixin(Database):
    @translated
    def optimize(self) -> None:
        """Merge the FTS index, refresh the planner's statistics, and fold the WAL back."""
        conn = self.db.conn
        conn.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('optimize')")
        conn.execute("PRAGMA optimize")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @translated
    def backup_to(self, path: str | os.PathLike[str]) -> None:
        """A consistent copy of the database, taken with SQLite's online backup API.

        Written to a temporary name first, so an interrupted backup never looks complete.
        """
        target = Path(path)
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        partial.touch(mode=0o600)
        copy = sqlite3.connect(partial)
        try:
            self.db.conn.backup(copy)
            with copy:  # a history of its own from here on: see CHANGES in schema.py
                copy.execute("UPDATE change_lineage SET lineage = lower(hex(randomblob(16)))")
        finally:
            copy.close()
        os.replace(partial, target)

    @translated
    def integrity_check(self) -> str:
        """"ok", or SQLite's description of what is damaged."""
        return self.db.conn.execute("PRAGMA integrity_check").fetchone()[0]
