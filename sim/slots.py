"""`natsim slots`: a call schedule per point group that keeps the 95th-percentile wait under a target
with the tables the scenario gives.

The schedule calls a group's residents in equal shares over consecutive slots from the moment the tables
open; the search finds the shortest calling span (in steps of `STEP`) whose worst point keeps its p95 wait
under the target in every replication tried. A shorter span ends sampling sooner; a longer one queues
less. Residents called still behave as people do: they come `spread` after the call, and a share ignores
it and comes `late` after their slot closes (the group's own call settings when it has them, otherwise
the defaults below).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from sim import distributions as d
from sim.durations import format_duration
from sim.engine import Crowd, simulate_crowd, worst_point
from sim.model import CallSlots, Round
from sim.timeline import Grid

STEP = 900.0  # the span is searched in quarter hours: volunteers do not call to the minute
MAX_SPAN = 72 * 3600.0
SEARCH_OFFSET = 0  # replications the search chooses on
CHECK_OFFSET = 50_000  # replications the proposal is shown on: never used by the search


@dataclass(frozen=True)
class Behaviour:
    """How called residents respond (assumed where a group has no call settings of its own)."""

    spread: d.Distribution = d.Exponential(600.0)
    ignore_share: float = 0.1
    late: d.Distribution = d.Uniform(0.0, 7200.0)


def schedule(rnd: Round, span: float, slot_length: float, how: Behaviour) -> CallSlots:
    """Everyone called at an even rate over `span` from the opening, in slots of `slot_length` (the last one
    may be shorter): each slot's share is its share of the span."""
    k = max(1, math.ceil(span / slot_length - 1e-9))
    edges = rnd.open + np.minimum(np.arange(k + 1) * slot_length, span)
    shares = tuple(float(x) for x in np.diff(edges) / span)
    return CallSlots(shares, tuple(edges[:-1]), tuple(edges[1:]), how.spread, how.ignore_share, how.late)


@dataclass
class GroupFigures:
    """One group's queue in a few replications."""

    crowds: list[Crowd]

    def _worst(self, key: str) -> list[float]:
        return [worst_point(c.stats[key]) or 0.0 for c in self.crowds]

    @property
    def worst_p95_min(self) -> list[float]:
        return self._worst("wait_p95_min")

    @property
    def max_queue(self) -> list[float]:
        return self._worst("max_queue")

    @property
    def sampling_ends_h(self) -> list[float]:
        return self._worst("last_service_h")

    def as_dict(self) -> dict:
        return {
            "worst_point_p95_wait_min": self.worst_p95_min,
            "longest_queue": self.max_queue,
            "sampling_ends_h": self.sampling_ends_h,
        }


def group_crowds(rnd: Round, gi: int, calls: CallSlots | None, reps: range) -> GroupFigures:
    part = rnd.only_groups([gi])
    part = part.with_(groups=(replace(part.groups[0], calls=calls),))
    grid = Grid.for_round(part)
    return GroupFigures([simulate_crowd(part, r, grid) for r in reps])


@dataclass
class Proposal:
    """What `natsim slots` found."""

    summary: dict  # what slots.json records: per group the slots and the queue now and called
    rnd: Round  # the round the schedules are for (a campaign's first)
    calls: dict[str, CallSlots]  # per group name, the schedule proposed
    queues: dict[str, tuple]  # per group name, (point, queue per grid row) at the busiest point, now and called


def propose(
    rnd: Round,
    max_wait: float,
    slot_length: float = 3600.0,
    reps: int = 3,
    how: Behaviour | None = None,
    progress=None,
) -> Proposal:
    """A schedule per point group, with the queue with and without it."""
    rnd = rnd.round_view(0)  # a campaign: its first round (every round is called the same way)
    search, check = range(SEARCH_OFFSET, SEARCH_OFFSET + reps), range(CHECK_OFFSET, CHECK_OFFSET + reps)
    out: dict = {"max_wait_min": max_wait / 60, "slot_length_h": slot_length / 3600, "replications": reps, "groups": []}
    found = Proposal(out, rnd, {}, {})
    for gi, g in enumerate(rnd.groups):
        if g.names:  # points from a CSV: one group per row; call slots are set per group in the YAML
            continue
        own = g.calls
        behaviour = how or (Behaviour(own.spread, own.ignore_share, own.late) if own else Behaviour())

        def ok(span: float, gi: int = gi, b: Behaviour = behaviour) -> bool:
            worst = group_crowds(rnd, gi, schedule(rnd, span, slot_length, b), search).worst_p95_min
            return max(worst) <= max_wait / 60 + 1e-9

        # The tables' throughput bounds the span from below: nobody can be swabbed faster than that.
        work = g.residents * rnd.turnout * rnd.service.mean / g.tables  # seconds at every table
        lo = hi = max(STEP, math.floor(work / STEP) * STEP)
        passed = ok(hi)
        while not passed and hi < MAX_SPAN:  # double until it passes; the last span that failed is lo
            lo, hi = hi, min(hi * 2, MAX_SPAN)
            passed = ok(hi)
        entry = {"group": g.name, "points": g.count, "residents_per_point": g.residents, "tables_per_point": g.tables}
        if not passed:
            entry["feasible"] = False
            entry["note"] = f"even calling evenly over {hi / 3600:g} h keeps the p95 wait above the target: add tables"
            out["groups"].append(entry)
            continue
        while hi - lo > STEP + 1e-9:  # lo fails, hi meets the target
            mid = lo + math.floor((hi - lo) / 2 / STEP) * STEP
            if ok(mid):
                hi = mid
            else:
                lo = mid
        # Shown on replications the search never saw; a schedule chosen at the edge may need a step more there.
        while True:
            calls = schedule(rnd, hi, slot_length, behaviour)
            with_ = group_crowds(rnd, gi, calls, check)
            if max(with_.worst_p95_min) <= max_wait / 60 + 1e-9 or hi >= MAX_SPAN:
                break
            hi += STEP
        found.calls[g.name] = calls
        without = group_crowds(rnd, gi, g.calls, check)
        entry.update(
            feasible=True,
            calling_span_h=hi / 3600,
            slots=[
                {"from_h": s / 3600, "to_h": e / 3600, "share": sh}
                for s, e, sh in zip(calls.starts, calls.ends, calls.shares, strict=True)
            ],
            behaviour={
                "spread": d.describe(behaviour.spread),
                "ignore_share": behaviour.ignore_share,
                "late": d.describe(behaviour.late),
            },
            without=without.as_dict(),
            with_slots=with_.as_dict(),
        )
        found.queues[g.name] = (_busiest(without), _busiest(with_))
        out["groups"].append(entry)
        if progress:
            progress(f"{g.name}: call over {format_duration(hi)} in {len(calls.shares)} slot(s)")
    return found


def _busiest(f: GroupFigures) -> tuple[str, np.ndarray]:
    """The queue over time at the group's busiest point in the first replication."""
    c = f.crowds[0]
    if not c.busiest:
        return "", np.zeros(1)
    q, _, name, series = max(c.busiest)
    return name, series


def slots_yaml(text: str, proposal: Proposal) -> str:
    """The input scenario with each group's proposed call slots, runnable as is."""
    import yaml

    data = yaml.safe_load(text)
    for entry in data["points"]:
        calls = proposal.calls.get(entry.get("name"))
        if calls is None or "file" in entry:
            continue
        entry["call_slots"] = {
            "slots": [
                {"from": d.exact_duration(s), "to": d.exact_duration(e), "share": sh}
                for s, e, sh in zip(calls.starts, calls.ends, calls.shares, strict=True)
            ],
            "spread": d.to_spec(calls.spread),
            "ignore_share": calls.ignore_share,
            "late": d.to_spec(calls.late),
        }
    head = "# Call slots proposed by `natsim slots`: see slots.json beside this file for the queue with and without them.\n"
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def table(proposal: Proposal) -> str:
    result = proposal.summary
    lines = [
        f"{'group':16s} {'tables/pt':>9s} {'call over':>9s} {'slots':>5s}  {'p95 wait (worst point), min':>27s}  "
        f"{'longest queue':>15s}  {'sampling ends, h':>16s}",
        f"{'':16s} {'':>9s} {'':>9s} {'':>5s}  {'now -> called':>27s}  {'now -> called':>15s}  {'now -> called':>16s}",
    ]
    for g in result["groups"]:
        if not g["feasible"]:
            lines.append(f"{g['group']:16s} {g['tables_per_point']:9d}  {g['note']}")
            continue
        w, s = g["without"], g["with_slots"]
        span = format_duration(g["calling_span_h"] * 3600)
        lines.append(
            f"{g['group']:16s} {g['tables_per_point']:9d} {span:>9s} {len(g['slots']):5d}  "
            f"{max(w['worst_point_p95_wait_min']):>13.1f} -> {max(s['worst_point_p95_wait_min']):<10.1f}  "
            f"{max(w['longest_queue']):>6,.0f} -> {max(s['longest_queue']):<6,.0f}  "
            f"{max(w['sampling_ends_h']):>6.1f} -> {max(s['sampling_ends_h']):<6.1f}"
        )
    lines.append(
        f"(now: the arrivals the scenario gives; called: the proposed slots; worst of {result['replications']} "
        f"replications the search did not use; target p95 wait {result['max_wait_min']:g} min)"
    )
    rnd = proposal.rnd
    late = [
        g["group"] for g in result["groups"] if g["feasible"] and max(g["with_slots"]["sampling_ends_h"]) > rnd.deadline / 3600
    ]
    if late:
        lines.append(
            f"Called this way, sampling at {', '.join(late)} ends after the {rnd.deadline / 3600:g} h deadline: "
            "more tables would let the calls end sooner."
        )
    return "\n".join(lines)
