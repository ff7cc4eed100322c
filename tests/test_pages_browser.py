"""The web pages in a real browser: headless Chromium against the served pages of a real crawl
of the replica, at a phone's width and a laptop's.

What a person would check: the titles are there and visible, the links lead somewhere, the page
fits the screen, the style sheet is let in by the Content-Security-Policy and nothing is
blocked, the keyboard reaches a skip link that shows and a focus that is visible, text has
enough contrast, and a missing lead image (cdnmedia.baotintuc.vn is unreachable here) keeps its
box. Screenshots of every page looked at, at both widths, go to test-artifacts/ (ignored by
git); docs/screenshots/index.png is one of them.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

import pytest

from crawler.classify import load_rules
from feeds import generate, load_definitions
from feeds.server import create_app
from storage import Store
from tests import browser
from tests.feeds_support import fetch, running_server

pytestmark = pytest.mark.e2e
PAGE_SIZE = 10  # the replica has a few dozen articles per topic: pages of 10 show the paging
WIDTHS = {"phone": browser.PHONE, "laptop": browser.LAPTOP}

# The smallest contrast ratio of every piece of text against the background behind it (WCAG
# 2.x relative luminance; backgrounds are opaque in style.css, so the first one up the tree is
# the one seen).
CONTRAST = """
function luminance(rgb) {
  const [r, g, b] = rgb.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function rgb(color) { return color.match(/[\\d.]+/g).slice(0, 4).map(Number); }
function background(element) {
  for (let e = element; e; e = e.parentElement) {
    const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length < 4 || c[3] > 0) return c.slice(0, 3);
  }
  return [255, 255, 255];
}
let worst = [99, ''];
for (const e of document.querySelectorAll('body *')) {
  const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  const box = e.getBoundingClientRect();
  if (!own || box.width < 2 || box.height < 2 || e.closest('svg')) continue;
  const style = getComputedStyle(e);
  if (style.visibility !== 'visible' || style.display === 'none') continue;
  const [a, b] = [luminance(rgb(style.color).slice(0, 3)), luminance(background(e))];
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  if (ratio < worst[0]) worst = [ratio, e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 40)];
}
return worst;
"""


@pytest.fixture(scope="module")
def site(crawled_db, tmp_path_factory):
    """The default feeds of a real crawl of the replica, in pages of 10, served on 127.0.0.1."""
    out = tmp_path_factory.mktemp("pages")
    defaults, _ = load_definitions(None, load_rules())
    definitions = [replace(d, limit=PAGE_SIZE, archive_page_size=PAGE_SIZE) for d in defaults]
    with Store.open(crawled_db) as store:
        report = generate(store, definitions, out, base_url="http://127.0.0.1:8080/")
    assert report.ok, report.errors
    with running_server(create_app(out, max_age=0)) as url:
        yield {"url": url, "out": out, "definitions": definitions, "report": report}


def test_the_pages_read_work_and_fit_on_a_phone_and_a_laptop(site, chromium):
    driver, url = chromium, site["url"]
    browser.ARTIFACTS.mkdir(exist_ok=True)
    internal: set[str] = set()
    for device, (width, height) in WIDTHS.items():
        browser.emulate(driver, width, height)
        driver.get_log("browser")  # start each round with an empty console

        # The index: every feed, its newest articles, its address to copy, the chart.
        driver.get(url + "/")
        look(driver, f"index-{width}", device)
        assert driver.title == "Tin tức baotintuc.vn theo chủ đề"
        assert visible(driver, "h1") == ["Tin tức baotintuc.vn theo chủ đề"]
        assert visible(driver, "section.feed h2") == [d.title for d in site["definitions"]]
        titles = visible(driver, "section.feed .card .title a")
        assert len(titles) == 4 * 5 and all(titles)
        boxes = driver.find_elements("css selector", "input.copy")
        assert [b.get_attribute("value") for b in boxes] == [
            f"http://127.0.0.1:8080/{d.slug}.atom" for d in site["definitions"]
        ]
        assert "Lần thu thập gần nhất" in visible(driver, "p.crawl")[0]
        chart = driver.find_element("css selector", "figure.chart svg")
        assert chart.size["width"] >= min(width - 32, 704) - 1  # the column's, at most 44rem
        assert chart.size["height"] >= chart.size["width"] / 2 - 1  # its 2:1 viewBox
        internal |= links(driver, url)

        # A feed's page, reached by its link: every entry explained; then its older page.
        driver.find_element("css selector", "section#moi-truong h2 a").click()
        assert urlsplit(driver.current_url).path == "/moi-truong/"
        look(driver, f"moi-truong-{width}", device)
        assert visible(driver, "h1") == ["Môi trường | baotintuc.vn"]
        assert len(visible(driver, "ol.cards h2.title a")) == PAGE_SIZE
        assert len(visible(driver, ".why")) == PAGE_SIZE
        assert all(w.startswith("Vì sao bài này được chọn") for w in visible(driver, ".why"))
        internal |= links(driver, url)
        driver.find_element("css selector", "nav.pager a[rel=next]").click()
        assert urlsplit(driver.current_url).path.startswith("/moi-truong/archive-")
        look(driver, f"moi-truong-archive-{width}", device)
        assert "lưu trữ, trang" in visible(driver, "h1")[0]
        assert len(visible(driver, "ol.cards h2.title a")) == PAGE_SIZE
        internal |= links(driver, url)

        # Nothing the pages ask for is refused by the Content-Security-Policy, nothing fails
        # but the lead images of cdnmedia.baotintuc.vn, unreachable here by design.
        problems = [
            entry["message"]
            for entry in driver.get_log("browser")
            if "ERR_NAME_NOT_RESOLVED" not in entry["message"]
        ]
        assert problems == [], problems
    for path in sorted(internal):
        assert fetch(url, path)[0] == 200, path


def test_the_keyboard_finds_a_skip_link_and_a_visible_focus(site, chromium):
    from selenium.webdriver.common.keys import Keys

    driver = chromium
    browser.emulate(driver, *browser.LAPTOP)
    driver.get(site["url"] + "/moi-truong/")
    body = driver.find_element("tag name", "body")
    body.send_keys(Keys.TAB)
    skip = driver.switch_to.active_element
    assert skip.text == "Bỏ qua, đến nội dung chính" and skip.is_displayed()
    assert skip.location["y"] >= 0 and focus_ring(driver, skip)
    (browser.ARTIFACTS / "skip-link-1280.png").write_bytes(browser.viewport_png(driver))
    skip.send_keys(Keys.ENTER)
    assert driver.execute_script("return document.activeElement.id") == "main"
    skip.send_keys(Keys.TAB)  # from the main landmark on: its first link
    link = driver.switch_to.active_element
    assert link.tag_name == "a" and focus_ring(driver, link)


# -- helpers -------------------------------------------------------------------------------------


def look(driver, name: str, device: str) -> None:
    """Checks that hold for every page, and its screenshots (the first screen and the whole)."""
    width = driver.execute_script("return window.innerWidth")
    overflow = driver.execute_script("return document.documentElement.scrollWidth")
    assert overflow <= width, f"{name}: {overflow} px wide on a {width} px screen"
    assert driver.execute_script("return document.documentElement.lang") == "vi"
    # style.css is applied: the header has its background (the CSP let the sheet in).
    header = driver.find_element("css selector", "header.site")
    assert header.value_of_css_property("background-color") == "rgba(243, 244, 246, 1)"
    ratio, where = driver.execute_script(CONTRAST)
    assert ratio >= 4.5, f"{name}: contrast {ratio:.2f} at {where}"
    for image in driver.find_elements("css selector", "img.thumb")[:5]:
        assert image.get_attribute("alt").startswith("Ảnh minh họa: ")
        size = image.size  # the image does not load here: its box must hold anyway
        assert (size["width"], size["height"]) in ((96, 60), (128, 80), (200, 125)), size
    (browser.ARTIFACTS / f"{name}-screen.png").write_bytes(browser.viewport_png(driver))
    (browser.ARTIFACTS / f"{name}.png").write_bytes(browser.full_page_png(driver))
    browser.emulate(driver, *WIDTHS[device])  # the full-page capture resizes the viewport


def visible(driver, selector: str) -> list[str]:
    """The text of the elements matching `selector`; every one of them must be displayed."""
    found = driver.find_elements("css selector", selector)
    assert found, f"nothing matches {selector}"
    for element in found:
        assert element.is_displayed(), f"{selector}: {element.text!r} is not displayed"
    return [element.text.strip() for element in found]


def links(driver, url: str) -> set[str]:
    """The paths of the page's links to the server itself; links elsewhere go to the site."""
    found = set()
    for href in driver.execute_script(
        "return [...document.querySelectorAll('a[href], link[href]')].map(a => a.href)"
    ):
        parts = urlsplit(href)
        if href.startswith(url):
            found.add(parts.path)
        elif parts.netloc != "127.0.0.1:8080":  # the feeds' own absolute URLs (base URL)
            assert parts.scheme == "https" and parts.netloc.endswith("baotintuc.vn"), href
    return found


def focus_ring(driver, element) -> bool:
    """Whether the focused element shows an outline of at least 2 px."""
    style = driver.execute_script(
        "const s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth]", element
    )
    return style[0] not in ("none", "") and float(style[1].removesuffix("px")) >= 2
