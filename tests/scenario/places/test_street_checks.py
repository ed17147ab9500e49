"""Bad street input at load: every problem at its file (and line), exit status 2 from the command."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sim.cli.app import app
from sim.scenario.load import ScenarioError, load_scenario

SCENARIO = """name: streets
deadline: 12h
arrivals: {profile: [[0h, 1], [2h, 0]]}
sampling: {service_time: {dist: exponential, mean: 40s}}
places:
  coordinates: metres
  compounds: compounds.csv
  sites: sites.csv
  labs: {lab: [0, 0]}
  network:
    file: NETWORK
    driving_speeds: {primary: SPEED}
transport: {pickup_interval: 1h, vehicles: {lab: 2}}
labs: [{name: lab, extractors: 2, pcr_machines: 2, extraction_time: 40m, pcr_time: 1h}]
"""


def town(folder, network="streets.geojson", speed="40km/h", shift=0.0, compounds="a,0,0,10\nb,300,0,10\n"):
    feats = [
        {
            "type": "Feature",
            "properties": {"highway": "primary"},
            "geometry": {"type": "LineString", "coordinates": [[shift + x, 0.0] for x in range(0, 401, 100)]},
        }
    ]
    (folder / "streets.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    (folder / "compounds.csv").write_text("name,x,y,residents\n" + compounds)
    (folder / "sites.csv").write_text("name,x,y,tables\nS,100,0,1\n")
    (folder / "s.yaml").write_text(SCENARIO.replace("NETWORK", network).replace("SPEED", speed))
    return folder / "s.yaml"


def problems(path) -> list[str]:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    return [str(p) for p in exc.value.problems]


def test_a_road_class_speed_without_a_unit_is_refused_at_its_line(tmp_path):
    got = problems(town(tmp_path, speed="40"))
    assert len(got) == 1 and got[0].startswith(f"{tmp_path / 's.yaml'}:12:") and "40" in got[0] and "unit" in got[0]


def test_an_unknown_road_class_is_refused(tmp_path):
    (tmp_path / "x").mkdir()
    path = town(tmp_path / "x")
    path.write_text(path.read_text().replace("{primary:", "{primry:"))
    got = problems(path)
    assert "unknown road class primry" in got[0] and ":12:" in got[0]


def test_an_unreadable_pbf_is_a_problem_at_the_file(tmp_path):
    path = town(tmp_path, network="city.osm.pbf")
    (tmp_path / "city.osm.pbf").write_bytes(b"\x00\x01garbage")
    assert "an OSM file is in longitude/latitude" in problems(path)[0]  # a map in metres cannot use one
    path.write_text(path.read_text().replace("metres", "lonlat").replace("[0, 0]", "[120, 30]"))
    (tmp_path / "compounds.csv").write_text("name,lon,lat,residents\na,120,30,10\n")
    (tmp_path / "sites.csv").write_text("name,lon,lat,tables\nS,120.001,30,1\n")
    got = problems(path)
    assert got == [
        f"{tmp_path / 'city.osm.pbf'}: cannot read the street network: "
        "PBF error: invalid BlobHeader size (> max_blob_header_size)"
    ]


def test_a_network_far_from_the_compounds_is_a_problem(tmp_path):
    got = problems(town(tmp_path, shift=50_000.0))
    assert "far from every compound" in got[0] and "the nearest, 'b', is 49.7 km" in got[0]


def test_a_compound_in_a_piece_of_its_own_is_a_problem_with_its_coordinates(tmp_path):
    path = town(tmp_path, compounds="a,0,0,10\nlost,5000,5000,10\n")
    data = json.loads((tmp_path / "streets.geojson").read_text())
    data["features"].append(
        {
            "type": "Feature",
            "properties": {"highway": "footway"},
            "geometry": {"type": "LineString", "coordinates": [[5000, 5000], [5100, 5000]]},
        }
    )
    (tmp_path / "streets.geojson").write_text(json.dumps(data))
    got = problems(path)
    assert got == [
        f"{tmp_path / 'compounds.csv'}:3: name: compound 'lost' at (5000, 5000) cannot walk to any open site "
        "on the street network"
    ]


def test_a_compound_far_from_any_street_is_a_warning_by_name(tmp_path):
    loaded = load_scenario(town(tmp_path, compounds="a,0,0,10\nfield,200,600,10\n"))
    assert any("'field' (600 m)" in str(w) and "farther than 250 m" in str(w) for w in loaded.warnings)


def test_the_command_exits_2_with_the_file_named(tmp_path):
    r = CliRunner().invoke(app, ["validate", str(town(tmp_path, speed="40"))])
    assert r.exit_code == 2 and "s.yaml:12" in r.output and "Traceback" not in r.output
