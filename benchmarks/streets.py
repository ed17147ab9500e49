"""Streets (places.network): walks within the standard at city scale, and what a network costs a run.

    nice .venv/bin/python benchmarks/streets.py

1. A generated street grid of about 1 million edges (longitude/latitude around Xi'an, 100 m apart),
   100,000 compounds and 20,000 sites: the networks built, every place snapped, the walks within the
   15-minute standard from every site (`StreetMap.within`) and the nearest open site of every compound
   (`StreetMap.nearest`). Seconds and peak memory (tracemalloc, which sees numpy's and scipy's arrays)
   are reported; the target is under 60 s for the walks.
2. scenarios/xian-on-a-map.yaml loaded and run for one replication, with and without a generated street
   grid under it (150 m apart over the whole map, written as .osm.pbf by pyosmium): each in a fresh
   process, once each; the ratio of load + replication is reported (target 1.5x).
"""

from __future__ import annotations

import math
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CENTRE = (108.94, 34.26)
KM_LAT = 111.32

CHILD = """
import sys, time
t = time.perf_counter()
from sim.engine.replication import run_replication
from sim.engine.timeline import Grid
from sim.scenario.build import build_round
from sim.scenario.load import load_scenario
rnd = build_round(load_scenario(sys.argv[1]))
loaded = time.perf_counter() - t
run_replication(rnd.with_(groups=rnd.groups[:2]), 0)  # compile the kernels outside the timing
t = time.perf_counter()
run_replication(rnd, 0, Grid.for_round(rnd))
print(loaded, time.perf_counter() - t, time.process_time())
"""


def grid_streets(nx: int, ny: int, step: float, centre=CENTRE):
    """A street grid of nx x ny nodes `step` metres apart (every 10th line a primary road) as Streets."""
    from sim.core import geo
    from sim.scenario.places.streets import CLASSES, Streets

    kx = KM_LAT * 1000 * math.cos(math.radians(centre[1]))
    ix, iy = np.meshgrid(np.arange(nx), np.arange(ny))
    x, y = (ix.ravel() - nx / 2) * step, (iy.ravel() - ny / 2) * step
    xy = np.column_stack((centre[0] + x / kx, centre[1] + y / (KM_LAT * 1000)))
    k = np.arange(nx * ny).reshape(ny, nx)
    u = np.concatenate([k[:, :-1].ravel(), k[:-1, :].ravel()])
    v = np.concatenate([k[:, 1:].ravel(), k[1:, :].ravel()])
    main = np.concatenate([(iy[:, :-1] % 10 == 0).ravel(), (ix[:-1, :] % 10 == 0).ravel()])
    cls = np.where(main, CLASSES.index("primary"), CLASSES.index("residential"))
    ones = np.ones(len(u), bool)
    return Streets(xy, u, v, cls, geo.distance(xy[u], xy[v], True), ~ones, ones, ones, 2 * (nx + ny))


def walks_at_scale() -> dict:
    from sim.core.speeds import parse_speed
    from sim.scenario.places.street_map import street_map

    rng = np.random.default_rng(31)
    streets = grid_streets(708, 708, 100.0)  # 501,264 nodes, 1,000,464 edges over 70 km
    spread = 70_000 / 6 / 1000  # km: most places within the grid

    def places(n):
        dx, dy = np.clip(rng.normal(0, spread, (2, n)), -34, 34)
        return np.column_stack((CENTRE[0] + dx / (KM_LAT * math.cos(math.radians(CENTRE[1]))), CENTRE[1] + dy / KM_LAT))

    compounds, sites = places(100_000), places(20_000)
    walk, drive = parse_speed("4km/h"), parse_speed("30km/h")
    tracemalloc.start()
    c0, t0 = time.process_time(), time.perf_counter()
    sm = street_map(
        streets,
        True,
        streets.speeds("walk", walk, {}),
        streets.speeds("drive", drive, {}),
        (walk, drive),
        compounds,
        sites,
        {},
    )
    c1, t1 = time.process_time(), time.perf_counter()
    within = sm.within(900.0)
    c2, t2 = time.process_time(), time.perf_counter()
    assigned, seconds = sm.nearest(np.ones(len(sites), bool))
    c3, t3 = time.process_time(), time.perf_counter()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "edges": len(streets.u),
        "nodes": len(streets.xy),
        "build_and_snap_s": t1 - t0,
        "within_standard_s": t2 - t1,
        "pairs": len(within.compound),
        "nearest_s": t3 - t2,
        "cpu": (c1 - c0, c2 - c1, c3 - c2),
        "assigned": int(np.sum(assigned >= 0)),
        "peak_mb": peak / 2**20,
    }


def xian_with_streets(folder: Path) -> Path:
    """The Xi'an map's scenario with a 150 m street grid under it, written as .osm.pbf."""
    import osmium
    from osmium.osm.mutable import Node, Way

    streets = grid_streets(540, 420, 150.0, centre=(108.97, 34.27))  # 81 km x 63 km
    pbf = folder / "xian-grid.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as w:
        for i, (lon, lat) in enumerate(streets.xy, start=1):
            w.add_node(Node(id=i, location=(float(lon), float(lat)), version=1))
        nx, ny = 540, 420
        k = np.arange(nx * ny).reshape(ny, nx) + 1
        lines = [(k[j], j) for j in range(ny)] + [(k[:, i], i) for i in range(nx)]
        for way, (ids, index) in enumerate(lines, start=1):
            tags = {"highway": "primary" if index % 10 == 0 else "residential"}
            w.add_way(Way(id=way, nodes=ids.tolist(), tags=tags, version=1))
    text = (ROOT / "scenarios" / "xian-on-a-map.yaml").read_text()
    text = text.replace("places/xian-city/", str(ROOT / "scenarios" / "places" / "xian-city") + "/")
    driving = "  driving: {speed: 30km/h, detour: 1.4, cv: 0.25}"
    text = text.replace(driving, f"{driving}\n  network: {pbf}")
    out = folder / "xian-streets.yaml"
    out.write_text(text)
    return out


def timed(path: Path) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True, cwd=ROOT)
    load, rep, cpu = out.stdout.strip().splitlines()[-1].split()
    print(
        f"  {path.name}: load {float(load):.1f} s, replication {float(rep):.1f} s wall; {float(cpu):.1f} CPU s in all"
    )
    return float(load), float(rep)


def main() -> None:
    a = walks_at_scale()
    print(
        f"{a['edges']:,} edges, {a['nodes']:,} nodes; 100,000 compounds, 20,000 sites: networks built and places "
        f"snapped "
        f"{a['build_and_snap_s']:.1f} s; walks within 15 min from every site {a['within_standard_s']:.1f} s "
        f"({a['pairs']:,} pairs; target under 60 s); nearest open site {a['nearest_s']:.1f} s "
        f"({a['assigned']:,} assigned); peak memory {a['peak_mb']:,.0f} MB"
    )
    print(
        "  the same in CPU seconds of this process (wall time counts other programs on a shared machine): "
        + ", ".join(f"{x:.1f} s" for x in a["cpu"])
    )
    with tempfile.TemporaryDirectory() as tmp:
        with_streets = xian_with_streets(Path(tmp))
        plain = ROOT / "scenarios" / "xian-on-a-map.yaml"
        # A first run compiles the engine's kernels on a fresh machine (numba's cache): not a network's cost.
        print("  warm-up (compiles on a fresh machine; not counted):")
        timed(plain)
        lw, rw = timed(with_streets)
        lo, ro = timed(plain)
    w, wo = lw + rw, lo + ro
    print(
        f"xian-on-a-map, load + one replication: {w:.1f} s on streets (load {lw:.1f} s, replication {rw:.1f} s), "
        f"{wo:.1f} s in straight lines (load {lo:.1f} s, replication {ro:.1f} s): {w / wo:.2f}x (target 1.5x)"
    )


if __name__ == "__main__":
    main()
