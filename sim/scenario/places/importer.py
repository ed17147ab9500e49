"""`natsim places import`: a city GIS export -> compounds.csv or sites.csv in the places v1 format.

GeoJSON is read with the `geojson` package (it parses and validates the GeoJSON objects) and each
feature's geometry becomes a point with `shapely` (a polygon's representative point, which lies inside
it, unlike a centroid of an L-shaped compound). A plain CSV of addresses with coordinates is read as it
is. Attributes are mapped to columns by name; every feature that cannot be used is reported by its
number and, where it has one, its name.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import geojson
from shapely.geometry import shape

from sim.core.i18n import _
from sim.core.tables import coordinates, write_csv
from sim.scenario.problems import Problem

KINDS = {"compounds": ("residents", ["site", "group"]), "sites": ("tables", ["lab", "group", "candidate", "max_tables"])}


@dataclass(frozen=True)
class Fields:
    """Which attribute holds what (`None`: the kind's own column name)."""

    name: str = "name"
    count: str | None = None  # residents (compounds) or tables (sites)
    default_count: int | None = None  # when a feature has no count (e.g. every candidate site 0 tables)


def _features(path: Path, problems: list[Problem]) -> list[tuple[int, dict, tuple[float, float] | None]]:
    """(feature number or CSV line, attributes, (x, y) or None) for every feature of the file."""
    shown = str(path)
    if path.suffix.lower() in (".geojson", ".json"):
        try:
            data = geojson.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(Problem(shown, None, (), _("not readable GeoJSON: {error}").format(error=exc)))
            return []
        if not data.is_valid:
            problems.append(Problem(shown, None, (), _("not valid GeoJSON: {error}").format(error=data.errors())))
            return []
        features = data["features"] if data.get("type") == "FeatureCollection" else [data]
        out = []
        for i, f in enumerate(features, start=1):
            geometry = f.get("geometry")
            try:
                point = shape(geometry).representative_point() if geometry else None
            except (ValueError, TypeError, AttributeError):
                point = None
            out.append(
                (i, dict(f.get("properties") or {}), (point.x, point.y) if point is not None and not point.is_empty else None)
            )
        return out
    try:
        rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(shown, None, (), _("cannot read the file: {reason}").format(reason=exc)))
        return []
    out = []
    for line, row in enumerate(rows, start=2):
        xy = None
        for a, b in (("lon", "lat"), ("x", "y"), ("longitude", "latitude")):
            try:
                xy = (float(row[a]), float(row[b]))
                break
            except (KeyError, TypeError, ValueError):
                continue
        out.append((line, row, xy))
    return out


def import_places(
    source: Path, kind: str, out: Path, fields: Fields = Fields(), lonlat: bool = True
) -> tuple[int, list[Problem]]:
    """Write `out` (compounds.csv or sites.csv) from `source`; returns the rows written and the problems
    (features left out, each with the reason). Nothing is written when no feature can be used."""
    count_col, optional = KINDS[kind]
    problems: list[Problem] = []
    rows, seen = [], set()
    geo = source.suffix.lower() in (".geojson", ".json")
    for where, attrs, xy in _features(source, problems):
        label = (_("feature {n}") if geo else _("line {n}")).format(n=where)
        at = None if geo else where
        name = str(attrs.get(fields.name) or "").strip()
        raw = attrs.get(fields.count or count_col)
        if xy is None:
            problems.append(
                Problem(
                    str(source),
                    at,
                    (),
                    _("{label} ({name}): no point or area to place it").format(label=label, name=name or _("no name")),
                )
            )
            continue
        if not name or name in seen:
            why = _("no name") if not name else _("name '{name}' given twice").format(name=name)
            problems.append(Problem(str(source), at, (fields.name,), f"{label}: {why}"))
            continue
        try:
            count = int(float(raw)) if raw not in (None, "") else fields.default_count
        except (TypeError, ValueError):
            count = None
        if count is None or count < 0:
            problems.append(
                Problem(
                    str(source),
                    at,
                    (fields.count or count_col,),
                    _("{label} ({name}): {raw!r} is not a count").format(label=label, name=name, raw=raw),
                )
            )
            continue
        seen.add(name)
        x, y = coordinates(xy, lonlat)
        rows.append({"name": name, "lon" if lonlat else "x": x, "lat" if lonlat else "y": y, count_col: count}
                    | {k: attrs[k] for k in optional if attrs.get(k) not in (None, "")})  # fmt: skip
    if rows:
        columns = ["name", *(["lon", "lat"] if lonlat else ["x", "y"]), count_col]
        columns += [k for k in optional if any(k in r for r in rows)]
        write_csv(out, columns, rows)
    return len(rows), problems
