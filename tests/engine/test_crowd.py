"""Turnout (rule 1) and the crowd at one point."""

import numpy as np

from sim.engine.crowd import simulate_point
from sim.scenario.build import round_from_text


def test_turnout_is_binomial_and_everyone_is_served(small_text):
    rnd = round_from_text(small_text)
    counts = []
    for seed in range(40):
        c = simulate_point(rnd, 2, 1000, np.random.default_rng(seed))
        counts.append(c.arrived)
        assert (c.start >= c.arrival).all() and (c.start >= rnd.open).all()
        assert c.tube_size.sum() == c.arrived
    # Binomial(1000, 0.9): mean 900, sd 9.5; the mean of 40 draws is within 4 standard errors.
    assert abs(np.mean(counts) - 900) < 4 * 9.5 / np.sqrt(40)


def test_residents_arrive_a_walk_after_leaving_home(small_round):
    """Places rule P4, exactly: the same draws, shifted by each compound's walk (to the microsecond)."""
    from sim.engine.crowd import walk_in
    from sim.scenario.places.map import Catchment

    rnd = small_round.with_(turnout=1.0)
    catch = Catchment(np.array([7, 9]), np.array([100, 50]), np.array([0.0, 600.0]))
    arrival, compound = walk_in(rnd, catch, np.random.default_rng(5), None)
    again = np.random.default_rng(5)
    n_c = again.binomial(catch.residents, 1.0)
    leave = rnd.profile.sample(again, int(n_c.sum()))
    local = np.repeat([0, 1], n_c)
    want = np.sort(leave + catch.walk[local])
    np.testing.assert_allclose(arrival, want, atol=1e-6)
    assert np.all(np.diff(arrival) >= 0) and np.bincount(compound).tolist() == [100, 50]
    np.testing.assert_allclose(np.sort(arrival[compound == 1] - 600.0), np.sort(leave[local == 1]), atol=1e-6)


def test_the_compiled_inverse_cdf_is_the_profiles_to_the_bit():
    from sim.engine.crowd import _quantile_sorted
    from sim.scenario.round import Profile

    rng = np.random.default_rng(4)
    for profile in (
        Profile.from_pairs([(-1800, 2), (0, 5), (7200, 0), (9000, 3), (18000, 0)]),
        Profile.from_pairs([(0, 1), (3600, 0)]),
    ):
        u = np.sort(np.concatenate((rng.random(5000), [0.0, np.nextafter(1.0, 0.0)], profile.segments[1][:-1])))

        class Drawn:  # hands the profile these uniforms as its draws
            def random(self, n, u=u):
                return u[:n].copy()

        for kernel in (_quantile_sorted, _quantile_sorted.py_func):  # compiled, and as interpreted for small rounds
            got = kernel(u, profile.times, *profile.segments)
            assert np.array_equal(got, profile.sample(Drawn(), u.size)) and np.all(np.diff(got) >= 0)


def test_positives_are_each_resident_at_the_prevalence(small_round):
    """Rule 7: a Bernoulli draw per resident. Over 200 points of 1,000 residents at 1%, the count is
    Binomial(200,000, 0.01): mean 2,000, sd 44.5; within 4 sd."""
    from sim.engine.crowd import positives

    rnd = small_round.with_(prevalence=0.01)
    found = [positives(rnd, np.random.default_rng(s), 1000) for s in range(200)]
    assert abs(sum(f.size for f in found) - 2000) < 4 * 44.5
    assert all(np.all(np.diff(f) > 0) and (f.size == 0 or f[-1] < 1000) for f in found)
