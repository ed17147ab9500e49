"""Cutting a network to a map and reporting its pieces; the command writes GeoJSON natsim reads back."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from sim.cli.app import app
from sim.scenario.places.streets import read_streets
from sim.scenario.places.streets_import import box, report, write_geojson


def _network(tmp_path):
    feats = [
        {
            "type": "Feature",
            "properties": {"highway": "residential"},
            "geometry": {"type": "LineString", "coordinates": [[x, 0.0] for x in range(0, 5001, 500)]},
        },
        {
            "type": "Feature",
            "properties": {"highway": "footway"},
            "geometry": {"type": "LineString", "coordinates": [[0.0, 900.0], [100.0, 900.0]]},
        },
        {
            "type": "Feature",
            "properties": {"highway": "primary", "oneway": "yes"},
            "geometry": {"type": "LineString", "coordinates": [[5000.0, 0.0], [5000.0, 500.0]]},
        },
    ]
    (tmp_path / "net.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return tmp_path / "net.geojson"


def test_the_report_counts_nodes_edges_and_pieces(tmp_path):
    s, _ = read_streets(_network(tmp_path), lonlat=False)
    r = report(s, lonlat=False)
    assert (r.nodes, r.edges, r.walk_edges, r.drive_edges, r.pieces) == (14, 12, 12, 11, 2)
    assert r.largest_share == 12 / 14


def test_a_cut_to_the_box_written_and_read_back(tmp_path):
    s, _ = read_streets(_network(tmp_path), lonlat=False)
    lo, hi = box(np.array([[0.0, 0.0], [1000.0, 100.0]]), lonlat=False, margin=500.0)
    assert lo.tolist() == [-500, -500] and hi.tolist() == [1500, 600]
    cut = s.cut(lo, hi)
    write_geojson(cut, tmp_path / "cut.geojson")
    back, problems = read_streets(tmp_path / "cut.geojson", lonlat=False)
    assert problems == [] and len(back.u) == 4 and back.metres.sum() == 2000.0


def test_the_command_reports_and_never_overwrites(tmp_path):
    out = tmp_path / "streets.geojson"
    args = ["places", "import", str(_network(tmp_path)), "--kind", "streets", "--metres", "--out", str(out)]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0 and "14 nodes, 12 edges" in r.output and "2 connected piece(s)" in r.output
    assert CliRunner().invoke(app, args).exit_code == 2
