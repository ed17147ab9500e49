"""`natsim forecast`: from a status during the round, will every result be in by the deadline, and where
to send help (docs/forecast.md).

The status becomes the engine's `RoundState` (F1-F5 in docs/forecast.md); the plan's own replications,
seen at TIME, say which points and labs are behind and how far turnout has run ahead of or behind
the profile; replications from the state give the probability of meeting the deadline and a 95%
prediction interval for the last result; each `--add` option runs on the same streams (common random
numbers), so the differences between options are the options', not chance's.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np

from sim.core.fitting import fit_duration
from sim.core.i18n import _
from sim.core.stats import diff_ci95, prediction_interval95, proportion_ci95
from sim.core.streams import replications
from sim.drill.counts import from_counts
from sim.drill.review import service_samples
from sim.drill.status import Status, StatusError, from_log
from sim.engine.resume import Outlook, PlanAt, RoundState, plan_at, resume_replication
from sim.engine.timeline import Grid
from sim.report.summary import STAGE_NAMES
from sim.report.words import slowest_wait
from sim.run.runner import replicate
from sim.scenario.names import resolve
from sim.scenario.problems import did_you_mean
from sim.scenario.round import Round

PLAN_REPLICATIONS = 5  # the plan's own runs, seen at TIME: enough for the means a comparison needs
TOO_EARLY = 0.05  # turnout is updated once the plan expects this share of its residents to have come
MIN_SERVICE_GAPS = 100  # fits from a log replace the scenario's rates from this many observations
MIN_TRAVELS = 30
FIT_SAMPLE = 100_000
LAB_KEYS = ("vehicles", "extractors", "pcr_machines")


class ForecastError(ValueError):
    """An option or a scenario the forecast cannot use (a planner's message, exit 2)."""


@dataclass
class Option:
    """One `--add KEY=VALUE`: the round with more of something from TIME on."""

    text: str
    rnd: Round
    extra_tables: np.ndarray | None = None


def parse_adds(items: list[str], rnd: Round) -> list[Option]:
    """`vehicles.LAB=N`, `extractors.LAB=N`, `pcr_machines.LAB=N` (N more at that lab), `tables.NAME=N`
    (N more at every point NAME means: a group, a site, a point). Every option's problem at once."""
    out, problems = [], []
    for item in items:
        try:
            out.append(_parse_add(item, rnd))
        except ForecastError as exc:
            problems.append(str(exc))
    if problems:
        raise ForecastError("\n".join(problems))
    return out


def _parse_add(item: str, rnd: Round) -> Option:
    labs = {lab.name: li for li, lab in enumerate(rnd.labs)}
    key, _sep, value = item.partition("=")
    kind, _dot, name = key.strip().partition(".")
    if not value.strip().isdigit() or int(value) < 1:
        raise ForecastError(
            _("--add {item}: write KEY.NAME=N with N a whole number of 1 or more, e.g. vehicles.central=10").format(item=item)
        )
    n = int(value)
    if kind in LAB_KEYS:
        if name not in labs:
            raise ForecastError(
                _("--add {item}: no lab named {name!r} (labs: {labs})").format(item=item, name=name, labs=", ".join(labs))
                + did_you_mean(name, labs)
            )
        li = labs[name]
        lab = rnd.labs[li]
        changed = replace(lab, **{kind: getattr(lab, kind) + n})
        return Option(item, rnd.with_(labs=tuple(changed if i == li else x for i, x in enumerate(rnd.labs))))
    if kind == "tables":
        where = resolve(name, rnd.groups)
        if not where:
            known = {g.name for g in rnd.groups} | {n for g in rnd.groups for n in g.names or ()}
            raise ForecastError(
                _("--add {item}: no point, site or group named {name!r}").format(item=item, name=name) + did_you_mean(name, known)
            )
        extra = np.zeros(rnd.n_points, np.int64)
        first = rnd.first_points()
        for gi, i in where:
            if i < 0:
                extra[first[gi] : first[gi + 1]] += n
            else:
                extra[first[gi] + i] += n
        return Option(item, rnd, extra)
    raise ForecastError(
        _("--add {item}: the key is one of vehicles, extractors, pcr_machines, tables").format(item=item)
        + did_you_mean(kind, (*LAB_KEYS, "tables"))
    )


def read_status(folder: Path, rnd: Round, start: dt.datetime | None, at: float) -> Status:
    """A drill log folder (swabs.csv, tubes.csv) or a counts folder (points.csv, labs.csv)."""
    if (folder / "swabs.csv").exists() or (folder / "tubes.csv").exists():
        return from_log(folder, rnd, start, at)
    if (folder / "points.csv").exists() or (folder / "labs.csv").exists():
        return from_counts(folder, rnd, start, at)
    raise StatusError(
        [
            _(
                "{folder}: neither a drill log (swabs.csv, tubes.csv) nor counts (points.csv, labs.csv); see docs/forecast.md"
            ).format(folder=folder)
        ]
    )


def updated_rates(rnd: Round, status: Status) -> tuple[Round, dict]:
    """Service and travel times fitted from a log (as `drill review` fits them), when it holds enough. The
    notes are data (`forecast_report.update_lines` words them, in the page's language)."""
    if status.log is None:
        return rnd, {k: {"updated": False, "why": "counts"} for k in ("service_time", "travel_time", "lab_turnaround")}
    notes: dict[str, dict] = {"lab_turnaround": {"updated": False, "why": "log"}}
    gaps = service_samples(status.log, rnd)
    notes["service_time"] = {"updated": gaps.size >= MIN_SERVICE_GAPS, "observations": int(gaps.size), "needed": MIN_SERVICE_GAPS}
    if notes["service_time"]["updated"]:
        fit = fit_duration(_evenly(gaps))
        rnd = rnd.with_(service=fit.distribution())
        notes["service_time"] |= {"kind": fit.kind, "mean_s": fit.mean}
    t = status.log.tubes
    # Only drives that began long enough before TIME to have ended whatever their length (three of the
    # scenario's mean drives): the slow ones still on the road would otherwise be missing from the fit.
    mean_drive = rnd.per_point(lambda g: g.travel.mean)
    began = t["picked_up"] <= status.at - 3 * mean_drive[np.nan_to_num(t["point"]).astype(np.int64)]
    drive = (t["at_lab"] - t["picked_up"])[began & (t["at_lab"] <= status.at)]
    drive = np.unique(drive[drive > 0])  # a box's tubes share one drive
    notes["travel_time"] = {"updated": drive.size >= MIN_TRAVELS, "observations": int(drive.size), "needed": MIN_TRAVELS}
    if notes["travel_time"]["updated"]:
        fit = fit_duration(_evenly(drive))
        rnd = rnd.with_(groups=tuple(replace(g, travel=fit.distribution()) for g in rnd.groups))
        notes["travel_time"] |= {"kind": fit.kind, "mean_s": fit.mean}
    return rnd, notes


def _evenly(x: np.ndarray) -> np.ndarray:
    """At most FIT_SAMPLE observations, evenly spaced through them: a city's ten million gaps fit no better
    than a hundred thousand, and take a minute."""
    return x if x.size <= FIT_SAMPLE else x[np.linspace(0, x.size - 1, FIT_SAMPLE).astype(np.int64)]


def state_of(rnd: Round, status: Status, plans: list[PlanAt]) -> tuple[RoundState, dict]:
    """The engine's state from a status (F1, F5) and what the turnout update found."""
    plan_arrived = np.mean([p.arrived for p in plans], axis=0)
    plan_queue = np.mean([p.arrived - p.sampled for p in plans], axis=0)
    expected = rnd.per_point(lambda g: g.people) * rnd.turnout
    # Counts without queues: the plan's queue at TIME, rounded (F5).
    waiting = status.waiting if status.waiting is not None else [np.full(int(round(q)), status.at) for q in plan_queue]
    came = status.sampled + np.array([w.size for w in waiting])
    enough = bool(plan_arrived.sum() >= TOO_EARLY * expected.sum())
    ratio = float(came.sum() / plan_arrived.sum()) if enough else 1.0
    turnout = min(rnd.turnout * ratio, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        so_far = np.where(expected > 0, np.clip(plan_arrived / expected, 0, 1), 1.0)
        still = np.clip(turnout * (1 - so_far) / (1 - turnout * so_far), 0, 1)
    tubes = _lab_times(rnd, status, plans[0]) if status.kind == "counts" else status.tubes
    state = RoundState(status.at, came, np.nan_to_num(still), waiting, status.open_tube, tubes, status.plates_running)
    return state, {
        "turnout": {
            "updated": enough,
            "scenario": rnd.turnout,
            "now": turnout,
            "came": int(came.sum()),
            "plan": float(plan_arrived.sum()),
            "too_early_below": TOO_EARLY,
        }
    }


def _lab_times(rnd: Round, status: Status, plan: PlanAt) -> dict[str, np.ndarray]:
    """Rule F5: counts do not say when a lab's unreported tubes came; they came as its latest receipts did in
    the plan's first run (the earliest of those again for any beyond what the plan had received)."""
    tubes = {k: v.copy() for k, v in status.tubes.items()}
    lab_of = rnd.per_point(lambda g: g.lab)[tubes["point"]]
    for li in range(len(rnd.labs)):
        rows = np.flatnonzero((lab_of == li) & ~np.isnan(tubes["at_lab"]))
        if not rows.size:
            continue
        latest = plan.received_at[li][-rows.size :]
        fill = np.full(rows.size - latest.size, latest[0] if latest.size else status.at)
        tubes["at_lab"][rows] = np.concatenate([fill, latest])
    return tubes


def run_forecast(
    rnd: Round, status: Status, reps: int, options: list[Option], *, jobs: int = 1, dask: str | None = None, progress=None
) -> dict:
    """Everything forecast.json holds, and the replications behind it (`_outlooks`, `_plans`; not written)."""
    if rnd.campaign:
        raise ForecastError(_("a forecast looks ahead in one round; this scenario is a campaign of rounds"))
    grid = Grid.for_round(rnd)
    plans = replicate(
        rnd, range(min(reps, PLAN_REPLICATIONS)), jobs=jobs, dask=dask, grid=grid, task=partial(plan_at, at=status.at)
    )
    fitted, notes = updated_rates(rnd, status)
    state, turnout = state_of(fitted, status, plans)
    numbers = replications("forecast", reps)
    runs = [("", fitted, state)] + [
        (o.text, _with_option(fitted, o.rnd), replace(state, extra_tables=o.extra_tables)) for o in options
    ]
    outlooks = []
    for k, (_text, r, s) in enumerate(runs):
        step = (lambda done, k=k: progress(k * reps + done)) if progress else None
        outlooks.append(
            replicate(r, numbers, jobs=jobs, dask=dask, grid=grid, task=partial(resume_replication, state=s), progress=step)
        )
    result = summarise(rnd, status, plans, outlooks[0], grid)
    result["updates"] = turnout | notes
    result["options"] = [_option(text, outlooks[0], o) for (text, _r, _s), o in zip(runs[1:], outlooks[1:], strict=True)]
    result["_outlooks"], result["_plans"] = outlooks[0], plans
    return result


def _with_option(fitted: Round, option_rnd: Round) -> Round:
    """An option's round with the rates the log updated (an option changes labs only)."""
    return fitted.with_(labs=option_rnd.labs)


def _last(outlooks: list[Outlook]) -> dict:
    values = [o.last_result_h for o in outlooks]
    present = [v for v in values if v is not None]
    met = [1.0 if o.deadline_met else 0.0 for o in outlooks]
    return {
        "deadline_met_probability": float(np.mean(met)),
        "deadline_met_ci95": proportion_ci95(met),
        "last_result_h": {
            "mean": float(np.mean(present)) if present else None,
            "prediction95": prediction_interval95(present),
            "values": values,
        },
    }


def _option(text: str, base: list[Outlook], with_: list[Outlook]) -> dict:
    out = {"add": text, **_last(with_)}
    pairs = [
        (a.last_result_h, b.last_result_h)
        for a, b in zip(base, with_, strict=True)
        if a.last_result_h is not None and b.last_result_h is not None
    ]
    if len(pairs) >= 2:
        d, (lo, hi) = diff_ci95([a for a, _b in pairs], [b for _a, b in pairs], paired=True)
        out["last_result_change_h"] = {"mean": d, "ci95": [lo, hi]}
    return out


def summarise(rnd: Round, status: Status, plans: list[PlanAt], outlooks: list[Outlook], grid: Grid) -> dict:
    at_h = status.at / 3600
    stages = {k: _mean([o.stages.get(k) for o in outlooks]) for k in STAGE_NAMES}
    lab_last = np.array([o.lab_last_h for o in outlooks])
    lab_mean = [_mean(lab_last[:, li]) for li in range(len(rnd.labs))]
    known = [(m, rnd.labs[li].name) for li, m in enumerate(lab_mean) if m is not None]
    return {
        "format": "natsim-forecast-1",
        "scenario": rnd.name,
        "at_h": at_h,
        "deadline_h": rnd.deadline / 3600,
        "replications": len(outlooks),
        "status": {"kind": status.kind, "set_aside": len(status.set_aside)},
        "past": status.totals(),
        "past_curves": past_curves(status, grid),
        **_last(outlooks),
        "stages_after_h": stages,
        "binding_stage": slowest_wait(stages),
        "binding_lab": max(known)[1] if known else None,
        "points": _points(rnd, status, plans, outlooks),
        "labs": _labs(rnd, status, plans, lab_last, lab_mean),
    }


def _mean(values) -> float | None:
    x = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return float(np.mean(x)) if x else None


def _behind(observed: np.ndarray, plan: np.ndarray, slack: float) -> np.ndarray:
    """Behind the plan: short of the plan's mean by more than twice its spread and a unit of slack."""
    mean, sd = plan.mean(axis=0), plan.std(axis=0, ddof=1) if plan.shape[0] > 1 else np.zeros(plan.shape[1])
    return observed < mean - 2 * sd - slack


def _points(rnd: Round, status: Status, plans: list[PlanAt], outlooks: list[Outlook]) -> list[dict]:
    plan = np.array([p.sampled for p in plans], float)
    behind = _behind(status.sampled, plan, rnd.pool_size)
    ends = np.array([o.sampling_end_h for o in outlooks])
    names = rnd.point_names()
    out = []
    for p, name in enumerate(names):
        col = ends[:, p]
        out.append(
            {
                "point": name,
                "sampled": int(status.sampled[p]),
                "plan_sampled": float(plan[:, p].mean()),
                "behind": bool(behind[p]),
                "sampling_end_h": float(np.nanmean(col)) if np.isfinite(col).any() else None,
            }
        )
    return out


def _labs(rnd: Round, status: Status, plans: list[PlanAt], lab_last: np.ndarray, lab_mean: list) -> list[dict]:
    plan = np.array([p.tubes_reported for p in plans], float)
    behind = _behind(status.tubes_reported, plan, 0.0)
    out = []
    for li, lab in enumerate(rnd.labs):
        col = lab_last[:, li]
        out.append(
            {
                "lab": lab.name,
                "tubes_received": int(status.tubes_received[li]),
                "tubes_reported": int(status.tubes_reported[li]),
                "plan_tubes_reported": float(plan[:, li].mean()),
                "behind": bool(behind[li] and plan[:, li].mean() - status.tubes_reported[li] >= lab.plate_size),
                "last_result_h": lab_mean[li],
                "last_result_prediction95": prediction_interval95(col[np.isfinite(col)]),
            }
        )
    return out


def past_curves(status: Status, grid: Grid) -> dict:
    """The past on the grid: each curve's count at every grid time up to TIME, and at TIME itself."""
    rows = int(grid.row(np.array([status.at]))[0])
    times = np.append(grid.times(rows)[grid.times(rows) < status.at], status.at)
    out = {"times_h": (times / 3600).tolist()}
    for key, (when, counts) in status.past.items():
        k = np.searchsorted(when, times, side="right")
        padded = np.concatenate(([0.0], counts))  # nothing counted before the first entry
        out[key] = padded[k].tolist()
    return out


def future_curves(status: Status, outlooks: list[Outlook], plans: list[PlanAt], grid: Grid) -> dict:
    """Per curve: the plan's mean (cumulative, whole round) and each forecast replication's (from TIME on)."""
    past = status.totals()
    end = int(grid.row(np.array([status.at, 1.1 * max(o.last_result_h or 0.0 for o in outlooks) * 3600]).max())) + 1
    base = {"sampled": past["sampled"], "tubes_at_lab": past["tubes_at_lab"], "tubes_reported": past["tubes_reported"]}
    out = {}
    for key in base:
        # Every curve runs to past the deadline, flat once nothing more happens.
        rows = max(max(o.series[key].size for o in outlooks), max(p.series[key].size for p in plans), end)
        pad = np.zeros((len(outlooks), rows))
        for i, o in enumerate(outlooks):
            pad[i, : o.series[key].size] = o.series[key]
        plan = np.zeros((len(plans), rows))
        for i, p in enumerate(plans):
            plan[i, : p.series[key].size] = p.series[key]
        out[key] = {
            "times_h": grid.times(rows) / 3600,
            "forecast": base[key] + np.cumsum(pad, axis=1),
            "plan": np.cumsum(plan, axis=1).mean(axis=0),
        }
    return out
