"""Invariants of the model on many small random scenarios (hypothesis, derandomized for CI).

Every resident who came is sampled once and is in exactly one tube; every tube is collected once,
reaches its lab once, is on one plate and gets one result; no service starts before its resident
arrived, before the open, or inside its table's pause window; starts follow arrival order at each
point; results come after swabs; every figure in summary.json is in its range.
"""

from __future__ import annotations

import math

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from reference_model import in_pause
from strategies import scenarios

from sim.engine.replication import run_replication
from sim.engine.timeline import Grid
from sim.report.summary import RunResult
from sim.scenario.build import build_round
from sim.scenario.load import parse_scenario


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_invariants_hold_on_random_scenarios(sc):
    rnd = build_round(parse_scenario(yaml.safe_dump(sc)))
    rep = run_replication(rnd, 0, trace=True)
    r, t = rep.trace.residents, rep.trace.tubes
    n, n_tubes = r["arrival"].size, t["size"].size

    # Sampled once, in exactly one tube.
    assert n == rep.metrics["residents_arrived"]
    assert ((r["tube"] >= 0) & (r["tube"] < n_tubes)).all()
    assert np.bincount(r["tube"], minlength=n_tubes).tolist() == t["size"].tolist()
    assert (t["size"] >= 1).all() and (t["size"] <= rnd.pool_size).all()
    # A tube holds residents of one point and one table, sealed after their swabs.
    assert (t["point"][r["tube"]] == r["point"]).all() and (t["table"][r["tube"]] == r["table"]).all()
    assert (t["sealed"][r["tube"]] >= r["end"] - 1e-9).all()

    # No service before arrival or the open, none inside a pause, starts in arrival order per point.
    assert (r["start"] >= r["arrival"]).all() and (r["start"] >= rnd.open - 1e-9).all()
    assert (r["end"] >= r["start"]).all()
    sh = rnd.shifts
    for p in np.unique(r["point"]):
        at = r["point"] == p
        assert (np.diff(r["arrival"][at]) >= 0).all() and (np.diff(r["start"][at]) >= -1e-9).all()
        if sh:
            tables = rnd.groups[_group_of(rnd, p)].tables
            for start, table in zip(r["start"][at], r["table"][at], strict=True):
                base = rnd.open + (table * (sh.length + sh.handover) / tables if sh.stagger else 0.0)
                # A start at a pause's end is allowed; anywhere from its beginning up to its end is not.
                assert not in_pause(start + 1e-6, base, sh.length, sh.handover)

    # No service starts inside a window where its table is blocked (points closed, tables down).
    group_of = np.array([gi for gi, g in enumerate(rnd.groups) for _ in range(g.count)])
    for b in rnd.blocked:
        tables = rnd.groups[b.group].tables
        first = 0 if b.tables == 0 else max(tables - b.tables, 0)
        hit = (
            (group_of[r["point"]] == b.group)
            & (r["table"] >= first)
            & (r["start"] >= b.start)
            & (r["start"] < b.end - 1e-9)
        )
        assert not hit.any(), (b, r["start"][hit][:3])

    # Every tube collected once, at the lab once, on one plate, one result, in that order.
    for step in ("picked", "at_lab", "plated", "result"):
        assert (t[f"{step}_count"] == 1).all(), step
    assert (t["picked"] >= t["sealed"]).all() and (t["at_lab"] > t["picked"]).all()
    assert (t["plated"] >= t["at_lab"]).all() and (t["result"] > t["plated"]).all()
    plate_sizes = np.bincount(t["plate"])[1:]
    assert plate_sizes.max(initial=0) <= max(lab.plate_size for lab in rnd.labs)
    assert (t["result"][r["tube"]] > r["end"]).all()  # results after swabs
    retests = rep.trace.retests
    assert (retests.result > 0).all() and (retests.identified() > 0).all()

    # Every figure in its range.
    m = RunResult(rnd, Grid.for_round(rnd), [rep]).summary()["metrics"]
    v = {k: x["mean"] for k, x in m.items()}
    if n == 0:
        return
    assert v["residents_arrived"] <= rnd.residents
    assert v["tubes"] == n_tubes and v["plates"] >= math.ceil(n_tubes / max(lab.plate_size for lab in rnd.labs))
    assert 0 <= v["wait_mean_min"] <= v["wait_max_min"] and v["wait_p95_min"] <= v["wait_max_min"] + 1e-9
    assert 0 <= v["reported_by_deadline"] <= 1
    assert v["sampling_complete_h"] <= v["results_complete_h"]
    assert 0 < v["turnaround_mean_h"] <= v["results_complete_h"] - rnd.profile.times[0] / 3600
    assert v["max_queue"] <= n
    assert v["positives"] <= n
    if v["positives"]:
        assert v["identified_mean_h"] is not None and v["identified_mean_h"] <= v["identified_max_h"]


def _group_of(rnd, point: int) -> int:
    seen = 0
    for gi, g in enumerate(rnd.groups):
        seen += g.count
        if point < seen:
            return gi
    raise IndexError(point)
