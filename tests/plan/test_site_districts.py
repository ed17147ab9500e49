"""A city's districts: every compound served within its walk, the districts' own optimality reported as such."""

import numpy as np

from sim.plan.site_districts import districts
from sim.plan.site_model import Candidates, SitingProblem, capacities, served
from sim.scenario.places.map import PlacesMap, assign_nearest


def test_districts_open_a_site_within_every_compounds_walk_and_say_they_are_districts(cover_town):
    town = cover_town(7)
    n, k = len(town.compound_xy), len(town.site_xy)
    m = PlacesMap(
        lonlat=False,
        compound_names=tuple(f"c{i}" for i in range(n)),
        compound_xy=town.compound_xy,
        compound_residents=town.residents,
        site_names=tuple(f"s{i}" for i in range(k)),
        site_xy=town.site_xy,
        site_tables=np.zeros(k, np.int64),
        lab_names=("L",),
        lab_xy={0: (0.0, 0.0)},
        walk_speed=4000 / 3600,
        walk_detour=1.3,
        standard=900.0,
        drive_speed=30000 / 3600,
        drive_detour=1.4,
        drive_cv=0.25,
        matrix={},
        assigned=np.full(n, -1),
        walk=np.full(n, np.nan),
        site_own_lab=(None,) * k,
        site_own_group=(None,) * k,
        compound_group=(None,) * n,
        site_lab=np.zeros(k, np.int64),
        site_drive=np.ones(k),
    )
    p = SitingProblem(
        m,
        Candidates(np.arange(k), np.full(k, 8), np.zeros(k, np.int64)),
        town.residents * 0.25 / 3600,
        capacities(8, 30.0, 1800.0),
        900.0,
    )
    compounds, near, _out = served(p)
    sol = districts(p, compounds, near, np.zeros(k, np.int64), cell_size=8, jobs=1)
    assert not sol.whole_map and sol.cells == 4 and sol.optimal_cells <= sol.cells
    assigned = assign_nearest(town.compound_xy, town.site_xy, sol.tables > 0, False)
    assert town.reach[np.arange(n), assigned].all()  # each compound's nearest open site is within its walk
    assert (sol.tables > 0).sum() >= town.minimum  # never below the brute-force minimum
