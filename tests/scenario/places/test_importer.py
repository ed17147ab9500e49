import csv
import json

import pytest

from sim.scenario.places.importer import STRICT_SHARE, Fields, import_places


def _rows(path):
    return list(csv.DictReader(path.open(encoding="utf-8")))


def _point(name, lon, lat, pop=100, **more):
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"name": name, "POP": pop, **more},
    }


def _geojson(tmp_path, features, name="in.geojson"):
    (tmp_path / name).write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return tmp_path / name


def _town(n=40):
    """n good compounds around (108.9, 34.2), enough that one left out stays under STRICT_SHARE."""
    return [_point(f"c{i}", 108.9 + i * 1e-3, 34.2 + i * 1e-3) for i in range(n)]


def _messages(problems):
    return [p.message for p in problems]


def test_geojson_points_and_areas_become_compounds(tmp_path):
    square = {
        "type": "Polygon",
        "coordinates": [[[108.0, 34.0], [108.01, 34.0], [108.01, 34.01], [108.0, 34.01], [108.0, 34.0]]],
    }
    data = [
        _point("东关", 108.9, 34.2, 1200),
        {"type": "Feature", "geometry": square, "properties": {"name": "square", "POP": 300}},
    ]
    data.append({"type": "Feature", "geometry": None, "properties": {"name": "nowhere", "POP": 5}})
    data.append(
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [108.5, 34.5]}, "properties": {"POP": 5}}
    )
    done = import_places(_geojson(tmp_path, data), "compounds", tmp_path / "c.csv", Fields(count="POP"), strict=False)
    rows = _rows(tmp_path / "c.csv")
    assert done.written == 2 and [r["name"] for r in rows] == ["东关", "square"]
    assert rows[0]["residents"] == "1200" and 108.0 < float(rows[1]["lon"]) < 108.01  # a point inside the area
    assert _messages(done.left_out) == ["feature 3 (nowhere): no point or area to place it", "feature 4: no name"]


def test_a_csv_of_addresses_becomes_sites_with_a_default_count(tmp_path):
    (tmp_path / "in.csv").write_text("name,lon,lat,lab\nschool,108.9,34.2,central\nsquare,108.8,34.1,\n")
    done = import_places(tmp_path / "in.csv", "sites", tmp_path / "s.csv", Fields(default_count=0))
    assert (
        done.written == 2
        and not done.left_out
        and _rows(tmp_path / "s.csv")[0]
        == {
            "name": "school",
            "lon": "108.9000000",
            "lat": "34.2000000",
            "tables": "0",
            "lab": "central",
        }
    )


def test_coordinates_out_of_range_or_not_numbers_are_left_out_by_feature(tmp_path):
    features = [*_town(), _point("far", 999, 34.2)]
    done = import_places(_geojson(tmp_path, features), "compounds", tmp_path / "c.csv", Fields(count="POP"))
    assert done.written == 40 and "far" not in {r["name"] for r in _rows(tmp_path / "c.csv")}
    assert _messages(done.left_out) == [
        "feature 41 (far): (999, 34.2) is not a longitude/latitude (lon -180..180, lat -90..90)"
    ]
    (tmp_path / "in.csv").write_text(
        "name,lon,lat,residents\na,108.9,34.2,10\nb,108.9,95,10\nc,nan,nan,10\nd,inf,34,10\n"
    )
    done = import_places(tmp_path / "in.csv", "compounds", tmp_path / "c2.csv", strict=False)
    assert done.written == 1 and [str(p).replace(str(tmp_path) + "/", "") for p in done.left_out] == [
        "in.csv:3: line 3 (b): (108.9, 95) is not a longitude/latitude (lon -180..180, lat -90..90)",
        "in.csv:4: line 4 (c): lon 'nan' is not a coordinate",
        "in.csv:5: line 5 (d): lon 'inf' is not a coordinate",
    ]


def test_a_polygon_with_longitude_and_latitude_swapped_is_named(tmp_path):
    ring = [[30.0, 120.9], [30.01, 120.9], [30.01, 120.91], [30.0, 120.91], [30.0, 120.9]]
    swapped = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"name": "东区", "POP": 50},
    }
    done = import_places(_geojson(tmp_path, [*_town(), swapped]), "compounds", tmp_path / "c.csv", Fields(count="POP"))
    assert done.written == 40 and all(float(r["lat"]) < 90 for r in _rows(tmp_path / "c.csv"))
    assert _messages(done.left_out) == [
        "feature 41 (东区): longitude 30 and latitude 120.9 look swapped: "
        "longitude 120.9, latitude 30 would be a place (longitude comes first)"
    ]


def test_a_swap_inside_the_range_is_found_among_the_others(tmp_path):
    """Urumqi is at 87.6 E, 43.8 N: a compound written (43.81, 87.61) is in range (latitude 87.61, near the
    pole) but far from the rest, and swapped it lies among them."""
    town = [_point(f"c{i}", 87.6 + i * 1e-3, 43.8 + i * 1e-3) for i in range(40)]
    done = import_places(
        _geojson(tmp_path, [*town, _point("x", 43.81, 87.61)]), "compounds", tmp_path / "c.csv", Fields(count="POP")
    )
    assert done.written == 40 and _messages(done.left_out) == [
        "feature 41 (x): longitude 43.81 and latitude 87.61 look swapped: longitude 87.61, latitude 43.81 would be a "
        "place "
        "(longitude comes first)"
    ]


@pytest.mark.parametrize(
    "pop, why",
    [
        (12.7, "12.7: a whole number is needed"),
        (True, "True is not a number"),
        (-3, "-3: must be at least 0"),
        ("many", "'many' is not a number"),
        (None, "None is not a number"),
        (10**12, "1,000,000,000,000 residents: more than natsim's limit of 100,000,000 per round"),
    ],
)
def test_a_population_must_be_a_whole_number_never_truncated(tmp_path, pop, why):
    done = import_places(
        _geojson(tmp_path, [*_town(), _point("odd", 108.95, 34.25, pop)]),
        "compounds",
        tmp_path / "c.csv",
        Fields(count="POP"),
    )
    assert _messages(done.left_out) == [f"feature 41 (odd): {why}"] and done.written == 40
    assert [p.path for p in done.left_out] == [("POP",)]


def test_a_whole_count_written_as_a_float_is_a_count(tmp_path):
    done = import_places(
        _geojson(tmp_path, [_point("a", 108.9, 34.2, 1200.0)]), "compounds", tmp_path / "c.csv", Fields(count="POP")
    )
    assert done.written == 1 and _rows(tmp_path / "c.csv")[0]["residents"] == "1200"


def test_duplicate_names_are_left_out_or_made_unique_by_the_stated_rule(tmp_path):
    twice = [*_town(60), _point("dup", 108.95, 34.25), _point("dup", 108.96, 34.26), _point("c0", 108.9, 34.2)]
    done = import_places(_geojson(tmp_path, twice), "compounds", tmp_path / "c.csv", Fields(count="POP"))
    assert _messages(done.left_out) == [
        "feature 61 (dup): name given twice (also feature 62) with another place or count: left out (--unique-names "
        "keeps "
        "each, as 'dup (2)', ...)",
        "feature 62 (dup): name given twice (also feature 61) with another place or count: left out (--unique-names "
        "keeps "
        "each, as 'dup (2)', ...)",
        "feature 63 (c0): repeats feature 1 (same name, place and count)",
    ]
    names = [r["name"] for r in _rows(tmp_path / "c.csv")]
    assert "dup" not in names and names.count("c0") == 1
    done = import_places(
        _geojson(tmp_path, twice, "b.geojson"), "compounds", tmp_path / "u.csv", Fields(count="POP"), unique_names=True
    )
    names = [r["name"] for r in _rows(tmp_path / "u.csv")]
    assert names[-2:] == ["dup", "dup (2)"] and names.count("c0") == 1
    assert _messages(done.notes) == ["feature 62 (dup): name given twice, written as 'dup (2)'"]


def test_one_broken_feature_is_named_and_the_rest_written(tmp_path):
    broken = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [[[1, 2], [3, 4]]]},
        "properties": {"name": "bad"},
    }
    done = import_places(_geojson(tmp_path, [*_town(), broken]), "compounds", tmp_path / "c.csv", Fields(count="POP"))
    assert done.written == 40 and _messages(done.left_out) == [
        "feature 41 (bad): its geometry is not valid GeoJSON: Each linear ring must contain at least 4 positions"
    ]


def test_too_many_left_out_refuses_the_file_and_writes_nothing(tmp_path):
    features = [*_town(10), _point("far", 999, 34.2)]  # 1 of 11: more than STRICT_SHARE
    assert STRICT_SHARE < 1 / 11
    done = import_places(_geojson(tmp_path, features), "compounds", tmp_path / "c.csv", Fields(count="POP"))
    assert (
        done.written == 0
        and not (tmp_path / "c.csv").exists()
        and "1 of 11 features left out (9%" in done.refused[0].message
    )
    strict = import_places(
        _geojson(tmp_path, [*_town(), _point("far", 999, 34)], "s.geojson"),
        "compounds",
        tmp_path / "c.csv",
        Fields(count="POP"),
        strict=True,
    )
    assert strict.written == 0 and not (tmp_path / "c.csv").exists()
    loose = import_places(
        _geojson(tmp_path, features), "compounds", tmp_path / "c.csv", Fields(count="POP"), strict=False
    )
    assert loose.written == 10


def test_a_csv_with_other_column_names_names_the_columns_expected(tmp_path):
    (tmp_path / "in.csv").write_text("小区,经度,纬度,人口\n东关,108.9,34.2,100\n", encoding="utf-8")
    done = import_places(tmp_path / "in.csv", "compounds", tmp_path / "c.csv")
    assert not (tmp_path / "c.csv").exists() and [p.message for p in done.refused] == [
        "the columns are 小区, 经度, 纬度, 人口; expected name, residents and coordinates as one of lon/lat, "
        "longitude/latitude, x/y (--name-field and --count-field name other columns)"
    ]
    ok = import_places(tmp_path / "in.csv", "compounds", tmp_path / "c.csv", Fields("小区", "人口"))
    assert ok.refused  # coordinates still unnamed: 经度/纬度 are not known names


def test_geojson_without_the_count_attribute_names_the_attributes_it_has(tmp_path):
    done = import_places(_geojson(tmp_path, _town(3)), "compounds", tmp_path / "c.csv")
    assert [p.message for p in done.refused] == [
        "no feature has an attribute 'residents' (choose one with --count-field); the attributes are: POP, name"
    ]


@pytest.mark.parametrize(
    "text, why",
    [
        ("{", "not readable GeoJSON: Expecting property name enclosed in double quotes"),
        ("[1, 2]", "not GeoJSON features: a FeatureCollection (or one Feature) is needed"),
        (
            '{"type": "FeatureCollection", "features": 3}',
            "not GeoJSON features: a FeatureCollection (or one Feature) is needed",
        ),
        ("[" * 100_000, "not readable GeoJSON"),
    ],
)
def test_a_file_that_is_not_geojson_is_refused(tmp_path, text, why):
    (tmp_path / "in.geojson").write_text(text)
    done = import_places(tmp_path / "in.geojson", "compounds", tmp_path / "c.csv")
    assert done.refused[0].message.startswith(why) and not (tmp_path / "c.csv").exists()
