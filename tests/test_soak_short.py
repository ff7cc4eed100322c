"""A short soak inside `make test`: the same harness as `make soak`, for under two minutes."""

from __future__ import annotations

import pytest

from tests.soak.harness import SoakConfig, run_soak

pytestmark = pytest.mark.e2e  # real crawls of the replica over HTTP, or the whole service


def test_short_soak(tmp_path):
    config = SoakConfig(duration=45, kill_every=(12.0, 20.0), publish_every=3.0)
    report = run_soak(config, tmp_path, log=lambda message: None)
    print("\n" + report.table())
    assert report.ok, "\n" + report.table()
