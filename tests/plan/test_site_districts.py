"""A city's districts: every compound served within its walk, the districts' own optimality reported as such."""

import numpy as np

from sim.plan.site_districts import districts
from sim.plan.site_model import served
from sim.scenario.places.map import assign_nearest


def test_districts_open_a_site_within_every_compounds_walk_and_say_they_are_districts(cover_town, cover_problem):
    town = cover_town(7)
    n, k = len(town.compound_xy), len(town.site_xy)
    p = cover_problem(town)
    compounds, near, _out = served(p)
    sol = districts(p, compounds, near, np.zeros(k, np.int64), cell_size=8, jobs=1)
    assert not sol.whole_map and sol.cells == 4 and sol.optimal_cells <= sol.cells
    assigned = assign_nearest(town.compound_xy, town.site_xy, sol.tables > 0, False)
    assert town.reach[np.arange(n), assigned].all()  # each compound's nearest open site is within its walk
    assert (sol.tables > 0).sum() >= town.minimum  # never below the brute-force minimum
