"""Decide which topics an article belongs to, and say why: a pure function over text.

The rules are data (`crawler/topics.toml`, documented there). Matching is Vietnamese-aware:
NFC and case-folded, whole words only ("nhật" never matches inside another word), dashes
unified, phrases that use a topic word in another sense blanked out before counting.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from tintuc.model import Article, TopicMatch
from tintuc.text import normalize_for_match

_DASH_BETWEEN_WORDS = re.compile(r"\s*-\s*")
BOTH_GROUP = "both"


class RulesError(ValueError):
    """The topic rules file is malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class Term:
    phrase: str
    weight: float
    group: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Topic:
    name: str
    label: str
    description: str
    threshold: float
    require: tuple[str, ...]
    ignore: re.Pattern[str] | None
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Rules:
    topics: tuple[Topic, ...]
    headline_factor: float
    cap: int
    fingerprint: str  # changes whenever the rules change: stored beside each classification

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(topic.name for topic in self.topics)


def prepare_text(text: str) -> str:
    """Text as the rules see it: NFC, case-folded, one spacing around dashes between words."""
    return _DASH_BETWEEN_WORDS.sub(" - ", normalize_for_match(text))


def _phrase_pattern(phrases: list[str]) -> re.Pattern[str]:
    alternatives = sorted({prepare_text(p) for p in phrases if p.strip()}, key=len, reverse=True)
    body = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in alternatives)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")


def parse_rules(data: Mapping, source: str = "<rules>") -> Rules:
    """Build `Rules` from the parsed TOML; raises `RulesError` naming what is wrong."""
    topics = []
    try:
        for name, spec in data["topics"].items():
            terms = tuple(
                Term(
                    phrase=prepare_text(phrase),
                    weight=float(group["weight"]),
                    group=str(group.get("group", "")),
                    pattern=_phrase_pattern([phrase]),
                )
                for group in spec["terms"]
                for phrase in group["phrases"]
            )
            topics.append(
                Topic(
                    name=name,
                    label=str(spec.get("label", name)),
                    description=str(spec.get("description", "")),
                    threshold=float(spec["threshold"]),
                    require=tuple(spec.get("require", ())),
                    ignore=_phrase_pattern(spec["ignore"]) if spec.get("ignore") else None,
                    terms=terms,
                )
            )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise RulesError(f"{source}: malformed topic rules ({type(error).__name__}: {error})") from error
    if not topics:
        raise RulesError(f"{source}: no topics defined")
    raw = repr(sorted(data.items(), key=lambda kv: kv[0])).encode()
    return Rules(
        topics=tuple(topics),
        headline_factor=float(data.get("headline_factor", 2)),
        cap=int(data.get("cap", 5)),
        fingerprint=hashlib.sha256(raw).hexdigest()[:12],
    )


def load_rules(path: str | Path | None = None) -> Rules:
    """Load rules from a TOML file, or the packaged `crawler/topics.toml` when no path is given."""
    if path is None:
        text = resources.files("crawler").joinpath("topics.toml").read_text(encoding="utf-8")
        source = "crawler/topics.toml"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise RulesError(f"{path}: cannot read topic rules ({error})") from error
        source = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RulesError(f"{source}: not valid TOML ({error})") from error
    return parse_rules(data, source)


def classify(article: Article, rules: Rules) -> list[TopicMatch]:
    """The topics the article belongs to, each with its score and the terms that matched."""
    headline = prepare_text(" \n ".join([article.title, article.sapo, " ; ".join(article.tags)]))
    body = prepare_text(article.body_text)
    return [
        match
        for topic in rules.topics
        if (match := score_topic(topic, headline, body, rules)) is not None
    ]


def score_topic(topic: Topic, headline: str, body: str, rules: Rules) -> TopicMatch | None:
    """Score one topic over prepared text; None when the article does not belong to it."""
    if topic.ignore is not None:
        headline = topic.ignore.sub(" ", headline)
        body = topic.ignore.sub(" ", body)
    contributions: dict[str, float] = {}
    groups: set[str] = set()
    for term in topic.terms:
        if term.phrase not in headline and term.phrase not in body:
            continue  # a plain substring test rules out most terms before any regex runs
        hits = len(term.pattern.findall(headline)) * rules.headline_factor
        hits += len(term.pattern.findall(body))
        if hits:
            contributions[term.phrase] = term.weight * min(hits, rules.cap)
            groups.add(term.group)
    score = round(sum(contributions.values()), 2)
    required_met = BOTH_GROUP in groups or all(group in groups for group in topic.require)
    if score < topic.threshold or not required_met:
        return None
    positive = sorted(
        (phrase for phrase, value in contributions.items() if value > 0),
        key=lambda phrase: (-contributions[phrase], phrase),
    )
    return TopicMatch(topic=topic.name, score=score, terms=tuple(positive))
