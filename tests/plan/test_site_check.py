from dataclasses import replace

import numpy as np
import pytest

from sim.core import geo, streams
from sim.plan.site_check import SiteChecker, closed, descend, opened, with_tables
from sim.plan.site_check import site_margin as site_margin_of
from sim.scenario.build import build_round
from sim.scenario.load import load_scenario


def _checker(folder):
    loaded = load_scenario(folder / "town.yaml")
    rnd = build_round(loaded)
    return SiteChecker(loaded, rnd, rnd.places, max_wait=900.0, walk=900.0)


def test_closing_a_site_moves_only_its_compounds(siting_town):
    ch = _checker(siting_town)
    tables = np.array([2, 2] + [1] * 14)
    m = ch.plan(tables)
    s = int(m.open_sites[0])
    after = closed(m, s)
    moved = np.flatnonzero(m.assigned != after.assigned)
    assert set(moved) == set(m.served(s)) and after.site_tables[s] == 0
    assert np.array_equal(after.assigned, ch.plan(after.site_tables).assigned)  # the same as P3 from scratch
    assert with_tables(m, s, 5).site_tables[s] == 5 and np.array_equal(with_tables(m, s, 5).assigned, m.assigned)


@pytest.mark.parametrize("neighbours", [None, 4])
def test_opening_a_site_moves_only_the_compounds_nearer_to_it_as_a_fresh_assignment_would(siting_town, neighbours):
    # With each compound's 4 nearest of the 16 sites found once (as siting does, `with_neighbours`), only the
    # compounds the new site may be nearer to are asked, and P3 for the other plans is read along rows.
    ch = _checker(siting_town)
    if neighbours:
        ch.base = replace(
            ch.base, neighbours=geo.Neighbours.of(ch.base.compound_xy, ch.base.site_xy, False, neighbours)
        )
    m = ch.plan(np.array([2, 2] + [0] * 14))
    for s in range(2, 16):
        after = opened(m, s, 3)
        fresh = ch.plan(after.site_tables)
        assert np.array_equal(after.assigned, fresh.assigned) and np.allclose(after.walk, fresh.walk)
        assert after.site_tables[s] == 3


def test_a_site_is_simulated_once_per_plan_and_replication(siting_town):
    ch = _checker(siting_town)
    m = ch.plan(np.array([2, 2] + [0] * 14))
    first = [ch.p95(m, s, 0) for s in m.open_sites]
    count = ch.simulated
    assert [ch.p95(m, s, 0) for s in m.open_sites] == first and ch.simulated == count


def test_descent_keeps_every_site_within_the_standard(siting_town):
    ch = _checker(siting_town)
    reps = streams.replications("run", 2)
    generous = np.full(16, 8)
    tables = descend(ch, generous, np.zeros(16, np.int64), reps, lambda _: None)
    m = ch.plan(tables)
    assert tables.sum() < generous.sum() and ch.walks_ok(m)
    assert all(ch.site_ok(m, s, reps) for s in m.open_sites)


def test_the_margin_is_the_union_bound_deviations_of_a_sites_p95_near_the_standard(siting_town):
    from sim.core.stats import normal_quantile

    ch = _checker(siting_town)
    ch.max_wait = 20000.0  # one table per site: a standard three of them are near
    reps = streams.replications("run", 4)
    m = ch.plan(np.array([1] * 16))
    p = np.array([[ch.p95(m, s, r) for r in reps] for s in m.open_sites])
    near = (p.mean(1) >= 10000) & (p.mean(1) <= 20000)
    assert near.sum() >= 2
    sigma = np.sqrt(p[near].var(axis=1, ddof=1).mean())
    margin = site_margin_of(ch, m, reps, 0.9)
    assert margin == min(normal_quantile(1 - 0.1 / m.open_sites.size) * sigma, 10000) and margin > 0
    assert site_margin_of(ch, m, reps[:1], 0.9) == 0.0  # one replication has no spread
    assert site_margin_of(ch, m, reps, 0.99) >= margin  # more confidence, more margin
    ch.margin = margin  # judged inside the standard, the sites that pass are a subset
    inside = {s for s in m.open_sites if ch.site_ok(m, s, reps)}
    assert inside <= {s for s in m.open_sites if ch.site_ok(m, s, reps, margin=False)}


def test_sites_simulated_on_worker_processes_are_those_simulated_here(siting_town, monkeypatch):
    # `prefetch` hands many (site, replication) pairs to worker processes; each site's streams are keyed by
    # the site and the replication, so the figures must be the ones simulated one by one in this process.
    import sim.plan.site_check as site_check

    monkeypatch.setattr(site_check, "PARALLEL_FROM", 1)
    here, there = _checker(siting_town), _checker(siting_town)
    there.jobs = 2
    m = here.plan(np.array([2, 3, 1, 0, 2] + [1] * 11))
    try:
        there.prefetch(m, m.open_sites, range(3))
        assert there.simulated == m.open_sites.size * 3
        asked = {(int(s), r): there.p95(m, s, r) for s in m.open_sites for r in range(3)}
        assert there.simulated == m.open_sites.size * 3  # nothing simulated again
    finally:
        there.close()
    assert asked == {(int(s), r): here.p95(m, s, r) for s in m.open_sites for r in range(3)}
    assert len(set(asked.values())) > m.open_sites.size  # the sites and replications differ


def test_the_candidates_nearer_to_a_compound_are_found_among_its_neighbours(siting_town):
    # Splitting a site asks which closed candidates are nearer to its compounds than the site; with each
    # compound's 4 nearest sites found once, the answer must be the one from every (compound, candidate) pair.
    from sim.plan.site_check import _maybe_nearer
    from sim.scenario.places.map import walks

    ch = _checker(siting_town)
    near = geo.Neighbours.of(ch.base.compound_xy, ch.base.site_xy, False, 4)
    for tables in (np.array([2, 2] + [0] * 14), np.array([0, 3, 0, 1, 0, 0, 2] + [0] * 9)):
        plain = ch.plan(tables)
        rowed = replace(plain, neighbours=near)
        closed_ = np.flatnonzero(tables == 0)
        pairs = 0
        for s in plain.open_sites:
            found = []
            for m in (plain, rowed):
                c, site = _maybe_nearer(m, m.served(s), closed_)
                w = walks(m, c, site)
                nearer = w < m.walk[c]
                found.append(list(zip(c[nearer].tolist(), site[nearer].tolist(), strict=True)))
            assert found[0] == found[1]
            pairs += len(found[0])
        assert pairs > 10  # candidates nearer than the open sites exist in both plans
