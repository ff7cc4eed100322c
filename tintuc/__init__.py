"""The `tintuc` command line: every command of tintuc-feeds, a thin layer over the library.

`tintuc.cli.cli` is the click group (the console script); each command module parses options,
calls one library verb and reports. Nothing below this package imports it (pyproject.toml's
import-linter contract).
"""

from core.project import VERSION as __version__

__all__ = ["__version__"]
