"""`tintuc classify`, `tintuc eval`, `tintuc reclassify`: the topic rules, for their authors.

`classify` shows what the rules decide for texts of your own, `eval` measures them on labelled
texts, `reclassify` applies them to the stored articles. All three take `--topics RULES`, so an
edited copy of crawler/topics.toml can be tried before it is used.
"""

from __future__ import annotations

import json
import sys
from typing import TextIO

import click

from tintuc.options import db_option, topics_option


def _rules(topics: str | None):  # noqa: ANN202 (crawler.classify.Rules)
    from crawler.classify import RulesError, load_rules

    try:
        return load_rules(topics)
    except RulesError as error:
        raise click.ClickException(str(error)) from None


@click.command("classify")
@click.argument("texts", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@topics_option
def classify_command(texts: TextIO, as_json: bool, topics: str | None) -> None:
    """Classify articles given as JSON Lines (TEXTS, or - for standard input).

    Each line is an object with `title` and any of `sapo`, `body`, `tags` (a list) and `id`.
    Each output line gives the article's topics with their score and matched terms; with
    --json, also every topic's full tally (score, threshold, terms, and why a topic with
    matching terms did not match). A malformed line is reported on standard error, naming it,
    and skipped; the exit status is then 1.

    Example: echo '{"title": "Hà Nội ô nhiễm không khí nặng"}' | tintuc classify --json
    """
    from crawler.classify import explain

    rules = _rules(topics)
    bad = 0
    for number, line in enumerate(texts, start=1):
        if not line.strip():
            continue
        try:
            article = _article(json.loads(line), number)
        except (ValueError, TypeError) as error:
            click.echo(f"error: {texts.name}:{number}: {error}", err=True)
            bad += 1
            continue
        tallies = explain(article, rules)
        matched = [t for t in tallies if t.matched]
        if as_json:
            click.echo(json.dumps({
                "id": article.site_id or None,
                "title": article.title,
                "topics": [{"topic": t.topic, "score": t.score, "terms": list(t.terms)} for t in matched],
                "tallies": [{"topic": t.topic, "score": t.score, "threshold": t.threshold,
                             "matched": t.matched, "terms": list(t.terms), "against": list(t.against),
                             "note": t.note} for t in tallies],
            }, ensure_ascii=False))  # fmt: skip
        else:
            found = "; ".join(f"{t.topic} {t.score:g} ({', '.join(t.terms)})" for t in matched)
            click.echo(f"{article.title} → {found or 'no topic'}")
    if bad:
        sys.exit(1)


def _article(data: object, number: int):  # noqa: ANN202 (core.model.Article)
    from core.model import Article

    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, not {type(data).__name__}")
    tags = data.get("tags") or []
    fields = (data.get("title"), data.get("sapo") or "", data.get("body") or "", *tags)
    if not data.get("title") or isinstance(tags, str) or not all(isinstance(v, str) for v in fields):
        raise ValueError("needs a `title`; `sapo` and `body` are strings, `tags` a list of strings")
    return Article(site_id=str(data.get("id") or ""), url="", title=data["title"], sapo=data.get("sapo") or "",
                   body_text=data.get("body") or "", body_html="", tags=tuple(tags))


@click.command("eval")
@click.argument("labelled", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Everything as one JSON object.")
@topics_option
def eval_command(labelled: str, as_json: bool, topics: str | None) -> None:
    """Measure the rules on LABELLED articles: precision and recall per topic, and every
    misclassified article with the terms that matched (or how close it came).

    LABELLED is JSON Lines: `title`, `body`, `labels` ({"environment": true, …}), and any of
    `sapo`, `tags`, `id`.

    Example: tintuc eval ../shared/real-texts/articles.jsonl --topics my-topics.toml
    """
    from crawler.evaluate import LabelledError, evaluate, load_labelled

    rules = _rules(topics)
    try:
        items = load_labelled(labelled)
    except LabelledError as error:
        raise click.ClickException(str(error)) from None
    evaluation = evaluate(items, rules)
    if as_json:
        click.echo(json.dumps(evaluation.as_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(evaluation.summary())
    for report in evaluation.topics:
        for miss in report.misses:
            why = ", ".join(miss.terms) or "no term"
            note = f"; {miss.note}" if miss.note else ""
            click.echo(f"  {report.topic} {miss.kind}: {miss.id} {miss.title} "
                       f"(score {miss.score:g} of {miss.threshold:g}: {why}{note})")


@click.command("reclassify")
@db_option
@topics_option
def reclassify_command(db: str, topics: str | None) -> None:
    """Re-apply the topic rules to every stored article, without fetching anything."""
    from crawler.reclassify import reclassify_store
    from storage import StorageError, Store

    rules = _rules(topics)
    try:
        with Store.open(db) as store:
            changed = reclassify_store(store, rules)
    except StorageError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{changed} articles changed topics")
