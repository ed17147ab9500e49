"""Every example scenario is valid and the small ones run; the city ones run in benchmarks/."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from sim.run.runner import run
from sim.scenario.build import build_round
from sim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]

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
        assert "docs/facts.md" in desc and "Assumed" in desc


@pytest.mark.parametrize("stem", ["quickstart", "yuci-district-drill"])
def test_small_examples_run(stem):
    rnd = build_round(load_scenario(ROOT / "scenarios" / f"{stem}.yaml"))
    s = run(rnd, 1).summary()
    assert s["metrics"]["residents_arrived"]["mean"] == pytest.approx(rnd.residents * rnd.turnout, rel=0.02)
    assert s["metrics"]["results_complete_h"]["mean"] > s["metrics"]["sampling_complete_h"]["mean"]


def test_county_campaign_shows_the_breakdown_and_its_backlog():
    rnd = build_round(load_scenario(ROOT / "scenarios" / "county-campaign-8-rounds.yaml"))
    rounds = run(rnd, 1).summary()["rounds"]
    assert len(rounds) == 8
    late = [r["round"] for r in rounds if r["deadline_met_fraction"] == 0]
    assert late == [3]  # the PCR breakdown
    assert rounds[3]["metrics"]["backlog_at_start_tubes"]["mean"] > 1000  # round four inherits round three's tubes
    assert rounds[5]["metrics"]["residents_arrived"]["mean"] < rounds[0]["metrics"]["residents_arrived"]["mean"] * 0.96


def test_county_town_calls_keep_queues_short():
    rnd = build_round(load_scenario(ROOT / "scenarios" / "county-town-call-slots.yaml"))
    free = rnd.with_(groups=tuple(replace(g, calls=None) for g in rnd.groups))  # the same town, nobody called
    called, uncalled = run(rnd, 1).summary()["metrics"], run(free, 1).summary()["metrics"]
    assert called["wait_p95_min"]["mean"] < 15 < uncalled["wait_p95_min"]["mean"]


def test_the_river_town_walks_its_streets_through_the_gate_and_over_the_bridges():
    """The walled compound's only way out is its gate (x 1,000 m, y 1,300 m from the town's corner); a
    compound across the river from its nearest site in a straight line walks round by a bridge."""
    import numpy as np

    from sim.core import geo

    rnd = build_round(load_scenario(ROOT / "scenarios" / "river-town-streets.yaml"))
    m = rnd.places
    walled = m.compound_names.index("walled")
    lon0, lat0 = 120.70, 30.75
    gate = (lon0 + 1.0 / (111.32 * np.cos(np.radians(lat0))), lat0 + 1.3 / 111.32)
    path = m.streets.walk_path(walled, int(m.assigned[walled]))
    assert geo.distance(path, np.array(gate), True).min() < 1.0
    straight = geo.distance(m.compound_xy, m.site_xy[m.assigned], True) / m.walk_speed
    assert np.all(m.walk >= straight - 1e-6) and np.max(m.walk / straight) > 1.6
    assert 0 < m.residents_within_standard <= 1
