"""Which link goes first: what a link's text and place say about its target."""

from __future__ import annotations

import pytest

from crawler.classify import load_rules
from crawler.focus import memoised_topic_hint, priority, topic_hint
from crawler.urls import Kind


@pytest.fixture(scope="module")
def rules():
    return load_rules()


@pytest.mark.parametrize("text", [
    "Việt Nam và Nhật Bản đối thoại về chính sách môi trường",
    "Biến đổi khí hậu đe dọa Đồng bằng sông Cửu Long",
    "JICA hỗ trợ dự án xử lý nước thải",
    "ô nhiễm",  # a tag keyword
])
def test_anchor_texts_in_the_topics_vocabulary_hint_at_a_relevant_target(rules, text):
    assert topic_hint(text, rules) > 0


@pytest.mark.parametrize("text", [
    "Giá vàng hôm nay tăng mạnh",
    "Việt Nam",  # too weak alone on a Vietnamese site
    "Cải thiện môi trường kinh doanh",  # a topic word in another sense
    "Tích lũy kinh nghiệm",  # "lũ" only inside a longer word
    "",
])
def test_other_texts_give_no_hint(rules, text):
    assert topic_hint(text, rules) == 0


def test_a_stronger_text_hints_more(rules):
    assert topic_hint("Việt Nam – Nhật Bản hợp tác chống biến đổi khí hậu", rules) > topic_hint("Nhật Bản", rules)


def test_the_memoised_hint_gives_the_same_answers(rules):
    hint = memoised_topic_hint(rules)
    for text in ("Biến đổi khí hậu", "Giá vàng", "Biến đổi khí hậu"):
        assert hint(text) == topic_hint(text, rules)
    assert hint.cache_info().hits == 1


def test_priority_orders_links_by_kind_context_hint_and_depth():
    assert priority(Kind.RSS) > priority(Kind.ARTICLE) > priority(Kind.TAG) > priority(Kind.LISTING)
    assert priority(Kind.ARTICLE, context="related") > priority(Kind.ARTICLE, context="latest")
    assert priority(Kind.ARTICLE, hint=4.0) > priority(Kind.ARTICLE, hint=1.0) > priority(Kind.ARTICLE)
    assert priority(Kind.ARTICLE, from_relevant_page=False) < priority(Kind.ARTICLE)
    assert priority(Kind.LISTING, page=3) < priority(Kind.LISTING, page=2) < priority(Kind.LISTING)
    assert priority(Kind.ARTICLE, context="start") > priority(Kind.RSS_INDEX)
