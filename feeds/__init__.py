"""Atom feeds from the article store, and the web pages that show them: definitions, documents,
archives, pages, publishing, serving.

What other packages may use (everything else is internal and may change):

- `load_definitions(raw, known_topics)` → (definitions, error messages): the `[[feed]]` tables.
- `generate(store, definitions, out_dir, *, base_url, now=None)` → `GenerateReport`: regenerate
  every feed, its archive pages, their web pages, index.html and the OPML files, atomically and
  only when changed, rendering again only what changed in the store since the last run
  (feeds.manifest).
- `feeds.server.create_app(out_dir, *, max_age, extra_routes=())` and `feeds.server.serve(...)`.

docs/feeds.md describes the feeds for users.
"""

from feeds.definitions import FeedDefinition, default_definitions, load_definitions
from feeds.regenerate import FeedCounts, GenerateReport, generate

__all__ = [
    "FeedCounts",
    "FeedDefinition",
    "GenerateReport",
    "default_definitions",
    "generate",
    "load_definitions",
]
