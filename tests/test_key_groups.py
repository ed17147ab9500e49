"""Key groups: their own pool size (single tubes raise lab load by the expected amount), lab priority,
and figures reported separately."""

from __future__ import annotations

import pytest
from conftest import round_from_yaml

from sim.runner import run

KEY = """
name: city with couriers
deadline: 1d
arrivals: {{profile: [[0h, 1], [4h, 0]]}}
sampling: {{service_time: 30s, pool_size: 10}}
points:
  - {{name: residents, count: 6, residents: 2000, tables: 3, lab: lab, travel_time: 20m}}
  - {{name: couriers, count: 1, residents: 500, tables: 2, lab: lab, travel_time: 20m{key}}}
transport: {{pickup_interval: 30m, vehicles: {{lab: 7}}}}
labs: [{{name: lab, extractors: 2, pcr_machines: 3, extraction_time: 1h, pcr_time: 1h, report_delay: 10m}}]
"""


def _summary(key: str) -> dict:
    return run(round_from_yaml(KEY.format(key=key)), 2).summary()


def test_single_tubes_for_a_key_group_add_the_expected_tubes():
    pooled, single = _summary(""), _summary(", pool_size: 1")
    couriers = single["groups"]["couriers"]
    # 500 couriers in single tubes instead of 50 pools of 10: 450 more tubes, the rest unchanged.
    assert couriers["tubes"]["mean"] == couriers["residents_arrived"]["mean"] == 500
    assert pooled["groups"]["couriers"]["tubes"]["mean"] == pytest.approx(50, abs=2)  # ceil per table
    extra = single["metrics"]["tubes"]["mean"] - pooled["metrics"]["tubes"]["mean"]
    assert extra == pytest.approx(450, abs=2)
    assert single["groups"]["residents"]["tubes"] == pooled["groups"]["residents"]["tubes"]


def test_priority_brings_a_key_group_s_results_earlier():
    plain, first = _summary(", pool_size: 1"), _summary(", pool_size: 1, priority: true")
    late = plain["groups"]["couriers"]["results_complete_h"]["mean"]
    early = first["groups"]["couriers"]["results_complete_h"]["mean"]
    assert early < late - 1.0  # the lab is congested: jumping the queue saves hours
    assert first["metrics"]["results_complete_h"]["mean"] >= plain["metrics"]["results_complete_h"]["mean"] - 0.5
