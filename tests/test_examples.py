"""Every example scenario is valid and the small ones run; the city ones run in benchmarks/."""

from __future__ import annotations

import pytest
from conftest import ROOT

from sim.model import build_round
from sim.runner import run
from sim.scenario import load_scenario

SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def test_the_four_examples_exist():
    names = {p.stem for p in SCENARIOS}
    assert {"quickstart", "yuci-district-drill", "xian-2021-12-27", "shanghai-2022-04-04"} <= names


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_example_is_valid_and_cites_its_sources(path):
    loaded = load_scenario(path)
    desc = loaded.spec.description or ""
    assert len(desc) > 100
    if path.stem != "quickstart":
        assert "mass-testing-facts" in desc and "Assumed" in desc


@pytest.mark.parametrize("stem", ["quickstart", "yuci-district-drill"])
def test_small_examples_run(stem):
    rnd = build_round(load_scenario(ROOT / "scenarios" / f"{stem}.yaml"))
    s = run(rnd, 1).summary()
    assert s["metrics"]["residents_arrived"]["mean"] == pytest.approx(rnd.residents * rnd.turnout, rel=0.02)
    assert s["metrics"]["results_complete_h"]["mean"] > s["metrics"]["sampling_complete_h"]["mean"]
