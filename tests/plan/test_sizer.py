from sim.plan.bounds import plan_of
from sim.plan.sizer import Check, Sizer, Targets, binding_stage


def test_a_plan_with_time_to_spare_meets_and_a_tight_deadline_does_not(small_round):
    sizer = Sizer(small_round, Targets(confidence=1.0), search_reps=2)
    try:
        assert sizer.ok(plan_of(small_round))
        late = Sizer(small_round.with_(deadline=3 * 3600.0), Targets(confidence=1.0), search_reps=2)
        assert not late.ok(plan_of(small_round))
        late.close()
    finally:
        sizer.close()


def test_the_binding_stage_is_the_first_that_passes_the_deadline(small_round):
    long_queue = Check([False], [11.0], [90.0], [5.0], [6.0])
    assert binding_stage(long_queue, small_round, 30 * 60).startswith("sampling points (queue standard)")
    late_lab = Check([False], [13.0], [10.0], [5.0], [6.0])
    assert binding_stage(late_lab, small_round, 30 * 60).startswith("labs")
    late_trucks = Check([False], [13.0], [10.0], [5.0], [11.9])
    assert binding_stage(late_trucks, small_round, None).startswith("transport")
