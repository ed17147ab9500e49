"""`natsim drill review`: a drill's log against the plan, fitted distributions, a calibrated scenario.

Service times are observed as the gap between consecutive swabs at a table when the next resident had
already joined the queue (so the table went straight on to them, with no pause in between); travel
times as `at_lab - picked_up` (one way, the vehicle's drive back). Candidates are fitted by maximum
likelihood (scipy.stats, location fixed at 0) and the one with the lowest AIC is chosen.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import stats

from sim.drill_log import SWAB_COLUMNS, TUBE_COLUMNS
from sim.durations import DurationError, parse_duration
from sim.model import Round

CANDIDATES = {"lognormal": (stats.lognorm, 2), "gamma": (stats.gamma, 2), "exponential": (stats.expon, 1)}


class DrillLogError(Exception):
    """A log that cannot be read at all (missing file or columns)."""


@dataclass
class SetAside:
    file: str
    line: int
    reason: str


@dataclass
class DrillLog:
    point: np.ndarray  # per swab: point index
    table: np.ndarray
    joined: np.ndarray  # NaN where not recorded
    swabbed: np.ndarray
    tubes: dict[str, np.ndarray]  # point, sealed, picked_up, at_lab, reported (NaN where not recorded)
    set_aside: list[SetAside] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


def _time(text: str, start: dt.datetime | None) -> float:
    text = text.strip()
    if not text:
        return math.nan
    if "T" in text or "-" in text[1:]:
        if start is None:
            raise ValueError("a clock time, but the scenario has no start: use durations since the start")
        return (dt.datetime.fromisoformat(text) - start).total_seconds()
    return parse_duration(text, allow_negative=True)


def _rows(path: Path, columns: tuple[str, ...]):
    if not path.exists():
        raise DrillLogError(f"{path}: missing (a drill log folder holds swabs.csv and tubes.csv; see docs/drill-log.md)")
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise DrillLogError(f"{path}:1: missing column(s) {', '.join(missing)}; columns are {','.join(columns)}")
        yield from enumerate(reader, start=2)


def read_log(folder: Path, rnd: Round, start: dt.datetime | None) -> DrillLog:
    """Read both files; rows that cannot be used are set aside with the reason, never dropped silently."""
    names = {g.point_name(i): (p, g.tables) for p, (g, i) in enumerate((g, i) for g in rnd.groups for i in range(g.count))}
    aside: list[SetAside] = []
    cols: dict[str, list] = {k: [] for k in ("point", "table", "joined", "swabbed")}
    n_swabs = 0
    for line, row in _rows(folder / "swabs.csv", SWAB_COLUMNS):
        n_swabs += 1
        try:
            point, tables = names[row["point"].strip()]
        except KeyError:
            aside.append(SetAside("swabs.csv", line, f"unknown point {row['point']!r}"))
            continue
        try:
            table = int(row["table"])
            joined, swabbed = _time(row["joined"], start), _time(row["swabbed"], start)
        except (ValueError, DurationError) as exc:
            aside.append(SetAside("swabs.csv", line, f"unreadable value: {exc}"))
            continue
        if not 1 <= table <= tables:
            aside.append(SetAside("swabs.csv", line, f"table {table} does not exist at {row['point']} ({tables} tables)"))
        elif math.isnan(swabbed):
            aside.append(SetAside("swabs.csv", line, "no swab time"))
        elif joined > swabbed:
            aside.append(SetAside("swabs.csv", line, "joined the queue after the swab"))
        else:
            for k, v in (("point", point), ("table", table - 1), ("joined", joined), ("swabbed", swabbed)):
                cols[k].append(v)
    tubes: dict[str, list] = {k: [] for k in ("point", "sealed", "picked_up", "at_lab", "reported")}
    n_tubes = 0
    for line, row in _rows(folder / "tubes.csv", TUBE_COLUMNS):
        n_tubes += 1
        if row["point"].strip() not in names:
            aside.append(SetAside("tubes.csv", line, f"unknown point {row['point']!r}"))
            continue
        try:
            times = [_time(row[k], start) for k in ("sealed", "picked_up", "at_lab", "reported")]
        except (ValueError, DurationError) as exc:
            aside.append(SetAside("tubes.csv", line, f"unreadable value: {exc}"))
            continue
        known = [
            (k, t) for k, t in zip(("sealed", "picked up", "at the lab", "reported"), times, strict=True) if not math.isnan(t)
        ]
        wrong = next(((a, b) for (a, ta), (b, tb) in zip(known, known[1:], strict=False) if tb < ta), None)
        if wrong:
            aside.append(SetAside("tubes.csv", line, f"{wrong[1]} before {wrong[0]}"))
            continue
        tubes["point"].append(names[row["point"].strip()][0])
        for k, t in zip(("sealed", "picked_up", "at_lab", "reported"), times, strict=True):
            tubes[k].append(t)
    return DrillLog(
        np.array(cols["point"], int),
        np.array(cols["table"], int),
        np.array(cols["joined"], float),
        np.array(cols["swabbed"], float),
        {k: np.array(v, float) for k, v in tubes.items()},
        aside,
        {"swabs.csv": n_swabs, "tubes.csv": n_tubes},
    )


def service_samples(log: DrillLog, rnd: Round) -> np.ndarray:
    """Gaps between consecutive swabs at one table where the next resident was already waiting and no
    shift pause fell in between: each such gap is exactly that resident's service time."""
    order = np.lexsort((log.swabbed, log.table, log.point))
    p, t, j, s = log.point[order], log.table[order], log.joined[order], log.swabbed[order]
    same = (p[1:] == p[:-1]) & (t[1:] == t[:-1])
    waiting = j[1:] <= s[:-1]
    gap = s[1:] - s[:-1]
    keep = same & waiting & (gap > 0)
    if rnd.shifts:
        sh = rnd.shifts
        period = sh.length + sh.handover
        # Keep gaps within one work period of the table (staggered offsets included).
        tables = np.array([g.tables for g in rnd.groups for _ in range(g.count)])[p[1:]]
        off = (t[1:] * period / tables) if sh.stagger else 0.0
        k0 = np.floor((s[:-1] - rnd.open - off) / period)
        k1 = np.floor((s[1:] - rnd.open - off) / period)
        keep &= k0 == k1
    return gap[keep]


@dataclass
class Fit:
    kind: str
    mean: float
    sd: float
    aic: float
    ks: float
    candidates: dict[str, dict]

    def spec(self) -> dict:
        if self.kind == "exponential":
            return {"dist": "exponential", "mean": f"{self.mean:.1f}s"}
        return {"dist": self.kind, "mean": f"{self.mean:.1f}s", "sd": f"{self.sd:.1f}s"}


def fit_duration(x: np.ndarray) -> Fit:
    """Maximum-likelihood fits of the candidates; the lowest AIC wins."""
    x = np.asarray(x, float)
    x = x[x > 0]
    if x.size < 10:
        raise ValueError(f"only {x.size} usable observations: too few to fit a distribution")
    out = {}
    for name, (family, k) in CANDIDATES.items():
        params = family.fit(x, floc=0)
        loglik = float(np.sum(family.logpdf(x, *params)))
        mean, var = (float(v) for v in family.stats(*params, moments="mv"))
        out[name] = {
            "aic": 2 * k - 2 * loglik,
            "mean_s": mean,
            "sd_s": math.sqrt(var),
            "ks": float(stats.kstest(x, family.cdf, args=params).statistic),
            "params": [float(v) for v in params],
        }
    best = min(out, key=lambda n: out[n]["aic"])
    b = out[best]
    return Fit(best, b["mean_s"], b["sd_s"], b["aic"], b["ks"], out)


def observed_profile(times: np.ndarray, step: float = 3600.0) -> list[list]:
    """Arrivals per hour as a profile: one entry per hour from the first arrival, weights relative."""
    if times.size == 0:
        return []
    t0 = math.floor(times.min() / step) * step
    counts = np.bincount(((times - t0) // step).astype(int))
    weights = counts / counts.max()
    profile = [[_dur(t0 + i * step), round(float(w), 3)] for i, w in enumerate(weights)]
    profile.append([_dur(t0 + counts.size * step), 0])
    return profile


def _dur(seconds: float) -> str:
    sign = "-" if seconds < 0 else ""
    return f"{sign}{abs(seconds) / 60:g}m"


def figures(log: DrillLog) -> dict[str, float | None]:
    """The figures a drill review compares, from a log (observed or simulated)."""
    hours = (log.swabbed.max() - log.swabbed.min()) / 3600 if log.swabbed.size > 1 else math.nan
    tables_used = len({(int(p), int(t)) for p, t in zip(log.point, log.table, strict=True)})
    join_to_swab = (log.swabbed - log.joined) / 60
    join_to_swab = join_to_swab[~np.isnan(join_to_swab)]
    t = log.tubes
    intervals = []
    for p in np.unique(t["point"]):
        picks = np.unique(t["picked_up"][(t["point"] == p) & ~np.isnan(t["picked_up"])])
        intervals.extend(np.diff(picks) / 60)

    def mean(x) -> float | None:
        x = np.asarray(x, float)
        x = x[~np.isnan(x)]
        return float(x.mean()) if x.size else None

    return {
        "swabs": float(log.swabbed.size),
        "swabs_per_table_per_hour": log.swabbed.size / tables_used / hours if tables_used and hours > 0 else None,
        "join_to_swab_mean_min": mean(join_to_swab),
        "join_to_swab_p95_min": float(np.quantile(join_to_swab, 0.95)) if join_to_swab.size else None,
        "pickup_interval_mean_min": mean(intervals),
        "transit_mean_min": mean((t["at_lab"] - t["picked_up"]) / 60),
        "lab_turnaround_mean_h": mean((t["reported"] - t["at_lab"]) / 3600),
        "seal_to_report_mean_h": mean((t["reported"] - t["sealed"]) / 3600),
    }


def _log_from_trace(trace) -> DrillLog:
    r, t = trace.residents, trace.tubes
    tubes = {
        "point": t["point"].astype(float),
        "sealed": t["sealed"],
        "picked_up": t["picked"],
        "at_lab": t["at_lab"],
        "reported": t["result"],
    }
    return DrillLog(r["point"], r["table"], r["arrival"], r["end"], tubes)


def review(rnd: Round, scenario_text: str, log: DrillLog, out: Path) -> dict:
    """Observed against simulated, fits, the observed profile and calibrated.yaml, written into `out`."""
    import json

    import yaml

    from sim.engine import run_replication
    from sim.results import staged_folder

    simulated_log = _log_from_trace(run_replication(rnd, 0, trace=True).trace)
    simulated = figures(simulated_log)
    observed = figures(log)
    service = fit_duration(service_samples(log, rnd))
    transit = log.tubes["at_lab"] - log.tubes["picked_up"]
    travel = fit_duration(transit[~np.isnan(transit)]) if np.isfinite(transit).sum() >= 10 else None
    arrivals = log.joined if np.isfinite(log.joined).sum() >= 10 else log.swabbed
    profile = observed_profile(arrivals[~np.isnan(arrivals)])
    data = yaml.safe_load(scenario_text)
    data["sampling"]["service_time"] = service.spec()
    if travel:
        for entry in data["points"]:
            if "file" not in entry:
                entry["travel_time"] = travel.spec()
    data["arrivals"]["profile"] = profile
    data["arrivals"]["turnout"] = round(min(1.0, log.swabbed.size / rnd.residents), 4) if rnd.residents else 1.0
    data["description"] = (
        "Calibrated by `natsim drill review` from a drill log: service and travel times fitted, arrival "
        "profile and turnout observed. " + str(data.get("description") or "")
    )
    result = {
        "figures": {k: {"observed": observed[k], "simulated": simulated[k]} for k in observed},
        "service_time_fit": {
            "chosen": service.kind,
            "by": "lowest AIC",
            "samples": int(service_samples(log, rnd).size),
            "candidates": service.candidates,
        },
        "travel_time_fit": ({"chosen": travel.kind, "by": "lowest AIC", "candidates": travel.candidates} if travel else None),
        "observed_profile": profile,
        "rows": log.rows,
        "set_aside": len(log.set_aside),
    }
    with staged_folder(out) as tmp:
        (tmp / "review.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        (tmp / "calibrated.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
        with (tmp / "review.csv").open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["figure", "observed", "simulated"])
            for k, v in result["figures"].items():
                w.writerow([k, *("" if x is None else f"{x:.4g}" for x in (v["observed"], v["simulated"]))])
        with (tmp / "set_aside.csv").open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["file", "line", "reason"])
            w.writerows([a.file, a.line, a.reason] for a in log.set_aside)
        from sim import plots

        plots.fit_plot(service_samples(log, rnd), service, "service time at a table", tmp / "fit_service.png")
        plots.drill_vs_plan(log, simulated_log, tmp / "observed_vs_plan.png")
        if travel:
            plots.fit_plot(transit[~np.isnan(transit)], travel, "travel time, point to lab", tmp / "fit_travel.png")
    return result


def run_sheet(rnd: Round, replications: int = 5) -> dict[str, list[dict]]:
    """What each point and lab should expect, hour by hour (means over replications of the plan)."""
    from sim.engine import run_replication
    from sim.queue import queue_lengths_at

    traces = [run_replication(rnd, r, trace=True).trace for r in range(replications)]
    names = traces[0].point_names
    groups = [g for g in rnd.groups for _ in range(g.count)]
    t_end = max(float(t.residents["end"].max()) for t in traces if t.residents["end"].size)
    hours = np.arange(math.floor(min(rnd.profile.times[0], rnd.open) / 3600), math.ceil(t_end / 3600))
    points: list[dict] = []
    for p, name in enumerate(names):
        g = groups[p]
        acc = np.zeros((len(traces), hours.size, 4))  # arrivals, peak queue, p95 wait, pickups
        for k, tr in enumerate(traces):
            at = tr.residents["point"] == p
            a, s = tr.residents["arrival"][at], tr.residents["start"][at]
            minute = np.arange(hours[0] * 3600, (hours[-1] + 1) * 3600, 60.0)
            q = queue_lengths_at(a, s, minute).reshape(hours.size, 60) if a.size else np.zeros((hours.size, 60))
            hour_of = np.floor(a / 3600).astype(int) - hours[0]
            picks = np.unique(tr.tubes["picked"][tr.tubes["point"] == p])
            for h in range(hours.size):
                w = (s - a)[hour_of == h]
                acc[k, h] = (
                    w.size,
                    q[h].max(),
                    np.quantile(w, 0.95) / 60 if w.size else 0.0,
                    np.sum(np.floor(picks / 3600) - hours[0] == h),
                )
        mean = acc.mean(axis=0)
        for h, hour in enumerate(hours):
            if mean[h, 0] or mean[h, 3]:
                points.append(
                    {
                        "point": name,
                        "group": g.name,
                        "hour": f"{hour:g}h-{hour + 1:g}h",
                        "tables_working": _tables_working(rnd, g.tables, hour * 3600 + 1800),
                        "expected_arrivals": round(mean[h, 0], 1),
                        "expected_peak_queue": round(mean[h, 1], 1),
                        "expected_p95_wait_min": round(mean[h, 2], 1),
                        "expected_pickups": round(mean[h, 3], 2),
                    }
                )
    labs: list[dict] = []
    for li, lab in enumerate(rnd.labs):
        lab_points = np.array([groups[p].lab == li for p in range(len(names))])
        for hour in range(int(hours[0]), int(math.ceil(max(np.nanmax(t.tubes["result"]) for t in traces) / 3600))):
            arriving = np.mean(
                [np.sum(lab_points[t.tubes["point"]] & (np.floor(t.tubes["at_lab"] / 3600) == hour)) for t in traces]
            )
            reported = np.mean(
                [np.sum(lab_points[t.tubes["point"]] & (np.floor(t.tubes["result"] / 3600) == hour)) for t in traces]
            )
            if arriving or reported:
                labs.append(
                    {
                        "lab": lab.name,
                        "hour": f"{hour}h-{hour + 1}h",
                        "expected_tubes_arriving": round(float(arriving), 1),
                        "expected_tubes_reported": round(float(reported), 1),
                        "extraction_capacity_tubes_per_hour": round(lab.extractors * lab.plate_size * 3600 / lab.extraction.mean),
                    }
                )
    shifts = []
    for g in rnd.groups:
        for j in range(g.tables):
            shifts.append({"group": g.name, "table": j + 1, "pauses": _pauses(rnd, j, g.tables, t_end)})
    first = traces[0].tubes
    pickups = [
        {"point": name, "pickup_times_h": "; ".join(f"{t / 3600:.2f}" for t in np.unique(first["picked"][first["point"] == p]))}
        for p, name in enumerate(names)
    ]
    return {"points": points, "labs": labs, "shifts": shifts, "pickups": pickups}


def _pause_windows(rnd: Round, table: int, tables: int, until: float) -> list[tuple[float, float]]:
    sh = rnd.shifts
    if sh is None:
        return []
    period = sh.length + sh.handover
    base = rnd.open + (table * period / tables if sh.stagger else 0.0)
    return [
        (base + k * period + sh.length, base + (k + 1) * period)
        for k in range(int(until // period) + 2)
        if base + k * period + sh.length < until
    ]


def _pauses(rnd: Round, table: int, tables: int, until: float) -> str:
    return "; ".join(f"{a / 3600:.2f}h-{b / 3600:.2f}h" for a, b in _pause_windows(rnd, table, tables, until)) or "none"


def _tables_working(rnd: Round, tables: int, t: float) -> int:
    return sum(not any(a <= t < b for a, b in _pause_windows(rnd, j, tables, t + 1)) for j in range(tables))
