"""Which link to fetch first: the focused-crawl priority, a pure function of what a link says.

A link whose anchor text (or title attribute, or RSS item text) uses the topics' vocabulary is
likely to lead to a relevant article, so it goes first; links found on a relevant article's own
boxes (related, widget) rank above the site-wide "latest news" box. The per-run page budget then
cuts the tail, and what it cuts waits in the frontier for the next run.
"""

from __future__ import annotations

from crawler.classify import Rules, prepare_text
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
    total = 0.0
    for topic in rules.topics:
        masked = topic.ignore.sub(" ", prepared) if topic.ignore is not None else prepared
        total += sum(
            term.weight
            for term in topic.terms
            if term.weight >= HINT_MIN_WEIGHT and term.pattern.search(masked)
        )
    return total


def priority(
    kind: Kind,
    *,
    text: str,
    rules: Rules,
    context: str = "page",
    from_relevant_page: bool = True,
    page: int = 1,
) -> int:
    """The Scrapy priority of a link (higher first)."""
    value = BASE[kind] + CONTEXT_BONUS.get(context, 0) + HINT_FACTOR * topic_hint(text, rules)
    if not from_relevant_page:
        value -= OFF_TOPIC_PAGE_PENALTY
    return int(value - 10 * (page - 1))
