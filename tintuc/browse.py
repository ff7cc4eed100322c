"""`tintuc browse`: Datasette over the store, with our metadata (descriptions, facets, queries).

Datasette is an optional extra (`pip install 'tintuc-feeds[browse]'`), so nothing here imports
it: we run it as `python -m datasette` in a child process. Datasette keys metadata by database
name, which is the file's stem; the metadata file names the default database (`tintuc`), so for
any other file a copy is written with the key renamed.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

# At the repository root, so `datasette data/tintuc.db -m datasette.yaml` works from a checkout.
METADATA_FILE = Path(__file__).resolve().parents[1] / "datasette.yaml"
DEFAULT_DATABASE = "tintuc"
INSTALL_HINT = (
    "Datasette is not installed; it is an optional extra: "
    "pip install 'tintuc-feeds[browse]' (in a checkout: .venv/bin/pip install -e '.[browse]')"
)


def datasette_installed() -> bool:
    return importlib.util.find_spec("datasette") is not None


def metadata_for(db_path: str | Path, metadata_path: str | Path = METADATA_FILE) -> dict[str, Any]:
    """The metadata with its database section under `db_path`'s database name.

    Reads YAML with PyYAML, which Datasette depends on (so it is there whenever Datasette is).
    """
    import yaml

    metadata = yaml.safe_load(Path(metadata_path).read_text(encoding="utf-8")) or {}
    databases = metadata.get("databases") or {}
    name = Path(db_path).stem
    if DEFAULT_DATABASE in databases and name != DEFAULT_DATABASE:
        databases = {**databases, name: databases[DEFAULT_DATABASE]}
        del databases[DEFAULT_DATABASE]
        metadata["databases"] = databases
    return metadata


def write_metadata(metadata: dict[str, Any], directory: Path) -> Path:
    """Write metadata as JSON (Datasette reads either) into `directory`; returns the file."""
    path = directory / "metadata.json"
    path.write_text(json.dumps(metadata, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def datasette_argv(
    db_path: str | Path,
    metadata_path: Path | None,
    *,
    host: str,
    port: int,
    open_browser: bool,
    extra: tuple[str, ...] = (),
) -> list[str]:
    """The command line that serves `db_path` (pure, so tests can read it)."""
    argv = [sys.executable, "-m", "datasette", "serve", str(db_path), "--host", host,
            "--port", str(port)]
    if metadata_path is not None:
        argv += ["--metadata", str(metadata_path)]
    if open_browser:
        argv.append("--open")
    return argv + list(extra)
