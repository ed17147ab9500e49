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
    exact = Targets(0.8, None, 0.0, margin_from_spread=False)  # no margin at all: the parts' own difference shows
    linked = size(rnd, exact, vary=vary, search_reps=2, verify_reps=5)
    assert linked["feasible"] and linked["final_check_on_untouched_replications"]["share_meeting_targets"] >= 0.8
    assert all(c["fails"] for c in linked["one_step_smaller"].values())  # minimal, the parts checked together
    alone = size(
        rnd.with_(labs=tuple(replace(lab, overflow=None) for lab in rnd.labs)),
        exact,
        vary=vary,
        search_reps=2,
        verify_reps=5,
    )
    city = {
        r["plan"]["labs"][0]["extractors"] + r["plan"]["labs"][0]["pcr_machines"]: k
        for k, r in (("linked", linked), ("alone", alone))
    }
    # The city lab leans on its backup: sized with it, it needs fewer instruments than sized alone.
    assert min(city) == min(k for k in city if city[k] == "linked") < max(city)
    assert linked["plan"]["labs"][1] == alone["plan"]["labs"][1]  # county, linked to nothing, sized the same


def test_route_vehicles_are_sized_per_route_and_a_lab_that_makes_no_trips_keeps_its_vehicles(siting_town, tmp_path):
    from sim.plan.sizing import Targets, size
    from sim.plan.sizing_report import write_sizing
    from sim.scenario.build import build_round
    from sim.scenario.load import load_scenario

    (siting_town / "routes.csv").write_text("route,vehicles,lab,stops\nr1,5,L,k0;k1\n")
    sites = (siting_town / "sites.csv").read_text().splitlines()
    sites[1:3] = [line.replace(",2,true,", ",12,true,") for line in sites[1:3]]  # enough tables to sample everyone
    (siting_town / "sites.csv").write_text("\n".join(sites) + "\n")
    path = siting_town / "town.yaml"
    text = path.read_text().replace(
        "transport: {vehicles: {L: 4}}", "transport: {vehicles: {L: 4}, routes: {file: routes.csv}}"
    )
    path.write_text(text)
    rnd = build_round(load_scenario(path))
    sizer = Sizer(rnd, Targets(0.8, None))
    assert sizer.fixed("vehicles", 0)  # every site is on a route that waits for its courier: no trips of its own
    assert sizer.indices("route_vehicles", 0) == [0]
    sizer.close()
    result = size(rnd, Targets(0.8, None, 0.0), vary=("route_vehicles",), search_reps=2, verify_reps=4)
    assert result["feasible"] and result["plan"]["routes"][0]["vehicles"] == 1  # one courier keeps this timetable
    assert result["plan"]["labs"][0]["vehicles"] == 4  # left as it was
    write_sizing(result, text, siting_town / "sized")
    assert (siting_town / "sized" / "routes.csv").read_text().splitlines()[1] == "r1,1,L,k0;k1,"
    assert "file: routes.csv" in (siting_town / "sized" / "plan.yaml").read_text()


def test_a_check_stops_at_the_first_failures_past_the_confidence_and_agrees_with_the_full_one(small_round):
    late = small_round.with_(deadline=3 * 3600.0)  # fails in every replication
    for rnd, met in ((late, False), (small_round, True)):
        sizer = Sizer(rnd, Targets(confidence=0.9))
        try:
            quick, full = sizer.check(plan_of(rnd), range(10)), sizer.check(plan_of(rnd), range(10), early=False)
            assert sizer.meets(quick) == sizer.meets(full) == met
            assert len(quick.met) == (10 if met else 2)  # 90% of 10 allows one failure: stopped after two
            assert quick.met == full.met[: len(quick.met)]
        finally:
            sizer.close()


def test_the_binding_stage_judges_the_queue_as_the_check_did_inside_the_wait_margin(small_round):
    sizer = Sizer(small_round, Targets(confidence=0.9, max_wait=30 * 60))
    try:
        sizer.wait_margin = 3 * 60.0
        edge = Check([False], [11.0], [28.5], [5.0], [6.0])  # p95 28.5 min: over 27, within 30
        assert sizer.binding(edge).startswith("sampling points (queue standard)")
        assert sizer.binding(edge, margin=False).startswith("labs")
    finally:
        sizer.close()


def test_the_replications_that_failed_most_go_first_even_and_odd_in_turn(small_round):
    sizer = Sizer(small_round, Targets(confidence=0.9))
    try:
        sizer._failures = {3: 2, 4: 1, 7: 5}
        order = sizer._hardest_first(range(10))
        assert sorted(order) == list(range(10)) and order[0] == 7
        assert all(a % 2 != b % 2 for a, b in zip(order[::2], order[1::2], strict=True))  # each step: two workers
    finally:
        sizer.close()
    late = small_round.with_(deadline=3 * 3600.0)
    sizer = Sizer(late, Targets(confidence=0.9))
    try:
        sizer._failures = {5: 3}
        assert len(sizer.check(plan_of(late), range(10)).met) == 2 and sizer._failures[5] == 4  # judged first
    finally:
        sizer.close()
