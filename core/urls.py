"""What counts as a web URL, and the site's public name: facts every layer needs.

What a URL of the site *means* (article, listing, tag page…) is the crawler's knowledge, in
crawler/urls.py.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from core.text import strip_xml_forbidden

SITE_ORIGIN = "https://baotintuc.vn"  # the site's public origin: every stored URL starts with it
SITE_NAME = "baotintuc.vn"

_UNSAFE = re.compile(r"[\s<>\"]")


def is_web_url(value: object, *, strict: bool = True) -> bool:
    """An absolute http(s) URL with a host.

    Strict (the default, for the links we write ourselves): also safe to put in an attribute or
    a feed as it is, with no white space, no `<`, `>` or `"` and no character XML forbids. Not
    strict (for URLs inside an article's own HTML, already escaped by the sanitiser): the scheme
    and the host are all that matter.
    """
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    return not strict or (not _UNSAFE.search(value) and value == strip_xml_forbidden(value))
