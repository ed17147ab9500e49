"""The round's small rules: the deadline, the queue standard, a group's pool size."""

from sim.scenario.rules import TIME_TOLERANCE, every_round_on_time, on_time, pool_size_rule, within_wait


def test_on_time_is_at_or_before_the_deadline():
    assert on_time(3600.0, 3600.0) and on_time(None, 0.0)
    assert not on_time(3600.001, 3600.0)
    assert every_round_on_time([10.0, None, 30.0], [10.0, 20.0, 30.0])
    assert not every_round_on_time([10.0, 25.0], [10.0, 20.0])


def test_the_queue_standard_is_the_p95_within_the_standard_less_the_margin():
    assert within_wait(1800.0, 1800.0) and not within_wait(1800.6, 1800.0)
    assert within_wait(1500.0, 1800.0, margin_s=300.0) and not within_wait(1530.0, 1800.0, margin_s=300.0)
    assert within_wait(1800.0 + TIME_TOLERANCE / 2, 1800.0)  # float rounding at the edge is within


def test_a_key_groups_own_pool_size_wins_over_the_scenarios():
    assert pool_size_rule(1, 10) == 1 and pool_size_rule(None, 10) == 10
