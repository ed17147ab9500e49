"""The plain, validated description of a round that the engine runs: seconds, indices, objects.

`sim.scenario.build` makes one from a loaded scenario file; nothing here knows about YAML or pydantic,
so the engine, the tests and other tools can also build a `Round` directly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from sim.core import distributions as d
from sim.core.profile import peak_share
from sim.scenario.lab_network import LabSurge, Overflow
from sim.scenario.names import point_name
from sim.scenario.places.map import Catchment, PlacesMap
from sim.scenario.routes import Route
from sim.scenario.rules import every_round_on_time, pool_size_rule
from sim.scenario.staffing import Staffing


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

    def sample(self, rng: np.random.Generator, n: int, free: Profile, slot: np.ndarray | None = None) -> np.ndarray:
        """Arrival times of n residents (unsorted). `slot`, when given, is each resident's slot from their
        compound (-1: none named theirs); those are then split over the slots given as shares and the profile."""
        called = sum(self.shares)
        p = np.array([*self.shares, max(1.0 - called, 0.0)])
        if slot is None:
            slot = rng.choice(p.size, size=n, p=p / p.sum())
        else:
            # Residents of compounds no slot names: the slots given as shares, and the free profile.
            by_share = np.array([k for k in range(len(self.shares)) if not np.any(slot == k)] + [len(self.shares)])
            q = np.array([*p[by_share[:-1]], max(1.0 - p[by_share[:-1]].sum(), 0.0)])
            q = q / q.sum() if q.sum() > 0 else np.eye(by_share.size)[-1]
            loose = slot < 0
            slot = slot.copy()
            slot[loose] = by_share[rng.choice(by_share.size, size=int(loose.sum()), p=q)]
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
    catchment: Catchment | None = None  # places: the compounds the point serves and their walks (P4)

    def point_name(self, i: int) -> str:
        return self.names[i] if self.names else point_name(self.name, i)

    @property
    def people(self) -> int:
        """Residents of one of its points: the group's figure, or on a map those of the compounds it serves."""
        return self.residents if self.catchment is None else int(self.catchment.residents.sum())


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
    external: bool = False  # reached only by other labs' overflow trunks
    overflow: Overflow | None = None

    def tubes_per_hour(self) -> float:
        """What the lab runs at full strength, the slower of extraction and PCR."""
        plates = min(self.extractors / self.extraction.mean, self.pcr_machines / self.pcr.mean) * 3600
        return plates * self.plate_size


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

    @cached_property
    def segments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Segment lengths, CDF at each segment's end and start, their difference: once, not per point."""
        lengths = np.diff(self.times)
        mass = self.weights[:-1] * lengths
        cdf = np.cumsum(mass) / mass.sum()
        cdf[-1] = 1.0  # so u < 1 never falls past the end through rounding
        lo = np.concatenate(([0.0], cdf[:-1]))
        return lengths, cdf, lo, cdf - lo

    def share_by(self, t: float) -> float:
        """The profile's CDF at `t`: the share of its arrivals that come by then."""
        lengths, _cdf, lo, width = self.segments
        seg = min(int(np.searchsorted(self.times, t, side="right")) - 1, lengths.size - 1)
        if seg < 0:
            return 0.0
        f = (t - self.times[seg]) / lengths[seg] if lengths[seg] > 0 else 1.0
        return float(lo[seg] + width[seg] * min(max(f, 0.0), 1.0))

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        lengths, cdf, lo, width = self.segments
        u = rng.random(n)  # one draw per resident: its segment, and its position within
        seg = np.minimum(np.searchsorted(cdf, u, side="right"), lengths.size - 1)
        return self.times[seg] + np.clip((u - lo[seg]) / width[seg], 0.0, 1.0) * lengths[seg]


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
    lab_surges: tuple[LabSurge, ...] = ()
    routes: tuple[Route, ...] = ()  # courier loops (docs/routes.md); points on none have their own pickups
    on_full: str = "wait"  # a point on a route whose box fills: "wait" for the route, or "call" a lab vehicle
    slowdowns: tuple[Slowdown, ...] = ()
    events: tuple[Event, ...] = ()
    campaign: tuple[RoundPlan, ...] = ()  # successive rounds; empty: a single round
    description: str = ""
    start_label: str | None = None
    source: Path | None = field(default=None, compare=False)
    places: PlacesMap | None = field(default=None, compare=False)  # the round on a map, when it has one
    staffing: Staffing = Staffing()  # ratios for the bill

    @property
    def n_points(self) -> int:
        return sum(g.count for g in self.groups)

    @property
    def residents(self) -> int:
        return sum(g.count * g.residents for g in self.groups)

    @property
    def tables(self) -> int:
        return sum(g.count * g.tables for g in self.groups)

    def per_point(self, value: Callable[[PointGroup], float]) -> np.ndarray:
        """A figure of each point's group, by point index (`rnd.per_point(lambda g: g.lab)`)."""
        return np.array([value(g) for g in self.groups for _i in range(g.count)])

    def first_points(self) -> np.ndarray:
        """Each group's first point index, and the number of points last: group g holds points
        first_points()[g] to first_points()[g + 1] - 1."""
        return np.cumsum([0] + [g.count for g in self.groups])

    def point_names(self) -> list[str]:
        """Every point's name, by point index."""
        return [g.point_name(i) for g in self.groups for i in range(g.count)]

    def pool_size_of(self, g: PointGroup) -> int:
        """Residents per tube at a group's points (`pool_size_rule`)."""
        return pool_size_rule(g.pool_size, self.pool_size)

    def pool_sizes(self) -> np.ndarray:
        """Residents per tube at each point, by point index."""
        return self.per_point(self.pool_size_of)

    def tube_labs(self, point: np.ndarray, ran: np.ndarray | None = None) -> np.ndarray:
        """Each tube's lab: the lab that ran it (`ran`, -1 where not known or not run yet), else its point's
        home lab. The one rule every count by lab uses (a status, the plan seen at a time, run sheets)."""
        home = self.per_point(lambda g: g.lab)[np.asarray(point, np.int64)]
        return home if ran is None else np.where(np.asarray(ran) >= 0, ran, home).astype(np.int64)

    def with_(self, **changes) -> Round:
        return replace(self, **changes)

    @property
    def rounds(self) -> int:
        return max(len(self.campaign), 1)

    def deadline_of(self, k: int) -> float:
        """Round k's deadline on the campaign's clock (each round is due `deadline` after its start)."""
        return (self.campaign[k].offset if self.campaign else 0.0) + self.deadline

    def deadline_met(self, done_by_round: Sequence[float | None]) -> bool:
        """Met when every round's last pooled result (seconds, campaign clock) is by its own deadline."""
        return every_round_on_time(done_by_round, [self.deadline_of(k) for k in range(self.rounds)])

    def peak_arrival_rate(self) -> float:
        """Residents per hour arriving across the round at the profile's busiest segment."""
        return self.residents * self.turnout * peak_share(self.profile.times, self.profile.weights) * 3600

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
            slowdowns=tuple(
                replace(s, group=new.get(s.group, -1)) for s in self.slowdowns if s.group == -1 or s.group in new
            ),
        )

    def for_lab(self, lab: int) -> Round:
        """The part of the round one lab serves (see `for_labs`)."""
        return self.for_labs((lab,))

    def for_labs(self, labs: tuple[int, ...]) -> Round:
        """The part of the round some labs serve: their point groups, vehicles, instruments and trunks, and
        the events that touch them, renumbered. Labs not linked by overflow share nothing (each has its
        own vehicles, and a recalled resident's retest goes to the lab that ran the pool), so a
        replication of the whole round meets a target exactly when every part of linked labs
        (`lab_parts`) does; sizing searches each part on its own. The parts draw from other streams than
        the whole round (streams are keyed by group and lab number)."""
        new = {lab: i for i, lab in enumerate(labs)}
        keep = [gi for gi, g in enumerate(self.groups) if g.lab in new]
        part = self.only_groups(keep)
        first = self.first_points()
        moved = np.cumsum([0] + [self.groups[gi].count for gi in keep])
        point = {
            int(first[gi]) + i: int(moved[k]) + i for k, gi in enumerate(keep) for i in range(self.groups[gi].count)
        }
        return replace(
            part,
            groups=tuple(replace(g, lab=new[g.lab]) for g in part.groups),
            labs=tuple(
                replace(
                    self.labs[li],
                    overflow=replace(o, to=tuple(new[t] for t in o.to)) if (o := self.labs[li].overflow) else None,
                )
                for li in labs
            ),
            lab_outages=tuple(replace(o, lab=new[o.lab]) for o in self.lab_outages if o.lab in new),
            lab_surges=tuple(replace(u, lab=new[u.lab]) for u in self.lab_surges if u.lab in new),
            routes=tuple(
                replace(r, lab=new[r.lab], stops=tuple(point[p] for p in r.stops)) for r in self.routes if r.lab in new
            ),
            slowdowns=tuple(replace(s, lab=new.get(s.lab, -1)) for s in part.slowdowns if s.lab == -1 or s.lab in new),
        )

    def lab_parts(self) -> list[tuple[int, ...]]:
        """Labs linked by overflow, directly or through others, in parts (each lab alone when none are)."""
        part = list(range(len(self.labs)))

        def root(i: int) -> int:
            while part[i] != i:
                i = part[i]
            return i

        for i, lab in enumerate(self.labs):
            for t in lab.overflow.to if lab.overflow else ():
                part[root(t)] = root(i)
        groups: dict[int, list[int]] = {}
        for i in range(len(self.labs)):
            groups.setdefault(root(i), []).append(i)
        return [tuple(g) for g in groups.values()]
