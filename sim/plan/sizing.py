"""`natsim size`: the smallest plan that meets the deadline (and the queue standard) with confidence.

Method. Cheap analytic bounds first: per point, Erlang C at the profile's peak gives the tables that
keep the 95th-percentile wait under the target; per lab, the vehicle-hours and instrument-hours the
round needs against the time before the deadline. Then simulation, from a plan generous in every varied
dimension (grown until it meets the targets, or the limits are reached). Labs share nothing, so each
lab's part (`Round.for_lab`) is searched on its own: its points and tables bisected against the crowd
alone, then its vehicles and instruments, reusing the crowd (more of a resource never hurts, so each
bisection is valid). The plan is then confirmed on fresh replications (the stage that binds grown, every
value brought back down, the one-step-smaller plans recorded), and the assembled round is checked whole
on replications nothing was chosen on. docs/architecture.md ("Sizing") has the reasons.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sim.core import streams
from sim.core.i18n import _
from sim.core.search import bisect_smallest, gallop_down
from sim.core.stats import share_lower_bound_95, t_quantile
from sim.plan.bounds import analytic_bounds, plan_of, totals
from sim.plan.sizer import LOGISTICS, Check, Sizer, Targets, within
from sim.plan.sizing_report import report
from sim.report.bill import bill_summary, mean_bill
from sim.scenario.round import Round

# Sizing order: tables at the scenario's points first, then fewer points only where tables have room
# (points are where residents walk to: the guidance's one per 2,000-3,000 residents is about distance).
DIMENSIONS = ("tables", "points", "vehicles", "extractors", "pcr_machines", "route_vehicles")
SITE_DIMENSIONS = ("points", "tables")  # on a map, siting's to choose (`sim.plan.size_map`)


def sites_by_siting(rnd: Round, vary: tuple[str, ...]) -> bool:
    """Does sizing this round need siting first (a map, with points or tables among what may vary)?"""
    return rnd.places is not None and bool(set(SITE_DIMENSIONS) & set(vary))


# What to grow when a stage binds on fresh replications. At the sampling points, points where they may
# vary: 5% more points is a finer step than one more table at every point (often +33%).
STAGE_DIMENSIONS = {
    "sampling points": ("points", "tables"),
    "transport": ("vehicles", "route_vehicles"),
    "labs": ("extractors", "pcr_machines"),
}
Plan = dict[str, list[int]]
FINAL_GROWTHS = 3  # steps the final check may grow a plan that falls short on fresh replications


class SizingError(Exception):
    """Options that do not fit the scenario (unknown dimension or limit)."""


def _trial(plan: Plan, dim: str, i: int, value: int) -> Plan:
    trial = {d: list(v) for d, v in plan.items()}
    trial[dim][i] = value
    return trial


def _smallest(plan: Plan, dim: str, i: int, ok: Callable[[Plan], bool]) -> int:
    """The smallest value of plan[dim][i] that passes `ok`, given that the current value does and that
    more never hurts (zero of anything serves nobody)."""
    return bisect_smallest(0, plan[dim][i], lambda v: ok(_trial(plan, dim, i, v)))


def size(
    base: Round,
    targets: Targets,
    vary: tuple[str, ...] = DIMENSIONS,
    limits: dict[str, int] | None = None,
    search_reps: int = 2,
    verify_reps: int = 10,
    progress: Callable[[str], None] | None = None,
    jobs: int = 1,
    dask: str | None = None,
) -> dict:
    """Size the plan; returns everything sizing.json records (plan, checks, bounds)."""
    limits = limits or {}
    if bad := [d for d in vary if d not in DIMENSIONS]:
        raise SizingError(f"--vary {','.join(bad)}: choose among {', '.join(DIMENSIONS)}")
    if bad := [
        k for k in limits if k not in ("points", "tables", "samplers", "vehicles", "extractors", "pcr_machines")
    ]:
        raise SizingError(
            f"--limit {','.join(bad)}: limits are points, tables, samplers, vehicles, extractors, pcr_machines"
        )
    if sites_by_siting(base, tuple(vary)):
        raise SizingError(
            "on a map, which sites open and their tables are chosen by natsim site (docs/siting.md); "
            "size the rest with --vary vehicles,extractors,pcr_machines"
        )
    sizer = Sizer(base, targets, search_reps, progress, jobs, dask)
    try:
        return _size(sizer, [d for d in DIMENSIONS if d in vary], limits, verify_reps)
    finally:
        sizer.close()


def _size(sizer: Sizer, vary: list[str], limits: dict[str, int], verify_reps: int) -> dict:
    base, targets = sizer.base, sizer.targets
    bounds = analytic_bounds(base, targets.max_wait)

    def out(plan: Plan, **kw) -> dict:
        return report(base, targets, plan, bounds, sizer, limits=limits, **kw)

    plan, failed = _generous(sizer, vary, limits, bounds)
    if failed is not None:
        result = out(plan, verify=None, smaller={}, feasible=False, best=failed[0])
        result["best_found"].update(failed[1])
        return result
    found = _search(sizer, vary, limits, plan)
    reps_v = streams.replications("sizing check", verify_reps)
    sizer.wait_margin = _wait_margin(sizer, found, reps_v)
    sizer.deadline_margin = _deadline_margin(sizer, found, reps_v)
    plan = _confirm(sizer, vary, limits, {d: list(v) for d, v in found.items()}, reps_v)
    verify = sizer.check(plan, reps_v)
    if not sizer.meets(verify):
        return out(plan, verify=None, smaller={}, feasible=False, best=verify)
    # Descend until a whole pass changes nothing: fewer points mean fewer pickups, slower sampling spreads
    # the vehicles' load, so one pass may not be enough. The last pass tried every value one step smaller
    # against the final plan: those are the minimality checks.
    for _pass in range(4):
        changed, smaller = _descend(plan, vary, sizer, reps_v, found)
        found = plan  # later passes start where the last one ended: no anchors below the values
        if not changed:
            break
    verify = sizer.check(plan, reps_v)
    # The descent chose values on reps_v; a last look, at the assembled round as `natsim run` runs it,
    # on replications nothing was chosen on.
    plan, fresh, grown = _final_check(sizer, plan, vary, limits, verify_reps)
    result = out(plan, verify=verify, smaller=smaller, feasible=True)
    result["descent_converged"] = not changed
    k, n = sum(fresh.met), len(fresh.met)
    result["final_check_on_untouched_replications"] = {
        **fresh.as_dict(),
        "replications": n,
        # What the share can promise: a one-sided 95% Clopper-Pearson lower bound (10 of 10 bounds it only above 74%).
        "lower_bound_95": share_lower_bound_95(k, n),
        "grown_after_falling_short": grown,  # the binding stage grown, and judged again on new replications
    }
    rnd, outcomes = sizer.last_whole
    result["bill"] = bill_summary(mean_bill(rnd, *zip(*(o.bill_inputs for o in outcomes), strict=True)))
    return result


def _final_check(
    sizer: Sizer, plan: Plan, vary: list[str], limits: dict[str, int], n: int
) -> tuple[Plan, Check, list[str]]:
    """The assembled round, as `natsim run` runs it, on replications nothing was chosen on. Where it meets
    the targets in fewer than --confidence of them, the stage that binds grows a step and the plan is
    judged again on new replications (FINAL_GROWTHS times at most); what grew is recorded."""
    first = streams.FIRST_REPLICATION["final check"]
    grown: list[str] = []
    for attempt in range(FINAL_GROWTHS + 1):
        fresh = sizer.check_whole(plan, range(first + attempt * n, first + (attempt + 1) * n))
        if sizer.meets(fresh) or attempt == FINAL_GROWTHS:
            return plan, fresh, grown
        stage = sizer.binding(fresh, margin=False)
        free = [d for d in plan if d in vary and any(not sizer.fixed(d, i) for i in range(len(plan[d])))]
        # A lab's extraction and PCR grow together (either may bind on fresh replications); sampling grows by
        # points (more tables at a point do not shorten the walk to it).
        kind = stage.split(" (")[0]
        dims = [d for d in STAGE_DIMENSIONS[kind] if d in free][: 2 if kind == "labs" else 1] or [
            d for d in LOGISTICS if d in free
        ]
        bigger = {
            d: [
                v + max(1, math.ceil((0.05 if d == "points" else 0.10) * v))
                if d in dims and not sizer.fixed(d, i)
                else v
                for i, v in enumerate(plan[d])
            ]
            for d in plan
        }
        if not dims or not within(bigger, sizer.base, limits):
            return plan, fresh, grown
        sizer.say(
            _("final check: targets met in {met} of {n}; {stage} binds, growing {dims}").format(
                met=sum(fresh.met), n=n, stage=stage, dims=", ".join(dims)
            )
        )
        grown.append(f"{stage}: {', '.join(dims)}")
        plan = bigger
    return plan, fresh, grown


def _wait_margin(sizer: Sizer, plan: Plan, reps: range) -> float:
    """The queue standard's margin, as the deadline has one: given, or (auto) 1.645 standard deviations of
    the worst point's p95 wait over replications of the plan the search found, so that a plan chosen at
    the edge of the standard on some replications still meets it on most fresh ones."""
    t = sizer.targets
    if t.max_wait is None:
        return 0.0
    if t.wait_margin is not None:
        return t.wait_margin
    worst = [w for w in sizer.check(plan, reps, early=False).worst_p95_wait_min if w is not None]
    margin = 1.645 * float(np.std(worst, ddof=1)) * 60 if len(worst) > 1 else 0.0
    sizer.say(
        _("queue standard judged {margin:.1f} min inside {wait:g} min (the spread of the worst point's p95)").format(
            margin=margin / 60, wait=t.max_wait / 60
        )
    )
    return min(margin, 0.5 * t.max_wait)


def _deadline_margin(sizer: Sizer, plan: Plan, reps: range) -> float:
    """The deadline's margin: --margin, or more when the last result's spread over replications of the plan
    the search found asks it. The next replication's last result lies within t(p, n-1) * sd * sqrt(1 + 1/n)
    of their mean with probability p (a prediction bound; p is --confidence), so the search wants each
    result that far before the deadline: a plan chosen at the edge on these replications still meets the
    deadline on fresh ones about as often as promised."""
    given = sizer.targets.margin
    if not sizer.targets.margin_from_spread:
        return given
    last = [h for h in sizer.check(plan, reps, early=False).results_complete_h if h is not None]
    if len(last) < 2:
        return given
    n = len(last)
    spread = t_quantile(sizer.targets.confidence, n - 1) * float(np.std(last, ddof=1)) * math.sqrt(1 + 1 / n) * 3600
    if spread > given:
        sizer.say(
            _(
                "results judged {margin:.2f} h before the deadline (the spread of the last result; --margin "
                "{given:.2f} h)"
            ).format(margin=spread / 3600, given=given / 3600)
        )
    return max(given, spread)


def _generous(
    sizer: Sizer, vary: list[str], limits: dict[str, int], bounds: Plan
) -> tuple[Plan, tuple[Check, dict] | None]:
    """A generous start: analytic values with headroom in every varied dimension, grown until it meets
    the targets. Returns the plan, and (its check, a note) when the limits stop it first."""
    base = sizer.base
    plan = plan_of(base)
    for dim in vary:
        if dim != "points":
            plan[dim] = [max(v, 2 * b) for v, b in zip(plan[dim], bounds[dim], strict=True)]
    if not within(plan, base, limits):  # no room for headroom: start from the analytic values
        plan = {d: (list(bounds[d]) if d in vary and d != "points" else plan[d]) for d in plan}
        if not within(plan, base, limits):
            return plan, (sizer.check(plan), {"note": "even the analytic first guesses exceed the limits"})
    before = None
    while True:
        sizer.say(_("checking a generous plan: {plan}").format(plan=totals(base, plan)))
        check = sizer.check(plan)
        if sizer.meets(check):
            return plan, None
        # Grow only while growing helps: the stage that binds must be among what may vary, and each
        # doubling must bring more replications in, or the latest result sooner. Otherwise say so now.
        stage = sizer.binding(check)
        needs = STAGE_DIMENSIONS[stage.split(" (")[0]]
        score = (check.share, -max((x for x in check.results_complete_h if x is not None), default=0.0))
        if not set(needs) & set(vary):
            return plan, (check, {"note": f"{stage} binds, and it needs {' or '.join(needs)} to vary (--vary)"})
        if before is not None and score <= before:
            grew = ", ".join(d for d in vary if d != "points")
            return plan, (check, {"note": f"{stage} binds, and doubling {grew} did not help"})
        before = score
        grown = {d: ([v * 2 for v in plan[d]] if d in vary and d != "points" else plan[d]) for d in plan}
        if grown == plan or not within(grown, base, limits):
            return plan, (check, {})
        plan = grown


def _search(sizer: Sizer, vary: list[str], limits: dict[str, int], plan: Plan) -> Plan:
    """One lab's part at a time (the parts share nothing). Points and tables first against the crowd
    alone, which is cheap and where more never hurts; if the part then misses the deadline even with
    generous logistics, sampling ends too late and they are searched again against everything. Then
    vehicles and instruments, reusing the crowd."""
    base = sizer.base
    generous = {d: list(v) for d, v in plan.items()}
    for li in range(len(sizer.parts)):
        crowd_dims = [(d, gi) for d in ("tables", "points") if d in vary for gi in sizer.groups_of[li]]
        crowd_ok = lambda t, li=li: within(t, base, limits) and sizer.meets(sizer.check_crowd(t, [li]))  # noqa: E731
        full_ok = lambda t, li=li: within(t, base, limits) and sizer.ok(t, labs=[li])  # noqa: E731
        for dim, gi in crowd_dims:
            plan[dim][gi] = _smallest(plan, dim, gi, crowd_ok)
            sizer.say(f"{dim}[{base.groups[gi].name}] = {plan[dim][gi]}")
        if crowd_dims and not sizer.ok(plan, labs=[li]):
            sizer.say(
                _("lab {name}: sampling ends too late for the deadline; searching points and tables again").format(
                    name=sizer.part_name(li)
                )
            )
            for dim, gi in crowd_dims:
                plan[dim][gi] = generous[dim][gi]
            for dim, gi in crowd_dims:
                plan[dim][gi] = _smallest(plan, dim, gi, full_ok)
                sizer.say(f"{dim}[{base.groups[gi].name}] = {plan[dim][gi]}")
        for dim in (*LOGISTICS, "route_vehicles"):
            for i in sizer.indices(dim, li) if dim in vary else ():
                plan[dim][i] = _smallest(plan, dim, i, full_ok)
                sizer.say(f"{dim}[{_name(sizer, dim, i)}] = {plan[dim][i]}")
    return plan


def _confirm(sizer: Sizer, vary: list[str], limits: dict[str, int], plan: Plan, reps: range) -> Plan:
    """On replications the search never used: where a lab's part falls short, grow the stage that binds
    there until the confidence holds (or the limits stop it)."""
    progress: dict[int, tuple[float, float]] = {}
    for _step in range(12):
        short = [li for li in range(len(sizer.parts)) if not sizer.meets(sizer.check(plan, reps, [li]))]
        if not short:
            break
        grown = {d: list(v) for d, v in plan.items()}
        for li in short:
            check = sizer.check(plan, reps, [li])
            stage = sizer.binding(check, li)
            dims = [d for d in STAGE_DIMENSIONS[stage.split(" (")[0]] if d in vary]
            sampling = stage.startswith("sampling")
            dims = dims[:1] if sampling else dims
            # Progress: more replications meet the targets, or the latest result comes sooner.
            score = (check.share, -max((x for x in check.results_complete_h if x is not None), default=0.0))
            if not dims or score <= progress.get(li, (-1.0, -math.inf)):  # no progress: several stages bind
                dims = [d for d in LOGISTICS if d in vary] + (dims if sampling else [])
            progress[li] = score
            sizer.say(
                _("fresh replications: {stage} binds at lab {name}; growing {dims}").format(
                    stage=stage, name=sizer.part_name(li), dims=", ".join(dims)
                )
            )
            for d in dims:
                for i in sizer.indices(d, li):
                    # Points by 5% (a table is already a coarse step); vehicles and instruments by 10%.
                    grown[d][i] += max(1, math.ceil((0.05 if d == "points" else 0.10) * grown[d][i]))
        if not within(grown, sizer.base, limits):
            break
        plan = grown
    return plan


def _name(sizer: Sizer, dim: str, i: int) -> str:
    """What a value is called in messages and sizing.json: its group's, route's or lab's name."""
    if dim in ("tables", "points"):
        return sizer.base.groups[i].name
    return sizer.base.routes[i].name if dim == "route_vehicles" else sizer.base.labs[i].name


def _descend(plan: Plan, vary: list[str], sizer: Sizer, reps: range, found: Plan) -> tuple[bool, dict]:
    """One pass: bring each value down to its smallest that still meets the targets, checking only the
    lab part it belongs to. A value grown since the search is first tried where the search left it
    (then bisected between); otherwise it gallops down from where it is. Returns whether anything
    changed and, per value, the check of one step smaller.

    Part by part: a value's checks judge only its own part, so every part's values come out as they would
    dimension by dimension across the parts, while only that part's crowds are needed at a time (the workers
    keep them; going round every part for each dimension dropped and re-simulated them)."""
    changed, smaller = False, {}
    values = [(dim, i) for li in range(len(sizer.parts)) for dim in vary for i in sizer.indices(dim, li)]
    for dim, i in values:
        check = lambda trial, li=sizer.lab_of(dim, i): sizer.check(trial, reps, [li])  # noqa: E731
        passes = lambda v, dim=dim, i=i, check=check: sizer.meets(check(_trial(plan, dim, i, v)))  # noqa: E731
        hi, lo = plan[dim][i], None
        if 0 < found[dim][i] < hi:
            if passes(found[dim][i]):
                hi = found[dim][i]
            else:
                lo = found[dim][i]
        if lo is None:
            lo, hi = gallop_down(hi, passes)
        hi = bisect_smallest(lo, hi, passes)
        key = f"{dim}[{_name(sizer, dim, i)}]"
        if hi != plan[dim][i]:
            changed = True
            plan[dim][i] = hi
            sizer.say(f"{key} = {hi}")
        if hi == 1:
            smaller[key] = {"value": 0, "fails": True, "note": "no smaller value exists"}
        else:
            one_less = check(_trial(plan, dim, i, hi - 1))  # simulated above: remembered, not re-run
            smaller[key] = {"value": hi - 1, **one_less.as_dict(), "fails": not sizer.meets(one_less)}
    by_dimension = sorted(values, key=lambda v: (vary.index(v[0]), v[1]))  # sizing.json's order, as before
    return changed, {k: smaller[k] for k in (f"{d}[{_name(sizer, d, i)}]" for d, i in by_dimension)}
