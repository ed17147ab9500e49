"""`natsim forecast`: from a status during the round, will every result be in by the deadline, and where
to send help (docs/forecast.md).

The status becomes the engine's `RoundState` (F1-F6 in docs/forecast.md); the plan's own replications,
seen at TIME, say which points and labs are behind and how far turnout has run ahead of or behind
the profile; replications from the state give the probability of meeting the deadline and a 95%
prediction interval for the last result; each `--add` option runs on the same streams (common random
numbers), so the differences between options are the options', not chance's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from sim.core.fitting import Fit
from sim.core.i18n import _
from sim.core.stats import diff_ci95, prediction_interval95, proportion_ci95
from sim.core.streams import replications
from sim.engine.resume import Outlook, PlanAt, RoundState, plan_at, resume_replication
from sim.engine.timeline import Grid
from sim.feeds.rates import MIN_DRIVES, MIN_SERVICE_GAPS, fit_drives, fit_rates, group_travel
from sim.feeds.status import Status
from sim.report.summary import STAGE_NAMES
from sim.report.words import slowest_wait
from sim.run.runner import replicate, workers
from sim.scenario.names import resolve
from sim.scenario.problems import did_you_mean
from sim.scenario.round import Round

PLAN_REPLICATIONS = 5  # the plan's own runs, seen at TIME: enough for the means a comparison needs
TOO_EARLY = 0.05  # turnout is updated once the plan expects this share of its residents to have come
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
            _("--add {item}: write KEY.NAME=N with N a whole number of 1 or more, e.g. vehicles.central=10").format(
                item=item
            )
        )
    n = int(value)
    if kind in LAB_KEYS:
        if name not in labs:
            raise ForecastError(
                _("--add {item}: no lab named {name!r} (labs: {labs})").format(
                    item=item, name=name, labs=", ".join(labs)
                )
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
                _("--add {item}: no point, site or group named {name!r}").format(item=item, name=name)
                + did_you_mean(name, known)
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


def updated_rates(rnd: Round, status: Status) -> tuple[Round, dict]:
    """Service and travel times fitted from a log by the rule `drill review` fits with (`feeds.rates.fit_rates`,
    drives censored at TIME), when it holds enough. The notes are data (`forecast_report.update_lines` words
    them, in the page's language)."""
    if status.log is None:
        return rnd, {k: {"updated": False, "why": "counts"} for k in ("service_time", "travel_time", "lab_turnaround")}
    fits = fit_rates(status.log, rnd, status.at)
    # Each point group's travel from its own drives (groups drive different roads); the note describes the
    # drives of the groups updated, fitted together.
    by_group = group_travel(status.log, rnd, status.at)
    fitted = [gi for gi, (_drove, fit) in enumerate(by_group) if fit is not None]
    mine = [by_group[gi][0] for gi in fitted]
    travel = _fit_all(mine) if fitted else None
    # Without a fitted group, the note counts the drives of the group with the most: it is short of them.
    n_drives = sum(d.size for d in mine) if fitted else max((d.size for d, _f in by_group), default=0)
    notes: dict[str, dict] = {"lab_turnaround": {"updated": False, "why": "log"}}
    for key, fit, n, needed, enough in (
        ("service_time", fits.service, fits.service_gaps.size, MIN_SERVICE_GAPS, None),
        ("travel_time", travel, n_drives, MIN_DRIVES, max((d.size for d, _f in by_group), default=0)),
    ):
        notes[key] = {"updated": fit is not None, "observations": int(n), "needed": needed}
        if fit is None and (n if enough is None else enough) >= needed:
            notes[key]["why"] = "alike"  # enough, but all alike: nothing to fit
        if fit is not None:
            notes[key] |= {"kind": fit.kind, "mean_s": fit.mean}
    notes["travel_time"]["groups"] = [rnd.groups[gi].name for gi in fitted]
    if fits.service:
        rnd = rnd.with_(service=fits.service.distribution())
    if fitted:
        own = [fit for _drove, fit in by_group]
        groups = (replace(g, travel=f.distribution()) if f else g for g, f in zip(rnd.groups, own, strict=True))
        rnd = rnd.with_(groups=tuple(groups))
    return rnd, notes


def _fit_all(parts: list[np.ndarray]) -> Fit | None:
    """The drives of the groups updated, fitted together (what the note says of them)."""
    return fit_drives(np.concatenate(parts))


def state_of(rnd: Round, status: Status, plans: list[PlanAt], grid: Grid | None = None) -> tuple[RoundState, dict]:
    """The engine's state from a status (F1, F5) and what the turnout update found. Turnout compares like
    with like: comers (swabbed and queuing) against the plan's comers when the status shows the queue; when
    it does not (counts without `waiting`, a log of swabs only), swabbed against the plan's swabbed, and the
    queue at TIME is the plan's. Counts counted before TIME are compared with the plan when they were counted."""
    plan_arrived = np.mean([p.arrived for p in plans], axis=0)
    plan_sampled = np.mean([p.sampled for p in plans], axis=0)
    lag = _plan_sampled_since(plans, grid or Grid.for_round(rnd), status.counted_at, status.at)
    expected = rnd.per_point(lambda g: g.people) * rnd.turnout
    if status.waiting is not None:
        waiting, seen, plan_seen = status.waiting, "came", plan_arrived
    else:
        # The plan's queue at TIME, rounded, each joined at TIME (F5).
        waiting = [np.full(int(round(q)), status.at) for q in np.maximum(plan_arrived - plan_sampled, 0)]
        seen, plan_seen = "sampled", plan_sampled
    came = status.sampled + np.array([w.size for w in waiting])
    observed = came if seen == "came" else status.sampled
    plan_then = max(float(plan_seen.sum()) - lag, 0.0)  # the plan's, when the status was counted
    enough = bool(plan_arrived.sum() >= TOO_EARLY * expected.sum() and plan_then > 0)
    ratio = float(observed.sum() / plan_then) if enough else 1.0
    turnout = min(rnd.turnout * ratio, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        so_far = np.where(expected > 0, np.clip(plan_arrived / expected, 0, 1), 1.0)
        still = np.clip(turnout * (1 - so_far) / (1 - turnout * so_far), 0, 1)
    tubes = _lab_times(rnd, status, plans[0]) if status.kind == "counts" else status.tubes
    reported = status.reported if status.reported is not None else _lab_reports(status, plans[0])
    state = RoundState(
        status.at,
        came,
        np.nan_to_num(still),
        waiting,
        status.open_tube,
        tubes,
        status.plates_running,
        boxes_known=status.kind == "log",
        reported=reported,
    )
    return state, {
        "turnout": {
            "updated": enough,
            "scenario": rnd.turnout,
            "now": turnout,
            "compared": seen,  # "came" (swabbed and queuing) or "sampled" (swabbed only; the queue is the plan's)
            "queue": status.queue,
            "came": int(observed.sum()),
            "plan": plan_then,
            "counted_h": (status.counted_at if status.counted_at is not None else status.at) / 3600,
            "too_early_below": TOO_EARLY,
        }
    }


def _plan_sampled_since(plans: list[PlanAt], grid: Grid, counted: float | None, at: float) -> float:
    """Residents the plan swabs between `counted` and `at` (0 when the status was counted at `at`)."""
    if counted is None or counted >= at:
        return 0.0
    rows = grid.row(np.array([counted, at]))
    return float(np.mean([p.series["sampled"][rows[0] + 1 : rows[1] + 1].sum() for p in plans]))


def _lab_times(rnd: Round, status: Status, plan: PlanAt) -> dict[str, np.ndarray]:
    """Rule F5: counts do not say when a lab's unreported tubes came; they came as its latest receipts did in
    the plan's first run (the earliest of those again for any beyond what the plan had received). A tube
    that came then was picked up and sealed no later (counts put both at TIME: left so, the stages' means
    would have tubes reach a lab before they left their point)."""
    tubes = {k: v.copy() for k, v in status.tubes.items()}
    lab_of = rnd.tube_labs(tubes["point"], tubes.get("lab"))
    for li in range(len(rnd.labs)):
        rows = np.flatnonzero((lab_of == li) & ~np.isnan(tubes["at_lab"]))
        if not rows.size:
            continue
        latest = plan.received_at[li][-rows.size :]
        fill = np.full(rows.size - latest.size, latest[0] if latest.size else status.at)
        tubes["at_lab"][rows] = np.concatenate([fill, latest])
        tubes["picked"][rows] = np.fmin(tubes["picked"][rows], tubes["at_lab"][rows])
        tubes["sealed"][rows] = np.fmin(tubes["sealed"][rows], tubes["picked"][rows])
    return tubes


def _lab_reports(status: Status, plan: PlanAt) -> dict[str, np.ndarray]:
    """Rule F6 from counts: they say how many pools each lab had reported, not which nor when; they are its
    latest reports in the plan's first run (as many as it had, if the count is more)."""
    r = plan.reported
    keep = np.zeros(r["lab"].size, bool)
    for li, n in enumerate(status.tubes_reported):
        mine = np.flatnonzero(r["lab"] == li)
        keep[mine[mine.size - min(int(n), mine.size) :]] = True
    return {k: v[keep] for k, v in r.items()}


def run_forecast(
    rnd: Round,
    status: Status,
    reps: int,
    options: list[Option],
    *,
    jobs: int = 1,
    dask: str | None = None,
    progress=None,
) -> dict:
    """Everything forecast.json holds, and the replications behind it (`_outlooks`, `_plans`; not written)."""
    if rnd.campaign:
        raise ForecastError(_("a forecast looks ahead in one round; this scenario is a campaign of rounds"))
    grid = Grid.for_round(rnd)
    with workers(1 if dask else jobs) as pool:  # one set of workers for the plan's runs and the replications
        run = partial(replicate, jobs=jobs, dask=dask, grid=grid, pool=pool)
        plans = run(rnd, range(min(reps, PLAN_REPLICATIONS)), task=partial(plan_at, at=status.at))
        fitted, notes = updated_rates(rnd, status)
        state, turnout = state_of(fitted, status, plans, grid)
        numbers = replications("forecast", reps)
        runs = [("", fitted, state)] + [
            (o.text, _with_option(fitted, o.rnd), replace(state, extra_tables=o.extra_tables)) for o in options
        ]
        outlooks = []
        for k, (_text, r, s) in enumerate(runs):
            step = (lambda done, k=k: progress(k * reps + done)) if progress else None
            outlooks.append(run(r, numbers, task=partial(resume_replication, state=s), progress=step))
    result = summarise(rnd, status, plans, outlooks[0], grid)
    result["updates"] = turnout | notes
    result["options"] = [
        _option(text, outlooks[0], o, status.at / 3600)
        for (text, _r, _s), o in zip(runs[1:], outlooks[1:], strict=True)
    ]
    result["_outlooks"], result["_plans"] = outlooks[0], plans
    return result


def _with_option(fitted: Round, option_rnd: Round) -> Round:
    """An option's round with the rates the log updated (an option changes labs only)."""
    return fitted.with_(labs=option_rnd.labs)


def _last(outlooks: list[Outlook], at_h: float) -> dict:
    """The deadline's probability and the last result's mean and 95% prediction interval, which never reaches
    before TIME (nothing left at TIME ends before it). `interval` says why there is none: "done" (every result
    was in by TIME in every replication) or "too_few" (fewer than two replications have a result to come)."""
    values = [o.last_result_h for o in outlooks]
    present = [v for v in values if v is not None]
    met = [1.0 if o.deadline_met else 0.0 for o in outlooks]
    interval = prediction_interval95(present) if len(present) >= 2 else None
    return {
        "deadline_met_probability": float(np.mean(met)),
        "deadline_met_ci95": proportion_ci95(met),
        "last_result_h": {
            "mean": float(np.mean(present)) if present else None,
            "prediction95": [max(v, at_h) for v in interval] if interval else None,
            "interval": "ok" if interval else "done" if not present else "too_few",
            "with_result": len(present),
            "values": values,
        },
    }


def _option(text: str, base: list[Outlook], with_: list[Outlook], at_h: float) -> dict:
    out = {"add": text, **_last(with_, at_h)}
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
        "status": {
            "kind": status.kind,
            "set_aside": len(status.set_aside),
            "queue": status.queue,
            "left_out": status.left_out,
            "counted_h": status.counted_at / 3600 if status.counted_at is not None else at_h,
        },
        "past": status.totals(),
        "past_curves": past_curves(status, grid),
        **_last(outlooks, at_h),
        "stages_after_h": stages,
        "binding_stage": slowest_wait(stages),
        "binding_lab": max(known)[1] if known else None,
        "points": _points(rnd, status, plans, outlooks, _plan_sampled_since(plans, grid, status.counted_at, status.at)),
        "labs": _labs(rnd, status, plans, lab_last, lab_mean),
    }


def _mean(values) -> float | None:
    x = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return float(np.mean(x)) if x else None


def _behind(observed: np.ndarray, plan: np.ndarray, slack: float) -> np.ndarray:
    """Behind the plan: short of the plan's mean by more than twice its spread and a unit of slack."""
    mean, sd = plan.mean(axis=0), plan.std(axis=0, ddof=1) if plan.shape[0] > 1 else np.zeros(plan.shape[1])
    return observed < mean - 2 * sd - slack


def _points(rnd: Round, status: Status, plans: list[PlanAt], outlooks: list[Outlook], lag: float = 0.0) -> list[dict]:
    """Each point against the plan when it was counted (`lag`: what the plan swabs city-wide between the
    counts and TIME, taken from every point in proportion)."""
    plan = np.array([p.sampled for p in plans], float)
    total = plan.sum(axis=1).mean()
    plan *= max(total - lag, 0.0) / total if total > 0 else 1.0
    behind = _behind(status.sampled, plan, rnd.pool_sizes())
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
                "last_result_prediction95": _from(prediction_interval95(col[np.isfinite(col)]), status.at / 3600),
            }
        )
    return out


def _from(interval: list[float] | None, at_h: float) -> list[float] | None:
    """An interval of times from TIME on (what is left at TIME ends after it)."""
    return [max(v, at_h) for v in interval] if interval else None


def past_curves(status: Status, grid: Grid) -> dict:
    """The past as the status knows it, per curve its times (h) and cumulative counts. A log ("steps"): the
    count at every grid time up to TIME, and at TIME itself. Counts ("points"): the counts at the times they
    were counted, nothing invented between them or before the first."""
    if status.kind == "counts":
        curves = {
            key: {"times_h": (when / 3600).tolist(), "counts": counts.tolist()}
            for key, (when, counts) in status.past.items()
        }
        return {"drawn": "points", **curves}
    rows = int(grid.row(np.array([status.at]))[0])
    times = np.append(grid.times(rows)[grid.times(rows) < status.at], status.at)
    out: dict = {"drawn": "steps"}
    for key, (when, counts) in status.past.items():
        k = np.searchsorted(when, times, side="right")
        padded = np.concatenate(([0.0], counts))  # nothing counted before the first entry
        out[key] = {"times_h": (times / 3600).tolist(), "counts": padded[k].tolist()}
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
