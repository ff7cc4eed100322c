"""Every real page of the shared material extracts as its SOURCES.md says, field by field.

The expectations are read from SOURCES.md at test time (the team's ground truth, kept outside
the repository), so this file holds no text of the site; the one page described in prose there
is checked in tests/test_extract.py.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import pytest
from parsel import Selector

from crawler.extract import PRIMARY, extract
from crawler.listing import extract_listing
from replica import shared

pytestmark = pytest.mark.shared("real-pages")


@dataclass(frozen=True)
class Expected:
    file: str
    title: str
    published: str
    category: str
    category_url: str
    persons: tuple[str, ...]
    agency: str
    role: str
    tags: tuple[str, ...]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _byline(cell: str) -> tuple[tuple[str, ...], str, str]:
    """ "Tin, ảnh: X (TTXVN) → authors: X; agency: TTXVN; role: Tin, ảnh" → (persons, agency, role)."""
    facts = dict(part.split(": ", 1) for part in cell.split("→", 1)[1].strip().split("; "))
    persons = () if facts["authors"].strip() == "—" else tuple(p.strip() for p in facts["authors"].split(","))
    return persons, facts.get("agency", "").strip(), facts.get("role", "").strip()


def expected_pages() -> list[Expected]:
    """The rows of SOURCES.md's table of articles; [] when the material is absent."""
    path = shared.material("real-pages")
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = _cells(line)
        if len(cells) != 7 or not cells[0].startswith("`article_"):
            continue
        file, _provenance, title, published, category, byline, tags = cells
        name, url = re.fullmatch(r"(.+?) \(`(/[^`]+)`\)", category).groups()
        persons, agency, role = _byline(byline)
        rows.append(Expected(file.strip("`"), title, published, name, "https://baotintuc.vn" + url,
                             persons, agency, role, tuple(t.strip() for t in tags.split(";"))))
    return rows


EXPECTED = expected_pages()
# Without the material there is nothing to parametrise over: one placeholder, skipped by the marker.
PAGES = [pytest.param(page, id=page.file[8:60]) for page in EXPECTED] or [pytest.param(None, id="material")]


def test_sources_md_lists_the_fourteen_pages_of_july_2025():
    assert len(EXPECTED) == 14


@pytest.mark.parametrize("expected", PAGES)
def test_a_real_page_extracts_as_sources_md_says(expected):
    html = (shared.shared_dir() / "real-pages" / expected.file).read_text(encoding="utf-8")
    page = Selector(text=html)
    url = page.css('link[rel="canonical"]::attr(href)').get()
    found = extract(html, url)
    article = found.article
    assert article.title == expected.title
    assert article.published == expected.published
    assert (article.category, article.category_url) == (expected.category, expected.category_url)
    assert (article.authors, article.agency, article.credit_role) == (expected.persons, expected.agency, expected.role)
    assert article.tags == expected.tags
    # The body: the text of #divfirst and #divend (in NFC, as the extractor gives all text),
    # nothing of the ad slot between them.
    paragraphs = [unicodedata.normalize("NFC", " ".join(" ".join(p.css("::text").getall()).split()))
                  for p in page.css("#divfirst p, #divend p")]
    body = article.body_text.split("\n\n")
    assert [p for p in paragraphs if p] == [p for p in body if p in paragraphs]
    assert all(p in paragraphs or p in [f.caption for f in article.images] for p in body)
    # Every field from its first-choice source but the modification time, which the site
    # declares only in JSON-LD.
    assert {name for name in PRIMARY if not found.is_primary(name)} == {"modified"}


def test_the_real_listing_yields_its_own_24_items_and_its_pagination():
    html = (shared.shared_dir() / "real-pages" / "listing_phap-luat-475ct0.html").read_text(encoding="utf-8")
    listing = extract_listing(html, "https://baotintuc.vn/phap-luat-475ct0.htm")
    assert Counter(item.block for item in listing.items) == {"lead": 1, "top": 3, "list": 20}
    assert all(item.title and item.site_id and item.url.startswith("https://baotintuc.vn/") for item in listing.items)
    assert all(item.summary for item in listing.items if item.block != "top")
    assert not any(item.summary for item in listing.items if item.block == "top")
    # The right-hand boxes list articles of their own (some also in the listing): none of those
    # is taken for an item.
    boxes = Selector(text=html).css("li.boxnews-item a::attr(href)").getall()
    box_ids = {match.group(1) for href in boxes if (match := re.search(r"(\d{17})\.htm", href))}
    items = {item.site_id for item in listing.items}
    assert box_ids - items and len(items) == 24
    assert listing.page == 1
    assert listing.pages == tuple(f"https://baotintuc.vn/phap-luat-475ct0/trang-{n}.htm" for n in range(2, 7))
    assert listing.next_page == "https://baotintuc.vn/phap-luat-475ct0/trang-2.htm"
    newest = max(item.created for item in listing.items)
    assert (newest.year, newest.month, newest.day) == (2025, 7, 13)
