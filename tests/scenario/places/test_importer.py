import csv
import json

from sim.scenario.places.importer import Fields, import_places


def _rows(path):
    return list(csv.DictReader(path.open(encoding="utf-8")))


def test_geojson_points_and_areas_become_compounds(tmp_path):
    square = {"type": "Polygon", "coordinates": [[[108.0, 34.0], [108.01, 34.0], [108.01, 34.01], [108.0, 34.01], [108.0, 34.0]]]}
    point = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [108.9, 34.2]},
        "properties": {"name": "东关", "POP": 1200},
    }
    data = {"type": "FeatureCollection", "features": [point]}
    data["features"].append({"type": "Feature", "geometry": square, "properties": {"name": "square", "POP": 300}})
    data["features"].append({"type": "Feature", "geometry": None, "properties": {"name": "nowhere", "POP": 5}})
    data["features"].append(
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [108.5, 34.5]}, "properties": {"POP": 5}}
    )
    (tmp_path / "in.geojson").write_text(json.dumps(data), encoding="utf-8")
    written, problems = import_places(tmp_path / "in.geojson", "compounds", tmp_path / "c.csv", Fields(count="POP"))
    rows = _rows(tmp_path / "c.csv")
    assert written == 2 and [r["name"] for r in rows] == ["东关", "square"]
    assert rows[0]["residents"] == "1200" and 108.0 < float(rows[1]["lon"]) < 108.01  # a point inside the area
    assert [p.message for p in problems] == ["feature 3 (nowhere): no point or area to place it", "feature 4: no name"]


def test_a_csv_of_addresses_becomes_sites_with_a_default_count(tmp_path):
    (tmp_path / "in.csv").write_text("name,lon,lat,lab\nschool,108.9,34.2,central\nsquare,108.8,34.1,\nschool,108.7,34.0,\n")
    written, problems = import_places(tmp_path / "in.csv", "sites", tmp_path / "s.csv", Fields(default_count=0))
    assert written == 2 and _rows(tmp_path / "s.csv")[0] == {
        "name": "school",
        "lon": "108.9000000",
        "lat": "34.2000000",
        "tables": "0",
        "lab": "central",
    }
    assert [str(p).split(": ", 1)[1] for p in problems] == ["name: line 4: name 'school' given twice"]
