"""Tests of the replica site itself: if the replica drifts from the real site's shape, every
crawler test built on it proves nothing. Pages are parsed the way the site's markup demands
(lxml + CSS selectors), over real HTTP."""

from __future__ import annotations

import email.utils
import html
import json
import socket
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit

import lxml.html
import pytest

from replica import PER_PAGE, ReplicaArticle, ReplicaSite, load_corpus, shared
from replica.corpus import VN_TZ

pytestmark = pytest.mark.e2e  # real crawls of the replica over HTTP, or the whole service

SEED_ID = "20211124202628584"
SEED_PATH = (
    "/thoi-su/viet-nam-va-nhat-ban-doi-thoai-ve-chinh-sach-moi-truong-20211124202628584.htm"
)


# -- helpers ----------------------------------------------------------------------------------


def fetch(
    url: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of one request; HTTP errors are results, not exceptions."""
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def fetch_raw_path(site: ReplicaSite, path: str) -> tuple[int, bytes]:
    """GET with the path sent as raw UTF-8 bytes (urllib would refuse non-ASCII)."""
    host, port = urlsplit(site.url).hostname, urlsplit(site.url).port
    assert host is not None and port is not None
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
    with socket.create_connection((host, port), timeout=10) as conn:
        conn.sendall(request.encode("utf-8"))
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def page(body: bytes) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(body)


def texts(elements: list[lxml.html.HtmlElement]) -> list[str]:
    return [" ".join(e.text_content().split()) for e in elements]


def to_replica(site: ReplicaSite, href: str) -> str:
    """Map a link of the page (relative, or absolute on baotintuc.vn) onto the replica."""
    parts = urlsplit(href)
    assert parts.netloc in ("", "baotintuc.vn", "www.baotintuc.vn"), href
    return site.url + parts.path


def make_article(site: ReplicaSite, category_key: str, n: int, **fields: object) -> ReplicaArticle:
    """A synthetic article published in 2030 (newer than any corpus article)."""
    published = datetime(2030, 1, 1, 8, 0, tzinfo=VN_TZ) + timedelta(minutes=n)
    values: dict[str, object] = {
        "id": published.strftime("%Y%m%d%H%M%S") + f"{n % 1000:03d}",
        "slug": f"bai-thu-nghiem-so-{n}",
        "category": site.state.categories[category_key],
        "title": f"Bài thử nghiệm số {n}",
        "sapo": f"Tóm tắt của bài thử nghiệm số {n}.",
        "paragraphs": [f"Đoạn văn thứ nhất của bài {n}.", "Đoạn văn thứ hai."],
        "published": published,
        "authors": ["Phóng viên"],
        "tags": ["thử nghiệm", f"nhãn {n}"],
    }
    values.update(fields)
    return ReplicaArticle(**values)  # type: ignore[arg-type]


def listing_links(body: bytes) -> list[str]:
    """Article links of a list page: the lead item, ``ul.list-ul``, then ``ul.list-newsest``
    (the listing's own items, docs/site.md §6)."""
    doc = page(body)
    focus = doc.cssselect("#plhMain_ctl00_divFocus > div.item-info > a.title")
    small = doc.cssselect("div.lc-top ul.list-ul > li.item > a.title")
    items = doc.cssselect("div.list-content.w1040 ul.list-newsest > li.item a.title")
    return [a.get("href") for a in focus + small + items]


@pytest.fixture(scope="module")
def site() -> Iterator[ReplicaSite]:
    """A shared, read-only replica for tests that do not change the site."""
    with ReplicaSite() as running:
        yield running


@pytest.fixture
def fresh_site() -> Iterator[ReplicaSite]:
    """A replica of its own, for tests that publish, edit or remove."""
    with ReplicaSite() as running:
        yield running


# -- corpus -----------------------------------------------------------------------------------


@pytest.mark.shared("seed-article")
def test_seed_article_is_read_from_the_shared_text() -> None:
    article = load_corpus().articles[SEED_ID]
    lines = [line.strip() for line in shared.material("seed-article")
             .read_text(encoding="utf-8").splitlines() if line.strip()]
    assert not article.stand_in
    assert article.sapo == lines[0]
    assert article.authors == ("Thanh Tùng", "Phạm Tuân") and article.agency == "TTXVN"
    assert [f.caption for f in article.figures] == [line for line in lines if " Ảnh: " in line]
    assert article.figures[0].after == -1
    assert article.path == SEED_PATH
    assert article.canonical_url == "https://baotintuc.vn" + SEED_PATH
    assert article.published.isoformat() == "2021-11-24T20:28:00+07:00"
    assert article.topics == {"environment", "vietnam-japan"}


def test_without_the_shared_text_the_seed_article_has_its_stand_in(tmp_path) -> None:
    article = load_corpus(shared_dir=tmp_path).articles[SEED_ID]
    assert article.stand_in
    assert article.authors == ("Minh Khang", "Thu Hà") and article.agency == "TTXVN"
    assert [f.after for f in article.figures] == [-1, 2]
    assert all(" Ảnh: " in f.caption for f in article.figures)
    assert len(article.paragraphs) >= 4 and article.sapo
    assert article.path == SEED_PATH
    assert article.topics == {"environment", "vietnam-japan"}


def test_every_corpus_article_is_served(site: ReplicaSite) -> None:
    for article in site.articles.values():
        status, _, body = fetch(site.article_url(article.id))
        assert status == 200, article.id
        doc = page(body)
        title = doc.cssselect("h1.detail-title, div.newsdetail h1.title")
        assert texts(title) == [" ".join(article.title.split())], article.id


# -- the article page -------------------------------------------------------------------------


def test_seed_article_page_has_the_real_structure(site: ReplicaSite) -> None:
    status, headers, body = fetch(site.url + SEED_PATH)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert body.count(b"\n") == body.count(b"\r\n")  # CRLF only
    doc = page(body)
    assert texts(doc.cssselect("div.detail-content_wrapper h1.detail-title")) == [
        "Việt Nam và Nhật Bản đối thoại về chính sách môi trường"
    ]
    assert texts(doc.cssselect("div.action-link div.date span.txt")) == ["Thứ Tư, 24/11/2021 20:28"]
    assert texts(doc.cssselect("div.action-link div.date h4.cate a strong")) == ["Thời sự"]
    assert doc.cssselect("h4.cate a")[0].get("href") == "/thoi-su-472ct0.htm"
    assert doc.cssselect("div.content_wrapper > div#plhMain_NewsDetail1_divSharelink")
    contents = doc.cssselect("div.content_wrapper > div.boxdetail > div.contents")[0]
    ids = [child.get("id") or child.get("class") for child in contents]
    assert ids[0] == "divfirst" and ids[-1] == "divend"
    assert "gliaplayer-container" in ids
    byline = " - ".join(site.articles[SEED_ID].authors)
    assert texts(doc.cssselect("div.boxdetail > div.author strong")) == [byline]
    assert texts(doc.cssselect("div.boxdetail > div.author i")) == ["(TTXVN)"]
    assert doc.cssselect("iframe#ifComment")[0].get("src").endswith("?n=" + SEED_ID)
    assert doc.cssselect("input#hdNewsId")[0].get("value") == SEED_ID


def test_seed_article_text_is_served_as_loaded(site: ReplicaSite) -> None:
    """The real seed text when the shared folder has it, else the stand-in: the same either way."""
    _, _, body = fetch(site.url + SEED_PATH)
    raw = body.decode("utf-8")
    article = site.articles[SEED_ID]
    captions = [figure.caption for figure in article.figures]
    doc = page(body)
    assert texts(doc.cssselect("div.content > h2.sapo")) == [article.sapo]
    assert texts(doc.cssselect("#divfirst > p, #divend > p")) == list(article.paragraphs)
    assert texts(doc.cssselect("div.contents figure.image figcaption")) == captions
    unescaped = html.unescape(raw)
    assert all(line in unescaped for line in [article.sapo, *article.paragraphs, *captions])
    # CKEditor-style encoding: Latin-1 letters as named entities, other Vietnamese letters raw.
    assert "&agrave;" in raw and "&ocirc;" in raw and "trường" in raw
    assert "Hà" not in raw.split('id="divfirst"')[1].split('id="divend"')[0]


def test_article_head_meta_and_json_ld(site: ReplicaSite) -> None:
    _, _, body = fetch(site.url + SEED_PATH)
    doc = page(body)
    article = site.articles[SEED_ID]

    def meta(selector: str) -> list[str]:
        return [m.get("content") for m in doc.cssselect(selector)]

    assert doc.findtext(".//title") == f"{article.title} | baotintuc.vn"
    assert meta('meta[name="news_keywords"]') == [", ".join(article.tags)]
    assert meta('meta[property="article:tag"]') == list(article.tags)
    assert meta('meta[property="article:published_time"]') == ["2021-11-24T20:28:00+07:00"]
    assert meta('meta[property="og:url"]') == [article.canonical_url]
    assert meta('meta[property="dable:item_id"]') == [SEED_ID]
    assert meta('meta[property="article:section"]') == ["Thời sự"]
    assert meta('meta[property="og:image"]')[0].startswith("https://cdnmedia.baotintuc.vn/Upload/")
    assert doc.cssselect('link[rel="canonical"]')[0].get("href") == article.canonical_url
    blocks = [json.loads(s.text) for s in doc.cssselect('script[type="application/ld+json"]')]
    assert [b["@type"] for b in blocks] == ["NewsArticle", "BreadcrumbList"]
    # Names and agency run together, as the site's JSON-LD does.
    assert blocks[0]["author"]["name"] == " - ".join(article.authors) + article.agency
    assert blocks[0]["mainEntityOfPage"]["@id"] == article.canonical_url
    crumb = blocks[1]["itemListElement"][1]["item"]
    assert crumb["@id"] == "https://baotintuc.vn/thoi-su-472ct0.htm"


def test_article_links_for_discovery_and_traps(site: ReplicaSite) -> None:
    _, _, body = fetch(site.url + SEED_PATH)
    doc = page(body)
    tags = doc.cssselect("div#plhMain_NewsDetail1_divTags.keysword ul li a")
    assert [a.get("href") for a in tags][:2] == [
        "/tags/việt+nam+-+nhật+bản.htm",
        "/tags/biến+đổi+khí+hậu.htm",
    ]
    labels = [a.text_content() for a in tags]
    assert labels[0] == "Việt Nam - Nhật Bản," and labels[1] == " biến đổi khí hậu,"
    related = doc.cssselect("ul#plhMain_NewsDetail1_divRelation.list-concern li.item h4 a")
    assert 1 <= len(related) <= 3
    widget = doc.cssselect("div.boxdetail > div.widget a.widget_thumb")
    assert widget and widget[0].get("href").startswith("https://baotintuc.vn/")
    assert "&amp;#" in body.decode() or "&#" in body.decode()  # double-escaped alt attributes
    boxes = {b.findtext("h2"): b for b in doc.cssselect("div.right-bar div.boxnews")}
    assert set(boxes) == {"tin đọc nhiều nhất", "tin cùng chuyên mục"}
    hrefs = [a.get("href") for a in doc.cssselect("ul.list-boxnews li.boxnews-item a.item_title")]
    assert any(h.startswith("http://www.baotintuc.vn/") for h in hrefs)
    assert doc.cssselect("div.right-bar div.boxlist ul li a.item_title")
    every = [a.get("href") or "" for a in doc.iter("a")]
    assert any(h.startswith("/video/") for h in every)
    assert any(h.startswith("/long-form/megastory/") for h in every)
    assert f"/viet-nam-va-nhat-ban-doi-thoai-ve-chinh-sach-moi-truong-n{SEED_ID}.htm" in every
    assert any(h.startswith("https://button-share.zalo.me/") for h in every)
    assert any(h.startswith("javascript:") for h in every)
    for trap in [h for h in every if h.startswith(("/video/", "/long-form/"))] + [
        f"/viet-nam-va-nhat-ban-doi-thoai-ve-chinh-sach-moi-truong-n{SEED_ID}.htm"
    ]:
        assert fetch(site.url + trap)[0] == 404, trap
    for link in related + widget:
        assert fetch(to_replica(site, link.get("href")))[0] == 200


def test_old_layout(fresh_site: ReplicaSite) -> None:
    article = make_article(fresh_site, "xa-hoi-129ct0", 1, layout="old")
    fresh_site.publish(article)
    _, _, body = fetch(fresh_site.article_url(article.id))
    doc = page(body)
    assert texts(doc.cssselect("div.newsdetail h1.title")) == [article.title]
    assert texts(doc.cssselect("div.newsdetail div.sharing span.time")) == [
        "Thứ Ba, 01/01/2030 08:01"
    ]
    assert texts(doc.cssselect("h2#plhMain_NewsDetail1_divSapoLive.sapo")) == [article.sapo]
    assert texts(doc.cssselect("div#plhMain_NewsDetail1_divContentLive > p")) == list(
        article.paragraphs
    )
    assert doc.cssselect("div#plhMain_NewsDetail1_divTags a")
    assert doc.cssselect('meta[property="og:title"]')
    assert not doc.cssselect('script[type="application/ld+json"]')
    assert not doc.cssselect('meta[property="article:published_time"]')
    assert not doc.cssselect("h1.detail-title")


# -- listings, tags, home ---------------------------------------------------------------------


def test_listing_pagination(fresh_site: ReplicaSite) -> None:
    category = fresh_site.state.categories["giao-duc-135ct0"]
    for n in range(2 * PER_PAGE + 3):
        fresh_site.publish(make_article(fresh_site, category.key, n))
    expected = [a.path for a in fresh_site.state.in_category(category)]
    url, seen, pages = fresh_site.url + "/giao-duc-135ct0.htm", [], 0
    while url:
        status, _, body = fetch(url)
        assert status == 200
        pages += 1
        seen += listing_links(body)
        doc = page(body)
        active = doc.cssselect("ul.list-pagination li a.active")
        assert texts(active) == [str(pages)]
        following = active[0].getparent().getnext()  # E6's rule: the li after the active one
        url = "" if following is None else to_replica(fresh_site, following.find("a").get("href"))
    # Each page holds the next PER_PAGE articles, each exactly once; page 1's lead block is an
    # editor's pick among them, the rest newest first.
    assert sorted(seen) == sorted(expected) and len(set(seen)) == len(seen)
    for start in range(0, len(seen), PER_PAGE):
        assert set(seen[start : start + PER_PAGE]) == set(expected[start : start + PER_PAGE])
    assert seen[PER_PAGE:] == expected[PER_PAGE:]
    assert pages == -(-len(expected) // PER_PAGE)
    first = fetch(fresh_site.url + "/giao-duc-135ct0.htm")[2]
    assert len(page(first).cssselect("#plhMain_ctl00_divFocus a.title > h2")) == 1
    assert len(page(first).cssselect("ul.list-ul > li.item > a.title > h3")) == 3
    assert fetch(fresh_site.url + "/giao-duc-135ct0/trang-1.htm")[2] == first
    status, _, beyond = fetch(fresh_site.url + f"/giao-duc-135ct0/trang-{pages + 5}.htm")
    assert status == 200 and listing_links(beyond) == []
    doc = page(first)
    assert doc.cssselect("ul.list-newsest > li.item > a.thumb[href][title] > img[src]")
    assert doc.cssselect("ul.list-newsest > li.item p.des")


def test_parent_listing_includes_children(site: ReplicaSite) -> None:
    parent = site.state.categories["xa-hoi-129ct0"]
    children = site.state.subtree_keys(parent)
    expected = [a.path for a in site.state.articles if a.category.key in children]
    links: list[str] = []
    for number in range(1, -(-len(expected) // PER_PAGE) + 1):
        links += listing_links(fetch(site.url + f"/xa-hoi-129ct0/trang-{number}.htm")[2])
    assert sorted(links) == sorted(expected) and len(set(links)) == len(links)


def test_tag_page_in_raw_and_percent_encoded_utf8(site: ReplicaSite) -> None:
    keyword = "biến+đổi+khí+hậu"
    status, body = fetch_raw_path(site, f"/tags/{keyword}.htm")
    assert status == 200
    assert SEED_PATH in listing_links(body)
    for path in (
        f"/tags/{quote(keyword, safe='+')}.htm",
        "/tags/" + quote("Biến đổi khí hậu") + ".htm",  # %20 for spaces, any case
    ):
        status, _, encoded = fetch(site.url + path)
        assert status == 200 and listing_links(encoded) == listing_links(body)
    assert site.requests[-1].decoded_path == "/tags/Biến đổi khí hậu.htm"
    status, _, unknown = fetch(site.url + "/tags/kh%C3%B4ng+c%C3%B3+th%E1%BA%ADt.htm")
    assert status == 200 and listing_links(unknown) == []


def test_home_page_lists_newest_articles(site: ReplicaSite) -> None:
    status, _, body = fetch(site.url + "/")
    doc = page(body)
    assert status == 200
    links = [a.get("href") for a in doc.cssselect("ul.list-newsest li.item a.title")]
    assert links == [a.path for a in site.state.newest(10)]
    menu = [a.get("href") for a in doc.cssselect("ul.list-navbar > li.nav-item > a")]
    assert "/thoi-su-472ct0.htm" in menu
    assert doc.cssselect('div.header a[href="/rss.htm"]')


# -- RSS --------------------------------------------------------------------------------------


def test_rss_index_and_feeds_are_well_formed(site: ReplicaSite) -> None:
    _, _, body = fetch(site.url + "/rss.htm")
    hrefs = [a.get("href") for a in page(body).iter("a") if (a.get("href") or "").endswith(".rss")]
    assert "/tin-moi-nhat.rss" in hrefs
    assert "https://baotintuc.vn/rss/thoi-su-472.rss" in hrefs
    expected = {c.rss_path for c in site.state.categories.values() if c.rss}
    assert {urlsplit(h).path for h in hrefs} == expected | {"/tin-moi-nhat.rss"}
    for href in hrefs:
        status, headers, feed = fetch(to_replica(site, href))
        assert status == 200, href
        assert headers["Content-Type"] == "application/rss+xml; charset=utf-8"
        channel = ET.fromstring(feed).find("channel")
        assert channel is not None and channel.findtext("language") == "vi"
        email.utils.parsedate_to_datetime(channel.findtext("lastBuildDate"))
        items = channel.findall("item")
        assert len(items) <= 20
        for item in items:
            link = item.findtext("link")
            assert link.startswith("https://baotintuc.vn/") and item.findtext("guid") == link
            assert item.findtext("pubDate").endswith("+0700")
            assert "<img" in item.findtext("description")
    latest = ET.fromstring(fetch(site.url + "/tin-moi-nhat.rss")[2])
    links = [i.findtext("link") for i in latest.iter("item")]
    assert links == [a.canonical_url for a in site.state.newest(20)]


# -- HTTP behaviour ---------------------------------------------------------------------------


def test_conditional_requests_and_head(site: ReplicaSite) -> None:
    url = site.url + SEED_PATH
    _, headers, body = fetch(url)
    etag, last_modified = headers["ETag"], headers["Last-Modified"]
    assert etag.startswith('"') and last_modified == "Wed, 24 Nov 2021 13:28:00 GMT"
    assert fetch(url, {"If-None-Match": etag})[0] == 304
    assert fetch(url, {"If-None-Match": '"other"'})[0] == 200
    assert fetch(url, {"If-Modified-Since": last_modified})[0] == 304
    assert fetch(url, {"If-Modified-Since": "Tue, 23 Nov 2021 00:00:00 GMT"})[0] == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110).
    both = {"If-None-Match": '"other"', "If-Modified-Since": last_modified}
    assert fetch(url, both)[0] == 200
    status, head_headers, head_body = fetch(url, method="HEAD")
    assert status == 200 and head_body == b"" and head_headers["ETag"] == etag
    assert int(head_headers["Content-Length"]) == len(body)
    for path in ("/thoi-su-472ct0.htm", "/rss/thoi-su-472.rss", "/robots.txt", "/rss.htm"):
        _, listing_headers, _ = fetch(site.url + path)
        assert fetch(site.url + path, {"If-None-Match": listing_headers["ETag"]})[0] == 304


def test_robots_txt(fresh_site: ReplicaSite) -> None:
    status, headers, body = fetch(fresh_site.url + "/robots.txt")
    text = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert "User-agent: *" in text
    for rule in ("Disallow: /Handler/", "Disallow: /Search.aspx", "Disallow: /ban-doc/"):
        assert rule in text
    assert "Sitemap:" in text
    fresh_site.set_robots("User-agent: *\nDisallow: /\n")
    assert fetch(fresh_site.url + "/robots.txt")[2] == b"User-agent: *\r\nDisallow: /\r\n"


@pytest.mark.parametrize(
    "path",
    [
        "/khong-co-trang-nay.htm",
        "/video.htm",
        "/thoi-su-472ct0/trang-0.htm",
        f"/news-{SEED_ID}.htm",
        "/thoi-su/khong-co-bai-nay-20990101000000000.htm",
        "/rss/kinh-te.rss",
        "/Search.aspx?KeySearch=moi+truong",
    ],
)
def test_unknown_paths_are_404(site: ReplicaSite, path: str) -> None:
    status, headers, body = fetch(site.url + path)
    assert status == 404 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "ETag" not in headers and b"<html" in body


def test_requests_are_recorded(fresh_site: ReplicaSite) -> None:
    fresh_site.clear_requests()
    fetch(fresh_site.url + "/robots.txt", {"User-Agent": "tintuc-test/1.0", "If-None-Match": '"x"'})
    [record] = fresh_site.requests
    assert (record.method, record.path, record.status) == ("GET", "/robots.txt", 200)
    assert record.user_agent == "tintuc-test/1.0" and record.if_none_match == '"x"'
    fresh_site.clear_requests()
    assert fresh_site.requests == []


# -- the moving site --------------------------------------------------------------------------


def test_publish_shows_on_listing_rss_and_tag_page(fresh_site: ReplicaSite) -> None:
    article = make_article(fresh_site, "van-de-quan-tam-149ct129", 7, tags=["rác thải nhựa"])
    _, before, _ = fetch(fresh_site.url + "/xa-hoi-129ct0.htm")
    fresh_site.publish(article)
    assert fetch(fresh_site.article_url(article.id))[0] == 200
    status, after, body = fetch(fresh_site.url + "/xa-hoi-129ct0.htm")
    assert article.path in listing_links(body)
    assert after["ETag"] != before["ETag"]
    feed = ET.fromstring(fetch(fresh_site.url + "/rss/xa-hoi-129.rss")[2])
    assert feed.find("channel/item/link").text == article.canonical_url
    assert article.path in listing_links(fetch_raw_path(fresh_site, "/tags/rác+thải+nhựa.htm")[1])
    with pytest.raises(ValueError):
        fresh_site.publish(article)


def test_edit_and_remove(fresh_site: ReplicaSite) -> None:
    url = fresh_site.article_url(SEED_ID)
    _, headers, _ = fetch(url)
    edited = fresh_site.edit(SEED_ID, title="Tiêu đề đã sửa")
    status, new_headers, body = fetch(url, {"If-Modified-Since": headers["Last-Modified"]})
    assert status == 200 and new_headers["ETag"] != headers["ETag"]
    assert texts(page(body).cssselect("h1.detail-title")) == ["Tiêu đề đã sửa"]
    assert edited.last_modified > edited.published
    fresh_site.remove(SEED_ID)
    assert fetch(url)[0] == 410
    assert SEED_ID not in fresh_site.articles
    assert SEED_PATH not in listing_links(fetch(fresh_site.url + "/thoi-su-472ct0.htm")[2])


# -- escaping, as the real page does it -------------------------------------------------------


def test_escaping_helpers() -> None:
    from replica.render import body_text, double_escaped_alt

    assert body_text('Hà Nội "xanh" & Đông Á') == (
        "H&agrave; Nội &quot;xanh&quot; &amp; Đ&ocirc;ng &Aacute;"
    )
    alt = double_escaped_alt("Mô hình 'xã hội' & Hà")
    assert alt == "M&#244; h&#236;nh &amp;#39;x&#227; hội&amp;#39; &amp;amp; H&#224;"
    assert html.unescape(alt) == "Mô hình &#39;xã hội&#39; &amp; Hà"  # decoding once is not enough


def test_thumbnail_alt_is_double_escaped(fresh_site: ReplicaSite) -> None:
    article = make_article(fresh_site, "the-thao-273ct0", 3, title="Đội tuyển 'vàng' trở về")
    fresh_site.publish(article)
    raw = fetch(fresh_site.url + "/the-thao-273ct0.htm")[2].decode()
    assert 'alt="Đội tuyển &amp;#39;v&#224;ng&amp;#39; trở về"' in raw
    assert 'title="Đội tuyển \'vàng\' trở về"' in raw
