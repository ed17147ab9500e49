import math

import pytest

from sim.drill.sheets import busiest_hours, run_sheet, write_run_sheets
from sim.scenario.build import round_from_text

DOWN = """
name: one table down
deadline: 12h
arrivals: {profile: [[0h, 1], [6h, 0]]}
sampling: {service_time: 30s}
points:
  - {name: p, count: 2, residents: 600, tables: 3, lab: L, travel_time: 10m}
transport: {vehicles: {L: 2}}
labs: [{name: L, extractors: 2, pcr_machines: 2, extraction_time: 30m, pcr_time: 1h}]
events:
  - {kind: tables_down, from: 0h, to: 3h, group: p, tables: 1}
  - {kind: close_points, from: 4h, to: 5h, points: [p-0002]}
"""


def test_the_run_sheet_counts_tables_down_and_closed_points():
    sheets = run_sheet(round_from_text(DOWN), replications=1)
    working = {(r["point"], r["hour"]): r["tables_working"] for r in sheets["points"]}
    assert working["p-0001", "1h-2h"] == 2 and working["p-0001", "3h-4h"] == 3
    assert working["p-0002", "4h-5h"] == 0 and working["p-0001", "4h-5h"] == 3
    windows = {(r["point"], r["table"]): r["pauses"] for r in sheets["shifts"]}
    assert windows["p-0001", 3] == "0.00h-3.00h" and windows["p-0001", 1] == "none"
    assert windows["p-0002", 1] == "4.00h-5.00h"


def test_the_sheets_are_written_and_the_busiest_hours_printed(tmp_path):
    sheets = run_sheet(round_from_text(DOWN), replications=1)
    write_run_sheets(sheets, tmp_path / "s")
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == [
        "lab_load.csv",
        "pickups.csv",
        "runsheet.csv",
        "shifts.csv",
    ]
    assert busiest_hours(sheets).splitlines()[1].startswith("p-000")


def test_run_sheet_accounts_for_everyone_and_the_pauses(drill):
    rnd = drill[0]
    sheets = run_sheet(rnd, replications=2)
    arrivals = sum(r["expected_arrivals"] for r in sheets["points"])
    assert arrivals == pytest.approx(rnd.residents * rnd.turnout, rel=0.02)
    # 1 h work + 10 min handover, staggered over 2 tables: table 2 first pauses 35 min after table 1.
    assert sheets["shifts"][0]["pauses"].startswith("1.00h-1.17h")
    assert sheets["shifts"][1]["pauses"].startswith("1.58h-1.75h")
    assert {r["tables_working"] for r in sheets["points"]} <= {1, 2}
    assert len(sheets["pickups"]) == 6 and all(r["pickup_times_h"] for r in sheets["pickups"])
    tubes = sum(r["expected_tubes_arriving"] for r in sheets["labs"])
    assert tubes == pytest.approx(sum(math.ceil(700 / 10) for _ in range(6)), rel=0.1)
