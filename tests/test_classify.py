"""Topic classification: Vietnamese-aware, precise, and able to say why."""

from __future__ import annotations

import pytest

from core.model import Article
from crawler.classify import (
    RulesError,
    classify,
    count_phrase,
    load_rules,
    parse_rules,
    prepare_text,
    score_topic,
    words_of,
)


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def article(title="", sapo="", body="", tags=()):
    return Article(site_id="20240101080000000", url="https://baotintuc.vn/x/y-20240101080000000.htm",
                   title=title, sapo=sapo, body_text=body, body_html="", tags=tuple(tags))


def topics(rules, **fields):
    return {match.topic: match for match in classify(article(**fields), rules)}


@pytest.mark.shared("seed-article")
def test_the_start_article_belongs_to_both_topics(rules, shared_dir):
    lines = (shared_dir / "seed-article.txt").read_text(encoding="utf-8").splitlines()
    found = topics(rules, title="Việt Nam và Nhật Bản đối thoại về chính sách môi trường",
                   sapo=lines[0], body="\n\n".join(lines[1:-2]))
    assert set(found) == {"environment", "vietnam-japan"}
    assert "biến đổi khí hậu" in found["environment"].terms
    assert "việt nam và nhật bản" in found["vietnam-japan"].terms


def test_matches_carry_score_and_terms_strongest_first(rules):
    found = topics(rules, title="Ô nhiễm không khí ở Hà Nội", body="Bụi mịn PM2.5 tăng cao. Ô nhiễm không khí kéo dài.")
    match = found["environment"]
    assert match.score >= 6
    assert match.terms[0] == "ô nhiễm không khí"


@pytest.mark.parametrize("title", [
    "Cải thiện môi trường kinh doanh cho doanh nghiệp nhỏ",
    "Xây dựng môi trường học đường an toàn, thân thiện",
    "Bộ Tài nguyên và Môi trường hướng dẫn cấp sổ đỏ",
    "Cơn bão giá vàng chưa hạ nhiệt",
    "Lan tỏa năng lượng tích cực trong giới trẻ",
])
def test_topic_words_in_another_sense_do_not_match(rules, title):
    assert "environment" not in topics(rules, title=title, body=title + ". " + title)


@pytest.mark.parametrize("spelling", ["Việt Nam – Nhật Bản", "Việt Nam - Nhật Bản", "Việt-Nhật", "VIỆT – NHẬT"])
def test_dash_and_case_variants_match(rules, spelling):
    found = topics(rules, title=f"Hợp tác {spelling} bước sang giai đoạn mới",
                   body="Hai nước ký kết nhiều văn kiện. Nhật Bản là đối tác hàng đầu của Việt Nam.")
    assert "vietnam-japan" in found


def test_decomposed_unicode_matches_like_precomposed(rules):
    import unicodedata

    title = unicodedata.normalize("NFD", "Biến đổi khí hậu đe dọa đồng bằng, thiên tai gia tăng")
    assert "environment" in topics(rules, title=title, body=title)


def test_japan_only_news_is_not_vietnam_japan(rules):
    found = topics(rules, title="Nhật Bản bầu Thủ tướng mới",
                   body="Quốc hội Nhật Bản tại Tokyo đã bầu thủ tướng. Người Nhật kỳ vọng kinh tế Nhật Bản phục hồi.")
    assert "vietnam-japan" not in found


def test_football_against_japan_is_not_relations(rules):
    found = topics(rules, title="Đội tuyển Việt Nam gặp Nhật Bản ở vòng loại World Cup",
                   body="Trận đấu giữa Việt Nam và Nhật Bản diễn ra tối nay. HLV cho biết các cầu thủ sẵn sàng. "
                        "Thủ môn và tiền đạo Việt Nam tập luyện. Bóng đá Nhật Bản mạnh hơn.")
    assert "vietnam-japan" not in found


def test_whole_words_only(rules):
    # "bão" inside a word or "lũ" inside "lũy" must not count.
    assert topics(rules, title="Tích lũy kinh nghiệm", body="Tích lũy vốn. Lũy kế doanh thu.") == {}


def test_rules_errors_name_the_problem(tmp_path):
    with pytest.raises(RulesError, match="malformed"):
        parse_rules({"topics": {"x": {"terms": [{"phrases": ["a"]}]}}}, "bad.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[topics\n", encoding="utf-8")
    with pytest.raises(RulesError, match="broken.toml: not valid TOML"):
        load_rules(broken)


def test_fingerprint_changes_with_the_rules():
    base = {"topics": {"t": {"threshold": 1, "terms": [{"weight": 1, "phrases": ["a"]}]}}}
    other = {"topics": {"t": {"threshold": 2, "terms": [{"weight": 1, "phrases": ["a"]}]}}}
    assert parse_rules(base).fingerprint != parse_rules(other).fingerprint


@pytest.mark.parametrize(("text", "phrase", "limit", "expected"), [
    ("lũ lụt và lũ quét", "lũ", 5, 2),
    ("tích lũy vốn", "lũ", 5, 0),  # not inside a longer word, at its start…
    ("lũlụt", "lũ", 5, 0),  # …or at its end
    ("lũ, lũ; lũ. lũ", "lũ", 3, 3),  # counting stops at the limit
    ("nhật bản nhật bản", "nhật bản", 5, 2),
    ("việt nam - nhật bản", "nhật", 5, 1),
    ("pm2.5 tăng", "pm2.5", 5, 1),
    ("aaa", "aa", 5, 0),
])
def test_count_phrase_counts_whole_word_occurrences(text, phrase, limit, expected):
    assert count_phrase(text, phrase, limit) == expected


def test_a_term_does_not_match_across_an_ignored_phrase():
    rules = parse_rules({"topics": {"t": {
        "threshold": 1, "ignore": ["môi trường kinh doanh"],
        "terms": [{"weight": 1, "phrases": ["cải thiện tốt"]}],
    }}})
    assert classify(article(body="Cải thiện tốt"), rules)
    assert classify(article(body="Cải thiện môi trường kinh doanh tốt"), rules) == []


def test_narrowing_to_candidate_terms_changes_no_score(rules):
    # The word index only spares work: every term tried must give the same matches.
    texts = [
        "Việt Nam và Nhật Bản hợp tác ứng phó biến đổi khí hậu, giảm phát thải khí nhà kính",
        "Cải thiện môi trường kinh doanh; JICA tài trợ ODA cho dự án xử lý nước thải ở Hà Nội",
        "Bão số 3 gây lũ quét, sạt lở đất; ô nhiễm không khí PM2.5 ở mức nguy hại",
        "Đội tuyển Việt Nam thắng Nhật Bản; cơn bão giá vàng; Tích lũy vốn",
    ]
    for title in texts:
        for body in texts:
            headline, text = prepare_text(title), prepare_text(body)
            words = words_of(headline, text)
            for topic, terms in zip(rules.topics, rules.candidate_terms(words), strict=True):
                narrowed = score_topic(topic, headline, text, rules, terms, words)
                assert narrowed == score_topic(topic, headline, text, rules), (topic.name, title, body)


def test_a_phrase_without_a_word_is_a_rules_error():
    with pytest.raises(RulesError, match="without a word"):
        parse_rules({"topics": {"t": {"threshold": 1, "terms": [{"weight": 1, "phrases": ["-"]}]}}}, "r.toml")
