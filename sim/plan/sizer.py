"""Checking plans against the targets, one lab's part at a time, remembering every outcome.

Labs share nothing (each has its own vehicles and instruments, and a recalled resident's retest goes to
the lab that ran the pool), so a replication meets the targets exactly when every lab's part does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from itertools import zip_longest

from sim.plan.bounds import apply_plan, totals
from sim.plan.workers import Outcome, Workers, clear_crowds, evaluate_part, evaluate_whole
from sim.scenario.round import Round
from sim.scenario.routes import labs_without_trips
from sim.scenario.rules import TIME_TOLERANCE, on_time, within_wait

LOGISTICS = ("vehicles", "extractors", "pcr_machines")
EARLY_STEP = 2  # replications judged at a time by a check that may stop early (two workers' worth)


@dataclass(frozen=True)
class Targets:
    confidence: float = 0.95
    max_wait: float | None = None  # seconds, 95th percentile at every point
    margin: float = 0.0  # seconds: the search and verification want every result this long before the deadline
    wait_margin: float | None = 0.0  # seconds below max_wait the confirmation wants; None: from the spread (auto)
    margin_from_spread: bool = (
        True  # more than `margin` where the last result's spread asks it (`sizing._deadline_margin`)
    )


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
            "replications": len(self.met),  # fewer than asked when it stopped at a failure past the confidence
            "results_complete_h": self.results_complete_h,
            "worst_p95_wait_min": self.worst_p95_wait_min,
        }


@dataclass
class Sizer:
    """Checks plans against the targets, one lab's part at a time, remembering every outcome."""

    base: Round
    targets: Targets
    search_reps: int = 2
    progress: Callable[[str], None] | None = None
    jobs: int = 1
    dask: str | None = None  # a Dask scheduler's address: simulate there
    evaluations: int = 0
    simulated: int = 0  # lab-part replications actually simulated
    last_whole: tuple[Round, list[Outcome]] | None = None  # the last whole-round check: the plan and its outcomes
    wait_margin: float = 0.0  # seconds below max_wait the queue standard is judged at, but in the final check
    deadline_margin: float | None = None  # seconds before the deadline results are judged at (None: --margin)
    _crowd: dict = field(default_factory=dict)  # (lab, points, tables), rep -> Outcome of the crowd alone
    _full: dict = field(default_factory=dict)  # ... + (vehicles, extractors, PCR), rep -> Outcome
    _failures: dict = field(default_factory=dict)  # rep -> checks it failed so far (judged first next time)

    def __post_init__(self) -> None:
        # The parts are due `margin` early, so every judgement of the search (crowd, binding stage) keeps it.
        early = self.base.with_(deadline=self.base.deadline - self.targets.margin)
        # Parts of labs linked by overflow are sized together; unlinked labs each alone (`Round.lab_parts`).
        self.labs_of = self.base.lab_parts()
        self.parts = [early.for_labs(labs) for labs in self.labs_of]
        self.part_of_lab = {li: pi for pi, labs in enumerate(self.labs_of) for li in labs}
        self.routes_of = [[ri for ri, r in enumerate(self.base.routes) if r.lab in labs] for labs in self.labs_of]
        names, base = self.base.point_names(), self.base
        point_labs = [base.labs[li].name for li in base.per_point(lambda g: g.lab)]
        routed = {names[p] for r in base.routes for p in r.stops}
        self.no_trips = labs_without_trips(
            zip(names, point_labs, strict=True), routed, base.on_full, [lab.name for lab in base.labs]
        )
        self.groups_of = [[gi for gi, g in enumerate(self.base.groups) if g.lab in labs] for labs in self.labs_of]
        self.workers = Workers(self.jobs, self.dask)  # new processes: their crowd caches start empty
        clear_crowds()  # crowds are keyed by values, not by scenario: none may outlive their sizing

    def close(self) -> None:
        self.workers.close()

    def lab_of(self, dim: str, i: int) -> int:
        """The part a value belongs to: its group's labs for points and tables, its route's lab for a
        route's vehicles, its lab's for the rest."""
        if dim in ("tables", "points"):
            return self.part_of_lab[self.base.groups[i].lab]
        return self.part_of_lab[self.base.routes[i].lab if dim == "route_vehicles" else i]

    def fixed(self, dim: str, i: int) -> bool:
        """A value sizing leaves alone: the vehicles of a lab that makes no trips of its own (an external
        lab, or one whose points all wait for their couriers: `labs_without_trips`)."""
        return dim == "vehicles" and self.base.labs[i].name in self.no_trips

    def indices(self, dim: str, part: int) -> list[int]:
        """The values of `dim` that belong to a part (those sizing may change)."""
        if dim in ("tables", "points"):
            return self.groups_of[part]
        found = self.routes_of[part] if dim == "route_vehicles" else self.labs_of[part]
        return [i for i in found if not self.fixed(dim, i)]

    def part_name(self, pi: int) -> str:
        return " + ".join(self.base.labs[li].name for li in self.labs_of[pi])

    def _part(self, plan: dict[str, list[int]], li: int) -> tuple[Round, tuple, tuple]:
        gs, labs = self.groups_of[li], self.labs_of[li]
        sub = {"points": [plan["points"][g] for g in gs], "tables": [plan["tables"][g] for g in gs]}
        sub.update({d: [plan[d][lab] for lab in labs] for d in LOGISTICS})
        sub["route_vehicles"] = [plan["route_vehicles"][ri] for ri in self.routes_of[li]]
        crowd_key = (li, tuple(sub["points"]), tuple(sub["tables"]))
        full_key = crowd_key + tuple(v for d in (*LOGISTICS, "route_vehicles") for v in sub[d])
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
        late = o.sampling_complete_h is not None and sampling_too_late(o.sampling_complete_h, part)
        return self._wait_ok(o) and not late

    def _wait_ok(self, o: Outcome, margin: bool = True) -> bool:
        w = self.targets.max_wait
        if w is None or o.worst_p95_wait_min is None:
            return True
        return within_wait(o.worst_p95_wait_min * 60, w, self.wait_margin if margin else 0.0)

    @property
    def due_margin(self) -> float:
        """How long before the deadline the search wants every result: --margin, or more where the spread
        of the last result asks it (`sizing._deadline_margin`)."""
        return self.targets.margin if self.deadline_margin is None else self.deadline_margin

    def _on_time(self, o: Outcome, margin: bool = True) -> bool:
        due = self.base.deadline - (self.due_margin if margin else 0.0)
        return on_time(None if o.results_complete_h is None else o.results_complete_h * 3600, due)

    def check_crowd(
        self, plan: dict[str, list[int]], labs: list[int] | None = None, reps: range | None = None
    ) -> Check:
        """The crowd alone, against what it must do for the targets to be met at all."""
        self.evaluations += 1
        return self._crowd_check(plan, labs, reps)

    def _crowd_check(self, plan: dict[str, list[int]], labs: list[int] | None, reps: range | None) -> Check:
        reps = reps if reps is not None else range(self.search_reps)
        labs = labs if labs is not None else list(range(len(self.parts)))
        self._fill(plan, labs, reps, logistics=False)
        keys = [self._part(plan, li)[1] for li in labs]
        outcomes = [[self._crowd[key, r] for key in keys] for r in reps]
        return _combine(
            [all(self._crowd_ok(o, li) for o, li in zip(os, labs, strict=True)) for os in outcomes], outcomes
        )

    def check(
        self, plan: dict[str, list[int]], reps: range | None = None, labs: list[int] | None = None, early: bool = True
    ) -> Check:
        """Does the plan (or the parts of it at `labs`) meet the targets, replication by replication? The
        crowd goes first: where it already fails in too many replications, logistics cannot save it. With
        `early`, replications go EARLY_STEP at a time and the check stops once more have failed than the
        confidence allows: its share on those is then below it too, and a failing trial of the descent costs
        two replications instead of ten. The step is fixed, so answers never depend on the workers."""
        reps = reps if reps is not None else range(self.search_reps)
        labs = labs if labs is not None else list(range(len(self.parts)))
        allowed = (1 - self.targets.confidence) * len(reps) + 1e-9  # a count: 0.95 * 20 is 19.000000000000004
        step = EARLY_STEP if early else len(reps)
        self.evaluations += 1
        # The replications that failed most often so far go first: a failing trial then usually stops at
        # its first step. Which replications are judged never changes the verdict, only its cost.
        order = self._hardest_first(reps) if early else list(reps)
        parts: list[Check] = []
        for k in range(0, len(order), step):
            parts.append(self._check(plan, order[k : k + step], labs, allowed))
            for r, ok in zip(order[k : k + step], parts[-1].met, strict=False):
                self._failures[r] = self._failures.get(r, 0) + (not ok)
            if sum(c.met.count(False) for c in parts) > allowed:
                break
        return Check(*([x for c in parts for x in getattr(c, f.name)] for f in fields(Check)))

    def _hardest_first(self, reps: range) -> list[int]:
        """Replications by how often they failed, even and odd numbers alternating: a step of two then
        goes to two workers (a replication's worker is fixed by its number, for its kept crowd)."""
        by = [sorted((r for r in reps if r % 2 == k), key=lambda r: -self._failures.get(r, 0)) for k in (0, 1)]
        if by[1] and (not by[0] or self._failures.get(by[1][0], 0) > self._failures.get(by[0][0], 0)):
            by.reverse()
        return [r for pair in zip_longest(*by) for r in pair if r is not None]

    def _check(self, plan: dict[str, list[int]], reps: list[int], labs: list[int], allowed: float) -> Check:
        crowd = self._crowd_check(plan, labs, reps)
        if crowd.met.count(False) > allowed:
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
        self.last_whole = (rnd, outcomes)  # the bill of the plan sizing settles on comes from these
        met = [self._wait_ok(o, margin=False) and self._on_time(o, margin=False) for o in outcomes]
        return _combine(met, [[o] for o in outcomes])

    def meets(self, check: Check) -> bool:
        return check.share >= self.targets.confidence - 1e-12

    def ok(self, plan: dict[str, list[int]], **kw) -> bool:
        return self.meets(self.check(plan, **kw))

    def binding(self, check: Check, part: int | None = None, margin: bool = True) -> str:
        """`binding_stage` of a check of a part (None: the whole round), with the queue standard as the
        check judged it: inside by the wait margin in the search, the standard itself in the final check."""
        w = self.targets.max_wait
        w = None if w is None else w - (self.wait_margin if margin else 0.0)
        return binding_stage(check, self.base if part is None else self.parts[part], w)

    def say(self, text: str) -> None:
        if self.progress:
            self.progress(text)


def _fastest_trip(rnd: Round) -> float:
    """Seconds: the quickest mean trip from a point to its lab."""
    return min(g.travel.mean for g in rnd.groups)


def _fastest_lab(rnd: Round) -> float:
    """Seconds: the quickest a lab can report a tube that reaches it (mean extraction, PCR run, report)."""
    return min(lab.extraction.mean + lab.pcr.mean + lab.report_delay for lab in rnd.labs)


def _combine(met: list[bool], outcomes: list[list[Outcome]]) -> Check:
    def worst(attr: str) -> list[float | None]:
        return [max((getattr(o, attr) for o in os if getattr(o, attr) is not None), default=None) for os in outcomes]

    figures = ("results_complete_h", "worst_p95_wait_min", "sampling_complete_h", "last_tube_at_lab_h")
    return Check(met, *(worst(f) for f in figures))


def within(plan: dict[str, list[int]], rnd: Round, limits: dict[str, int]) -> bool:
    t = totals(rnd, plan)
    return all(t[k] <= v for k, v in limits.items())


def sampling_too_late(sampling_complete_h: float, rnd: Round) -> bool:
    """Sampling ends so late that even the quickest trip and lab run report after the deadline."""
    return not on_time(sampling_complete_h * 3600 + _fastest_trip(rnd) + _fastest_lab(rnd), rnd.deadline)


def binding_stage(check: Check, rnd: Round, max_wait: float | None) -> str:
    """Which stage keeps a plan from its targets, on its worst replication: the first stage whose finish,
    plus the fastest possible processing after it, already passes the deadline. `max_wait`: the queue
    standard as the check judged it (inside the standard by the wait margin, in the search)."""
    if max_wait is not None and any(
        w is not None and not within_wait(w * 60, max_wait) for w in check.worst_p95_wait_min
    ):
        return "sampling points (queue standard)"
    if any(s is not None and sampling_too_late(s, rnd) for s in check.sampling_complete_h):
        return "sampling points (sampling ends too late)"
    if any(a is not None and not on_time(a * 3600 + _fastest_lab(rnd), rnd.deadline) for a in check.last_tube_at_lab_h):
        return "transport (tubes reach the labs too late)"
    # The last tubes to reach a lab rarely fill a plate: they wait out its timer. A lab binds only when its
    # last result came later than that after its last tube (tubes queued for instruments); otherwise the
    # tubes simply came late, and more instruments cannot help (on the Xi'an example they did not).
    floor = _fastest_lab(rnd) + min(lab.max_plate_wait for lab in rnd.labs)
    queued = [
        r is not None and a is not None and (r - a) * 3600 > floor + TIME_TOLERANCE
        for r, a in zip(check.results_complete_h, check.last_tube_at_lab_h, strict=True)
    ]
    return "labs (extraction and PCR)" if any(queued) else "transport (tubes reach the labs too late)"
