"""A group's plain points in one compiled call give what the per-point calls gave, to the bit, and plain
groups take that call."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.engine import group, kernels
from sim.engine.crowd import first_span, serve_point
from sim.engine.figures import lerp
from sim.engine.sampling import simulate_crowd
from sim.engine.tally import Tally
from sim.engine.timeline import Grid
from sim.engine.tubes import fill_tubes
from sim.scenario.build import round_from_text


def _points(rng, sizes):
    """Sorted arrivals and service times per point, and each point's tables."""
    arrivals = [np.sort(rng.random(n) * 6 * 3600 - 1800) for n in sizes]
    services = [rng.lognormal(3.6, 0.4, n) for n in sizes]
    tables = rng.integers(1, 6, len(sizes))
    return arrivals, services, tables


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("shifts", ["none", "shifts", "short"])
def test_the_group_call_gives_the_per_point_arrays(compiled, seed, shifts):
    """Random points (tables 1-5, empty and one-resident points among them), with or without shifts, and
    with windows first generated too short ("short": the call asks for more until they suffice)."""
    rnd = round_from_text(GROUPS if shifts == "none" else SHIFTED)
    assert (rnd.shifts is None) == (shifts == "none")
    rng = np.random.default_rng(seed)
    sizes = rng.choice([0, 1, 2, 37, 400, 2500], 12)
    sizes[0], sizes[-1] = 0, 1  # an empty point first and a one-resident point last, whatever the draw
    sizes[1] = 4000  # at one table (below): past a day of service, beyond the shortest windows
    arrivals, services, tables = _points(rng, sizes)
    tables[1] = 1
    grid, pool, open_, first = Grid(-1800.0, 300.0), 10, rnd.open, 77
    with kernels.compiled(compiled):
        one = Tally(grid, rows=4)  # small: the points reach past it and it grows, in both
        want, tube = [], first
        w_cols = [np.empty(0, np.float32), np.empty(0), np.empty(0, np.int32)]
        for arrival, service, k in zip(arrivals, services, tables, strict=True):
            start, table = serve_point(rnd, arrival, service, int(k), 0)
            end = start + service
            tu, seal, size, tube_table = fill_tubes(table, end, int(k), pool)
            n = arrival.size
            c = _crowd(arrival, start, end, tu, seal)
            cols = np.empty(n, np.float32), np.empty(n), np.empty(n, np.int32)
            figures = one.add(c, *cols, tube) if n else (None, None, None, 0)
            want.append((start, table, end, tu, seal, size, tube_table, figures))
            w_cols = [np.concatenate((a, b)) for a, b in zip(w_cols, cols, strict=True)]
            tube += seal.size
        lo = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
        total = int(lo[-1])
        cols = np.empty(total, np.float32), np.empty(total), np.empty(total, np.int32)
        batch = Tally(grid, rows=4)
        spans = None
        if shifts != "none":
            spans = np.array([first_span(rnd, a, s, 0, open_) for a, s in zip(arrivals, services, strict=True)])
            if shifts == "short":
                spans = np.full(len(sizes), 1.0)
        windows = group.Windows(rnd, 0, tables.astype(np.int64), spans)
        got = group.serve_points(
            np.concatenate(arrivals), np.concatenate(services), lo, tables, pool, open_, batch, *cols, first, windows
        )
        if shifts == "short":  # the busy points' windows were generated further
            assert windows.spans.max() > 1.0
    for i, (start, table, end, tu, seal, size, tube_table, figures) in enumerate(want):
        r, t = slice(lo[i], lo[i + 1]), slice(got.tube_lo[i], got.tube_lo[i + 1])
        for a, b in [(start, got.start[r]), (end, got.swab_end[r]), (seal, got.seal[t])]:
            np.testing.assert_array_equal(a, b, strict=True)
        for a, b in [(table, got.table[r]), (tu, got.tube[r]), (size, got.tube_size[t])]:
            np.testing.assert_array_equal(a, b, strict=True)
        np.testing.assert_array_equal(tube_table, got.tube_table[t], strict=True)
        if sizes[i]:
            mean, top, p95, longest = figures
            assert (mean, top, p95, longest) == (
                got.mean[i],
                got.top[i],
                lerp(got.a[i], got.b[i], float(got.t[i])),
                got.longest[i],
            )
            assert got.last_end[i] == end.max()
        else:
            assert np.isnan(got.last_end[i]) and got.tube_lo[i] == got.tube_lo[i + 1]
    for a, b in zip(w_cols, cols, strict=True):
        np.testing.assert_array_equal(a, b, strict=True)
    for k in range(3):
        np.testing.assert_array_equal(one.series(k), batch.series(k), strict=True)


def _crowd(arrival, start, end, tube, seal):
    n = arrival.size
    last = float(end.max()) if n else float("nan")
    return SimpleNamespace(
        arrival=arrival, start=start, swab_end=end, seal=seal, tube=tube, at_home=None, arrived=n, last_end=last
    )


GROUPS = """
name: groups
deadline: 14h
seed: 5
arrivals:
  turnout: 0.9
  profile: [[-30m, 2], [0h, 4], [3h, 1], [6h, 0]]
sampling:
  service_time: {dist: lognormal, mean: 40s, sd: 15s}
  pool_size: 10
points:
  - {name: a, count: 5, residents: 900, tables: 3, lab: lab1, travel_time: 10m}
  - {name: h, count: 2, residents: 600, tables: 2, lab: lab1, travel_time: 10m,
     home_visits: {share: 0.1, teams: 2, visit_time: 5m, travel_time: 4m}}
  - {name: b, count: 4, residents: 1, tables: 2, lab: lab1, travel_time: 10m}
  - {name: c, count: 3, residents: 2000, tables: 4, lab: lab1, travel_time: 10m}
transport: {pickup_interval: 30m, box_capacity: 30, vehicles: {lab1: 3}}
labs:
  - {name: lab1, extractors: 2, pcr_machines: 3, plate_size: 24, extraction_time: 20m, pcr_time: 30m,
     max_plate_wait: 20m, report_delay: 5m}
positives: {prevalence: 0.01, recall_delay: 1h}
"""


SHIFTED = GROUPS.replace("  pool_size: 10\n", "  pool_size: 10\n  shifts: {length: 2h, handover: 10m, stagger: true}\n")


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("text", [GROUPS, SHIFTED])
def test_plain_groups_take_the_group_call_and_the_crowd_is_unchanged(monkeypatch, compiled, text):
    rnd = round_from_text(text)
    assert (rnd.shifts is not None) == (text is SHIFTED)
    monkeypatch.setenv("NATSIM_COMPILED", "always" if compiled else "never")
    monkeypatch.setattr(group, "CHUNK", 3000)  # group c in two calls, a in two
    calls = []
    serve = group.serve_points
    monkeypatch.setattr(group, "serve_points", lambda *a: calls.append(a[2].size - 1) or serve(*a))
    grid = Grid(-1800.0, 300.0)
    batched = simulate_crowd(rnd, 1, grid, trace=True, at=3600.0)
    assert sorted(calls) == [1, 1, 2, 4, 4]  # a: 4 + 1 points, b: 4, c: 2 + 1; h (home visits) per point
    monkeypatch.setattr(group, "allows", lambda *a: False)
    calls.clear()
    per_point = simulate_crowd(rnd, 1, grid, trace=True, at=3600.0)
    assert not calls
    _same(batched, per_point)


def _same(a, b):
    for name in ("waits", "swab_ends", "resident_tube", "tube_size", "tube_point"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), strict=True)
    for d in ("stats", "timeline", "by_then"):
        x, y = getattr(a, d), getattr(b, d)
        assert x.keys() == y.keys()
        for k in x:
            np.testing.assert_array_equal(x[k], y[k], strict=True)
    for k in a.kept:
        np.testing.assert_array_equal(np.concatenate(a.kept[k]), np.concatenate(b.kept[k]), strict=True)
    assert a.positive_tubes == b.positive_tubes and a.home_end == b.home_end
    assert [(q, p, n) for q, p, n, _s in a.busiest] == [(q, p, n) for q, p, n, _s in b.busiest]
    for (*_x, s), (*_y, t) in zip(a.busiest, b.busiest, strict=True):
        np.testing.assert_array_equal(s, t, strict=True)
    assert len(a.point_tubes) == len(b.point_tubes)
    for x, y in zip(a.point_tubes, b.point_tubes, strict=True):
        np.testing.assert_array_equal(x.seal, y.seal, strict=True)
        assert (x.index, x.lab, x.first_tube, x.priority, x.open) == (y.index, y.lab, y.first_tube, y.priority, y.open)
