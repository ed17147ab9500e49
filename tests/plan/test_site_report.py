import csv

from sim.plan.site import SitingTargets, site
from sim.plan.site_report import table, write_siting
from sim.scenario.build import build_round
from sim.scenario.load import load_scenario


def test_sites_csv_is_a_places_file_with_the_plan_and_its_figures(siting_town, tmp_path):
    loaded = load_scenario(siting_town / "town.yaml")
    result = site(
        loaded, build_round(loaded), SitingTargets(900.0, 900.0, confidence=0.8, replications=4, search_replications=2)
    )
    write_siting(result, loaded, tmp_path / "out")
    rows = list(csv.DictReader((tmp_path / "out" / "sites.csv").open()))
    assert len(rows) == 16 and {"name", "x", "y", "tables", "residents", "residents_within_walk_standard"} <= set(
        rows[0]
    )
    assert sum(int(r["tables"]) for r in rows) == result["plan"]["tables"]
    assert sum(int(r["residents"]) for r in rows) == sum(
        int(r["residents"]) for r in csv.DictReader((siting_town / "compounds.csv").open())
    )
    assert "open " in table(result) and "MILP (HiGHS)" in table(result)
