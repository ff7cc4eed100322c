"""URL knowledge: kinds of pages, ids, and the mapping between the site and a mirror."""

from __future__ import annotations

from datetime import date

import pytest

from crawler.urls import (
    START_URL,
    Kind,
    Site,
    article_id,
    day_archive,
    feed_category,
    is_day_archive,
    kind_of,
    listing_ids,
    listing_page,
    next_page,
    page_number,
    tag_keyword,
    tag_page,
)

MIRROR = Site("http://127.0.0.1:8123")


@pytest.mark.parametrize("url, kind", [
    (START_URL.removeprefix("https://baotintuc.vn"), Kind.ARTICLE),
    ("/anh/le-hoi-20240101080000000.htm", Kind.ARTICLE),
    ("/thoi-su-472ct0.htm", Kind.LISTING),
    ("/thoi-su-472ct0/trang-3.htm", Kind.LISTING),
    ("/Thuc-hien-Nghi-quyet-57-1624ct0.htm", Kind.LISTING),
    ("/tags/môi+trường.htm", Kind.TAG),
    ("/tags/m%C3%B4i+tr%C6%B0%E1%BB%9Dng/trang-2.htm", Kind.TAG),
    ("/rss.htm", Kind.RSS_INDEX),
    ("/rss/kinh-te-128.rss", Kind.RSS),
    ("/video/clip-v12345.htm", None),
    ("/long-form/megastory/bai-20240101080000000.htm", None),
    ("/ukraine-co-thu-tuong-moi-n20260716171712046.htm", None),
    ("/news-20260716171712046.htm", None),
])
def test_kind_of(url, kind):
    assert kind_of("https://baotintuc.vn" + url) is kind


def test_article_id_and_paging():
    assert article_id(START_URL) == "20211124202628584"
    assert page_number("https://baotintuc.vn/thoi-su-472ct0.htm") == 1
    assert next_page("https://baotintuc.vn/thoi-su-472ct0.htm") == "https://baotintuc.vn/thoi-su-472ct0/trang-2.htm"
    assert next_page("https://baotintuc.vn/tags/a+b/trang-2.htm") == "https://baotintuc.vn/tags/a+b/trang-3.htm"
    assert tag_keyword("https://baotintuc.vn/tags/bi%E1%BA%BFn+%C4%91%E1%BB%95i.htm") == "biến đổi"


@pytest.mark.parametrize("href", [
    "https://baotintuc.vn/thoi-su/a-20240101080000000.htm",
    "http://baotintuc.vn/thoi-su/a-20240101080000000.htm",
    "https://www.baotintuc.vn/thoi-su/a-20240101080000000.htm",
    "/thoi-su/a-20240101080000000.htm",
    "/thoi-su/a-20240101080000000.htm?utm_source=x#top",
])
def test_every_spelling_of_a_site_link_maps_onto_the_mirror_and_back(href):
    url = MIRROR.absolute(href, "http://127.0.0.1:8123/thoi-su-472ct0.htm")
    assert MIRROR.to_fetch(url) == "http://127.0.0.1:8123/thoi-su/a-20240101080000000.htm" + ("?utm_source=x" if "utm" in href else "")
    assert MIRROR.to_canonical(url) == "https://baotintuc.vn/thoi-su/a-20240101080000000.htm"


@pytest.mark.parametrize("href", ["https://example.com/a-20240101080000000.htm", "javascript:void(0)",
                                  "mailto:a@b.c", "https://s1.baotintuc.vn/Comment.aspx?n=1", "#top"])
def test_links_off_the_site_are_refused(href):
    assert MIRROR.absolute(href, "http://127.0.0.1:8123/") is None


def test_tag_urls_are_percent_encoded_for_fetching():
    assert MIRROR.to_fetch("https://baotintuc.vn/tags/môi+trường.htm") == \
        "http://127.0.0.1:8123/tags/m%C3%B4i+tr%C6%B0%E1%BB%9Dng.htm"


@pytest.mark.parametrize(("href", "expected"), [
    ("/thoi-su/bai-20211124202628584.htm#comments", ("https://baotintuc.vn/thoi-su/bai-20211124202628584.htm", Kind.ARTICLE)),
    ("http://www.baotintuc.vn/tags/jica.htm", ("https://baotintuc.vn/tags/jica.htm", Kind.TAG)),
    ("trang-2.htm", ("https://baotintuc.vn/thoi-su-472ct0/trang-2.htm", Kind.LISTING)),  # relative to the page
    ("/lien-he.htm", None),  # a page the crawler does not know
    ("https://example.com/thoi-su/bai-20211124202628584.htm", None),  # off the site
])
def test_resolve_gives_a_links_canonical_url_and_kind(href, expected):
    assert MIRROR.resolve(href, "http://127.0.0.1:8123/thoi-su-472ct0/trang-1.htm") == expected


# -- the archive: pages, day archives, feeds and tags, as the backfill and the watcher build them --


def test_any_page_of_a_listing_or_tag_page_is_built_from_any_other():
    assert listing_page("https://baotintuc.vn/thoi-su-472ct0.htm", 5) == "https://baotintuc.vn/thoi-su-472ct0/trang-5.htm"
    assert listing_page("https://baotintuc.vn/thoi-su-472ct0/trang-5.htm", 1) == "https://baotintuc.vn/thoi-su-472ct0.htm"
    assert listing_page("https://baotintuc.vn/tags/jica/trang-2.htm", 3) == "https://baotintuc.vn/tags/jica/trang-3.htm"


def test_a_day_archive_is_the_listing_and_the_day_unpadded_and_it_pages_like_a_listing():
    day = day_archive("https://baotintuc.vn/thoi-su-472ct0/trang-3.htm", date(2024, 3, 7))
    assert day == "https://baotintuc.vn/thoi-su-472ct0/d7-3-2024.htm"
    assert kind_of(day) is Kind.LISTING and is_day_archive(day) and page_number(day) == 1
    assert page_number(listing_page(day, 2)) == 2 and is_day_archive(listing_page(day, 2))
    assert not is_day_archive("https://baotintuc.vn/thoi-su-472ct0/trang-2.htm")


def test_listing_feed_and_tag_urls_name_their_ids_and_keywords():
    assert listing_ids("https://baotintuc.vn/an-ninh-trat-tu-579ct475.htm") == (579, 475)
    assert listing_ids("https://baotintuc.vn/thoi-su-472ct0/trang-9.htm") == (472, 0)
    assert listing_ids("https://baotintuc.vn/thoi-su/bai-20211124202628584.htm") is None
    assert feed_category("https://baotintuc.vn/rss/kinh-te-128.rss") == 128
    assert feed_category("https://baotintuc.vn/tin-moi-nhat.rss") is None
    url = tag_page("Biến  đổi khí hậu")
    assert kind_of(url) is Kind.TAG and tag_keyword(url) == "biến đổi khí hậu"
    assert Site().to_canonical(url) == url
