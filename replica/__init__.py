"""A local replica of baotintuc.vn for the crawler's tests.

``ReplicaSite`` serves the corpus (``corpus/*.toml`` plus the shared seed article) with the
real site's markup and URL scheme; ``load_corpus`` reads that corpus for ground-truth checks.
A clock (``ManualClock``, ``FastClock``) decides what is published; ``Layout`` the page sizes.
The fault kinds (``Status``, ``Reset``, ``Charset``…) make it misbehave on chosen paths.
"""

from .clock import FastClock, ManualClock
from .corpus import Category, CorpusError, Figure, ReplicaArticle, load_corpus
from .faults import (
    CHAOS_KINDS,
    Charset,
    ControlChars,
    EndlessPagination,
    Fault,
    FaultMatch,
    Huge,
    Mutate,
    Redirect,
    Reset,
    Slow,
    Status,
    Truncate,
)
from .render import PER_PAGE
from .server import ReplicaSite, RequestRecord
from .site import REAL_LAYOUT, SMALL_LAYOUT, Layout

__all__ = [
    "CHAOS_KINDS",
    "PER_PAGE",
    "REAL_LAYOUT",
    "SMALL_LAYOUT",
    "Category",
    "Charset",
    "ControlChars",
    "CorpusError",
    "EndlessPagination",
    "FastClock",
    "Fault",
    "FaultMatch",
    "Figure",
    "Huge",
    "Layout",
    "ManualClock",
    "Mutate",
    "Redirect",
    "ReplicaArticle",
    "ReplicaSite",
    "RequestRecord",
    "Reset",
    "Slow",
    "Status",
    "Truncate",
    "load_corpus",
]
