import pytest

from sim.scenario.build import round_from_text
from sim.scenario.load import ScenarioError

LARGE = """
name: large group
deadline: 24h
arrivals: {profile: [[0h, 1], [10h, 0]]}
sampling: {service_time: 30s}
points:
  - {name: big, count: 120000, residents: 10, tables: 1, lab: L, travel_time: 20m}
transport: {vehicles: {L: 10}}
labs: [{name: L, extractors: 1, pcr_machines: 1, extraction_time: 1h, pcr_time: 1h}]
events:
  - {kind: close_points, from: 1h, to: 2h, points: [big-0001, big-100001, big-120000]}
"""


def test_a_closure_of_any_point_of_a_large_group_blocks_that_point():
    rnd = round_from_text(LARGE)
    assert sorted((b.group, b.point) for b in rnd.blocked) == [(0, 0), (0, 100_000), (0, 119_999)]


def test_a_point_beyond_the_group_is_refused():
    with pytest.raises(ScenarioError, match="no point or point group named 'big-120001'"):
        round_from_text(LARGE.replace("big-120000", "big-120001"))


def test_units_become_seconds_and_distributions_objects(small_round):
    assert small_round.deadline == 12 * 3600
    assert small_round.groups[0].travel.mean == pytest.approx(600.0)
    assert small_round.service.mean == pytest.approx(50.0)
    assert small_round.labs[0].vehicles == 2
