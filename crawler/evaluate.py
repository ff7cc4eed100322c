"""How well the topic rules agree with hand-labelled articles: precision, recall and the misses.

Why this module exists: the rules in `crawler/topics.toml` are tuned by hand, and a rule that
fixes one article can quietly break ten others. Every change is therefore measured against
labelled text (the shared development set of real Vietnamese news, JSON Lines), and this module
is that measurement, kept pure so that a test, a bench row and a future `tintuc eval` command
all compute the same figures.

- `load_labelled(path)` is the only I/O: it reads JSON Lines into `LabelledText` records.
- `evaluate(items, rules)` classifies each record and returns an `Evaluation`: a small frozen
  dataclass per topic with the confusion counts, precision/recall/F1 and every misclassified
  item, with the terms that matched (false positive) or its near-miss score (false negative),
  so that an error can be understood without re-running anything. `Evaluation.as_dict()` is
  ready for `json.dumps`; `Evaluation.summary()` is one line per topic for a terminal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core.model import Article
from crawler.classify import Rules, explain


class LabelledError(ValueError):
    """A labelled file is unreadable or a line of it is malformed; the message names the line."""


@dataclass(frozen=True)
class LabelledText:
    """One labelled article: its text and, per topic, whether it belongs to the topic."""

    id: str
    title: str
    sapo: str
    body: str
    tags: tuple[str, ...]
    labels: tuple[tuple[str, bool], ...]  # (topic, belongs), sorted by topic

    def label(self, topic: str) -> bool | None:
        """True or False as labelled; None when the record says nothing about this topic."""
        return dict(self.labels).get(topic)

    def article(self) -> Article:
        """The record as the classifier sees a crawled article (no URL, no HTML)."""
        return Article(site_id=self.id, url="", title=self.title, body_text=self.body,
                       body_html="", sapo=self.sapo, tags=self.tags)


@dataclass(frozen=True)
class Miss:
    """A misclassified item: what the rules saw, so the error can be read without a rerun.

    For a false positive `terms` are the terms that pushed it over the threshold; for a false
    negative `score` is how close it came (against `threshold`) and `terms` what did match.
    """

    id: str
    title: str
    kind: str  # "false positive" or "false negative"
    score: float
    threshold: float
    terms: tuple[str, ...]
    note: str = ""  # e.g. "required group missing: vietnam"


@dataclass(frozen=True)
class Confusion:
    """Confusion counts for one topic, and the figures that follow from them."""

    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int

    @property
    def precision(self) -> float:
        """Share of the items put in the topic that belong there (1.0 when none was put)."""
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        """Share of the items that belong to the topic that were put there (1.0 when none do)."""
        truth = self.true_positives + self.false_negatives
        return self.true_positives / truth if truth else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall (0.0 when both are 0)."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def confusion(truth: Iterable[bool], predicted: Iterable[bool]) -> Confusion:
    """Confusion counts of paired (labelled, predicted) booleans; the two must be equally long."""
    pairs = list(zip(truth, predicted, strict=True))
    return Confusion(
        true_positives=sum(t and p for t, p in pairs),
        false_positives=sum(p and not t for t, p in pairs),
        false_negatives=sum(t and not p for t, p in pairs),
        true_negatives=sum(not t and not p for t, p in pairs),
    )


@dataclass(frozen=True)
class TopicReport:
    """One topic's result: counts, figures and the misclassified items."""

    topic: str
    counts: Confusion
    misses: tuple[Miss, ...]

    @property
    def precision(self) -> float:
        return self.counts.precision

    @property
    def recall(self) -> float:
        return self.counts.recall

    @property
    def f1(self) -> float:
        return self.counts.f1


@dataclass(frozen=True)
class Evaluation:
    """The rules (by fingerprint) measured on `items` labelled records, one report per topic."""

    rules_fingerprint: str
    items: int
    topics: tuple[TopicReport, ...]

    def topic(self, name: str) -> TopicReport:
        """The report of one topic; KeyError naming the topics evaluated when absent."""
        for report in self.topics:
            if report.topic == name:
                return report
        evaluated = ", ".join(report.topic for report in self.topics)
        raise KeyError(f"{name!r} not evaluated (topics: {evaluated})")

    def summary(self) -> str:
        """One line per topic, for a terminal or a log."""
        return "\n".join(
            f"{r.topic}: precision {r.precision:.3f} recall {r.recall:.3f} F1 {r.f1:.3f} "
            f"(TP {r.counts.true_positives} FP {r.counts.false_positives} "
            f"FN {r.counts.false_negatives} TN {r.counts.true_negatives}; {self.items} items)"
            for r in self.topics
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain data for `json.dumps`, the derived figures included."""
        return {
            "rules_fingerprint": self.rules_fingerprint,
            "items": self.items,
            "topics": [
                {
                    "topic": r.topic,
                    **asdict(r.counts),
                    "precision": round(r.precision, 4),
                    "recall": round(r.recall, 4),
                    "f1": round(r.f1, 4),
                    "misses": [asdict(miss) for miss in r.misses],
                }
                for r in self.topics
            ],
        }


def load_labelled(path: str | Path) -> list[LabelledText]:
    """Read labelled articles from a JSON Lines file (blank lines skipped).

    Each line is an object with `title`, `body`, `labels` ({topic: bool}) and optionally `id`,
    `sapo` and `tags` (absent means empty; `id` defaults to "line N"). Raises `LabelledError`
    naming the file and line of the first malformed record.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise LabelledError(f"{path}: cannot read labelled articles ({error})") from error
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            raise LabelledError(
                f"{where}: not valid JSON ({error.msg} at column {error.colno})"
            ) from error
        records.append(_record(data, where, default_id=f"line {number}"))
    return records


def _record(data: Any, where: str, default_id: str) -> LabelledText:
    if not isinstance(data, Mapping):
        raise LabelledError(f"{where}: expected a JSON object, got {type(data).__name__}")
    for key in ("title", "body", "labels"):
        if key not in data:
            raise LabelledError(f"{where}: missing field {key!r}")
    labels = data["labels"]
    if not isinstance(labels, Mapping) or not all(isinstance(v, bool) for v in labels.values()):
        raise LabelledError(f"{where}: 'labels' must map each topic to true or false")
    tags = data.get("tags") or ()
    text_fields = (data["title"], data["body"], data.get("sapo") or "", *tags)
    if isinstance(tags, str) or not all(isinstance(v, str) for v in text_fields):
        raise LabelledError(
            f"{where}: 'title', 'sapo', 'body' must be strings and 'tags' a list of strings"
        )
    return LabelledText(
        id=str(data.get("id") or default_id),
        title=data["title"],
        sapo=data.get("sapo") or "",
        body=data["body"],
        tags=tuple(tags),
        labels=tuple(sorted((str(k), v) for k, v in labels.items())),
    )


def evaluate(
    items: Sequence[LabelledText], rules: Rules, topics: Sequence[str] | None = None,
) -> Evaluation:
    """Classify every item with `rules` and compare with its labels, topic by topic.

    `topics` defaults to the rules' topics; an item without a label for a topic is left out of
    that topic's counts (the JSON may label only some topics).
    """
    names = tuple(topics) if topics is not None else rules.names
    explained = [{e.topic: e for e in explain(item.article(), rules)} for item in items]
    reports = []
    for name in names:
        truth: list[bool] = []
        predicted: list[bool] = []
        misses: list[Miss] = []
        for item, by_topic in zip(items, explained, strict=True):
            label = item.label(name)
            if label is None:
                continue
            why = by_topic.get(name)
            matched = why is not None and why.matched
            truth.append(label)
            predicted.append(matched)
            if label != matched:
                misses.append(Miss(
                    id=item.id,
                    title=item.title,
                    kind="false negative" if label else "false positive",
                    score=why.score if why else 0.0,
                    threshold=why.threshold if why else 0.0,
                    terms=why.terms if why else (),
                    note=why.note if why else "",
                ))
        counts = confusion(truth, predicted)
        reports.append(TopicReport(topic=name, counts=counts, misses=tuple(misses)))
    return Evaluation(rules_fingerprint=rules.fingerprint, items=len(items), topics=tuple(reports))
