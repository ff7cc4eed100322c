"""Decide which topics an article belongs to, and say why: a pure function over text.

The rules are data (`crawler/topics.toml`, documented there). Matching is Vietnamese-aware:
NFC and case-folded, whole words only ("nhật" never matches inside another word), dashes
unified, phrases that use a topic word in another sense blanked out before counting, and
proper names that contain a topic word ("Phạm Nhật Vượng") blanked out by their capitals
before case folding (`ProperNames`).

Beyond counting weighted phrases, a topic may ask for more, because a word anywhere in a long
article does not make the article about it:
- `require_headline`: a group of terms must show in the title, sapo or tags (the environment:
  a metro line that "will cut emissions" is not environmental news);
- `together`: groups must meet in one sentence or in the headline, often enough and in a fair
  share of the sentences naming the first group (Vietnam–Japan: Japan's own news that names
  Vietnam once is not the relation; `Together`).
`explain` gives every topic's full tally, matched or not, for evaluation (`crawler/evaluate.py`).

Speed: a term can only occur in a text that has each of its words as a whole word, so the
text's set of words, looked up in an index of the terms by a key word, picks the few terms
worth counting, and `count_phrase` counts them with a literal search. The scores are the same
as matching every term's whole-word pattern, at a fraction of the cost: classifying must cost
little beside extracting, and the crawler scores every link text it meets. Ignored phrases are
found the same way, a topic whose conditions the candidate terms cannot meet is not counted at
all (`_may_match`), and sentences are only cut where `together` needs them.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TypeVar

from core.model import Article, TopicMatch
from core.text import normalize_for_match

_Entry = TypeVar("_Entry")
_WORD = re.compile(r"\w+")
BOTH_GROUP = "both"
IGNORED_MARK = " | "  # what an ignored phrase becomes: "a <ignored> b" must not read as "a b"
NAME_MARK = "|"  # what the topic word of a proper name becomes ("Phạm Nhật Vượng" → "Phạm | Vượng")
BREAK = " ¶ "  # between paragraphs, and between title, sapo and tags: ends a sentence
_MAX_OFFSETS = 64  # occurrences of a term placed in sentences, at most
# A sentence ends at . ! ? … (closing quotes or brackets may follow) or at a BREAK, before a space.
_SENTENCE_END = re.compile(r"[.!?…¶][\"'”’»)\]]*(?=\s)")


class RulesError(ValueError):
    """The topic rules file is malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class Term:
    phrase: str
    weight: float
    group: str
    words: frozenset[str]  # each must be a word of a text for the phrase to occur in it


@dataclass(frozen=True)
class Together:
    """Groups of a topic's terms that must meet in one sentence (or in the headline).

    "Nhật Bản" and "Việt Nam" anywhere in a long article do not make it about both countries;
    the two named in the same sentence, again and again, do.
    """

    groups: tuple[str, ...]
    weight: float  # added per unit (sentence of the body, or the headline) where all groups meet
    at_least: float  # weighted units needed (the headline counts headline_factor)
    share: float  # ...and at least this share of the units that name the first group

    @property
    def label(self) -> str:
        """How the co-occurrence shows among the matched terms: "[japan + vietnam]"."""
        return "[" + " + ".join(self.groups) + "]"


@dataclass(frozen=True)
class ProperNames:
    """Proper names that contain a topic word: "Nhật" followed by another capitalised word is
    part of a name (Phạm Nhật Vượng, Nhật Kim Anh, cầu Nhật Tân), unless the pair is kept
    ("Nhật Bản"). Case is the only clue, so this looks at the text before case folding."""

    words: tuple[str, ...]  # as capitalised in text: "Nhật"
    keep: frozenset[str]  # "nhật bản": case-folded pairs that are not names
    # Per word, a pattern of its occurrences before another word that is not a kept one: the
    # common "Việt Nam" costs no Python step.
    _patterns: tuple[re.Pattern[str], ...] = field(
        default=(), compare=False, hash=False, repr=False,
    )

    def __post_init__(self) -> None:
        patterns = []
        for word in self.words:
            prefix = word.casefold() + " "
            kept = [pair.removeprefix(prefix) for pair in self.keep if pair.startswith(prefix)]
            not_kept = "".join(
                f"(?!{re.escape(spelling)}(?!\\w))"
                for k in kept for spelling in (k[0].upper() + k[1:], k.upper())
            )
            # The word first, so that the search is a fast literal scan.
            patterns.append(re.compile(rf"{re.escape(word)} {not_kept}(?=\w)"))
        object.__setattr__(self, "_patterns", tuple(patterns))

    def blank(self, text: str) -> str:
        """The text with each such name's topic word replaced by NAME_MARK."""
        for word, pattern in zip(self.words, self._patterns, strict=True):
            if word not in text:
                continue  # the common case: a plain substring test spares the pattern
            pieces: list[str] = []
            start = 0
            for found in pattern.finditer(text):
                if found.start() and _is_word_char(text[found.start() - 1]):
                    continue  # inside a longer word
                nxt = found.end()
                # "Nhật Kim", not "nhật kim" or "NHẬT KIM" (all capitals say nothing)
                if not text[nxt].isupper() or text[nxt + 1:nxt + 2].isupper():
                    continue
                end = nxt
                while end < len(text) and _is_word_char(text[end]):
                    end += 1
                if f"{word} {text[nxt:end]}".casefold() in self.keep:
                    continue
                pieces.append(text[start:found.start()])
                pieces.append(NAME_MARK)
                start = found.start() + len(word)
            if pieces:
                pieces.append(text[start:])
                text = "".join(pieces)
        return text


@dataclass(frozen=True)
class Topic:
    name: str
    label: str
    description: str
    threshold: float
    require: tuple[str, ...]
    ignore: tuple[str, ...]  # prepared phrases, longest first
    terms: tuple[Term, ...]
    together: Together | None = None
    require_headline: tuple[str, ...] = ()  # groups that must match in the title, sapo or tags
    # The ignored phrases (with their words) by a key word, as `Rules` indexes the terms.
    _ignore_by_key_word: Mapping[str, tuple[tuple[str, frozenset[str]], ...]] = field(
        default_factory=dict, compare=False, hash=False, repr=False,
    )
    _ignore_key_words: frozenset[str] = field(
        default=frozenset(), compare=False, hash=False, repr=False,
    )

    def __post_init__(self) -> None:
        index = _index_by_key_word(
            ((phrase, words), words) for phrase in self.ignore if (words := words_of(phrase))
        )
        object.__setattr__(self, "_ignore_by_key_word", index)
        object.__setattr__(self, "_ignore_key_words", frozenset(index))

    def mask(self, prepared: str, words: Set[str]) -> str:
        """The text (whose words are `words`) with each ignored phrase, as whole words, replaced
        by a mark that no term can match across; longer phrases first.

        Like `candidate_terms`, the text's words pick the few phrases that can occur, and a
        literal search finds them: most texts cost a set intersection.
        """
        return _blank_phrases(prepared, self.ignored_in(words))

    def ignored_in(self, words: Set[str]) -> list[str]:
        """The ignored phrases that a text with these words may contain, longest first."""
        present = [
            phrase
            for key in self._ignore_key_words.intersection(words)
            for phrase, phrase_words in self._ignore_by_key_word[key]
            if phrase_words <= words
        ]
        present.sort(key=lambda p: (-len(p), p))
        return present


def _index_by_key_word(
    entries: Iterable[tuple[_Entry, frozenset[str]]],
) -> dict[str, tuple[_Entry, ...]]:
    """Entries (each with the words of its phrase) by a key word of the phrase: the word that
    the fewest phrases share (the longest of those), so that a word common in the rules ("môi",
    "việt") opens few entries. A phrase can only occur in a text that has its key word."""
    entries = list(entries)
    sharing: dict[str, int] = {}
    for _, words in entries:
        for word in words:
            sharing[word] = sharing.get(word, 0) + 1
    index: dict[str, list[_Entry]] = {}
    for entry, words in entries:
        key = min(sorted(words), key=lambda word: (sharing[word], -len(word)))
        index.setdefault(key, []).append(entry)
    return {key: tuple(found) for key, found in index.items()}


def _blank_phrases(prepared: str, phrases: list[str]) -> str:
    """Each of the phrases, as whole words, replaced by IGNORED_MARK, in the order given."""
    for phrase in phrases:
        if phrase not in prepared:
            continue
        if not (offsets := phrase_offsets(prepared, phrase, len(prepared))):
            continue
        pieces, start = [], 0
        for at in offsets:
            pieces.append(prepared[start:at])
            start = at + len(phrase)
        pieces.append(prepared[start:])
        prepared = IGNORED_MARK.join(pieces)
    return prepared


@dataclass(frozen=True)
class Rules:
    topics: tuple[Topic, ...]
    headline_factor: float
    cap: int
    fingerprint: str  # changes whenever the rules change: stored beside each classification
    proper_names: ProperNames | None = None
    # (topic number, term number, the term's words, the term) of every term, by a key word
    _by_key_word: Mapping[str, tuple[tuple[int, int, frozenset[str], Term], ...]] = field(
        default_factory=dict, compare=False, hash=False, repr=False,
    )
    _key_words: frozenset[str] = field(default=frozenset(), compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        index = _index_by_key_word(
            ((topic_number, term_number, term.words, term), term.words)
            for topic_number, topic in enumerate(self.topics)
            for term_number, term in enumerate(topic.terms)
        )
        object.__setattr__(self, "_by_key_word", index)
        object.__setattr__(self, "_key_words", frozenset(index))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(topic.name for topic in self.topics)

    def candidate_terms(self, words: Set[str]) -> list[tuple[Term, ...]]:
        """For each topic (in order), its terms that a text with these words may match."""
        found: list[list[tuple[int, Term]]] = [[] for _ in self.topics]
        by_key_word = self._by_key_word
        for word in self._key_words.intersection(words):
            for topic_number, term_number, term_words, term in by_key_word[word]:
                if term_words <= words:
                    found[topic_number].append((term_number, term))
        return [tuple(term for _, term in sorted(terms)) for terms in found]

    def prepare_article(self, article: Article) -> tuple[str, str]:
        """The article's headline (title, sapo and tags) and body as the rules see them: names
        blanked, paragraphs and the three headline fields kept apart by BREAK (the title
        first), then `prepare_text`."""
        return self.prepare_headline(article), self.prepare_body(article)

    def prepare_headline(self, article: Article) -> str:
        """The headline of `prepare_article`."""
        return self._prepare_lines(
            "\n".join((article.title.replace("\n", " "), article.sapo, " ; ".join(article.tags)))
        )

    def prepare_body(self, article: Article) -> str:
        """The body of `prepare_article`."""
        return self._prepare_lines(article.body_text)

    def _prepare_lines(self, text: str) -> str:
        """`prepare_text` after blanking names, with a BREAK between lines."""
        if self.proper_names is not None:
            text = self.proper_names.blank(unicodedata.normalize("NFC", text))
        return prepare_text(text.replace("\n", BREAK) if "\n" in text else text)


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
        before = prepared[at - 1] if at else " "
        after = prepared[end] if end < len(prepared) else " "
        # not inside a longer word: what `\\w` means, inlined (this loop is the hot one)
        if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
            count += 1
            start = end
        else:
            start = at + 1
    return count


def phrase_offsets(prepared: str, phrase: str, limit: int) -> list[int]:
    """Where a prepared phrase occurs in prepared text as whole words (as `count_phrase` counts
    them), at most `limit` offsets."""
    found: list[int] = []
    start = 0
    size = len(phrase)
    while len(found) < limit:
        at = prepared.find(phrase, start)
        if at < 0:
            break
        end = at + size
        before = prepared[at - 1] if at else " "
        after = prepared[end] if end < len(prepared) else " "
        if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
            found.append(at)
            start = end
        else:
            start = at + 1
    return found


def _is_word_char(char: str) -> bool:
    """What `\\w` matches in a str pattern: alphanumerics and the underscore."""
    return char.isalnum() or char == "_"


def words_of(*prepared: str) -> frozenset[str]:
    """The whole words of prepared texts (the runs of word characters, as `\\w` means them)."""
    return frozenset(_WORD.findall(" ".join(prepared)))


def _ignore_phrases(phrases: list[str], where: str) -> tuple[str, ...]:
    prepared = tuple(prepare_text(phrase) for phrase in phrases)
    if wordless := [phrase for phrase in prepared if not words_of(phrase)]:
        raise RulesError(f"{where}: ignored phrases without a word: {wordless}")
    return prepared


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
                    ignore=_ignore_phrases(spec.get("ignore", ()), f"{source}: topic {name!r}"),
                    terms=terms,
                    require_headline=tuple(spec.get("require_headline", ())),
                    together=_parse_together(
                        spec.get("together"), terms, f"{source}: topic {name!r}"
                    ),
                )
            )
        proper_names = None
        if names := data.get("names"):
            proper_names = ProperNames(
                words=tuple(unicodedata.normalize("NFC", str(w)) for w in names["words"]),
                keep=frozenset(
                    unicodedata.normalize("NFC", str(k)).casefold() for k in names.get("keep", ())
                ),
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
        proper_names=proper_names,
    )


def _parse_together(spec: Mapping | None, terms: tuple[Term, ...], where: str) -> Together | None:
    if spec is None:
        return None
    together = Together(
        groups=tuple(str(g) for g in spec["groups"]),
        weight=float(spec["weight"]),
        at_least=float(spec.get("at_least", 1)),
        share=float(spec.get("share", 0)),
    )
    known = {term.group for term in terms}
    if len(together.groups) < 2 or not set(together.groups) <= known:
        raise RulesError(
            f"{where}: 'together' needs two or more groups of its terms, got {list(together.groups)}"
        )
    return together


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
    """The topics the article belongs to, each with its score and the terms that matched.

    The same as the matched topics of `explain`, cheaper: a topic that requires a group in the
    headline is only scored when the headline has a term of that group, and the body is only
    prepared when some topic is left (most articles are about neither topic).
    """
    headline = rules.prepare_headline(article)
    headline_words = words_of(headline)
    possible = [
        not topic.require_headline
        or any(term.group in topic.require_headline or term.group == BOTH_GROUP for term in terms)
        for topic, terms in zip(rules.topics, rules.candidate_terms(headline_words), strict=True)
    ]
    if not any(possible):
        return []
    body = rules.prepare_body(article)
    words = headline_words.union(_WORD.findall(body))  # = words_of(headline, body), cheaper
    return [
        match
        for topic, terms, maybe in zip(
            rules.topics, rules.candidate_terms(words), possible, strict=True
        )
        if maybe and (match := score_topic(topic, headline, body, rules, terms, words)) is not None
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
    if terms is not None and not _may_match(topic, terms, headline):
        return None
    why = _tally(topic, headline, body, rules, terms, words)
    return TopicMatch(topic=topic.name, score=why.score, terms=why.terms) if why.matched else None


def _may_match(topic: Topic, terms: tuple[Term, ...], headline: str) -> bool:
    """False when the candidate terms cannot meet the topic's conditions (a required group, in
    the headline or anywhere, or a group of `together` without a candidate): most articles
    belong to no topic, and this spares them the counting."""
    groups = {term.group for term in terms}
    if BOTH_GROUP in groups:
        return True
    needed = set(topic.require)
    if topic.together is not None:
        needed.update(topic.together.groups)
    if not needed <= groups:
        return False
    return all(
        any(term.group == group and term.phrase in headline for term in terms)
        for group in topic.require_headline
    )


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
    note: str = ""  # why the topic did not match although terms did (a condition unmet)


def explain(article: Article, rules: Rules) -> list[Explanation]:
    """Every topic's tally for the article (`classify` keeps only the matched ones)."""
    headline, body = rules.prepare_article(article)
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
    if ignored := topic.ignored_in(words):
        headline = _blank_phrases(headline, ignored)
        body = _blank_phrases(body, ignored)
    contributions: dict[str, float] = {}
    groups: set[str] = set()
    headline_groups: set[str] = set()
    matched: list[tuple[Term, bool]] = []  # (term, in the headline)
    markers: list[Term] = []  # weight 0: they only mark where their group is named
    # The body offsets of the terms that `together` places in sentences (its first group's
    # and the "both" terms), found once for the count and the placing.
    placing = (topic.together.groups[0], BOTH_GROUP) if topic.together is not None else ()
    offsets: dict[str, list[int]] = {}
    cap, factor = rules.cap, rules.headline_factor
    for term in topic.terms if terms is None else terms:
        in_headline = 0
        if term.phrase in headline:  # most terms are only in the body: spare the search
            in_headline = count_phrase(headline, term.phrase, cap) * factor
        if not term.weight:
            markers.append(term)
            if in_headline:
                headline_groups.add(term.group)
            continue
        hits = in_headline
        if term.phrase not in body:  # a candidate by its words, not as a phrase: no search
            pass
        elif term.group in placing:
            offsets[term.phrase] = phrase_offsets(body, term.phrase, _MAX_OFFSETS)
            hits += len(offsets[term.phrase])
        else:
            hits += count_phrase(body, term.phrase, cap)
        if hits:
            contributions[term.phrase] = term.weight * min(hits, cap)
            groups.add(term.group)
            matched.append((term, bool(in_headline)))
            if in_headline:
                headline_groups.add(term.group)
    notes = []
    missing = () if BOTH_GROUP in groups else tuple(g for g in topic.require if g not in groups)
    if missing:
        notes.append(f"required group missing: {', '.join(missing)}")
    if BOTH_GROUP not in headline_groups and (
        missing := tuple(g for g in topic.require_headline if g not in headline_groups)
    ):
        notes.append(f"required in the headline: {', '.join(missing)}")
    if topic.together is not None:
        met, why_not = _together(
            topic.together, matched, markers, offsets, headline_groups, headline, body, rules
        )
        if met:
            contributions[topic.together.label] = topic.together.weight * min(met, rules.cap)
        else:
            notes.append(why_not)
    score = round(sum(contributions.values()), 2)
    ranked = sorted(contributions, key=lambda phrase: (-abs(contributions[phrase]), phrase))
    return Explanation(
        topic=topic.name,
        score=score,
        threshold=topic.threshold,
        matched=score >= topic.threshold and not notes,
        terms=tuple(phrase for phrase in ranked if contributions[phrase] > 0),
        against=tuple(phrase for phrase in ranked if contributions[phrase] < 0),
        note="; ".join(notes),
    )


def _together(
    together: Together,
    matched: list[tuple[Term, bool]],
    markers: list[Term],
    offsets: Mapping[str, list[int]],
    headline_groups: set[str],
    headline: str,
    body: str,
    rules: Rules,
) -> tuple[float, str]:
    """The weighted number of units where every group of `together` is named, or 0 and the
    reason when that is fewer than `at_least`, or (the title not naming every group) less than
    `share` of the weighted units that name the first group.

    A unit is the headline or one sentence of the body. The headline weighs headline_factor,
    and so does a sentence with a "both" term (the relation named outright); a "both" term
    names every group. `matched` are the terms that matched (and whether in the headline),
    `markers` the weight-0 terms that may occur (their groups in the headline are among
    `headline_groups`), `offsets` where the first group's and the "both" terms are in the body.
    Only the first group's terms are placed in sentences, and the other
    groups looked for in those sentences only: most articles cost nothing here, the others
    little.
    """
    first, *others = together.groups
    in_headline = set(together.groups) if BOTH_GROUP in headline_groups else headline_groups
    title = headline.split(BREAK, 1)[0]
    by_group: dict[str, list[Term]] = {}
    for term, _ in matched:
        by_group.setdefault(term.group, []).append(term)
    in_title = {
        group for group in together.groups
        if group in in_headline and _names(title, (
            *by_group.get(group, ()),
            *by_group.get(BOTH_GROUP, ()),
            *(marker for marker in markers if marker.group == group),
        ))
    }
    for term in markers:
        by_group.setdefault(term.group, []).append(term)
    named_somewhere = all(g in by_group or g in in_headline for g in together.groups)
    if BOTH_GROUP not in by_group and not named_somewhere:
        return 0, f"{' and '.join(together.groups)} never meet"
    # The units naming the first group: -1 is the headline, 0, 1, … the body's sentences.
    ends = [m.end() for m in _SENTENCE_END.finditer(body)]
    anchored: set[int] = {-1} if first in in_headline else set()
    heavy: set[int] = {-1}  # the units that weigh headline_factor
    for group in (first, BOTH_GROUP):
        for term in by_group.get(group, ()):
            found = {bisect_right(ends, at) for at in offsets.get(term.phrase, ())}
            anchored |= found
            if group == BOTH_GROUP:
                heavy |= found
    def weighed(numbers: Iterable[int]) -> float:
        return sum(rules.headline_factor if n in heavy else 1 for n in numbers)

    named = weighed(anchored)
    # Enough meetings to decide: the cap of the score, and the share when the title does not
    # name every group. Counting stops there (the score counts at most `cap` units anyway).
    waived = in_title == set(together.groups)
    enough = max(rules.cap, together.at_least, 0 if waived else together.share * named)
    met = 0.0
    for unit in sorted(anchored):
        if met >= enough:
            break
        if unit < 0:
            meets = all(group in in_headline for group in others)
        elif unit in heavy:
            meets = True  # a "both" term names them all
        else:
            start = ends[unit - 1] if unit else 0
            sentence = body[start:ends[unit] if unit < len(ends) else len(body)]
            meets = all(_names(sentence, by_group.get(group, ())) for group in others)
        if meets:
            met += weighed((unit,))
    label = " and ".join(together.groups)
    if met < together.at_least:
        return 0, f"{label} meet in {met:g} weighted units, fewer than {together.at_least:g}"
    if not waived and met < together.share * named:
        return 0, (f"{label} meet in {met:g} of the {named:g} weighted units naming "
                   f"{first}, under the share {together.share:g}")
    return met, ""


def _names(text: str, terms: Iterable[Term]) -> bool:
    """Whether one of the terms occurs in a short prepared text (a title, a sentence)."""
    # A plain substring test first: most terms are not there, and it costs no Python step.
    return any(term.phrase in text and count_phrase(text, term.phrase, 1) for term in terms)
