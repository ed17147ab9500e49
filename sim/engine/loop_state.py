"""The compiled logistics loop's state (`engine/loop.py`): named tuples of plain arrays, so every field the
loop reads has a name (numba compiles a field's name to its place in the tuple: no cost), packed by
`engine/compiled.py`."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class PointArrays(NamedTuple):
    """Per point (by index); seal times of every point end to end, in tube order."""

    seal: np.ndarray
    first: np.ndarray  # its first tube
    size: np.ndarray  # its tubes
    lab: np.ndarray
    priority: np.ndarray  # 1: a key group
    origin: np.ndarray  # the pickup clock's opening
    group: np.ndarray  # its point group (-2: none known)
    done: np.ndarray  # tubes picked up so far
    asked: np.ndarray  # a forecast's pending request from before its start (`pickups.pending_since`; inf: none)


class DrawArrays(NamedTuple):
    """Durations drawn ahead (`engine/draws.py`): per point (travel) or lab, values end to end, each one's
    offset and count, and how many the loop has used."""

    travel: np.ndarray
    travel_off: np.ndarray
    travel_count: np.ndarray
    travel_used: np.ndarray
    extraction: np.ndarray
    extraction_off: np.ndarray
    extraction_count: np.ndarray
    extraction_used: np.ndarray
    pcr: np.ndarray
    pcr_off: np.ndarray
    pcr_count: np.ndarray
    pcr_used: np.ndarray


class TubeArrays(NamedTuple):
    """Per pooled tube (and the retests'), the arrays the SimPy model fills."""

    point: np.ndarray
    size: np.ndarray
    positive: np.ndarray
    picked: np.ndarray
    at_lab: np.ndarray
    plated: np.ndarray
    result: np.ndarray
    handled: np.ndarray  # [step, tube]: picked, at_lab, plated, result
    plate: np.ndarray
    ran_at: np.ndarray
    retest_result: np.ndarray  # per retest tube, in recall order
    recalled: np.ndarray  # pools recalled, in order


class LabArrays(NamedTuple):
    """Per lab: its state (columns FREE...), plate rules, and its pools of servers (`engine/servers.py`),
    every lab's end to end."""

    state: np.ndarray  # [lab, column]
    peak_at: np.ndarray  # when its backlog peaked
    plate_size: np.ndarray
    max_plate_wait: np.ndarray
    report_delay: np.ndarray
    vehicles: np.ndarray  # free times
    vehicles_lo: np.ndarray
    vehicles_n: np.ndarray
    pcr: np.ndarray  # free times (room for the machines surges add)
    pcr_lo: np.ndarray
    pcr_n: np.ndarray  # in service now
    pcr_planned: np.ndarray  # in the plan


class Queues(NamedTuple):
    """The labs' tube queues (batches linked per lab and class: 0 retests, 1 key groups, 2 pooled), plates and
    busy intervals."""

    batch_at: np.ndarray  # when each batch arrived
    batch: np.ndarray  # [batch, (first, end, next, link, indirect)]; indirect: first..end index `indirect`
    head: np.ndarray  # [lab, class]: first batch (-1: none)
    tail: np.ndarray  # [lab, class]
    plate: np.ndarray  # [plate, (lab, first, end)] into plate_tubes
    plate_start: np.ndarray
    plate_extraction: np.ndarray  # a forecast's plate under way: what is left of its extraction (NaN: drawn)
    plate_tubes: np.ndarray  # tubes of plates, in order
    busy: np.ndarray  # [interval, (kind, lab, start, end)]
    indirect: np.ndarray  # tubes of a forecast's queued batches, which need not be consecutive


class Constants(NamedTuple):
    box_capacity: int
    pickup_interval: float
    recall_delay: float
    tolerance: float
    n_pooled: int
    opening: float  # the round's opening: courier routes tick from it


class RouteArrays(NamedTuple):
    """Rule R1 (`engine/couriers.py`): per route its lab, vehicles, capacity, stops and legs drawn ahead
    (`couriers.LegDraws`); per loop on the road its route, stage, room and cargo; and the routed points that
    call a lab vehicle when a box fills (`pickups.calling`)."""

    lab: np.ndarray
    capacity: np.ndarray  # tubes a vehicle carries (inf: no limit)
    tick_k: np.ndarray  # the number of its next departure tick
    n_stops: np.ndarray
    stop_first: np.ndarray  # its first stop, into stop_lo/stop_hi
    stop_lo: np.ndarray  # per stop: its points are stop_points[lo:hi] (the site in each round of a campaign)
    stop_hi: np.ndarray
    stop_points: np.ndarray
    stop_group: np.ndarray  # per stop: its point group, for slowdowns (-2: none known)
    vehicles: np.ndarray  # free times, every route's pool end to end (`engine/servers.py`)
    vehicles_lo: np.ndarray
    vehicles_n: np.ndarray
    legs: np.ndarray  # per route, loop after loop, n_stops + 1 legs each, end to end
    legs_off: np.ndarray
    legs_count: np.ndarray  # loops drawn ahead
    legs_used: np.ndarray
    loops: np.ndarray  # per route: loops driven, their driving time, tubes brought (routes.csv)
    driving: np.ndarray
    tubes: np.ndarray
    loop_route: np.ndarray  # per loop: its route
    loop_stage: np.ndarray  # legs driven so far
    loop_legs: np.ndarray  # its first leg, into legs
    loop_start: np.ndarray  # when its vehicle leaves
    loop_room: np.ndarray  # tubes it can still take
    loop_head: np.ndarray  # its cargo: first row (-1: none)
    loop_tail: np.ndarray
    cargo: np.ndarray  # [row, (first tube, end, key group, next row)]
    counts: np.ndarray  # loops, cargo rows so far
    calling: np.ndarray  # routed points that call a lab vehicle, in the SimPy model's order
    call_seen: np.ndarray  # per point: tubes picked up when it last looked
    call_trip: np.ndarray  # [point, (leaves, at the point, back)]: its called vehicle's trip


class RestoredArrays(NamedTuple):
    """What a forecast puts back before the first event (`logistics.Restored`), in its order: per row, what
    (`loop.R_BOX`, ...), the lab, its tubes (tubes[lo:hi]), a flag (a box's key group, queued tubes' class)
    and a time (a box's or retests' arrival, what is left of a plate's step, or since when tubes queue)."""

    kind: np.ndarray
    lab: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    flag: np.ndarray
    time: np.ndarray
    tubes: np.ndarray


class TrunkArrays(NamedTuple):
    """Rule L1: each lab's overflow limit and the labs it sends on to, and each trunk link's queue of tube
    ranges, load, next departure, departures' cargo and travel draws (`engine/trunks.py`)."""

    limit: np.ndarray  # per lab: the backlog at which it is over (inf: no overflow rule)
    to_first: np.ndarray  # per lab: its first entry of to_lab/to_link
    to_count: np.ndarray
    to_lab: np.ndarray  # the labs sent on to, in order
    to_link: np.ndarray  # the link to each
    link_to: np.ndarray  # per link: the lab it goes to
    every: np.ndarray  # per link
    capacity: np.ndarray
    load: np.ndarray
    tick_at: np.ndarray  # the departure already scheduled (NaN: none yet)
    head: np.ndarray  # its queue: first part (-1: none)
    tail: np.ndarray
    parts: np.ndarray  # [part, (first, end, key group, next)]
    cargo: np.ndarray  # [piece, (first, end, key group)] of departures, in order
    departure: np.ndarray  # [departure, (first piece, end piece, link)]
    counts: np.ndarray  # parts, pieces, departures so far
    travel: np.ndarray  # per link, drawn ahead end to end
    travel_off: np.ndarray
    travel_count: np.ndarray
    travel_used: np.ndarray
