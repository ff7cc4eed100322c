"""Every CSS selector the crawler uses on baotintuc.vn, in one place.

When the site changes its markup, this is the file to edit. What each selector relies on, and how
sure we are of it, is in docs/site.md (§3 the article page, §4 the old template, §6 listings).
Selectors are tried in order; the first that yields something wins.
"""

from __future__ import annotations

# -- article page, current template ("detail-*"; 2020 to now) ------------------------------------
TITLE = ("h1.detail-title", "div.newsdetail h1.title", "h1.title")
SAPO = (
    "div.content > h2.sapo",
    "h2#plhMain_NewsDetail1_divSapoLive",
    "div.newsdetail .sapo",
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
AUTHOR = ("div.boxdetail > div.author", "div.author")
VISIBLE_DATE = ("div.action-link div.date span.txt", "div.sharing span.time", "span.time")
CATEGORY_LINK = ("div.action-link div.date h4.cate a", "div.newsdetail .cate a")
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
TAG_LINK = 'a[href*="/tags/"]'
MENU_LINKS = "a[href]"
PAGINATION_NEXT = (
    "ul.list-pagination li a.active",  # the link after the active one is the next page
    "div.paging div.pager a",  # old template: a link with the text "Tiếp"
)
LISTING_ITEMS = ("ul.list-newsest li.item", "div.listspecial ul li")
RSS_INDEX_LINKS = 'a[href$=".rss"]'
