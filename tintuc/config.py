"""The configuration file: TOML shaped like the command tree.

Each command reads its option defaults from the section of its name (`[crawl]`, `[feeds]`,
`[serve]`, `[run]`…), after the shared `[defaults]` section; command-line options and
environment variables still win. Feed definitions are the `[[feed]]` tables. Every setting
and its default is documented in the README.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """The configuration file cannot be used; the message names the file and the problem."""


def load_config(path: str | Path | None) -> dict[str, Any]:
    """The parsed file, or {} when no file is given."""
    if not path:
        return {}
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the configuration ({error.strerror})") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from error


def default_map(config: dict[str, Any], commands: list[str]) -> dict[str, dict[str, Any]]:
    """click's default_map: per command, `[defaults]` overlaid with the command's own section.

    Keys are option names as written in the file (`site_url`, `max_pages`, `db`…).
    """
    shared = config.get("defaults", {})
    if not isinstance(shared, dict):
        raise ConfigError("[defaults] must be a table")
    result = {}
    for command in commands:
        section = config.get(command, {})
        if not isinstance(section, dict):
            raise ConfigError(f"[{command}] must be a table")
        result[command] = {key.replace("-", "_"): value for key, value in {**shared, **section}.items()}
    return result
