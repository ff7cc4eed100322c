"""Stage 1, extraction: articles/s of `extract_article` beside `trafilatura.extract`, and accuracy.

Pages: the replica's hand-written corpus rendered by the replica itself (routes.resolve, the code
the HTTP server runs, without the socket), both templates; and the saved real article pages of the team's shared material (replica/shared.py;
read at run time, never copied; those rows are left out when it is absent). Ground truth: the
corpus TOML (title, sapo, paragraphs, captions) and, for a real page, its `h1` title and the text
of `#divfirst`/`#divend` (how the shared SOURCES.md defines the body).

trafilatura is asked for the same job: `extract(html, url=…, with_metadata=True,
output_format="json")`, i.e. title and main text. Accuracy compares "sapo + body" for both (the
generic extractor cannot tell a lead paragraph from the body) with a bag-of-words F1.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from bench.common import Config, Row, StageResult, fmt_rate, fmt_ratio, interleaved, median

STAGE = "1 Extraction"
TARGET_RATIO = 3.0


@dataclass(frozen=True)
class Page:
    url: str
    html: str
    title: str  # ground truth
    text: str  # ground truth: sapo + body (paragraphs and captions)


def replica_pages(limit: int | None = None) -> list[Page]:
    from replica.corpus import SITE_ORIGIN, load_corpus
    from replica.routes import resolve
    from replica.site import SiteState

    corpus = load_corpus()
    state = SiteState.build(corpus.categories, corpus.articles.values())
    articles = sorted(corpus.articles.values(), key=lambda a: a.id)[:limit]
    pages = []
    for article in articles:
        truth = [article.sapo, *article.paragraphs, *(f.caption for f in article.figures)]
        pages.append(Page(SITE_ORIGIN + article.path, resolve(state, article.path).body,
                          article.title, "\n".join(truth)))
    return pages


def real_pages() -> list[Page]:
    """The saved real pages with their ground truth (see ../shared/real-pages/SOURCES.md)."""
    from parsel import Selector

    from replica import shared

    pages = []
    folder = shared.shared_dir() / "real-pages"
    for path in sorted(folder.glob("article_*.html")):  # listing_*.html pages are no articles
        html = path.read_text(encoding="utf-8")
        sel = Selector(text=html)
        url = sel.css('link[rel="canonical"]::attr(href)').get() or ""
        title = " ".join(sel.css("h1.detail-title ::text").getall()).strip()
        sapo = " ".join(sel.css("div.content > h2.sapo ::text").getall())
        body = [" ".join(p.css("::text").getall()) for p in sel.css("#divfirst p, #divend p")]
        captions = sel.css("#divfirst figcaption ::text, #divend figcaption ::text").getall()
        pages.append(Page(url, html, " ".join(title.split()), "\n".join([sapo, *body, *captions])))
    return pages


def _tokens(text: str) -> Counter:
    return Counter(re.findall(r"\w+", unicodedata.normalize("NFC", text).casefold()))


def f1(found: str, truth: str) -> float:
    """Bag-of-words F1 between an extracted text and the ground truth."""
    got, want = _tokens(found), _tokens(truth)
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def ours(page: Page) -> tuple[str, str]:
    from crawler.extract import extract_article

    article = extract_article(page.html, page.url)
    return article.title, article.sapo + "\n" + article.body_text


def trafilatura_extract(page: Page) -> tuple[str, str]:
    import trafilatura

    raw = trafilatura.extract(page.html, url=page.url, with_metadata=True, output_format="json")
    data = json.loads(raw) if raw else {}
    return data.get("title") or "", data.get("text") or ""


def accuracy(extract, pages: list[Page]) -> tuple[float, float]:
    """(share of exact titles, mean body F1)."""
    titles, scores = 0, []
    for page in pages:
        try:
            title, text = extract(page)
        except Exception:  # noqa: BLE001 - a failed extraction scores zero
            title, text = "", ""
        titles += " ".join(title.split()) == page.title
        scores.append(f1(text, page.text))
    return titles / len(pages), sum(scores) / len(scores)


def _speed(pages: list[Page], repeat: int, loops: int = 1) -> tuple[list[float], list[float]]:
    """Articles/s of ours and of trafilatura, interleaved repetitions."""

    def run(extract):
        def go():
            for _ in range(loops):
                for page in pages:
                    extract(page)

        return go

    ours_times, peer_times = interleaved([run(ours), run(trafilatura_extract)], repeat)
    count = len(pages) * loops
    return [count / t for t in ours_times], [count / t for t in peer_times]


def run(cfg: Config, ctx: dict) -> StageResult:
    result = StageResult()
    replica = replica_pages(limit=20 if cfg.quick else None)
    real = real_pages()
    # Warm both (imports, lxml parsers, trafilatura's lazy initialisation) outside the timing.
    ours(replica[0])
    trafilatura_extract(replica[0])
    sets = [(f"replica pages ({len(replica)}, both templates)", replica, 1)]
    if real:
        size = sum(len(page.html.encode()) for page in real) / len(real) / 1000
        sets.append((f"real pages ({len(real)}, {size:.0f} kB each)", real, 1 if cfg.quick else 3))
    for label, pages, loops in sets:
        ours_rates, peer_rates = _speed(pages, cfg.repeat, loops)
        mine, peer = median(ours_rates), median(peer_rates)
        ratio = median([a / b for a, b in zip(ours_rates, peer_rates)])
        result.rows.append(Row(
            STAGE, f"{label}: articles/s", fmt_rate(mine), f"trafilatura.extract {fmt_rate(peer)}",
            fmt_ratio(ratio), f"≥ {TARGET_RATIO:g}× trafilatura", ratio >= TARGET_RATIO,
        ))
        if "replica" in label:
            ctx["extraction_rate"] = mine
        own_titles, own_f1 = accuracy(ours, pages)
        peer_titles, peer_f1 = accuracy(trafilatura_extract, pages)
        result.rows.append(Row(
            STAGE, f"{label}: title exact / body F1",
            f"{own_titles:.0%} / {own_f1:.3f}", f"trafilatura {peer_titles:.0%} / {peer_f1:.3f}",
            fmt_ratio(own_f1 / peer_f1) if peer_f1 else "—", "≥ trafilatura",
            own_titles >= peer_titles and own_f1 >= peer_f1,
        ))
    if not real:
        result.notes.append("No real page in the shared material (replica/shared.py): those rows were skipped.")
    ctx["extraction_pages"] = replica
    return result


if __name__ == "__main__":  # python -m bench.extraction
    from bench.__main__ import main

    raise SystemExit(main(["--stages", "extraction", *__import__("sys").argv[1:]]))
