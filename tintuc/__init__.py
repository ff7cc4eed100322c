"""tintuc-feeds: topical Atom feeds from baotintuc.vn.

This package holds what the other packages share: the article model (`tintuc.model`),
Vietnamese text helpers (`tintuc.text`) and the command line (`tintuc.cli`).
"""

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/tintuc-feeds/tintuc-feeds"
