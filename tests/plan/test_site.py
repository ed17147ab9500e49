import pytest

from sim.plan.site import SitingError, SitingTargets, candidates, site
from sim.scenario.build import build_round
from sim.scenario.load import load_scenario


def test_a_sited_town_meets_both_standards_on_fresh_replications(siting_town):
    loaded = load_scenario(siting_town / "town.yaml")
    rnd = build_round(loaded)
    result = site(loaded, rnd, SitingTargets(900.0, 900.0, confidence=0.8, replications=6, search_replications=2))
    m = result["_map"]
    assert result["feasible"] and result["plan"]["residents_within_walk_standard"] == 1.0
    assert result["verification"]["share_meeting_targets"] >= 0.8
    assert (
        max(result["verification"]["worst_site_p95_wait_min"]) <= 15.0 + 1e-6
        or result["verification"]["share_meeting_targets"] < 1
    )
    assert result["plan"]["sites"] == m.open_sites.size and result["plan"]["tables"] == int(m.site_tables.sum())
    assert all(result["one_step_smaller"].values())  # one table fewer at a busy site, or a site closed, fails


def test_candidates_are_the_flagged_and_the_open_sites(siting_town):
    loaded = load_scenario(siting_town / "town.yaml")
    c = candidates(loaded, build_round(loaded).places)
    assert c.index.size == 16 and set(c.max_tables) == {8} and not c.fixed_tables.any()


def test_a_round_without_a_map_is_refused(small_round):
    with pytest.raises(SitingError, match="places scenario"):
        site(None, small_round, SitingTargets(900.0, 1800.0))


def test_a_green_field_is_sited_to_its_brute_force_minimum_and_every_site_tried_closed(cover_scenario):
    folder, town = cover_scenario(6)
    assert town.greedy > town.minimum
    loaded = load_scenario(folder / "town.yaml", siting=True)  # no site open: loads for siting only
    assert not loaded.places_map.open_sites.size
    result = site(
        loaded, build_round(loaded), SitingTargets(900.0, 1800.0, confidence=0.8, replications=4, search_replications=2)
    )
    assert result["feasible"] and result["plan"]["sites"] == town.minimum
    milp = result["milp"]
    assert milp["program"] == "whole map" and milp["optimal"] and milp["lower_bound"] <= milp["objective"] + 1e-9
    assert result["minimality"]["sites_tried_closed"] >= town.minimum  # every open site, not only the busiest
    assert result["whole_map"]["walking_cover_bound"] <= result["whole_map"]["objective"] + 1e-9


def test_a_green_field_is_refused_for_a_run_with_the_way_out(cover_scenario):
    from sim.scenario.problems import ScenarioError

    folder, _town = cover_scenario(7)
    with pytest.raises(ScenarioError, match="natsim site"):
        load_scenario(folder / "town.yaml")


def test_standards_of_zero_are_refused(siting_town):
    loaded = load_scenario(siting_town / "town.yaml")
    with pytest.raises(SitingError, match="more than zero"):
        site(loaded, build_round(loaded), SitingTargets(0.0, 1800.0))


def test_a_plan_short_of_the_confidence_on_fresh_replications_is_not_called_feasible(siting_town, monkeypatch):
    # Every fresh replication fails (as if the plan sat at the edge): three rounds of repair, then the
    # result says the targets are not met and why, rather than handing over the plan as meeting them.
    from sim.plan.site_check import SiteChecker

    monkeypatch.setattr(SiteChecker, "replication_ok", lambda self, m, r: False)
    loaded = load_scenario(siting_town / "town.yaml")
    result = site(loaded, build_round(loaded), SitingTargets(900.0, 900.0, confidence=0.8, replications=3))
    assert not result["feasible"] and result["verification"]["attempts"] == 3
    assert "0 of 3 fresh replications" in result["note"]
