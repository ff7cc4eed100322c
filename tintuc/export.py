"""Writers for `tintuc export`: article rows to CSV or JSON Lines, one row at a time.

Pure formatting, no storage: the rows come from `Store.iter_export`, which streams them, and
each writer passes them on without collecting them, so an export of any size runs in flat memory.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Sequence
from typing import TextIO

Row = dict[str, object]


def write_csv(rows: Iterable[Row], out: TextIO, columns: Sequence[str]) -> int:
    """RFC 4180 CSV with a header row; list values become JSON arrays (pandas: json.loads).

    Returns how many rows were written. Open `out` with newline="" (the csv module's rule).
    """
    writer = csv.writer(out)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow(
            json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value
            for value in (row[name] for name in columns)
        )
        count += 1
    return count


def write_jsonl(rows: Iterable[Row], out: TextIO, columns: Sequence[str]) -> int:
    """One JSON object per line, keys in `columns` order, text as UTF-8 (not \\u escapes)."""
    count = 0
    for row in rows:
        out.write(json.dumps({name: row[name] for name in columns}, ensure_ascii=False) + "\n")
        count += 1
    return count


WRITERS: dict[str, Callable[[Iterable[Row], TextIO, Sequence[str]], int]] = {
    "csv": write_csv,
    "jsonl": write_jsonl,
}
