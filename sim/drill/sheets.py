"""`natsim drill plan`: run sheets for a drill, from replications of the plan.

Per point and hour: expected arrivals, peak queue, p95 wait, pickups and the tables working (shift
handovers and disruptions both count, from `sim.scenario.pauses`); per lab and hour: tubes arriving and
reported; each table's windows without service; each point's pickup times.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from sim.core.i18n import _
from sim.core.tables import write_csv
from sim.engine.queue import queue_lengths_at
from sim.engine.replication import Trace, run_replication
from sim.report.folder import staged_folder
from sim.scenario.pauses import table_windows, working
from sim.scenario.round import Round

FILES = {"points": "runsheet.csv", "labs": "lab_load.csv", "shifts": "shifts.csv", "pickups": "pickups.csv"}


def run_sheet(rnd: Round, replications: int = 5) -> dict[str, list[dict]]:
    """What each point and lab should expect, hour by hour (means over replications of the plan)."""
    traces = [run_replication(rnd, r, trace=True).trace for r in range(replications)]
    t_end = max(float(t.residents["end"].max()) for t in traces if t.residents["end"].size)
    hours = np.arange(math.floor(min(rnd.profile.times[0], rnd.open) / 3600), math.ceil(t_end / 3600))
    first = traces[0].tubes
    names = traces[0].point_names
    return {
        "points": _point_hours(rnd, traces, hours, t_end),
        "labs": _lab_hours(rnd, traces, int(hours[0])),
        "shifts": _table_windows(rnd, t_end),
        "pickups": [
            {
                "point": name,
                "pickup_times_h": "; ".join(f"{t / 3600:.2f}" for t in np.unique(first["picked"][first["point"] == p])),
            }
            for p, name in enumerate(names)
        ],
    }


def _where(rnd: Round) -> list[tuple[int, int]]:
    return [(gi, i) for gi, g in enumerate(rnd.groups) for i in range(g.count)]


def _point_hours(rnd: Round, traces: list[Trace], hours: np.ndarray, t_end: float) -> list[dict]:
    rows: list[dict] = []
    for p, (name, (gi, i)) in enumerate(zip(traces[0].point_names, _where(rnd), strict=True)):
        g = rnd.groups[gi]
        mean = np.mean([_hourly(tr, p, hours) for tr in traces], axis=0)
        windows = table_windows(rnd, gi, i, g.tables, t_end + 3600)
        for h, hour in enumerate(hours):
            if mean[h, 0] or mean[h, 3]:
                rows.append(
                    {
                        "point": name,
                        "group": g.name,
                        "hour": f"{hour:g}h-{hour + 1:g}h",
                        "tables_working": working(*windows, hour * 3600 + 1800),
                        "expected_arrivals": round(mean[h, 0], 1),
                        "expected_peak_queue": round(mean[h, 1], 1),
                        "expected_p95_wait_min": round(mean[h, 2], 1),
                        "expected_pickups": round(mean[h, 3], 2),
                    }
                )
    return rows


def _hourly(tr: Trace, p: int, hours: np.ndarray) -> np.ndarray:
    """Per hour at point p in one replication: arrivals, peak queue, p95 wait (min), pickups."""
    out = np.zeros((hours.size, 4))
    at = tr.residents["point"] == p
    a, s = tr.residents["arrival"][at], tr.residents["start"][at]
    minute = np.arange(hours[0] * 3600, (hours[-1] + 1) * 3600, 60.0)
    q = queue_lengths_at(a, s, minute).reshape(hours.size, 60) if a.size else np.zeros((hours.size, 60))
    hour_of = np.floor(a / 3600).astype(int) - hours[0]
    picks = np.unique(tr.tubes["picked"][tr.tubes["point"] == p])
    for h in range(hours.size):
        w = (s - a)[hour_of == h]
        out[h] = (
            w.size,
            q[h].max(),
            np.quantile(w, 0.95) / 60 if w.size else 0.0,
            np.sum(np.floor(picks / 3600) - hours[0] == h),
        )
    return out


def _lab_hours(rnd: Round, traces: list[Trace], first_hour: int) -> list[dict]:
    rows: list[dict] = []
    lab_of = [rnd.tube_labs(t.tubes["point"], t.tubes.get("lab")) for t in traces]  # the lab that ran each tube
    last = int(math.ceil(max(np.nanmax(t.tubes["result"]) for t in traces) / 3600))
    for li, lab in enumerate(rnd.labs):
        for hour in range(first_hour, last):
            arriving = np.mean(
                [
                    np.sum((lo == li) & (np.floor(t.tubes["at_lab"] / 3600) == hour))
                    for t, lo in zip(traces, lab_of, strict=True)
                ]
            )
            reported = np.mean(
                [
                    np.sum((lo == li) & (np.floor(t.tubes["result"] / 3600) == hour))
                    for t, lo in zip(traces, lab_of, strict=True)
                ]
            )
            if arriving or reported:
                rows.append(
                    {
                        "lab": lab.name,
                        "hour": f"{hour}h-{hour + 1}h",
                        "expected_tubes_arriving": round(float(arriving), 1),
                        "expected_tubes_reported": round(float(reported), 1),
                        "extraction_capacity_tubes_per_hour": round(
                            lab.extractors * lab.plate_size * 3600 / lab.extraction.mean
                        ),
                    }
                )
    return rows


def _table_windows(rnd: Round, until: float) -> list[dict]:
    """Each table's windows without service (handovers, closures, tables down), point by point where a
    disruption makes points of a group differ, else once per group."""
    rows = []
    for gi, g in enumerate(rnd.groups):
        own = {b.point for b in rnd.blocked if b.group == gi}
        points = range(g.count) if own - {-1} else [0]
        for i in points:
            start, end = table_windows(rnd, gi, i, g.tables, until)
            for j in range(g.tables):
                spans = [f"{a / 3600:.2f}h-{b / 3600:.2f}h" for a, b in zip(start[j], end[j], strict=True) if a < until]
                row = {"group": g.name, "table": j + 1, "pauses": "; ".join(spans) or "none"}
                rows.append({"point": g.point_name(i), **row} if own - {-1} else row)
    return rows


def write_run_sheets(sheets: dict[str, list[dict]], out: Path) -> Path:
    with staged_folder(out) as tmp:
        for key, name in FILES.items():
            rows = sheets[key]
            columns = list(rows[0]) if rows else ["none"]
            write_csv(tmp / name, columns, rows)
    return out


def busiest_hours(sheets: dict[str, list[dict]], n: int = 5) -> str:
    """The points and hours with the longest expected queues, as `natsim drill plan` prints them."""
    h = [_("point"), _("hour"), _("tables"), _("arrivals"), _("peak queue"), _("p95 wait")]
    lines = [f"{h[0]:18s} {h[1]:>9s} {h[2]:>6s} {h[3]:>9s} {h[4]:>10s} {h[5]:>9s}"]
    for r in sorted(sheets["points"], key=lambda r: -r["expected_peak_queue"])[:n]:
        lines.append(
            f"{r['point']:18s} {r['hour']:>9s} {r['tables_working']:6d} {r['expected_arrivals']:9.1f} "
            f"{r['expected_peak_queue']:10.1f} {r['expected_p95_wait_min']:8.1f}m"
        )
    return "\n".join(lines)
