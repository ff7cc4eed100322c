"""Field coverage: for each field of each article, did its first-choice source answer?

The site's template changes without notice. When it does, the extractor's fallbacks keep the
articles coming, so nothing looks broken until fields go subtly wrong or empty. Counting, for
every field, how many articles got it from the primary source, from a fallback or not at all
makes the change visible at once: the counts are stored with each crawl run (`tintuc runs`),
and a watched field whose primary share drops raises the operator's alarm (scheduler/health.py).
"""

from __future__ import annotations

from crawler.extract import PRIMARY, Extraction

PRIMARY_SOURCE, FALLBACK, MISSING = "primary", "fallback", "missing"
OUTCOMES = (PRIMARY_SOURCE, FALLBACK, MISSING)
FIELDS = tuple(PRIMARY)
# The fields the current template always carries (docs/site.md §3): a fallback for one of these
# means the page has changed. The modification time is declared only in JSON-LD, by design.
WATCHED = tuple(field for field in FIELDS if field != "modified")


def field_outcomes(extraction: Extraction) -> dict[str, str]:
    """Each field's outcome for one article: primary, fallback or missing."""
    return {
        field: PRIMARY_SOURCE if extraction.is_primary(field)
        else FALLBACK if extraction.fields[field].found else MISSING
        for field in FIELDS
    }
