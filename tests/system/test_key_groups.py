"""Key groups (their own pool size, lab priority, figures reported separately) and home visits."""

from __future__ import annotations

import numpy as np
import pytest

from sim.run.runner import run
from sim.scenario.build import round_from_text

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
    return run(round_from_text(KEY.format(key=key)), 2).summary()


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


HOME = """
name: home visits
deadline: 2d
arrivals: {{profile: [[0h, 1], [2h, 0]]}}
sampling: {{service_time: 40s, pool_size: 10}}
points:
  - {{name: town, count: 2, residents: 600, tables: 1, lab: lab, travel_time: 20m{home}}}
transport: {{pickup_interval: 1h, vehicles: {{lab: 2}}}}
labs: [{{name: lab, extractors: 2, pcr_machines: 2, extraction_time: 1h, pcr_time: 1h}}]
"""


def test_one_team_visiting_everyone_ends_at_the_sum_of_its_visits():
    from sim.engine.replication import run_replication

    rnd = round_from_text(HOME.format(home=", home_visits: {share: 1.0, teams: 1, visit_time: 10m, travel_time: 5m}"))
    rep = run_replication(rnd, 0, trace=True)
    per_point = np.bincount(rep.trace.residents["point"])
    # Each point's one team makes 15-minute visits back to back from the open: the last ends at 15 min x visits.
    assert rep.metrics["home_visits_complete_h"] == pytest.approx(per_point.max() * 0.25)
    assert rep.metrics["wait_mean_min"] is None  # nobody queued
    assert rep.metrics["tubes"] == sum(-(-n // 10) for n in per_point)  # the team's own tubes, pooled 10 to a tube
    assert (rep.trace.tubes["picked_count"] == 1).all()  # and they are collected like the point's


def test_home_visits_shorten_the_queue_with_the_same_residents():
    plain = run(round_from_text(HOME.format(home="")), 3).summary()
    home = run(
        round_from_text(HOME.format(home=", home_visits: {share: 0.3, teams: 2, visit_time: 8m, travel_time: 6m}")), 3
    ).summary()
    assert home["metrics"]["residents_arrived"]["values"] == plain["metrics"]["residents_arrived"]["values"]
    assert home["metrics"]["wait_mean_min"]["mean"] < 0.7 * plain["metrics"]["wait_mean_min"]["mean"]
    assert home["metrics"]["home_visits_complete_h"]["mean"] > 0
