"""What a person sees of one article on the web pages: a card, in Vietnamese. Pure, no I/O.

A card is made from the feed entry (feeds.entries), so the pages show exactly what the feeds
say: the same title, summary, section, tags and lead image, every text already cleaned (NFC, no
control characters). The templates escape all of it; nothing here is markup.

"Why it matched" is written for a reader, not for the rules' author: each topic with its score
and the phrases that matched, in quotes; a co-occurrence marker of the classifier such as
"[japan + vietnam]" becomes a sentence ("Nhật Bản và Việt Nam cùng được nhắc đến trong một câu").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from core.clock import VIETNAM_TZ
from feeds.entries import CATEGORY_SCHEME, TAG_SCHEME, Entry, Reason

ONE_LINE = 160  # characters of a summary on the index
# The groups of the packaged topic rules (crawler/topics.toml), as a reader names them.
GROUP_LABELS = {
    "japan": "Nhật Bản",
    "vietnam": "Việt Nam",
    "environment": "môi trường",
    "both": "cả hai bên",
}
_MARKER = re.compile(r"^\[([^\[\]]+)\]$")


@dataclass(frozen=True)
class Why:
    """One topic's reason, ready to read: "Môi trường (điểm 9,5): “ngập lụt”, “mưa lớn”"."""

    label: str
    score: str  # written the Vietnamese way: "9,5"
    phrases: tuple[str, ...]  # the rule phrases that matched, strongest first
    notes: tuple[str, ...]  # sentences for the classifier's markers


@dataclass(frozen=True)
class Card:
    """One article as the pages show it. Every text is plain (escaped by the templates)."""

    title: str
    url: str | None  # the original article (absolute http(s)), None when unknown
    published: str  # ISO 8601, Vietnam time: the <time datetime>
    date: str  # "03/12/2026 14:05"
    section: str
    tags: tuple[str, ...]
    image: str | None  # the lead image (absolute http(s)), None when the article has none
    summary: str
    reasons: tuple[Why, ...]


def card(entry: Entry, *, summary_limit: int | None = None) -> Card:
    """The card of a feed entry; `summary_limit` cuts the summary to one line (the index)."""
    local = entry.published.astimezone(VIETNAM_TZ)
    section = next((c.term for c in entry.categories if c.scheme == CATEGORY_SCHEME), "")
    return Card(
        title=entry.title,
        url=entry.link,
        published=local.isoformat(timespec="seconds"),
        date=vietnamese_date(local),
        section=section,
        tags=tuple(c.term for c in entry.categories if c.scheme == TAG_SCHEME),
        image=entry.enclosure.href if entry.enclosure else None,
        summary=cut(entry.summary, summary_limit) if summary_limit else entry.summary,
        reasons=tuple(why(reason) for reason in entry.reasons),
    )


def why(reason: Reason) -> Why:
    phrases = tuple(term for term in reason.terms if not _MARKER.match(term))
    notes = tuple(explain_marker(term) for term in reason.terms if _MARKER.match(term))
    return Why(reason.label, vietnamese_number(reason.score), phrases, notes)


def explain_marker(marker: str) -> str:
    """"[japan + vietnam]" → "Nhật Bản và Việt Nam cùng được nhắc đến trong một câu"."""
    found = _MARKER.match(marker)
    if found is None:
        return marker
    groups = [GROUP_LABELS.get(g.strip(), g.strip()) for g in found.group(1).split("+")]
    groups = [g for g in groups if g]
    if len(groups) < 2:
        return marker
    named = ", ".join(groups[:-1]) + " và " + groups[-1]
    return f"{named[0].upper()}{named[1:]} cùng được nhắc đến trong một câu"


def vietnamese_date(moment: datetime) -> str:
    """"03/12/2026 14:05": day first, 24-hour clock, as Vietnamese papers write it."""
    return moment.strftime("%d/%m/%Y %H:%M")


def vietnamese_number(value: float) -> str:
    """9.0 → "9", 12.5 → "12,5", 1234 → "1.234": decimal comma, dots between thousands."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def vietnamese_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def cut(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:.–-") + "…"
