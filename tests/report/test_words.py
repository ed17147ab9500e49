from sim.report.words import describe_round, verdict
from sim.run.runner import run


def test_the_description_counts_residents_points_and_the_deadline(small_round):
    text = describe_round(small_round)
    assert "800 residents" in text and "2 points" in text and "12 h" in text


def test_the_verdict_says_met_or_missed_first(small_round):
    met = verdict(run(small_round, 2).summary())
    missed = verdict(run(small_round.with_(deadline=3600.0), 2).summary())
    assert met[0].startswith("Deadline 12 h: MET") and missed[0].startswith("Deadline 1 h: MISSED")


NETWORK = """
name: network
deadline: 14h
seed: 2
arrivals: {profile: [[0h, 3], [2h, 1], [4h, 0]]}
sampling: {service_time: {dist: exponential, mean: 40s}, pool_size: 5}
points:
  - {name: a, count: 3, residents: 700, tables: 3, lab: city, travel_time: 15m}
transport: {pickup_interval: 30m, box_capacity: 20, vehicles: {city: 3}}
labs:
  - {name: city, extractors: 1, pcr_machines: 1, plate_size: 24, extraction_time: 30m, pcr_time: 40m,
     overflow: {when: 60 tubes, to: [far], trunk: {travel_time: 2h, every: 1h}}}
  - {name: far, external: true, extractors: 1, pcr_machines: 1, plate_size: 24, extraction_time: 30m, pcr_time: 40m}
"""


def test_with_several_labs_the_verdict_names_the_lab_that_binds_and_what_went_by_trunk():
    from sim.scenario.build import round_from_text

    summary = run(round_from_text(NETWORK), 2).summary()
    labs = summary["labs"]
    last = {name: f["last_result_h"]["mean"] for name, f in labs.items()}
    binds = max(last, key=last.get)
    line = next(x for x in verdict(summary) if x.startswith("The lab that binds"))
    assert line.startswith(f"The lab that binds: {binds}, its last result at {last[binds]:.1f} h")
    sent = labs["city"]["diverted_out"]["mean"]
    assert sent > 0 and f"{sent:,.0f} tubes sent on by trunk" in line
    assert labs["far"]["diverted_in"]["mean"] == sent == summary["metrics"]["tubes_sent_on"]["mean"]
    # Every tube is run once: what the city received and kept plus what it sent on.
    assert labs["city"]["received"]["mean"] == summary["metrics"]["tubes"]["mean"]


def test_the_stage_that_binds_is_the_longest_wait_not_a_set_duration():
    from sim.report.words import slowest_wait

    stages = {"queue_at_point": 0.4, "waiting_for_pickup": 0.9, "in_transit": 2.0, "lab_queue": None, "lab_run": 3.0}
    assert slowest_wait(stages) == "waiting_for_pickup"  # transit and the lab run are longer, but not waits
    assert slowest_wait({"in_transit": 1.0}) is None
