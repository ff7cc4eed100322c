"""Bylines become persons, agency and credit role: every shape the real site shows, and its kin."""

from __future__ import annotations

import pytest

from core.bylines import Byline, parse_byline


@pytest.mark.parametrize(
    ("byline", "persons", "agency", "role"),
    [
        # The five shapes seen on the real site (docs/site.md §5), names made up.
        ("Hoàng Nam (TTXVN)", ("Hoàng Nam",), "TTXVN", ""),
        ("Thu Trang – Văn Hải (TTXVN)", ("Thu Trang", "Văn Hải"), "TTXVN", ""),
        ("Tin, ảnh: Ngọc Hà (TTXVN)", ("Ngọc Hà",), "TTXVN", "Tin, ảnh"),
        ("Chùm ảnh, clip: Minh Quân/Báo Tin tức", ("Minh Quân",), "Báo Tin tức", "Chùm ảnh, clip"),
        ("TTXVN/Báo Tin tức và Dân tộc", (), "TTXVN/Báo Tin tức và Dân tộc", ""),
        # Their plausible kin.
        ("Bài và ảnh: Lan Anh (TTXVN)", ("Lan Anh",), "TTXVN", "Bài và ảnh"),
        ("Ảnh: Quang Huy/TTXVN", ("Quang Huy",), "TTXVN", "Ảnh"),
        ("Thanh Tùng - Phạm Tuân (TTXVN)", ("Thanh Tùng", "Phạm Tuân"), "TTXVN", ""),
        ("Mai Phương, Đức Anh, Bảo Ngọc (TTXVN)", ("Mai Phương", "Đức Anh", "Bảo Ngọc"), "TTXVN", ""),
        ("Hải Yến — Tuấn Minh/Báo Tin tức", ("Hải Yến", "Tuấn Minh"), "Báo Tin tức", ""),
        ("Nhóm PV Báo Tin tức", (), "Nhóm PV Báo Tin tức", ""),
        ("Theo Tân Hoa xã", (), "Tân Hoa xã", ""),
        ("Minh Đức", ("Minh Đức",), "", ""),
        ("  Tin, ảnh:   Ngọc\u00a0Hà  (TTXVN) ", ("Ngọc Hà",), "TTXVN", "Tin, ảnh"),
    ],
)
def test_a_byline_becomes_persons_agency_and_role(byline, persons, agency, role):
    parsed = parse_byline(byline)
    assert (parsed.persons, parsed.agency, parsed.role) == (persons, agency, role)
    assert parsed.raw == " ".join(byline.replace("\u00a0", " ").split())


def test_a_desk_credit_is_who_the_article_is_by_when_there_is_no_person():
    assert parse_byline("TTXVN/Báo Tin tức và Dân tộc").credit == ("TTXVN/Báo Tin tức và Dân tộc",)
    assert parse_byline("Tin, ảnh: Ngọc Hà (TTXVN)").credit == ("Ngọc Hà",)
    assert parse_byline("").credit == () and parse_byline(None) == Byline()


def test_a_role_is_only_credit_words_before_a_colon():
    # "Hà Nội:" is no role: the text before the colon is kept as it is.
    assert parse_byline("Hà Nội: Minh Đức").role == ""
