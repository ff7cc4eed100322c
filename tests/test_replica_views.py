"""The replica's list pages, category tree and publishing clock, against docs/site.md §2, §6, §7
and the saved real listing (``listing_phap-luat-475ct0.html``).

Pages are rendered through the pure router (``routes.resolve``) where no HTTP is needed; the
clock tests go through a running site, for the validators and 304s.
"""

from __future__ import annotations

import email.utils
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.parse import quote

import lxml.html
import pytest

from replica import (
    REAL_LAYOUT,
    Layout,
    ManualClock,
    ReplicaArticle,
    ReplicaSite,
    load_corpus,
    shared,
)
from replica.corpus import VN_TZ
from replica.routes import resolve
from replica.site import Content, SiteState

CATEGORY = "phap-luat-475ct0"
SUB = "an-ninh-trat-tu-579ct475"
BASE = datetime(2030, 3, 5, 6, 0, tzinfo=VN_TZ)  # after every corpus article


def make(categories, key: str, n: int, *, at: datetime | None = None, **fields) -> ReplicaArticle:
    """Article n of a synthetic series, one every 37 minutes from BASE (or at ``at``)."""
    published = at or BASE + timedelta(minutes=37 * n)
    values = {
        "id": published.strftime("%Y%m%d%H%M%S") + f"{n % 1000:03d}",
        "slug": f"bai-so-{n}",
        "category": categories[key],
        "title": f"Bài số {n}",
        "sapo": f"Tóm tắt bài số {n}.",
        "paragraphs": ["Đoạn một.", "Đoạn hai."],
        "published": published,
        "tags": ["thử nghiệm", f"nhóm {n % 3}"],
    }
    values.update(fields)
    return ReplicaArticle(**values)


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


@pytest.fixture(scope="module")
def big(corpus) -> SiteState:
    """The corpus plus 150 articles in Pháp luật and its sub-category, at the real page sizes."""
    extra = [make(corpus.categories, SUB if n % 4 == 0 else CATEGORY, n) for n in range(150)]
    return SiteState.build(corpus.categories, [*corpus.articles.values(), *extra],
                           layout=REAL_LAYOUT)


def page(state: SiteState, path: str) -> lxml.html.HtmlElement:
    response = resolve(state, path.encode().decode("latin-1"))  # as http.server passes it
    assert response.status == 200, path
    return lxml.html.fromstring(response.body)


def hrefs(doc: lxml.html.HtmlElement, selector: str) -> list[str]:
    return [a.get("href") for a in doc.cssselect(selector)]


def own_items(doc: lxml.html.HtmlElement) -> list[str]:
    """The listing's own items: lead, ``ul.list-ul``, ``ul.list-newsest`` (docs/site.md §6)."""
    return (hrefs(doc, "#plhMain_ctl00_divFocus div.item-info > a.title")
            + hrefs(doc, "ul.list-ul > li.item > a.title")
            + hrefs(doc, "ul.list-newsest > li.item a.title"))


def structure(doc: lxml.html.HtmlElement) -> dict[str, object]:
    """What docs/site.md §6 says a listing's page 1 looks like, measured on a page."""
    pagination = doc.cssselect("ul.list-pagination li.pagination-item a")
    return {
        "lead": len(doc.cssselect("#plhMain_ctl00_divFocus > a.thumb > img")),
        "lead title": len(doc.cssselect("#plhMain_ctl00_divFocus div.item-info > a.title > h2")),
        "lead summary": len(doc.cssselect("#plhMain_ctl00_divFocus div.item-info > p.des")),
        "list-ul": len(doc.cssselect("ul.list-ul > li.item > a.title > h3")),
        "list-ul thumbs": len(doc.cssselect("ul.list-ul > li.item > a.thumb > img")),
        "list-ul summaries": len(doc.cssselect("ul.list-ul p.des")),
        "newsest": len(doc.cssselect("ul.list-newsest > li.item > div.item-info > a.title > h3")),
        "newsest thumbs": len(doc.cssselect("ul.list-newsest > li.item > a.thumb > img")),
        "newsest summaries": len(doc.cssselect("ul.list-newsest > li.item p.des")),
        "active": [(a.text, a.get("href")) for a in pagination
                   if "active" in (a.get("class") or "")],
        "last link": pagination[-1].text if pagination else None,
        "boxes": len(doc.cssselect("div.right-bar li.boxnews-item")) > 0,
        "by date": len(doc.cssselect("div.boxbydate select#ddNgay")),
        "og:url": doc.cssselect('meta[property="og:url"]')[0].get("content"),
    }


# -- listings --------------------------------------------------------------------------------------


def test_page_one_has_the_real_listings_structure(big: SiteState) -> None:
    doc = page(big, f"/{CATEGORY}.htm")
    assert structure(doc) == {
        "lead": 1, "lead title": 1, "lead summary": 1,
        "list-ul": 3, "list-ul thumbs": 3, "list-ul summaries": 0,
        "newsest": 20, "newsest thumbs": 20, "newsest summaries": 20,
        "active": [("1", "javascript:void(0)")], "last link": "Tiếp",
        "boxes": True, "by date": 1, "og:url": "https://baotintuc.vn",
    }
    canonical = doc.cssselect('link[rel="canonical"]')[0].get("href")
    assert canonical == f"https://baotintuc.vn/{CATEGORY}.htm"
    following = hrefs(doc, "ul.list-pagination li.pagination-item a")[1:]
    assert following == [f"/{CATEGORY}/trang-{n}.htm" for n in range(2, 7)] + [
        f"/{CATEGORY}/trang-2.htm"]
    # The right-hand boxes are not the listing's items (docs/site.md §6).
    box = set(hrefs(doc, "div.right-bar li.boxnews-item a"))
    assert not box & set(own_items(doc)) - {a.path for a in big.highlights(big.category(CATEGORY))}


@pytest.mark.shared("real-pages")
def test_the_replica_listing_measures_like_the_saved_real_one(big: SiteState) -> None:
    real = lxml.html.fromstring(
        (shared.shared_dir() / "real-pages" / "listing_phap-luat-475ct0.html").read_bytes())
    ours = page(big, f"/{CATEGORY}.htm")
    assert structure(ours) == structure(real)
    # The real page's menu is our category tree (listing slugs and ids as the menu links them).
    ours_menu = set(hrefs(ours, "ul.list-navbar a[href$='.htm']"))
    real_menu = set(hrefs(real, "ul.list-navbar a[href$='.htm']"))
    listings = {h for h in real_menu if "ct" in h}
    assert listings <= ours_menu


def test_pages_partition_the_listing_newest_first(big: SiteState) -> None:
    category = big.category(CATEGORY)
    expected = [a.path for a in big.in_category(category)]
    first = page(big, f"/{CATEGORY}.htm")
    seen, number = [own_items(first)], 2
    assert len(seen[0]) == 24 and set(seen[0]) == set(expected[:24])
    assert hrefs(first, "ul.list-newsest > li.item a.title") == [
        p for p in expected[:24] if p in hrefs(first, "ul.list-newsest > li.item a.title")]
    while True:
        doc = page(big, f"/{CATEGORY}/trang-{number}.htm")
        items = own_items(doc)
        if not items:
            break
        assert not doc.cssselect("#plhMain_ctl00_divFocus, ul.list-ul")  # no lead block
        seen.append(items)
        number += 1
    flat = [p for items in seen for p in items]
    assert sorted(flat) == sorted(expected) and len(set(flat)) == len(flat)
    assert flat[24:] == expected[24:]
    assert [len(items) for items in seen[1:-1]] == [20] * (len(seen) - 2)
    last = page(big, f"/{CATEGORY}/trang-{len(seen)}.htm")
    links = last.cssselect("ul.list-pagination li.pagination-item a")
    assert links[-1].text == str(len(seen)) and "active" in links[-1].get("class")  # no Tiếp


def test_sub_category_listing_carries_its_parents_id(big: SiteState) -> None:
    doc = page(big, f"/{SUB}.htm")
    assert all(p.startswith("/an-ninh-trat-tu/") for p in own_items(doc))
    assert doc.cssselect("#hidParentId")[0].get("value") == "475"
    assert doc.cssselect("#hidCatId")[0].get("value") == "579"


def test_the_featured_pick_is_not_simply_the_newest(big: SiteState) -> None:
    """On the real page the lead is the 2nd newest item and list-ul holds older ones: the lead
    block is an editor's pick among page 1's items, shown newest first."""
    category = big.category(CATEGORY)
    newest = [a.path for a in big.in_category(category)][:24]
    doc = page(big, f"/{CATEGORY}.htm")
    featured = own_items(doc)[:4]
    assert featured == [p for p in newest if p in featured]  # in order
    assert set(featured) <= set(newest[:16])


# -- the category tree -----------------------------------------------------------------------------


def test_the_category_tree_is_the_real_menus(corpus) -> None:
    categories = corpus.categories
    top = [c for c in categories.values() if not c.parent]
    assert len(categories) == 77 and len(top) == 19
    for category in categories.values():
        if category.parent:
            parent = categories[category.parent]
            assert not parent.parent  # two levels
            # A sub-category's key carries its parent's id, but for one quirk of the real menu.
            quirk = category.key == "chinh-sach-bhxh-bhyt-591ct128"
            assert category.parent_id == parent.cat_id or quirk
        else:
            assert category.parent_id == 0
    assert sum(c.rss for c in categories.values()) + 1 == 23  # with /tin-moi-nhat.rss
    assert categories["phan-tich-nhan-dinh-525ct130"].path == "phan-tichnhan-dinh"
    for key in ("thoi-su-472ct0", "the-gioi-130ct0", "kinh-te-128ct0", "xa-hoi-129ct0",
                "van-de-quan-tam-149ct129", "khoa-hoc-doi-song-515ct131",
                "bien-dao-viet-nam-537ct0", "dia-phuong-529ct0"):
        assert key in categories


def test_a_listing_alias_serves_the_listing_with_its_canonical_url(big: SiteState) -> None:
    doc = page(big, "/hoi-dap-607ct475.htm")
    canonical = doc.cssselect('link[rel="canonical"]')[0].get("href")
    assert canonical == "https://baotintuc.vn/don-thu-ban-doc-607ct475.htm"
    assert "/hoi-dap-607ct475.htm" in hrefs(doc, "ul.list-navbar a")  # as the real menu links it


# -- tag pages and day archives --------------------------------------------------------------------


def test_tag_pages_paginate_without_a_lead_block(big: SiteState) -> None:
    tagged = [a.path for a in big.with_tag("thử nghiệm")]
    assert len(tagged) == 150
    seen = []
    for number in range(1, 9):
        path = "/tags/thử+nghiệm.htm" if number == 1 else f"/tags/thử+nghiệm/trang-{number}.htm"
        doc = page(big, path)
        assert not doc.cssselect("#plhMain_ctl00_divFocus, ul.list-ul")
        seen += own_items(doc)
    assert seen == tagged  # 20 a page, newest first
    percent = "/tags/" + quote("thử+nghiệm", safe="+") + "/trang-2.htm"
    assert own_items(page(big, percent)) == tagged[20:40]


def test_day_archives_list_one_vietnam_day_of_the_sub_tree(big: SiteState) -> None:
    category = big.category(CATEGORY)
    day = (BASE + timedelta(days=1)).date()
    expected = [a.path for a in big.in_category(category)
                if a.published.astimezone(VN_TZ).date() == day]
    assert len(expected) > 20  # one every 37 minutes: ~39 a day, all on one page
    doc = page(big, f"/{CATEGORY}/d{day.day}-{day.month}-{day.year}.htm")
    assert own_items(doc) == expected
    assert not doc.cssselect("#plhMain_ctl00_divFocus, ul.list-pagination")
    padded = page(big, f"/{CATEGORY}/d{day.day:02d}-{day.month:02d}-{day.year}.htm")
    assert own_items(padded) == expected
    canonical = padded.cssselect('link[rel="canonical"]')[0].get("href")
    assert canonical == f"https://baotintuc.vn/{CATEGORY}/d{day.day}-{day.month}-{day.year}.htm"
    sub = own_items(page(big, f"/{SUB}/d{day.day}-{day.month}-{day.year}.htm"))
    assert sub and set(sub) < set(expected)
    assert own_items(page(big, f"/{CATEGORY}/d1-1-2041.htm")) == []  # no news that day
    for wrong in (f"/{CATEGORY}/d31-2-2030.htm", f"/{CATEGORY}/d6-3-2030/trang-2.htm",
                  "/khong-co-muc-nay-1ct0/d6-3-2030.htm"):
        assert resolve(big, wrong).status == 404, wrong


def test_day_archives_paginate_when_the_layout_says_so(corpus) -> None:
    extra = [make(corpus.categories, CATEGORY, n) for n in range(60)]
    state = SiteState.build(corpus.categories, extra, layout=Layout(day_page=10))
    day = (BASE + timedelta(days=1)).date()
    base = f"/{CATEGORY}/d{day.day}-{day.month}-{day.year}"
    first, second = page(state, base + ".htm"), page(state, base + "/trang-2.htm")
    assert len(own_items(first)) == 10 and len(own_items(second)) == 10
    assert not set(own_items(first)) & set(own_items(second))
    assert hrefs(first, "ul.list-pagination a")[-1] == base + "/trang-2.htm"


# -- the publishing clock --------------------------------------------------------------------------


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def scheduled(corpus) -> Iterator[tuple[ReplicaSite, ManualClock, list[ReplicaArticle]]]:
    """A site with 30 articles scheduled from BASE, its clock just before the first."""
    clock = ManualClock(BASE - timedelta(minutes=1))
    site = ReplicaSite(clock=clock)
    articles = [make(corpus.categories, SUB, n, tags=["lịch hẹn"]) for n in range(30)]
    site.schedule(*articles)
    with site:
        yield site, clock, articles


def test_an_article_is_invisible_before_its_time_and_everywhere_after(scheduled) -> None:
    site, clock, articles = scheduled
    first = articles[0]
    day = first.published.date()
    pages = [f"/{CATEGORY}.htm", f"/{SUB}.htm", "/tags/lịch+hẹn.htm",
             f"/{CATEGORY}/d{day.day}-{day.month}-{day.year}.htm", "/", "/tin-moi-nhat.rss",
             "/rss/phap-luat-475.rss", "/an-ninh-trat-tu-579ct475/trang-1.htm"]

    def shown(path: str) -> bool:
        return first.path.encode() in fetch(site.url + quote(path, safe="/+:"))[2]

    assert fetch(site.url + first.path)[0] == 404
    assert not any(shown(p) for p in pages)
    assert first.id not in site.articles
    clock.set(first.published)
    assert fetch(site.url + first.path)[0] == 200
    assert [p for p in pages if not shown(p)] == []
    assert not fetch(site.url + articles[1].path)[0] == 200  # the next one is 37 minutes away


def test_validators_follow_what_is_visible(scheduled) -> None:
    site, clock, articles = scheduled
    url = site.url + f"/{SUB}.htm"
    status, headers, _ = fetch(url)
    etag, last_modified = headers["ETag"], headers["Last-Modified"]
    clock.advance(seconds=30)  # nothing published meanwhile
    assert fetch(url, {"If-None-Match": etag})[0] == 304
    assert fetch(url, {"If-Modified-Since": last_modified})[0] == 304
    clock.set(articles[2].published)
    status, after, body = fetch(url, {"If-None-Match": etag})
    assert status == 200 and after["ETag"] != etag
    assert email.utils.parsedate_to_datetime(after["Last-Modified"]) == articles[2].published
    assert articles[2].path.encode() in body and articles[3].path.encode() not in body
    assert fetch(url, {"If-Modified-Since": last_modified})[0] == 200
    assert email.utils.parsedate_to_datetime(after["Date"]) == articles[2].published


def test_rss_holds_only_the_newest_visible_items(scheduled) -> None:
    site, clock, articles = scheduled
    clock.set(articles[-1].published + timedelta(hours=1))
    feed = ET.fromstring(fetch(site.url + "/rss/phap-luat-475.rss")[2])
    links = [item.findtext("link") for item in feed.iter("item")]
    assert links == [a.canonical_url for a in reversed(articles)][:20]
    build = email.utils.parsedate_to_datetime(feed.findtext("channel/lastBuildDate"))
    assert build == articles[-1].published


def test_publish_shows_an_article_at_once_whatever_the_clock(scheduled, corpus) -> None:
    site, clock, _ = scheduled
    early = make(corpus.categories, CATEGORY, 999, at=BASE + timedelta(days=30))
    site.publish(early)
    assert fetch(site.url + early.path)[0] == 200
    assert early.path.encode() in fetch(site.url + f"/{CATEGORY}.htm")[2]
    site.remove(early.id)
    assert fetch(site.url + early.path)[0] == 410


def test_without_a_clock_the_hand_written_site_shows_everything(corpus) -> None:
    content = Content(corpus.categories, corpus.articles.values())
    now, timeless = content.at(datetime.now(VN_TZ)), content.at(None)
    assert now.articles == timeless.articles and len(now.articles) == len(corpus.articles)
    assert now.most_read() == timeless.most_read()
    with ReplicaSite() as site:
        assert set(site.articles) == set(corpus.articles)


def test_scheduling_an_existing_id_is_refused(scheduled) -> None:
    site, _, articles = scheduled
    with pytest.raises(ValueError):
        site.schedule(articles[0])
    with pytest.raises(ValueError):
        site.publish(articles[-1])  # scheduled, not yet visible: still taken
