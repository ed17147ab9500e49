"""`natsim size`: the smallest plan that meets the deadline (and the queue standard) with confidence.

Method. Cheap analytic bounds first: per point, Erlang C at the profile's peak gives the tables that
keep the 95th-percentile wait under the target; per lab, the vehicle-hours and instrument-hours the
round needs against the time before the deadline. Then simulation: starting from a plan generous in
every varied dimension (grown until it meets the targets, or the limits are reached), each dimension is
bisected in turn to its smallest value that still meets the targets, holding the others where the search
left them (more of a resource never hurts, so each bisection is valid and the one-step-smaller plan of
every dimension fails). The crowd does not depend on vehicles or instruments, so those dimensions reuse
each replication's crowd. The final plan is re-run on fresh replications, and for every sized value the
plan with one step less is simulated and its failure recorded.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from sim.engine import Crowd, finish_replication, simulate_crowd
from sim.model import Round
from sim.queueing import tables_for_wait
from sim.report import peak_arrival_rate
from sim.timeline import Grid

# Sizing order: tables at the scenario's points first, then fewer points only where tables have room
# (points are where residents walk to: the guidance's one per 2,000-3,000 residents is about distance).
DIMENSIONS = ("tables", "points", "vehicles", "extractors", "pcr_machines")
# What to grow when a stage binds. Never points: more points shorten queues but add pickups.
STAGE_DIMENSIONS = {"sampling points": ("tables",), "transport": ("vehicles",), "labs": ("extractors", "pcr_machines")}
VERIFY_OFFSET = 100_000  # verification replications are numbered from here: streams never used in the search


class SizingError(Exception):
    """Options that do not fit the scenario (unknown dimension or limit)."""


@dataclass(frozen=True)
class Targets:
    confidence: float = 0.95
    max_wait: float | None = None  # seconds, 95th percentile at every point


@dataclass
class Check:
    """One plan simulated on some replications."""

    met: list[bool]
    results_complete_h: list[float | None]
    worst_p95_wait_min: list[float | None]
    sampling_complete_h: list[float | None]
    last_tube_at_lab_h: list[float | None]

    @property
    def share(self) -> float:
        return sum(self.met) / len(self.met)

    def as_dict(self) -> dict:
        return {
            "share_meeting_targets": self.share,
            "results_complete_h": self.results_complete_h,
            "worst_p95_wait_min": self.worst_p95_wait_min,
        }


def samplers_per_table(rnd: Round) -> int:
    """Staff at a table across the day: with shift handovers, two samplers rotate (the national
    guidance's population / 360 is about two per table); without shifts, one."""
    return 2 if rnd.shifts else 1


def apply_plan(base: Round, plan: dict[str, list[int]]) -> Round:
    """The round with these points and tables per group and these vehicles and instruments per lab;
    a group's residents are re-divided over its points (rounded up, so nobody is dropped)."""
    groups = []
    for g, points, tables in zip(base.groups, plan["points"], plan["tables"], strict=True):
        total = g.count * g.residents
        if g.names:  # points listed one by one in a CSV keep their count
            groups.append(replace(g, tables=tables))
        else:
            groups.append(replace(g, count=points, residents=math.ceil(total / points), tables=tables))
    labs = tuple(
        replace(lab, vehicles=v, extractors=e, pcr_machines=p)
        for lab, v, e, p in zip(base.labs, plan["vehicles"], plan["extractors"], plan["pcr_machines"], strict=True)
    )
    return base.with_(groups=tuple(groups), labs=labs)


def plan_of(rnd: Round) -> dict[str, list[int]]:
    return {
        "points": [g.count for g in rnd.groups],
        "tables": [g.tables for g in rnd.groups],
        "vehicles": [lab.vehicles for lab in rnd.labs],
        "extractors": [lab.extractors for lab in rnd.labs],
        "pcr_machines": [lab.pcr_machines for lab in rnd.labs],
    }


def totals(rnd: Round, plan: dict[str, list[int]]) -> dict[str, int]:
    tables = sum(p * t for p, t in zip(plan["points"], plan["tables"], strict=True))
    return {
        "points": sum(plan["points"]),
        "tables": tables,
        "samplers": tables * samplers_per_table(rnd),
        "vehicles": sum(plan["vehicles"]),
        "extractors": sum(plan["extractors"]),
        "pcr_machines": sum(plan["pcr_machines"]),
    }


# --- analytic bounds -----------------------------------------------------------------------------


def analytic_bounds(rnd: Round, targets: Targets) -> dict[str, list[int]]:
    """First guesses from queueing theory and throughput; simulation confirms and tightens them."""
    share_at_peak = peak_arrival_rate(rnd) / (rnd.residents * rnd.turnout * 3600) if rnd.residents else 0.0
    mu = 1 / rnd.service.mean
    window = max(rnd.deadline - max(rnd.open, 0.0), 3600.0)
    tables, tubes_per_lab = [], [0.0] * len(rnd.labs)
    trips_h = [0.0] * len(rnd.labs)
    span = max(rnd.profile.times[-1] - rnd.open, rnd.pickup_interval)
    for g in rnd.groups:
        lam = g.residents * rnd.turnout * share_at_peak  # per second at one point
        wait = targets.max_wait if targets.max_wait is not None else window / 4
        tables.append(max(1, tables_for_wait(lam, mu, wait)) if lam > 0 else 1)
        tubes_per_lab[g.lab] += g.count * g.residents * rnd.turnout / rnd.pool_size
        trips = max(span / rnd.pickup_interval, g.residents * rnd.turnout / rnd.pool_size / rnd.box_capacity) + 1
        trips_h[g.lab] += g.count * trips * 2 * g.travel.mean / 3600
    lab_window = [max(window - 2 * 3600 - lab.pcr.mean - lab.report_delay, 3600.0) for lab in rnd.labs]
    plates = [tubes / lab.plate_size for tubes, lab in zip(tubes_per_lab, rnd.labs, strict=True)]
    return {
        "points": [g.count for g in rnd.groups],
        "tables": tables,
        "vehicles": [max(1, math.ceil(h * 3600 / window)) for h in trips_h],
        "extractors": [
            max(1, math.ceil(p * lab.extraction.mean / w)) for p, lab, w in zip(plates, rnd.labs, lab_window, strict=True)
        ],
        "pcr_machines": [max(1, math.ceil(p * lab.pcr.mean / w)) for p, lab, w in zip(plates, rnd.labs, lab_window, strict=True)],
    }


# --- simulation ------------------------------------------------------------------------------------


@dataclass
class Sizer:
    base: Round
    targets: Targets
    search_reps: int = 3
    progress: Callable[[str], None] | None = None
    evaluations: int = 0
    _crowds: dict = field(default_factory=dict)

    def check(self, plan: dict[str, list[int]], reps: range | None = None) -> Check:
        rnd = apply_plan(self.base, plan)
        grid = Grid.for_round(rnd)
        reps = reps if reps is not None else range(self.search_reps)
        key = (tuple(plan["points"]), tuple(plan["tables"]), reps)
        if key not in self._crowds:
            if len(self._crowds) >= 2:  # the crowd of the plan being varied and of the last one is all reuse needs
                self._crowds.pop(next(iter(self._crowds)))
            self._crowds[key] = [simulate_crowd(rnd, r, grid) for r in reps]
        crowds: list[Crowd] = self._crowds[key]
        met, done, worst, sampled, at_lab = [], [], [], [], []
        worsts = [
            float(np.nanmax(c.stats["wait_p95_min"])) if np.isfinite(c.stats["wait_p95_min"]).any() else None for c in crowds
        ]
        too_long = [self.targets.max_wait is not None and w is not None and w * 60 > self.targets.max_wait + 1e-9 for w in worsts]
        if sum(too_long) > (1 - self.targets.confidence) * len(reps) + 1e-9:
            # The queue target already fails in too many replications: the logistics cannot save it.
            self.evaluations += 1
            return Check([not t for t in too_long], [None] * len(reps), worsts, [None] * len(reps), [None] * len(reps))
        for r, crowd, w in zip(reps, crowds, worsts, strict=True):
            m = finish_replication(rnd, r, grid, crowd)
            rc = m.metrics["results_complete_h"]
            ok = (rc is None or rc * 3600 <= rnd.deadline + 1e-9) and (
                self.targets.max_wait is None or w is None or w * 60 <= self.targets.max_wait + 1e-9
            )
            met.append(ok)
            done.append(rc)
            worst.append(w)
            sampled.append(m.metrics["sampling_complete_h"])
            at_lab.append(m.metrics["last_tube_at_lab_h"])
        self.evaluations += 1
        return Check(met, done, worst, sampled, at_lab)

    def ok(self, plan: dict[str, list[int]]) -> bool:
        return self.check(plan).share >= self.targets.confidence - 1e-12

    def say(self, text: str) -> None:
        if self.progress:
            self.progress(text)


def _within(plan: dict[str, list[int]], rnd: Round, limits: dict[str, int]) -> bool:
    t = totals(rnd, plan)
    return all(t[k] <= v for k, v in limits.items())


def binding_stage(check: Check, rnd: Round, max_wait: float | None) -> str:
    """Which stage keeps a plan from its targets, on its worst replication: the first stage whose finish,
    plus the fastest possible processing after it, already passes the deadline."""
    deadline = rnd.deadline / 3600
    lab_min = max(lab.extraction.mean + lab.pcr.mean + lab.report_delay for lab in rnd.labs) / 3600
    travel_min = min(g.travel.mean for g in rnd.groups) / 3600
    if max_wait is not None and any(w is not None and w * 60 > max_wait for w in check.worst_p95_wait_min):
        return "sampling points (queue standard)"
    if any(s is not None and s + travel_min + lab_min > deadline for s in check.sampling_complete_h):
        return "sampling points (sampling ends too late)"
    if any(a is not None and a + lab_min > deadline for a in check.last_tube_at_lab_h):
        return "transport (tubes reach the labs too late)"
    return "labs (extraction and PCR)"


def size(
    base: Round,
    targets: Targets,
    vary: tuple[str, ...] = DIMENSIONS,
    limits: dict[str, int] | None = None,
    search_reps: int = 3,
    verify_reps: int = 10,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Size the plan; returns everything sizing.json records (plan, checks, bounds)."""
    limits = limits or {}
    if bad := [d for d in vary if d not in DIMENSIONS]:
        raise SizingError(f"--vary {','.join(bad)}: choose among {', '.join(DIMENSIONS)}")
    if bad := [k for k in limits if k not in ("points", "tables", "samplers", "vehicles", "extractors", "pcr_machines")]:
        raise SizingError(f"--limit {','.join(bad)}: limits are points, tables, samplers, vehicles, extractors, pcr_machines")
    sizer = Sizer(base, targets, search_reps, progress)
    bounds = analytic_bounds(base, targets)
    plan = plan_of(base)

    # A generous start: analytic values with headroom in every varied dimension, grown until it meets
    # the targets or the limits stop it.
    for dim in vary:
        plan[dim] = [max(v, 2 * b) for v, b in zip(plan[dim], bounds[dim], strict=True)] if dim != "points" else plan[dim]
    if not _within(plan, base, limits):  # no room for headroom: start from the analytic values
        plan = {d: (list(bounds[d]) if d in vary and d != "points" else plan[d]) for d in plan}
        if not _within(plan, base, limits):
            out = _report(base, targets, plan, bounds, sizer, None, {}, feasible=False, best=sizer.check(plan), limits=limits)
            out["best_found"]["note"] = "even the analytic first guesses exceed the limits"
            return out
    while True:
        sizer.say(f"checking a generous plan: {totals(base, plan)}")
        if sizer.ok(plan):
            break
        grown = {d: ([v * 2 for v in plan[d]] if d in vary else plan[d]) for d in plan}
        if grown == plan or not _within(grown, base, limits):
            best = sizer.check(plan)
            return _report(base, targets, plan, bounds, sizer, None, {}, feasible=False, best=best, limits=limits)
        plan = grown

    # Bisection, one dimension (and group or lab) at a time.
    for dim in vary:
        for i in range(len(plan[dim])):
            lo, hi = 0, plan[dim][i]  # lo fails (zero of anything serves nobody), hi meets the targets
            while hi - lo > 1:
                mid = (lo + hi) // 2
                trial = {d: list(v) for d, v in plan.items()}
                trial[dim][i] = mid
                if _within(trial, base, limits) and sizer.ok(trial):
                    hi = mid
                else:
                    lo = mid
            plan[dim][i] = hi
            sizer.say(f"{dim}[{i}] = {hi}")

    # Confirm on replications the search never used: grow the stage that binds until the confidence
    # holds there, then bring every value back down to its smallest that still holds.
    reps_v = range(VERIFY_OFFSET, VERIFY_OFFSET + verify_reps)
    meets = lambda c: c.share >= targets.confidence - 1e-12  # noqa: E731
    verify = sizer.check(plan, reps_v)
    previous, step = -1.0, 0.1  # grow by 10% a round
    for _ in range(8):
        if meets(verify):
            break
        stage = binding_stage(verify, base, targets.max_wait)
        dims = [d for d in STAGE_DIMENSIONS[stage.split(" (")[0]] if d in vary] or [d for d in vary if d != "points"]
        if verify.share <= previous:  # growing that stage did not help: several stages bind; grow every resource
            dims = [d for d in vary if d != "points"]
        previous = verify.share
        grown = {d: ([v + max(1, math.ceil(step * v)) for v in plan[d]] if d in dims else list(plan[d])) for d in plan}
        if not _within(grown, base, limits):
            break
        plan = grown
        sizer.say(f"fresh replications: {stage} binds; growing {', '.join(dims)}")
        verify = sizer.check(plan, reps_v)
    if not meets(verify):
        return _report(base, targets, plan, bounds, sizer, None, {}, feasible=False, best=verify, limits=limits)
    # Descend until a whole pass changes nothing: interactions (fewer points mean fewer pickups, slower
    # sampling spreads the vehicles' load) make one pass not enough. The last pass tried every value one
    # step smaller against the final plan: those are the minimality checks.
    for _ in range(4):
        changed, smaller = _descend(plan, vary, lambda trial: sizer.check(trial, reps_v), meets)
        if not changed:
            break
    verify = sizer.check(plan, reps_v)
    # The descent chose values on reps_v; a last look on replications nothing was chosen on.
    fresh = sizer.check(plan, range(2 * VERIFY_OFFSET, 2 * VERIFY_OFFSET + verify_reps))
    out = _report(base, targets, plan, bounds, sizer, verify, smaller, feasible=True, limits=limits)
    out["descent_converged"] = not changed
    out["final_check_on_untouched_replications"] = {**fresh.as_dict(), "replications": len(fresh.met)}
    return out


def _descend(plan: dict[str, list[int]], vary, check, meets) -> tuple[bool, dict]:
    """One pass: bring each value down to its smallest that still meets the targets (gallop, then
    bisect). Returns whether anything changed and, per value, the check of one step smaller."""
    changed, smaller = False, {}
    for dim in vary:
        for i in range(len(plan[dim])):
            hi, step, lo, first = plan[dim][i], 1, None, None
            while lo is None:
                value = max(hi - step, 0)
                trial = {d: list(x) for d, x in plan.items()}
                trial[dim][i] = value
                c = check(trial) if value > 0 else None
                if first is None:
                    first = c
                if c is not None and meets(c):
                    hi, step = value, step * 2
                else:
                    lo = value
            while hi - lo > 1:
                mid = (lo + hi) // 2
                trial = {d: list(x) for d, x in plan.items()}
                trial[dim][i] = mid
                if meets(check(trial)):
                    hi = mid
                else:
                    lo = mid
            key = f"{dim}[{i}]"
            if hi != plan[dim][i]:
                changed = True
                plan[dim][i] = hi
            elif first is None:
                smaller[key] = {"value": hi - 1, "fails": True, "note": "no smaller value exists"}
            else:
                smaller[key] = {"value": hi - 1, **first.as_dict(), "fails": not meets(first)}
    return changed, smaller


def _report(base, targets, plan, bounds, sizer, verify, smaller, *, feasible, best=None, limits=None) -> dict:
    rnd = apply_plan(base, plan)
    out = {
        "targets": {
            "confidence": targets.confidence,
            "max_wait_min": targets.max_wait / 60 if targets.max_wait else None,
            "deadline_h": base.deadline / 3600,
        },
        "limits": limits,
        "feasible": feasible,
        "plan": {
            "groups": [
                {"name": g.name, "points": g.count, "residents_per_point": g.residents, "tables_per_point": g.tables}
                for g in rnd.groups
            ],
            "labs": [
                {"name": lab.name, "vehicles": lab.vehicles, "extractors": lab.extractors, "pcr_machines": lab.pcr_machines}
                for lab in rnd.labs
            ],
            "totals": totals(base, plan),
            "samplers_per_table": samplers_per_table(base),
        },
        "analytic_bounds": bounds,
        "evaluations": sizer.evaluations,
        "search_replications": sizer.search_reps,
    }
    if verify is not None:
        rc = [v for v in verify.results_complete_h if v is not None]
        out["verification"] = {
            **verify.as_dict(),
            "replications": len(verify.met),
            "deadline_margin_h": base.deadline / 3600 - max(rc) if rc else None,
        }
        out["one_step_smaller"] = smaller
    if best is not None:
        rc = [v for v in best.results_complete_h if v is not None]
        out["best_found"] = {
            **best.as_dict(),
            "binding_stage": binding_stage(best, base, targets.max_wait),
            "short_by_h": max(rc) - base.deadline / 3600 if rc else None,
        }
    return out


def plan_yaml(text: str, result: dict) -> str:
    """The input scenario with the sized values, runnable as is."""
    import yaml

    data = yaml.safe_load(text)
    groups = iter(result["plan"]["groups"])
    for entry in data["points"]:
        if "file" in entry:  # CSV points keep their count; their tables are not rewritten into the CSV
            continue
        g = next(groups)
        entry.update(count=g["points"], residents=g["residents_per_point"], tables=g["tables_per_point"])
    data.setdefault("transport", {})["vehicles"] = {lab["name"]: lab["vehicles"] for lab in result["plan"]["labs"]}
    for lab, sized in zip(data["labs"], result["plan"]["labs"], strict=True):
        lab.update(extractors=sized["extractors"], pcr_machines=sized["pcr_machines"])
    head = "# Sized by `natsim size`: see sizing.json beside this file for the targets and the checks.\n"
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def table(result: dict) -> str:
    """What a planner reads in ten seconds."""
    p = result["plan"]
    lines = [f"{'group':16s} {'points':>8s} {'residents/pt':>12s} {'tables/pt':>9s} {'tables':>8s} {'samplers':>9s}"]
    for g in p["groups"]:
        t = g["points"] * g["tables_per_point"]
        lines.append(
            f"{g['name']:16s} {g['points']:8,d} {g['residents_per_point']:12,d} {g['tables_per_point']:9d} {t:8,d} "
            f"{t * p['samplers_per_table']:9,d}"
        )
    lines.append(f"{'lab':16s} {'vehicles':>8s} {'extractors':>12s} {'PCR':>9s}")
    for lab in p["labs"]:
        lines.append(f"{lab['name']:16s} {lab['vehicles']:8,d} {lab['extractors']:12,d} {lab['pcr_machines']:9,d}")
    t = p["totals"]
    lines.append(
        f"total: {t['points']:,} points, {t['tables']:,} tables, {t['samplers']:,} samplers, {t['vehicles']:,} vehicles, "
        f"{t['extractors']:,} extractors, {t['pcr_machines']:,} PCR machines"
    )
    if "verification" in result:
        v = result["verification"]
        lines.append(
            f"verified on {v['replications']} fresh replications: targets met in {v['share_meeting_targets']:.0%}; "
            f"deadline margin {v['deadline_margin_h']:.1f} h (latest replication)"
        )
        fails = sum(c["fails"] for c in result["one_step_smaller"].values())
        lines.append(f"one step smaller: {fails} of {len(result['one_step_smaller'])} sized values fail a target")
        f = result.get("final_check_on_untouched_replications")
        if f:
            lines.append(
                f"final check on {f['replications']} untouched replications: targets met in {f['share_meeting_targets']:.0%}"
            )
    else:
        b = result["best_found"]
        lines.append(
            f"NO PLAN within the limits meets the targets. Binding stage: {b['binding_stage']}. "
            f"Best plan found meets them in {b['share_meeting_targets']:.0%} of replications"
            + (f", last result {b['short_by_h']:.1f} h after the deadline." if b["short_by_h"] else ".")
        )
    return "\n".join(lines)
