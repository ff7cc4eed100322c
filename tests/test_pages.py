"""The web pages beside the feeds: what each shows, that it is safe and stable, and that it is
rendered again only when what it shows changed. (In a real browser: test_pages_browser.py.)"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest

from core.feed_types import MonthlyCount
from core.model import TopicMatch
from crawler.classify import load_rules
from feeds import generate, load_definitions
from feeds.cards import card, explain_marker, vietnamese_number
from feeds.chart import monthly_chart, months_ending, nice_ceiling
from feeds.entries import entry_from_article
from feeds.server import SECURITY_HEADERS, create_app
from storage import Store
from tests.feeds_support import T0, fetch, make_article, running_server, save

BASE = "https://tin.example.org/tintuc/"
RULES = load_rules()
DEFINITIONS, _ = load_definitions(None, RULES)
LABELS = DEFINITIONS[0].topic_labels
NOW = datetime(2026, 12, 3, 8, 0, tzinfo=timezone.utc)
SMALL = [{"slug": "moi-truong", "topics": ["environment"], "limit": 5, "archive_page_size": 5}]
VJ = (
    TopicMatch("environment", 9.5, ("ngập lụt", "mưa lớn")),
    TopicMatch("vietnam-japan", 12.0, ("nhật bản", "[japan + vietnam]", "jica")),
)


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "t.db") as opened:
        yield opened


def article_id(n: int, day: int | None = None) -> str:
    moment = datetime(2026, 11, 1, 9, 0) + timedelta(days=n if day is None else day, minutes=n)
    return moment.strftime("%Y%m%d%H%M%S") + f"{n % 1000:03d}"


def crawl(store: Store, numbers, when: datetime, topics=VJ, **changes) -> None:
    """A crawl run that stores the articles numbered `numbers`."""
    run = store.start_run("https://baotintuc.vn", now=when)
    for n in numbers:
        save(store, make_article(article_id(n), **changes), topics=topics, now=when)
    store.finish_run(run, {}, status="ok", now=when + timedelta(minutes=5))


def regenerate(store, out, definitions=None, now=NOW):
    if definitions is None:
        definitions = DEFINITIONS
    elif isinstance(definitions, list) and definitions and isinstance(definitions[0], dict):
        definitions, errors = load_definitions(definitions, RULES)
        assert not errors
    report = generate(store, definitions, out, base_url=BASE, now=now)
    assert report.ok, report.errors
    return report


def html(out: Path, name: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring((out / name).read_bytes())


def web_pages(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.html"))}


def published(out: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


# -- cards and chart: pure -----------------------------------------------------------------------


def test_a_co_occurrence_marker_is_said_as_a_sentence():
    assert explain_marker("[japan + vietnam]") == (
        "Nhật Bản và Việt Nam cùng được nhắc đến trong một câu"
    )
    assert explain_marker("[a + b + c]") == "A, b và c cùng được nhắc đến trong một câu"
    assert explain_marker("nhật bản") == "nhật bản"  # not a marker: left alone


def test_numbers_are_written_the_vietnamese_way():
    assert [vietnamese_number(v) for v in (9.0, 12.5, 7.25, 1234.0)] == [
        "9", "12,5", "7,25", "1.234",
    ]  # fmt: skip


def test_a_card_shows_what_the_entry_says_and_why_it_matched():
    article = make_article(article_id(1), tags=("ngập lụt", "JICA"))
    stored = _feed_article(article, VJ)
    shown = card(entry_from_article(stored, LABELS))
    assert shown.title == article.title and shown.url == article.url
    assert shown.section == "Xã hội" and shown.tags == ("ngập lụt", "JICA")
    assert shown.published == "2026-11-02T09:01:00+07:00" and shown.date == "02/11/2026 09:01"
    assert shown.image == "https://cdnmedia.baotintuc.vn/a.jpg"
    environment, japan = shown.reasons
    assert (environment.label, environment.score, environment.phrases) == (
        "Môi trường", "9,5", ("ngập lụt", "mưa lớn"),
    )  # fmt: skip
    assert japan.label == "Việt Nam – Nhật Bản" and japan.phrases == ("nhật bản", "jica")
    assert japan.notes == ("Nhật Bản và Việt Nam cùng được nhắc đến trong một câu",)


def test_the_index_summary_is_cut_to_one_line_at_a_word():
    long = "Nhiều tuyến đường ngập sâu " * 20
    stored = _feed_article(make_article(article_id(1), sapo=long), VJ)
    shown = card(entry_from_article(stored, LABELS), summary_limit=60)
    assert len(shown.summary) <= 60 and shown.summary.endswith("…")
    assert long.startswith(shown.summary[:-1])


def test_the_chart_window_is_the_24_months_ending_with_nows_month_in_vietnam_time():
    # 30 November, 20:00 UTC is already 1 December in Hanoi.
    window = months_ending(datetime(2026, 11, 30, 20, 0, tzinfo=timezone.utc))
    assert len(window) == 24 and window[0] == "2025-01" and window[-1] == "2026-12"


def test_the_chart_draws_one_bar_per_topic_and_month_with_a_count():
    months = ("2026-10", "2026-11", "2026-12")
    topics = [("environment", "Môi trường"), ("vietnam-japan", "Việt Nam – Nhật Bản")]
    counts = [
        MonthlyCount("environment", "2026-10", 8),
        MonthlyCount("vietnam-japan", "2026-10", 3),
        MonthlyCount("environment", "2026-12", 4),
        MonthlyCount("environment", "2024-01", 99),  # outside the window
    ]
    drawn = monthly_chart(counts, topics, months)
    assert [b.title for b in drawn.bars] == [
        "Môi trường, 10/2026: 8 bài",
        "Việt Nam – Nhật Bản, 10/2026: 3 bài",
        "Môi trường, 12/2026: 4 bài",
    ]
    assert [t.label for t in drawn.value_ticks] == ["0", "5", "10"]  # 8 rounds up to 10
    tallest = drawn.bars[0]
    assert tallest.y + tallest.height == drawn.baseline
    assert [(r.month, r.counts) for r in drawn.rows] == [
        ("10/2026", (8, 3)), ("11/2026", (0, 0)), ("12/2026", (4, 0)),
    ]  # fmt: skip
    assert [s.total for s in drawn.series] == [12, 3] and drawn.total == 15
    assert all(0 <= b.x and b.x + b.width <= drawn.plot_right for b in drawn.bars)


def test_the_value_axis_ends_at_a_round_number():
    assert [nice_ceiling(v) for v in (0, 1, 3, 8, 10, 11, 48, 120, 999)] == [
        2, 2, 5, 10, 10, 20, 50, 200, 1000,
    ]  # fmt: skip


# -- what the pages show -------------------------------------------------------------------------


def test_the_index_shows_each_feeds_newest_articles_how_to_subscribe_the_chart_and_the_last_crawl(
    store, tmp_path
):
    crawl(store, range(1, 8), T0)
    out = tmp_path / "out"
    regenerate(store, out)
    page = html(out, "index.html")
    assert page.get("lang") == "vi"
    for definition in DEFINITIONS:
        section = page.get_element_by_id(definition.slug)
        titles = [a.text_content() for a in section.cssselect(".card .title a")]
        assert len(titles) == 5  # the five newest, newest first
        assert titles[0].startswith("Đường phố Hà Nội")
        [box] = section.cssselect("input.copy")
        assert box.get("value") == f"{BASE}{definition.slug}.atom"
        assert box.get("readonly") is not None
        links = {a.get("href") for a in section.cssselect("a")}
        assert f"{BASE}{definition.slug}.opml" in links and f"{definition.slug}/" in links
        assert section.cssselect(".meta time")[0].get("datetime") == "2026-11-08T09:07:00+07:00"
        assert section.cssselect(".meta .section")[0].text == "Xã hội"
        assert section.cssselect("img.thumb")[0].get("alt").startswith("Ảnh minh họa: ")
    crawled = page.cssselect(".crawl time")[0]
    assert crawled.get("datetime") == "2026-11-01T15:05:00+07:00"  # the run's end, Vietnam time
    assert crawled.text == "01/11/2026 15:05"
    svg = page.cssselect("figure.chart svg")[0]
    assert svg.get("role") == "img" and len(svg.cssselect("rect")) == 2  # one month, two topics
    assert "11/2026" in page.cssselect("figure.chart table")[0].text_content()
    assert {a.get("href") for a in page.cssselect("footer a")} >= {BASE + "feeds.opml"}


def test_the_index_says_when_the_last_crawl_failed_and_when_one_last_succeeded(store, tmp_path):
    crawl(store, range(1, 3), T0)
    run = store.start_run("https://baotintuc.vn", now=T0 + timedelta(hours=1))
    store.finish_run(run, {}, status="failed", now=T0 + timedelta(hours=1, minutes=1))
    backfill = store.start_run("https://baotintuc.vn", now=T0 + timedelta(hours=2), kind="backfill")
    store.finish_run(backfill, {}, status="ok", now=T0 + timedelta(hours=3))  # not a crawl
    out = tmp_path / "out"
    regenerate(store, out)
    text = html(out, "index.html").cssselect(".crawl")[0].text_content()
    assert "01/11/2026 16:01" in text and "không thành công" in text
    assert "lần thành công gần nhất: 01/11/2026 15:05" in text


def test_a_feed_page_explains_every_entry_and_pages_like_the_feeds_archive(store, tmp_path):
    crawl(store, range(1, 13), T0)  # pages of 5: two full archive pages, two waiting
    out = tmp_path / "out"
    regenerate(store, out, SMALL)
    current = html(out, "moi-truong/index.html")
    entries = current.cssselect("ol.cards > li")
    assert len(entries) == 5  # the newest, as the feed's current document
    first = entries[0]
    assert first.cssselect("h2.title a")[0].get("href").startswith("https://baotintuc.vn/")
    assert first.cssselect("time")[0].text == "13/11/2026 09:12"
    assert first.cssselect(".section")[0].text == "Xã hội"
    assert first.cssselect(".summary")[0].text == "Nhiều tuyến đường ngập sâu."
    why = first.cssselect(".why")[0].text_content()
    assert "Môi trường (điểm 9,5): khớp với “ngập lụt”, “mưa lớn”" in why
    assert "Nhật Bản và Việt Nam cùng được nhắc đến trong một câu" in why
    assert "[japan" not in why
    assert [a.text for a in first.cssselect(".tags .tag")] == ["ngập lụt", "Hà Nội"]
    assert "Đọc bài gốc" in first.cssselect(".original a")[0].text_content()
    # The web pages line up with the feed: the same entries, document for document.
    for document, web_page in (
        ("moi-truong.atom", "moi-truong/index.html"),
        ("moi-truong/archive-1.atom", "moi-truong/archive-1.html"),
        ("moi-truong/archive-2.atom", "moi-truong/archive-2.html"),
    ):
        in_feed = re.findall(r"<id>tag:[^<]*:(\d{17})</id>", (out / document).read_text("utf-8"))
        shown = [a.get("href")[-21:-4] for a in html(out, web_page).cssselect("h2.title a")]
        assert shown == in_feed and len(shown) == 5
    assert _pager(current) == {
        "Cũ hơn →": "archive-2.html", "Cũ nhất (trang 1)": "archive-1.html",
    }  # fmt: skip
    assert _pager(html(out, "moi-truong/archive-2.html")) == {
        "← Bài mới nhất": "./", "Cũ hơn (trang 1) →": "archive-1.html",
    }  # fmt: skip
    first_page = html(out, "moi-truong/archive-1.html")
    assert _pager(first_page) == {"← Mới hơn (trang 2)": "archive-2.html"}


def test_every_link_between_pages_leads_to_a_published_file(store, tmp_path):
    crawl(store, range(1, 18), T0)
    out = tmp_path / "out"
    regenerate(store, out, SMALL + [{"slug": "tat-ca", "topics": ["environment", "vietnam-japan"]}])
    base = urlsplit(BASE)
    for name in web_pages(out):
        page = html(out, name)
        hrefs = [e.get("href") for e in page.iter("a", "link")] + [
            e.get("src") for e in page.iter("img")
        ]
        for href in hrefs:
            target = urlsplit(urljoin(BASE + name, href))
            if target.netloc != base.netloc:
                assert target.scheme == "https" and target.netloc.endswith("baotintuc.vn"), href
                continue
            path = target.path.removeprefix(base.path)
            file = out / (path + "index.html" if path.endswith("/") or not path else path)
            assert file.is_file(), f"{name}: {href} leads nowhere"


def test_the_atom_files_link_to_their_web_page_and_the_site_as_related(store, tmp_path):
    crawl(store, range(1, 13), T0)
    out = tmp_path / "out"
    regenerate(store, out, SMALL)
    for name, page in (
        ("moi-truong.atom", "moi-truong/"),
        ("moi-truong/archive-1.atom", "moi-truong/archive-1.html"),
    ):
        data = (out / name).read_text(encoding="utf-8")
        assert f'<link href="{BASE}{page}" rel="alternate" type="text/html"/>' in data
        assert '<link href="https://baotintuc.vn/" rel="related" type="text/html"/>' in data


def test_every_page_is_vietnamese_in_nfc_accessible_and_scriptless(store, tmp_path):
    decomposed = unicodedata.normalize("NFD", "Ô nhiễm không khí ở Hà Nội")
    tags = (unicodedata.normalize("NFD", "ô nhiễm"),)
    crawl(store, range(1, 13), T0, title=decomposed, tags=tags)
    out = tmp_path / "out"
    regenerate(store, out, SMALL)
    for name, data in web_pages(out).items():
        text = data.decode("utf-8")
        assert unicodedata.is_normalized("NFC", text), name
        page = lxml.html.fromstring(data)
        assert page.get("lang") == "vi", name
        assert page.cssselect("head meta[name=viewport]"), name
        assert [len(page.cssselect(tag)) for tag in ("header", "main", "footer")] == [1, 1, 1], name
        skip = page.cssselect("body > a.skip")[0]
        assert skip.get("href") == "#main" and page.cssselect("main#main"), name
        assert len(page.cssselect("h1")) == 1, name
        assert all(img.get("alt", "").strip() for img in page.iter("img")), name
        assert not page.xpath("//script | //iframe | //*[@style] | //style"), name
        assert unicodedata.normalize("NFC", decomposed) in text, name
    assert "ô nhiễm" in (out / "moi-truong/index.html").read_text(encoding="utf-8")


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'&amp;{{ 7*7 }}'


def test_hostile_titles_summaries_tags_and_terms_come_out_as_text(store, tmp_path):
    topics = (TopicMatch("environment", 9.0, (HOSTILE, "[japan + <b>vietnam</b>]")),)
    run = store.start_run("https://baotintuc.vn", now=T0)
    save(
        store,
        make_article(
            article_id(1),
            title="Tiêu đề " + HOSTILE,
            sapo="Tóm tắt " + HOSTILE,
            tags=(HOSTILE,),
            category="Mục " + HOSTILE,
            body_html='<p>Thân bài</p><script>alert("body")</script><p onclick="x()">y</p>',
            lead_image='javascript:alert(1)//.jpg',
        ),
        topics=topics,
        now=T0,
    )
    store.finish_run(run, {}, status="ok", now=T0 + timedelta(minutes=5))
    out = tmp_path / "out"
    regenerate(store, out, SMALL)
    for name in ("index.html", "moi-truong/index.html"):
        data = (out / name).read_text(encoding="utf-8")
        page = lxml.html.fromstring(data)
        assert not page.xpath("//script | //*[@onerror] | //*[@onclick] | //b | //style"), name
        assert not [img for img in page.iter("img")], name  # a javascript: image is no image
        assert "alert(&#34;body&#34;)" not in data and "Thân bài" not in data  # no article HTML
        text = page.text_content()
        assert "Tiêu đề " + HOSTILE in text and "Tóm tắt " + HOSTILE in text, name
        assert "{{ 7*7 }}" in text and "49" not in text  # data is never a template
    feed = lxml.html.fromstring((out / "moi-truong/index.html").read_bytes())
    assert [t.text for t in feed.cssselect(".tag")] == [HOSTILE]
    assert "Mục " + HOSTILE in feed.cssselect(".section")[0].text
    why = feed.cssselect(".why li")[0].text_content()
    assert f"“{HOSTILE}”" in why and "<b>vietnam</b>" in why


# -- stable and incremental ----------------------------------------------------------------------


def test_an_unchanged_store_gives_the_same_bytes_and_leaves_every_file_alone(store, tmp_path):
    crawl(store, range(1, 18), T0)
    out = tmp_path / "out"
    first = regenerate(store, out, SMALL)
    assert "index.html" in first.pages and "moi-truong/archive-3.html" in first.pages
    before = published(out)
    again = regenerate(store, out, SMALL, now=NOW + timedelta(hours=5))
    assert again.pages == [] and again.written == []
    assert published(out) == before


def test_a_crawl_that_changed_nothing_changes_only_when_the_index_says_it_ran(
    store, tmp_path, monkeypatch
):
    crawl(store, range(1, 18), T0)
    out = tmp_path / "out"
    regenerate(store, out, SMALL)
    before = published(out)
    crawl(store, [], T0 + timedelta(hours=2))  # a crawl that found nothing new
    # ... and the chart's counts, counted from the same revision, are not counted again.
    monkeypatch.setattr(Store, "monthly_topic_counts", lambda *args: pytest.fail("counted"))
    report = regenerate(store, out, SMALL)
    assert report.pages == ["index.html"] and report.written == ["index.html"]
    after = published(out)
    assert {n: v for n, v in after.items() if n != "index.html"} == {
        n: v for n, v in before.items() if n != "index.html"
    }
    assert "01/11/2026 17:05" in html(out, "index.html").cssselect(".crawl")[0].text_content()


def test_the_chart_moves_with_the_calendar_and_only_the_index_changes(store, tmp_path):
    crawl(store, range(1, 8), T0)
    out = tmp_path / "out"
    regenerate(store, out, SMALL)
    before = published(out)
    report = regenerate(store, out, SMALL, now=NOW + timedelta(days=31))  # January 2027
    assert report.written == ["index.html"]
    assert set(published(out)) == set(before)
    caption = html(out, "index.html").cssselect("figure.chart figcaption")[0].text_content()
    assert "02/2025 – 01/2027" in caption


def test_new_topic_terms_render_the_archive_page_that_shows_them(store, tmp_path):
    crawl(store, range(1, 13), T0)
    out = tmp_path / "out"
    regenerate(store, out, SMALL)
    store.replace_topics(article_id(2), [TopicMatch("environment", 11.0, ("triều cường",))], "r2")
    report = regenerate(store, out, SMALL)
    assert "moi-truong/archive-1.html" in report.pages
    assert "moi-truong/archive-2.html" not in report.pages
    assert "“triều cường”" in (out / "moi-truong/archive-1.html").read_text(encoding="utf-8")
    fresh = tmp_path / "fresh"
    regenerate(store, fresh, SMALL)
    assert web_pages(out) == web_pages(fresh)  # incremental = from scratch


def test_a_deleted_or_edited_web_page_is_rebuilt(store, tmp_path):
    crawl(store, range(1, 13), T0)
    out = tmp_path / "out"
    regenerate(store, out, SMALL)
    expected = web_pages(out)
    (out / "moi-truong/archive-1.html").unlink()
    (out / "moi-truong/index.html").write_text("vandalised", encoding="utf-8")
    (out / "index.html").unlink()
    report = regenerate(store, out, SMALL)
    assert sorted(report.pages) == [
        "index.html", "moi-truong/archive-1.html", "moi-truong/index.html",
    ]  # fmt: skip
    assert "moi-truong/archive-1.atom" not in report.written  # rendered, identical, untouched
    assert web_pages(out) == expected


def test_the_last_archive_pages_newer_link_follows_the_next_page_when_it_appears(store, tmp_path):
    crawl(store, range(1, 11), T0)
    out = tmp_path / "out"
    regenerate(store, out, SMALL)
    assert _pager(html(out, "moi-truong/archive-2.html"))["← Bài mới nhất"] == "./"
    crawl(store, range(11, 16), T0 + timedelta(days=1))
    report = regenerate(store, out, SMALL)
    assert "moi-truong/archive-2.html" in report.pages
    assert "moi-truong/archive-2.atom" not in report.rendered  # its feed page is as it was
    assert _pager(html(out, "moi-truong/archive-2.html"))["← Mới hơn (trang 3)"] == "archive-3.html"
    fresh = tmp_path / "fresh"
    regenerate(store, fresh, SMALL)
    assert web_pages(out) == web_pages(fresh)


# -- served --------------------------------------------------------------------------------------


def test_the_pages_are_served_with_validators_gzip_and_a_policy_that_lets_their_style_in(
    store, tmp_path
):
    crawl(store, range(1, 8), T0)
    out = tmp_path / "out"
    regenerate(store, out, SMALL)
    policy = SECURITY_HEADERS["content-security-policy"]
    assert "style-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "script-src" not in policy  # default-src 'none': no script at all
    with running_server(create_app(out, max_age=60)) as url:
        status, headers, _body = fetch(url, "/moi-truong", headers={"Host": "x"})
        assert status in (307, 308) and headers["location"].endswith("/moi-truong/")
        status, headers, body = fetch(url, "/moi-truong/", headers={"Accept-Encoding": "gzip"})
        assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
        assert headers["content-encoding"] == "gzip"
        assert headers["content-security-policy"] == policy
        again = {"Accept-Encoding": "gzip", "If-None-Match": headers["etag"]}
        assert fetch(url, "/moi-truong/", headers=again)[0] == 304
        status, headers, _body = fetch(url, "/style.css")
        assert status == 200 and headers["content-type"] == "text/css; charset=utf-8"
        status, headers, _body = fetch(url, "/favicon.svg")
        assert status == 200 and headers["content-type"] == "image/svg+xml"


# -- helpers -------------------------------------------------------------------------------------


def _pager(page) -> dict[str, str]:
    return {a.text_content(): a.get("href") for a in page.cssselect("nav.pager a")}


def _feed_article(article, topics):
    """What the store hands feeds for an article (storage.feed_queries)."""
    from core.feed_types import FeedArticle

    return FeedArticle(
        site_id=article.site_id, url=article.url, title=article.title, sapo=article.sapo,
        body_html=article.body_html, body_text=article.body_text, authors=article.authors,
        agency=article.agency, category=article.category, category_url=article.category_url,
        published=article.published, modified=article.modified, lead_image=article.lead_image,
        first_seen="2026-11-01T08:00:00+00:00", updated="2026-11-01T08:00:00+00:00",
        topics=tuple((t.topic, t.score) for t in topics), tags=article.tags,
        topic_terms=tuple((t.topic, t.terms) for t in topics),
    )  # fmt: skip
