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

from sim.engine.replication import run_replication
from sim.report.summary import METRICS
from sim.scenario.build import round_from_text
from sim.scenario.round import Round

N = 16
ALPHA = 1e-4
POISSON_COUNTS = ("positives",)
# Every summary figure but the extremes (max wait, p95 turnaround, latest identification), whose
# replication-to-replication spread is too wide for 16 replications to say much.
COMPARED = tuple(m for m in METRICS if m not in ("wait_max_min", "turnaround_p95_h", "identified_max_h"))

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
  - {name: a, count: 3, residents: 500, tables: 2, lab: lab1, travel_time: {dist: triangular, low: 5m, mode: 10m, high: 20m}}
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
  - {name: north, count: 2, residents: 450, tables: 2, lab: n, travel_time: {dist: triangular, low: 10m, mode: 15m, high: 30m}}
  - {name: south, count: 1, residents: 700, tables: 3, lab: s, travel_time: 20m}
transport: {pickup_interval: 1h, box_capacity: 15, vehicles: {n: 1, s: 1}}
labs:
  - {name: n, extractors: 1, pcr_machines: 1, plate_size: 30, extraction_time: 25m, pcr_time: 45m, max_plate_wait: 30m}
  - {name: s, extractors: 1, pcr_machines: 2, plate_size: 30, extraction_time: 25m, pcr_time: {dist: exponential, mean: 40m},
     max_plate_wait: 30m, report_delay: 15m}
positives: {prevalence: 0.005, recall_delay: 1h}
"""


def _engine(rnd: Round) -> list[dict]:
    return [run_replication(rnd, rep).metrics for rep in range(N)]


def _reference(rnd: Round) -> list[dict]:
    return [run_reference(rnd, 10_000 + rep) for rep in range(N)]


def disagreements(a: list[dict], b: list[dict]) -> list[str]:
    """Figures whose means differ significantly (or at all, if neither varies)."""
    out = []
    for k in COMPARED:
        x = np.array([m[k] for m in a if m.get(k) is not None], float)
        y = np.array([m[k] for m in b if m.get(k) is not None], float)
        if x.size < 2 or y.size < 2:
            if x.size != y.size:
                out.append(f"{k}: present in {x.size} vs {y.size} replications")
            continue
        se = math.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size)
        if se == 0.0:
            if not math.isclose(x.mean(), y.mean(), rel_tol=1e-9, abs_tol=1e-9):
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
    scope="module", params=[PLAIN, SHIFTS_POSITIVES, EARLY_QUEUE_TWO_LABS], ids=["plain", "shifts-positives", "early-two-labs"]
)
def case(request):
    rnd = round_from_text(request.param)
    return rnd, _engine(rnd), _reference(rnd)


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
