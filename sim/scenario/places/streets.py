"""Reading a street network (`places.network`): an OpenStreetMap extract (`.osm.pbf`, `.osm`) through
pyosmium, or a GIS's street layer as GeoJSON lines; the ways natsim walks and drives, by road class.

A way is walkable or drivable by its `highway` class (docs/streets.md has the table and the default
speeds); `foot=no` takes a way off the walking network, `access`/`motor_vehicle`/`vehicle=no` (or
private) off the driving one. One-way streets (`oneway=yes`, `-1`, implied on motorways and
roundabouts; GeoJSON `F`/`T` as Geofabrik writes them) bind cars only. Everything read becomes plain
arrays (`Streets`); problems come back as `Problem`s at the file (and line, for GeoJSON that has one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.core import geo
from sim.core.i18n import _
from sim.core.speeds import parse_speed
from sim.scenario.problems import Problem

# Road classes natsim walks on (every one at walking.speed unless places.network.walking_speeds says).
WALKABLE = (
    "footway",
    "path",
    "pedestrian",
    "steps",
    "living_street",
    "residential",
    "service",
    "track",
    "unclassified",
    "cycleway",
    "road",
    "tertiary",
    "tertiary_link",
    "secondary",
    "secondary_link",
    "primary",
    "primary_link",
)
# Road classes natsim drives on, with their default speeds (urban China: the posted limits less the
# lights and the traffic of a morning; overridable per class with places.network.driving_speeds).
DRIVING_SPEEDS = {
    "motorway": "80km/h",
    "motorway_link": "50km/h",
    "trunk": "60km/h",
    "trunk_link": "40km/h",
    "primary": "40km/h",
    "primary_link": "30km/h",
    "secondary": "35km/h",
    "secondary_link": "30km/h",
    "tertiary": "30km/h",
    "tertiary_link": "25km/h",
    "unclassified": "25km/h",
    "residential": "20km/h",
    "living_street": "10km/h",
    "service": "15km/h",
    "road": "20km/h",
}
CLASSES = tuple(dict.fromkeys((*WALKABLE, *DRIVING_SPEEDS)))
MAIN = {"motorway", "trunk", "primary", "secondary", "motorway_link", "trunk_link", "primary_link", "secondary_link"}
_YES, _NO = {"yes", "true", "1", "f"}, {"no", "private"}


@dataclass
class Streets:
    """The ways read, as edges between nodes: one edge per consecutive pair of a way's nodes."""

    xy: np.ndarray  # (n, 2) node coordinates
    u: np.ndarray  # edge start node
    v: np.ndarray  # edge end node
    cls: np.ndarray  # index into CLASSES
    metres: np.ndarray
    oneway: np.ndarray  # bool: cars only u -> v
    walk: np.ndarray  # bool: on the walking network
    drive: np.ndarray  # bool: on the driving network
    ways: int = 0
    notes: list[str] = field(default_factory=list)  # what was left out, in a planner's words

    def speeds(self, mode: str, base: float, overrides: dict[str, float]) -> np.ndarray:
        """Metres per second of each edge for `mode` ("walk" or "drive"); nan off that mode's network."""
        table = (
            {c: base for c in WALKABLE} if mode == "walk" else {c: parse_speed(s) for c, s in DRIVING_SPEEDS.items()}
        )
        table.update(overrides)
        by_class = np.array([table.get(c, np.nan) for c in CLASSES], float)
        return np.where(self.walk if mode == "walk" else self.drive, by_class[self.cls], np.nan)

    def cut(self, lo: np.ndarray, hi: np.ndarray) -> Streets:
        """The edges with an end inside the box [lo, hi] (lon/lat or metres), nodes renumbered."""
        inside = np.all((self.xy >= lo) & (self.xy <= hi), axis=1)
        keep = inside[self.u] | inside[self.v]
        used = np.zeros(len(self.xy), bool)
        used[self.u[keep]] = used[self.v[keep]] = True
        new = np.cumsum(used) - 1
        return Streets(
            self.xy[used],
            new[self.u[keep]],
            new[self.v[keep]],
            self.cls[keep],
            self.metres[keep],
            self.oneway[keep],
            self.walk[keep],
            self.drive[keep],
            self.ways,
            list(self.notes),
        )


class _Builder:
    """Ways in, edges out. Nodes are keyed by whole numbers: the file's node ids (OSM, so nodes are
    numbered in id order, the order of an OSM file) or their coordinates' order of appearance (GeoJSON)."""

    def __init__(self, lonlat: bool):
        self.lonlat, self.index = lonlat, {}
        self.keys: list[int] = []
        self.coords: list[tuple[float, float]] = []
        self.meta: list[tuple[int, int, bool, bool, bool]] = []  # per way: its nodes, class, one-way, walk, drive
        self.ways = 0

    def key(self, point: tuple[float, float]) -> int:
        """A GeoJSON point's number: ways join where they share a point."""
        return self.index.setdefault(point, len(self.index))

    def way(self, keys: list[int], coords: list[tuple[float, float]], tags: dict[str, str]) -> bool:
        """One way; False when its class is neither walked nor driven."""
        highway = tags.get("highway") or tags.get("fclass") or ""
        walk = highway in WALKABLE and tags.get("foot", "") not in _NO
        drive = highway in DRIVING_SPEEDS and not any(
            tags.get(k, "") in _NO for k in ("access", "motor_vehicle", "vehicle")
        )
        if not (walk or drive) or len(coords) < 2:
            return False
        one = str(tags.get("oneway", "")).lower()
        implied = highway == "motorway" or tags.get("junction") == "roundabout"
        backward = one in {"-1", "t"}
        oneway = backward or one in _YES or (implied and one not in {"no", "b"})
        if backward:
            keys, coords = keys[::-1], coords[::-1]
        self.keys.extend(keys)
        self.coords.extend(coords)
        self.meta.append((len(keys), CLASSES.index(highway), oneway, walk, drive))
        self.ways += 1
        return True

    def streets(self, notes: list[str]) -> Streets:
        keys = np.array(self.keys, np.int64)
        first, node = np.unique(keys, return_index=True, return_inverse=True)[1:]
        xy = np.array(self.coords, float).reshape(-1, 2)[first]
        meta = np.array(self.meta, np.int64).reshape(-1, 5)
        way = np.repeat(np.arange(len(meta)), meta[:, 0])
        at = np.flatnonzero(way[:-1] == way[1:])  # consecutive nodes of one way
        u, v, w = node.ravel()[at], node.ravel()[at + 1], way[at]
        keep = u != v
        u, v, w = u[keep], v[keep], w[keep]
        metres = geo.distance(xy[u], xy[v], self.lonlat) if len(u) else np.empty(0)
        flags = meta[w].astype(bool)
        return Streets(xy, u, v, meta[w, 1], metres, flags[:, 2], flags[:, 3], flags[:, 4], self.ways, notes)


def read_streets(path: Path, lonlat: bool, shown: str | None = None) -> tuple[Streets | None, list[Problem]]:
    """The network in `path` (.osm.pbf, .osm, .pbf, .geojson, .json), or the problems that stop it."""
    shown = shown or str(path)
    name = path.name.lower()
    if not path.is_file():
        return None, [Problem(shown, None, (), _("cannot read the street network: no such file"))]
    if name.endswith((".geojson", ".json")):
        streets, problems = _geojson(path, shown, lonlat)
    elif name.endswith((".pbf", ".osm", ".osm.bz2", ".osm.gz")):
        if not lonlat:
            return None, [Problem(shown, None, (), _("an OSM file is in longitude/latitude: use coordinates: lonlat"))]
        streets, problems = _osm(path, shown)
    else:
        return None, [Problem(shown, None, (), _("a street network is a .osm.pbf, .osm or .geojson file"))]
    if streets is not None and not problems and not streets.walk.any():
        problems.append(
            Problem(shown, None, (), _("no walkable way in the network (footways, paths, residential streets...)"))
        )
    return (streets if not problems else None), problems


def _osm(path: Path, shown: str) -> tuple[Streets | None, list[Problem]]:
    try:
        import osmium
    except ImportError:
        return None, [Problem(shown, None, (), _("reading OSM files needs pyosmium: pip install 'natsim[streets]'"))]
    b, missing = _Builder(True), 0
    try:
        for w in osmium.FileProcessor(str(path)).with_locations().with_filter(osmium.filter.KeyFilter("highway")):
            if not w.is_way():
                continue
            try:
                points = [(n.ref, n.lon, n.lat) for n in w.nodes]
            except osmium.InvalidLocationError:
                missing += 1
                continue
            b.way([p[0] for p in points], [(p[1], p[2]) for p in points], dict(w.tags))
    except (RuntimeError, ValueError, OSError) as exc:
        return None, [Problem(shown, None, (), _("cannot read the street network: {reason}").format(reason=exc))]
    notes = (
        [_("{n:,} ways left out: their nodes are not in the file (cut at the edge?)").format(n=missing)]
        if missing
        else []
    )
    return b.streets(notes), []


def _geojson(path: Path, shown: str, lonlat: bool) -> tuple[Streets | None, list[Problem]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(shown, None, (), _("cannot read the street network: {reason}").format(reason=exc))]
    except json.JSONDecodeError as exc:
        return None, [Problem(shown, exc.lineno, (), _("not JSON: {reason}").format(reason=exc.msg))]
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        return None, [Problem(shown, None, (), _("not a GeoJSON FeatureCollection of street lines"))]
    b, problems, other = _Builder(lonlat), [], 0
    for k, f in enumerate(features):
        geom = (f or {}).get("geometry") or {}
        props = {key: str(val) for key, val in ((f or {}).get("properties") or {}).items() if val is not None}
        lines = {"LineString": [geom.get("coordinates")], "MultiLineString": geom.get("coordinates")}.get(
            geom.get("type")
        )
        if lines is None:
            other += 1
            continue
        for line in lines or []:
            try:
                coords = [(float(p[0]), float(p[1])) for p in line]
            except (TypeError, ValueError, IndexError):
                problems.append(Problem(shown, None, ("features", k), _("a line's coordinates are not [x, y] pairs")))
                break
            if lonlat and any(not (-180 <= x <= 180 and -90 <= y <= 90) for x, y in coords):
                problems.append(Problem(shown, None, ("features", k), _("coordinates are not longitude/latitude")))
                break
            b.way([b.key((round(x, 7), round(y, 7))) for x, y in coords], coords, props)
    notes = [_("{n:,} features that are not lines left out").format(n=other)] if other else []
    return (b.streets(notes) if not problems else None), problems
