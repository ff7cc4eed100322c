"""`python -m tintuc …`, the same as the `tintuc` command."""

from tintuc.cli import cli

cli()
