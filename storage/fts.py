"""Full-text search glue: user queries to FTS5 MATCH expressions, folded snippets to Vietnamese.

Pure functions, no SQL execution. Search runs on `search_folded` (title, sapo and body folded by
`core.text.fold`: no diacritics, đ→d), so the query is folded the same way and "nhat ban",
"Nhật Bản" and "NHẬT BẢN" all find "Nhật Bản"; no tokenizer folds đ, hence the extra column.
FTS5's snippet() can only cut from the column it matched, the folded one; `restore_snippet`
maps that cut back onto the original text, so people read "Nhật Bản", not "nhat ban".
"""

from __future__ import annotations

import re

from core.text import fold
from storage.errors import SearchQueryError

# Marks snippet() puts around matches. XML 1.0 forbids these characters and the extractor strips
# them (core.text.strip_xml_forbidden), so they never occur in stored text.
HIT_START, HIT_END = "\x02", "\x03"
ELLIPSIS = "…"
_TERM = re.compile(r'"([^"]*)"|(\S+)')
_FTS_OPERATORS = re.compile(r"\b(AND|OR|NOT|NEAR)\b")


def folded_text(title: str, sapo: str, body_text: str) -> str:
    """What `articles.search_folded` holds: title, sapo and body, folded (no diacritics, đ→d)."""
    return fold(folded_source(title, sapo, body_text))


def fts_match_expression(query: str) -> str:
    """The FTS5 MATCH argument for a user query: folded like the indexed copy, operators kept.

    Folding lower-cases, which would turn the operators AND/OR/NOT/NEAR into plain words; they
    are split out first and kept as written.
    """
    parts = _FTS_OPERATORS.split(query)
    folded = "".join(part if _FTS_OPERATORS.fullmatch(part) else fold(part) for part in parts)
    return "{search_folded}: (" + folded + ")"


def simple_match(query: str) -> str:
    """A MATCH expression that needs no FTS5 knowledge: every word must occur, in any order.

    "Quoted words" must occur together, as a phrase; a trailing * makes a prefix (`bien*`).
    Every word becomes an FTS5 string, so `COP26`, `khí-hậu` (the phrase "khi hau"), `AND` or
    a stray quote are searched for as written instead of being parsed as syntax.

    Vietnamese writes a word's syllables apart ("Nhật Bản", "biến đổi khí hậu"), so the plain
    words are also tried as one phrase, OR-ed in: that matches no more articles, but ranks
    those with the words side by side first ("nhat ban": Japan before "ủy ban" + "Nhật").
    """
    terms, plain = [], []
    for match in _TERM.finditer(query):
        phrase, word = match.group(1), match.group(2)
        text = phrase if phrase is not None else word.replace('"', "")
        prefix = phrase is None and text.endswith("*")
        folded = fold(text.rstrip("*") if prefix else text)
        if not any(ch.isalnum() for ch in folded):
            continue  # punctuation alone tokenizes to nothing and would match nothing
        terms.append(_fts_string(folded) + (" *" if prefix else ""))
        if phrase is None and not prefix:
            plain.append(folded)
    if not terms:
        raise SearchQueryError(f"nothing to search for in {query!r}: type some words")
    every = " ".join(terms)
    if len(plain) > 1:
        every = f"{_fts_string(' '.join(plain))} OR ({every})"
    return "{search_folded}: (" + every + ")"


def _fts_string(text: str) -> str:
    """An FTS5 string: tokenized as a phrase, never parsed as syntax."""
    return '"' + text.replace('"', '""') + '"'


def raw_match(query: str) -> str:
    """A MATCH expression from FTS5 syntax (AND OR NOT, NEAR(), "phrases", prefix*, brackets).

    Words are folded like the indexed text, operators kept (the same rule as feed definitions).
    """
    if not query.strip():
        raise SearchQueryError("nothing to search for: the query is empty")
    return fts_match_expression(query)


def folded_source(title: str, sapo: str, body_text: str) -> str:
    """The text `search_folded` is folded from (see `folded_text`)."""
    return "\n".join([title, sapo, body_text])


def restore_snippet(snippet: str, original: str, start: str, end: str) -> str:
    """Map a snippet cut from fold(original) back onto `original`, marking hits with start/end.

    `snippet` is snippet() output over the folded column, hits between HIT_START and HIT_END and
    an ELLIPSIS where it cuts the text. Folding maps each original character to its own folded
    characters, so positions carry over; if the text does not line up (a row folded by another
    version of `fold`), the folded snippet is returned with the new marks instead.
    """
    folded, starts, ends = _fold_map(original)
    lead = snippet.startswith(ELLIPSIS)
    trail = snippet.endswith(ELLIPSIS) and len(snippet) > 1
    body = snippet[len(ELLIPSIS) if lead else 0 : len(snippet) - len(ELLIPSIS) if trail else None]
    plain = body.replace(HIT_START, "").replace(HIT_END, "")
    offset = folded.find(plain)
    if not plain or offset < 0:
        return _tidy(snippet.replace(HIT_START, start).replace(HIT_END, end))
    out: list[str] = []
    cursor, position = starts[offset], offset  # cursor: in original; position: in folded
    for ch in body:
        if ch not in (HIT_START, HIT_END):
            position += 1
            continue
        if ch == HIT_START:  # the hit opens where the next folded character came from
            target = starts[position] if position < len(starts) else len(original)
        else:  # it closes after the character the last folded one came from
            target = ends[position - 1] if position > 0 else 0
        target = max(cursor, target)
        out += [original[cursor:target], start if ch == HIT_START else end]
        cursor = target
    out.append(original[cursor : ends[offset + len(plain) - 1]])
    return _tidy((ELLIPSIS if lead else "") + "".join(out) + (ELLIPSIS if trail else ""))


def _fold_map(original: str) -> tuple[str, list[int], list[int]]:
    """fold(original) and, per folded character, where its original character starts and ends.

    A character folding to nothing (a combining mark in decomposed text) extends the end of the
    character before it, so a hit keeps its marks.
    """
    folded: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, ch in enumerate(original):
        piece = fold(ch)
        if not piece and ends:
            ends[-1] = index + 1
        folded.append(piece)
        starts.extend([index] * len(piece))
        ends.extend([index + 1] * len(piece))
    return "".join(folded), starts, ends


def _tidy(text: str) -> str:
    """One line: the title, lead and paragraphs run on, separated by single spaces."""
    return " ".join(text.split())
