"""A local replica of baotintuc.vn for the crawler's tests.

``ReplicaSite`` serves the corpus (``corpus/*.toml`` plus the shared seed article) with the
real site's markup and URL scheme; ``load_corpus`` reads that corpus for ground-truth checks.
"""

from .corpus import Category, CorpusError, Figure, ReplicaArticle, load_corpus
from .render import PER_PAGE
from .server import ReplicaSite, RequestRecord

__all__ = [
    "PER_PAGE",
    "Category",
    "CorpusError",
    "Figure",
    "ReplicaArticle",
    "ReplicaSite",
    "RequestRecord",
    "load_corpus",
]
