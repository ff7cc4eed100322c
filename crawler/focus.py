"""Which link to fetch first: the focused-crawl priority, a pure function of what a link says.

A link whose anchor text (or title attribute, or RSS item text) uses the topics' vocabulary is
likely to lead to a relevant article, so it goes first; links found on a relevant article's own
boxes (related, widget) rank above the site-wide "latest news" box. The per-run page budget then
cuts the tail, and what it cuts waits in the frontier for the next run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from core.model import Article
from crawler.classify import Rules, count_phrase, explain, prepare_text, words_of
from crawler.urls import Kind

# Base priority by kind of page; Scrapy fetches higher numbers first.
BASE = {
    Kind.RSS_INDEX: 900,
    Kind.RSS: 800,
    Kind.ARTICLE: 300,
    Kind.TAG: 200,
    Kind.LISTING: 150,
}
# How much a link's context says about its target, by the box it was found in.
CONTEXT_BONUS = {
    "start": 1000,
    "related": 60,
    "widget": 50,
    "rss": 40,
    "listing": 30,
    "tag": 40,
    "same-category": 20,
    "latest": 0,
    "page": 0,
}
HINT_FACTOR = 25  # priority points per unit of topic-term weight found in the anchor text
OFF_TOPIC_PAGE_PENALTY = 150  # links from pages that matched no topic


# Terms weaker than this say nothing on their own ("việt nam" on a Vietnamese site).
HINT_MIN_WEIGHT = 1.0


def topic_hint(text: str, rules: Rules) -> float:
    """Sum of the weights of the topic terms that a short text (anchor, title, tag) uses."""
    prepared = prepare_text(text)
    words = words_of(prepared)
    total = 0.0
    for topic, terms in zip(rules.topics, rules.candidate_terms(words), strict=True):
        strong = [term for term in terms if term.weight >= HINT_MIN_WEIGHT]
        if not strong:
            continue
        masked = topic.mask(prepared, words)
        total += sum(term.weight for term in strong if count_phrase(masked, term.phrase, 1))
    return total


def page_on_topic(article: Article, rules: Rules) -> bool:
    """Whether an article's headline (title, sapo, tags) uses the topics' vocabulary.

    Links found on such a page are worth more. It is the crawl's quick judgement on what a
    reader sees first, made while the page is parsed; the article's topics are decided by the
    classifier, on its whole text, in the item pipeline.
    """
    return topic_hint(" ; ".join([article.title, article.sapo, *article.tags]), rules) > 0


# A listed article whose headline scores at least this share of a topic's threshold is fetched
# even when it does not reach it: the body often decides (measured on the simulated site: 56 of
# the 64 relevant articles a headline misses score two-thirds or more).
NEAR_MISS = 0.66


def worth_fetching(title: str, summary: str, rules: Rules) -> bool:
    """Whether a listed article (a listing item, an RSS item: a title and a summary) is worth
    fetching: its headline alone puts it in a topic, or comes close."""
    headline = Article(site_id="", url="", title=title, sapo=summary, body_text="", body_html="")
    return any(tally.matched or tally.score >= NEAR_MISS * tally.threshold for tally in explain(headline, rules))


def context_bonus(context: str) -> int:
    """How much finding a link in this context says for its target (0 for unknown contexts)."""
    return CONTEXT_BONUS.get(context, 0)


def memoised_topic_hint(rules: Rules, size: int = 65_536) -> Callable[[str], float]:
    """`topic_hint` for one set of rules, remembering recent texts: a crawl meets the same
    anchors (menus, "latest news", tag names) on page after page."""
    return functools.lru_cache(maxsize=size)(functools.partial(topic_hint, rules=rules))


def priority(
    kind: Kind,
    *,
    hint: float = 0.0,
    context: str = "page",
    from_relevant_page: bool = True,
    page: int = 1,
) -> int:
    """The Scrapy priority of a link (higher first); `hint` is the `topic_hint` of its text."""
    value = BASE[kind] + context_bonus(context) + HINT_FACTOR * hint
    if not from_relevant_page:
        value -= OFF_TOPIC_PAGE_PENALTY
    return int(value - 10 * (page - 1))
