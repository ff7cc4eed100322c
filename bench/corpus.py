"""Synthetic data for the benchmarks: a replica corpus of N articles, and store Articles.

Both are made by recombining the hand-written replica corpus (replica/corpus), so the text
is real Vietnamese news prose with the same vocabulary, lengths and topic mix as the tests use,
and every generated article keeps the ground-truth topics of the article it was made from.
Generation is deterministic (no randomness): article i is derived from base article i mod B.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

from core.model import Article, Image
from replica.corpus import VN_TZ, ReplicaArticle, default_corpus_dir, load_corpus

# Generated ids start here and advance by STEP, so they never collide with the real corpus ids
# (2019-2024) nor with each other, and publication times stay plausible (in the past).
EPOCH = datetime(2010, 1, 1, 6, 0, tzinfo=VN_TZ)
STEP = timedelta(minutes=37)


def base_articles() -> list[ReplicaArticle]:
    """The hand-written replica corpus, in id order (the seed article included)."""
    corpus = load_corpus()
    return [corpus.articles[key] for key in sorted(corpus.articles)]


def _toml_string(value: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes: \" \\ \n \uXXXX).
    return json.dumps(value, ensure_ascii=False)


def _toml_list(values) -> str:
    return "[" + ", ".join(_toml_string(v) for v in values) + "]"


def synthetic_id(index: int) -> tuple[str, datetime]:
    moment = EPOCH + index * STEP
    return moment.strftime("%Y%m%d%H%M%S") + f"{index % 1000:03d}", moment


def article_toml(base: ReplicaArticle, index: int) -> tuple[str, str]:
    """(id, TOML text) of generated article `index`, made from `base`."""
    site_id, moment = synthetic_id(index)
    published = (moment + timedelta(minutes=4)).replace(second=0)
    # Rotate the paragraphs so that articles made from one base differ in text, not only ids.
    shift = index % max(1, len(base.paragraphs))
    paragraphs = base.paragraphs[shift:] + base.paragraphs[:shift]
    lines = [
        f"id = {_toml_string(site_id)}",
        f"slug = {_toml_string(base.slug[:60].rstrip('-') + f'-{index}')}",
        f"category = {_toml_string(base.category.key)}",
        f"title = {_toml_string(f'{base.title} ({index})')}",
        f"sapo = {_toml_string(base.sapo)}",
        f"published = {_toml_string(published.isoformat())}",
        f"authors = {_toml_list(base.authors)}",
        f"agency = {_toml_string(base.agency)}",
        f"tags = {_toml_list(base.tags)}",
        f"topics = {_toml_list(sorted(base.topics))}",
        f"layout = {_toml_string(base.layout)}",
        "paragraphs = [",
        *(f"  {_toml_string(p)}," for p in paragraphs),
        "]",
    ]
    for figure in base.figures:
        after = min(max(figure.after, -1), len(paragraphs) - 1)
        lines += ["", "[[images]]", f"after = {after}", f"file = {_toml_string(figure.file)}",
                  f"caption = {_toml_string(figure.caption)}"]
    return site_id, "\n".join(lines) + "\n"


def write_corpus(target: Path, total: int) -> Path:
    """A corpus dir of `total` articles: the real replica corpus plus generated ones.

    The real files are copied as they are (the seed article, which the crawl starts from,
    included); the rest are generated. Returns `target`.
    """
    target.mkdir(parents=True, exist_ok=True)
    real = sorted(default_corpus_dir().glob("*.toml"))
    for path in real[:total]:
        shutil.copy(path, target / path.name)
    bases = [a for a in base_articles() if a.paragraphs]
    for index in range(max(0, total - len(real))):
        site_id, text = article_toml(bases[index % len(bases)], index)
        (target / f"{site_id}.toml").write_text(text, encoding="utf-8")
    return target


def synthetic_articles(count: int, bases: list[ReplicaArticle] | None = None):
    """`count` store Articles (with their ground-truth topics), generated quickly in memory.

    Yields (Article, topics) where topics is the base article's ground truth.
    """
    bases = [a for a in (bases or base_articles()) if a.paragraphs]
    for index in range(count):
        base = bases[index % len(bases)]
        site_id, moment = synthetic_id(index)
        published = (moment + timedelta(minutes=4)).replace(second=0).isoformat()
        shift = index % len(base.paragraphs)
        paragraphs = base.paragraphs[shift:] + base.paragraphs[:shift]
        body_text = "\n\n".join(paragraphs)
        body_html = "".join(f"<p>{p}</p>" for p in paragraphs)
        url = f"https://baotintuc.vn/{base.category.path}/{base.slug[:60]}-{index}-{site_id}.htm"
        images = tuple(
            Image(f"https://cdnmedia.baotintuc.vn/{f.file}", f.caption) for f in base.figures
        )
        article = Article(
            site_id=site_id,
            url=url,
            title=f"{base.title} ({index})",
            body_text=body_text,
            body_html=body_html,
            sapo=base.sapo,
            authors=base.authors,
            agency=base.agency,
            category=base.category.name,
            category_url=f"https://baotintuc.vn{base.category.listing_path}",
            tags=base.tags,
            published=published,
            modified=published,
            lead_image=images[0].url if images else "",
            images=images,
            layout=base.layout,
        )
        yield article, base.topics
