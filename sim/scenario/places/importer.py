"""`natsim places import`: a city GIS export -> compounds.csv or sites.csv in the places v1 format.

The file is parsed as JSON and each feature's geometry is checked as a GeoJSON object with the `geojson`
package, one feature at a time, so that one broken feature is named and left out rather than refusing
the file. A geometry becomes a point with `shapely` (a polygon's representative point, which lies inside
it, unlike a centroid of an L-shaped compound). A plain CSV of addresses with coordinates is read as it
is. Attributes are mapped to columns by name.

Nothing doubtful is written (docs/places.md, "Importing"): a feature that cannot be placed (no geometry,
a broken one, coordinates out of range, longitude and latitude swapped) or counted (a count that is not a
whole number of 0 or more: 12.7 and `true` are refused, never truncated) is listed by its number and name
and left out; names given twice follow `DUPLICATES`; and when more than `STRICT_SHARE` of the features
are left out the file is refused (`strict`), nothing written.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import geojson
import numpy as np
import shapely
from shapely.geometry import shape

from sim.core.geo import distance
from sim.core.i18n import _
from sim.core.tables import coordinates, write_csv
from sim.scenario import spec
from sim.scenario.places.files import lonlat_problem, swapped_lonlat, whole_number
from sim.scenario.problems import Problem

KINDS = {
    "compounds": ("residents", ["site", "group"]),
    "sites": ("tables", ["lab", "group", "candidate", "max_tables"]),
}
COORDINATE_COLUMNS = (("lon", "lat"), ("longitude", "latitude"), ("x", "y"))
STRICT_SHARE = 0.05  # more than this share of the features left out: the file is refused unless `strict=False`
SWAP_NEAR_M = 50_000.0  # a feature whose swapped coordinates fall this near the others' median is named swapped
SWAP_FAR_M = 500_000.0  # ... when it lies at least this far from the median as given
DUPLICATES = (
    "a feature repeating an earlier one (same name, place and count) is left out as a repeat; features sharing a name "
    "but not place or count are all left out, or, with unique_names, kept as 'name (2)', 'name (3)' in file order"
)


@dataclass(frozen=True)
class Fields:
    """Which attribute holds what (`None`: the kind's own column name)."""

    name: str = "name"
    count: str | None = None  # residents (compounds) or tables (sites)
    default_count: int | None = None  # when a feature has no count (e.g. every candidate site 0 tables)


@dataclass(frozen=True)
class Feature:
    """One feature of the export: its number (GeoJSON) or line (CSV), attributes, and its point, or why
    it has none."""

    where: int
    attrs: dict
    xy: tuple[float, float] | None
    why: str | None = None  # no point: the reason


@dataclass
class Imported:
    """What an import did: rows written (0 when refused), features read, the features left out (one
    problem each), problems with the file itself (it is refused), and notes (names made unique)."""

    written: int = 0
    features: int = 0
    left_out: list[Problem] = field(default_factory=list)
    refused: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)

    @property
    def share_left_out(self) -> float:
        return len(self.left_out) / self.features if self.features else 0.0


def _is_geojson(path: Path) -> bool:
    return path.suffix.lower() in (".geojson", ".json")


def _geometry_point(geometry: object, lonlat: bool) -> tuple[tuple[float, float] | None, str | None]:
    """A geometry's point (inside an area), or None and why."""
    if geometry is None:
        return None, _("no point or area to place it")
    try:
        obj = geojson.GeoJSON.to_instance(geometry, strict=True)
        errors = obj.errors() if isinstance(obj, geojson.GeoJSON) else _("not a GeoJSON geometry")
    except (ValueError, TypeError, AttributeError, KeyError, UnicodeEncodeError) as exc:
        errors = str(exc)
    if errors:
        return None, _("its geometry is not valid GeoJSON: {error}").format(error=errors)
    try:
        geom = shape(geometry)
        bounds = geom.bounds
        point = geom.representative_point()
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, shapely.errors.ShapelyError) as exc:
        return None, _("its geometry cannot be read: {error}").format(error=exc)
    if point.is_empty or not all(math.isfinite(v) for v in bounds):
        return None, _("its coordinates are empty or not numbers")
    if lonlat:  # every corner of an area in range, not only the point inside it
        for x, y in ((bounds[0], bounds[1]), (bounds[2], bounds[3]), (point.x, point.y)):
            if why := lonlat_problem(x, y):
                return None, why
    return (point.x, point.y), None


def _geojson_features(path: Path, lonlat: bool, out: Imported) -> list[Feature]:
    shown = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        out.refused.append(Problem(shown, None, (), _("cannot read the file: {reason}").format(reason=exc.strerror)))
        return []
    except UnicodeDecodeError:
        out.refused.append(Problem(shown, None, (), _("not UTF-8 text: save the export as UTF-8")))
        return []
    except json.JSONDecodeError as exc:
        out.refused.append(Problem(shown, exc.lineno, (), _("not readable GeoJSON: {error}").format(error=exc.msg)))
        return []
    except (ValueError, RecursionError) as exc:
        out.refused.append(Problem(shown, None, (), _("not readable GeoJSON: {error}").format(error=exc)))
        return []
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "FeatureCollection" and isinstance(data.get("features"), list):
        features = data["features"]
    elif kind == "Feature":
        features = [data]
    else:
        out.refused.append(
            Problem(shown, None, ("type",), _("not GeoJSON features: a FeatureCollection (or one Feature) is needed"))
        )
        return []
    found = []
    for i, f in enumerate(features, start=1):
        if not isinstance(f, dict) or f.get("type") != "Feature":
            found.append(Feature(i, {}, None, _("not a GeoJSON Feature")))
            continue
        attrs = f.get("properties") if isinstance(f.get("properties"), dict) else {}
        xy, why = _geometry_point(f.get("geometry"), lonlat)
        found.append(Feature(i, dict(attrs), xy, why))
    return found


def _number(text: str) -> float | None:
    try:
        return float(text.strip().replace("_", ""))
    except (AttributeError, ValueError):
        return None


def _csv_features(path: Path, fields: Fields, count_col: str, lonlat: bool, out: Imported) -> list[Feature]:
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        out.refused.append(Problem(shown, None, (), _("cannot read the file: {reason}").format(reason=exc.strerror)))
        return []
    except UnicodeDecodeError:
        out.refused.append(Problem(shown, None, (), _("not UTF-8 text: save the CSV as UTF-8")))
        return []
    try:
        reader = csv.DictReader(text.splitlines())
        header = [c.strip() for c in reader.fieldnames or []]
        rows = [{(k or "").strip(): v for k, v in row.items()} for row in reader]
    except csv.Error as exc:
        out.refused.append(Problem(shown, None, (), _("not a readable CSV: {error}").format(error=exc)))
        return []
    pair = next((p for p in COORDINATE_COLUMNS if p[0] in header and p[1] in header), None)
    wanted = [fields.name, *([] if fields.default_count is not None else [fields.count or count_col])]
    if pair is None or any(c not in header for c in wanted):
        pairs = ", ".join(f"{a}/{b}" for a, b in COORDINATE_COLUMNS)
        out.refused.append(
            Problem(
                shown,
                1,
                (),
                _(
                    "the columns are {columns}; expected {wanted} and coordinates as one of {pairs} "
                    "(--name-field and --count-field name other columns)"
                ).format(columns=", ".join(header) or _("no header"), wanted=", ".join(wanted), pairs=pairs),
            )
        )
        return []
    found = []
    for line, row in enumerate(rows, start=2):
        if None in row:  # more cells than the header has
            found.append(Feature(line, row, None, _("more cells than the header has columns")))
            continue
        a, b = (row.get(c) for c in pair)
        x, y = _number(a or ""), _number(b or "")
        if x is None or y is None or not (math.isfinite(x) and math.isfinite(y)):
            bad = pair[0] if x is None or not math.isfinite(x) else pair[1]
            found.append(
                Feature(
                    line, row, None, _("{column} {text!r} is not a coordinate").format(column=bad, text=row.get(bad))
                )
            )
            continue
        why = lonlat_problem(x, y, names=pair) if lonlat else None
        found.append(Feature(line, row, None if why else (x, y), why))
    return found


def _flag_swapped(features: list[Feature], lonlat: bool) -> list[Feature]:
    """A feature whose longitude and latitude are swapped but both in range (e.g. (34.2, 108.9) read as
    latitude 108.9 is caught by the range; (30.5, 31.2) is not): it lies far from the others and its
    swapped point lies among them."""
    placed = [f for f in features if f.xy is not None]
    if not lonlat or len(placed) < 3:
        return features
    xy = np.array([f.xy for f in placed])
    centre = np.median(xy, axis=0)
    as_given = distance(xy, centre, True)
    swapped = distance(xy[:, ::-1], centre, True)
    odd = {id(f) for f, d0, d1 in zip(placed, as_given, swapped, strict=True) if d0 > SWAP_FAR_M and d1 < SWAP_NEAR_M}
    if len(odd) * 2 >= len(placed):
        return features
    return [
        Feature(f.where, f.attrs, None, swapped_lonlat(*f.xy)) if id(f) in odd else f  # type: ignore[misc]
        for f in features
    ]


def _unique(name: str, taken: set[str]) -> str:
    k = 2
    while f"{name} ({k})" in taken:
        k += 1
    return f"{name} ({k})"


class _Listing:
    """Problems about features, each at its feature number (GeoJSON) or line (CSV) and name."""

    def __init__(self, shown: str, geo: bool, result: Imported):
        self.shown, self.geo, self.result = shown, geo, result

    def label(self, f: Feature, name: str = "") -> str:
        where = (_("feature {n}") if self.geo else _("line {n}")).format(n=f.where)
        return f"{where} ({name})" if name else where

    def problem(self, f: Feature, column: str | None, name: str, message: str) -> Problem:
        return Problem(
            self.shown, None if self.geo else f.where, (column,) if column else (), f"{self.label(f, name)}: {message}"
        )

    def leave_out(self, f: Feature, column: str | None, name: str, message: str) -> None:
        self.result.left_out.append(self.problem(f, column, name, message))


def _missing_attributes(features: list[Feature], wanted: list[tuple[str, str]], shown: str) -> list[Problem]:
    """A GeoJSON export none of whose features has the name (or count) attribute: named, with those it has."""
    have = ", ".join(sorted({str(k) for f in features for k in f.attrs})) or _("none")
    return [
        Problem(
            shown,
            None,
            (field_name,),
            _("no feature has an attribute '{field}' (choose one with {option}); the attributes are: {have}").format(
                field=field_name, option=option, have=have
            ),
        )
        for field_name, option in wanted
        if features and not any(field_name in f.attrs for f in features)
    ]


def _count(f: Feature, fields: Fields, count_field: str, kind: str) -> int:
    """The feature's count, or ValueError with the reason."""
    raw = f.attrs.get(count_field)
    if raw in (None, "") and fields.default_count is not None:
        return fields.default_count
    count = whole_number(raw)
    if kind == "compounds" and count > spec.LIMITS["residents"]:
        raise ValueError(
            _("{n:,} residents: more than natsim's limit of {limit:,} per round").format(
                n=count, limit=spec.LIMITS["residents"]
            )
        )
    return count


def import_places(
    source: Path,
    kind: str,
    out: Path,
    fields: Fields = Fields(),
    lonlat: bool = True,
    strict: bool | None = None,
    unique_names: bool = False,
) -> Imported:
    """Write `out` (compounds.csv or sites.csv) from `source`, or nothing: when the file itself is wrong,
    when no feature can be used, or when too many are left out (`strict` None: more than STRICT_SHARE;
    True: any; False: never)."""
    count_col, optional = KINDS[kind]
    count_field = fields.count or count_col
    result = Imported()
    geo = _is_geojson(source)
    shown = str(source)
    features = (
        _geojson_features(source, lonlat, result) if geo else _csv_features(source, fields, count_col, lonlat, result)
    )
    result.features = len(features)
    if geo:
        wanted = [(fields.name, "--name-field")] + (
            [] if fields.default_count is not None else [(count_field, "--count-field")]
        )
        result.refused += _missing_attributes(features, wanted, shown)
    if result.refused:
        return result
    listing = _Listing(shown, geo, result)
    rows: list[dict] = []
    for f in _flag_swapped(features, lonlat):
        raw_name = f.attrs.get(fields.name)
        name = str(raw_name).strip() if isinstance(raw_name, (str, int)) and not isinstance(raw_name, bool) else ""
        if f.xy is None:
            listing.leave_out(f, None, name, f.why or _("no point or area to place it"))
            continue
        if not name:
            listing.leave_out(f, fields.name, name, _("no name"))
            continue
        try:
            count = _count(f, fields, count_field, kind)
        except ValueError as exc:
            listing.leave_out(f, count_field, name, str(exc))
            continue
        rows.append(
            {"feature": f, "name": name, "xy": coordinates(f.xy, lonlat), count_col: count}
            | {k: str(f.attrs[k]).strip() for k in optional if f.attrs.get(k) not in (None, "")}
        )
    rows = _names(rows, listing, unique_names, count_col)
    if too_many := _too_many_left_out(result, strict, shown):
        result.refused.append(too_many)
        return result
    if not rows:
        result.refused.append(Problem(shown, None, (), _("no feature could be used; nothing was written")))
        return result
    xy_cols = ["lon", "lat"] if lonlat else ["x", "y"]
    columns = ["name", *xy_cols, count_col] + [k for k in optional if any(k in r for r in rows)]
    write_csv(out, columns, [{**r, **dict(zip(xy_cols, r["xy"], strict=True))} for r in rows])
    result.written = len(rows)
    return result


def _too_many_left_out(result: Imported, strict: bool | None, shown: str) -> Problem | None:
    """`strict` None: more than STRICT_SHARE of the features left out refuses the file; True: any; False: never."""
    limit = 0.0 if strict else 1.0 if strict is False else STRICT_SHARE
    if not result.left_out or result.share_left_out <= limit:
        return None
    return Problem(
        shown,
        None,
        (),
        _(
            "{left:,} of {n:,} features left out ({share:.0%}; more than {limit:.0%} refuses the file): nothing "
            "was written; correct them, or --no-strict writes the others"
        ).format(left=len(result.left_out), n=result.features, share=result.share_left_out, limit=limit),
    )


def _names(rows: list[dict], listing: _Listing, unique_names: bool, count_col: str) -> list[dict]:
    """Names given twice, by the rule in DUPLICATES."""
    by_name: dict[str, list[dict]] = {}
    for r in rows:
        by_name.setdefault(r["name"], []).append(r)
    taken = set(by_name)
    keep: list[dict] = []
    for r in rows:
        same = by_name[r["name"]]
        first, f, name = same[0], r["feature"], r["name"]
        if len(same) == 1 or (r is first and unique_names):
            keep.append(r)
        elif all((s["xy"], s[count_col]) == (first["xy"], first[count_col]) for s in same):  # exported twice
            if r is first:
                keep.append(r)
            else:
                why = _("repeats {first} (same name, place and count)").format(first=listing.label(first["feature"]))
                listing.leave_out(f, "name", name, why)
        elif unique_names:
            new = _unique(name, taken)
            taken.add(new)
            listing.result.notes.append(
                listing.problem(f, "name", name, _("name given twice, written as '{new}'").format(new=new))
            )
            keep.append({**r, "name": new})
        else:
            others = ", ".join(listing.label(s["feature"]) for s in same if s is not r)
            why = _(
                "name given twice (also {others}) with another place or count: left out (--unique-names keeps each, "
                "as '{name} (2)', ...)"
            ).format(others=others, name=name)
            listing.leave_out(f, "name", name, why)
    return keep
