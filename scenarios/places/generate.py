"""Make the geography of the places examples: invented, plausible, reproducible (fixed seeds).

No real geodata can be downloaded where natsim is built, so the compounds and sites of the examples are
generated here, around real coordinates, with the shapes of real places: a county town of 16
communities and 192 compounds (Haiyan's counts, docs/facts.md); a rural county whose villages cluster
along roads radiating from the county seat; a large city whose density falls from the centre (Xi'an's
totals: 12.44 million residents, 5,077 sites, 11,669 tables). Run from the repository's root:

    .venv/bin/python scenarios/places/generate.py

It rewrites scenarios/places/*/compounds.csv and sites.csv; the scenarios beside them name these files.
Street networks (places.network) are generated too, as OpenStreetMap does it: ways of nodes with a
`highway` class, written as .osm.pbf through pyosmium's writer (`pip install 'natsim[streets]'`) and
as GeoJSON lines: a small river town (a river with two bridges, a walled compound with one gate) and a
street grid for the county town (a river crossed by three bridges, main roads every 750 m).
"""

from __future__ import annotations

import csv
import heapq
import math
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
KM_LAT = 111.32  # km per degree of latitude


def _lonlat(center: tuple[float, float], dx_km: np.ndarray, dy_km: np.ndarray) -> np.ndarray:
    lon0, lat0 = center
    return np.column_stack((lon0 + dx_km / (KM_LAT * math.cos(math.radians(lat0))), lat0 + dy_km / KM_LAT))


def _write(folder: Path, name: str, columns: list[str], rows: list[list]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / name).open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for row in rows:
            w.writerow([f"{v:.6f}" if isinstance(v, float) else v for v in row])


def _nearest(points: np.ndarray, sites: np.ndarray) -> np.ndarray:
    from scipy.spatial import cKDTree

    return cKDTree(sites).query(points)[1]


def county_town() -> None:
    """16 communities of 12 compounds (192), 8,507 stairwells, about 176,000 residents; 64 open sites
    (four per community, at the middle of three compounds each) and 236 more candidate sites."""
    rng = np.random.default_rng(192)
    center = (120.945, 30.525)
    ring = [(0.0, 0.0)] + [
        (1.6 * math.cos(a), 1.6 * math.sin(a)) for a in np.linspace(0, 2 * math.pi, 6, endpoint=False)
    ]
    ring += [(3.1 * math.cos(a + 0.3), 3.1 * math.sin(a + 0.3)) for a in np.linspace(0, 2 * math.pi, 9, endpoint=False)]
    stairwells = rng.multinomial(8507 - 192 * 20, np.full(192, 1 / 192)) + 20
    compounds, sites = [], []
    for k, (cx, cy) in enumerate(ring):
        angle = np.sort(rng.uniform(0, 2 * math.pi, 12))
        r = 0.25 + rng.gamma(2.0, 0.15, 12)
        xy = np.column_stack((cx + r * np.cos(angle), cy + r * np.sin(angle)))
        ll = _lonlat(center, xy[:, 0], xy[:, 1])
        for j in range(12):
            i = 12 * k + j
            compounds.append([f"C{k + 1:02d}-{j + 1:02d}", ll[j, 0], ll[j, 1], int(round(stairwells[i] * 20.7))])
        for q in range(4):  # a site in the middle of each three neighbouring compounds
            mid = ll[3 * q : 3 * q + 3].mean(axis=0)
            sites.append([f"S{k + 1:02d}-{q + 1}", mid[0], mid[1], 5, "county", "", "true", 8])
    r = 4.2 * np.sqrt(rng.random(236))
    a = rng.uniform(0, 2 * math.pi, 236)
    extra = _lonlat(center, r * np.cos(a), r * np.sin(a))
    sites += [[f"K{i + 1:03d}", x, y, 0, "county", "", "true", 8] for i, (x, y) in enumerate(extra)]
    folder = HERE / "county-town"
    _write(folder, "compounds.csv", ["name", "lon", "lat", "residents"], compounds)
    _write(folder, "sites.csv", ["name", "lon", "lat", "tables", "lab", "group", "candidate", "max_tables"], sites)


def rural_county() -> None:
    """A county seat and five roads; 15 townships; 300 villages within a few km of the roads; 95 open sites
    (one per township, one per three or four villages); one lab at the county seat."""
    rng = np.random.default_rng(300)
    center = (116.45, 36.55)
    roads = [(a, length) for a, length in zip(np.radians([15, 85, 160, 230, 310]), [48, 38, 55, 42, 45], strict=True)]
    compounds, village_xy, sites = [], [], []
    for road, (angle, length) in enumerate(roads):
        along = np.sort(rng.uniform(3, length, 60))
        off = rng.normal(0, 1.4, 60)
        x = along * math.cos(angle) - off * math.sin(angle)
        y = along * math.sin(angle) + off * math.cos(angle)
        ll = _lonlat(center, x, y)
        people = np.round(rng.lognormal(math.log(800), 0.5, 60)).astype(int)
        for j in range(60):
            compounds.append([f"R{road + 1}-V{j + 1:02d}", ll[j, 0], ll[j, 1], int(people[j])])
            village_xy.append(ll[j])
        for t, d in enumerate((12, 25, 38)):  # townships along the road
            if d < length:
                tl = _lonlat(center, np.array([d * math.cos(angle)]), np.array([d * math.sin(angle)]))[0]
                sites.append([f"T{road + 1}-{t + 1}", tl[0], tl[1], 4, "", "townships", "true", 6])
        for j in range(2, 60, 4):  # a village committee's site for every four villages
            sites.append([f"R{road + 1}-S{j // 4 + 1:02d}", ll[j, 0], ll[j, 1], 3, "", "villages", "true", 4])
    _write(HERE / "rural-county", "compounds.csv", ["name", "lon", "lat", "residents"], compounds)
    _write(
        HERE / "rural-county",
        "sites.csv",
        ["name", "lon", "lat", "tables", "lab", "group", "candidate", "max_tables"],
        sites,
    )


def large_city() -> None:
    """40,000 compounds holding 12.44 million residents, density falling from the centre, two satellite
    towns; 5,077 sites where the residents are, sharing 11,669 tables (as Xi'an reported) in proportion to
    their residents; three labs, each serving a district."""
    rng = np.random.default_rng(2021)
    center = (108.94, 34.26)
    n = 40_000
    town = rng.random(n)
    r = np.where(town < 0.9, rng.gamma(1.6, 3.2, n), rng.gamma(2.0, 0.8, n))
    a = rng.uniform(0, 2 * math.pi, n)
    ox = np.where(town < 0.9, 0.0, np.where(town < 0.95, 24.0, -18.0))
    oy = np.where(town < 0.9, 0.0, np.where(town < 0.95, 14.0, -12.0))
    xy = np.column_stack((ox + r * np.cos(a), oy + r * np.sin(a)))
    people = rng.lognormal(math.log(280), 0.6, n)
    people = np.round(people * 12_440_000 / people.sum()).astype(int)
    ll = _lonlat(center, xy[:, 0], xy[:, 1])
    # Sites where residents live: start at compounds drawn by population, then a few weighted k-means
    # steps so that each site's catchment is about as large as its neighbours' (as a city's planners
    # spread points by population).
    s_xy = xy[rng.choice(n, 5077, replace=False, p=people / people.sum())]
    for _ in range(12):
        near = _nearest(xy, s_xy)
        mass = np.bincount(near, weights=people, minlength=5077)
        has = mass > 0
        for d in (0, 1):
            s_xy[has, d] = np.bincount(near, weights=people * xy[:, d], minlength=5077)[has] / mass[has]
    served = np.bincount(_nearest(xy, s_xy), weights=people, minlength=5077)
    # 11,669 tables in all, as Xi'an reported: one each, then one at a time to the site with the most
    # residents per table, as planners give a busier site more tables.
    tables = np.ones(5077, int)
    heap = [(-served[i], i) for i in range(5077)]
    heapq.heapify(heap)
    for _ in range(11_669 - 5077):
        _, i = heapq.heappop(heap)
        tables[i] += 1
        heapq.heappush(heap, (-served[i] / tables[i], i))
    # Labs by district, as the city assigned them: the inner city to the central lab, the outer ring
    # (and the satellite towns) to the county lab, the rest to the south lab; the same counts of points
    # as the Xi'an example's three groups (1,515, 2,562, 1,000).
    ring = np.argsort(np.hypot(s_xy[:, 0], s_xy[:, 1]))
    lab = np.empty(5077, object)
    lab[ring[:1515]], lab[ring[1515:4077]], lab[ring[4077:]] = "central", "south", "county"
    sl = _lonlat(center, s_xy[:, 0], s_xy[:, 1])
    compounds = [[f"c{i + 1:05d}", ll[i, 0], ll[i, 1], int(people[i])] for i in range(n)]
    sites = [[f"s{i + 1:04d}", sl[i, 0], sl[i, 1], int(tables[i]), lab[i]] for i in range(5077)]
    _write(HERE / "xian-city", "compounds.csv", ["name", "lon", "lat", "residents"], compounds)
    _write(HERE / "xian-city", "sites.csv", ["name", "lon", "lat", "tables", "lab"], sites)


def large_city_candidates() -> None:
    """Candidate sites for siting the large city (about 8,000): its 5,077 sites (up to 8 tables each) and
    3,000 more venues (schools, squares; up to 6 tables) at compounds drawn by population, 50-150 m off;
    each new venue's lab is its nearest site's. Read from the city's files, so the city stays as it is."""

    folder = HERE / "xian-city"
    with (folder / "sites.csv").open() as f:
        old = list(csv.DictReader(f))
    with (folder / "compounds.csv").open() as f:
        comps = list(csv.DictReader(f))
    rng = np.random.default_rng(8077)
    people = np.array([float(c["residents"]) for c in comps])
    c_ll = np.array([[float(c["lon"]), float(c["lat"])] for c in comps])
    s_ll = np.array([[float(s["lon"]), float(s["lat"])] for s in old])
    pick = rng.choice(len(comps), 3000, replace=False, p=people / people.sum())
    off, angle = rng.uniform(50, 150, 3000), rng.uniform(0, 2 * math.pi, 3000)
    kx = 111.32 * math.cos(math.radians(34.26))  # km per degree of longitude here
    new = c_ll[pick] + np.column_stack((off * np.cos(angle) / 1000 / kx, off * np.sin(angle) / 1000 / 111.32))
    near = _nearest(new * [kx, 111.32], s_ll * [kx, 111.32])
    rows = [[s["name"], s["lon"], s["lat"], s["tables"], s["lab"], "true", 8] for s in old]
    rows += [
        [f"v{i + 1:04d}", f"{x:.6f}", f"{y:.6f}", 0, old[near[i]]["lab"], "true", 6] for i, (x, y) in enumerate(new)
    ]
    _write(folder, "candidates.csv", ["name", "lon", "lat", "tables", "lab", "candidate", "max_tables"], rows)


class _Ways:
    """Ways in metres from a centre; nodes shared where ways share a point (as OSM's node ids)."""

    def __init__(self, center: tuple[float, float]):
        self.center, self.ways, self.nodes = center, [], {}

    def add(self, points: list[tuple[float, float]], **tags: str) -> None:
        ids = []
        for x, y in points:
            key = (round(x, 3), round(y, 3))
            ids.append(self.nodes.setdefault(key, len(self.nodes) + 1))
        self.ways.append((ids, tags))

    def line(self, a: tuple[float, float], b: tuple[float, float], step: float, **tags: str) -> None:
        """A straight way from a to b with a node every `step` metres (where crossing streets join it)."""
        n = max(1, round(math.hypot(b[0] - a[0], b[1] - a[1]) / step))
        self.add([(a[0] + (b[0] - a[0]) * k / n, a[1] + (b[1] - a[1]) * k / n) for k in range(n + 1)], **tags)

    def lonlat(self) -> dict[int, tuple[float, float]]:
        xy = np.array(list(self.nodes), float)
        ll = _lonlat(self.center, xy[:, 0] / 1000, xy[:, 1] / 1000)
        return {
            i: (round(float(lon), 7), round(float(lat), 7))
            for i, (lon, lat) in zip(self.nodes.values(), ll, strict=True)
        }

    def write(self, folder: Path, stem: str, geojson: bool = True) -> None:
        import json

        import osmium
        from osmium.osm.mutable import Node, Way

        where = self.lonlat()
        pbf = folder / f"{stem}.osm.pbf"
        pbf.unlink(missing_ok=True)
        with osmium.SimpleWriter(str(pbf)) as w:
            for i in sorted(where):
                w.add_node(Node(id=i, location=where[i], version=1))
            for k, (ids, tags) in enumerate(self.ways, start=1):
                w.add_way(Way(id=k, nodes=ids, tags=tags, version=1))
        if not geojson:
            return
        features = [
            {
                "type": "Feature",
                "properties": tags,
                "geometry": {"type": "LineString", "coordinates": [where[i] for i in ids]},
            }
            for ids, tags in self.ways
        ]
        text = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
        (folder / f"{stem}.geojson").write_text(text + "\n")


RIVER_TOWN = (120.70, 30.75)


def river_town() -> None:
    """A 2 km town, streets every 100 m, a river at y = 1,000 m crossed by two bridges (x = 300 and
    1,700 m), a walled compound (x 800-1,200, y 1,300-1,700) whose footways meet the streets at one gate
    (x = 1,000, y = 1,300); compounds and four sites; written as streets.osm.pbf and streets.geojson."""
    ways = _Ways(RIVER_TOWN)
    walled = (800, 1200, 1300, 1700)

    def inside(x: float, y: float) -> bool:
        return walled[0] <= x <= walled[1] and walled[2] <= y <= walled[3]

    for k in range(21):
        v = 100.0 * k
        kind = "primary" if k in (0, 10, 20) else "residential"
        for y0, y1 in ((0.0, 950.0), (1050.0, 2000.0)):  # north-south streets stop at the river's banks
            pts = [(v, y) for y in np.arange(y0, y1 + 1, 50.0) if not inside(v, y) or v in (walled[0], walled[1])]
            runs = _runs(pts, 50.0)
            for run in runs:
                ways.add(run, highway=kind)
        for y in (v,):  # east-west streets, except the river's two banks, the wall's inside
            if 950 < y < 1050:
                continue
            pts = [(x, y) for x in np.arange(0.0, 2001, 50.0) if not inside(x, y) or y in (walled[2], walled[3])]
            for run in _runs(pts, 50.0):
                ways.add(run, highway="secondary" if k == 15 else kind)
    for y in (950.0, 1050.0):
        ways.line((0, y), (2000, y), 50, highway="footway")  # the river's banks
    for x in (300.0, 1700.0):
        ways.line((x, 950), (x, 1050), 50, highway="residential", bridge="yes")
    # The wall: its four sides are not streets (drawn as footways would open it), only the gate joins.
    ways.line((1000, 1300), (1000, 1500), 50, highway="footway", name="gate path")
    ways.line((850, 1500), (1150, 1500), 50, highway="footway")
    ways.line((1000, 1250), (1000, 1300), 50, highway="footway", name="gate")
    ways.add([(1200, 1100), (1200, 1150), (1200, 1200)], highway="residential", oneway="yes")  # a one-way street north
    folder = HERE / "river-town"
    folder.mkdir(exist_ok=True)
    ways.write(folder, "streets")
    rng = np.random.default_rng(31)
    xy = [(float(x), float(y)) for x, y in rng.uniform([50, 50], [1950, 1950], (40, 2)) if not 930 < y < 1070]
    xy = [(x, y) for x, y in xy if not inside(x, y)] + [(1000.0, 1450.0)]  # the last: inside the wall
    ll = _lonlat(RIVER_TOWN, np.array([p[0] for p in xy]) / 1000, np.array([p[1] for p in xy]) / 1000)
    people = rng.integers(100, 500, len(xy))
    names = [f"R{i + 1:02d}" for i in range(len(xy) - 1)] + ["walled"]
    _write(
        folder,
        "compounds.csv",
        ["name", "lon", "lat", "residents"],
        [[n, f"{a:.6f}", f"{b:.6f}", int(p)] for n, (a, b), p in zip(names, ll, people, strict=True)],
    )
    s_xy = np.array([(500.0, 500.0), (1500.0, 600.0), (600.0, 1600.0), (1500.0, 1500.0)])
    sl = _lonlat(RIVER_TOWN, s_xy[:, 0] / 1000, s_xy[:, 1] / 1000)
    _write(
        folder,
        "sites.csv",
        ["name", "lon", "lat", "tables"],
        [[f"S{i + 1}", f"{a:.6f}", f"{b:.6f}", 6] for i, (a, b) in enumerate(sl)],
    )


def _runs(points: list[tuple[float, float]], step: float) -> list[list[tuple[float, float]]]:
    """Consecutive points no more than `step` apart, as separate ways (a street broken by a wall)."""
    runs: list[list[tuple[float, float]]] = []
    for p in points:
        if runs and math.hypot(p[0] - runs[-1][-1][0], p[1] - runs[-1][-1][1]) <= step + 1e-6:
            runs[-1].append(p)
        else:
            runs.append([p])
    return [r for r in runs if len(r) > 1]


def county_town_streets() -> None:
    """Streets under the county town: a grid every 150 m over 9 km, main roads every 750 m, a river from
    west to east at y = -375 m with three bridges; written as county-town/streets.osm.pbf."""
    ways = _Ways((120.945, 30.525))
    half, step, river = 4800.0, 150.0, -375.0
    for k, v in enumerate(np.arange(-half, half + 1, step)):
        kind = "primary" if k % 5 == 0 else "residential"
        bridge = k in (12, 32, 52)
        if bridge:
            ways.line((v, -half), (v, half), step / 2, highway=kind)
        else:
            ways.line((v, -half), (v, river - 75), step / 2, highway=kind)
            ways.line((v, river + 75), (v, half), step / 2, highway=kind)
        if abs(v - river) >= 75:
            ways.line((-half, v), (half, v), step / 2, highway=kind)
    ways.write(HERE / "county-town", "streets", geojson=False)


if __name__ == "__main__":
    county_town()
    rural_county()
    large_city()
    large_city_candidates()
    river_town()
    county_town_streets()
    print("wrote", ", ".join(str(p.relative_to(HERE)) for p in sorted(HERE.glob("*/*.csv"))))
