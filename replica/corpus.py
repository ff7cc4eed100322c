"""The replica site's content: categories and articles loaded from TOML into frozen dataclasses.

Why a corpus instead of generated text: the crawler's topic classifier is judged against ground
truth (``topics``), so every article is hand-written data under ``corpus/`` (format in
``corpus/README.md``). The start article's real text is not stored in the project: it is read at
run time from the shared ``seed-article.txt`` (see :func:`parse_seed_text`), and a stand-in of
the team's own writing, labelled as such in its corpus file, takes its place when that file is
absent (a clone of the repository on its own).

Everything here is plain data plus validation; rendering lives in ``render.py`` and HTTP in
``server.py``.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from core import urls as core_urls
from core.clock import VIETNAM_TZ

from . import shared

__all__ = [
    "Category",
    "CorpusError",
    "Corpus",
    "Figure",
    "ReplicaArticle",
    "SITE_ORIGIN",
    "VN_TZ",
    "default_categories_file",
    "default_corpus_dir",
    "load_categories",
    "load_corpus",
    "parse_seed_text",
]

# The real site's origin (canonical URLs always use it, whatever port the replica runs on) and
# its clock (every date is shown and published in Vietnam time): facts of the project's core, the
# one package the replica shares with the crawler.
SITE_ORIGIN = core_urls.SITE_ORIGIN
VN_TZ = VIETNAM_TZ

LAYOUTS = frozenset({"current", "old"})
TOPICS = frozenset({"environment", "vietnam-japan"})
MENUS = ("nav", "more", "none")

_HERE = Path(__file__).resolve().parent
_KEY_RE = re.compile(r"^(?P<slug>[A-Za-z0-9-]+?)-(?P<cat_id>\d+)ct(?P<parent_id>\d+)$")
_ID_RE = re.compile(r"^\d{17}$")
_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_BYLINE_RE = re.compile(r"^(?P<names>.*?)\s*\((?P<agency>[^()]*)\)\s*$")
_CAPTION_MARK = " Ảnh: "


class CorpusError(ValueError):
    """A corpus or categories file is missing, malformed or inconsistent (the message names it)."""


def default_corpus_dir() -> Path:
    """``replica/corpus``, next to this module."""
    return _HERE / "corpus"


def default_categories_file() -> Path:
    """``replica/categories.toml``, next to this module."""
    return _HERE / "categories.toml"


@dataclass(frozen=True)
class Category:
    """One section of the site, as in ``categories.toml``.

    ``key`` is the listing slug the site spells ``<slug>-<catId>ct<parentId>`` (listing URL
    ``/<key>.htm``); ``path`` is the first segment of article URLs, which may differ from it.
    ``aliases`` are other listing keys serving the same listing (the menu links the first);
    ``menu`` says where the menu shows it: ``nav`` (the bar), ``more`` (the "…" list), ``none``.
    """

    key: str
    name: str
    path: str
    parent: str = ""
    rss: bool = False
    aliases: tuple[str, ...] = ()
    menu: str = "nav"

    @property
    def _parts(self) -> re.Match[str]:
        match = _KEY_RE.match(self.key)
        if match is None:  # validated on load; a hand-made Category could still be wrong
            raise CorpusError(f"category key {self.key!r} is not <slug>-<catId>ct<parentId>")
        return match

    @property
    def slug(self) -> str:
        """The key without its ids, e.g. ``thoi-su`` (used in RSS URLs)."""
        return self._parts["slug"]

    @property
    def cat_id(self) -> int:
        return int(self._parts["cat_id"])

    @property
    def parent_id(self) -> int:
        return int(self._parts["parent_id"])

    @property
    def listing_path(self) -> str:
        return f"/{self.key}.htm"

    @property
    def rss_path(self) -> str:
        return f"/rss/{self.slug}-{self.cat_id}.rss"


class Figure(NamedTuple):
    """An image in the body: inserted after paragraph index ``after`` (-1: before the first)."""

    after: int
    file: str
    caption: str


@dataclass(frozen=True)
class ReplicaArticle:
    """One article of the replica site. ``topics`` is ground truth for classifier tests.

    Sequences given as lists are stored as tuples (and ``topics`` as a frozenset), so instances
    stay hashable and safe to share between server threads.
    """

    id: str
    slug: str
    category: Category
    title: str
    sapo: str
    paragraphs: tuple[str, ...]
    published: datetime
    modified: datetime | None = None
    figures: tuple[Figure, ...] = ()
    authors: tuple[str, ...] = ()
    agency: str = "TTXVN"
    tags: tuple[str, ...] = ()
    topics: frozenset[str] = field(default_factory=frozenset)
    layout: str = "current"
    note: str = ""
    stand_in: bool = False  # the body is the stand-in of its corpus file, not the real text

    def __post_init__(self) -> None:
        coerce = object.__setattr__
        coerce(self, "paragraphs", tuple(self.paragraphs))
        coerce(self, "figures", tuple(Figure(*f) for f in self.figures))
        coerce(self, "authors", tuple(self.authors))
        coerce(self, "tags", tuple(self.tags))
        coerce(self, "topics", frozenset(self.topics))
        coerce(self, "published", _aware(self.published))
        coerce(self, "modified", _aware(self.modified or self.published))
        _validate_article(self)

    @property
    def path(self) -> str:
        return f"/{self.category.path}/{self.slug}-{self.id}.htm"

    @property
    def canonical_url(self) -> str:
        return SITE_ORIGIN + self.path

    @property
    def last_modified(self) -> datetime:
        """``modified`` as a non-optional value (it defaults to ``published``)."""
        assert self.modified is not None
        return self.modified


@dataclass(frozen=True)
class Corpus:
    """Categories by key and articles by id, as loaded from disk."""

    categories: Mapping[str, Category]
    articles: Mapping[str, ReplicaArticle]


def load_corpus(
    corpus_dir: Path | str | None = None,
    shared_dir: Path | str | None = None,
    *,
    categories_file: Path | str | None = None,
) -> Corpus:
    """Load every ``<id>.toml`` of ``corpus_dir`` plus the categories.

    Raises:
        CorpusError: a file is malformed, names an unknown category, or repeats an id.
    """
    corpus_path = Path(corpus_dir) if corpus_dir is not None else default_corpus_dir()
    shared_path = Path(shared_dir) if shared_dir is not None else shared.shared_dir()
    categories = load_categories(categories_file or default_categories_file())
    articles: dict[str, ReplicaArticle] = {}
    for toml_file in sorted(corpus_path.glob("*.toml")):
        article = _load_article(toml_file, categories, shared_path)
        if article.id in articles:
            raise CorpusError(f"{toml_file}: duplicate id {article.id}")
        articles[article.id] = article
    return Corpus(categories=categories, articles=articles)


def load_categories(path: Path | str) -> dict[str, Category]:
    """Read ``categories.toml`` (``[[category]]`` tables) into Category objects by key."""
    data = _read_toml(Path(path))
    categories: dict[str, Category] = {}
    for entry in data.get("category", []):
        try:
            category = Category(
                key=entry["key"],
                name=_nfc(entry["name"]),
                path=entry["path"],
                parent=entry.get("parent", ""),
                rss=bool(entry.get("rss", False)),
                aliases=tuple(entry.get("aliases", ())),
                menu=entry.get("menu", "nav"),
            )
        except KeyError as exc:
            raise CorpusError(f"{path}: a [[category]] lacks {exc.args[0]!r}") from None
        for key in (category.key, *category.aliases):
            if not _KEY_RE.match(key):
                raise CorpusError(f"{path}: key {key!r} is not <slug>-<catId>ct<parentId>")
        if category.menu not in MENUS:
            raise CorpusError(f"{path}: {category.key}: menu {category.menu!r} not in {MENUS}")
        categories[category.key] = category
    for category in categories.values():
        if category.parent and category.parent not in categories:
            raise CorpusError(f"{path}: {category.key} has unknown parent {category.parent!r}")
    return categories


def parse_seed_text(text: str, image_files: Iterable[str]) -> dict[str, Any]:
    """Split ``seed-article.txt`` into article fields.

    Line 1 is the sapo; a line containing " Ảnh: " is a caption, placed where it stands (after
    the paragraphs read so far) and paired in order with ``image_files``; the line before the
    trailing URL is the byline "Name - Name (AGENCY)"; every other line is a paragraph.
    """
    lines = [_nfc(line.strip()) for line in text.splitlines() if line.strip()]
    if lines and lines[-1].startswith(("http://", "https://")):
        lines.pop()
    if len(lines) < 3:
        raise CorpusError("seed text needs a sapo, at least one paragraph and a byline")
    sapo, body, byline = lines[0], lines[1:-1], lines[-1]
    files = list(image_files)
    paragraphs: list[str] = []
    figures: list[Figure] = []
    for line in body:
        if _CAPTION_MARK in line:
            if len(figures) >= len(files):
                raise CorpusError(f"seed caption without an image file: {line[:40]!r}")
            figures.append(Figure(len(paragraphs) - 1, files[len(figures)], line))
        else:
            paragraphs.append(line)
    authors, agency = _parse_byline(byline)
    return {
        "sapo": sapo,
        "paragraphs": paragraphs,
        "figures": figures,
        "authors": authors,
        "agency": agency,
    }


def _parse_byline(byline: str) -> tuple[list[str], str]:
    match = _BYLINE_RE.match(byline)
    names, agency = (match["names"], match["agency"].strip()) if match else (byline, "")
    return [name.strip() for name in names.split(" - ") if name.strip()], agency


def _load_article(
    path: Path, categories: Mapping[str, Category], shared_dir: Path
) -> ReplicaArticle:
    data = _read_toml(path)
    try:
        fields = _article_fields(data, categories, shared_dir)
        article = ReplicaArticle(**fields)
    except CorpusError as exc:
        raise CorpusError(f"{path}: {exc}") from None
    except (KeyError, TypeError) as exc:
        raise CorpusError(f"{path}: missing or wrong field: {exc}") from None
    if path.stem != article.id:
        raise CorpusError(f"{path}: file name does not match id {article.id}")
    return article


def _article_fields(
    data: Mapping[str, Any], categories: Mapping[str, Category], shared_dir: Path
) -> dict[str, Any]:
    category_key = data["category"]
    if category_key not in categories:
        raise CorpusError(f"unknown category {category_key!r}")
    fields: dict[str, Any] = {
        "id": str(data["id"]),
        "slug": data["slug"],
        "category": categories[category_key],
        "title": _nfc(data["title"]),
        "published": _parse_datetime(data["published"]),
        "modified": _parse_datetime(data["modified"]) if "modified" in data else None,
        "tags": [_nfc(tag) for tag in data.get("tags", [])],
        "topics": data.get("topics", []),
        "layout": data.get("layout", "current"),
        "note": data.get("note", ""),
    }
    if "body_from" in data:
        fields.update(_shared_body(data, shared_dir))
    else:
        fields.update(_inline_body(data))
    return fields


def _shared_body(data: Mapping[str, Any], shared_dir: Path) -> dict[str, Any]:
    """The body read from the shared text named by ``body_from``, else the ``[stand_in]`` one."""
    seed = shared_dir / data["body_from"]
    try:
        text = seed.read_text(encoding="utf-8")
    except FileNotFoundError:
        if "stand_in" not in data:
            raise CorpusError(f"{seed} not found (set TINTUC_SHARED_DIR?)") from None
        return {**_inline_body(data["stand_in"]), "stand_in": True}
    except OSError as exc:
        raise CorpusError(f"cannot read {seed}: {exc}") from None
    return parse_seed_text(text, data.get("image_files", []))


def _inline_body(data: Mapping[str, Any]) -> dict[str, Any]:
    figures = [
        Figure(int(img["after"]), img["file"], _nfc(img.get("caption", "")))
        for img in data.get("images", [])
    ]
    return {
        "sapo": _nfc(data["sapo"]),
        "paragraphs": [_nfc(p) for p in data["paragraphs"]],
        "figures": figures,
        "authors": [_nfc(a) for a in data.get("authors", [])],
        "agency": data.get("agency", "TTXVN"),
    }


def _validate_article(article: ReplicaArticle) -> None:
    if not _ID_RE.match(article.id):
        raise CorpusError(f"id {article.id!r} is not 17 digits")
    if not _SLUG_RE.match(article.slug):
        raise CorpusError(f"slug {article.slug!r} is not lower-case ASCII words and hyphens")
    if article.layout not in LAYOUTS:
        raise CorpusError(f"layout {article.layout!r} is not one of {sorted(LAYOUTS)}")
    if not article.topics <= TOPICS:
        raise CorpusError(f"unknown topics {sorted(article.topics - TOPICS)}")
    for figure in article.figures:
        if not -1 <= figure.after < max(len(article.paragraphs), 1):
            raise CorpusError(f"image {figure.file!r}: after={figure.after} is out of range")


def _parse_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise CorpusError(f"bad date {value!r}: want ISO 8601 with offset") from None
    raise CorpusError(f"bad date {value!r}: want ISO 8601 with offset")


def _aware(value: datetime | None) -> datetime | None:
    """Attach Vietnam time to naive datetimes (the site's dates are local) and drop sub-seconds."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=VN_TZ)
    return value.replace(microsecond=0)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise CorpusError(f"cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CorpusError(f"{path}: invalid TOML: {exc}") from None


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
