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
import multiprocessing as mp
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace

from sim.engine import Crowd, finish_replication, run_replication, simulate_crowd, worst_point
from sim.model import Round
from sim.queueing import tables_for_wait
from sim.report import peak_arrival_rate
from sim.timeline import Grid

# Sizing order: tables at the scenario's points first, then fewer points only where tables have room
# (points are where residents walk to: the guidance's one per 2,000-3,000 residents is about distance).
DIMENSIONS = ("tables", "points", "vehicles", "extractors", "pcr_machines")
# What to grow when a stage binds on fresh replications. At the sampling points, points where they may
# vary: 5% more points is a finer step than one more table at every point (often +33%).
STAGE_DIMENSIONS = {
    "sampling points": ("points", "tables"),
    "transport": ("vehicles",),
    "labs": ("extractors", "pcr_machines"),
}
LOGISTICS = ("vehicles", "extractors", "pcr_machines")
VERIFY_OFFSET = 100_000  # verification replications are numbered from here: streams never used in the search


class SizingError(Exception):
    """Options that do not fit the scenario (unknown dimension or limit)."""


@dataclass(frozen=True)
class Targets:
    confidence: float = 0.95
    max_wait: float | None = None  # seconds, 95th percentile at every point
    margin: float = 0.0  # seconds: the search and verification want every result this long before the deadline


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

# Crowds kept per process (a crowd is about 24 bytes a resident): the plan being varied and its neighbours.
CROWD_CACHE_RESIDENTS = 120_000_000
_crowds: OrderedDict[tuple, tuple[int, Crowd]] = OrderedDict()


@dataclass(frozen=True)
class Outcome:
    """One lab's part of a plan in one replication (None: not simulated, or nobody there)."""

    worst_p95_wait_min: float | None
    sampling_complete_h: float | None
    results_complete_h: float | None = None
    last_tube_at_lab_h: float | None = None


def evaluate_part(part: Round, key: tuple, rep: int, logistics: bool) -> Outcome:
    """Simulate one lab's part of a plan (`Round.for_lab`) in one replication: its crowd (kept for the
    next call with the same points and tables) and, if asked, its logistics."""
    grid = Grid.for_round(part)
    entry = _crowds.pop((key, rep), None)
    crowd = entry[1] if entry else simulate_crowd(part, rep, grid)
    _crowds[(key, rep)] = (part.residents, crowd)
    while len(_crowds) > 1 and sum(n for n, _ in _crowds.values()) > CROWD_CACHE_RESIDENTS:
        _crowds.popitem(last=False)
    worst, sampled = worst_point(crowd.stats["wait_p95_min"]), worst_point(crowd.stats["last_service_h"])
    if not logistics:
        return Outcome(worst, sampled)
    m = finish_replication(part, rep, grid, crowd).metrics
    return Outcome(worst, sampled, m["results_complete_h"], m["last_tube_at_lab_h"])


def evaluate_whole(rnd: Round, rep: int) -> Outcome:
    """The whole round in one replication, as `natsim run` of the plan would simulate it."""
    m = run_replication(rnd, rep)
    return Outcome(
        worst_point(m.points["wait_p95_min"]),
        m.metrics["sampling_complete_h"],
        m.metrics["results_complete_h"],
        m.metrics["last_tube_at_lab_h"],
    )


class Workers:
    """Processes that simulate plans. A task always goes to the same process for the same lab and
    replication, so that process still holds the crowd when only vehicles or instruments change."""

    def __init__(self, jobs: int = 1):
        self.jobs = max(1, jobs)
        self._pools: list[ProcessPoolExecutor] = []

    def run(self, fn, tasks: list[tuple[int, tuple]]) -> list:
        if self.jobs == 1:
            return [fn(*args) for _, args in tasks]
        if not self._pools:
            ctx = mp.get_context("spawn")  # no fork of a process that may hold threads (numba, SimPy)
            self._pools = [ProcessPoolExecutor(1, mp_context=ctx) for _ in range(self.jobs)]
        futures = [self._pools[affinity % self.jobs].submit(fn, *args) for affinity, args in tasks]
        return [f.result() for f in futures]

    def close(self) -> None:
        for pool in self._pools:
            pool.shutdown(cancel_futures=True)
        self._pools = []


@dataclass
class Sizer:
    """Checks plans against the targets, one lab's part at a time, remembering every outcome."""

    base: Round
    targets: Targets
    search_reps: int = 2
    progress: Callable[[str], None] | None = None
    jobs: int = 1
    evaluations: int = 0
    simulated: int = 0  # lab-part replications actually simulated
    _crowd: dict = field(default_factory=dict)  # (lab, points, tables), rep -> Outcome of the crowd alone
    _full: dict = field(default_factory=dict)  # ... + (vehicles, extractors, PCR), rep -> Outcome

    def __post_init__(self) -> None:
        # The parts are due `margin` early, so every judgement of the search (crowd, binding stage) keeps it.
        early = self.base.with_(deadline=self.base.deadline - self.targets.margin)
        self.parts = [early.for_lab(li) for li in range(len(self.base.labs))]
        self.groups_of = [[gi for gi, g in enumerate(self.base.groups) if g.lab == li] for li in range(len(self.base.labs))]
        self.workers = Workers(self.jobs)  # new processes: their crowd caches start empty
        _crowds.clear()  # crowds are keyed by values, not by scenario: none may outlive their sizing

    def close(self) -> None:
        self.workers.close()

    def lab_of(self, dim: str, i: int) -> int:
        return self.base.groups[i].lab if dim in ("tables", "points") else i

    def _part(self, plan: dict[str, list[int]], li: int) -> tuple[Round, tuple, tuple]:
        gs = self.groups_of[li]
        sub = {"points": [plan["points"][g] for g in gs], "tables": [plan["tables"][g] for g in gs]}
        sub.update({d: [plan[d][li]] for d in LOGISTICS})
        crowd_key = (li, tuple(sub["points"]), tuple(sub["tables"]))
        full_key = crowd_key + tuple(sub[d][0] for d in LOGISTICS)
        return apply_plan(self.parts[li], sub), crowd_key, full_key

    def _fill(self, plan: dict[str, list[int]], labs: list[int], reps: range, logistics: bool) -> None:
        store = self._full if logistics else self._crowd
        tasks, keys = [], []
        for li in labs:
            part, crowd_key, full_key = self._part(plan, li)
            for r in reps:
                if ((full_key if logistics else crowd_key), r) not in store:
                    keys.append((crowd_key, full_key, r))
                    tasks.append((li + r, (part, crowd_key, r, logistics)))
        for (crowd_key, full_key, r), o in zip(keys, self.workers.run(evaluate_part, tasks), strict=True):
            self._crowd[crowd_key, r] = Outcome(o.worst_p95_wait_min, o.sampling_complete_h)
            if logistics:
                self._full[full_key, r] = o
        self.simulated += len(tasks)

    def _crowd_ok(self, o: Outcome, li: int) -> bool:
        """Necessary for the targets: the queue standard, and sampling ending early enough that the
        fastest trip and lab run could still report by the deadline."""
        part = self.parts[li]
        late = o.sampling_complete_h is not None and o.sampling_complete_h * 3600 + _lab_minimum(part) > part.deadline + 1e-9
        return self._wait_ok(o) and not late

    def _wait_ok(self, o: Outcome) -> bool:
        w = self.targets.max_wait
        return w is None or o.worst_p95_wait_min is None or o.worst_p95_wait_min * 60 <= w + 1e-9

    def _on_time(self, o: Outcome, margin: bool = True) -> bool:
        due = self.base.deadline - (self.targets.margin if margin else 0.0)
        return o.results_complete_h is None or o.results_complete_h * 3600 <= due + 1e-9

    def check_crowd(self, plan: dict[str, list[int]], labs: list[int] | None = None, reps: range | None = None) -> Check:
        """The crowd alone, against what it must do for the targets to be met at all."""
        reps = reps if reps is not None else range(self.search_reps)
        labs = labs if labs is not None else list(range(len(self.parts)))
        self.evaluations += 1
        self._fill(plan, labs, reps, logistics=False)
        keys = [self._part(plan, li)[1] for li in labs]
        outcomes = [[self._crowd[key, r] for key in keys] for r in reps]
        return _combine([all(self._crowd_ok(o, li) for o, li in zip(os, labs, strict=True)) for os in outcomes], outcomes)

    def check(self, plan: dict[str, list[int]], reps: range | None = None, labs: list[int] | None = None) -> Check:
        """Does the plan (or the parts of it at `labs`) meet the targets, replication by replication? The
        crowd goes first: where it already fails in too many replications, logistics cannot save it."""
        reps = reps if reps is not None else range(self.search_reps)
        labs = labs if labs is not None else list(range(len(self.parts)))
        crowd = self.check_crowd(plan, labs, reps)
        if crowd.met.count(False) > (1 - self.targets.confidence) * len(reps) + 1e-9:
            return crowd
        self._fill(plan, labs, reps, logistics=True)
        keys = [self._part(plan, li)[2] for li in labs]
        full = [[self._full[key, r] for key in keys] for r in reps]
        met = [ok and all(self._on_time(o) for o in os) for ok, os in zip(crowd.met, full, strict=True)]
        return _combine(met, full)

    def check_whole(self, plan: dict[str, list[int]], reps: range) -> Check:
        """The assembled plan as one round, the way `natsim run` simulates it."""
        rnd = apply_plan(self.base, plan)
        outcomes = self.workers.run(evaluate_whole, [(r, (rnd, r)) for r in reps])
        met = [self._wait_ok(o) and self._on_time(o, margin=False) for o in outcomes]
        return _combine(met, [[o] for o in outcomes])

    def meets(self, check: Check) -> bool:
        return check.share >= self.targets.confidence - 1e-12

    def ok(self, plan: dict[str, list[int]], **kw) -> bool:
        return self.meets(self.check(plan, **kw))

    def say(self, text: str) -> None:
        if self.progress:
            self.progress(text)


def _lab_minimum(part: Round) -> float:
    """The fastest a tube sealed at the end of sampling can be reported: the quickest trip there and the
    lab's mean extraction, PCR run and reporting."""
    lab = part.labs[0]
    return min(g.travel.mean for g in part.groups) + lab.extraction.mean + lab.pcr.mean + lab.report_delay


def _combine(met: list[bool], outcomes: list[list[Outcome]]) -> Check:
    def worst(attr: str) -> list[float | None]:
        return [max((getattr(o, attr) for o in os if getattr(o, attr) is not None), default=None) for os in outcomes]

    figures = ("results_complete_h", "worst_p95_wait_min", "sampling_complete_h", "last_tube_at_lab_h")
    return Check(met, *(worst(f) for f in figures))


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


def _trial(plan: dict[str, list[int]], dim: str, i: int, value: int) -> dict[str, list[int]]:
    trial = {d: list(v) for d, v in plan.items()}
    trial[dim][i] = value
    return trial


def _bisect(plan: dict[str, list[int]], dim: str, i: int, ok: Callable[[dict], bool]) -> int:
    """The smallest value of plan[dim][i] that passes `ok`, given that the current value does and that
    more never hurts (zero of anything serves nobody)."""
    lo, hi = 0, plan[dim][i]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(_trial(plan, dim, i, mid)):
            hi = mid
        else:
            lo = mid
    return hi


def size(
    base: Round,
    targets: Targets,
    vary: tuple[str, ...] = DIMENSIONS,
    limits: dict[str, int] | None = None,
    search_reps: int = 2,
    verify_reps: int = 10,
    progress: Callable[[str], None] | None = None,
    jobs: int = 1,
) -> dict:
    """Size the plan; returns everything sizing.json records (plan, checks, bounds)."""
    limits = limits or {}
    if bad := [d for d in vary if d not in DIMENSIONS]:
        raise SizingError(f"--vary {','.join(bad)}: choose among {', '.join(DIMENSIONS)}")
    if bad := [k for k in limits if k not in ("points", "tables", "samplers", "vehicles", "extractors", "pcr_machines")]:
        raise SizingError(f"--limit {','.join(bad)}: limits are points, tables, samplers, vehicles, extractors, pcr_machines")
    sizer = Sizer(base, targets, search_reps, progress, jobs)
    try:
        return _size(sizer, [d for d in DIMENSIONS if d in vary], limits, verify_reps)
    finally:
        sizer.close()


def _size(sizer: Sizer, vary: list[str], limits: dict[str, int], verify_reps: int) -> dict:
    base, targets = sizer.base, sizer.targets
    bounds = analytic_bounds(base, targets)
    plan = plan_of(base)
    report = lambda plan, **kw: _report(base, targets, plan, bounds, sizer, limits=limits, **kw)  # noqa: E731

    # A generous start: analytic values with headroom in every varied dimension, grown until it meets
    # the targets or the limits stop it.
    for dim in vary:
        if dim != "points":
            plan[dim] = [max(v, 2 * b) for v, b in zip(plan[dim], bounds[dim], strict=True)]
    if not _within(plan, base, limits):  # no room for headroom: start from the analytic values
        plan = {d: (list(bounds[d]) if d in vary and d != "points" else plan[d]) for d in plan}
        if not _within(plan, base, limits):
            out = report(plan, verify=None, smaller={}, feasible=False, best=sizer.check(plan))
            out["best_found"]["note"] = "even the analytic first guesses exceed the limits"
            return out
    while True:
        sizer.say(f"checking a generous plan: {totals(base, plan)}")
        if sizer.ok(plan):
            break
        grown = {d: ([v * 2 for v in plan[d]] if d in vary and d != "points" else plan[d]) for d in plan}
        if grown == plan or not _within(grown, base, limits):
            return report(plan, verify=None, smaller={}, feasible=False, best=sizer.check(plan))
        plan = grown

    # Search, one lab's part at a time (the parts share nothing). Points and tables first against the
    # crowd alone, which is cheap and where more never hurts; if the part then misses the deadline even
    # with generous logistics, sampling ends too late and they are searched again against everything.
    # Then vehicles and instruments, reusing the crowd.
    generous = {d: list(v) for d, v in plan.items()}
    for li in range(len(sizer.parts)):
        crowd_dims = [(d, gi) for d in ("tables", "points") if d in vary for gi in sizer.groups_of[li]]
        crowd_ok = lambda t, li=li: _within(t, base, limits) and sizer.meets(sizer.check_crowd(t, [li]))  # noqa: E731
        full_ok = lambda t, li=li: _within(t, base, limits) and sizer.ok(t, labs=[li])  # noqa: E731
        for dim, gi in crowd_dims:
            plan[dim][gi] = _bisect(plan, dim, gi, crowd_ok)
            sizer.say(f"{dim}[{base.groups[gi].name}] = {plan[dim][gi]}")
        if crowd_dims and not sizer.ok(plan, labs=[li]):
            sizer.say(f"lab {base.labs[li].name}: sampling ends too late for the deadline; searching points and tables again")
            for dim, gi in crowd_dims:
                plan[dim][gi] = generous[dim][gi]
            for dim, gi in crowd_dims:
                plan[dim][gi] = _bisect(plan, dim, gi, full_ok)
                sizer.say(f"{dim}[{base.groups[gi].name}] = {plan[dim][gi]}")
        for dim in LOGISTICS:
            if dim in vary:
                plan[dim][li] = _bisect(plan, dim, li, full_ok)
                sizer.say(f"{dim}[{base.labs[li].name}] = {plan[dim][li]}")

    # Confirm on replications the search never used: where a lab's part falls short, grow the stage that
    # binds there until the confidence holds, then bring every value down to its smallest that still holds.
    reps_v = range(VERIFY_OFFSET, VERIFY_OFFSET + verify_reps)
    found = {d: list(v) for d, v in plan.items()}  # where the search left each value: the descent starts there
    progress: dict[int, tuple[float, float]] = {}
    for _ in range(12):
        short = [li for li in range(len(sizer.parts)) if not sizer.meets(sizer.check(plan, reps_v, [li]))]
        if not short:
            break
        grown = {d: list(v) for d, v in plan.items()}
        for li in short:
            check = sizer.check(plan, reps_v, [li])
            stage = binding_stage(check, sizer.parts[li], targets.max_wait)
            dims = [d for d in STAGE_DIMENSIONS[stage.split(" (")[0]] if d in vary]
            sampling = stage.startswith("sampling")
            dims = dims[:1] if sampling else dims
            # Progress: more replications meet the targets, or the latest result comes sooner.
            score = (check.share, -max((x for x in check.results_complete_h if x is not None), default=0.0))
            if not dims or score <= progress.get(li, (-1.0, -math.inf)):  # no progress: several stages bind
                dims = [d for d in LOGISTICS if d in vary] + (dims if sampling else [])
            progress[li] = score
            sizer.say(f"fresh replications: {stage} binds at lab {base.labs[li].name}; growing {', '.join(dims)}")
            for d in dims:
                for i in sizer.groups_of[li] if d in ("tables", "points") else [li]:
                    # Points by 5% (a table is already a coarse step); vehicles and instruments by 10%.
                    grown[d][i] += max(1, math.ceil((0.05 if d == "points" else 0.10) * grown[d][i]))
        if not _within(grown, base, limits):
            break
        plan = grown
    verify = sizer.check(plan, reps_v)
    if not sizer.meets(verify):
        return report(plan, verify=None, smaller={}, feasible=False, best=verify)
    # Descend until a whole pass changes nothing: fewer points mean fewer pickups, slower sampling spreads
    # the vehicles' load, so one pass may not be enough. The last pass tried every value one step smaller
    # against the final plan: those are the minimality checks.
    for _ in range(4):
        changed, smaller = _descend(plan, vary, sizer, reps_v, found)
        found = plan  # later passes start where the last one ended: no anchors below the values
        if not changed:
            break
    verify = sizer.check(plan, reps_v)
    # The descent chose values on reps_v; a last look, at the assembled round as `natsim run` runs it,
    # on replications nothing was chosen on.
    fresh = sizer.check_whole(plan, range(2 * VERIFY_OFFSET, 2 * VERIFY_OFFSET + verify_reps))
    out = report(plan, verify=verify, smaller=smaller, feasible=True)
    out["descent_converged"] = not changed
    out["final_check_on_untouched_replications"] = {**fresh.as_dict(), "replications": len(fresh.met)}
    return out


def _descend(plan: dict[str, list[int]], vary: list[str], sizer: Sizer, reps: range, found: dict) -> tuple[bool, dict]:
    """One pass: bring each value down to its smallest that still meets the targets, checking only the
    lab part it belongs to. A value grown since the search is first tried where the search left it
    (then bisected between); otherwise it gallops down from where it is. Returns whether anything
    changed and, per value, the check of one step smaller."""
    changed, smaller = False, {}
    names = {"tables": [g.name for g in sizer.base.groups], "vehicles": [lab.name for lab in sizer.base.labs]}
    for dim in vary:
        for i in range(len(plan[dim])):
            check = lambda trial, li=sizer.lab_of(dim, i): sizer.check(trial, reps, [li])  # noqa: E731
            hi, step, lo = plan[dim][i], 1, None
            if 0 < found[dim][i] < hi:
                if sizer.meets(check(_trial(plan, dim, i, found[dim][i]))):
                    hi = found[dim][i]
                else:
                    lo = found[dim][i]
            while lo is None:
                value = max(hi - step, 0)
                if value > 0 and sizer.meets(check(_trial(plan, dim, i, value))):
                    hi, step = value, step * 2
                else:
                    lo = value
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if sizer.meets(check(_trial(plan, dim, i, mid))):
                    hi = mid
                else:
                    lo = mid
            key = f"{dim}[{names['tables' if dim in ('tables', 'points') else 'vehicles'][i]}]"
            if hi != plan[dim][i]:
                changed = True
                plan[dim][i] = hi
                sizer.say(f"{key} = {hi}")
            if hi == 1:
                smaller[key] = {"value": 0, "fails": True, "note": "no smaller value exists"}
            else:
                one_less = check(_trial(plan, dim, i, hi - 1))  # simulated above: remembered, not re-run
                smaller[key] = {"value": hi - 1, **one_less.as_dict(), "fails": not sizer.meets(one_less)}
    return changed, smaller


def _report(base, targets, plan, bounds, sizer, verify, smaller, *, feasible, best=None, limits=None) -> dict:
    rnd = apply_plan(base, plan)
    out = {
        "targets": {
            "confidence": targets.confidence,
            "max_wait_min": targets.max_wait / 60 if targets.max_wait else None,
            "deadline_h": base.deadline / 3600,
            "margin_h": targets.margin / 3600,
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
        "lab_part_replications_simulated": sizer.simulated,
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
            f"deadline margin {v['deadline_margin_h']:.2f} h (latest replication; wanted "
            f"{result['targets']['margin_h']:g} h)"
        )
        fails = sum(c["fails"] for c in result["one_step_smaller"].values())
        lines.append(f"one step smaller: {fails} of {len(result['one_step_smaller'])} sized values fail a target")
        f = result.get("final_check_on_untouched_replications")
        if f:
            lines.append(
                f"final check on {f['replications']} untouched replications: targets met in {f['share_meeting_targets']:.0%}"
            )
            if f["share_meeting_targets"] < result["targets"]["confidence"]:
                lines.append(
                    "  below the confidence asked: the plan is at the edge (a minimal plan chosen on few replications "
                    "often is); see sizing.json for what failed, and size with more --replications or a --margin"
                )
    else:
        b = result["best_found"]
        lines.append(
            f"NO PLAN within the limits meets the targets. Binding stage: {b['binding_stage']}. "
            f"Best plan found meets them in {b['share_meeting_targets']:.0%} of replications"
            + (f", last result {b['short_by_h']:.1f} h after the deadline." if b["short_by_h"] else ".")
        )
    return "\n".join(lines)
