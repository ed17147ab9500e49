"""A metres town where every distance is known: the walks and the assignment a hand computation gives."""

import math

import numpy as np
import pytest

from sim.scenario.build import build_round
from sim.scenario.load import load_scenario
from sim.scenario.places.build import trip

TOWN = """name: metres town
deadline: 12h
arrivals: {profile: [[0h, 1], [3h, 0]]}
sampling: {service_time: 40s}
places:
  coordinates: metres
  compounds: c.csv
  sites: s.csv
  labs: {L: [0, 10000]}
  walking: {speed: 4km/h, detour: 1.3}
  driving: {speed: 30km/h, detour: 1.4, cv: 0.25}
  groups: {care: {pool_size: 1}}
transport: {vehicles: {L: 2}}
labs: [{name: L, extractors: 2, pcr_machines: 2, extraction_time: 40m, pcr_time: 1h}]
"""


@pytest.fixture
def town(tmp_path):
    (tmp_path / "c.csv").write_text(
        "name,x,y,residents,group\nA,0,0,400,\nB,1000,0,600,\nC,0,2000,300,\nH,3000,0,50,care\n"
    )
    (tmp_path / "s.csv").write_text("name,x,y,tables\nS1,0,0,2\nS2,1000,500,2\nS3,5000,5000,0\nS4,3000,100,1\n")
    (tmp_path / "t.yaml").write_text(TOWN)
    return build_round(load_scenario(tmp_path / "t.yaml"))


def test_walks_and_assignment_by_hand(town):
    m = town.places
    walk_speed = 4000 / 3600
    # A stands on S1; B is 500 m from S2 (1,000 m from S1); C is 1,802.8 m from S2 (2,000 m from S1);
    # H is 100 m from S4. S3 is closed.
    assert m.assigned.tolist() == [0, 1, 1, 3]
    expected = np.array([0.0, 500.0, math.hypot(1000, 1500), 100.0]) * 1.3 / walk_speed
    assert m.walk.tolist() == pytest.approx(expected.tolist(), rel=1e-12)


def test_sites_become_points_of_their_groups_with_their_trips(town):
    by_site = {g.names[0]: g for g in town.groups}
    assert set(by_site) == {"S1", "S2", "S4"}  # the closed site is no point
    assert by_site["S2"].residents == 900 and by_site["S2"].catchment.compounds.tolist() == [1, 2]
    assert by_site["S4"].name == "care" and by_site["S4"].pool_size == 1  # its compounds' group and its keys
    drive = math.hypot(1000, 9500) * 1.4 / (30000 / 3600)
    assert by_site["S2"].travel.mean == pytest.approx(drive) and by_site["S2"].travel.sd == pytest.approx(0.25 * drive)
    assert trip(600.0, 0.0).sd == 0.0
