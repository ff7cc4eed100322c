"""Bylines of Vietnamese news: who wrote an article, for which outlet, in what role.

A byline is the credit line under an article (docs/site.md §5). It takes a handful of shapes:

    Quốc Dũng (TTXVN)                      a reporter, the agency in parentheses
    Lê Sen – Hồng Phát (TTXVN)             several reporters, separated by dashes or commas
    Tin, ảnh: Đậu Tất Thành (TTXVN)        a credit role before a colon
    Chùm ảnh, clip: Lưu Niệm/Báo Tin tức   the outlet after a slash
    TTXVN/Báo Tin tức và Dân tộc           a desk credit: outlets only, no person

`parse_byline` turns any of them into persons, agency and role. Pure text, no markup: it is used
both when a page is extracted and when a store re-parses the bylines it kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.text import DASHES, clean_line

# Words a credit role is made of ("Tin, ảnh", "Bài và ảnh", "Chùm ảnh, clip", "Đồ họa"…).
ROLE_WORDS = frozenset(
    "tin bài ảnh và clip video chùm đồ họa hoạ thực hiện trình bày phóng sự ký ghi chép "
    "infographic thiết kế dựng quay biên tập nhóm".split()
)
# What starts the name of an outlet or a desk ("Nhóm PV…") rather than of a person.
OUTLET_PREFIXES = (
    "ttxvn", "báo ", "tạp chí ", "đài ", "thông tấn", "vna", "vietnam+", "vietnamplus", "kênh ",
    "truyền hình ", "cổng thông tin ", "trung tâm ", "ban ", "tòa soạn", "nhóm ",
)
_PARENTHESES = re.compile(r"\(([^()]*)\)")
_PERSON_SEPARATOR = re.compile(rf"\s*[,;]\s*|\s+[-{DASHES}]\s+")


@dataclass(frozen=True)
class Byline:
    persons: tuple[str, ...] = ()
    agency: str = ""  # the outlets credited, "/"-joined as the site writes them
    role: str = ""  # the credit role before a colon ("Tin, ảnh"), if any
    raw: str = ""  # the byline as the page showed it

    @property
    def credit(self) -> tuple[str, ...]:
        """Who an article is by, for a reader: its persons, else the desk credit (agency)."""
        return self.persons or ((self.agency,) if self.agency else ())


def is_outlet(name: str) -> bool:
    return clean_line(name).casefold().startswith(OUTLET_PREFIXES)


def parse_byline(text: str | None) -> Byline:
    """Persons, agency and role of a byline (see the module docstring); an empty Byline for ""."""
    raw = clean_line(text)
    rest, outlets = raw, []
    for inner in _PARENTHESES.findall(rest):  # "(TTXVN)"
        outlets += [part for part in _split_outlets(inner) if part]
    rest = clean_line(_PARENTHESES.sub(" ", rest))
    role = ""
    head, colon, tail = rest.partition(":")
    if colon and _is_role(head):
        role, rest = clean_line(head), clean_line(tail)
    persons: list[str] = []
    for part in (p for p in _PERSON_SEPARATOR.split(rest) if p and p.strip()):
        name, *after_slash = (clean_line(piece) for piece in part.split("/"))
        if name.casefold().startswith("theo "):  # "Theo Tân Hoa xã": a source, not a writer
            name, after_slash = "", [name[len("theo "):], *after_slash]
        if is_outlet(name):  # "TTXVN/Báo Tin tức…": all of it is outlets
            outlets += [piece for piece in (name, *after_slash) if piece]
            continue
        if name:
            persons.append(name)
        outlets += [piece for piece in after_slash if piece]
    return Byline(
        persons=tuple(dict.fromkeys(persons)),
        agency="/".join(dict.fromkeys(outlets)),
        role=role,
        raw=raw,
    )


def _is_role(text: str) -> bool:
    words = re.findall(r"\w+", text.casefold())
    return bool(words) and len(words) <= 5 and all(word in ROLE_WORDS for word in words)


def _split_outlets(text: str) -> list[str]:
    return [clean_line(piece) for piece in text.split("/")]
