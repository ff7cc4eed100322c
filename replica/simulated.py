"""A simulated baotintuc.vn at the real site's scale, with ground truth and a publishing clock.

``generate(articles=50_000, seed=1)`` schedules that many articles over ten years (by default)
ending at ``end``, spread over the real category tree, a few percent of them about the
environment or Vietnam–Japan relations, and returns a :class:`Simulation`: the articles (what
listings need: title, sapo, tags, category, times; the body is written on demand), their ground
truth, and what a site needs to serve them. ``ReplicaSite.simulated(...)`` serves one.

Everything is deterministic from ``seed`` (and the other arguments): the same call gives the
same ids, times, texts and tags, on any machine. The generation:

- **Days**: each day's share of the articles varies with the weekday (weekends ~25 % lower),
  a slow growth over the years, the Tết holiday (half the news), and day-to-day noise
  (log-normal, σ = 0.25); the counts add up to ``articles`` exactly.
- **Hours** (Vietnam time): busy 7–11 h and 14–18 h, few at night (:data:`HOUR_WEIGHTS`). An
  article's id is its creation time (``yyyyMMddHHmmssfff``); it is published (and visible) on a
  whole minute 0–20 minutes later (median 3), as on the real site.
- **Topics**: exactly :data:`SHARES` of the articles (environment only, Vietnam–Japan only,
  both) are relevant; the rest are not. A story family (``simtext.py``) is drawn for each
  article within its topic class (seasonal families weigh more in their months), then a
  category among the family's; its templates are filled from ``simslots.py``.
- **Tags**: 2–5: some of the family's topical tags (for ~3/4 of the articles), the place or
  other named slot of the title and sapo, sometimes a person named there.

The hand-written corpus (``replica/corpus``, with its ground truth) is included unless
``corpus=False``: its articles keep their ids and dates, and the crawl's start article is there.
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from random import Random
from typing import Any

from .clock import FastClock, ManualClock
from .clock import aware as _aware
from .corpus import (
    VN_TZ,
    Category,
    Figure,
    ReplicaArticle,
    default_categories_file,
    load_categories,
    load_corpus,
)
from .simslots import PEN_NAMES, Slots, slug_words
from .simtext import BOTH, ENV, OTHER, VJ, Family
from .site import REAL_LAYOUT, Content, Layout

__all__ = [
    "DEFAULT_END",
    "HOUR_WEIGHTS",
    "SHARES",
    "FastClock",
    "ManualClock",
    "Simulation",
    "generate",
]

DEFAULT_END = datetime(2026, 12, 1, 0, 0, tzinfo=VN_TZ)
"""The default end of the simulated period (exclusive)."""

SHARES = {"environment": 0.032, "vietnam-japan": 0.009, "both": 0.003}
"""Share of the generated articles in each relevant class: about the environment only,
Vietnam–Japan relations only, and both. So 3.5 % are about the environment, 1.2 % about
Vietnam–Japan relations; the other 95.6 % about neither (some of them traps)."""

HOUR_WEIGHTS = (
    0.25, 0.12, 0.08, 0.08, 0.15, 0.5, 1.4, 3.0, 4.2, 4.4, 4.2, 3.4,
    1.9, 2.3, 3.7, 4.1, 4.1, 3.7, 2.4, 2.0, 2.2, 1.8, 1.1, 0.55,
)
"""Relative publishing activity per hour of the day, Vietnam time."""

WEEKDAY_WEIGHTS = (1.05, 1.05, 1.05, 1.05, 1.0, 0.8, 0.72)
TET = {  # first day of the lunar new year
    2015: date(2015, 2, 19), 2016: date(2016, 2, 8), 2017: date(2017, 1, 28),
    2018: date(2018, 2, 16), 2019: date(2019, 2, 5), 2020: date(2020, 1, 25),
    2021: date(2021, 2, 12), 2022: date(2022, 2, 1), 2023: date(2023, 1, 22),
    2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17),
    2027: date(2027, 2, 6), 2028: date(2028, 1, 26), 2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
}

_CLASSES = ("none", "environment", "vietnam-japan", "both")
_CLASS_TOPICS = {
    "none": frozenset(),
    "environment": frozenset({"environment"}),
    "vietnam-japan": frozenset({"vietnam-japan"}),
    "both": frozenset({"environment", "vietnam-japan"}),
}
_FAMILIES: dict[str, tuple[Family, ...]] = {
    "none": OTHER, "environment": ENV, "vietnam-japan": VJ, "both": BOTH,
}
_DESK = "TTXVN/Báo Tin tức và Dân tộc"


# -- the simulation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    """What rebuilding a generated article needs (its text comes from these and the seed)."""

    number: int
    topic_class: str
    family: Family
    category: Category
    created: datetime
    published: datetime


@dataclass(frozen=True)
class Simulation:
    """A generated site: its articles (oldest first), their ground truth, and the site data.

    Ground truth: :meth:`topics`, :attr:`environment`, :attr:`vietnam_japan`,
    :meth:`published`, :meth:`family` and :meth:`kind` (of a generated article).
    """

    seed: int
    start: datetime
    end: datetime
    categories: Mapping[str, Category]
    articles: tuple[ReplicaArticle, ...]
    _specs: Mapping[str, _Spec] = field(repr=False)
    _corpus_ids: frozenset[str] = field(repr=False)

    # -- ground truth ---------------------------------------------------------------------------

    def topics(self, article_id: str) -> frozenset[str]:
        """The article's ground-truth topics (subset of environment, vietnam-japan)."""
        return self._by_id[article_id].topics

    @property
    def environment(self) -> frozenset[str]:
        """Ids of the articles about the environment."""
        return self._topic_ids["environment"]

    @property
    def vietnam_japan(self) -> frozenset[str]:
        """Ids of the articles about Vietnam–Japan relations."""
        return self._topic_ids["vietnam-japan"]

    def relevant(self, topic: str) -> frozenset[str]:
        return self._topic_ids[topic]

    def published(self, article_id: str) -> datetime:
        """When the article is published: from then on the site shows it."""
        return self._by_id[article_id].published

    def article(self, article_id: str) -> ReplicaArticle:
        """The article as lists show it (no body: :meth:`details` writes it)."""
        return self._by_id[article_id]

    def family(self, article_id: str) -> str:
        """The story family of a generated article ("corpus" for a hand-written one)."""
        spec = self._specs.get(article_id)
        return spec.family.name if spec else "corpus"

    def kind(self, article_id: str) -> str:
        """"relevant", "trap" (irrelevant, a topic's words in another sense), "plain", or
        "corpus" (hand-written; its ground truth is its ``topics``)."""
        spec = self._specs.get(article_id)
        return spec.family.kind if spec else "corpus"

    def published_between(self, start: datetime, end: datetime) -> list[ReplicaArticle]:
        """Articles published in [start, end), oldest first."""
        stamps = self._stamps
        low = bisect.bisect_left(stamps, start.timestamp())
        high = bisect.bisect_left(stamps, end.timestamp())
        return list(self.articles[low:high])

    # -- the site -------------------------------------------------------------------------------

    def details(self, article: ReplicaArticle) -> ReplicaArticle:
        """The article with its body, figure caption and byline (written on demand, the same
        text every time; the last few thousand are kept). Hand-written and unknown articles
        are returned unchanged."""
        spec = self._specs.get(article.id)
        if spec is None or article.paragraphs:
            return article
        written = _memo(self, "written", lambda: lru_cache(maxsize=4096)(self._write))
        return written(article.id)

    def _write(self, article_id: str) -> ReplicaArticle:
        spec = self._specs[article_id]
        return _compose(_text_rng(self.seed, spec.number), spec, article_id, body=True)[0]

    def content(self, layout: Layout = REAL_LAYOUT) -> Content:
        """The site's content: every article (scheduled ones too), bodies on demand."""
        return Content(self.categories, self.articles, layout=layout, details=self.details)

    # -- statistics -----------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """The generated distribution: per topic, per top-level category (with the relevant
        ones), per hour and weekday (Vietnam time), per year, tags, per kind."""
        tops = {key: self._top(key) for key in self.categories}
        per_top: dict[str, Counter[str]] = {}
        hours: Counter[int] = Counter()
        weekdays: Counter[int] = Counter()
        years: Counter[int] = Counter()
        kinds: Counter[str] = Counter()
        tags: Counter[str] = Counter()
        for article in self.articles:
            top = per_top.setdefault(tops[article.category.key], Counter())
            top["articles"] += 1
            for topic in article.topics:
                top[topic] += 1
            local = article.published.astimezone(VN_TZ)
            hours[local.hour] += 1
            weekdays[local.weekday()] += 1
            years[local.year] += 1
            kinds[self.kind(article.id)] += 1
            tags.update(t.casefold() for t in article.tags)
        days = max(1, (self.end - self.start).days)
        total = len(self.articles)
        return {
            "articles": total,
            "generated": len(self._specs),
            "corpus": len(self._corpus_ids),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "per_day": round(total / days, 2),
            "environment": len(self.environment),
            "vietnam_japan": len(self.vietnam_japan),
            "both": len(self.environment & self.vietnam_japan),
            "per_top_category": {k: dict(v) for k, v in sorted(
                per_top.items(), key=lambda kv: -kv[1]["articles"])},
            "per_hour": [hours[h] for h in range(24)],
            "per_weekday": [weekdays[d] for d in range(7)],
            "per_year": dict(sorted(years.items())),
            "per_kind": dict(kinds),
            "tags": len(tags),
            "biggest_tags": tags.most_common(15),
        }

    def truth_rows(self) -> Iterator[dict[str, Any]]:
        """One record per article, oldest first: id, url path, published (ISO), category key,
        topics, family, kind. For benchmarks in another process (``--truth``)."""
        for article in self.articles:
            yield {
                "id": article.id,
                "path": article.path,
                "published": article.published.isoformat(),
                "category": article.category.key,
                "topics": sorted(article.topics),
                "tags": list(article.tags),
                "family": self.family(article.id),
                "kind": self.kind(article.id),
            }

    # -- internals ------------------------------------------------------------------------------

    @property
    def _by_id(self) -> dict[str, ReplicaArticle]:
        return _memo(self, "by_id", lambda: {a.id: a for a in self.articles})

    @property
    def _stamps(self) -> list[float]:
        return _memo(self, "stamps", lambda: [a.published.timestamp() for a in self.articles])

    @property
    def _topic_ids(self) -> dict[str, frozenset[str]]:
        def compute() -> dict[str, frozenset[str]]:
            return {
                topic: frozenset(a.id for a in self.articles if topic in a.topics)
                for topic in ("environment", "vietnam-japan")
            }

        return _memo(self, "topic_ids", compute)

    def _top(self, key: str) -> str:
        category = self.categories[key]
        while category.parent:
            category = self.categories[category.parent]
        return category.key


def _memo(owner: object, name: str, compute: Callable[[], Any]) -> Any:
    """Lazily computed values of a frozen object (kept while the object lives)."""
    cache = owner.__dict__.setdefault("_memo_cache", {})  # frozen: no __setattr__, dict works
    if name not in cache:
        cache[name] = compute()
    return cache[name]


# -- generation -----------------------------------------------------------------------------------


def generate(
    articles: int = 50_000,
    seed: int = 1,
    *,
    end: datetime | None = None,
    years: float = 10.0,
    corpus: bool = True,
    shared_dir: Path | str | None = None,
    categories_file: Path | str | None = None,
) -> Simulation:
    """Generate ``articles`` articles published over ``years`` years before ``end``.

    Deterministic from the arguments. ``corpus``: include the hand-written corpus (its
    articles keep their own dates, even outside the period).
    """
    if articles < 0:
        raise ValueError("articles must not be negative")
    end = _aware(end or DEFAULT_END)
    start = datetime.combine((end - timedelta(days=365.25 * years)).date(), time(0), VN_TZ)
    categories = load_categories(categories_file or default_categories_file())
    master = Random(seed)

    hand_written: list[ReplicaArticle] = []
    if corpus:
        hand_written = list(load_corpus(shared_dir=shared_dir,
                                        categories_file=categories_file).articles.values())
    taken = {a.id for a in hand_written}

    moments = _schedule(master, articles, start, end)
    classes = _classes(master, articles)
    chooser = _Chooser(categories)
    specs: dict[str, _Spec] = {}
    generated: list[ReplicaArticle] = []
    for number, (created, published) in enumerate(moments):
        article_id = _unique_id(created, taken)
        topic_class = classes[number]
        family, category = chooser.pick(Random(_article_seed(seed, number)), topic_class,
                                        published.month)
        spec = _Spec(number, topic_class, family, category, created, published)
        article, _ = _compose(_text_rng(seed, number), spec, article_id, body=False)
        specs[article_id] = spec
        generated.append(article)

    everything = sorted(generated + hand_written, key=lambda a: (a.published, a.id))
    return Simulation(
        seed=seed,
        start=start,
        end=end,
        categories=categories,
        articles=tuple(everything),
        _specs=specs,
        _corpus_ids=frozenset(a.id for a in hand_written),
    )


def _article_seed(seed: int, number: int) -> int:
    return (seed * 1_000_003 + number) * 2_654_435_761 % (1 << 61)


def _text_rng(seed: int, number: int) -> Random:
    """The random source of an article's text: the same for its summary and its body."""
    return Random(_article_seed(seed, number) ^ 0x5EED_7E47)


def _unique_id(created: datetime, taken: set[str]) -> str:
    stem = created.strftime("%Y%m%d%H%M%S")
    millis = created.microsecond // 1000
    for step in range(1000):
        candidate = f"{stem}{(millis + step) % 1000:03d}"
        if candidate not in taken:
            taken.add(candidate)
            return candidate
    raise RuntimeError(f"no free id in second {stem}")  # 1,000 articles in one second


def _classes(master: Random, count: int) -> list[str]:
    """Exactly SHARES of ``count`` in each relevant class, in a random order."""
    sizes = {name: round(count * share) for name, share in SHARES.items()}
    classes = [name for name, size in sizes.items() for _ in range(size)]
    classes += ["none"] * (count - len(classes))
    master.shuffle(classes)
    return classes


def _day_weights(master: Random, days: Sequence[date]) -> list[float]:
    weights = []
    total = max(1, len(days) - 1)
    for index, day in enumerate(days):
        weight = WEEKDAY_WEIGHTS[day.weekday()]
        weight *= 0.85 + 0.3 * index / total  # the site grows a little over the years
        tet = TET.get(day.year)
        if tet is not None and -1 <= (day - tet).days <= 4:
            weight *= 0.5
        weight *= math.exp(master.gauss(0.0, 0.25) - 0.03125)  # mean 1
        weights.append(weight)
    return weights


def _schedule(
    master: Random, count: int, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """(created, published) of ``count`` articles between ``start`` and ``end``, in order."""
    if count == 0:
        return []
    first, last = start.date(), (end - timedelta(microseconds=1)).astimezone(VN_TZ).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    weights = _day_weights(master, days)
    # The last day may end before midnight: it gets the share of its hours before `end`.
    cut_hour = (end.astimezone(VN_TZ) - datetime.combine(last, time(0), VN_TZ)).total_seconds()
    last_hours = [min(max(cut_hour / 3600 - h, 0.0), 1.0) * w for h, w in enumerate(HOUR_WEIGHTS)]
    weights[-1] *= sum(last_hours) / sum(HOUR_WEIGHTS)
    counts = _apportion(count, weights)
    full_cum = list(accumulate(HOUR_WEIGHTS))
    last_cum = list(accumulate(last_hours))
    hours = range(24)
    moments = []
    latest = end - timedelta(minutes=1)
    for day, number in zip(days, counts):
        if not number:
            continue
        cum = last_cum if day == last else full_cum
        midnight = datetime.combine(day, time(0), VN_TZ)
        stamps = []
        for hour in master.choices(hours, cum_weights=cum, k=number):
            offset = hour * 3600 + master.random() * 3600
            stamps.append(offset)
        stamps.sort()
        for offset in stamps:
            created = midnight + timedelta(seconds=offset)
            created = created.replace(microsecond=created.microsecond // 1000 * 1000)
            delay = 1 + min(int(master.expovariate(1 / 4)), 19)  # minutes: mostly 1–5, ≤ 20
            published = (created + timedelta(minutes=delay)).replace(second=0, microsecond=0)
            if published > latest:
                published = latest.replace(second=0, microsecond=0)
                created = min(created, published - timedelta(seconds=30))
            moments.append((created, published))
    return moments


def _apportion(count: int, weights: Sequence[float]) -> list[int]:
    """``count`` split in proportion to ``weights`` (largest remainders), summing exactly."""
    total = sum(weights)
    shares = [count * w / total for w in weights]
    counts = [int(s) for s in shares]
    missing = count - sum(counts)
    order = sorted(range(len(shares)), key=lambda i: shares[i] - counts[i], reverse=True)
    for index in order[:missing]:
        counts[index] += 1
    return counts


class _Chooser:
    """Draws a family (by class and month) and a category (by family), from cumulative
    weights computed once."""

    def __init__(self, categories: Mapping[str, Category]) -> None:
        self._families: dict[tuple[str, int], tuple[tuple[Family, ...], list[float]]] = {}
        for name, families in _FAMILIES.items():
            for month in range(1, 13):
                weights = [f.weight * f.months.get(month, 1.0) for f in families]
                self._families[(name, month)] = (families, list(accumulate(weights)))
        self._categories: dict[str, tuple[list[Category], list[float]]] = {}
        for families in _FAMILIES.values():
            for family in families:
                chosen = [(categories[k], w) for k, w in family.categories]
                self._categories[family.name] = (
                    [c for c, _ in chosen], list(accumulate(w for _, w in chosen)))

    def pick(self, rng: Random, topic_class: str, month: int) -> tuple[Family, Category]:
        families, cum = self._families[(topic_class, month)]
        family = rng.choices(families, cum_weights=cum)[0]
        options, weights = self._categories[family.name]
        return family, rng.choices(options, cum_weights=weights)[0]


def _template(text: str) -> tuple[str, int | None]:
    """A title template and the index of the sapo that goes with it (``…|1``), if any."""
    body, bar, index = text.rpartition("|")
    if bar and index.isdigit():
        return body, int(index)
    return text, None


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


_CHOICE = re.compile(r"\[([^\[\]]*\|[^\[\]]*)\]")


def _fill(rng: Random, template: str, slots: Slots) -> str:
    """A template with its ``[a|b|c]`` alternatives chosen and its ``{slots}`` filled."""
    if "[" in template:
        template = _CHOICE.sub(lambda m: rng.choice(m.group(1).split("|")), template)
    return _nfc(template.format_map(slots))


def _compose(
    rng: Random, spec: _Spec, article_id: str, *, body: bool
) -> tuple[ReplicaArticle, Slots]:
    """The article of ``spec``. Everything lists need is drawn first, in a fixed order, so the
    same rng gives the same title, sapo and tags whether or not the body is written."""
    family = spec.family
    slots = Slots(rng, spec.published)
    title_template, sapo_index = _template(rng.choice(family.titles))
    title = _fill(rng, title_template, slots)
    if sapo_index is None:
        sapo_index = rng.randrange(len(family.sapos))
    sapo = _fill(rng, family.sapos[sapo_index], slots)
    tags = _tags(rng, family.topical(sapo_index), family.tags, family.tag_slots, slots)
    slug = slug_words(title)
    has_image = rng.random() < 0.88
    day = spec.published
    file = f"{day:%Y/%m/%d}/{slug[:48].rstrip('-')}-{article_id[-5:]}.jpg"
    authors, agency = _byline(rng)
    figures: tuple[Figure, ...] = (Figure(-1, file, ""),) if has_image else ()
    paragraphs: tuple[str, ...] = ()
    if body:
        pool = family.paragraphs
        size = rng.randint(min(3, len(pool)), min(5, len(pool)))
        chosen = sorted(rng.sample(range(len(pool)), size))
        paragraphs = tuple(_fill(rng, pool[i], slots) for i in chosen)
        if has_image:
            credit = authors[0] if authors else rng.choice(PEN_NAMES)
            lead = rng.choice(("Ảnh minh họa", "Quang cảnh sự kiện", title.rstrip(".?!")))
            figures = (Figure(rng.choice((-1, 0)), file, f"{lead}. Ảnh: {credit}/TTXVN"),)
    article = ReplicaArticle(
        id=article_id,
        slug=slug or "bai-viet",
        category=spec.category,
        title=title,
        sapo=sapo,
        paragraphs=paragraphs,
        published=spec.published,
        figures=figures,
        authors=authors,
        agency=agency,
        tags=tags,
        topics=_CLASS_TOPICS[spec.topic_class],
    )
    return article, slots


def _tags(
    rng: Random,
    topical: Sequence[str],
    family_tags: Sequence[str],
    tag_slots: Sequence[str],
    slots: Slots,
) -> tuple[str, ...]:
    """2–5 tags: topical ones (for ~3/4 of the articles), the named slots used by the title
    and sapo, sometimes a person named there; topical ones again when that makes fewer
    than two."""
    tags: list[str] = []
    if topical and rng.random() < 0.75:
        tags += rng.sample(list(topical), min(len(topical), rng.choice((1, 1, 2))))
    for name in tag_slots:
        if name in slots and rng.random() < 0.85:
            tags.append(slots[name])
    if "person" in slots and rng.random() < 0.3:
        tags.append(slots["person"])
    for extra in (*topical, *family_tags):
        if len({t.casefold() for t in tags}) >= 2:
            break
        tags.append(extra)
    seen: set[str] = set()
    unique = []
    for tag in tags:
        key = tag.casefold()
        if key not in seen:
            seen.add(key)
            unique.append(_nfc(tag))
    for filler in ("tin tức", "thời sự"):  # a story with a single tag of its own
        if len(unique) < 2 and filler not in seen:
            unique.append(filler)
    return tuple(unique[:5])


def _byline(rng: Random) -> tuple[tuple[str, ...], str]:
    roll = rng.random()
    if roll < 0.07:
        return (), _DESK
    names = tuple(rng.sample(PEN_NAMES, 1 if rng.random() < 0.7 else 2))
    return names, ("Báo Tin tức" if roll < 0.15 else "TTXVN")
