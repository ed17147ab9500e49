"""A places round keeps everything downstream working: a key group's v1 points beside the sites, a
closed site, tables down in a places group, call slots by compound, and a campaign of two rounds."""

from sim.report.summary import RunResult
from sim.run.runner import run
from sim.scenario.build import build_round
from sim.scenario.load import load_scenario

SCENARIO = """name: everything on a map
deadline: 12h
arrivals: {profile: [[0h, 2], [2h, 1], [4h, 0]]}
sampling: {service_time: {dist: exponential, mean: 40s}, shifts: {length: 2h, handover: 10m}}
places:
  coordinates: metres
  compounds: c.csv
  sites: s.csv
  labs: {L: [0, 3000]}
  groups:
    east:
      call_slots: {slots: [{from: 0h, to: 1h, buildings: [e1]}, {from: 1h, to: 2h, buildings: [e2]}]}
points:
  - {name: quarantine, count: 1, residents: 80, tables: 1, lab: L, travel_time: 20m, pool_size: 1, priority: true}
transport: {pickup_interval: 30m, vehicles: {L: 3}}
labs: [{name: L, extractors: 2, pcr_machines: 2, plate_size: 24, extraction_time: 20m, pcr_time: 30m}]
positives: {prevalence: 0.01, recall_delay: 30m}
events:
  - {kind: close_points, from: 1h, to: 2h, points: [w]}
  - {kind: tables_down, from: 0h, to: 1h, group: east, tables: 1}
campaign: {rounds: 2, every: 24h}
"""


def test_a_places_campaign_with_a_key_group_runs_and_reports_by_compound(tmp_path):
    (tmp_path / "c.csv").write_text(
        "name,x,y,residents,group\nw1,0,0,300,\nw2,200,0,200,\ne1,2000,0,250,east\ne2,2100,100,250,east\n"
    )
    (tmp_path / "s.csv").write_text("name,x,y,tables\nw,100,0,2\ne,2050,50,2\n")
    (tmp_path / "p.yaml").write_text(SCENARIO)
    rnd = build_round(load_scenario(tmp_path / "p.yaml"))
    assert [g.name for g in rnd.groups] == ["quarantine", "sites", "east"]
    assert rnd.groups[2].calls.shares == (0.5, 0.5) and len(rnd.blocked) == 2
    result: RunResult = run(rnd, 2)
    s = result.summary()
    assert len(s["rounds"]) == 2 and s["groups"]["quarantine"]["tubes"]["mean"] > 60  # single tubes
    rows = {r["name"]: r for r in result.compounds_table()}
    assert rows["e1"]["site"] == "e" and 200 < rows["e1"]["arrived"] <= 2 * 250  # both rounds
    assert s["metrics"]["within_walk_standard"]["mean"] == 1.0
    # The closure of site w over 1-2 h shows in its residents' waits (same residents without it: common
    # random numbers), and not in the other site's.
    open_all = run(rnd.with_(blocked=tuple(b for b in rnd.blocked if b.group != 1)), 2)
    without = {r["name"]: r for r in open_all.compounds_table()}
    assert rows["w1"]["wait_p95_min"] > without["w1"]["wait_p95_min"] + 10
    assert rows["e2"]["wait_p95_min"] == without["e2"]["wait_p95_min"]
