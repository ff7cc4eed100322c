"""Durations as people write them: one grammar for every setting that takes one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.durations import DurationError, parse_duration, parse_durations


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30m", 1800), ("15s", 15), ("2h", 7200), ("1d", 86400), ("90", 90), (" 1.5h ", 5400), ("3H", 10800)],
)
def test_durations(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "soon", "-5m", "0s", "5x", "m"])
def test_bad_durations_are_refused_naming_the_text(text):
    with pytest.raises(DurationError, match=repr(text)):
        parse_duration(text)


def test_a_list_of_durations_is_sorted_and_may_be_empty():
    assert parse_durations("3d, 3h,24h") == (timedelta(hours=3), timedelta(hours=24), timedelta(days=3))
    assert parse_durations("") == ()
    with pytest.raises(DurationError, match="'5x'"):
        parse_durations("3h,5x")
