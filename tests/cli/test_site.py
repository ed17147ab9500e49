import json

from sim.scenario.load import load_scenario


def test_site_writes_a_runnable_plan(siting_town, natsim):
    proc = natsim("site", "town.yaml", "--max-wait", "15m", "--confidence", "0.8", "-r", "5", "--out", "sited", cwd=siting_town)
    assert proc.returncode == 0, proc.stderr
    assert "open " in proc.stdout and "verified on 5 fresh replications" in proc.stdout
    out = siting_town / "sited"
    assert {p.name for p in out.iterdir()} >= {"plan.yaml", "sites.csv", "compounds.csv", "siting.json", "siting.png"}
    plan = load_scenario(out / "plan.yaml")  # runnable as it stands
    report = json.loads((out / "siting.json").read_text())
    assert sum(s.tables > 0 for s in plan.place_files.sites) == report["plan"]["sites"]
    assert report["milp"]["gap"] >= 0 and report["targets"]["max_wait_min"] == 15
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "verified on 5 fresh replications" in page and "Sites" in page


def test_a_compound_out_of_reach_is_named_and_the_exit_is_1(siting_town, natsim):
    with (siting_town / "compounds.csv").open("a") as f:
        f.write("far-farm,9000,9000,200\n")
    proc = natsim("site", "town.yaml", "-r", "3", "--out", "sited", cwd=siting_town)
    assert proc.returncode == 1 and "far-farm" in proc.stdout and "out of reach" in proc.stdout
    assert (siting_town / "sited" / "plan.yaml").exists()  # the best partial answer
    # ... verified for everyone else: the farm alone does not make every replication fail
    report = json.loads((siting_town / "sited" / "siting.json").read_text())
    assert report["unreachable_compounds"] == ["far-farm"] and report["verification"]["share_meeting_targets"] > 0
