import numpy as np
import pytest

from sim.scenario.round import Profile


def test_a_campaign_meets_its_deadline_only_when_every_round_does(small_round):
    from dataclasses import replace

    from sim.scenario.round import RoundPlan

    plans = tuple(RoundPlan(k * 86400.0, 0.9, small_round.profile) for k in range(3))
    rnd = replace(small_round, campaign=plans)
    due = [rnd.deadline_of(k) for k in range(3)]
    assert rnd.deadline_met(due)
    late = [due[0], due[1] + 60, due[2] - 3600]  # the last round early cannot make up for round 2
    assert not rnd.deadline_met(late)


def test_profile_draws_follow_the_weights():
    p = Profile.from_pairs([(0, 1.0), (3600, 3.0), (7200, 0.0)])
    t = p.sample(np.random.default_rng(0), 40_000)
    assert np.mean(t >= 3600) == pytest.approx(0.75, abs=4 * np.sqrt(0.75 * 0.25 / 40_000))


def test_peak_arrival_rate(small_round):
    # weights 2, 3, 1 over 0.5 h, 2 h, 2 h: the peak holds 3 / 9 of the mass per hour
    expected = small_round.residents * 0.9 * 3 / (2 * 0.5 + 3 * 2 + 1 * 2)
    assert small_round.peak_arrival_rate() == pytest.approx(expected)


def test_a_figure_of_each_points_group_by_point_index(small_text):
    from sim.scenario.build import round_from_text

    rnd = round_from_text(
        small_text.replace(
            "  - {name: a, count: 2",
            "  - {name: b, count: 1, residents: 50, tables: 1, lab: lab1, travel_time: 5m}\n  - {name: a, count: 2",
        )
    )
    assert rnd.per_point(lambda g: g.tables).tolist() == [1, 2, 2]
    assert rnd.per_point(lambda g: g.people).tolist() == [50, 400, 400]
    assert rnd.first_points().tolist() == [0, 1, 3]
