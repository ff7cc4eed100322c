"""The classifier's mechanisms, one by one, on short sentences written for these tests.

Each test states a rule of `crawler/topics.toml` (or of `crawler/classify.py`) as a reader of
Vietnamese news would: what makes an article about Vietnam–Japan relations or about the
environment, and what only looks like it.
"""

from __future__ import annotations

import pytest

from core.model import Article
from crawler.classify import (
    ProperNames,
    classify,
    explain,
    load_rules,
    parse_rules,
)


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def article(title="", sapo="", body="", tags=()):
    return Article(site_id="20250101080000000", url="https://baotintuc.vn/x/y-20250101080000000.htm",
                   title=title, sapo=sapo, body_text=body, body_html="", tags=tuple(tags))


def topics(rules, **fields):
    return {match.topic: match for match in classify(article(**fields), rules)}


def why(rules, topic, **fields):
    return next(e for e in explain(article(**fields), rules) if e.topic == topic)


# --- Vietnam–Japan: the two countries must meet ------------------------------------------------

def test_japan_and_vietnam_in_one_sentence_of_the_headline_make_the_relation(rules):
    found = topics(rules, title="Nhật Bản tài trợ xây cầu dân sinh ở Quảng Trị",
                   sapo="Dự án do Đại sứ quán bàn giao cho tỉnh sáng nay.")
    assert "vietnam-japan" in found
    assert "[japan + vietnam]" in found["vietnam-japan"].terms


def test_japan_in_the_title_and_vietnam_in_the_sapo_meet_in_the_headline(rules):
    assert "vietnam-japan" in topics(
        rules, title="Bộ trưởng Quốc phòng Nhật Bản đến Hà Nội",
        sapo="Chuyến thăm chính thức Việt Nam kéo dài ba ngày.")


def test_japan_news_that_names_vietnam_once_far_away_is_not_the_relation(rules):
    body = (
        "Quốc hội Nhật Bản thông qua ngân sách năm tới. Thủ tướng Nhật Bản nói kinh tế đang hồi phục. "
        "Người dân Tokyo lo giá gạo tăng. Ngân hàng trung ương Nhật Bản giữ lãi suất. "
        "Đồng yên tiếp tục yếu. Ở một tin khác, Việt Nam đón khách quốc tế tăng mạnh."
    )
    assert "vietnam-japan" not in topics(rules, title="Nhật Bản thông qua ngân sách kỷ lục", body=body)


def test_vietnam_in_a_share_too_small_of_the_sentences_about_japan_is_not_enough(rules):
    # Japan and a third country; Vietnam meets Japan in two sentences of eight.
    body = (
        "Nhật Bản và Ấn Độ ký thỏa thuận an ninh mới. Thủ tướng Nhật Bản gặp người đồng cấp tại Tokyo. "
        "Nhật Bản cam kết đầu tư vào hạ tầng Ấn Độ. Hai bên tập trận chung vào mùa thu. "
        "Nhật Bản sẽ chuyển giao công nghệ đường sắt cao tốc. Các doanh nghiệp Nhật Bản mở rộng sản xuất. "
        "Trước đó Nhật Bản cũng đã hợp tác với Việt Nam và Philippines về hàng hải. "
        "Các nước như Việt Nam theo dõi sát thỏa thuận của Nhật Bản."
    )
    explanation = why(rules, "vietnam-japan", title="Nhật Bản và Ấn Độ nâng tầm quan hệ", body=body)
    assert not explanation.matched
    assert "under the share" in explanation.note


def test_the_relation_named_outright_counts_even_in_a_short_body(rules):
    found = topics(rules, title="Mở thêm lớp tiếng Nhật cho điều dưỡng viên",
                   body="Việt Nam và Nhật Bản đã ký thỏa thuận tiếp nhận điều dưỡng viên. Khóa học kéo dài một năm.")
    assert "vietnam-japan" in found


@pytest.mark.parametrize(("title", "sapo"), [
    # people to people, culture, in RSS-length texts
    ("Sao Việt rủ nhau sang Nhật ngắm hoa anh đào", "Nhiều nghệ sĩ chọn xứ sở hoa anh đào cho kỳ nghỉ xuân."),
    ("Đại sứ Nhật Bản mặc áo dài, gói bánh chưng", "Ông cùng phu nhân đón năm mới theo phong tục của người Việt."),
    ("Tỉnh Yên Bái và tỉnh Tottori ký kết hợp tác giáo dục", ""),
])
def test_cultural_and_local_exchange_between_the_two_is_the_relation(rules, title, sapo):
    assert "vietnam-japan" in topics(rules, title=title, sapo=sapo)


def test_japan_paired_with_a_third_country_is_that_relation(rules):
    found = topics(rules, title="Mỹ và Nhật Bản ký thỏa thuận thuế quan", sapo="Việt Nam theo dõi sát diễn biến.",
                   body="Thuế suất giảm xuống 15%. Nhật Bản cam kết đầu tư vào Mỹ. Các hãng ô tô Nhật Bản hưởng lợi.")
    assert "vietnam-japan" not in found


def test_vietnamese_as_an_adjective_marks_vietnam(rules):
    assert "vietnam-japan" in topics(rules, title="Học bổng Chính phủ Nhật Bản dành cho sinh viên Việt")


def test_japan_must_be_in_the_headline(rules):
    explanation = why(rules, "vietnam-japan", title="Hà Nội khánh thành tuyến đường mới",
                      body="Công trình dùng vốn vay của Nhật Bản dành cho Việt Nam. Đường dài 5 km.")
    assert not explanation.matched
    assert "required in the headline: japan" in explanation.note


def test_a_japanese_embassy_is_vietnam_japan_only_when_it_is_the_one_in_vietnam(rules):
    assert "vietnam-japan" not in topics(rules, title="Đại sứ Nhật Bản tại Mỹ chỉ trích thuế quan mới")
    assert "vietnam-japan" in topics(rules, title="Đại sứ quán Nhật Bản tại Việt Nam mở cửa đón khách")


def test_a_japanese_agency_working_in_a_third_country_is_not_the_relation(rules):
    assert "vietnam-japan" not in topics(
        rules, title="JICA giúp Lào cải thiện cấp nước cho thủ đô Viêng Chăn",
        sapo="Cơ quan Hợp tác Quốc tế Nhật Bản ký thỏa thuận với chính quyền Lào.",
        body="Dự án phục vụ 100.000 hộ dân. JICA từng làm dự án tương tự ở Campuchia.")


# --- "Nhật" that is not Japan ------------------------------------------------------------------

@pytest.mark.parametrize(("title", "sapo"), [
    ("Tỷ phú Phạm Nhật Vượng rót thêm vốn cho VinFast", "Ông Phạm Nhật Vượng nói về xe điện ở Việt Nam."),
    ("Mua điện thoại cũ ở Nhật Tảo", "Chợ điện tử quen thuộc của người Sài Gòn vẫn đông khách."),
    ("Minh Nhật - Việt Hương song ca tại Hà Nội", "Hai ca sĩ biểu diễn trong đêm nhạc."),
    ("Đôi song ca Quang Việt - Nhật Minh ra mắt MV", "Hai ca sĩ trẻ của Việt Nam."),
    ("Tiêm vắc-xin viêm não Nhật Bản cho trẻ ở Việt Nam", "Hà Nội tiêm vắc-xin viêm não Nhật Bản cho trẻ dưới năm tuổi."),
    ("Người Việt Nam ngắm nhật thực sáng mai", ""),
    ("Ùn tắc trên cầu Nhật Tân, Hà Nội", "Cầu Nhật Tân kẹt xe từ sáng."),
])
def test_nhat_in_names_diseases_and_places_is_not_japan(rules, title, sapo):
    assert "vietnam-japan" not in topics(rules, title=title, sapo=sapo)


def test_a_proper_name_loses_its_topic_word_by_its_capitals():
    names = ProperNames(words=("Nhật",), keep=frozenset({"nhật bản"}))
    assert names.blank("Ông Phạm Nhật Vượng và Nhật Kim Anh") == "Ông Phạm | Vượng và | Kim Anh"
    assert names.blank("Nhật Bản và xe Nhật") == "Nhật Bản và xe Nhật"  # kept; not followed by a name
    assert names.blank("NHẬT BẢN") == "NHẬT BẢN"  # all capitals say nothing
    assert names.blank("Nhật Hợp tác") == "| Hợp tác"  # a capital and a lower-case letter: a name


def test_football_between_the_two_teams_is_not_the_relation(rules):
    assert "vietnam-japan" not in topics(
        rules, title="U23 Việt Nam hòa U23 Nhật Bản",
        body="Trận đấu diễn ra tại Hà Nội. Tiền đạo Việt Nam ghi bàn ở hiệp 2. HLV hài lòng với tỷ số.")


def test_together_is_parsed_and_checked():
    data = {"topics": {"t": {
        "threshold": 1,
        "together": {"groups": ["a", "b"], "weight": 2},
        "terms": [{"group": "a", "weight": 1, "phrases": ["sông"]}, {"group": "b", "weight": 1, "phrases": ["núi"]}],
    }}}
    rules = parse_rules(data)
    assert classify(article(body="Sông và núi. Cây."), rules)
    assert not classify(article(body="Sông chảy. Núi cao."), rules)  # never in one sentence
    data["topics"]["t"]["together"]["groups"] = ["a", "c"]
    with pytest.raises(ValueError, match="'together' needs two or more groups of its terms"):
        parse_rules(data)


def test_paragraphs_and_headline_fields_are_separate_sentences(rules):
    # Without a full stop, a new paragraph still starts a new sentence, and no phrase spans two.
    assert rules.prepare_body(article(body="Tin Nhật\n\nBản đồ")).startswith("tin nhật ¶")
    assert rules.prepare_headline(article(title="A", sapo="B", tags=("C", "D"))) == "a ¶ b ¶ c ; d"
    rules_ = parse_rules({"topics": {"t": {"threshold": 1, "terms": [{"weight": 1, "phrases": ["nhật bản"]}]}}})
    assert not classify(article(body="Tin Nhật\n\nBản đồ"), rules_)


# --- Environment -------------------------------------------------------------------------------

@pytest.mark.parametrize(("title", "sapo"), [
    ("Hà Nội nắng nóng kỷ lục, nhiệt độ vượt 41 độ C", ""),
    ("Tàu chìm, dầu tràn loang trên vùng biển Quảng Ngãi", ""),
    ("Hàng trăm bạn trẻ nhặt rác trên bãi biển Sầm Sơn", ""),
    ("Học sinh trồng cây xanh quanh trường", "Phong trào Tết trồng cây được phát động."),
    ("Vận hành cống ngăn mặn giữ ngọt cho đồng ruộng", ""),
    ("Khởi công điện gió ngoài khơi đầu tiên", ""),
    ("Động đất mạnh rung chuyển miền nam Philippines", ""),
    ("Núi lửa phun trào, hàng nghìn người sơ tán", ""),
    ("Cá chết trắng mặt hồ sau mưa lớn", ""),
    ("Bão Ragasa đổ bộ Hong Kong, hàng trăm cây đổ", ""),
    ("Ấn Độ: Sét đánh làm 20 người thiệt mạng", ""),
])
def test_rss_length_environment_news_is_recognised_from_title_and_summary(rules, title, sapo):
    assert "environment" in topics(rules, title=title, sapo=sapo)


def test_environment_must_show_in_the_headline(rules):
    body = ("Tuyến metro sẽ giảm ùn tắc giao thông. Dự án góp phần giảm ô nhiễm không khí và "
            "ứng phó biến đổi khí hậu. Khoản vay được ký hôm qua.")
    explanation = why(rules, "environment", title="Ký khoản vay cho tuyến metro số 2", body=body)
    assert not explanation.matched
    assert "required in the headline: environment" in explanation.note


@pytest.mark.parametrize(("title", "body"), [
    ("Cơn bão sa thải quét qua các hãng công nghệ", "Làn sóng cắt giảm nhân sự như một cơn bão chưa dừng lại."),
    ("MV mới gây bão mạng xã hội", "Ca sĩ trẻ gây bão với ca khúc mới."),
    ("Bão mặt trời mạnh nhất 20 năm", "Bão địa từ làm nhiễu sóng vô tuyến và GPS."),
    ("Nữ công nhân vệ sinh môi trường trả lại túi tiền", "Chị nhặt được túi xách khi đang quét rác."),
    ("Xây dựng hệ sinh thái khởi nghiệp đổi mới sáng tạo", "Thành phố hỗ trợ hệ sinh thái số cho doanh nghiệp."),
    ("Máy lọc không khí mới cho gia đình", "Máy lọc không khí loại bỏ bụi mịn trong phòng."),
    ("Phim về mưa lũ miền Trung hút khán giả", "Bộ phim có nhiều cảnh mưa lớn. Đạo diễn và diễn viên ra mắt khán giả."),
    ("Tàu hải cảnh phun vòi rồng trên Biển Đông", "Tàu hải cảnh dùng vòi rồng tấn công tàu cá."),
])
def test_weather_and_environment_words_in_other_senses_do_not_count(rules, title, body):
    assert "environment" not in topics(rules, title=title, body=body)


# --- The fast path agrees with the full tally --------------------------------------------------

@pytest.mark.parametrize("fields", [
    {"title": "Nhật Bản tài trợ xây cầu ở Quảng Trị", "body": "Việt Nam cảm ơn Nhật Bản."},
    {"title": "Giá vàng hôm nay", "body": "Nhật Bản và Việt Nam. Mưa lớn gây ngập."},
    {"title": "Mưa lớn gây ngập ở Hà Nội", "body": "Ngập sâu nhiều tuyến phố."},
    {"title": "", "body": ""},
])
def test_classify_keeps_exactly_the_matched_topics_of_explain(rules, fields):
    assert {m.topic for m in topics(rules, **fields).values()} == {
        e.topic for e in explain(article(**fields), rules) if e.matched
    }


def test_classify_agrees_with_explain_on_the_held_out_articles(rules):
    from replica import load_corpus
    from tests.test_classify_holdout import HOLDOUT, as_article

    for item in load_corpus(HOLDOUT).articles.values():
        found = {m.topic for m in classify(as_article(item), rules)}
        assert found == {e.topic for e in explain(as_article(item), rules) if e.matched}, item.id
        assert found == set(item.topics), item.id
