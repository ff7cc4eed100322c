"""`tintuc extract`: what the crawler would store for one page, and where each field came from.

The operator's tool when the site changes (which selector stopped answering?) and the way to
attach a page to a bug report. Its JSON output (`--json`) is a stable interface: `format` is
bumped when a key changes meaning or goes; keys may be added. README.md documents it.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click
from parsel import Selector

from tintuc.options import topics_option

FORMAT = 1


@click.command("extract")
@click.argument("page")
@click.option("--url", help="The page's URL, for a saved file [default: its canonical link].")
@click.option("--json", "as_json", is_flag=True, help="One JSON object (stable: README, `tintuc extract`).")
@topics_option
def extract_command(page: str, url: str | None, as_json: bool, topics: str | None) -> None:
    """Show what the crawler would store for PAGE, a saved HTML file or one URL of the site.

    Every field, with the selector or fallback that produced it, and the topics with their
    score and matched terms; for a listing or tag page, its own items and its pagination. A URL
    is fetched once, politely (robots.txt, the crawler's User-Agent).

    Example: tintuc extract saved-page.html --json
    """
    from crawler.classify import RulesError, load_rules

    try:
        rules = load_rules(topics)
    except RulesError as error:
        raise click.ClickException(str(error)) from None
    text, url = _read(page, url)
    report = page_report(text, url, rules)
    report = {"format": FORMAT, "page": page, **report}
    click.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else _as_text(report))


def page_report(text: str, url: str, rules: Any) -> dict[str, Any]:  # noqa: ANN401 (crawler.classify.Rules)
    """The report of a page: an article's fields and topics, or a listing's items."""
    from crawler.extract import ExtractionError, extract
    from crawler.urls import Kind, Site, kind_of

    site = Site(_origin(url))
    if kind_of(url) in (Kind.LISTING, Kind.TAG):
        return _listing_report(text, url, site, rules)
    try:
        return _article_report(extract(text, url, site=site), rules)
    except ExtractionError as error:
        raise click.ClickException(f"no article in this page: {error.reason} ({error.url})") from None


def _article_report(extraction: Any, rules: Any) -> dict[str, Any]:  # noqa: ANN401
    from crawler.classify import classify

    article = extraction.article
    values = {
        "url": article.url,
        "title": article.title,
        "sapo": article.sapo,
        "published": article.published,
        "modified": article.modified,
        "category": {"name": article.category, "url": article.category_url},
        "tags": list(article.tags),
        "byline": {"written": article.byline, "persons": list(article.authors), "agency": article.agency,
                   "role": article.credit_role},
        "body": {"layout": article.layout, "paragraphs": len(article.body_text.split("\n\n")),
                 "text": article.body_text},
        "lead_image": article.lead_image,
    }  # fmt: skip
    fields = {
        name: {"value": value, "source": extraction.fields[name].kind,
               "detail": extraction.fields[name].detail, "primary": extraction.is_primary(name)}
        for name, value in values.items()
    }  # fmt: skip
    return {
        "kind": "article",
        "url": article.url,
        "fields": fields,
        "images": [asdict(image) for image in article.images],
        "topics": [asdict(match) | {"terms": list(match.terms)} for match in classify(article, rules)],
    }


def _listing_report(text: str, url: str, site: Any, rules: Any) -> dict[str, Any]:  # noqa: ANN401
    from core.model import Article
    from crawler.classify import classify
    from crawler.listing import extract_listing

    listing = extract_listing(text, url, site=site)
    items = []
    for item in listing.items:
        headline = Article(site_id=item.site_id, url=item.url, title=item.title, sapo=item.summary,
                           body_text="", body_html="")
        items.append({
            "url": item.url, "title": item.title, "summary": item.summary, "image": item.image,
            "block": item.block, "created": item.created.isoformat() if item.created else None,
            "topics": [match.topic for match in classify(headline, rules)],
        })  # fmt: skip
    return {"kind": "listing", "url": listing.url, "page_number": listing.page, "items": items,
            "pages": list(listing.pages), "next_page": listing.next_page}  # fmt: skip


def _read(page: str, url: str | None) -> tuple[str, str]:
    """The page's text and URL: fetched when PAGE is a URL, read from disk otherwise."""
    from crawler.client import FetchError, PoliteClient
    from crawler.encoding import decode_page

    if page.startswith(("http://", "https://")):
        try:
            reply = PoliteClient().get(page)
        except FetchError as error:
            raise click.ClickException(str(error)) from None
        return decode_page(reply.body, reply.charset)[0], url or reply.url
    try:
        text, _ = decode_page(Path(page).read_bytes())
    except OSError as error:
        raise click.ClickException(f"{page}: cannot read it ({error.strerror})") from None
    url = url or Selector(text=text).css('link[rel="canonical"]::attr(href)').get()
    if not url:
        raise click.ClickException(f"{page}: no canonical link in the page; give its URL with --url")
    return text, url.strip()


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _as_text(report: dict[str, Any]) -> str:
    lines = [f"{report['kind']} {report['url']}"]
    if report["kind"] == "listing":
        lines += [f"page {report['page_number']}, {len(report['items'])} items; next: {report['next_page'] or '—'}"]
        for item in report["items"]:
            topics = f"  [{', '.join(item['topics'])}]" if item["topics"] else ""
            lines.append(f"  {item['block']:<5} {(item['created'] or '')[:16]}  {item['title']}{topics}")
        return "\n".join(lines)
    for name, field in report["fields"].items():
        value = field["value"]
        shown = {"category": lambda v: f"{v['name']} ({v['url']})",
                 "tags": lambda v: "; ".join(v),
                 "byline": lambda v: f"{v['written']} → persons: {', '.join(v['persons']) or '—'};"
                                     f" agency: {v['agency'] or '—'}; role: {v['role'] or '—'}",
                 "body": lambda v: f"{v['paragraphs']} paragraphs, {len(v['text'])} characters ({v['layout']})",
                 }.get(name, str)(value)  # fmt: skip
        source = field["source"] + (f" {field['detail']}" if field["detail"] else "")
        mark = "" if field["primary"] else "  ← fallback"
        lines.append(f"  {name:<11} {shown}\n  {'':<11} from {source}{mark}")
    lines.append(f"  {'images':<11} {len(report['images'])}")
    for match in report["topics"]:
        lines.append(f"  topic       {match['topic']} (score {match['score']}): {', '.join(match['terms'])}")
    if not report["topics"]:
        lines.append("  topic       none")
    return "\n".join(lines)
