"""Pure functions that render the replica's pages as text, shaped like baotintuc.vn's markup.

The crawler must work on the real site, so the markup reproduces what the evidence shows
(described in ``docs/site.md``, checked against the saved real pages): the same element nesting, class
names, ids and meta names, CRLF line endings, CKEditor-style named entities for Latin-1 letters
in the body, ASP.NET's double-escaped ``alt`` attributes, absolute and relative links mixed, and
links the crawler must *not* follow (video, megastory, print, share, comments, ``javascript:``).
The text around the markup is this project's own, kept short; no prose of the real site is
copied.

Every function takes its data explicitly and returns ``str``; the server encodes as UTF-8.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from email.utils import format_datetime
from html.entities import codepoint2name
from urllib.parse import quote
from xml.sax.saxutils import escape as xml_escape

from .corpus import SITE_ORIGIN, VN_TZ, Category, Figure, ReplicaArticle
from .site import SiteState, tag_keyword

__all__ = [
    "PER_PAGE",
    "image_url",
    "render_article",
    "render_home",
    "day_path",
    "render_day_archive",
    "render_listing",
    "render_not_found",
    "render_rss_feed",
    "render_rss_index",
    "render_tag_page",
    "thumb_url",
]

PER_PAGE = 8
"""Articles per list page of the hand-written replica (``site.SMALL_LAYOUT``; the lead block
included): a small page makes pagination happen with a small corpus. The real sizes (24 on a
listing's page 1, 20 after) are ``site.REAL_LAYOUT``, which the simulated site uses."""

RELATED_COUNT = 3
BOX_COUNT = 5
HOME_COUNT = 10
RSS_COUNT = 20

MEDIA_HOST = "https://cdnmedia.baotintuc.vn"
THUMB_HOST = "https://cdnthumb.baotintuc.vn"
STATIC_HOST = "https://cdnstatic.baotintuc.vn"
FALLBACK_IMAGE = f"{STATIC_HOST}/web_images/baotintuc-share.jpg"
FIGURE_SIZE = (700, 467)

_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# Links the crawler must never follow (they 404 on the replica, as nothing serves them).
VIDEO_PATH = "/video/ban-tin-moi-truong-cuoi-tuan-v20211124190512345.htm"
MEGASTORY_PATH = "/long-form/megastory/hanh-trinh-xanh-cua-nhung-do-thi-20211120080000123.htm"


# ---------------------------------------------------------------------------------------------
# Escaping and formatting
# ---------------------------------------------------------------------------------------------


def crlf(text: str) -> str:
    """Normalise line endings to CRLF, as the site (IIS/ASP.NET) sends them."""
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def esc(text: str) -> str:
    """Text content as the site writes titles and sapos: raw UTF-8, only ``& < >`` escaped."""
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    """A double-quoted attribute value: ``& < > "`` escaped, apostrophes left raw."""
    return html.escape(text, quote=False).replace('"', "&quot;")


def body_text(text: str) -> str:
    """Body text as CKEditor stores it: Latin-1 letters as named entities, quotes as ``&quot;``.

    Vietnamese letters outside Latin-1 (ờ, ế, đ…) stay raw UTF-8, so ``Đ&ocirc;ng`` mixes both.
    """
    out = []
    for char in attr(text):
        code = ord(char)
        out.append(f"&{codepoint2name[code]};" if 0xA0 <= code <= 0xFF else char)
    return "".join(out)


def double_escaped_alt(text: str) -> str:
    """An ``alt`` value encoded twice, like ASP.NET does for thumbnails.

    The stored title is HTML-encoded once (``'`` → ``&#39;``), then attribute-encoded (``&`` →
    ``&amp;``, Latin-1 → ``&#NNN;``): decoding once still leaves ``&#39;``.
    """
    once = attr(text).replace("'", "&#39;")
    twice = once.replace("&", "&amp;")
    return "".join(f"&#{ord(c)};" if 0xA0 <= ord(c) <= 0xFF else c for c in twice)


def vn_time(moment: datetime) -> datetime:
    return moment.astimezone(VN_TZ)


def iso_time(moment: datetime) -> str:
    """``2021-11-24T20:28:00+07:00`` (always Vietnam time, seconds shown)."""
    return vn_time(moment).replace(microsecond=0).isoformat()


def shown_date(moment: datetime) -> str:
    """The visible date: ``Thứ Tư, 24/11/2021 20:28``."""
    local = vn_time(moment)
    return f"{_WEEKDAYS[local.weekday()]}, {local:%d/%m/%Y %H:%M}"


def short_date(moment: datetime) -> str:
    """``24/11/2021 20:28`` (listing items)."""
    return f"{vn_time(moment):%d/%m/%Y %H:%M}"


def rfc822(moment: datetime) -> str:
    """RSS dates: ``Wed, 24 Nov 2021 20:28:00 +0700``."""
    return format_datetime(vn_time(moment).replace(microsecond=0))


def absolute(path: str) -> str:
    return SITE_ORIGIN + path


# ---------------------------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------------------------


def upload_key(category: Category) -> str:
    """A 22-character upload folder key, stable per section (the site keys uploads by desk)."""
    digest = hashlib.sha256(category.path.encode()).digest()
    return "".join(_KEY_ALPHABET[b % len(_KEY_ALPHABET)] for b in digest[:22])


def image_url(article: ReplicaArticle, file: str) -> str:
    """The original image: ``https://cdnmedia.baotintuc.vn/Upload/<key>/files/<file>``."""
    return f"{MEDIA_HOST}/Upload/{upload_key(article.category)}/files/{quote(file)}"


def lead_image(article: ReplicaArticle) -> str:
    return image_url(article, article.figures[0].file) if article.figures else FALLBACK_IMAGE


def thumb_url(article: ReplicaArticle, width: int) -> str:
    """A resized copy through cdnthumb, in the site's ``https@@$$media…`` form."""
    if not article.figures:
        return FALLBACK_IMAGE
    key = upload_key(article.category)
    media = f"https@@$$media.baotintuc.vn/Upload/{key}/files/{quote(article.figures[0].file)}"
    return f"{THUMB_HOST}/ha_w/{width}/{media}"


# ---------------------------------------------------------------------------------------------
# Page frame: head, header, footer
# ---------------------------------------------------------------------------------------------


def _head(title: str, meta: str, tail: str) -> str:
    """``<head>``: one long line of meta tags (as the site writes it), then assets, then
    ``tail`` (JSON-LD and the canonical link, which the site puts last)."""
    return f"""
<!DOCTYPE html>
<html lang="vi" xmlns="http://www.w3.org/1999/xhtml">
<head id="Head1" prefix="og: http://ogp.me/ns# fb: http://ogp.me/ns/fb# article: http://ogp.me/ns/article#"><meta http-equiv="Content-Type" content="text/html; charset=utf-8" /><title>{esc(title)}</title>{meta}
    <link rel="shortcut icon" href="{STATIC_HOST}/Images/icon.gif" type="image/x-icon" />
    <link rel="stylesheet" type="text/css" href="{STATIC_HOST}/web_css/main.min1.css" />
    <script type="text/javascript" src="{STATIC_HOST}/web_js/jquery.min.js"></script>
    <script type="text/javascript" src="{STATIC_HOST}/web_js/utility.js"></script>{tail}</head>
"""


def _site_meta(description: str) -> str:
    return (
        f'<meta name="description" content="{attr(description)}" />'
        '<meta name="robots" content="index, follow" />'
        '<meta name="googlebot" content="index, follow" />'
        '<meta name="copyright" content="Copyright © 2020 by baotintuc.vn" />'
        '<meta name="author" content="baotintuc.vn" />'
        '<meta http-equiv="Content-Language" content="vi" />'
    )


def _form_open(action: str, hidden: Sequence[tuple[str, str]]) -> str:
    inputs = "\n".join(
        f'<input type="hidden" name="{name}" id="{name}" value="{attr(value)}" />'
        for name, value in hidden
    )
    return f"""<body>
    <div id="fb-root"></div>
    <form method="post" action="{attr(action)}" id="form1">
{inputs}
"""


def _viewstate(seed: str) -> str:
    digest = hashlib.sha256(("viewstate:" + seed).encode()).hexdigest()
    return "/wEPDwUJ" + digest[:48]


def _menu_href(category: Category) -> str:
    """The menu's link: the first alias when there is one (the real menu links
    ``/hoi-dap-607ct475.htm`` for the listing whose own links say ``don-thu-ban-doc-607ct475``)."""
    return f"/{category.aliases[0]}.htm" if category.aliases else category.listing_path


def _menu(state: SiteState) -> str:
    items = []
    nav = [c for c in state.top_level() if c.menu == "nav"]
    for index, top in enumerate(nav):
        label = top.name if index == 0 else top.name.upper()
        subs = "".join(
            f"""
                            <li>
                                <a title="{attr(child.name)}" href="{_menu_href(child)}">
                                    <span class="txt">{esc(child.name)}
                                    </span>
                                </a>
                            </li>"""
            for child in state.children(top)
        )
        items.append(
            f"""
                    <li class="nav-item">
                        <a href="{_menu_href(top)}" title="{attr(label)}" id="menu_{top.cat_id}">{esc(label)}</a>
                        <ul class="droplist-info">{subs}
                        </ul>
                    </li>"""
        )
    more = "".join(
        f"""
                            <li><a href="{_menu_href(c)}" title="{attr(c.name)}">{esc(c.name)}</a></li>"""
        for c in state.top_level()
        if c.menu == "more"
    )
    if more:
        items.append(
            f"""
                    <li class="nav-item">
                        <a href="javascript:void(0)" class="show-more-mn" rel="nofollow">…</a>
                        <ul class="menu_list">{more}
                            <li><a href="/anh.htm" title="ẢNH">ẢNH</a></li>
                        </ul>
                    </li>"""
        )
    return "".join(items)


def _header(state: SiteState) -> str:
    return f"""
<div class="header">
    <div class="header_wrapper">
        <div class="toolbar">
            <div class="toolbar_wrapper w1040">
                <ul>
                    <li><span class="txt">Email: thuky@baotintuc.vn</span></li>
                    <li>
                        <a href="/rss.htm" class="actionlink">
                            <span class="icon"></span>
                            <span class="txt">Rss</span>
                        </a>
                    </li>
                    <li>
                        <a href="/?removecookie=true" class="actionlink" rel="nofollow">
                            <span class="txt">Bản mobile</span>
                        </a>
                    </li>
                </ul>
                <div class="input-search">
                    <input type="text" class="input-info" placeholder="Từ khóa tìm kiếm" id="searchkey" onkeypress="return onEnter(event,'#searchkey')">
                    <a href="javascript:void(0);" class="icon-search" onclick="return onSearch('#searchkey');"></a>
                </div>
            </div>
        </div>
        <div class="headerlogo">
            <div class="headerlogo_wrapper w1040">
                <a href="/" class="logo"></a>
            </div>
        </div>
        <div class="navbar" id="menu">
            <div class="navbar_wrapper w1040">
                <a href="/" class="iconhome">
                    <img src="/web_images/home.svg" alt="Báo tin tức" />
                </a>
                <ul class="list-navbar">{_menu(state)}
                </ul>
            </div>
        </div>
    </div>
</div>
"""


def _footer(state: SiteState) -> str:
    links = "".join(
        f"""
                <li class="nav-item">
                    <a href="{top.listing_path}" title="{attr(top.name.upper())}">{esc(top.name.upper())}</a>
                </li>"""
        for top in state.top_level()
        if top.menu == "nav"
    )
    # Listings outside the menu are linked from a box heading (as "Sản phẩm - Dịch vụ" is).
    boxes = "".join(
        f"""
<div class="box-sp">
        <h2><span class="txt"><a href="{top.listing_path}">{esc(top.name)}</a></span></h2>
</div>"""
        for top in state.top_level()
        if top.menu == "none"
    )
    return f"""{boxes}
<div class="footer">
    <div class="navbar">
        <div class="navbar_wrapper w1040">
            <a href="/" class="iconhome"></a>
            <ul class="list-navbar">{links}
                <li class="nav-item">
                    <a href="/video.htm" title="VIDEO" id="menu_482">VIDEO</a>
                </li>
            </ul>
        </div>
    </div>
    <div class="footer-info w1040">
        <div class="info_wrapper">
            <div class="info-copyright">
                <p>© Bản sao thử nghiệm của Báo Tin tức, chỉ dùng cho kiểm thử.</p>
            </div>
        </div>
    </div>
</div>
        <div id="scroll_top"></div>
    </form>
</body>
</html>
"""


def _page(
    state: SiteState,
    *,
    title: str,
    meta: str,
    tail: str,
    action: str,
    hidden: Sequence[tuple[str, str]],
    main: str,
) -> str:
    memo = state.content.memo  # the menu and footer depend on the categories only
    header = memo.get("header") or memo.setdefault("header", _header(state))
    footer = memo.get("footer") or memo.setdefault("footer", _footer(state))
    parts = (_head(title, meta, tail), _form_open(action, hidden), header, main, footer)
    return crlf("".join(parts))


# ---------------------------------------------------------------------------------------------
# Boxes shared by pages
# ---------------------------------------------------------------------------------------------


def _section_bar(state: SiteState, category: Category) -> str:
    root = state.root(category)
    subs = "".join(
        f"""
                    <li>
                        <a href="{child.listing_path}" id="sub_{child.cat_id}">{esc(child.name)}</a>
                    </li>"""
        for child in state.children(root)
    )
    return f"""
<div class="lc-bar">
    <div class="ccr_threadbar">
        <a href="{root.listing_path}" class="threadbar_topic" title="{attr(root.name)}">{esc(root.name)}</a>
        <ul class="threadbar_list">{subs}
        </ul>
    </div>
</div>"""


def _boxnews_item(article: ReplicaArticle, title_href: str | None = None) -> str:
    href = title_href or article.path
    return f"""
                <li class="boxnews-item">
                    <a href="{attr(article.path)}" class="item_thumb">
                        <img src="{attr(thumb_url(article, 150))}" alt="{double_escaped_alt(article.title)}" />
                    </a>
                    <a href="{attr(href)}" title="{attr(article.title)}" class="item_title">
                        <h4>{esc(article.title)}</h4>
                    </a>
                </li>"""


def _boxnews(heading: str, articles: Sequence[ReplicaArticle], first_href: str | None = None) -> str:
    if not articles:
        return ""
    items = [_boxnews_item(articles[0], first_href)] + [_boxnews_item(a) for a in articles[1:]]
    return f"""
<div class="boxnews">
    <h2>{esc(heading)}</h2>
    <ul class="list-boxnews">{"".join(items)}
    </ul>
</div>
"""


def _boxlist(heading: str, articles: Sequence[ReplicaArticle]) -> str:
    items = "".join(
        f"""
                <li>
                    <a href="{attr(a.path)}" title="{attr(a.title)}" class="item_title">
                        <h4>{esc(a.title)}</h4>
                    </a>
                </li>"""
        for a in articles
    )
    return f"""
<div class="boxlist">
    <h2>{esc(heading)}</h2>
    <ul>{items}
    </ul>
</div>
"""


def _most_read_box(state: SiteState) -> str:
    """"tin đọc nhiều nhất". Its first title link is absolute with ``http://www.`` on purpose:
    the real site mixes URL forms, and the crawler must map each onto the site it was given."""
    most_read = state.most_read()
    first = f"http://www.baotintuc.vn{most_read[0].path}" if most_read else None
    return _boxnews("tin đọc nhiều nhất", most_read, first)


def _right_bar(state: SiteState, article: ReplicaArticle | None = None) -> str:
    same = ""
    if article is not None:
        same = _boxnews("tin cùng chuyên mục", state.same_category(article, BOX_COUNT))
    return f"""
<div class="right-bar">
{_most_read_box(state)}{_boxlist("tin mới nhất", state.newest(BOX_COUNT))}{same}
</div>"""


def _boxdata() -> str:
    """Bottom media boxes: links to a video and a megastory, neither of them an article."""
    return f"""
            <div class="boxdata">
                <div class="cb-container">
                    <h2><a href="https://video.baotintuc.vn/" target="_blank" class="topic-link"><span class="link-txt">Video</span></a></h2>
                    <div class="media-top">
                        <a href="{VIDEO_PATH}" title="Bản tin môi trường cuối tuần" class="first-topic">
                            <span class="first-topic-txt">Bản tin môi trường cuối tuần</span>
                        </a>
                    </div>
                </div>
                <div class="cb-container-mgz">
                    <h2><a href="/megastory.htm" class="topic-link"><span class="link-txt">Megastory</span></a></h2>
                    <div class="box_news">
                        <a href="{MEGASTORY_PATH}" title="Hành trình xanh của những đô thị" class="news_title">
                            <h3><label class="icon_mega">Megastory</label>Hành trình xanh của những đô thị</h3>
                        </a>
                    </div>
                </div>
            </div>"""


# ---------------------------------------------------------------------------------------------
# Article page
# ---------------------------------------------------------------------------------------------


def _description(article: ReplicaArticle) -> str:
    """``meta[name=description]``: on the real site a shorter, separate summary; here the
    sapo's first sentence."""
    first, _, rest = article.sapo.partition(". ")
    return first + "." if rest else article.sapo


def _article_meta(article: ReplicaArticle, *, machine_dates: bool) -> str:
    image = lead_image(article)
    url = article.canonical_url
    tags = "".join(f'<meta property="article:tag" content="{attr(t)}"/>' for t in article.tags)
    dates = (
        f'<meta itemprop="datePublished" content="{iso_time(article.published)}" />'
        if machine_dates
        else ""
    )
    published = (
        f'<meta property="article:published_time" itemprop="datePublished" '
        f'content="{iso_time(article.published)}" />'
        if machine_dates
        else ""
    )
    return (
        f'<meta name="news_keywords" content="{attr(", ".join(article.tags))}" />'
        + _site_meta(_description(article))
        + dates
        + f'<meta itemprop="headline" content="{attr(article.title)}" />'
        '<meta property="og:type" content="article" />'
        f'<meta property="og:url" content="{attr(url)}" />'
        f'<meta itemprop="url" content="{attr(url)}" />'
        f'<meta property="og:image" content="{attr(image)}" />'
        f'<meta property="og:image:url" content="{attr(image)}" />'
        f'<meta property="og:image:secure_url" content="{attr(image)}" />'
        '<meta property = "og:image:width" content = "460" />'
        '<meta property = "og:image:height" content = "345" />'
        f'<meta property="og:title" content="{attr(article.title)}" />'
        f'<meta property="og:description" content="{attr(article.sapo)}" />'
        + published
        + f'<meta property="article:section" content="{attr(article.category.name)}" />'
        '<meta property="fb:app_id" content="156434197838325" />'
        '<meta name = "twitter: card" content = "summary_large_image" />'
        f'<meta property="dable:item_id" content="{article.id}" />'
        + tags
    )


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def _json_ld(article: ReplicaArticle) -> str:
    """The two JSON-LD blocks. ``author.name`` glues names and agency together ("…TTXVN")
    exactly as the real site does, so extractors must not trust it."""
    author = " - ".join(article.authors) + article.agency
    section = article.category
    return f"""
    <!-- GOOGLE SEARCH STRUCTURED DATA FOR ARTICLE -->
    <script type="application/ld+json">
    {{
        "@context": "http://schema.org",
        "@type": "NewsArticle",
        "datePublished": "{iso_time(article.published)}",
        "mainEntityOfPage":{{
            "@type":"WebPage",
            "@id":{_json(article.canonical_url)}
        }},
        "headline": {_json(article.title)},
        "description": {_json(article.sapo)},
        "image": {{
            "@type": "ImageObject",
            "url": {_json(lead_image(article))},
            "width" : 700,
            "height" : 438
        }},
        "dateModified": "{iso_time(article.last_modified)}",
        "author": {{
            "@type": "Person",
            "name": {_json(author)}
        }},
        "publisher": {{
            "@type": "Organization",
            "name": "baotintuc.vn",
            "logo": {{
                "@type": "ImageObject",
                "url": "https://baotintuc.vn/web_images/logo_baotintuc_60x60.jpg",
                "width": 60,
                "height": 60
            }}
        }}
    }}
    </script>
            <!-- GOOGLE BREADCRUMB STRUCTURED DATA -->
            <script type="application/ld+json">
            {{
                "@context": "http://schema.org",
                "@type": "BreadcrumbList",
                "itemListElement": [
                {{
                    "@type": "ListItem",
                    "position": 1,
                    "item": {{
                        "@id": "https://baotintuc.vn",
                        "name": "Trang chủ"
                    }}
                }},{{
                    "@type": "ListItem",
                    "position": 2,
                    "item": {{
                        "@id": {_json(absolute(section.listing_path))},
                        "name": {_json(section.name)}
                    }}
                }}
                ]
            }}
            </script>"""


def _figure_html(article: ReplicaArticle, figure: Figure) -> str:
    width, height = FIGURE_SIZE
    return (
        '<div style="text-align:center">\n'
        f'<figure class="image" style="display:inline-block"><img alt="Chú thích ảnh" '
        f'height="{height}" src="{attr(image_url(article, figure.file))}" width="{width}">\n'
        f"<figcaption>{body_text(figure.caption)}</figcaption>\n"
        "</figure>\n"
        "</div>\n\n"
    )


def _body_blocks(article: ReplicaArticle, first: int, stop: int) -> str:
    """Paragraphs ``first..stop-1`` with the figures placed after them (and leading ones)."""
    blocks = []
    if first == 0:
        blocks += [_figure_html(article, f) for f in article.figures if f.after < 0]
    for index in range(first, stop):
        blocks.append(f"<p>{body_text(article.paragraphs[index])}</p>\n\n")
        blocks += [_figure_html(article, f) for f in article.figures if f.after == index]
    return "".join(blocks)


_AD_PLAYER = """<div class="gliaplayer-container" data-slot="baotintuc_desktop"></div>
<script src="https://player.gliacloud.com/player/baotintuc_desktop" async></script>

<!-- Google Tag Manager (noscript) -->
<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-REPLICA"
height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>
<!-- End Google Tag Manager (noscript) -->
"""


def _contents(article: ReplicaArticle) -> str:
    """``div.contents``: the body split in two around the injected video-ad player."""
    count = len(article.paragraphs)
    half = (count + 1) // 2
    first = _body_blocks(article, 0, half)
    end = _body_blocks(article, half, count)
    return f'<div id="divfirst">{first}</div>{_AD_PLAYER}<div id="divend">{end}</div>'


def _author(article: ReplicaArticle) -> str:
    if not article.authors and not article.agency:
        return ""
    if not article.authors:
        return f"""
                    <div class="author">
                        <strong>{esc(article.agency)}</strong>
                    </div>"""
    agency = f"<i> ({esc(article.agency)})</i>" if article.agency else ""
    return f"""
                    <div class="author">
                        <strong>{esc(" - ".join(article.authors))}</strong>{agency}
                    </div>"""


def _related_box(related: Sequence[ReplicaArticle]) -> str:
    items = "".join(
        f"""
                        <li class="item">
                            <h4>
                                <a href="{attr(a.path)}" title="{attr(a.title)}">
                                    {esc(a.title)}{'<i class="icon_2"></i>' if a.figures else ""}
                                </a>
                            </h4>
                        </li>"""
        for a in related
    )
    return f"""
            <ul id="plhMain_NewsDetail1_divRelation" class="list-concern">{items}
            </ul>"""


def _widget(other: ReplicaArticle | None) -> str:
    """The "see also" widget. Its links are absolute ``https://baotintuc.vn/…`` on purpose."""
    if other is None:
        return ""
    href = attr(absolute(other.path))
    return f"""
                            <div class="widget">
                                <a href="{href}" title="{attr(other.title)}" class="widget_thumb">
                                    <img src="{attr(thumb_url(other, 260))}" alt="{double_escaped_alt(other.title)}" />
                                </a>
                                <div class="widget_info">
                                    <a href="{href}" class="info-title">
                                        {esc(other.title)}
                                    </a>
                                    <p class="des">{esc(other.sapo)}</p>
                                </div>
                            </div>"""


def _tags_box(article: ReplicaArticle) -> str:
    """Tag links. As on the real page, every label but the first starts with a space and every
    label ends with a comma; hrefs are raw UTF-8 with ``+`` for spaces."""
    items = []
    for index, tag in enumerate(article.tags):
        label = tag if index == 0 else " " + tag
        items.append(
            f'<li><a href="/tags/{attr(tag_keyword(tag))}.htm" title="{attr(label)}">'
            f"<strong>{esc(label)},</strong></a></li> "
        )
    return f"""
            <div id="plhMain_NewsDetail1_divTags" class="keysword">
                <span class="kewsword-txt">Từ khóa: </span>
                <ul>
                    {"".join(items)}
                </ul>
            </div>"""


def _share_bar(article: ReplicaArticle) -> str:
    return f"""
                <div id="plhMain_NewsDetail1_divSharelink" class="share share-sticky">
                    <a href="/"><span class="icon-home"></span></a>
                    <a href="javascript:void(0)" rel="nofollow" onclick="return shareFace();">
                        <img src="{STATIC_HOST}/web_images/iconfb1.png" alt="Chia sẻ Facebook" title="Chia sẻ Facebook" width="24" />
                    </a>
                    <a href="https://button-share.zalo.me/share_external?d={attr(article.canonical_url)}" rel="nofollow" target="_blank">
                        <img src="{STATIC_HOST}/web_images/iconzl1.png" alt="Chia sẻ Zalo" title="Chia sẻ Zalo" width="24"/>
                    </a>
                    <a href="javascript:location.href='mailto:?SUBJECT='+document.title+'&BODY='+escape(location.href);" rel="nofollow"><span class="icon-mail"></span></a>
                    <a href="/{article.slug}-n{article.id}.htm" rel="nofollow" target="_blank"><span class="icon-print"></span></a>
                </div>"""


def _pick_widget(
    state: SiteState, article: ReplicaArticle, ranked: Sequence[ReplicaArticle]
) -> ReplicaArticle | None:
    """The next related article after the inline box, else the newest one not shown there."""
    if len(ranked) > RELATED_COUNT:
        return ranked[RELATED_COUNT]
    shown = {article.id} | {a.id for a in ranked}
    return next((a for a in state.newest() if a.id not in shown), None)


def _current_main(state: SiteState, article: ReplicaArticle) -> str:
    ranked = state.related(article, RELATED_COUNT + 1)
    related = ranked[:RELATED_COUNT]
    widget = _pick_widget(state, article, ranked)
    category = article.category
    return f"""
    <div class="detail-content w1040">
<input type="hidden" id="lastDate" value="" />{_section_bar(state, category)}
<div class="detail-content_wrapper">
    <div class="detail-left">
        <div class="breadcrumb">
            
        </div>
        
        <h1 class="detail-title">
            {esc(article.title)}
        </h1>
        
        <div class="action-link">
            <div class="date">
                <span class="txt">
                    {shown_date(article.published)}</span>&nbsp;|&nbsp;
            <h4 class="cate">
                <a href="{category.listing_path}" title="{attr(category.name)}"><strong>{esc(category.name)}</strong></a>
            </h4>
            </div>
        </div>
        <div class="content">
            <h2 class="sapo">
                {esc(article.sapo)}
            </h2>{_related_box(related)}
            <div class="content_wrapper">{_share_bar(article)}
                <div class="boxdetail">
                    <div class="contents">
                        {_contents(article)}
                    </div>
                    {_author(article)}
                    {_widget(widget)}
                </div>
            </div>{_tags_box(article)}
            <iframe src="https://s1.baotintuc.vn/Comment.aspx?n={article.id}" frameborder="0" scrolling="no" width="100%" height="238px" id="ifComment"></iframe>
{_boxdata()}
        </div>
    </div>
{_right_bar(state, article)}
</div>
    </div>
"""


def _old_main(state: SiteState, article: ReplicaArticle) -> str:
    """The pre-2020 ``newsdetail`` template (ids ``…SapoLive``/``…ContentLive``)."""
    body = _body_blocks(article, 0, len(article.paragraphs))
    tags = ", ".join(
        f'<a href="/tags/{attr(tag_keyword(t))}.htm" title="{attr(t)}">{esc(t)}</a>'
        for t in article.tags
    )
    return f"""
    <div class="content w1040">
        <div class="left">
            <div class="newsdetail">
                <h1 class="title">{esc(article.title)}</h1>
                <div class="sharing">
                    <span class="time">{shown_date(article.published)}</span>
                    <a href="https://button-share.zalo.me/share_external?d={attr(article.canonical_url)}" rel="nofollow" target="_blank">Zalo</a>
                    <a href="/{article.slug}-n{article.id}.htm" rel="nofollow" target="_blank">In bài</a>
                </div>
                <h2 id="plhMain_NewsDetail1_divSapoLive" class="sapo">{esc(article.sapo)}</h2>
                <div class="boxdetail">
                    <div id="plhMain_NewsDetail1_divContentLive">
{body}</div>
                    {_author(article)}
                </div>
                <div id="plhMain_NewsDetail1_divTags" class="tags">
                    <span>Từ khóa:</span> {tags}
                </div>
            </div>
        </div>
{_right_bar(state, article)}
    </div>
"""


def render_article(state: SiteState, article: ReplicaArticle) -> str:
    """An article page in its layout: ``current`` (2020–today) or ``old`` (≤ mid-2020).

    The old layout has og:* meta but no JSON-LD and no ``article:published_time``.
    """
    current = article.layout != "old"
    meta = _article_meta(article, machine_dates=current)
    canonical = f'\n    <link rel="canonical" href="{attr(article.canonical_url)}" />'
    tail = (_json_ld(article) if current else "") + canonical
    category = article.category
    parent = state.categories.get(category.parent) if category.parent else None
    action = (
        f"./Details.aspx?CatUrl={category.path}&n={article.id}&PageType=2&NewsUrl={article.slug}"
    )
    hidden = [
        ("hidParentId", str((parent or category).cat_id)),
        ("hidCatId", str(category.cat_id)),
        ("catAllowAds", str(category.cat_id)),
        ("hdNewsId", article.id),
        ("__VIEWSTATE", _viewstate(article.id)),
    ]
    main = _current_main(state, article) if current else _old_main(state, article)
    return _page(
        state,
        title=f"{article.title} | baotintuc.vn",
        meta=meta,
        tail=tail,
        action=action,
        hidden=hidden,
        main=main,
    )


# ---------------------------------------------------------------------------------------------
# Listings: categories, tags, home
# ---------------------------------------------------------------------------------------------


def _item_link(article: ReplicaArticle, heading: str) -> str:
    return (
        f'<a href="{attr(article.path)}" title="{attr(article.title)}" class="title">\n'
        f"                                <{heading}>{esc(article.title)}</{heading}>\n"
        "                            </a>"
    )


def _thumb_link(article: ReplicaArticle, width: int) -> str:
    return (
        f'<a href="{attr(article.path)}" title="{attr(article.title)}" class="thumb">\n'
        f'                            <img src="{attr(thumb_url(article, width))}" '
        f'alt="{double_escaped_alt(article.title)}" />\n'
        "                        </a>"
    )


def _list_item(article: ReplicaArticle) -> str:
    """An item of ``ul.list-newsest``: thumbnail link, title link, summary (``p.des``), and
    the (empty) ``ul.ul-relation``, as on the real listing; no time is shown."""
    return f"""
                    <li class="item">
                        {_thumb_link(article, 260)}
                        <div class="item-info">
                            {_item_link(article, "h3")}
                            <p class="des">
                                {esc(article.sapo)}
                            </p>
                        </div>
                        <ul class="ul-relation">
                        </ul>
                    </li>"""


def _focus(featured: Sequence[ReplicaArticle]) -> str:
    """``div.lc-top``: the lead item in ``#plhMain_ctl00_divFocus``, the next ones in
    ``ul.list-ul`` (thumbnail and title, no summary). Empty without items."""
    if not featured:
        return ""
    lead, *others = featured
    small = "".join(
        f"""
                    <li class="item">
                        {_thumb_link(a, 260)}
                        {_item_link(a, "h3")}
                    </li>"""
        for a in others
    )
    return f"""
<div class="lc-top">
    <div class="lct-left">
        <div id="plhMain_ctl00_divFocus" class="newsest">
                    {_thumb_link(lead, 600)}
                    <div class="item-info">
                        {_item_link(lead, "h2")}
                        <p class="des">
                            {esc(lead.sapo)}
                        </p>
                    </div>
        </div>
        <ul class="list-ul">{small}
        </ul>
    </div>
    <div class="lct-right">
        <div id="admzone483788"></div>
    </div>
</div>"""


def _page_href(base: str, number: int) -> str:
    return f"{base}.htm" if number == 1 else f"{base}/trang-{number}.htm"


def _pagination(base: str, page: int, pages: int) -> str:
    """``ul.list-pagination`` as on the real listing: ``li.pagination-item`` links, the
    current page ``a.active`` with a ``javascript:void(0)`` link, up to five following pages
    and a "Tiếp" link to the next page (up to two preceding pages: our choice). None past the
    last page."""
    if page > pages:
        return ""
    items = []
    for number in range(max(1, page - 2), min(pages, page + 5) + 1):
        if number == page:
            items.append(
                f'<li class="pagination-item"><a class="active" href="javascript:void(0)">{number}</a></li>'
            )
        else:
            href = attr(_page_href(base, number))
            items.append(f'<li class="pagination-item"><a href="{href}">{number}</a></li>')
    if page < pages:
        href = attr(_page_href(base, page + 1))
        items.append(f'<li class="pagination-item"><a href="{href}">Tiếp</a></li>')
    return f"""
<ul class="list-pagination">
    {"".join(items)}
</ul>"""


_BY_DATE = """
            <div class="boxbydate">
                Xem theo ngày:
                <select id="ddNgay">
                    <option value="0">[Ngày]</option>
                </select>
                <select id="ddThang">
                    <option value="0">[Tháng]</option>
                </select>
                <select id="ddNam">
                    <option value="0">[Năm]</option>
                </select>
                <input id="btnViewByDate" value="xem" type="button" />
            </div>"""
"""The "view by date" form under a category's list; the site's script turns its day, month
and year into ``/<key>/d<D>-<M>-<YYYY>.htm`` (docs/site.md §2)."""


def _highlights_box(state: SiteState, category: Category) -> str:
    """"Tin tiêu điểm": numbered title links of the section's highlights (not the listing's
    own items, though they may overlap)."""
    items = "".join(
        f"""
                <li class="boxnews-item">
                    <span class="number">
                        {number}
                    </span>
                    <a href="{attr(a.path)}" title="{attr(a.title)}" class="item_title_focus">
                        <h4>{esc(a.title)}</h4>
                    </a>
                </li>"""
        for number, a in enumerate(state.highlights(category, BOX_COUNT), start=1)
    )
    if not items:
        return ""
    return f"""
<div class="boxnews">
    <h2>Tin tiêu điểm</h2>
    <ul class="list-boxnews">{items}
    </ul>
</div>
"""


def _list_right_bar(state: SiteState, category: Category | None) -> str:
    """The right-hand boxes of a list page: the section's highlights (category pages) and
    the site's most read; unlike article pages, no "tin mới nhất" box (the real listing has
    none), so a list page changes only when its own items or the day's boxes do."""
    highlights = _highlights_box(state, category) if category is not None else ""
    return f"""
<div class="right-bar">
{highlights}{_most_read_box(state)}
</div>"""


def _list_main(
    state: SiteState,
    *,
    bar: str,
    featured: Sequence[ReplicaArticle],
    items: Sequence[ReplicaArticle],
    pagination: str,
    by_date: bool,
    category: Category | None,
) -> str:
    """``div.list-content``: the section bar, the lead block (page 1 of a category listing
    only), then ``div.lc-bottom``: the list, the pagination and the right-hand boxes."""
    by_date_html = _BY_DATE if by_date else ""
    return f"""
    <div class="list-content w1040">
        {bar}{_focus(featured)}
<div class="lc-bottom">
    <div class="lcb-left">
        <h2><span class="txt">tin mới</span></h2>
        <ul class="list-newsest">{"".join(_list_item(a) for a in items)}
        </ul>
        <div class="pagination">{by_date_html}
            {pagination}
        </div>
    </div>
    {_list_right_bar(state, category)}
</div>
    </div>
"""


def _breadcrumb(name: str, url: str) -> str:
    return f"""
        <script type="application/ld+json">
        {{
          "@context": "http://schema.org",
          "@type": "BreadcrumbList",
          "itemListElement": [{{
            "@type": "ListItem",
            "position": 1,
            "item": {{
              "@id": "https://baotintuc.vn/",
              "name": "Báo Tin Tức"
            }}
          }},{{
            "@type": "ListItem",
            "position": 2,
            "item": {{
             "@id": {_json(url)},
              "name": {_json(name)}
             }}
          }}]
        }}
        </script>"""


def _listing_page(
    state: SiteState,
    *,
    title: str,
    description: str,
    canonical: str,
    main: str,
    action: str = "./List.aspx",
    hidden: Sequence[tuple[str, str]] = (),
) -> str:
    """A list page's frame. As on the real listing, ``og:url`` names only the home page;
    the canonical link is the page's own URL."""
    meta = (
        _site_meta(description)
        + '<meta property="og:type" content="website" />'
        + f'<meta property="og:url" content="{SITE_ORIGIN}" />'
        + f'<meta itemprop="url" content="{SITE_ORIGIN}" />'
        + f'<meta property="og:title" content="{attr(title)}" />'
        + f'<meta property="og:description" content="{attr(description)}" />'
    )
    return _page(
        state,
        title=f"{title} | baotintuc.vn",
        meta=meta,
        tail=f'\n<link rel="canonical" href="{attr(canonical)}" />',
        action=action,
        hidden=[*hidden, ("__VIEWSTATE", _viewstate(canonical))],
        main=main,
    )


def _category_frame(category: Category, page: int) -> tuple[str, list[tuple[str, str]]]:
    """The form action and hidden inputs of a category page (``List.aspx``)."""
    action = (
        f"./List.aspx?p={category.parent_id}&c={category.cat_id}&CatName={category.slug}"
        f"&page={page}&PageType=2"
    )
    parent_id = category.parent_id or category.cat_id
    hidden = [
        ("hidParentId", str(parent_id)),
        ("hidCatId", str(category.cat_id)),
        ("catAllowAds", str(category.cat_id)),
    ]
    return action, hidden


def render_listing(
    state: SiteState,
    category: Category,
    page: int,
    page_items: Sequence[ReplicaArticle],
    pages: int,
) -> str:
    """A category listing page (docs/site.md §6). Page 1: the lead item and ``focus - 1``
    items in ``ul.list-ul`` (an editor's pick among the page's items: :meth:`SiteState.featured`),
    the others in ``ul.list-newsest``, newest first. Later pages: the list only."""
    featured = state.featured(page_items) if page == 1 else ()
    chosen = {a.id for a in featured}
    items = [a for a in page_items if a.id not in chosen]
    base = f"/{category.key}"
    canonical = absolute(_page_href(base, page))
    action, hidden = _category_frame(category, page)
    main = _breadcrumb(category.name, absolute(category.listing_path)) + _list_main(
        state,
        bar=_section_bar(state, category),
        featured=featured,
        items=items,
        pagination=_pagination(base, page, pages),
        by_date=True,
        category=category,
    )
    return _listing_page(
        state,
        title=category.name,
        description=f"Tin tức {category.name} mới nhất trên baotintuc.vn",
        canonical=canonical,
        main=main,
        action=action,
        hidden=hidden,
    )


def day_path(category: Category, day: date, page: int = 1) -> str:
    """``/<key>/d<D>-<M>-<YYYY>.htm`` (no zero padding), ``…/trang-N.htm`` for page N."""
    return _page_href(f"/{category.key}/d{day.day}-{day.month}-{day.year}", page)


def render_day_archive(
    state: SiteState,
    category: Category,
    day: date,
    page: int,
    page_items: Sequence[ReplicaArticle],
    pages: int | None,
) -> str:
    """A day archive: the category sub-tree's articles of one day, newest first, in the
    listing's list markup without the lead block. ``pages`` None: no pagination (the whole
    day on one page)."""
    base = day_path(category, day).removesuffix(".htm")
    action, hidden = _category_frame(category, page)
    shown = f"{day.day:02d}/{day.month:02d}/{day.year}"
    main = _breadcrumb(category.name, absolute(category.listing_path)) + _list_main(
        state,
        bar=_section_bar(state, category),
        featured=(),
        items=page_items,
        pagination="" if pages is None else _pagination(base, page, pages),
        by_date=True,
        category=category,
    )
    return _listing_page(
        state,
        title=f"{category.name} ngày {shown}",
        description=f"Tin tức {category.name} ngày {shown} trên baotintuc.vn",
        canonical=absolute(day_path(category, day, page)),
        main=main,
        action=action,
        hidden=hidden,
    )


def render_tag_page(
    state: SiteState,
    keyword: str,
    page: int,
    page_items: Sequence[ReplicaArticle],
    pages: int,
) -> str:
    """``/tags/<kw>.htm``: the listing's list markup without the lead block (the real markup
    is unknown: an assumption). ``keyword`` is the ``+``-joined form used in URLs."""
    label = keyword.replace("+", " ")
    base = f"/tags/{keyword}"
    bar = f"""
<div class="lc-bar">
    <div class="ccr_threadbar">
        <h1 class="threadbar_topic">{esc(label)}</h1>
    </div>
</div>"""
    main = _list_main(
        state,
        bar=bar,
        featured=(),
        items=page_items,
        pagination=_pagination(base, page, pages),
        by_date=False,
        category=None,
    )
    return _listing_page(
        state,
        title=label,
        description=f"Tin tức về {label}",
        canonical=absolute(_page_href(base, page)),
        main=main,
    )


def render_home(state: SiteState, articles: Sequence[ReplicaArticle]) -> str:
    """The home page: the menu and the newest articles (its real markup is not described)."""
    main = f"""
    <div class="home-content">
    <div class="list-content w1040">
        <ul class="list-newsest">{"".join(_list_item(a) for a in articles)}
        </ul>
    </div>
{_right_bar(state)}
    </div>
"""
    return _listing_page(
        state,
        title="Tin tức mới nhất",
        description="Báo Tin tức - TTXVN: tin tức thời sự trong nước và quốc tế",
        canonical=SITE_ORIGIN + "/",
        main=main,
    )


def render_not_found(state: SiteState) -> str:
    main = """
    <div class="notfound w1040">
        <h1>Không tìm thấy trang</h1>
        <p>Trang bạn yêu cầu không tồn tại hoặc đã bị gỡ bỏ. <a href="/">Về trang chủ</a></p>
    </div>
"""
    return _page(
        state,
        title="Không tìm thấy trang | baotintuc.vn",
        meta=_site_meta("Không tìm thấy trang"),
        tail="",
        action="./404.aspx",
        hidden=[],
        main=main,
    )


# ---------------------------------------------------------------------------------------------
# RSS
# ---------------------------------------------------------------------------------------------


def render_rss_index(state: SiteState) -> str:
    """``/rss.htm``: the list of feeds. Category feed links are absolute, the latest-news
    feed relative, so a crawler must handle both."""
    feeds = [
        f'\n            <li><a href="{absolute(c.rss_path)}" target="_blank">{esc(c.name)}</a></li>'
        for c in state.categories.values()
        if c.rss
    ]
    main = f"""
    <div class="rss-content w1040">
        <h1 class="rss-title">RSS</h1>
        <p>Đường dẫn RSS của các chuyên mục trên baotintuc.vn:</p>
        <ul class="list-rss">
            <li><a href="/tin-moi-nhat.rss" target="_blank">Tin mới nhất</a></li>{"".join(feeds)}
        </ul>
    </div>
"""
    return _listing_page(
        state,
        title="RSS",
        description="Danh sách RSS của baotintuc.vn",
        canonical=absolute("/rss.htm"),
        main=main,
    )


def _xml(text: str) -> str:
    return xml_escape(_XML_FORBIDDEN.sub("", text))


def _cdata(text: str) -> str:
    return "<![CDATA[" + _XML_FORBIDDEN.sub("", text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _rss_item(article: ReplicaArticle) -> str:
    url = article.canonical_url
    description = (
        f'<a href="{attr(url)}"><img src="{attr(thumb_url(article, 150))}" '
        f'alt="{attr(article.title)}" /></a>{esc(article.sapo)}'
    )
    return f"""
    <item>
      <title>{_xml(article.title)}</title>
      <link>{_xml(url)}</link>
      <description>{_cdata(description)}</description>
      <pubDate>{rfc822(article.published)}</pubDate>
      <guid>{_xml(url)}</guid>
    </item>"""


def render_rss_feed(
    *,
    title: str,
    link: str,
    description: str,
    items: Iterable[ReplicaArticle],
    build_date: datetime,
) -> str:
    """An RSS 2.0 document (item fields: title, link, description, pubDate, guid)."""
    body = "".join(_rss_item(a) for a in items)
    return crlf(
        f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
  <channel>
    <title>{_xml(title)}</title>
    <link>{_xml(link)}</link>
    <description>{_xml(description)}</description>
    <language>vi</language>
    <lastBuildDate>{rfc822(build_date)}</lastBuildDate>{body}
  </channel>
</rss>
"""
    )
