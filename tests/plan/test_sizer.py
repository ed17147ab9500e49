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


LINKED = """
name: two linked labs and one alone
deadline: 9h
seed: 5
arrivals: {profile: [[0h, 3], [2h, 1], [4h, 0]]}
sampling: {service_time: {dist: exponential, mean: 40s}, pool_size: 10}
points:
  - {name: a, count: 3, residents: 3000, tables: 8, lab: city, travel_time: 15m}
  - {name: c, count: 2, residents: 3000, tables: 8, lab: county, travel_time: 20m}
transport: {pickup_interval: 30m, box_capacity: 20, vehicles: {city: 3, county: 2}}
labs:
  - {name: city, extractors: 1, pcr_machines: 1, plate_size: 24, extraction_time: 30m, pcr_time: 40m,
     overflow: {when: 1h, to: [backup], trunk: {travel_time: 1h, every: 1h}}}
  - {name: county, extractors: 2, pcr_machines: 2, plate_size: 24, extraction_time: 30m, pcr_time: 40m}
  - {name: backup, external: true, extractors: 2, pcr_machines: 2, plate_size: 24, extraction_time: 30m, pcr_time: 40m}
"""


def test_labs_linked_by_overflow_are_one_part_and_sizing_them_together_stays_correct():
    from sim.plan.sizing import Targets, size
    from sim.scenario.build import round_from_text

    rnd = round_from_text(LINKED)
    sizer = Sizer(rnd, Targets(0.8, None))
    assert sizer.labs_of == [(0, 2), (1,)]  # city with its backup; county alone
    part = sizer.parts[0]
    assert [lab.name for lab in part.labs] == ["city", "backup"] and part.labs[0].overflow.to == (1,)
    assert [g.name for g in part.groups] == ["a"]
    sizer.close()
    from dataclasses import replace

    vary = ("extractors", "pcr_machines")
    linked = size(rnd, Targets(0.8, None, 0.0), vary=vary, search_reps=2, verify_reps=5)
    assert linked["feasible"] and linked["final_check_on_untouched_replications"]["share_meeting_targets"] >= 0.8
    assert all(c["fails"] for c in linked["one_step_smaller"].values())  # minimal, the parts checked together
    alone = size(rnd.with_(labs=tuple(replace(lab, overflow=None) for lab in rnd.labs)), Targets(0.8, None, 0.0), vary=vary,
                 search_reps=2, verify_reps=5)  # fmt: skip
    city = {
        r["plan"]["labs"][0]["extractors"] + r["plan"]["labs"][0]["pcr_machines"]: k
        for k, r in (("linked", linked), ("alone", alone))
    }
    # The city lab leans on its backup: sized with it, it needs fewer instruments than sized alone.
    assert min(city) == min(k for k in city if city[k] == "linked") < max(city)
    assert linked["plan"]["labs"][1] == alone["plan"]["labs"][1]  # county, linked to nothing, sized the same
