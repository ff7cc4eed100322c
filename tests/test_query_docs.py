"""docs/schema.md stays true: every query and sqlite-utils line in it runs on a crawled store.

Each SQL statement of a ```sql block runs as pasted, through a read-only connection as a user's
sqlite3 would, and must return rows; each `sqlite-utils` line of a ```sh block runs in a shell
with data/tintuc.db pointing at the crawled store. A documented column or view must exist.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.e2e  # real crawls of the replica over HTTP, or the whole service

SCHEMA_DOC = REPO / "docs" / "schema.md"
SQLITE_UTILS = Path(sys.executable).with_name("sqlite-utils")


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", SCHEMA_DOC.read_text(encoding="utf-8"), re.S)


def sql_statements() -> list[str]:
    statements = []
    for block in code_blocks("sql"):
        current = ""
        for line in block.splitlines(keepends=True):
            current += line
            if sqlite3.complete_statement(current):
                statements.append(current.strip())
                current = ""
        assert not current.strip(), f"an unfinished statement in docs/schema.md: {current!r}"
    return statements


def sqlite_utils_lines() -> list[str]:
    return [line for block in code_blocks("sh") for line in block.splitlines()
            if line.startswith("sqlite-utils ")]


def title(statement: str) -> str:
    return statement.splitlines()[0].removeprefix("-- ")


@pytest.fixture(scope="module")
def conn(crawled_db):
    connection = sqlite3.connect(f"file:{crawled_db}?mode=ro", uri=True)
    yield connection
    connection.close()


def test_the_docs_have_a_dozen_queries_each_with_a_title():
    statements = sql_statements()
    assert len(statements) >= 12
    assert all(s.startswith("-- ") for s in statements)
    titles = " | ".join(title(s) for s in statements).lower()
    for question in ("per topic per month", "newest vietnam–japan", "without diacritics",
                     "with a tag", "why an article", "crawl history"):
        assert question in titles


@pytest.mark.parametrize("statement", sql_statements(), ids=title)
def test_every_documented_query_runs_and_returns_rows(conn, statement):
    assert conn.execute(statement).fetchall()


@pytest.mark.parametrize("line", sqlite_utils_lines())
def test_every_documented_sqlite_utils_line_runs(crawled_db, tmp_path, line):
    command = line.replace("sqlite-utils ", f"{SQLITE_UTILS} ", 1)
    command = command.replace("data/tintuc.db", str(crawled_db))
    result = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    output = result.stdout or "".join(p.read_text(encoding="utf-8") for p in tmp_path.iterdir())
    assert output.strip()


def test_every_table_view_and_column_is_documented(conn):
    doc = SCHEMA_DOC.read_text(encoding="utf-8")
    names = conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
        " AND name NOT LIKE 'articles_fts_%' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    for (name,) in names:
        section = doc.split(f"### `{name}`", 1)
        assert len(section) == 2, f"no section for {name}"
        body = section[1].split("\n### ", 1)[0]
        if name == "articles_fts":
            continue
        documented = set(re.findall(r"\w+", " ".join(re.findall(r"`([^`]*)`", body))))
        for (column,) in conn.execute("SELECT name FROM pragma_table_info(?)", [name]):
            assert column in documented, f"{name}.{column} is not documented"
