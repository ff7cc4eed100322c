"""Every CSS selector the crawler uses on baotintuc.vn, in one place.

When the site changes its markup, this is the file to edit. What each selector relies on, and how
sure we are of it, is in docs/site.md (§3 the article page, §4 the old template, §6 listings).
Selectors are tried in order; the first that yields something wins. Where a field has selectors
of both templates, each says which (`CURRENT`, `OLD`): what answered is recorded with every
article (crawler/extract.py), so a change of template shows in the crawl's field coverage.
"""

from __future__ import annotations

CURRENT, OLD = "current-template", "old-template"

# -- article page ---------------------------------------------------------------------------------
TITLE = ((CURRENT, "h1.detail-title"), (OLD, "div.newsdetail h1.title"), (OLD, "h1.title"))
SAPO = (
    (CURRENT, "div.content > h2.sapo"),
    (OLD, "h2#plhMain_NewsDetail1_divSapoLive"),
    (OLD, "div.newsdetail .sapo"),
)
# The body proper: #divfirst and #divend; an ad player and tracking noscript sit between them.
BODY_CURRENT = "div.contents #divfirst, div.contents #divend"
BODY_CURRENT_WHOLE = "div.boxdetail > div.contents"
# The pre-2020 template ("newsdetail", "...Live" ids), kept as a fallback.
BODY_OLD = (
    "#plhMain_NewsDetail1_divContentLive",
    "div.newsdetail div.boxdetail",
)
# Inside a body container, what is never article content.
BODY_JUNK = (
    "script, style, noscript, iframe, ins, form, "
    ".gliaplayer-container, .list-concern, .widget, .author, .share, .keysword"
)
AUTHOR = ((CURRENT, "div.boxdetail > div.author"), (OLD, "div.author"))
VISIBLE_DATE = (
    (CURRENT, "div.action-link div.date span.txt"),
    (OLD, "div.sharing span.time"),
    (OLD, "span.time"),
)
CATEGORY_LINK = ((CURRENT, "div.action-link div.date h4.cate a"), (OLD, "div.newsdetail .cate a"))
TAG_LINKS = "#plhMain_NewsDetail1_divTags a"
JSON_LD = 'script[type="application/ld+json"]::text'

# -- discovery: links worth following from any page ---------------------------------------------
# (name, selector for <a> elements) in decreasing trust that the link is close to the page's topic.
ARTICLE_LINK_BOXES = (
    ("related", "#plhMain_NewsDetail1_divRelation a"),
    ("widget", "div.boxdetail div.widget a"),
    ("listing", "div.list-content a, ul.list-newsest a, #plhMain_ctl00_divFocus a, div.listspecial a"),
    ("same-category", "div.right-bar div.boxnews a"),
    ("latest", "div.boxlist a"),
)
MENU_LINKS = "a[href]"
# -- listings and tag pages (docs/site.md §6) ------------------------------------------------------
# A listing's own items, by block: the lead item, the three under it, the main list; the
# right-hand boxes (li.boxnews-item) are other articles, never the listing's.
LISTING_BLOCKS = (
    ("lead", "#plhMain_ctl00_divFocus"),
    ("top", "ul.list-ul > li.item"),
    ("list", "ul.list-newsest > li.item"),
    ("list", "div.listspecial > ul > li"),  # old template
)
LISTING_ITEM_TITLE = ("a.title", "h2 a", "h3 a", "a[title]")  # the first that has text
LISTING_ITEM_SUMMARY = "p.des, p"
PAGINATION_LINKS = ("ul.list-pagination li a", "div.paging div.pager a")  # the old pager last
NEXT_PAGE_TEXT = "Tiếp"
RSS_INDEX_LINKS = 'a[href$=".rss"]'
