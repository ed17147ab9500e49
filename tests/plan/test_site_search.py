"""The local search in the program's model: P3 assignment, the fewest tables, overloads, coverage."""

import numpy as np

from sim.plan.site_search import evaluate, local_search, ranked

CAPACITY = np.array([0.0, 1.0, 2.5, 4.5])


def _ranked(near, rate, fixed=None):
    n = 1 + max(int(np.max(x)) for x in near)
    fixed = np.zeros(n, np.int64) if fixed is None else fixed
    return ranked([np.array(x) for x in near], np.array(rate, float), np.full(n, 3), fixed, CAPACITY, (1.0, 0.001, 1e5))


def test_a_compound_goes_to_its_first_open_candidate_and_a_site_gets_the_fewest_tables_that_hold():
    r = _ranked([[0, 1], [1, 0], [2, 1]], [0.8, 1.2, 2.0])
    plan = evaluate(r, np.array([True, True, True]))
    assert plan.covered and list(plan.tables) == [1, 2, 2] and plan.overload == 0
    plan = evaluate(r, np.array([False, True, False]))  # everyone to site 1: 4.0 per second, 3 tables
    assert plan.covered and list(plan.tables) == [0, 3, 0] and plan.overload == 0
    assert plan.objective == 1 + 0.003
    plan = evaluate(r, np.array([True, False, False]))
    assert not plan.covered  # compound 2 cannot walk to site 0
    heavy = _ranked([[0], [0]], [3.0, 3.0])
    assert evaluate(heavy, np.array([True])).overload == 6.0 - 4.5


def test_the_search_never_ends_worse_than_its_start_and_keeps_fixed_sites():
    rng = np.random.default_rng(2)
    near = [rng.choice(8, size=3, replace=False) for _ in range(20)]
    fixed = np.zeros(8, np.int64)
    fixed[5] = 2
    r = _ranked(near, rng.uniform(0.1, 0.6, 20), fixed)
    start = np.ones(8, bool)
    best = local_search(r, start)
    assert best.covered and best.objective <= evaluate(r, start).objective and best.is_open[5] and best.tables[5] == 2
    for s in np.flatnonzero(best.is_open & (fixed == 0)):  # no single site closes with a better objective
        trial = best.is_open.copy()
        trial[s] = False
        t = evaluate(r, trial)
        assert not t.covered or t.objective >= best.objective - 1e-9
