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

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from sim.core import distributions as d
from sim.core import streams
from sim.core.durations import format_duration
from sim.core.i18n import _
from sim.core.search import bisect_smallest, gallop_up
from sim.engine.figures import worst_point
from sim.engine.sampling import Crowd, simulate_crowd
from sim.engine.timeline import Grid
from sim.report.page import Page, folder_page, read_json, scenario_name, write_page
from sim.scenario.edit import edit_scenario, point_groups
from sim.scenario.round import CallSlots, Round
from sim.scenario.rules import within_wait

STEP = 900.0  # the span is searched in quarter hours: volunteers do not call to the minute
MAX_SPAN = 72 * 3600.0


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
    out: dict = {
        "max_wait_min": max_wait / 60,
        "slot_length_h": slot_length / 3600,
        "replications": reps,
        "deadline_h": rnd.deadline / 3600,
        "groups": [],
    }
    found = Proposal(out, rnd, {}, {})
    for gi, g in enumerate(rnd.groups):
        if g.names:  # points from a CSV: one group per row; call slots are set per group in the YAML
            continue
        own = g.calls
        behaviour = how or (Behaviour(own.spread, own.ignore_share, own.late) if own else Behaviour())
        entry = _propose_group(rnd, gi, max_wait, slot_length, reps, behaviour, found)
        out["groups"].append(entry)
        if progress and entry["feasible"]:
            slots = found.calls[g.name]
            progress(
                _("{group}: call over {span} in {n} slot(s)").format(
                    group=g.name, span=format_duration(entry["calling_span_h"] * 3600), n=len(slots.shares)
                )
            )
    return found


def _propose_group(
    rnd: Round, gi: int, max_wait: float, slot_length: float, reps: int, b: Behaviour, found: Proposal
) -> dict:
    """The shortest calling span (in whole steps) for one group that keeps its worst point's p95 wait
    under the target on the search's replications, then shown (and if needed lengthened) on fresh ones."""
    g = rnd.groups[gi]
    search, check = streams.replications("run", reps), streams.replications("slots check", reps)

    def ok(steps: int) -> bool:
        worst = group_crowds(rnd, gi, schedule(rnd, steps * STEP, slot_length, b), search).worst_p95_min
        return within_wait(max(worst) * 60, max_wait)

    # The tables' throughput bounds the span from below: nobody can be swabbed faster than that.
    work = g.residents * rnd.turnout * rnd.service.mean / g.tables  # seconds at every table
    lo, hi, passed = gallop_up(max(1, math.floor(work / STEP)), ok, round(MAX_SPAN / STEP))
    entry = {"group": g.name, "points": g.count, "residents_per_point": g.residents, "tables_per_point": g.tables}
    if not passed:
        note = f"even calling evenly over {hi * STEP / 3600:g} h keeps the p95 wait above the target: add tables"
        return entry | {"feasible": False, "note": note}
    span = bisect_smallest(lo, hi, ok) * STEP
    # Shown on replications the search never saw; a schedule chosen at the edge may need a step more there.
    while True:
        calls = schedule(rnd, span, slot_length, b)
        with_ = group_crowds(rnd, gi, calls, check)
        if within_wait(max(with_.worst_p95_min) * 60, max_wait) or span >= MAX_SPAN:
            break
        span += STEP
    found.calls[g.name] = calls
    without = group_crowds(rnd, gi, g.calls, check)
    found.queues[g.name] = (_busiest(without), _busiest(with_))
    windows = zip(calls.starts, calls.ends, calls.shares, strict=True)
    return entry | {
        "feasible": True,
        "calling_span_h": span / 3600,
        "slots": [{"from_h": s / 3600, "to_h": e / 3600, "share": sh} for s, e, sh in windows],
        "behaviour": {"spread": d.describe(b.spread), "ignore_share": b.ignore_share, "late": d.describe(b.late)},
        "without": without.as_dict(),
        "with_slots": with_.as_dict(),
    }


def _busiest(f: GroupFigures) -> tuple[str, np.ndarray]:
    """The queue over time at the group's busiest point in the first replication."""
    c = f.crowds[0]
    if not c.busiest:
        return "", np.zeros(1)
    q, _rep, name, series = max(c.busiest)
    return name, series


def slots_yaml(text: str, proposal: Proposal, out: Path | None = None) -> str:
    """The input scenario with each group's proposed call slots, runnable as is."""

    def change(data: dict) -> None:
        for entry in point_groups(data):
            calls = proposal.calls.get(entry.get("name"))
            if calls is not None:
                entry["call_slots"] = {
                    "slots": [
                        {"from": d.exact_duration(s), "to": d.exact_duration(e), "share": sh}
                        for s, e, sh in zip(calls.starts, calls.ends, calls.shares, strict=True)
                    ],
                    "spread": d.to_spec(calls.spread),
                    "ignore_share": calls.ignore_share,
                    "late": d.to_spec(calls.late),
                }

    head = "Call slots proposed by `natsim slots`: see slots.json beside this file for the queue with and without them."
    source = proposal.rnd.source
    return edit_scenario(text, change, head, (source.parent, out) if source is not None and out is not None else None)


def table(result: dict) -> str:
    """What `natsim slots` prints, from slots.json's content."""
    h = [
        _("group"),
        _("tables/pt"),
        _("call over"),
        _("slots"),
        _("p95 wait (worst point), min"),
        _("longest queue"),
        _("sampling ends, h"),
        _("now -> called"),
    ]
    lines = [
        f"{h[0]:16s} {h[1]:>9s} {h[2]:>9s} {h[3]:>5s}  {h[4]:>27s}  {h[5]:>15s}  {h[6]:>16s}",
        f"{'':16s} {'':>9s} {'':>9s} {'':>5s}  {h[7]:>27s}  {h[7]:>15s}  {h[7]:>16s}",
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
        _(
            "(now: the arrivals the scenario gives; called: the proposed slots; worst of {n} replications the search "
            "did not use; target p95 wait {wait:g} min)"
        ).format(n=result["replications"], wait=result["max_wait_min"])
    )
    deadline = result["deadline_h"]
    late = [
        g["group"] for g in result["groups"] if g["feasible"] and max(g["with_slots"]["sampling_ends_h"]) > deadline
    ]
    if late:
        lines.append(
            _(
                "Called this way, sampling at {groups} ends after the {h:g} h deadline: "
                "more tables would let the calls end sooner."
            ).format(groups=", ".join(late), h=deadline)
        )
    return "\n".join(lines)


def write_proposal(found: Proposal, scenario_text: str, out: Path) -> Path:
    """slots.png, the runnable slots.yaml and slots.json into `out`."""
    from sim.report.plots.slots import slots_plot  # matplotlib only when drawing (start-up time)

    out.mkdir(parents=True, exist_ok=True)
    slots_plot(found, Grid.for_round(found.rnd), found.rnd.deadline / 3600, found.rnd.name, out / "slots.png")
    (out / "slots.yaml").write_text(slots_yaml(scenario_text, found, out), encoding="utf-8")
    (out / "slots.json").write_text(json.dumps(found.summary, indent=2) + "\n", encoding="utf-8")
    write_page(page(out), out)
    return out


def page(folder: Path) -> Page:
    """report.html of a slots folder: the proposal's table and the queue with and without the calls."""
    result = read_json(folder / "slots.json", ("groups", "replications", "max_wait_min", "deadline_h"))
    return folder_page(folder, _("Call slots: {name}").format(name=scenario_name(folder)), table(result), [])
