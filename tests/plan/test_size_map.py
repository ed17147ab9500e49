"""`natsim size` on a map: siting chooses sites and tables, then the sited plan's vehicles and labs are
sized; the folder's plan.yaml runs as it stands."""

from __future__ import annotations

import json

import pytest

from sim.plan.size_map import size_on_map
from sim.plan.sizer import Targets
from sim.plan.sizing import SizingError
from sim.run.runner import run
from sim.scenario.build import build_round
from sim.scenario.load import load_scenario


def test_sites_by_siting_then_logistics_by_sizing_in_one_runnable_plan(siting_town, tmp_path):
    loaded = load_scenario(siting_town / "town.yaml")
    rnd = build_round(loaded)
    out = tmp_path / "size"
    vary = ("points", "tables", "vehicles", "extractors", "pcr_machines")
    sited, sized = size_on_map(loaded, rnd, Targets(0.9, 1800.0, 900.0), vary, {}, out, search_reps=1, verify_reps=3)
    assert sited["feasible"] and sized is not None and sized["feasible"]
    assert sized["plan"]["totals"]["points"] == sited["plan"]["sites"] > 2  # two sites now: siting opens more
    assert sized["siting"]["plan"] == sited["plan"]
    assert json.loads((out / "sizing.json").read_text())["siting"]["folder"] == "siting"
    plan = load_scenario(out / "plan.yaml")
    assert plan.spec.places.sites == "siting/sites.csv"
    again = build_round(plan)
    assert again.places.open_sites.size == sited["plan"]["sites"]
    assert again.labs[0].extractors == sized["plan"]["labs"][0]["extractors"]
    assert run(again, 2).summary()["deadline_met_fraction"] >= 0.5


def test_siting_on_a_map_needs_the_queue_standard(siting_town, tmp_path):
    loaded = load_scenario(siting_town / "town.yaml")
    with pytest.raises(SizingError, match="--max-wait"):
        size_on_map(loaded, build_round(loaded), Targets(0.9, None, 900.0), ("points",), {}, tmp_path / "x")
