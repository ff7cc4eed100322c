"""The operator's feed (`_health.atom`): one entry per crawl run that failed or looks wrong.

Rendered and checked like the readers' feeds (feeds.atom), so it is valid Atom too; the
scheduler decides which runs belong in it and publishes it (scheduler/health.py).
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Mapping, Sequence
from urllib.parse import urljoin

from core.clock import parse_time
from core.project import PROJECT_URL
from core.text import clean_line
from feeds import atom
from feeds.definitions import FEED_ID_NAMESPACE
from feeds.entries import EPOCH, Entry
from feeds.regenerate import feed_base_url
from storage import CrawlRun, FieldCoverage

HEALTH_FILE = "_health.atom"
STATUS_LABELS = {
    "failed": "thất bại",
    "interrupted": "bị ngắt",
    "ok": "bất thường",
    "running": "đang chạy",
}


def build_health_feed(
    runs: Sequence[CrawlRun], *, base_url: str, notes: Mapping[int, str] | None = None
) -> bytes:
    """An Atom document with one entry per run (newest first); raises ValueError if invalid.

    `notes` says, by run id, what looks wrong with a run that went through (a field alarm).
    """
    base = feed_base_url(base_url)
    notes = notes or {}
    entries = sorted((_entry(run, notes.get(run.id, "")) for run in runs), key=lambda e: e.sort_key, reverse=True)
    document = atom.FeedDocument(
        feed_id=f"urn:uuid:{uuid.uuid5(FEED_ID_NAMESPACE, HEALTH_FILE)}",
        title="Tình trạng thu thập | tintuc-feeds",
        subtitle="Các lượt thu thập thất bại, bị ngắt hoặc bất thường (dành cho người vận hành)",
        self_url=urljoin(base, HEALTH_FILE),
        alternate_url=base,
        entries=entries,
        author="tintuc-feeds",
        author_uri=PROJECT_URL,
    )
    data = atom.render(document)
    problems = atom.check_atom(data)
    if problems:
        raise ValueError(f"{HEALTH_FILE}: invalid Atom: {problems[0]}")
    return data


def _entry(run: CrawlRun, note: str) -> Entry:
    started = parse_time(run.started) or EPOCH
    finished = parse_time(run.finished or "") or started
    status = STATUS_LABELS.get(run.status, run.status)
    message = clean_line(run.message or note)
    facts = [
        ("Trạng thái", run.status),
        ("Bắt đầu", run.started),
        ("Kết thúc", run.finished or "—"),
        ("Nguồn", run.site_url),
        ("Trang đã tải", run.pages),
        ("304", run.not_modified),
        ("Bài mới", run.articles_new),
        ("Bài cập nhật", run.articles_updated),
        ("Lỗi tải", run.failures),
        ("Lỗi trích xuất", run.extraction_failures),
        ("Thông báo", message or "—"),
        *((f"Trường {name}", _coverage(counts)) for name, counts in run.fields.items() if counts.fallback or counts.missing),
    ]
    rows = "".join(f"<li>{html.escape(k)}: {html.escape(str(v))}</li>" for k, v in facts)
    return Entry(
        site_id=f"{run.id:012d}",
        id=f"urn:uuid:{uuid.uuid5(FEED_ID_NAMESPACE, f'run/{run.id}/{run.started}')}",
        title=f"Lượt thu thập #{run.id} {status}" + (f": {message[:120]}" if message else ""),
        link=None,
        published=started,
        updated=max(started, finished),
        authors=("tintuc-feeds",),
        summary="",
        content=f"<ul>{rows}</ul>",
        categories=(),
        enclosure=None,
    )


def _coverage(counts: FieldCoverage) -> str:
    return f"{counts.primary} từ nguồn chính, {counts.fallback} từ nguồn dự phòng, {counts.missing} thiếu"
