"""Stage 2, classification: articles/s of `classify` on the extracted replica articles.

Compared with extraction on the same pages (measured in stage 1 of the same run, or here when
this stage runs alone): classifying must cost far less than extracting (target ≥ 10×), so the
topic rules can grow without the crawler noticing. Accuracy is printed beside it, since a fast
classifier that is wrong is no use: against the replica corpus's ground truth, and, when the
team's shared material is there, precision and recall on the development set of real Vietnamese
news (real-texts, 157 articles of other outlets, labelled by hand; target 0.95 each).
"""

from __future__ import annotations

from bench.common import Config, Row, StageResult, fmt_rate, fmt_ratio, median, rates

STAGE = "2 Classification"
TARGET_RATIO = 10.0
TARGET_QUALITY = 0.95


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
    result.rows += development_set_rows(rules)
    if not result.rows[-1].measure.startswith("real prose"):
        result.notes.append("No real-texts in the shared material (replica/shared.py): its rows were skipped.")
    return result


def development_set_rows(rules) -> list[Row]:  # noqa: ANN001 (crawler.classify.Rules)
    """Precision and recall per topic on the shared development set; [] without it."""
    from crawler.evaluate import evaluate, load_labelled
    from replica import shared

    path = shared.material("real-texts")
    if not path.is_file():
        return []
    evaluation = evaluate(load_labelled(path), rules)
    return [
        Row(STAGE, f"real prose ({evaluation.items} labelled): {report.topic} precision / recall",
            f"{report.precision:.3f} / {report.recall:.3f}", f"{len(report.misses)} misclassified",
            target=f"≥ {TARGET_QUALITY} each", met=min(report.precision, report.recall) >= TARGET_QUALITY)
        for report in evaluation.topics
    ]
