from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sim.model import Round, build_round
from sim.scenario import parse_scenario

ROOT = Path(__file__).resolve().parents[1]


def round_from_yaml(text: str) -> Round:
    return build_round(parse_scenario(textwrap.dedent(text), file="<test>"))


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


@pytest.fixture
def small_round() -> Round:
    return round_from_yaml(SMALL)
