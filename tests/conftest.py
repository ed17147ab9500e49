"""Shared fixtures. Test files never import each other or this file: what they share comes from here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.core.i18n import set_language
from sim.engine.replication import run_replication
from sim.feeds.log import write_trace
from sim.scenario.build import round_from_text
from sim.scenario.round import Round

SMALL = """
name: small
deadline: 12h
seed: 3
arrivals:
  turnout: 0.9
  profile: [[-30m, 2], [0h, 3], [2h, 1], [4h, 0]]
sampling:
  service_time: {dist: exponential, mean: 50s}
  pool_size: 10
points:
  - {name: a, count: 2, residents: 400, tables: 2, lab: lab1, travel_time: {dist: uniform, low: 5m, high: 15m}}
transport: {pickup_interval: 30m, box_capacity: 20, vehicles: {lab1: 2}}
labs:
  - {name: lab1, extractors: 2, pcr_machines: 2, plate_size: 24, extraction_time: 20m, pcr_time: 30m,
     max_plate_wait: 20m, report_delay: 5m}
"""


@pytest.fixture(scope="session")
def small_text() -> str:
    """A small scenario: two points of 400 residents, one lab; runs in a fraction of a second."""
    return SMALL


@pytest.fixture
def small_round() -> Round:
    return round_from_text(SMALL)


def _natsim(*args: str, cwd=None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(_command(*args), capture_output=True, text=True, cwd=cwd, timeout=300, env=_english(env))


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "sim", *args]


def _english(env: dict | None = None) -> dict:
    """The environment of a `natsim` process: English unless a test asks, whatever the machine's locale."""
    return {**os.environ, "NATSIM_LANG": "en", **(env or {})}


def _natsim_started(*args: str, text: bool = False) -> subprocess.Popen:
    """`natsim` started in the background in English, in a session of its own (end it with os.killpg), its
    stdout and stderr together on `stdout`."""
    return subprocess.Popen(
        _command(*args),
        env=_english(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=text,
        start_new_session=True,
    )


@pytest.fixture(autouse=True)
def english():
    """Every test starts in English (a test that switches to Chinese cannot leak into the next)."""
    set_language("en")
    yield
    set_language("en")


@pytest.fixture(scope="session")
def natsim():
    """Run the `natsim` command in a fresh process, as a planner would: natsim("run", path, cwd=...)."""
    return _natsim


@pytest.fixture(scope="session")
def natsim_started():
    """natsim_started("watch", path, ..., text=False) -> the Popen of a `natsim` left running (see above)."""
    return _natsim_started


DRILL = """
name: drill
deadline: 12h
seed: 5
arrivals: {profile: [[0h, 3], [2h, 2], [4h, 0]]}
sampling:
  service_time: {dist: lognormal, mean: 40s, sd: 15s}
  shifts: {length: 1h, handover: 10m, stagger: true}
points: [{name: school, count: 6, residents: 700, tables: 2, lab: lab, travel_time: {dist: gamma, mean: 20m, sd: 6m}}]
transport: {pickup_interval: 30m, box_capacity: 20, vehicles: {lab: 6}}
labs: [{name: lab, extractors: 3, pcr_machines: 4, extraction_time: 40m, pcr_time: 1h, report_delay: 10m}]
"""


@pytest.fixture(scope="session")
def drill_text() -> str:
    return DRILL


@pytest.fixture(scope="session")
def drill(tmp_path_factory):
    """A drill's round (6 points, shifts, a known service time) and a log folder simulated from it."""
    rnd = round_from_text(DRILL)
    folder = tmp_path_factory.mktemp("drill")
    write_trace(run_replication(rnd, 0, trace=True).trace, folder, None)
    return rnd, folder


TOWN = (Path(__file__).parent / "data" / "town.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def town_text() -> str:
    """The small two-group town of issue 27 (25,600 residents, one lab): queues of thousands at 4 h."""
    return TOWN


def siting_yaml(name: str, walking: str | None = None) -> str:
    """A places scenario in metres for `natsim site`: compounds.csv, sites.csv, one lab L at the origin;
    `walking` the places' walking mapping if given (else its defaults)."""
    walk = f"  walking: {walking}\n" if walking else ""
    return f"name: {name}\n" + _SITING_HEAD + walk + _SITING_TAIL


_SITING_HEAD = """deadline: 12h
seed: 4
arrivals: {profile: [[0h, 1], [4h, 0]]}
sampling: {service_time: {dist: lognormal, mean: 30s, sd: 10s}}
places:
  coordinates: metres
  compounds: compounds.csv
  sites: sites.csv
  labs: {L: [0, 0]}
"""
_SITING_TAIL = """transport: {vehicles: {L: 4}}
labs: [{name: L, extractors: 2, pcr_machines: 2, extraction_time: 40m, pcr_time: 1h}]
"""
SITING_TOWN = siting_yaml("a town to site")


@pytest.fixture(name="siting_yaml", scope="session")
def siting_yaml_fixture():
    """siting_yaml(name, walking=None): the text of a places scenario in metres to site (see above)."""
    return siting_yaml


@pytest.fixture
def siting_town(tmp_path):
    """A town of 12 compounds on a 1.2 km square and 16 candidate sites (two open now); returns its folder."""
    rng = np.random.default_rng(12)
    people = zip(rng.uniform(0, 1200, 12), rng.uniform(0, 1200, 12), rng.integers(300, 1200, 12), strict=True)
    lines = ["name,x,y,residents"] + [f"c{i},{x:.0f},{y:.0f},{r}" for i, (x, y, r) in enumerate(people)]
    (tmp_path / "compounds.csv").write_text("\n".join(lines) + "\n")
    sites = ["name,x,y,tables,candidate,max_tables"] + [
        f"k{i},{x:.0f},{y:.0f},{2 if i < 2 else 0},true,8"
        for i, (x, y) in enumerate(zip(rng.uniform(0, 1200, 16), rng.uniform(0, 1200, 16), strict=True))
    ]
    (tmp_path / "sites.csv").write_text("\n".join(sites) + "\n")
    (tmp_path / "town.yaml").write_text(SITING_TOWN)
    return tmp_path
