"""Decide which topics an article belongs to, and say why: a pure function over text.

The rules are data (`crawler/topics.toml`, documented there). Matching is Vietnamese-aware:
NFC and case-folded, whole words only ("nhật" never matches inside another word), dashes
unified, phrases that use a topic word in another sense blanked out before counting.

Speed: a term can only occur in a text that has each of its words as a whole word, so the
text's set of words, looked up in an index of the terms by their first word, picks the few
terms worth counting, and `count_phrase` counts them with a literal search. The scores are the
same as matching every term's whole-word pattern, at a fraction of the cost: classifying must
cost little beside extracting, and the crawler scores every link text it meets.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from tintuc.model import Article, TopicMatch
from tintuc.text import normalize_for_match

_WORD = re.compile(r"\w+")
BOTH_GROUP = "both"
IGNORED_MARK = " | "  # what an ignored phrase becomes: "a <ignored> b" must not read as "a b"


class RulesError(ValueError):
    """The topic rules file is malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class Term:
    phrase: str
    weight: float
    group: str
    words: frozenset[str]  # each must be a word of a text for the phrase to occur in it


@dataclass(frozen=True)
class Topic:
    name: str
    label: str
    description: str
    threshold: float
    require: tuple[str, ...]
    ignore: re.Pattern[str] | None
    terms: tuple[Term, ...]
    ignore_words: tuple[frozenset[str], ...] = ()  # the words of each ignored phrase

    def mask(self, prepared: str, words: Set[str]) -> str:
        """The text (whose words are `words`) with each ignored phrase replaced by a mark that
        no term can match across."""
        if self.ignore is None or not any(phrase <= words for phrase in self.ignore_words):
            return prepared  # no ignored phrase can occur: spare the text the regex
        return self.ignore.sub(IGNORED_MARK, prepared)


@dataclass(frozen=True)
class Rules:
    topics: tuple[Topic, ...]
    headline_factor: float
    cap: int
    fingerprint: str  # changes whenever the rules change: stored beside each classification
    # (topic number, term number) of every term, by the term's first word
    _by_first_word: Mapping[str, tuple[tuple[int, int], ...]] = field(
        default_factory=dict, compare=False, hash=False, repr=False,
    )
    _first_words: frozenset[str] = field(default=frozenset(), compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[str, list[tuple[int, int]]] = {}
        for topic_number, topic in enumerate(self.topics):
            for term_number, term in enumerate(topic.terms):
                first = _WORD.search(term.phrase).group()  # type: ignore[union-attr]
                index.setdefault(first, []).append((topic_number, term_number))
        object.__setattr__(self, "_by_first_word", {k: tuple(v) for k, v in index.items()})
        object.__setattr__(self, "_first_words", frozenset(index))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(topic.name for topic in self.topics)

    def candidate_terms(self, words: Set[str]) -> list[tuple[Term, ...]]:
        """For each topic (in order), its terms that a text with these words may match."""
        found: list[list[int]] = [[] for _ in self.topics]
        for word in self._first_words.intersection(words):
            for topic_number, term_number in self._by_first_word[word]:
                if self.topics[topic_number].terms[term_number].words <= words:
                    found[topic_number].append(term_number)
        return [
            tuple(topic.terms[n] for n in sorted(numbers))
            for topic, numbers in zip(self.topics, found, strict=True)
        ]


def prepare_text(text: str) -> str:
    """Text as the rules see it: NFC, case-folded, single-spaced, " - " around every dash."""
    text = normalize_for_match(text)
    if "-" not in text:
        return text
    # Single-spaced already, so plain replacements do what `\s*-\s*` → " - " would, faster.
    return text.replace(" -", "-").replace("- ", "-").replace("-", " - ")


def count_phrase(prepared: str, phrase: str, limit: int) -> int:
    """How often a prepared phrase occurs in prepared text as whole words, counting up to `limit`.

    Prepared text is single-spaced, so a literal search finds every candidate; one counts when
    it neither starts nor ends inside a longer word ("lũ" is not in "tích lũy"). Occurrences do
    not overlap. The same as counting `(?<!\\w)phrase(?!\\w)` matches, at a fraction of the cost.
    """
    count = start = 0
    size = len(phrase)
    while count < limit:
        at = prepared.find(phrase, start)
        if at < 0:
            break
        end = at + size
        if (at == 0 or not _is_word_char(prepared[at - 1])) and (
            end == len(prepared) or not _is_word_char(prepared[end])
        ):
            count += 1
            start = end
        else:
            start = at + 1
    return count


def _is_word_char(char: str) -> bool:
    """What `\\w` matches in a str pattern: alphanumerics and the underscore."""
    return char.isalnum() or char == "_"


def words_of(*prepared: str) -> frozenset[str]:
    """The whole words of prepared texts (the runs of word characters, as `\\w` means them)."""
    return frozenset(_WORD.findall(" ".join(prepared)))


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
                    words=words_of(prepare_text(phrase)),
                )
                for group in spec["terms"]
                for phrase in group["phrases"]
            )
            if wordless := [term.phrase for term in terms if not term.words]:
                raise RulesError(f"{source}: topic {name!r}: phrases without a word: {wordless}")
            topics.append(
                Topic(
                    name=name,
                    label=str(spec.get("label", name)),
                    description=str(spec.get("description", "")),
                    threshold=float(spec["threshold"]),
                    require=tuple(spec.get("require", ())),
                    ignore=_phrase_pattern(spec["ignore"]) if spec.get("ignore") else None,
                    terms=terms,
                    ignore_words=tuple(words_of(prepare_text(p)) for p in spec.get("ignore", ())),
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
    words = words_of(headline, body)
    return [
        match
        for topic, terms in zip(rules.topics, rules.candidate_terms(words), strict=True)
        if (match := score_topic(topic, headline, body, rules, terms, words)) is not None
    ]


def score_topic(
    topic: Topic,
    headline: str,
    body: str,
    rules: Rules,
    terms: tuple[Term, ...] | None = None,
    words: Set[str] | None = None,
) -> TopicMatch | None:
    """Score one topic over prepared text; None when the article does not belong to it.

    `terms` and `words` narrow the work (see `Rules.candidate_terms`); by default all the
    topic's terms are tried.
    """
    why = _tally(topic, headline, body, rules, terms, words)
    return TopicMatch(topic=topic.name, score=why.score, terms=why.terms) if why.matched else None


@dataclass(frozen=True)
class Explanation:
    """A topic's full tally for one article, whether or not it matched: what an evaluation
    shows for a near miss, and what a false positive was made of."""

    topic: str
    score: float
    threshold: float
    matched: bool
    terms: tuple[str, ...]  # the terms that counted for the topic, strongest first
    against: tuple[str, ...] = ()  # the terms with a negative weight that matched
    note: str = ""  # why a score at or above the threshold still did not match


def explain(article: Article, rules: Rules) -> list[Explanation]:
    """Every topic's tally for the article (`classify` keeps only the matched ones)."""
    headline = prepare_text(" \n ".join([article.title, article.sapo, " ; ".join(article.tags)]))
    body = prepare_text(article.body_text)
    words = words_of(headline, body)
    return [
        _tally(topic, headline, body, rules, terms, words)
        for topic, terms in zip(rules.topics, rules.candidate_terms(words), strict=True)
    ]


def _tally(
    topic: Topic,
    headline: str,
    body: str,
    rules: Rules,
    terms: tuple[Term, ...] | None = None,
    words: Set[str] | None = None,
) -> Explanation:
    if words is None:
        words = words_of(headline, body)
    headline = topic.mask(headline, words)
    body = topic.mask(body, words)
    contributions: dict[str, float] = {}
    groups: set[str] = set()
    for term in topic.terms if terms is None else terms:
        hits = count_phrase(headline, term.phrase, rules.cap) * rules.headline_factor
        hits += count_phrase(body, term.phrase, rules.cap)
        if hits:
            contributions[term.phrase] = term.weight * min(hits, rules.cap)
            groups.add(term.group)
    score = round(sum(contributions.values()), 2)
    missing = () if BOTH_GROUP in groups else tuple(g for g in topic.require if g not in groups)
    ranked = sorted(contributions, key=lambda phrase: (-abs(contributions[phrase]), phrase))
    return Explanation(
        topic=topic.name,
        score=score,
        threshold=topic.threshold,
        matched=score >= topic.threshold and not missing,
        terms=tuple(phrase for phrase in ranked if contributions[phrase] > 0),
        against=tuple(phrase for phrase in ranked if contributions[phrase] < 0),
        note=f"required group missing: {', '.join(missing)}" if missing else "",
    )
