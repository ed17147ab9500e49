"""Routing the Xi'an map's 5,077 sites for its three labs (`routes: auto`, OR-Tools), against the sweep
it starts from: loops needed and planned driving, and the time it took. Run:

    .venv/bin/python benchmarks/routes.py [TIME_LIMIT_S]
    nice .venv/bin/python benchmarks/routes.py --pair   # the map with routes against dedicated trips
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from sim.core.routing import Network, peak_tubes, solve, sweep, too_far
from sim.scenario.load import load_scenario
from sim.scenario.places.map import drive_matrix

ROOT = Path(__file__).resolve().parents[1]
MAX_LOOP, CAPACITY, STOPS = 6 * 3600.0, 2000, 12  # the county lab is up to 50 km from its farthest sites


def main(time_limit: float) -> None:
    loaded = load_scenario(ROOT / "scenarios" / "xian-on-a-map.yaml")
    sc, m = loaded.spec, loaded.places_map
    residents = np.array([m.compound_residents[m.served(s)].sum() for s in range(len(m.site_names))], float)
    demand = peak_tubes(
        residents, sc.arrivals.turnout, sc.sampling.pool_size, sc.arrivals.profile, sc.transport.pickup_interval
    )
    total = {"sweep": [0, 0.0], "solver": [0, 0.0]}
    began = time.perf_counter()
    for lab, name in enumerate(m.lab_names):
        sites = m.open_sites[m.site_lab[m.open_sites] == lab]
        net = Network(lab, sites, drive_matrix(m, lab, sites), demand[sites])
        assert not too_far(net, MAX_LOOP), name
        t0 = time.perf_counter()
        first = sweep(net, MAX_LOOP, CAPACITY, STOPS)
        loops, how = solve(net, MAX_LOOP, CAPACITY, STOPS, time_limit * sites.size / m.open_sites.size)
        took = time.perf_counter() - t0
        for key, found in (("sweep", first), ("solver", loops)):
            total[key][0] += len(found)
            total[key][1] += sum(x.seconds for x in found)
        print(
            f"{name}: {sites.size} sites; sweep {len(first)} loops, {sum(x.seconds for x in first) / 3600:,.0f} h "
            f"driving; "
            f"routing ({how}) {len(loops)} loops, {sum(x.seconds for x in loops) / 3600:,.0f} h; {took:.1f} s"
        )
    print(
        f"all labs: sweep {total['sweep'][0]} loops, {total['sweep'][1] / 3600:,.0f} h; routing {total['solver'][0]} "
        f"loops, "
        f"{total['solver'][1] / 3600:,.0f} h; {time.perf_counter() - began:.1f} s in all"
    )


def main_pair() -> None:
    """Issue 26: courier routes on the fast path. Target: the Xi'an map with routes within 1.2x the same map
    with dedicated trips (one replication each, fresh processes, after the kernels are compiled)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from run import measure, pair

    # The kernels compiled before timing (a small round such as the quickstart compiles nothing).
    measure("replication", str(ROOT / "scenarios" / "xian-on-a-map.yaml"))
    a, b, x = pair("xian-on-a-map.yaml", "xian-on-a-map-routes.yaml", runs=3, kind="replication")  # not routing
    print(
        f"Xi'an map, dedicated trips {a['seconds']:.1f} s (runs {a['runs']}); with routes {b['seconds']:.1f} s "
        f"(runs {b['runs']}); ratio of the medians {x:.2f}x (target 1.2x)"
    )


if __name__ == "__main__":
    if "--pair" in sys.argv:
        main_pair()
    else:
        main(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0)
