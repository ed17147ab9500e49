"""Fixtures of the watch's tests: the drill round as a scenario file, its simulated log, exports of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.drill.log import format_time
from sim.scenario.build import round_from_text
from sim.watch.intake import Snapshot
from sim.watch.replay import export_at, read_rows

H = 3600.0


@pytest.fixture
def scenario(tmp_path, drill_text) -> Path:
    path = tmp_path / "drill.yaml"
    path.write_text(drill_text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def log_rows(drill):
    """The drill fixture's complete log as rows (no start: times since the round's start)."""
    _rnd, folder = drill
    return read_rows(folder, None)


@pytest.fixture
def export(log_rows):
    """export(hours) -> the snapshot a scanner system exports at that time (no row or time after it)."""

    def make(hours: float, source: str = "test") -> Snapshot:
        return Snapshot(export_at(log_rows, hours * H), format_time(hours * H, None), source)

    return make


@pytest.fixture
def drill_round(drill_text):
    return round_from_text(drill_text)
