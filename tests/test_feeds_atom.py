"""Atom documents from hand-made stores: every field, and hostile or broken articles.

Each hostile case goes through the whole path (store → generate → published file) and the
result must be valid (RELAX NG, Schematron rules, feedparser) and safe (no active content, every
URL absolute http(s)).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import lxml.etree
import pytest

from core.model import TopicMatch
from crawler.classify import load_rules
from feeds import generate, load_definitions
from feeds.atom import check_atom
from feeds.sanitize import MAX_CONTENT_CHARS
from storage import Store
from tests.feeds_support import (
    ATOM,
    BOTH,
    T0,
    assert_safe_content,
    assert_valid_atom,
    entries_by_id,
    make_article,
    save,
)

BASE = "https://feeds.example.org/tintuc/"
DEFINITIONS, _ = load_definitions(None, load_rules())
ARTICLE_ID = "20261101150000123"
TAG_ID = "tag:baotintuc.vn,2026-11-01:20261101150000123"


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "t.db") as opened:
        yield opened


def build(store, tmp_path, slug="moi-truong", now=None) -> bytes:
    report = generate(store, DEFINITIONS, tmp_path / "out", base_url=BASE, now=now)
    assert report.ok, report.errors
    data = (tmp_path / "out" / f"{slug}.atom").read_bytes()
    assert check_atom(data) == []
    return data


def only_entry(data: bytes) -> lxml.etree._Element:
    [entry] = lxml.etree.fromstring(data).findall(f"{ATOM}entry")
    return entry


# -- the feed ------------------------------------------------------------------------------------


@pytest.mark.shared("schemas")
def test_the_feed_has_every_required_element(store, tmp_path):
    save(store, make_article())
    data = build(store, tmp_path)
    parsed = assert_valid_atom(data)
    root = lxml.etree.fromstring(data)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "vi"
    assert parsed.feed.title == "Môi trường | baotintuc.vn"
    assert parsed.feed.subtitle.startswith("Bài viết của baotintuc.vn về chủ đề Môi trường")
    assert parsed.feed.id.startswith("urn:uuid:")
    links = {link.rel: link.href for link in parsed.feed.links}
    assert links["self"] == BASE + "moi-truong.atom"
    assert links["alternate"] == BASE + "moi-truong/"  # its web page, with the same entries
    assert links["related"] == "https://baotintuc.vn/"  # the site
    assert parsed.feed.icon.startswith("https://")
    assert root.findtext(f"{ATOM}updated") == "2026-11-01T15:00:00+07:00"  # the entry's, not now


@pytest.mark.shared("schemas")
def test_an_empty_feed_is_valid_and_its_updated_is_fixed_not_now(store, tmp_path):
    data = build(store, tmp_path)
    assert_valid_atom(data)
    assert lxml.etree.fromstring(data).findtext(f"{ATOM}updated") == "1970-01-01T00:00:00+00:00"


@pytest.mark.shared("schemas")
def test_the_entry_maps_every_field(store, tmp_path):
    save(store, make_article(), topics=BOTH)
    data = build(store, tmp_path, slug="tat-ca")
    entry = assert_valid_atom(data).entries[0]
    assert entry.id == TAG_ID
    assert entry.title == "Đường phố Hà Nội ngập sau mưa lớn"
    assert entry.published == "2026-11-01T15:00:00+07:00" and entry.updated == entry.published
    assert entry.summary == "Nhiều tuyến đường ngập sâu."
    assert [a.name for a in entry.authors] == ["Minh Đức"]
    assert [(t.term, t.label) for t in entry.tags[:2]] == [
        ("environment", "Môi trường"),
        ("vietnam-japan", "Việt Nam – Nhật Bản"),
    ]
    assert [t.term for t in entry.tags[2:]] == ["Xã hội", "ngập lụt", "Hà Nội"]
    content = entry.content[0]
    assert content.type == "text/html"
    assert content.value.startswith("<p><strong>Nhiều tuyến đường ngập sâu.</strong></p>")
    assert "Nhật Bản hỗ trợ hệ thống thoát nước." in content.value


def test_the_lead_image_is_an_enclosure_with_its_type_not_a_second_alternate(store, tmp_path):
    """Guards the feedgen version: 1.0.0 drops rel and type from entry links."""
    save(store, make_article(lead_image="https://cdnmedia.baotintuc.vn/x/anh.png"))
    entry = only_entry(build(store, tmp_path))
    links = [
        (link.get("rel"), link.get("type"), link.get("href"))
        for link in entry.findall(f"{ATOM}link")
    ]
    assert links == [
        ("alternate", "text/html", f"https://baotintuc.vn/xa-hoi/bai-viet-{ARTICLE_ID}.htm"),
        ("enclosure", "image/png", "https://cdnmedia.baotintuc.vn/x/anh.png"),
    ]


def test_the_sites_placeholder_image_is_no_enclosure(store, tmp_path):
    save(
        store,
        make_article(lead_image="https://cdnstatic.baotintuc.vn/web_images/baotintuc-share.jpg"),
    )
    entry = only_entry(build(store, tmp_path))
    assert [link.get("rel") for link in entry.findall(f"{ATOM}link")] == ["alternate"]


def test_the_entry_id_survives_slug_and_host_changes(store, tmp_path):
    save(store, make_article())
    first = entries_by_id(build(store, tmp_path))
    save(
        store,
        make_article(url=f"https://www.baotintuc.vn/moi/slug-khac-{ARTICLE_ID}.htm"),
        now=T0 + timedelta(hours=1),
    )
    second = entries_by_id(build(store, tmp_path))
    assert list(first) == list(second) == [TAG_ID]


def test_updated_changes_only_when_the_content_does(store, tmp_path):
    save(store, make_article())
    published = "2026-11-01T15:00:00+07:00"
    assert only_entry(build(store, tmp_path)).findtext(f"{ATOM}updated") == published
    # Fetched again, identical content, the site's `modified` bumped: nothing changes for readers.
    save(store, make_article(modified="2026-11-02T09:00:00+07:00"), now=T0 + timedelta(days=1))
    assert only_entry(build(store, tmp_path)).findtext(f"{ATOM}updated") == published
    # The text changed: updated is when we saw it change; the id stays.
    later = T0 + timedelta(days=2)
    save(store, make_article(body_text="Đã sửa.", body_html="<p>Đã sửa.</p>"), now=later)
    entry = only_entry(build(store, tmp_path))
    assert entry.findtext(f"{ATOM}updated") == later.isoformat()
    assert entry.findtext(f"{ATOM}id") == TAG_ID
    assert entry.findtext(f"{ATOM}published") == published


def test_entries_are_newest_first_and_ties_are_broken_by_site_id(store, tmp_path):
    same_time = "2026-11-01T15:00:00+07:00"
    for site_id in ("20261101150000200", "20261101150000100", "20261101150000300"):
        save(store, make_article(site_id, published=same_time))
    save(store, make_article("20261102100000000"))
    save(store, make_article("20261020100000000"))
    ids = [
        entry.findtext(f"{ATOM}id").rsplit(":", 1)[1]
        for entry in lxml.etree.fromstring(build(store, tmp_path)).findall(f"{ATOM}entry")
    ]
    assert ids == [
        "20261102100000000",
        "20261101150000300",
        "20261101150000200",
        "20261101150000100",
        "20261020100000000",
    ]


def test_authors_fall_back_to_the_agency_then_the_site(store, tmp_path):
    save(store, make_article("20261101150000001", authors=()))
    save(store, make_article("20261101150000002", authors=(), agency=""))
    save(store, make_article("20261101150000003", authors=("  ", "Lan\x00 Anh", "Lan Anh")))
    entries = entries_by_id(build(store, tmp_path))
    names = {
        i.rsplit(":", 1)[1]: [a.findtext(f"{ATOM}name") for a in e.findall(f"{ATOM}author")]
        for i, e in entries.items()
    }
    assert names == {
        "20261101150000001": ["TTXVN"],
        "20261101150000002": ["baotintuc.vn"],
        "20261101150000003": ["Lan Anh"],
    }


def test_the_entry_limit_keeps_the_newest(store, tmp_path):
    for day in range(1, 8):
        save(store, make_article(f"202611{day:02d}150000000"))
    definitions, _ = load_definitions(
        [{"slug": "ba", "topics": ["environment"], "limit": 3, "archive": False}], load_rules()
    )
    generate(store, definitions, tmp_path / "out", base_url=BASE)
    ids = list(entries_by_id((tmp_path / "out" / "ba.atom").read_bytes()))
    assert [i[-17:] for i in ids] == ["20261107150000000", "20261106150000000", "20261105150000000"]


# -- hostile and broken articles -----------------------------------------------------------------

HOSTILE_BODIES = {
    "script and inline handlers": '<p onclick="alert(1)" onmouseover=alert(2)>Chữ</p><script>alert(3)</script>'
    '<img src="https://x.example/a.jpg" onerror="alert(4)"><body onload=alert(5)>',
    "javascript links": '<a href="javascript:alert(1)">a</a><a href=" JaVaScRiPt:alert(1)">b</a>'
    '<a href="vbscript:msgbox(1)">c</a>',
    "entity-encoded javascript": '<a href="&#106;avascript:alert(1)">a</a><a href="jav&#x09;ascript:alert(1)">b</a>'
    '<a href="&#x6A;&#x61;&#x76;&#x61;script&#x3A;alert(1)">c</a>'
    '<a href="javascript&colon;alert(1)">d</a>',
    "iframes and plugins": '<iframe src="https://evil.example/"></iframe><object data="x.swf"></object>'
    '<embed src="x.swf"><applet code="x"></applet><frameset><frame src="x"></frameset>',
    "svg and mathml": '<svg onload="alert(1)"><script>alert(2)</script><a xlink:href="javascript:alert(3)">'
    '<text>t</text></a></svg><math><mi xlink:href="javascript:alert(4)">x</mi></math>',
    "data urls": '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+"><a href="data:text/html,'
    '<script>alert(1)</script>">x</a>',
    "styles": '<style>*{background:url(javascript:alert(1))}</style><p style="background:url(javascript:alert(1))">s</p>',
    "forms and meta": '<form action="javascript:alert(1)"><input onfocus=alert(1) autofocus><button>b</button>'
    '</form><meta http-equiv="refresh" content="0;url=javascript:alert(1)"><base href="javascript:">',
    "mutation xss": '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>'
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    "escaped markup stays text": "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp;lt;b&amp;gt;</p>",
    "broken html": "<p><b>đậm<p>tiếp<div></div></div></span><table><td>ô</table><li>x",
    "comments and cdata": "<!-- <script>alert(1)</script> --><p>a</p><![CDATA[<script>alert(1)</script>]]>",
}


@pytest.mark.parametrize("case", list(HOSTILE_BODIES))
@pytest.mark.shared("schemas")
def test_hostile_html_is_neutralised_and_the_feed_stays_valid(store, tmp_path, case):
    save(store, make_article(body_html=HOSTILE_BODIES[case], body_text="văn bản"))
    data = build(store, tmp_path)
    assert_valid_atom(data, case)
    markup = assert_safe_content(only_entry(data))
    if case == "escaped markup stays text":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    if case == "script and inline handlers":
        assert "<p>Chữ</p>" in markup and '<img src="https://x.example/a.jpg">' in markup


def test_relative_urls_become_absolute_and_lazy_images_are_resolved(store, tmp_path):
    body = (
        '<figure><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/Upload/anh.jpg" alt="a">'
        '</figure><img data-original="//cdnmedia.baotintuc.vn/b.jpg"><a href="../the-gioi/bai.htm">x</a>'
        '<a href="?trang=2">y</a><a href="mailto:toasoan@baotintuc.vn">z</a>'
    )
    save(store, make_article(body_html=body))
    markup = assert_safe_content(only_entry(build(store, tmp_path)))
    assert 'src="https://baotintuc.vn/Upload/anh.jpg"' in markup
    assert 'src="https://cdnmedia.baotintuc.vn/b.jpg"' in markup
    assert 'href="https://baotintuc.vn/the-gioi/bai.htm"' in markup
    assert f'href="https://baotintuc.vn/xa-hoi/bai-viet-{ARTICLE_ID}.htm?trang=2"' in markup
    assert 'href="mailto:toasoan@baotintuc.vn"' in markup


@pytest.mark.shared("schemas")
def test_control_characters_are_stripped_everywhere(store, tmp_path):
    dirty = "".join(chr(c) for c in [*range(9), 11, 12, *range(14, 32), 0xFFFE, 0xFFFF])
    save(
        store,
        make_article(
            title=f"Tiêu{dirty} đề",
            sapo=f"Sa{dirty}po",
            body_text=f"Thân{dirty} bài",
            body_html=f"<p>Thân{dirty} bài &#1; &#x1F; &#0;</p>",
            authors=(f"Tác{dirty} giả",),
            tags=(f"thẻ{dirty}",),
            category=f"Mục{dirty}",
            agency=f"TT{dirty}XVN",
        ),
    )
    data = build(store, tmp_path)
    entry = assert_valid_atom(data).entries[0]
    assert entry.title == "Tiêu đề" and entry.summary == "Sapo"
    assert entry.authors[0].name == "Tác giả" and "thẻ" in [t.term for t in entry.tags]
    assert "<p>Thân bài" in entry.content[0].value


@pytest.mark.shared("schemas")
def test_missing_fields_still_give_a_valid_entry(store, tmp_path):
    save(
        store,
        make_article(
            sapo="",
            lead_image="",
            images=(),
            authors=(),
            agency="",
            tags=(),
            category="",
            category_url="",
        ),
    )
    data = build(store, tmp_path)
    entry = assert_valid_atom(data).entries[0]
    assert only_entry(data).find(f"{ATOM}summary") is None
    assert [a.name for a in entry.authors] == ["baotintuc.vn"]
    assert [link.rel for link in entry.links] == ["alternate"]
    assert [t.term for t in entry.tags] == ["environment"]


@pytest.mark.shared("schemas")
def test_an_article_without_body_html_falls_back_to_its_text_and_without_any_text_to_its_link(
    store, tmp_path
):
    save(store, make_article("20261101150000001", body_html="", body_text="Chỉ có <văn bản> & thế"))
    save(
        store,
        make_article("20261101150000002", body_html="<script>x</script>", body_text="", sapo=""),
    )
    parsed = assert_valid_atom(build(store, tmp_path))
    by_id = {e.id[-17:]: e for e in parsed.entries}
    assert "<p>Chỉ có &lt;văn bản&gt; &amp; thế</p>" in by_id["20261101150000001"].content[0].value
    assert "content" not in by_id["20261101150000002"] and by_id["20261101150000002"].link


@pytest.mark.shared("schemas")
def test_an_unusable_url_drops_the_link_but_keeps_a_valid_entry(store, tmp_path):
    save(store, make_article(url="javascript:alert(1)", body_html="", body_text="", sapo=""))
    data = build(store, tmp_path)
    entry = assert_valid_atom(data).entries[0]
    assert not [link for link in entry.links if link.rel == "alternate"]
    assert entry.content[0].value == "<p>Đường phố Hà Nội ngập sau mưa lớn</p>"


@pytest.mark.shared("schemas")
def test_a_huge_body_is_cut_with_a_link_to_the_article(store, tmp_path):
    paragraph = "Một đoạn văn rất dài về môi trường và biến đổi khí hậu. " * 40
    body_text = "\n\n".join([paragraph] * 1500)  # ~3.4 MB
    body_html = "".join(f"<p>{paragraph}</p>" for _ in range(1500))
    save(store, make_article(body_text=body_text, body_html=body_html))
    data = build(store, tmp_path)
    assert len(data) < 2 * MAX_CONTENT_CHARS * 3  # bytes of escaped UTF-8, well bounded
    entry = assert_valid_atom(data).entries[0]
    assert "Đọc toàn văn trên baotintuc.vn" in entry.content[0].value
    assert_safe_content(only_entry(data))


@pytest.mark.shared("schemas")
def test_one_huge_paragraph_is_cut_inside(store, tmp_path):
    giant = "x" * 3_000_000
    save(store, make_article(body_text=giant, body_html=f"<p>{giant}</p>"))
    entry = assert_valid_atom(build(store, tmp_path)).entries[0]
    assert MAX_CONTENT_CHARS // 3 < len(entry.content[0].value) < MAX_CONTENT_CHARS


@pytest.mark.shared("schemas")
def test_titles_with_markup_characters_are_text(store, tmp_path):
    title = "Giá xăng < 20.000 đồng & \"bão\" giá 'lạ' <script>alert(1)</script> ]]> &amp;"
    save(store, make_article(title=title, tags=('<b>"thẻ"</b> & co',), authors=('A <b>&</b> "B"',)))
    data = build(store, tmp_path)
    entry = assert_valid_atom(data).entries[0]
    assert entry.title == title
    assert '<b>"thẻ"</b> & co' in [t.term for t in entry.tags]
    assert entry.authors[0].name == 'A <b>&</b> "B"'
    raw = only_entry(data)
    assert raw.findtext(f"{ATOM}title") == title and raw.find(f"{ATOM}title").get("type") is None


@pytest.mark.shared("schemas")
def test_an_empty_title_gets_a_placeholder(store, tmp_path):
    save(store, make_article(title="\x00 \t "))
    assert assert_valid_atom(build(store, tmp_path)).entries[0].title == "(Không có tiêu đề)"


def test_topic_scores_and_filters_select_articles(store, tmp_path):
    save(store, make_article("20261101150000001"), topics=(TopicMatch("environment", 6.0),))
    save(
        store,
        make_article("20261101150000002", category="Thời sự", tags=("Rác thải",)),
        topics=(TopicMatch("environment", 12.0),),
    )
    save(store, make_article("20261101150000003", title="Rác thải nhựa ở Đà Nẵng"), topics=BOTH)
    raw = [
        {"slug": "diem-cao", "topics": ["environment"], "min_score": 9},
        {"slug": "thoi-su", "categories": ["thời sự"]},  # any spelling of the case
        {"slug": "the", "tags": ["rác thải"]},
        {"slug": "tim", "query": "rac thai"},  # without diacritics
        {"slug": "ca-hai", "topics": ["environment", "vietnam-japan"], "match": "all"},
    ]
    definitions, errors = load_definitions(raw, load_rules())
    assert not errors
    report = generate(store, definitions, tmp_path / "out", base_url=BASE)
    assert report.ok, report.errors
    selected = {
        slug: sorted(i[-1] for i in entries_by_id((tmp_path / "out" / f"{slug}.atom").read_bytes()))
        for slug in report.feeds
    }
    assert selected == {
        "diem-cao": ["2", "3"],
        "thoi-su": ["2"],
        "the": ["2"],
        "tim": ["3"],
        "ca-hai": ["3"],
    }


def test_max_age_is_relative_to_now(store, tmp_path):
    save(store, make_article("20261101150000001"))
    save(store, make_article("20261020150000002"))
    definitions, _ = load_definitions(
        [{"slug": "tuan", "topics": ["environment"], "max_age_days": 7}], load_rules()
    )
    now = datetime(2026, 11, 5, tzinfo=timezone.utc)
    generate(store, definitions, tmp_path / "out", base_url=BASE, now=now)
    assert [i[-1] for i in entries_by_id((tmp_path / "out" / "tuan.atom").read_bytes())] == ["1"]


def test_feeds_do_not_depend_on_the_clock(store, tmp_path):
    save(store, make_article())
    first = build(store, tmp_path, now=datetime(2030, 1, 1, tzinfo=timezone.utc))
    second = build(store, tmp_path, now=datetime(2040, 1, 1, tzinfo=timezone.utc))
    assert first == second
    assert replace(make_article()).site_id.encode() in first


def test_an_enclosure_url_with_spaces_is_percent_encoded(store, tmp_path):
    save(store, make_article(lead_image="/Upload/ảnh mới.JPG"))
    [enclosure] = [
        link
        for link in only_entry(build(store, tmp_path)).findall(f"{ATOM}link")
        if link.get("rel") == "enclosure"
    ]
    assert enclosure.get("href") == "https://baotintuc.vn/Upload/%E1%BA%A3nh%20m%E1%BB%9Bi.JPG"
    assert enclosure.get("type") == "image/jpeg"


@pytest.mark.shared("schemas")
def test_the_operators_health_feed_is_valid_atom():
    from feeds.health import build_health_feed
    from storage import CrawlRun

    runs = [
        CrawlRun(
            2,
            "2026-11-02T00:00:00+00:00",
            None,
            "interrupted",
            "http://x",
            3,
            0,
            1,
            0,
            0,
            0,
            0,
            "the crawl process died",
        ),
        CrawlRun(
            1,
            "2026-11-01T00:00:00+00:00",
            "2026-11-01T00:01:00+00:00",
            "failed",
            "http://x",
            0,
            0,
            0,
            0,
            0,
            9,
            0,
            "HTTP 503 <everywhere> & \x01 always",
        ),
    ]
    parsed = assert_valid_atom(build_health_feed(runs, base_url="http://127.0.0.1:8080"))
    assert [e.title for e in parsed.entries] == [
        "Lượt thu thập #2 bị ngắt: the crawl process died",
        "Lượt thu thập #1 thất bại: HTTP 503 <everywhere> & always",
    ]
    assert parsed.feed.links[0].href == "http://127.0.0.1:8080/_health.atom"
    assert_valid_atom(build_health_feed([], base_url="http://127.0.0.1:8080/"))
