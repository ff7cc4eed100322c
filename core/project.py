"""Facts about the project itself: name, version, home, and how its crawler introduces itself."""

from __future__ import annotations

NAME = "tintuc-feeds"
VERSION = "0.1.0"
PROJECT_URL = "https://github.com/tintuc-feeds/tintuc-feeds"
# Every request to the site names the project and where to read about it (docs/site.md §9).
USER_AGENT = f"{NAME}/{VERSION} (+{PROJECT_URL})"
