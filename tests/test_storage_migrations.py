"""Migrations of stores already in use: what they keep, what they re-derive, what they refuse."""

from __future__ import annotations

import json
import sqlite3

from core.bylines import parse_byline
from core.model import Article, Image, content_hash
from storage import Store
from storage.schema import MIGRATIONS, VERSION, split_statements

# Bylines as the parser before schema 4 stored them: names split on " - " and commas, the
# agency from the parentheses (the table of issue #13).
OLD_BYLINES = {
    "20250713204911331": (["Tin", "ảnh: Đậu Tất Thành"], "TTXVN"),
    "20250711215257577": (["Chùm ảnh", "clip: Lưu Niệm/Báo Tin tức"], ""),
    "20250711140623717": (["Lê Sen – Hồng Phát"], "TTXVN"),
    "20250711183753778": (["TTXVN/Báo Tin tức và Dân tộc"], ""),
    "20211124202628584": (["Thanh Tùng", "Phạm Tuân"], "TTXVN"),
}
EXPECTED = {
    "20250713204911331": (["Đậu Tất Thành"], "TTXVN", "Tin, ảnh"),
    "20250711215257577": (["Lưu Niệm"], "Báo Tin tức", "Chùm ảnh, clip"),
    "20250711140623717": (["Lê Sen", "Hồng Phát"], "TTXVN", ""),
    "20250711183753778": ([], "TTXVN/Báo Tin tức và Dân tộc", ""),
    "20211124202628584": (["Thanh Tùng", "Phạm Tuân"], "TTXVN", ""),
}


def version_3_store(path, bylines) -> None:
    """A store as schema 3 made it, with articles saved the way the old code saved them."""
    conn = sqlite3.connect(path, isolation_level=None)
    for version in range(3):
        for statement in split_statements(MIGRATIONS[version]):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 3")
    for site_id, (authors, agency) in bylines.items():
        conn.execute(
            "INSERT INTO articles (site_id, url, title, body_text, body_html, authors, agency, published,"
            " modified, content_hash, first_seen, updated, last_fetched) VALUES"
            " (?, ?, 'Tiêu đề', 'Thân bài.', '<p>Thân bài.</p>', ?, ?, '2025-07-13T20:50:00+07:00',"
            " '2025-07-13T20:50:00+07:00', 'v1:old', '2025-07-14T00:00:00+00:00',"
            " '2025-07-14T00:00:00+00:00', '2025-07-14T00:00:00+00:00')",
            [site_id, f"https://baotintuc.vn/x/y-{site_id}.htm", json.dumps(authors, ensure_ascii=False), agency],
        )
        conn.execute("INSERT INTO article_tags (site_id, position, tag) VALUES (?, 0, 'tai nạn')", [site_id])
        conn.execute("INSERT INTO article_images (site_id, position, url, caption) VALUES (?, 0, 'https://a/b.jpg', 'Ảnh')",
                     [site_id])
    conn.close()


def test_version_4_reparses_the_stored_bylines_without_fetching(tmp_path):
    path = tmp_path / "v3.db"
    version_3_store(path, OLD_BYLINES)
    with Store.open(path) as store:
        assert store.schema_version == VERSION >= 4
        for site_id, (persons, agency, role) in EXPECTED.items():
            row = store.article(site_id)
            assert (row["authors"], row["agency"], row["credit_role"]) == (persons, agency, role), site_id
            assert parse_byline(row["byline"]).persons == tuple(persons)


def test_version_4_rehashes_so_an_unchanged_page_is_not_an_update(tmp_path):
    # After the migration, the same page extracted by the new parser hashes like the stored row:
    # a re-check of an unchanged article must not mark it updated for readers.
    path = tmp_path / "v3.db"
    version_3_store(path, OLD_BYLINES)
    with Store.open(path) as store:
        for site_id, (persons, agency, role) in EXPECTED.items():
            row = store.article(site_id)
            extracted = Article(
                site_id=site_id, url=row["url"], title="Tiêu đề", body_text="Thân bài.",
                body_html="<p>Thân bài.</p>", authors=tuple(persons), agency=agency, credit_role=role,
                byline="(as the page writes it)", tags=("tai nạn",), published=row["published"],
                modified=row["modified"], images=(Image("https://a/b.jpg", "Ảnh"),),
            )
            assert row["content_hash"] == content_hash(extracted), site_id
