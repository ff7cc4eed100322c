"""Rendering the web pages from templates: Jinja2, every value escaped, NFC out. Pure.

Why these settings: `autoescape` on for every template, so a title, summary, tag or matched
term from the store can never become markup (the pages insert no article HTML at all);
`StrictUndefined`, so a misspelt variable fails a test instead of printing nothing; the output
normalised to NFC, so Vietnamese reaches browsers, search engines and screen readers in one
spelling whatever the templates' editor wrote. Nothing here reads the clock: the same data
gives the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES = Path(__file__).parent / "templates"
STYLESHEET = "style.css"
# Published as they are, beside index.html: the one stylesheet and the icon every page links to.
STATIC = (STYLESHEET, "favicon.svg")


@functools.cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


def render(template: str, **context: Any) -> bytes:
    """A template rendered with `context`, as UTF-8 bytes in NFC."""
    text = environment().get_template(template).render(**context)
    return unicodedata.normalize("NFC", text).encode("utf-8")


def static_files() -> dict[str, bytes]:
    """The files every page links to (STATIC), by name, as they are published."""
    return {
        name: unicodedata.normalize("NFC", (TEMPLATES / name).read_text("utf-8")).encode("utf-8")
        for name in STATIC
    }


@functools.cache
def templates_digest() -> str:
    """A digest of every template: a changed template renders every page again."""
    digest = hashlib.sha256()
    for path in sorted(TEMPLATES.iterdir()):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
