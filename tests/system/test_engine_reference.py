"""The array engine against the per-resident SimPy reference model, in distribution.

Each scenario runs N replications in both models (independent random numbers); for every figure,
Welch's t-test on the two sets of replications must not reject equal means at level ALPHA. The
tolerance so comes from the replication spread, with the small-sample uncertainty of that spread
accounted for. Fixed seeds make the test deterministic; the power checks below show that real rule
changes (pool size, plate size, pauses) are caught at the same level.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from reference_model import run_reference
from scipy import stats

from sim.engine.figures import WALK_METRICS
from sim.engine.replication import run_replication
from sim.report.summary import METRICS
from sim.scenario.build import build_round, round_from_text
from sim.scenario.load import load_scenario
from sim.scenario.round import Round

N = 16
ALPHA = 1e-4
POISSON_COUNTS = ("positives",)
# Every summary figure but the extremes (max wait, p95 turnaround, latest identification), whose
# replication-to-replication spread is too wide for 16 replications to say much.
COMPARED = tuple(m for m in METRICS if m not in ("wait_max_min", "turnaround_p95_h", "identified_max_h")) + (
    "diverted",
    "pickup_wait_mean_h",
)

PLAIN = """
name: plain FCFS, no shifts
deadline: 10h
arrivals:
  profile: [[0h, 1], [4h, 0]]
sampling:
  service_time: {dist: exponential, mean: 60s}
  pool_size: 10
points:
  - {name: a, count: 2, residents: 600, tables: 2, lab: lab1, travel_time: {dist: uniform, low: 5m, high: 15m}}
transport: {pickup_interval: 30m, box_capacity: 20, vehicles: {lab1: 2}}
labs:
  - {name: lab1, extractors: 2, pcr_machines: 2, plate_size: 24, extraction_time: 20m, pcr_time: 30m,
     max_plate_wait: 20m, report_delay: 5m}
"""

SHIFTS_POSITIVES = """
name: staggered shifts and positives
deadline: 10h
arrivals:
  profile: [[0h, 2], [1h, 3], [3h, 1], [5h, 0]]
sampling:
  service_time: {dist: lognormal, mean: 40s, sd: 15s}
  pool_size: 5
  shifts: {length: 1h, handover: 15m, stagger: true}
points:
  - {name: a, count: 3, residents: 500, tables: 2, lab: lab1,
     travel_time: {dist: triangular, low: 5m, mode: 10m, high: 20m}}
transport: {pickup_interval: 45m, box_capacity: 10, vehicles: {lab1: 2}}
labs:
  - {name: lab1, extractors: 2, pcr_machines: 3, plate_size: 20, extraction_time: {dist: uniform, low: 15m, high: 25m},
     pcr_time: 30m, max_plate_wait: 15m, report_delay: 10m}
positives: {prevalence: 0.01, recall_delay: 30m}
"""

EARLY_QUEUE_TWO_LABS = """
name: early queue, shifts without stagger, two labs
deadline: 12h
arrivals:
  turnout: 0.9
  profile: [[-30m, 3], [0h, 2], [2h, 1], [4h, 0]]
sampling:
  open: 0h
  service_time: {dist: gamma, mean: 45s, sd: 20s}
  pool_size: 10
  shifts: {length: 1.5h, handover: 20m}
points:
  - {name: north, count: 2, residents: 450, tables: 2, lab: n,
     travel_time: {dist: triangular, low: 10m, mode: 15m, high: 30m}}
  - {name: south, count: 1, residents: 700, tables: 3, lab: s, travel_time: 20m}
transport: {pickup_interval: 1h, box_capacity: 15, vehicles: {n: 1, s: 1}}
labs:
  - {name: n, extractors: 1, pcr_machines: 1, plate_size: 30, extraction_time: 25m, pcr_time: 45m, max_plate_wait: 30m}
  - {name: s, extractors: 1, pcr_machines: 2, plate_size: 30, extraction_time: 25m,
     pcr_time: {dist: exponential, mean: 40m},
     max_plate_wait: 30m, report_delay: 15m}
positives: {prevalence: 0.005, recall_delay: 1h}
"""


NETWORK = """
name: "a lab network: the city lab sends on by trunk when 2 hours of work wait"
deadline: 14h
arrivals:
  profile: [[0h, 3], [2h, 1], [4h, 0]]
sampling:
  service_time: {dist: exponential, mean: 40s}
  pool_size: 5
points:
  - {name: a, count: 3, residents: 700, tables: 3, lab: city, travel_time: {dist: uniform, low: 10m, high: 20m}}
  - {name: b, count: 1, residents: 500, tables: 2, lab: town, travel_time: 15m}
transport: {pickup_interval: 30m, box_capacity: 20, vehicles: {city: 3, town: 1}}
labs:
  - {name: city, extractors: 1, pcr_machines: 2, plate_size: 24, extraction_time: {dist: uniform, low: 25m, high: 35m},
     pcr_time: 40m, max_plate_wait: 15m, report_delay: 5m,
     overflow: {when: 2h, to: [town, far], trunk: {travel_time: {dist: triangular, low: 40m, mode: 50m, high: 70m},
     every: 1h, capacity: 60}}}
  - {name: town, extractors: 1, pcr_machines: 1, plate_size: 24, extraction_time: 30m, pcr_time: 40m,
     max_plate_wait: 15m,
     overflow: {when: 40 tubes, to: [far], trunk: {travel_time: 2h, every: 2h, capacity: 500}}}
  - {name: far, extractors: 2, pcr_machines: 2, plate_size: 24, extraction_time: 30m, pcr_time: 40m,
     max_plate_wait: 15m,
     external: true}
positives: {prevalence: 0.01, recall_delay: 30m}
"""

PLACES = """
name: a town on a map
deadline: 12h
arrivals:
  turnout: 0.9
  profile: [[0h, 3], [1h, 2], [3h, 1], [4h, 0]]
sampling:
  service_time: {dist: exponential, mean: 50s}
  pool_size: 10
  shifts: {length: 1h, handover: 10m, stagger: true}
places:
  coordinates: metres
  compounds: compounds.csv
  sites: sites.csv
  labs: {near: [0, 3000], far: [8000, 0]}
  walking: {speed: 4km/h, detour: 1.3, standard: 12m}
  driving: {speed: 30km/h, detour: 1.4, cv: 0.3, matrix: travel.csv}
transport: {pickup_interval: 40m, box_capacity: 20, vehicles: {near: 2, far: 1}}
labs:
  - {name: near, extractors: 2, pcr_machines: 2, plate_size: 24, extraction_time: 20m, pcr_time: 30m,
     max_plate_wait: 20m}
  - {name: far, extractors: 1, pcr_machines: 2, plate_size: 24, extraction_time: 20m, pcr_time: 30m,
     max_plate_wait: 20m}
"""
PLACES_FILES = {
    "compounds.csv": "name,x,y,residents\nA,0,0,300\nB,600,200,250\nC,1500,0,400\nD,1500,1400,200\n"
    "E,3000,500,350\nF,2900,900,150\n",
    "sites.csv": "name,x,y,tables,lab\nS1,200,100,2,\nS2,1600,700,2,\nS3,3000,700,1,far\nS4,9000,9000,0,\n",
    "travel.csv": "from,to,minutes\nS2,near,25\nfar,S2,40\n",
}


def places_round(folder, routes: str | None = None) -> Round:
    """The town; with `routes` (routes.csv's text), couriers drive loops through its sites (R1)."""
    for name, text in PLACES_FILES.items():
        (folder / name).write_text(text)
    text = PLACES
    if routes is STREETS:
        text = text.replace("matrix: travel.csv}", "matrix: travel.csv}\n  network: streets.geojson")
        street_grid(folder)
    elif routes is not None:
        (folder / "routes.csv").write_text(routes)
        text = text.replace("vehicles: {near: 2, far: 1}}", "vehicles: {near: 2, far: 1}, routes: {file: routes.csv}}")
    (folder / "town.yaml").write_text(text)
    return build_round(load_scenario(folder / "town.yaml"))


ROUTES = "route,vehicles,lab,stops,capacity\nloop,1,near,S2;S1,60\n"
STREETS = "streets"  # the town walking and driving on a street grid (places.network, P2n and P5n)


def street_grid(folder) -> str:
    """A grid every 200 m over 3.2 km (residential), the row y = 0 a primary road on to the far lab, one
    one-way street; GeoJSON in metres. Returns the file's name."""
    import json

    feats = []
    for k in range(17):
        v = 200.0 * k
        cls = "primary" if k == 0 else "residential"
        row = [[200.0 * j, v] for j in range(17)] + ([[3200.0 + 400 * j, 0.0] for j in range(1, 13)] if k == 0 else [])
        feats.append({"properties": {"highway": cls}, "geometry": {"type": "LineString", "coordinates": row}})
        column = [[v, 200.0 * j] for j in range(17)]
        feats.append(
            {"properties": {"highway": "residential"}, "geometry": {"type": "LineString", "coordinates": column}}
        )
    service = [[0.0, 0.0], [200.0, 200.0]]
    feats.append(
        {
            "properties": {"highway": "service", "oneway": "yes"},
            "geometry": {"type": "LineString", "coordinates": service},
        }
    )
    footway = [[1400, 0], [1500, 0], [1500, 1400], [1600, 1400]]
    feats.append({"properties": {"highway": "footway"}, "geometry": {"type": "LineString", "coordinates": footway}})
    text = json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", **f} for f in feats]})
    (folder / "streets.geojson").write_text(text)
    return "streets.geojson"


def _engine(rnd: Round) -> list[dict]:
    """Each replication's metrics, and the tubes sent on by trunk (docs/labs.md, L1)."""
    reps = [run_replication(rnd, rep) for rep in range(N)]
    return [r.metrics | {"diverted": r.metrics["tubes_sent_on"]} for r in reps]


def _reference(rnd: Round, network=None) -> list[dict]:
    return [run_reference(rnd, 10_000 + rep, network) for rep in range(N)]


def disagreements(a: list[dict], b: list[dict]) -> list[str]:
    """Figures whose means differ significantly (or at all, if neither varies)."""
    out = []
    for k in COMPARED + tuple(k for k in WALK_METRICS if k in a[0]):
        x = np.array([m[k] for m in a if m.get(k) is not None], float)
        y = np.array([m[k] for m in b if m.get(k) is not None], float)
        if x.size < 2 or y.size < 2:
            if x.size != y.size:
                out.append(f"{k}: present in {x.size} vs {y.size} replications")
            continue
        se = math.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size)
        if se == 0.0:
            if not math.isclose(x.mean(), y.mean(), rel_tol=1e-6, abs_tol=1e-9):  # walks are kept as float32
                out.append(f"{k}: engine {x.mean():.4g} vs reference {y.mean():.4g}, neither varies")
            continue
        if k in POISSON_COUNTS:
            # Rare-event counts: the exact conditional test of two Poisson rates, since a handful of
            # replications says little about their spread.
            p = stats.binomtest(int(x.sum()), int(x.sum() + y.sum()), x.size / (x.size + y.size)).pvalue
        else:
            p = stats.ttest_ind(x, y, equal_var=False).pvalue
        if p < ALPHA:
            out.append(f"{k}: engine {x.mean():.4g} vs reference {y.mean():.4g} (se {se:.3g}, p={p:.2g})")
    return out


@pytest.fixture(
    scope="module",
    params=[PLAIN, SHIFTS_POSITIVES, EARLY_QUEUE_TWO_LABS, PLACES, NETWORK, ROUTES, STREETS],
    ids=["plain", "shifts-positives", "early-two-labs", "places", "network", "routes", "streets"],
)
def case(request, tmp_path_factory):
    network = None
    if request.param in (PLACES, ROUTES, STREETS):
        folder = tmp_path_factory.mktemp("town")
        rnd = places_round(folder, request.param if request.param in (ROUTES, STREETS) else None)
        network = folder / "streets.geojson" if request.param is STREETS else None
    else:
        rnd = round_from_text(request.param)
    return rnd, _engine(rnd), _reference(rnd, network)


def test_the_streets_case_walks_the_streets_as_the_reference_does(tmp_path):
    """The engine's P2n walks and P5n trips are the reference's networkx walks, compound by compound
    (S2's lab trip comes from the matrix, the others from the driving network)."""
    from reference_model import _Map, _Streets

    rnd = places_round(tmp_path, STREETS)
    ref = _Map(rnd, _Streets(tmp_path / "streets.geojson", rnd))
    m = rnd.places
    assert m.assigned.tolist() == ref.assigned
    np.testing.assert_allclose(m.walk, ref.walk, rtol=1e-9)
    straight = rnd.places.compound_xy, rnd.places.site_xy[m.assigned]
    assert np.any(m.walk > np.hypot(*(straight[0] - straight[1]).T) * 1.3 / m.walk_speed + 1)  # the grid is not P2
    for s in (0, 2):
        assert m.site_drive[s] == pytest.approx(ref.mean_drive(s, int(m.site_lab[s])), rel=1e-9)


def test_the_places_case_walks_and_uses_both_labs(tmp_path):
    """P3, P5 and P6 at work: S3 names its lab; for S2 the matrix says 25 minutes to near and 40 to far
    (the formula would make far nearer); S1 takes the formula."""
    rnd = places_round(tmp_path)
    m = rnd.places
    assert m.assigned.tolist() == [0, 0, 1, 1, 2, 2]
    assert m.site_lab.tolist()[:3] == [0, 0, 1] and m.site_drive[1] == 25 * 60
    metrics = run_replication(rnd, 0).metrics
    assert 0 < metrics["within_walk_standard"] < 1


def test_engine_agrees_with_reference(case):
    rnd, eng, ref = case
    assert disagreements(eng, ref) == []


def test_scenarios_exercise_queues_and_positives(case):
    """The cases are only evidence if they have queues to get wrong (and positives where configured)."""
    rnd, eng, _ = case
    assert np.mean([m["wait_mean_min"] for m in eng]) > 1.0
    if rnd.prevalence:
        assert sum(m["positives"] for m in eng) > 0
        assert any(m["identified_mean_h"] is not None for m in eng)
    if rnd.routes:  # the route drives loops and carries most tubes
        reps = [run_replication(rnd, r) for r in range(3)]
        assert all(r.routes["loops"].sum() >= 3 and r.routes["tubes"].sum() > 0.5 * r.metrics["tubes"] for r in reps)
    if any(lab.overflow for lab in rnd.labs):  # the network sends tubes on in most replications
        assert np.mean([m["diverted"] > 0 for m in eng]) > 0.8


@pytest.mark.parametrize(
    ("change", "caught"),
    [({"pool_size": 10}, "tubes"), ("plate_size", "plates"), ("shifts", "wait_mean_min")],
)
def test_agreement_check_catches_wrong_rules(change, caught):
    """If the engine ignored pool size, plate size or pauses, the comparison would fail."""
    rnd = round_from_text(SHIFTS_POSITIVES)
    ref = _reference(rnd)
    if change == "plate_size":
        lab = rnd.labs[0]
        wrong = rnd.with_(labs=(type(lab)(**{**lab.__dict__, "plate_size": 94}),))
    elif change == "shifts":
        wrong = rnd.with_(shifts=None)
    else:
        wrong = rnd.with_(**change)
    found = disagreements(_engine(wrong), ref)
    assert any(f.startswith(caught) for f in found), found


def test_agreement_check_catches_routes_ignored(tmp_path):
    """If the engine gave every site its own pickups instead of the route, the comparison would fail (here
    on when tubes reach the lab: turnaround, and the plates they fill)."""
    rnd = places_round(tmp_path, ROUTES)
    found = disagreements(_engine(rnd.with_(routes=())), _reference(rnd))
    assert any(f.startswith(("turnaround_mean_h", "plates", "pickup_wait_mean_h")) for f in found), found


def test_agreement_check_catches_a_network_that_never_sends_on():
    """If the engine ignored overflow, the tubes sent on by trunk would disagree."""
    from dataclasses import replace

    rnd = round_from_text(NETWORK)
    wrong = rnd.with_(labs=tuple(replace(lab, overflow=None) for lab in rnd.labs))
    found = disagreements(_engine(wrong), _reference(rnd))
    assert any(f.startswith("diverted") for f in found), found
