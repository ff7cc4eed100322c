"""Turn a page's bytes into text when the site gets its charset wrong.

baotintuc.vn serves UTF-8, but pages have reached crawlers mislabelled, and Vietnamese sites
still meet windows-1258. UTF-8 is tried first whatever the label says (bytes that are not UTF-8
almost never decode as UTF-8 by accident), then the declared charset, then windows-1258.
"""

from __future__ import annotations

import codecs

VIETNAMESE_LEGACY = "cp1258"


def decode_page(body: bytes, declared: str | None = None) -> tuple[str, str]:
    """(text, encoding used). Never raises: the last resort replaces undecodable bytes."""
    for encoding in ("utf-8-sig", declared, VIETNAMESE_LEGACY):
        if not encoding or not _known(encoding):
            continue
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError:
            continue
        name = codecs.lookup(encoding).name
        return text, "utf-8" if name == "utf-8-sig" else name
    return body.decode("utf-8", errors="replace"), "utf-8"


def looks_truncated(text: str) -> bool:
    """An HTML page whose end never arrived: every page of the site closes its </html>."""
    return "</html>" not in text[-4096:].lower()


def _known(encoding: str) -> bool:
    try:
        codecs.lookup(encoding)
    except LookupError:
        return False
    return True
