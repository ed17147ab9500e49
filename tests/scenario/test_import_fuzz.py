"""Hostile exports (issue 28): random cuts, swaps, duplicates and garbage in the files `natsim places
import` and the places readers take. Whatever the file: never a traceback, exit 0 or 2, and when a file
is written every row in it is sound (a name once, a place in range, a whole count) and is a feature of the
source as it was given, never a value changed on the way (12.7 is not written as 12)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli.app import app
from sim.scenario.places.files import PlaceFiles, read_compounds

GARBAGE = [
    "",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e400",
    "true",
    "false",
    "12.7",
    "-3",
    "0x10",
    "１２",
    "1,200",
    "None",
    "\x00",
    "é",
    '"',
]
VALUES = st.one_of(
    st.sampled_from(GARBAGE),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**13), 10**13).map(str),
    st.text(max_size=6),
)
JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**13), 10**13),
    st.text(max_size=6),
    st.lists(st.integers(), max_size=3),
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _town(n: int) -> list[tuple[str, float, float, int]]:
    return [(f"c{i}", round(108.9 + i * 1e-3, 6), round(34.2 + i * 1e-3, 6), 100 + i) for i in range(n)]


@st.composite
def hostile_csv(draw) -> str:
    rows = [["name", "lon", "lat", "residents"]] + [
        [a, str(b), str(c), str(d)] for a, b, c, d in _town(draw(st.integers(1, 25)))
    ]
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["garbage", "swap", "duplicate", "drop", "header", "extra"]))
        i = draw(st.integers(1, len(rows) - 1)) if len(rows) > 1 else 0
        if kind == "garbage" and i and rows[i]:
            rows[i][draw(st.integers(0, len(rows[i]) - 1))] = draw(VALUES)
        elif kind == "swap" and i and len(rows[i]) > 2:
            rows[i][1], rows[i][2] = rows[i][2], rows[i][1]
        elif kind == "duplicate" and i:
            rows.append(
                list(rows[i]) if draw(st.booleans()) else [rows[i][0], *rows[draw(st.integers(1, len(rows) - 1))][1:]]
            )
        elif kind == "drop" and i and rows[i]:
            del rows[i][draw(st.integers(0, len(rows[i]) - 1))]
        elif kind == "header":
            rows[0][draw(st.integers(0, 3))] = draw(st.sampled_from(["名称", "LON", "x", "latitude", "pop", ""]))
        elif kind == "extra" and i:
            rows[i].append(draw(VALUES))
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    text = out.getvalue()
    if draw(st.booleans()):  # a file cut short at any character
        text = text[: draw(st.integers(0, len(text)))]
    return text


@st.composite
def hostile_geojson(draw) -> str:
    features = []
    n = draw(st.integers(1, 25))
    for name, lon, lat, pop in _town(n):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"name": name, "POP": pop},
            }
        )
    for _ in range(draw(st.integers(0, 6))):
        f = features[draw(st.integers(0, n - 1))]  # one of the town's features (junk appended is left as it is)
        kind = draw(
            st.sampled_from(["pop", "name", "swap", "coords", "geometry", "duplicate", "polygon", "not_a_feature"])
        )
        if kind == "pop":
            f["properties"]["POP"] = draw(JSON_VALUES)
        elif kind == "name":
            f["properties"]["name"] = draw(JSON_VALUES)
        elif (
            kind == "swap"
            and isinstance(f.get("geometry"), dict)
            and isinstance(f["geometry"].get("coordinates"), list)
        ):
            f["geometry"]["coordinates"] = f["geometry"]["coordinates"][::-1]
        elif kind == "coords":
            f["geometry"] = {"type": "Point", "coordinates": [draw(JSON_VALUES), draw(JSON_VALUES)]}
        elif kind == "geometry":
            f["geometry"] = draw(
                st.sampled_from([None, {}, {"type": "Nope"}, {"type": "Polygon", "coordinates": [[[1, 2]]]}, 3])
            )
        elif kind == "duplicate":
            features.append(json.loads(json.dumps(f)))
        elif kind == "polygon":
            x, y = draw(st.floats(-400, 400)), draw(st.floats(-200, 200))
            ring = [[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y]]
            f["geometry"] = {"type": "Polygon", "coordinates": [ring]}
        elif kind == "not_a_feature":
            features.append(draw(JSON_VALUES))
    text = json.dumps({"type": "FeatureCollection", "features": features})
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]
    return text


def _sound(written: Path, source_counts: dict[str, list[float]]) -> None:
    rows = list(csv.DictReader(written.open(encoding="utf-8")))
    assert rows and len({r["name"] for r in rows}) == len(rows)
    for r in rows:
        lon, lat = float(r["lon"]), float(r["lat"])
        assert -180 <= lon <= 180 and -90 <= lat <= 90 and math.isfinite(lon) and math.isfinite(lat)
        assert r["residents"].isdigit()
        base = r["name"].split(" (")[0]
        assert int(r["residents"]) in source_counts[base]  # the count as given, never truncated
    files = PlaceFiles()
    read_compounds(written, True, files)
    assert not files.problems and len(files.compounds) == len(rows)  # natsim's own reader takes it whole


def _run(tmp_path: Path, name: str, text: str, *options: str):
    folder = tmp_path / f"case{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    (folder / name).write_text(text, encoding="utf-8")
    out = folder / "compounds.csv"
    r = CliRunner().invoke(app, ["places", "import", str(folder / name), "--out", str(out), *options])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    assert r.exit_code in (0, 2) and "Traceback" not in r.output
    if r.exit_code == 2:
        assert not out.exists()
    return r, out


@SETTINGS
@given(text=hostile_csv(), loose=st.booleans())
def test_a_hostile_csv_never_crashes_and_never_writes_a_doubtful_value(tmp_path, text, loose):
    r, out = _run(tmp_path, "addr.csv", text, *(["--no-strict"] if loose else []))
    if r.exit_code == 0:
        counts: dict[str, list[float]] = {}
        for row in csv.DictReader(io.StringIO(text)):
            with contextlib.suppress(ValueError, TypeError):
                counts.setdefault((row.get("name") or "").strip(), []).append(float(row.get("residents") or "x"))
        _sound(out, counts)


@SETTINGS
@given(text=hostile_geojson(), loose=st.booleans())
def test_a_hostile_geojson_never_crashes_and_never_writes_a_doubtful_value(tmp_path, text, loose):
    r, out = _run(tmp_path, "export.geojson", text, "--count-field", "POP", *(["--no-strict"] if loose else []))
    if r.exit_code == 0:
        counts: dict[str, list[float]] = {}
        for f in json.loads(text)["features"]:
            props = f.get("properties") or {} if isinstance(f, dict) else {}
            pop = props.get("POP")
            if isinstance(pop, (int, float)) and not isinstance(pop, bool):
                counts.setdefault(str(props.get("name")).strip(), []).append(pop)
        _sound(out, counts)


@SETTINGS
@given(text=hostile_csv())
def test_the_compounds_reader_takes_only_sound_rows(tmp_path, text):
    path = tmp_path / "compounds.csv"
    path.write_text(text, encoding="utf-8")
    files = PlaceFiles()
    read_compounds(path, True, files)
    for c in files.compounds:
        assert -180 <= c.xy[0] <= 180 and -90 <= c.xy[1] <= 90 and c.residents >= 0 and c.name
    assert len({c.name for c in files.compounds}) == len(files.compounds)
