"""Vietnamese text helpers shared by extraction, classification and storage.

Vietnamese has two Unicode spellings of most letters (precomposed and combining), several
dashes between names ("Việt - Nhật", "Việt – Nhật", "Việt-Nhật") and a letter, đ, that no
Unicode decomposition turns into d. Every comparison in this project goes through these
functions so that all parts agree on what "the same text" means.
"""

from __future__ import annotations

import re
import unicodedata

# XML 1.0 allows #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
_XML_FORBIDDEN = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_DASH_RE = re.compile(f"[{DASHES}]")


def strip_xml_forbidden(text: str) -> str:
    """Remove characters XML 1.0 cannot carry (NUL, most C0 controls, lone surrogates)."""
    return _XML_FORBIDDEN.sub("", text)


def clean_text(text: str | None) -> str:
    """NFC, no forbidden characters, runs of spaces collapsed, ends stripped.

    Newlines survive (collapsed to single paragraph breaks) so body text keeps its paragraphs.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFC", strip_xml_forbidden(text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def clean_line(text: str | None) -> str:
    """`clean_text` on one line: every whitespace run, newlines included, becomes one space."""
    return " ".join(clean_text(text).split())


def fold(text: str) -> str:
    """Lower-case, diacritic-free, đ→d, dashes unified: "Đường Nhật Bản" → "duong nhat ban".

    Used for search and matching where users type without tone marks. It loses information
    (tones tell words apart), so it is kept beside the exact text, never instead of it.
    """
    text = unicodedata.normalize("NFD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("đ", "d").replace("ð", "d")
    return unicodedata.normalize("NFC", _DASH_RE.sub("-", text))


def normalize_for_match(text: str) -> str:
    """Case-folded NFC with dashes unified and whitespace collapsed; keeps diacritics."""
    text = unicodedata.normalize("NFC", text).casefold()
    return " ".join(_DASH_RE.sub("-", text).split())
