"""The plain, validated description of a round that the engine runs: seconds, indices, objects.

Built from a `LoadedScenario` by `build_round`; nothing here knows about YAML or pydantic, so the
engine, the tests and other tools can also build a `Round` directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from sim import distributions as d
from sim import spec
from sim.scenario import LoadedScenario


@dataclass(frozen=True)
class Shifts:
    length: float
    handover: float
    stagger: bool = False


@dataclass(frozen=True)
class HomeVisits:
    share: float
    teams: int
    visit: d.Distribution
    travel: d.Distribution


@dataclass(frozen=True)
class CallSlots:
    """Residents called in turn: slot k takes `shares[k]` of those who come, called uniformly over
    [starts[k], ends[k]) and arriving `spread` after their call; `ignore_share` of them come `late` after
    the window closes instead. The rest (1 - sum of shares) follow the round's free profile."""

    shares: tuple[float, ...]
    starts: tuple[float, ...]
    ends: tuple[float, ...]
    spread: d.Distribution
    ignore_share: float = 0.0
    late: d.Distribution = d.Uniform(0.0, 7200.0)

    def sample(self, rng: np.random.Generator, n: int, free: Profile) -> np.ndarray:
        """Arrival times of n residents (unsorted)."""
        called = sum(self.shares)
        p = np.array([*self.shares, max(1.0 - called, 0.0)])
        slot = rng.choice(p.size, size=n, p=p / p.sum())
        t = np.empty(n)
        loose = slot == len(self.shares)
        t[loose] = free.sample(rng, int(loose.sum()))
        k = slot[~loose]
        starts, ends = np.array(self.starts)[k], np.array(self.ends)[k]
        when = starts + rng.random(k.size) * (ends - starts) + self.spread.sample(rng, k.size)
        ignore = rng.random(k.size) < self.ignore_share
        when[ignore] = ends[ignore] + self.late.sample(rng, int(ignore.sum()))
        t[~loose] = when
        return t

    def shifted(self, offset: float) -> CallSlots:
        return replace(self, starts=tuple(t + offset for t in self.starts), ends=tuple(t + offset for t in self.ends))


@dataclass(frozen=True)
class PointGroup:
    """`count` identical points; `names` is set when the points came one by one from a CSV."""

    name: str
    count: int
    residents: int
    tables: int
    lab: int
    travel: d.Distribution
    names: tuple[str, ...] | None = None
    pool_size: int | None = None  # key group: its own pool size
    priority: bool = False  # key group: ahead of other pooled tubes at the lab
    home: HomeVisits | None = None  # residents swabbed at home by mobile teams
    calls: CallSlots | None = None  # residents called in time slots

    def point_name(self, i: int) -> str:
        return self.names[i] if self.names else f"{self.name}-{i + 1:04d}"


@dataclass(frozen=True)
class Lab:
    name: str
    extractors: int
    pcr_machines: int
    plate_size: int
    extraction: d.Distribution
    pcr: d.Distribution
    max_plate_wait: float
    report_delay: float
    vehicles: int


@dataclass(frozen=True)
class Profile:
    """Piecewise-constant arrival intensity: weight[i] holds on [times[i], times[i+1])."""

    times: np.ndarray
    weights: np.ndarray

    @classmethod
    def from_pairs(cls, pairs: list[tuple[float, float]]) -> Profile:
        """From the scenario's [time, weight] pairs."""
        a = np.array(pairs, dtype=float)
        return cls(a[:, 0].copy(), a[:, 1].copy())

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        lengths = np.diff(self.times)
        mass = self.weights[:-1] * lengths
        cdf = np.cumsum(mass) / mass.sum()
        cdf[-1] = 1.0  # so u < 1 never falls past the end through rounding
        u = rng.random(n)
        seg = np.minimum(np.searchsorted(cdf, u, side="right"), lengths.size - 1)
        # Reuse the within-segment position of the same uniform: one draw per resident.
        lo = np.concatenate(([0.0], cdf[:-1]))[seg]
        frac = (u - lo) / (cdf[seg] - lo)
        return self.times[seg] + np.clip(frac, 0.0, 1.0) * lengths[seg]


@dataclass(frozen=True)
class Blocked:
    """Tables that serve nobody in [start, end): all tables of the point(s), or the `tables` highest-numbered."""

    group: int
    point: int  # -1: every point of the group
    start: float
    end: float
    tables: int = 0  # 0: all of them


@dataclass(frozen=True)
class LabOutage:
    lab: int
    start: float
    end: float
    extractors: int
    pcr_machines: int


@dataclass(frozen=True)
class Slowdown:
    start: float
    end: float
    factor: float
    lab: int = -1  # -1: any
    group: int = -1


@dataclass(frozen=True)
class Event:
    """A disruption as planners named it, for plots and reports."""

    kind: str
    start: float
    end: float
    label: str


def shift_arrivals(profile: Profile, start: float, end: float, factor: float) -> Profile:
    """Multiply the intensity on [start, end) by factor and let the displaced residents arrive evenly over
    the same length of time right after it, on top of whoever comes then: nobody is lost."""
    length = end - start
    cuts = np.unique(np.concatenate([profile.times, [start, end, end + length]]))
    cuts = cuts[(cuts >= profile.times[0]) | (cuts >= start)]
    idx = np.searchsorted(profile.times, cuts, side="right") - 1
    weights = np.where((idx >= 0) & (idx < profile.weights.size - 1), profile.weights[np.clip(idx, 0, None)], 0.0)
    seg = np.diff(cuts)
    inside = (cuts[:-1] >= start) & (cuts[:-1] < end)
    displaced = float(np.sum(weights[:-1][inside] * seg[inside])) * (1 - factor)
    w = weights.copy()
    w[:-1][inside] *= factor
    after = (cuts[:-1] >= end) & (cuts[:-1] < end + length)
    w[:-1][after] += displaced / length
    w[-1] = 0.0
    return Profile(cuts, w)


@dataclass(frozen=True)
class RoundPlan:
    """One round of a campaign: when it starts (since the first round's start), its turnout and profile
    (the profile's times are since this round's start)."""

    offset: float
    turnout: float
    profile: Profile
    changed: bool = False  # its own turnout or profile, as the scenario's `changes` give it


@dataclass(frozen=True)
class Round:
    name: str
    deadline: float
    seed: int
    replications: int
    turnout: float
    profile: Profile
    open: float
    service: d.Distribution
    pool_size: int
    shifts: Shifts | None
    groups: tuple[PointGroup, ...]
    pickup_interval: float
    box_capacity: int
    labs: tuple[Lab, ...]
    prevalence: float = 0.0
    recall_delay: float = 0.0
    blocked: tuple[Blocked, ...] = ()
    lab_outages: tuple[LabOutage, ...] = ()
    slowdowns: tuple[Slowdown, ...] = ()
    events: tuple[Event, ...] = ()
    campaign: tuple[RoundPlan, ...] = ()  # successive rounds; empty: a single round
    description: str = ""
    start_label: str | None = None
    source: Path | None = field(default=None, compare=False)

    @property
    def n_points(self) -> int:
        return sum(g.count for g in self.groups)

    @property
    def residents(self) -> int:
        return sum(g.count * g.residents for g in self.groups)

    @property
    def tables(self) -> int:
        return sum(g.count * g.tables for g in self.groups)

    def with_(self, **changes) -> Round:
        return replace(self, **changes)

    @property
    def rounds(self) -> int:
        return max(len(self.campaign), 1)

    def deadline_of(self, k: int) -> float:
        """Round k's deadline on the campaign's clock (each round is due `deadline` after its start)."""
        return (self.campaign[k].offset if self.campaign else 0.0) + self.deadline

    @property
    def every(self) -> float:
        """From one round's start to the next (0 for a single round)."""
        return self.campaign[1].offset if self.rounds > 1 else 0.0

    @property
    def final_deadline(self) -> float:
        return self.deadline_of(self.rounds - 1)

    def round_view(self, k: int) -> Round:
        """Round k of a campaign as a single round on the campaign's clock: its own turnout and profile,
        sampling opening, pickups ticking and residents called `offset` later."""
        if not self.campaign:
            return self
        plan = self.campaign[k]
        return replace(
            self,
            campaign=(),
            turnout=plan.turnout,
            profile=Profile(plan.profile.times + plan.offset, plan.profile.weights),
            open=self.open + plan.offset,
            deadline=self.deadline + plan.offset,
            groups=tuple(replace(g, calls=g.calls.shifted(plan.offset)) if g.calls else g for g in self.groups),
        )

    def only_groups(self, keep: list[int]) -> Round:
        """The round with only these point groups, and the events that touch them, renumbered."""
        new = {gi: i for i, gi in enumerate(keep)}
        return replace(
            self,
            groups=tuple(self.groups[gi] for gi in keep),
            blocked=tuple(replace(b, group=new[b.group]) for b in self.blocked if b.group in new),
            slowdowns=tuple(replace(s, group=new.get(s.group, -1)) for s in self.slowdowns if s.group == -1 or s.group in new),
        )

    def for_lab(self, lab: int) -> Round:
        """The part of the round one lab serves: its point groups, its vehicles and instruments, and the
        events that touch them, renumbered. Labs share nothing (each has its own vehicles, and a recalled
        resident's retest goes to the lab that ran the pool), so a replication of the whole round meets
        a target exactly when every lab's part does; sizing searches each part on its own. The parts
        draw from other streams than the whole round (streams are keyed by group and lab number)."""
        part = self.only_groups([gi for gi, g in enumerate(self.groups) if g.lab == lab])
        return replace(
            part,
            groups=tuple(replace(g, lab=0) for g in part.groups),
            labs=(self.labs[lab],),
            lab_outages=tuple(replace(o, lab=0) for o in self.lab_outages if o.lab == lab),
            slowdowns=tuple(replace(s, lab=0 if s.lab == lab else -1) for s in part.slowdowns if s.lab in (-1, lab)),
        )


def distribution(ds: spec.DistSpec) -> d.Distribution:
    match ds.dist:
        case "fixed":
            return d.Fixed(ds.value)
        case "exponential":
            return d.Exponential(ds.mean)
        case "lognormal":
            return d.Lognormal(ds.mean, ds.sd)
        case "gamma":
            return d.Gamma(ds.mean, ds.sd)
        case "triangular":
            return d.Triangular(ds.low, ds.mode, ds.high)
        case "uniform":
            return d.Uniform(ds.low, ds.high)
        case "empirical":
            return d.Empirical(tuple(ds.values))
    raise ValueError(ds.dist)  # unreachable: spec.DistKind lists the kinds


def _calls(spec_calls: spec.CallSlots | None, residents: int) -> CallSlots | None:
    if spec_calls is None:
        return None
    return CallSlots(
        tuple(s.share_of(residents) for s in spec_calls.slots),
        tuple(s.from_ for s in spec_calls.slots),
        tuple(s.to for s in spec_calls.slots),
        distribution(spec_calls.spread),
        spec_calls.ignore_share,
        distribution(spec_calls.late),
    )


def _campaign(sc: spec.Scenario, turnout: float, profile: Profile) -> tuple[RoundPlan, ...]:
    """Each round's turnout and profile; arrival shifts (times on the campaign's clock) apply to the
    round they fall in."""
    if sc.campaign is None:
        return ()
    shifts = [ev for ev in sc.events if isinstance(ev, spec.ArrivalShift)]
    changes = {c.round: c for c in sc.campaign.changes}
    plans = []
    for k in range(sc.campaign.rounds):
        c = changes.get(k + 1)
        own = Profile.from_pairs(c.profile) if c is not None and c.profile is not None else profile
        t = c.turnout if c is not None and c.turnout is not None else turnout
        offset = k * sc.campaign.every
        for ev in shifts:
            if ev.to - offset > own.times[0] and ev.from_ - offset < own.times[-1]:
                own = shift_arrivals(own, ev.from_ - offset, ev.to - offset, ev.factor)
        plans.append(RoundPlan(offset, t, own, changed=c is not None))
    return tuple(plans)


def _home(spec_home: spec.HomeVisits | None) -> HomeVisits | None:
    if spec_home is None:
        return None
    return HomeVisits(spec_home.share, spec_home.teams, distribution(spec_home.visit_time), distribution(spec_home.travel_time))


def build_round(loaded: LoadedScenario) -> Round:
    sc = loaded.spec
    lab_index = {lab.name: i for i, lab in enumerate(sc.labs)}
    groups: list[PointGroup] = []
    for entry in sc.points:
        if isinstance(entry, spec.PointFile):
            # One group per CSV row keeps each row's own residents, tables, lab and travel time.
            for _, g in loaded.points_files[entry.file]:
                groups.append(
                    PointGroup(
                        Path(entry.file).stem,
                        1,
                        g.residents,
                        g.tables,
                        lab_index[g.lab],
                        distribution(g.travel_time),
                        names=(g.name,),
                        pool_size=g.pool_size,
                        priority=g.priority,
                    )
                )
        else:
            groups.append(
                PointGroup(
                    entry.name,
                    entry.count,
                    entry.residents,
                    entry.tables,
                    lab_index[entry.lab],
                    distribution(entry.travel_time),
                    pool_size=entry.pool_size,
                    priority=entry.priority,
                    home=_home(entry.home_visits),
                    calls=_calls(entry.call_slots, entry.residents),
                )
            )
    labs = tuple(
        Lab(
            lab.name,
            lab.extractors,
            lab.pcr_machines,
            lab.plate_size,
            distribution(lab.extraction_time),
            distribution(lab.pcr_time),
            lab.max_plate_wait,
            lab.report_delay,
            sc.transport.vehicles.get(lab.name, 0),
        )
        for lab in sc.labs
    )
    # `free`: the profile before arrival shifts, from which a campaign shifts each round's own.
    profile = free = Profile.from_pairs(sc.arrivals.profile)
    group_index = {g.name: i for i, g in enumerate(groups)}
    point_index = {g.point_name(i): (gi, i) for gi, g in enumerate(groups) if g.count <= 100_000 for i in range(g.count)}
    blocked, outages, slowdowns, events = [], [], [], []
    for ev in sc.events:
        what = ev.kind.replace("_", " ")
        if isinstance(ev, spec.ClosePoints):
            for name in ev.points:
                if name in group_index:
                    blocked.append(Blocked(group_index[name], -1, ev.from_, ev.to))
                elif name in point_index:
                    blocked.append(Blocked(*point_index[name], ev.from_, ev.to))
                else:  # a CSV file's stem names all its points
                    blocked += [Blocked(gi, -1, ev.from_, ev.to) for gi, g in enumerate(groups) if g.name == name]
            what = f"points closed: {', '.join(ev.points)}"
        elif isinstance(ev, spec.TablesDown):
            blocked.append(Blocked(group_index[ev.group], -1, ev.from_, ev.to, ev.tables))
            what = f"{ev.tables} table(s) per point down: {ev.group}"
        elif isinstance(ev, spec.LabOutage):
            outages.append(LabOutage(lab_index[ev.lab], ev.from_, ev.to, ev.extractors, ev.pcr_machines))
            what = f"lab outage: {ev.lab}"
        elif isinstance(ev, spec.TravelSlowdown):
            slowdowns.append(Slowdown(ev.from_, ev.to, ev.factor, lab_index.get(ev.lab, -1), group_index.get(ev.group, -1)))
            what = f"travel x{ev.factor:g}: {ev.lab or ev.group}"
        elif isinstance(ev, spec.ArrivalShift):
            profile = shift_arrivals(profile, ev.from_, ev.to, ev.factor)
            what = f"arrivals x{ev.factor:g}, the rest later"
        events.append(Event(ev.kind, ev.from_, ev.to, what))
    sh = sc.sampling.shifts
    return Round(
        name=sc.name,
        deadline=sc.deadline,
        seed=sc.seed,
        replications=sc.replications,
        turnout=sc.arrivals.turnout,
        profile=profile,
        open=sc.sampling.open,
        service=distribution(sc.sampling.service_time),
        pool_size=sc.sampling.pool_size,
        shifts=Shifts(sh.length, sh.handover, sh.stagger) if sh else None,
        groups=tuple(groups),
        pickup_interval=sc.transport.pickup_interval,
        box_capacity=sc.transport.box_capacity,
        labs=labs,
        prevalence=sc.positives.prevalence if sc.positives else 0.0,
        recall_delay=sc.positives.recall_delay if sc.positives else 0.0,
        blocked=tuple(blocked),
        lab_outages=tuple(outages),
        slowdowns=tuple(slowdowns),
        events=tuple(events),
        campaign=_campaign(sc, sc.arrivals.turnout, free),
        description=sc.description or "",
        start_label=sc.start.isoformat(timespec="minutes") if sc.start else None,
        source=loaded.path,
    )
