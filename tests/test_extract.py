"""Extraction: a pure function from (HTML, URL) to an Article, checked on the real saved page."""

from __future__ import annotations

import re

import pytest

from core.clock import id_time
from crawler.extract import ExtractionError, extract_article
from crawler.htmlbody import html_to_text
from crawler.urls import Site

REAL_URL = "https://baotintuc.vn/the-gioi/ukraine-co-thu-tuong-moi-20260716171712046.htm"


@pytest.fixture(scope="module")
def real_page(shared_dir):
    path = shared_dir / "real-pages" / "article_the-gioi_ukraine-co-thu-tuong-moi-20260716171712046.html"
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def real(real_page):
    return extract_article(real_page, REAL_URL)


@pytest.mark.shared("real-pages")
def test_real_page_metadata_matches_sources_md(real):
    assert real.site_id == "20260716171712046"
    assert real.url == REAL_URL
    assert real.title == "Ukraine có Thủ tướng mới"
    assert real.published == "2026-07-16T17:17:00+07:00"
    assert real.modified == "2026-07-16T17:17:00+07:00"
    assert (real.category, real.category_url) == ("Thế giới", "https://baotintuc.vn/the-gioi-130ct0.htm")
    assert real.authors == ("Tâm Hằng",)
    assert real.agency == "TTXVN"
    assert real.tags == ("Ukraine", "Thủ tướng Ukraine", "Quốc hội Ukraine", "Serhiy Koretsky")
    assert real.sapo.startswith("Ngày 16/7, với 289 phiếu thuận")
    assert real.lead_image.startswith("https://cdnmedia.baotintuc.vn/Upload/")
    assert real.layout == "current"


@pytest.mark.shared("real-pages")
def test_real_page_body_is_divfirst_and_divend_only(real, real_page):
    from parsel import Selector

    page = Selector(text=real_page)
    expected = [
        " ".join(" ".join(p.css("::text").getall()).split())
        for p in page.css("#divfirst p, #divend p")
    ]
    paragraphs = real.body_text.split("\n\n")
    assert paragraphs[1:] == [p for p in expected if p]
    # The figure caption comes first, then nothing that is not article text.
    assert paragraphs[0] == "Toàn cảnh một phiên họp Quốc hội Ukraine ở Kiev. Ảnh tư liệu: AFP/TTXVN"
    for outside in ("gliacloud", "googletagmanager", "Phó Tư lệnh Không quân", "Sau nửa chặng", "Chia sẻ"):
        assert outside not in real.body_text and outside not in real.body_html
    assert "<script" not in real.body_html and "<noscript" not in real.body_html
    assert "style=" not in real.body_html


@pytest.mark.shared("real-pages")
def test_real_page_has_one_figure_with_caption(real):
    assert len(real.images) == 1
    image = real.images[0]
    assert image.url.endswith("/files/2023/05/30/ukraine-trung-phat-iran-3052023.jpg")
    assert image.caption.endswith("Ảnh tư liệu: AFP/TTXVN")


@pytest.mark.shared("real-pages")
def test_real_page_text_is_nfc_with_entities_decoded(real):
    import unicodedata

    for text in (real.title, real.sapo, real.body_text, *real.tags):
        assert unicodedata.is_normalized("NFC", text)
        assert not re.search(r"&[a-z]+;|&#\d+;", text)
    assert "Toàn cảnh" in real.body_text  # was "To&agrave;n" in the page


@pytest.mark.shared("real-pages")
def test_mirror_url_still_gives_the_canonical_url(real_page):
    mirror = Site("http://127.0.0.1:8123")
    article = extract_article(real_page, "http://127.0.0.1:8123/the-gioi/ukraine-co-thu-tuong-moi-20260716171712046.htm", site=mirror)
    assert article.url == REAL_URL


@pytest.mark.shared("real-pages")
def test_published_before_the_id_time_falls_back_to_the_id(real_page):
    page = real_page.replace("2026-07-16T17:17:00+07:00", "2001-01-01T00:00:00+07:00")
    page = page.replace("16/07/2026 17:17", "01/01/2001 00:00")
    article = extract_article(page, REAL_URL)
    assert article.published == "2026-07-16T17:17:12+07:00" == id_time(article.site_id).isoformat()


@pytest.mark.shared("real-pages")
def test_visible_date_is_used_when_meta_is_missing(real_page):
    page = re.sub(r'<meta[^>]*datePublished[^>]*>', "", real_page)
    page = page.replace('"datePublished": "2026-07-16T17:17:00+07:00",', "")
    page = page.replace("16/07/2026 17:17", "16/07/2026 17:19")
    assert extract_article(page, REAL_URL).published == "2026-07-16T17:19:00+07:00"


@pytest.mark.shared("real-pages")
def test_metadata_falls_back_to_meta_and_json_ld(real_page):
    page = re.sub(r'<h1 class="detail-title">.*?</h1>', "", real_page, flags=re.S)
    page = re.sub(r'<h2 class="sapo">.*?</h2>', "", page, flags=re.S)
    page = re.sub(r'<h4 class="cate">.*?</h4>', "", page, flags=re.S)
    article = extract_article(page, REAL_URL)
    assert article.title == "Ukraine có Thủ tướng mới"
    assert article.sapo.startswith("Ngày 16/7")
    assert (article.category, article.category_url) == ("Thế giới", "https://baotintuc.vn/the-gioi-130ct0.htm")


OLD_LAYOUT = """<html><head><title>Đà Nẵng ra quân dọn rác | baotintuc.vn</title>
<meta property="og:url" content="https://baotintuc.vn/dia-phuong/da-nang-ra-quan-don-rac-20190817214231406.htm"/>
</head><body><div class="newsdetail">
<h1 class="title">Đà Nẵng ra quân dọn rác</h1>
<div class="sharing"><span class="time">17/08/2019 21:50</span></div>
<h2 id="plhMain_NewsDetail1_divSapoLive" class="sapo">Hàng nghìn người tham gia.</h2>
<div id="plhMain_NewsDetail1_divContentLive"><p>Đoạn một.</p><script>x()</script><p>Đoạn hai.</p></div>
</div></body></html>"""


def test_old_layout_is_extracted_by_its_fallback_selectors():
    article = extract_article(OLD_LAYOUT, "https://baotintuc.vn/dia-phuong/da-nang-ra-quan-don-rac-20190817214231406.htm")
    assert article.title == "Đà Nẵng ra quân dọn rác"
    assert article.sapo == "Hàng nghìn người tham gia."
    assert article.body_text == "Đoạn một.\n\nĐoạn hai."
    assert article.published == "2019-08-17T21:50:00+07:00"
    assert article.layout == "old"


def test_unknown_template_falls_back_to_the_generic_extractor():
    paragraphs = "".join(
        f"<p>Đoạn văn thứ {i} của bài báo về môi trường, đủ dài để một trình trích xuất chung nhận ra"
        f" đây là nội dung chính của trang, không phải thanh điều hướng.</p>" for i in range(6)
    )
    page = (f"<html><head><title>Tin mới | baotintuc.vn</title></head><body><nav><a href='/'>Trang chủ</a></nav>"
            f"<main><article><h1>Tin mới</h1>{paragraphs}</article></main></body></html>")
    article = extract_article(page, "https://baotintuc.vn/xa-hoi/tin-moi-20240101080000000.htm")
    assert article.layout == "generic"
    assert article.title == "Tin mới"
    assert "Đoạn văn thứ 5" in article.body_text


@pytest.mark.parametrize(
    "page, reason",
    [
        ("", "no title"),
        ("<html><body><h1 class='detail-title'>Tiêu đề</h1></body></html>", "no body"),
        ("<html><head><title>x</title></head><body><p>", "no body"),
    ],
)
def test_pages_without_title_or_body_are_errors_not_empty_articles(page, reason):
    with pytest.raises(ExtractionError, match=reason):
        extract_article(page, "https://baotintuc.vn/xa-hoi/x-20240101080000000.htm")


@pytest.mark.shared("real-pages")
def test_a_truncated_page_still_yields_what_it_has(real_page):
    cut = real_page[: real_page.index('<div id="divend">') + 200]
    article = extract_article(cut, REAL_URL)
    assert article.title == "Ukraine có Thủ tướng mới"
    assert "Theo phóng viên TTXVN tại Đông Âu" in article.body_text


@pytest.mark.shared("real-pages")
def test_control_characters_never_reach_the_article(real_page):
    page = real_page.replace("Ukraine có Thủ tướng mới", "Ukraine có\x00 Thủ\x0b tướng mới")
    article = extract_article(page, REAL_URL)
    assert article.title == "Ukraine có Thủ tướng mới"


def test_lazy_images_are_resolved_and_relative_urls_made_absolute():
    page = """<html><body><h1 class="detail-title">T</h1><div class="boxdetail"><div class="contents">
    <div id="divfirst"><figure class="image"><img src="data:image/gif;base64,R0lGOD" data-src="/Upload/a.jpg">
    <figcaption>Chú thích</figcaption></figure><p>Nội dung <a href="/tags/x.htm" onclick="evil()">x</a></p></div>
    </div></div></body></html>"""
    article = extract_article(page, "https://baotintuc.vn/xa-hoi/t-20240101080000000.htm")
    assert article.images[0].url == "https://baotintuc.vn/Upload/a.jpg"
    assert 'href="https://baotintuc.vn/tags/x.htm"' in article.body_html
    assert "onclick" not in article.body_html


def test_html_to_text_keeps_paragraphs():
    assert html_to_text("<p>a  b</p><p></p><ul><li>c</li></ul>") == "a b\n\nc"
