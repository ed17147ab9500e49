import numpy as np
import pytest
from numba import njit

from sim.engine import kernels
from sim.engine.replication import run_replication
from sim.scenario.build import round_from_text


@njit
def _inner(x):
    return x * 2.0


@njit
def _outer(a):
    s = 0.0
    for v in a:
        s += _inner(v)
    return s


def test_the_interpreted_twin_compiles_nothing_and_agrees():
    twin = kernels.interpreted(_outer)
    assert twin(np.arange(5.0)) == 20.0
    assert not _outer.signatures and not _inner.signatures  # neither was compiled
    assert _outer(np.arange(5.0)) == 20.0 and _outer.signatures


def test_a_kernel_follows_the_mode():
    calls = []

    @njit
    def f(x):
        return x + 1

    k = kernels.Kernel(f)
    with kernels.compiled(False):
        calls.append(k(1))
        assert not f.signatures
    with kernels.compiled(True):
        calls.append(k(1))
    assert calls == [2, 2] and f.signatures


def test_size_and_the_override_choose(monkeypatch):
    monkeypatch.delenv("NATSIM_COMPILED", raising=False)
    assert not kernels.pays(kernels.COMPILED_FROM - 1) and kernels.pays(kernels.COMPILED_FROM)
    monkeypatch.setenv("NATSIM_COMPILED", "always")
    assert kernels.pays(10)
    monkeypatch.setenv("NATSIM_COMPILED", "never")
    assert not kernels.pays(10**9)


def test_the_user_is_told_once_when_numba_compiles():
    said = []
    kernels.on_compiling(lambda: said.append(1))

    @njit
    def g(x):
        return x - 1

    @njit
    def h(x):
        return x + 3

    g(1), h(1), g(2)
    assert said == [1]


SHIFTS = """
name: kernels
deadline: 14h
seed: 11
arrivals:
  turnout: 0.9
  profile: [[-30m, 2], [0h, 4], [3h, 1], [6h, 0]]
sampling:
  service_time: {dist: lognormal, mean: 40s, sd: 15s}
  pool_size: 10
  shifts: {length: 2h, handover: 10m, stagger: true}
points:
  - {name: a, count: 3, residents: 900, tables: 3, lab: lab1, travel_time: {dist: uniform, low: 5m, high: 15m},
     home_visits: {share: 0.05, teams: 2, visit_time: 5m, travel_time: 4m}}
  - {name: b, count: 2, residents: 1500, tables: 2, lab: lab1, travel_time: {dist: uniform, low: 5m, high: 25m}}
transport: {pickup_interval: 30m, box_capacity: 30, vehicles: {lab1: 3}}
labs:
  - {name: lab1, extractors: 2, pcr_machines: 3, plate_size: 24, extraction_time: 20m, pcr_time: 30m,
     max_plate_wait: 20m, report_delay: 5m}
positives: {prevalence: 0.002, recall_delay: 1h}
"""


@pytest.mark.parametrize("rep", [0, 1, 2])
def test_interpreted_and_compiled_replications_agree_to_the_bit(monkeypatch, rep):
    rnd = round_from_text(SHIFTS)
    got = {}
    for mode in ("never", "always"):
        monkeypatch.setenv("NATSIM_COMPILED", mode)
        got[mode] = run_replication(rnd, rep, trace=True)
    a, b = got["never"], got["always"]
    assert a.metrics == b.metrics
    for k in a.points:
        np.testing.assert_array_equal(a.points[k], b.points[k])
    for k in a.timeline:
        np.testing.assert_array_equal(a.timeline[k], b.timeline[k])
    np.testing.assert_array_equal(a.wait_hist, b.wait_hist)
    for k in a.trace.residents:
        np.testing.assert_array_equal(a.trace.residents[k], b.trace.residents[k])
    for k in a.trace.tubes:
        np.testing.assert_array_equal(a.trace.tubes[k], b.trace.tubes[k])
    assert a.groups == b.groups and a.stages == b.stages


def test_the_quickstart_compiles_nothing_on_a_fresh_machine(natsim, tmp_path):
    """Issue 32: a cold numba cache (an empty NUMBA_CACHE_DIR) and the quickstart's first run: a verdict,
    no compiling line, nothing written to the cache."""
    from pathlib import Path

    cache = tmp_path / "numba-cache"
    cache.mkdir()
    root = Path(__file__).resolve().parents[2]
    env = {"NUMBA_CACHE_DIR": str(cache), "NATSIM_COMPILED": ""}
    r = natsim(
        "run", "scenarios/quickstart.yaml", "-r", "1", "--no-plots", "--out", str(tmp_path / "out"), cwd=root, env=env
    )
    assert r.returncode == 0, r.stderr
    assert "Deadline 12 h" in r.stdout and "Compiling" not in r.stderr
    assert not list(cache.rglob("*.nbi"))
