"""The bottom layer of tintuc-feeds: what every other package shares, and nothing else.

- `core.project`: the project's name, version, URL and the crawler's User-Agent.
- `core.model`: the article as extraction produces it and the store keeps it.
- `core.text`: Vietnamese text helpers (NFC, cleaning, folding for search and matching).
- `core.clock`: Vietnam time, UTC stamps, the time an article id encodes.
- `core.durations`: "30m", "3h,24h,3d" and the like.
- `core.urls`: what counts as a web URL, and the site's public origin.
- `core.defaults`: the default of every setting shared by the CLI, the crawler and the service.
- `core.feed_types`: what a feed selects and reads from the store (filters, members, revisions).

Nothing here does I/O or imports another package of the project (pyproject.toml's import-linter
contract keeps it so).
"""
