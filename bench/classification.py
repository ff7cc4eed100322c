"""Stage 2, classification: articles/s of `classify` on the extracted replica articles.

Compared with extraction on the same pages (measured in stage 1 of the same run, or here when
this stage runs alone): classifying must cost far less than extracting (target ≥ 10×), so the
topic rules can grow without the crawler noticing. Accuracy against the corpus ground truth is
printed beside it, since a fast classifier that is wrong is no use.
"""

from __future__ import annotations

from bench.common import Config, Row, StageResult, fmt_rate, fmt_ratio, median, rates

STAGE = "2 Classification"
TARGET_RATIO = 10.0


def run(cfg: Config, ctx: dict) -> StageResult:
    from bench.extraction import ours, replica_pages
    from crawler.classify import classify, load_rules
    from crawler.extract import extract_article
    from replica.corpus import load_corpus

    result = StageResult()
    pages = ctx.get("extraction_pages") or replica_pages(limit=20 if cfg.quick else None)
    articles = [extract_article(page.html, page.url) for page in pages]
    rules = load_rules()

    def classify_all() -> None:
        for article in articles:
            classify(article, rules)

    classify_all()  # warm
    loops = 5
    ours_rates = rates(lambda: [classify_all() for _ in range(loops)], len(articles) * loops, cfg.repeat)
    mine = median(ours_rates)
    extraction = ctx.get("extraction_rate")
    if extraction is None:
        extraction = median(rates(lambda: [ours(p) for p in pages], len(pages), cfg.repeat))
    ratio = mine / extraction
    result.rows.append(Row(
        STAGE, f"replica articles ({len(articles)}): articles/s", fmt_rate(mine),
        f"extraction {fmt_rate(extraction)}", fmt_ratio(ratio), f"≥ {TARGET_RATIO:g}× extraction",
        ratio >= TARGET_RATIO,
    ))
    truth = {a.id: set(a.topics) for a in load_corpus().articles.values()}
    right = sum({m.topic for m in classify(a, rules)} == truth.get(a.site_id, set()) for a in articles)
    result.rows.append(Row(
        STAGE, "topic sets equal to ground truth", f"{right}/{len(articles)}",
        target="all", met=right == len(articles),
    ))
    return result
