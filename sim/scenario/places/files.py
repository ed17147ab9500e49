"""Reading a places scenario's CSV files (compounds, sites, travel matrix), row by row, every problem at
its file, line and column. Only the rows' own shape is checked here; names across files are checked by
`sim.scenario.checks`, which knows the whole scenario."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.core.i18n import N_, _
from sim.scenario.problems import Problem

TRUE = {"1", "true", "yes", "y"}
FALSE = {"", "0", "false", "no", "n"}


@dataclass(frozen=True)
class CompoundRow:
    line: int
    name: str
    xy: tuple[float, float]
    residents: int
    site: str | None
    group: str | None


@dataclass(frozen=True)
class SiteRow:
    line: int
    name: str
    xy: tuple[float, float]
    tables: int
    lab: str | None
    group: str | None
    candidate: bool
    max_tables: int | None


@dataclass
class PlaceFiles:
    compounds: list[CompoundRow] = field(default_factory=list)
    sites: list[SiteRow] = field(default_factory=list)
    matrix: dict[tuple[str, str], float] = field(default_factory=dict)  # (from, to) -> seconds, both ways
    matrix_lines: dict[tuple[str, str], int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    shown: dict[str, str] = field(default_factory=dict)  # "compounds" | "sites" | "matrix" -> path as shown
    streets: Any = None  # places.network's ways as read (sim.scenario.places.streets.Streets)


class _Reader:
    """One CSV file: its rows as dicts, and problems at file:line: column: message."""

    def __init__(self, path: Path, required: list[str], problems: list[Problem]):
        self.shown, self.problems = str(path), problems
        self.rows: list[tuple[int, dict[str, str]]] = []
        try:
            text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's UTF-8 may start with a BOM
        except OSError as exc:
            self.add(None, (), _("cannot read the file: {reason}").format(reason=exc.strerror))
            return
        except UnicodeDecodeError:
            self.add(None, (), _("not UTF-8 text: save the CSV as UTF-8"))
            return
        reader = csv.DictReader(text.splitlines())
        columns = [c.strip() for c in reader.fieldnames or []]
        missing = [c for c in required if c not in columns]
        if missing:
            self.add(
                1,
                (),
                _("missing column(s) {missing}; the file has {columns}").format(
                    missing=", ".join(missing), columns=", ".join(columns) or _("no header")
                ),
            )
            return
        for line, row in enumerate(reader, start=2):
            self.rows.append((line, {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}))
        if not self.rows:
            self.add(None, (), _("the file has no rows"))

    def add(self, line: int | None, key: tuple, message: str) -> None:
        self.problems.append(Problem(self.shown, line, key, message))

    def number(self, line: int, row: dict, column: str, whole: bool = False, low: float | None = None) -> float | None:
        text = row.get(column, "")
        if whole and low == 0:
            try:
                return whole_number(text)
            except ValueError as exc:
                self.add(line, (column,), str(exc))
                return None
        try:
            value = float(text.replace("_", ""))
        except ValueError:
            self.add(
                line,
                (column,),
                _("{text!r} is not a number").format(text=text) if text else _("empty: a number is needed"),
            )
            return None
        if not math.isfinite(value) or (whole and value != int(value)):
            self.add(
                line,
                (column,),
                (_("{text!r}: a whole number is needed") if whole else _("{text!r}: a number is needed")).format(
                    text=text
                ),
            )
            return None
        if low is not None and value < low:
            self.add(line, (column,), _("{text!r}: must be at least {low:g}").format(text=text, low=low))
            return None
        return value

    def xy(self, line: int, row: dict, lonlat: bool) -> tuple[float, float] | None:
        cols = ("lon", "lat") if lonlat else ("x", "y")
        a, b = (self.number(line, row, c) for c in cols)
        if a is None or b is None:
            return None
        if lonlat and (why := lonlat_problem(a, b, cols)):
            self.add(line, ("lon" if not -180 <= a <= 180 else "lat",), why)
            return None
        return (a, b)

    def unique(self, line: int, name: str, seen: dict[str, int], what: str) -> bool:
        if not name:
            self.add(line, ("name",), _("a {what} needs a name").format(what=_(what)))
            return False
        if name in seen:
            self.add(
                line,
                ("name",),
                _("{what} '{name}' is listed twice (first at line {line})").format(
                    what=_(what), name=name, line=seen[name]
                ),
            )
            return False
        seen[name] = line
        return True


def whole_number(raw: object, low: int = 0) -> int:
    """A count as a file gives it (a cell's text, a GeoJSON value): a whole number, `low` or more. Anything
    else raises ValueError with the reason: 12.7 and `true` are not counts (never truncated to 12 and 1)."""
    text = raw.strip().replace("_", "") if isinstance(raw, str) else raw
    if isinstance(raw, bool) or not isinstance(text, (int, float, str)):
        raise ValueError(_("{text!r} is not a number").format(text=raw))
    if text == "":
        raise ValueError(_("empty: a number is needed"))
    try:
        value = float(text)
    except (ValueError, OverflowError):
        raise ValueError(_("{text!r} is not a number").format(text=raw)) from None
    if not math.isfinite(value) or value != int(value):
        raise ValueError(_("{text!r}: a whole number is needed").format(text=raw))
    if value < low:
        raise ValueError(_("{text!r}: must be at least {low:g}").format(text=raw, low=low))
    return int(value)


def swapped_lonlat(lon: float, lat: float, names: tuple[str, str] = ("longitude", "latitude")) -> str:
    return _(
        "{a} {lon:g} and {b} {lat:g} look swapped: longitude {lat:g}, latitude {lon:g} would be a place (longitude "
        "comes first)"
    ).format(a=names[0], b=names[1], lon=lon, lat=lat)


def lonlat_problem(lon: float, lat: float, names: tuple[str, str] = ("longitude", "latitude")) -> str | None:
    """What is wrong with a longitude/latitude, or None: not a number, out of range (lon -180..180, lat
    -90..90), or in range only when swapped (a latitude of 120.9 with a longitude of 30)."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return _("({a:g}, {b:g}) is not a longitude/latitude: not a number").format(a=lon, b=lat)
    if -180 <= lon <= 180 and -90 <= lat <= 90:
        return None
    if -180 <= lat <= 180 and -90 <= lon <= 90:
        return swapped_lonlat(lon, lat, names)
    if max(abs(lon), abs(lat)) > 1000:
        return _(
            "({a:g}, {b:g}) is not a longitude/latitude (lon -180..180, lat -90..90): planar metres? (coordinates: "
            "metres)"
        ).format(a=lon, b=lat)
    return _("({a:g}, {b:g}) is not a longitude/latitude (lon -180..180, lat -90..90)").format(a=lon, b=lat)


def coordinate_columns(lonlat: bool) -> list[str]:
    return ["lon", "lat"] if lonlat else ["x", "y"]


def read_compounds(path: Path, lonlat: bool, out: PlaceFiles) -> None:
    r = _Reader(path, ["name", *coordinate_columns(lonlat), "residents"], out.problems)
    out.shown["compounds"] = r.shown
    seen: dict[str, int] = {}
    for line, row in r.rows:
        name = row.get("name", "")
        xy, residents = r.xy(line, row, lonlat), r.number(line, row, "residents", whole=True, low=0)
        if r.unique(line, name, seen, N_("compound")) and xy is not None and residents is not None:
            out.compounds.append(
                CompoundRow(line, name, xy, int(residents), row.get("site") or None, row.get("group") or None)
            )


def read_sites(path: Path, lonlat: bool, out: PlaceFiles) -> None:
    r = _Reader(path, ["name", *coordinate_columns(lonlat), "tables"], out.problems)
    out.shown["sites"] = r.shown
    seen: dict[str, int] = {}
    for line, row in r.rows:
        name = row.get("name", "")
        xy, tables = r.xy(line, row, lonlat), r.number(line, row, "tables", whole=True, low=0)
        most = r.number(line, row, "max_tables", whole=True, low=0) if row.get("max_tables") else None
        flag = row.get("candidate", "").lower()
        if flag not in TRUE | FALSE:
            r.add(line, ("candidate",), _("{value!r}: write true or false").format(value=row["candidate"]))
        if r.unique(line, name, seen, N_("site")) and xy is not None and tables is not None:
            site = SiteRow(
                line, name, xy, int(tables), row.get("lab") or None, row.get("group") or None, flag in TRUE, None
            )
            out.sites.append(site if most is None else SiteRow(*list(vars(site).values())[:-1], int(most)))


def read_matrix(path: Path, out: PlaceFiles) -> None:
    r = _Reader(path, ["from", "to", "minutes"], out.problems)
    out.shown["matrix"] = r.shown
    for line, row in r.rows:
        minutes = r.number(line, row, "minutes", low=0)
        a, b = row.get("from", ""), row.get("to", "")
        if not a or not b:
            r.add(line, ("from" if not a else "to",), _("a site or lab name is needed"))
        elif minutes is not None:
            out.matrix[a, b] = out.matrix[b, a] = minutes * 60
            out.matrix_lines[a, b] = out.matrix_lines[b, a] = line
