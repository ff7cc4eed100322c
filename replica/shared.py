"""The team's shared material: evidence kept beside the repository, never inside it.

Real saved pages of baotintuc.vn with the fields each must yield, real Vietnamese prose labelled by
topic, the RFC 4287 RELAX NG schema and the start article's text live in a folder shared by the
team: ``$TINTUC_SHARED_DIR``, else ``../shared`` next to the repository. Their text is not ours to
copy, so the project reads it at run time when it is there, and works without it: the replica
gives the start article a stand-in body (``corpus/20211124202628584.toml``), the benchmarks leave
out the rows that need it, and the tests that need it skip, in one line that names what is
missing, unless ``TINTUC_REQUIRE_SHARED=1`` (CI) makes its absence an error.
"""

from __future__ import annotations

import os
from pathlib import Path

SHARED_DIR_ENV = "TINTUC_SHARED_DIR"
REQUIRE_ENV = "TINTUC_REQUIRE_SHARED"

# What each piece of material is called in test markers and messages, and where it lies.
MATERIAL = {
    "real-pages": "real-pages/SOURCES.md",
    "real-texts": "real-texts/articles.jsonl",
    "schemas": "schemas/atom.rng",
    "seed-article": "seed-article.txt",
}


def shared_dir() -> Path:
    """The shared folder: ``$TINTUC_SHARED_DIR``, else ``<repository>/../shared``."""
    configured = os.environ.get(SHARED_DIR_ENV)
    if configured:
        return Path(configured)
    return (Path(__file__).resolve().parents[1] / ".." / "shared").resolve()


def material(name: str) -> Path:
    """The path of one piece of material (``MATERIAL``'s keys), whether or not it exists."""
    if name not in MATERIAL:
        raise KeyError(f"unknown shared material {name!r} (known: {', '.join(MATERIAL)})")
    return shared_dir() / MATERIAL[name]


def missing(names: list[str] | tuple[str, ...] | None = None) -> list[str]:
    """Which of `names` (default: all material) cannot be found, in `MATERIAL` order."""
    wanted = MATERIAL if names is None else names
    return [name for name in MATERIAL if name in wanted and not material(name).is_file()]


def required() -> bool:
    """Whether missing material is an error rather than a reason to skip (CI sets it)."""
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0")
