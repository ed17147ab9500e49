"""Places on streets (P2n, P3, P5n): closed forms a planner can check by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.scenario.build import build_round
from sim.scenario.load import load_scenario
from sim.scenario.places.build import reassign
from sim.scenario.places.map import drive_leg, reach, walks

WALK = 4 / 3.6  # m/s

TOWN = """
name: river town
deadline: 12h
arrivals: {profile: [[0h, 1], [2h, 0]]}
sampling: {service_time: {dist: exponential, mean: 40s}}
places:
  coordinates: metres
  compounds: compounds.csv
  sites: sites.csv
  labs: {lab: [1000, -700]}
  network: {file: streets.geojson, driving_speeds: {residential: 36km/h}}
transport: {pickup_interval: 1h, vehicles: {lab: 2}}
labs: [{name: lab, extractors: 2, pcr_machines: 2, extraction_time: 40m, pcr_time: 1h}]
"""


def line(points, **props):
    return {
        "type": "Feature",
        "properties": {"highway": "residential", **props},
        "geometry": {"type": "LineString", "coordinates": [list(map(float, p)) for p in points]},
    }


def river_town(folder, sites: str, extra=()) -> None:
    """A river between y = 0 and y = 300 m with one bridge at x = 1,000 m: the south bank's street, the
    north bank's street, the bridge, and a street south from (0, 0) to (0, -700) and on east to the lab."""
    feats = [
        line([(x, 0) for x in range(0, 1001, 100)]),
        line([(x, 300) for x in range(0, 1001, 100)]),
        line([(1000, 0), (1000, 300)], bridge="yes"),
        line([(0, 0), (0, -700), (1000, -700)]),
        *extra,
    ]
    (folder / "streets.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    (folder / "compounds.csv").write_text("name,x,y,residents\nsouth,0,0,100\n")
    (folder / "sites.csv").write_text(sites)
    (folder / "town.yaml").write_text(TOWN)


def one_way_to_the_lab(folder) -> None:
    """The river town with one site on the road south (0, -700) whose street to the lab is one-way eastward;
    back, the car goes round by a 3,000 m detour."""
    extra = [line([(1000, -700), (1000, -1700), (0, -1700), (0, -700)])]
    river_town(folder, "name,x,y,tables\nroad,0,-700,1\n", extra)
    text = json.loads((folder / "streets.geojson").read_text())
    text["features"][3] = line([(0, 0), (0, -700)])
    text["features"].append(line([(0, -700), (1000, -700)], oneway="yes"))
    (folder / "streets.geojson").write_text(json.dumps(text))


def test_across_the_river_from_a_site_a_compound_walks_to_another_one(tmp_path):
    """The compound is 300 m from site `north` in a straight line (P2: 351 s), but the only bridge makes
    it 1,000 + 300 + 1,000 = 2,300 m along the streets; site `south-road`, 700 m away, is nearer on foot."""
    river_town(tmp_path, "name,x,y,tables\nnorth,0,300,1\nsouth-road,0,-700,1\n")
    m = build_round(load_scenario(tmp_path / "town.yaml")).places
    assert m.assigned.tolist() == [1]
    assert m.walk[0] == pytest.approx(700 / WALK)
    assert walks(m, np.array([0]), np.array([0]))[0] == pytest.approx(2300 / WALK)  # via the bridge
    closed = reassign(m, np.array([1, 0]))  # close south-road: the compound walks round by the bridge
    assert closed.assigned.tolist() == [0] and closed.walk[0] == pytest.approx(2300 / WALK)
    assert [r.tolist() for r in reach(m, np.array([0]), np.array([0, 1]), 900.0)] == [[1]]  # 15 min: 1,000 m


def test_snaps_are_walked_straight_and_the_drive_follows_the_streets(tmp_path):
    """A site 30 m off the street walks those 30 m; the trip to the lab is the street's 1,000 m at
    36 km/h plus the snaps at driving.speed (30 km/h); the straight line would be 1.4 x 1,000 m / 30 km/h."""
    river_town(tmp_path, "name,x,y,tables\nroad,0,-730,1\n")
    rnd = build_round(load_scenario(tmp_path / "town.yaml"))
    m = rnd.places
    assert m.walk[0] == pytest.approx((700 + 30) / WALK)
    assert m.site_drive[0] == pytest.approx(1000 / 10 + 30 / (30 / 3.6))
    assert drive_leg(m, ("site", 0), ("lab", 0)) == pytest.approx(m.site_drive[0])


def test_one_way_streets_make_the_trip_the_mean_of_there_and_back(tmp_path):
    """The road to the lab is one-way eastward; back, the car goes round by a 3,000 m detour."""
    one_way_to_the_lab(tmp_path)
    m = build_round(load_scenario(tmp_path / "town.yaml")).places
    assert drive_leg(m, ("site", 0), ("lab", 0)) == pytest.approx(100.0)
    assert drive_leg(m, ("lab", 0), ("site", 0)) == pytest.approx(300.0)
    assert m.site_drive[0] == pytest.approx(200.0)


def test_the_map_without_a_network_is_unchanged(tmp_path):
    river_town(tmp_path, "name,x,y,tables\nnorth,0,300,1\nsouth-road,0,-700,1\n")
    without = TOWN.replace("  network: {file: streets.geojson, driving_speeds: {residential: 36km/h}}\n", "")
    (tmp_path / "town.yaml").write_text(without)
    m = build_round(load_scenario(tmp_path / "town.yaml")).places
    assert m.streets is None and m.assigned.tolist() == [0] and m.walk[0] == pytest.approx(300 * 1.3 / WALK)


def test_routes_get_the_streets_one_way_matrix_and_the_map_pickles(tmp_path):
    """`routes: auto`'s matrix (`drive_matrix`, handed to OR-Tools) is P5n one way each: 100 s to the lab along the
    one-way street, 300 s back round the detour; the map with its streets travels to worker processes."""
    import pickle

    from sim.scenario.places.map import drive_matrix

    one_way_to_the_lab(tmp_path)
    m = build_round(load_scenario(tmp_path / "town.yaml")).places
    times = drive_matrix(m, 0, np.array([0]))
    np.testing.assert_allclose(times, [[0.0, 300.0], [100.0, 0.0]])
    again = pickle.loads(pickle.dumps(m))
    assert again.streets.walks(np.array([0]), np.array([0])) == pytest.approx(m.walk)
