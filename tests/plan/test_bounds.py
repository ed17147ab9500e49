from sim.plan.bounds import analytic_bounds, apply_plan, plan_of, totals


def test_a_plan_round_trips_and_redivides_residents(small_round):
    plan = plan_of(small_round)
    assert apply_plan(small_round, plan) == small_round
    plan["points"] = [3]
    three = apply_plan(small_round, plan)
    assert three.groups[0].count == 3 and three.groups[0].residents == 267  # 800 / 3 rounded up
    assert totals(small_round, plan_of(small_round))["tables"] == 4


def test_bounds_grow_with_a_tighter_queue_standard(small_round):
    loose, tight = analytic_bounds(small_round, 3600.0), analytic_bounds(small_round, 60.0)
    assert tight["tables"][0] > loose["tables"][0] >= 1
    assert all(v >= 1 for v in loose["vehicles"] + loose["extractors"] + loose["pcr_machines"])
