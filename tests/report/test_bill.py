"""The bill: checked against a hand computation on the quickstart, and its rules on small cases."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.core.i18n import set_language
from sim.report.bill import bill_rows, compute_bill, translated_rule
from sim.run.runner import run
from sim.scenario.build import build_round, round_from_text
from sim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def quickstart():
    rnd = build_round(load_scenario(ROOT / "scenarios" / "quickstart.yaml"))
    return rnd, run(rnd, 3)


def _mean(result, key):
    return np.mean([r.metrics[key] for r in result.reps])


def test_the_quickstart_bill_by_hand(quickstart):
    rnd, result = quickstart
    bill = {line.item: line for line in result.bill()}
    # 12 points with 3 tables each; tables work 3 h shifts (sampling.shifts), so a point's staff work
    # 3 h shifts; every point swabs its last resident between 6 and 9 h after opening: 3 shifts.
    last = np.mean([r.points["last_service_h"] for r in result.reps], axis=0)
    assert np.all((last > 6) & (last <= 9))
    assert (bill["samplers"].per_shift, bill["samplers"].shifts, bill["samplers"].quantity) == (36, 3, 108)
    assert bill["registrars"].quantity == 108
    assert (bill["order_keepers"].per_shift, bill["order_keepers"].quantity) == (24, 72)  # 2 a point
    assert (bill["volunteers"].per_shift, bill["volunteers"].quantity) == (48, 144)  # 4 a point
    # Couriers and technicians work 8 h shifts: the last tube reaches the lab between 8 and 16 h, the
    # last result too, so two shifts each; 6 vehicles, 1 courier each; (6 + 10) instruments x 0.5.
    assert 8 < _mean(result, "last_tube_at_lab_h") <= 16 and 8 < _mean(result, "results_complete_h") <= 16
    assert (bill["couriers"].per_shift, bill["couriers"].quantity) == (6, 12)
    assert (bill["lab_technicians"].per_shift, bill["lab_technicians"].quantity) == (8, 16)
    # Materials: what the simulated round used, on average over its replications, rounded up.
    swabs = np.mean([r.metrics["residents_arrived"] + r.metrics["retests"] for r in result.reps])
    assert bill["swabs"].quantity == math.ceil(swabs)
    assert bill["tubes"].quantity == math.ceil(
        np.mean([r.metrics["tubes"] + r.metrics["retests"] for r in result.reps])
    )
    assert bill["ppe_sets"].quantity == 108  # one a sampler shift
    assert bill["transport_boxes"].quantity == math.ceil(_mean(result, "pickups"))
    assert (
        bill["plates"].quantity == bill["reagent_kits"].quantity == math.ceil(_mean(result, "plates"))
    )  # 96 wells, 96 a kit


def test_the_bill_is_in_the_summary_and_its_rows(quickstart):
    _rnd, result = quickstart
    summary = result.summary()["bill"]
    rows = bill_rows(result.bill())
    assert [r["item"] for r in rows] == list(summary)
    assert summary["samplers"]["quantity"] == 108 and summary["samplers"]["rule"] == "1 per table per shift"


def _small(extra: str = ""):
    text = """
name: bill
deadline: 24h
arrivals: {profile: [[0h, 1], [2h, 0]]}
sampling: {service_time: 30s}
points:
  - {name: a, count: 2, residents: 100, tables: 3, lab: lab, travel_time: 10m}
transport: {vehicles: {lab: 5}}
labs: [{name: lab, extractors: 1, pcr_machines: 2, extraction_time: 30m, pcr_time: 1h}]
"""
    return round_from_text(text + extra)


FIGURES = {"residents_arrived": 1000, "tubes": 100, "plates": 3, "retests": 20, "pickups": 7}


def test_shifts_cover_each_point_from_opening_to_its_last_swab():
    rnd = _small()  # default 8 h shifts
    figures = {**FIGURES, "last_tube_at_lab_h": 17.0, "results_complete_h": 23.9}
    bill = {b.item: b for b in compute_bill(rnd, figures, np.array([5.0, 9.0]))}
    assert bill["samplers"].quantity == 3 * 1 + 3 * 2  # one shift at the first point, two at the second
    assert bill["volunteers"].quantity == 4 * 3 and bill["volunteers"].per_shift == 8
    assert bill["couriers"].quantity == 5 * 3  # 17 h: three 8 h shifts
    assert bill["lab_technicians"].per_shift == 2 and bill["lab_technicians"].quantity == 2 * 3  # ceil(3 x 0.5)


def test_fractional_ratios_round_up_per_post_and_reserve_rounds_up():
    rnd = _small(
        "staffing: {samplers_per_table: 1.5, volunteers_per_point: 2.5, reserve: 0.1, reactions_per_kit: 48}\n"
    )
    figures = {**FIGURES, "last_tube_at_lab_h": 3.0, "results_complete_h": 5.0}
    bill = {b.item: b for b in compute_bill(rnd, figures, np.array([1.0, np.nan]))}  # nobody came to the second
    assert bill["samplers"].per_shift == 2 * 5  # 4.5 samplers at a 3-table point are 5 people
    assert bill["samplers"].quantity == 10  # one shift each: a point nobody came to is still staffed once
    assert bill["volunteers"].per_shift == 6
    assert bill["swabs"].quantity == math.ceil(1020 * 1.1)
    assert bill["reagent_kits"].quantity == math.ceil(3 * 96 / 48 * 1.1)
    assert bill["swabs"].rule() == "one per resident sampled and per retest, +10% reserve"


def test_a_campaign_counts_every_round():
    one = _small()
    two = _small("campaign: {rounds: 2, every: 24h}\n")
    figures = {**FIGURES, "last_tube_at_lab_h": 3.0, "results_complete_h": 5.0}
    single = {b.item: b for b in compute_bill(one, figures, np.array([5.0, 9.0]))}
    later = {**figures, "last_tube_at_lab_h": 27.0, "results_complete_h": 29.0}  # the campaign's clock
    both = {b.item: b for b in compute_bill(two, later, np.array([29.0, 33.0]))}
    assert both["samplers"].quantity == 2 * single["samplers"].quantity
    assert both["couriers"].quantity == 2 * single["couriers"].quantity


def test_rules_read_in_chinese():
    row = {"item": "samplers", "kind": "staff", "ratio": 2.0, "reserve": 0.0}
    set_language("zh")
    try:
        assert translated_rule(row) == "每台每班 2 人"
    finally:
        set_language("en")
