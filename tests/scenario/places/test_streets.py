"""Reading street networks: OSM through pyosmium (written here with its writer), GeoJSON lines."""

from __future__ import annotations

import json

import numpy as np
import osmium
import pytest
from osmium.osm.mutable import Node, Way

from sim.scenario.places.streets import CLASSES, read_streets


def write_pbf(path, nodes: dict[int, tuple[float, float]], ways: list[tuple[list[int], dict]]) -> None:
    with osmium.SimpleWriter(str(path)) as w:
        for i, xy in sorted(nodes.items()):
            w.add_node(Node(id=i, location=xy, version=1))
        for k, (ids, tags) in enumerate(ways, start=1):
            w.add_way(Way(id=k, nodes=ids, tags=tags, version=1))


NODES = {1: (120.0, 30.0), 2: (120.001, 30.0), 3: (120.002, 30.0), 4: (120.002, 30.001)}


def test_osm_ways_become_edges_by_class_with_one_way_streets(tmp_path):
    ways = [
        ([1, 2], {"highway": "footway"}),
        ([2, 3], {"highway": "primary", "oneway": "-1"}),  # drawn 2 -> 3, driven 3 -> 2
        ([3, 4], {"highway": "motorway"}),  # implied one-way, not walked
        ([1, 4], {"highway": "river"}),  # not a road class: left out
        ([2, 4], {"highway": "residential", "foot": "no"}),
    ]
    write_pbf(tmp_path / "t.osm.pbf", NODES, ways)
    s, problems = read_streets(tmp_path / "t.osm.pbf", lonlat=True)
    assert problems == [] and s.ways == 4 and len(s.u) == 4
    cls = [CLASSES[c] for c in s.cls]
    assert cls == ["footway", "primary", "motorway", "residential"]
    assert s.walk.tolist() == [True, True, False, False] and s.drive.tolist() == [False, True, True, True]
    assert s.oneway.tolist() == [False, True, True, False]
    assert s.xy[s.u[1]].tolist() == [120.002, 30.0]  # the backward one-way turned round
    assert s.metres[0] == pytest.approx(96.3, abs=0.2)  # 0.001 degree of longitude at 30 N


def test_the_same_network_as_geojson_reads_the_same(tmp_path):
    ways = [([1, 2, 3], {"highway": "residential"}), ([3, 4], {"highway": "service", "oneway": "yes"})]
    write_pbf(tmp_path / "t.osm.pbf", NODES, ways)
    feats = [
        {
            "type": "Feature",
            "properties": tags,
            "geometry": {"type": "LineString", "coordinates": [NODES[i] for i in ids]},
        }
        for ids, tags in ways
    ]
    (tmp_path / "t.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    a, _ = read_streets(tmp_path / "t.osm.pbf", True)
    b, _ = read_streets(tmp_path / "t.geojson", True)
    for k in ("xy", "u", "v", "cls", "metres", "oneway", "walk", "drive"):
        np.testing.assert_array_equal(getattr(a, k), getattr(b, k))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("city.osm.pbf", b"not a pbf at all", "cannot read the street network"),
        ("city.geojson", b'{"type": "FeatureCollection",\n "features": [', "not JSON"),
        ("city.geojson", b'{"type": "FeatureCollection", "features": []}', "no walkable way"),
        ("city.shp", b"", "a street network is a .osm.pbf, .osm or .geojson file"),
    ],
)
def test_unreadable_networks_are_problems_at_the_file(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    s, problems = read_streets(tmp_path / name, True)
    assert s is None and len(problems) == 1 and message in problems[0].message
    assert str(problems[0]).startswith(str(tmp_path / name))


def test_only_motorways_is_a_network_without_a_walkable_way(tmp_path):
    write_pbf(tmp_path / "m.osm.pbf", NODES, [([1, 2, 3], {"highway": "motorway"})])
    s, problems = read_streets(tmp_path / "m.osm.pbf", True)
    assert s is None and "no walkable way" in problems[0].message


def test_a_cut_keeps_the_edges_touching_the_box(tmp_path):
    write_pbf(tmp_path / "t.osm.pbf", NODES, [([1, 2, 3, 4], {"highway": "residential"})])
    s, _ = read_streets(tmp_path / "t.osm.pbf", True)
    cut = s.cut(np.array([119.9, 29.9]), np.array([120.0005, 30.0005]))
    assert len(cut.u) == 1 and len(cut.xy) == 2
