"""Disruptions: each kind moves the figures in the direction and by the size worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.replication import run_replication
from sim.scenario.build import round_from_text

QUEUED = """
name: everyone queued at the open
deadline: 2d
arrivals: {{profile: [[-1h, 1], [-30m, 0]]}}
sampling: {{service_time: 60s}}
points: [{{name: p, residents: {residents}, tables: {tables}, lab: l, travel_time: 10m}}]
transport: {{vehicles: {{l: 2}}}}
labs: [{{name: l, extractors: 4, pcr_machines: 4, extraction_time: 1h, pcr_time: 1h}}]
{events}
"""


def _last_swab_h(residents: int, tables: int, events: str = "") -> float:
    rnd = round_from_text(QUEUED.format(residents=residents, tables=tables, events=events))
    return run_replication(rnd, 0).metrics["sampling_complete_h"]


def test_closing_the_point_for_an_hour_delays_the_last_swab_by_an_hour():
    # 300 residents, one table, 60 s each: 5 h of work from the open; closed on [1h, 2h).
    assert _last_swab_h(300, 1) == pytest.approx(5.0)
    assert _last_swab_h(300, 1, "events: [{kind: close_points, points: [p], from: 1h, to: 2h}]") == pytest.approx(6.0)


def test_a_table_down_for_two_hours_costs_two_table_hours():
    # 600 residents at two tables: 5 h. One table down on [1h, 3h): 120 services lost, done an hour later.
    assert _last_swab_h(600, 2) == pytest.approx(5.0)
    assert _last_swab_h(
        600, 2, "events: [{kind: tables_down, group: p, tables: 1, from: 1h, to: 3h}]"
    ) == pytest.approx(6.0)


def test_travel_slowdown_doubles_transit():
    base = round_from_text(QUEUED.format(residents=600, tables=2, events=""))
    slow = round_from_text(
        QUEUED.format(
            residents=600, tables=2, events="events: [{kind: travel_slowdown, lab: l, factor: 2, from: -1h, to: 1d}]"
        )
    )
    transit = [
        np.mean(t.tubes["at_lab"] - t.tubes["picked"])
        for t in (run_replication(r, 0, trace=True).trace for r in (base, slow))
    ]
    assert transit[1] == pytest.approx(2 * transit[0])  # fixed 10 min becomes 20 min


def test_arrival_shift_moves_residents_later_without_losing_any():
    text = """
name: shift
deadline: 1d
arrivals: {{profile: [[0h, 1], [4h, 0]]}}
sampling: {{service_time: 20s}}
points: [{{name: p, count: 4, residents: 2000, tables: 4, lab: l, travel_time: 10m}}]
transport: {{vehicles: {{l: 4}}}}
labs: [{{name: l, extractors: 4, pcr_machines: 4, extraction_time: 1h, pcr_time: 1h}}]
{events}
"""
    runs = [
        run_replication(round_from_text(text.format(events=e)), 0, trace=True).trace.residents["arrival"]
        for e in ("", "events: [{kind: arrival_shift, factor: 0, from: 1h, to: 2h}]")
    ]
    hour = [np.bincount((a // 3600).astype(int), minlength=4) for a in runs]
    assert runs[0].size == runs[1].size  # nobody lost
    assert hour[1][1] == 0  # nobody in the rained-out hour
    assert hour[1][2] == pytest.approx(hour[0][1] + hour[0][2], rel=0.05)  # they come in the next hour


def test_events_are_validated_and_shown(tmp_path):
    from sim.scenario.load import ScenarioError, parse_scenario

    with pytest.raises(ScenarioError, match="no point or point group named 'q'"):
        parse_scenario(
            QUEUED.format(
                residents=10, tables=1, events="events: [{kind: close_points, points: [q], from: 1h, to: 2h}]"
            )
        )
    with pytest.raises(ScenarioError, match="'to' must be later"):
        parse_scenario(
            QUEUED.format(
                residents=10, tables=1, events="events: [{kind: close_points, points: [p], from: 2h, to: 1h}]"
            )
        )
