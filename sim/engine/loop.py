"""The logistics as one compiled event loop (numba): the same events as the SimPy model (`engine/logistics.py`,
`engine/pickups.py`, `engine/couriers.py`, `engine/trunks.py`), event for event, for every round.

It keeps SimPy's own order: a heap of (time, priority, sequence) where the sequence counts every event
in the order the SimPy model schedules it, so ties (fixed travel or lab times) break the same way, and
the plate former's wake-up and timer are the same `event | timeout` condition, one extra event when it
fires. Durations are the same draws (`engine/draws.py`), read ahead from arrays. `tests/engine/test_loop.py`
runs both on many rounds, plain and resumed, and asserts every tube's every time is identical.
`engine/compiled.py` decides when the loop applies and packs the state. The rules themselves (what a point
requests, what a pickup takes, when a plate is ready, slowdowns, a courier's loop) are `engine/rules.py`'s, the
pools of servers `engine/servers.py`'s: this module writes only the order of events.

Every function here is compiled without numba's reference counting (`_nrt=False`, the switch numba's own
developers use to show its cost, numba/numba#2350): the loop allocates nothing, and with counting each
call paid an atomic increment and decrement per array it was handed, which was most of the loop's time
(0.73 s of a Shanghai replication, 0.30 s without). Hence loops where slices would do.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.engine import rules
from sim.engine.heaps import (
    BATCHES,
    BUSY,
    MADE,
    N_EV,
    N_PLATE,
    N_TICK,
    OUT_OF_ROOM,
    PICKUPS,
    PLATES,
    PT,
    RECALLS,
    RETESTS,
    STATUS,
    ev_pop,
    ev_push,
    tick_pop,
    tick_push,
)
from sim.engine.servers import pool_add, pool_block, pool_take

# Event kinds: the SimPy model's events, one to one.
TICK, BOX, WAKE, TIMER, COND, PLATE, EXTRACTED, RECALL, RETEST, CHANGE, CHANGE_END, TRUNK_TICK, TRUNK_ARRIVE = range(13)
ROUTE_TICK, ROUTE_INIT, ROUTE_LEG, CALL_WAIT, CALL_AT = range(13, 18)
URGENT, NORMAL = 0, 1  # a process starting now goes before other events now (as in the SimPy model)
# Per-lab state columns (`LabArrays.state`).
FREE, WAITING, GEN, WAKE_SET, MODE, PENDING, RECEIVED, RUN, PEAK, LAB_PLATES, DIVERTED_OUT, DIVERTED_IN = range(12)
# What a forecast puts back (`loop_state.RestoredArrays.kind`): a box on the road, a plate in a step, queued tubes
# (flag: their class), retest tubes on the way.
R_BOX, R_EXTRACTION, R_PCR, R_REPORT, R_QUEUED, R_RETESTS = range(6)
# STATUS: 0 ran to the end; otherwise what ran out (the caller draws more and runs again).
OUT_OF_TRAVEL, OUT_OF_EXTRACTION, OUT_OF_PCR = 1, 2, 3  # 4: heaps.OUT_OF_ROOM
OUT_OF_TRUNK, OUT_OF_ROUTE = 5, 6


# The loop's state: the named tuples of `engine/loop_state.py`, plus `s`, the run's scalars (indices named in
# `engine/heaps.py`), `slow` (slowdowns, rows as `rules.slowed` reads them), `inst` (instrument changes
# [surge?, lab, start, end, extractors, PCR machines]), `ev` (the event heap, `heaps.ev_push`) and `tk`
# (pickup requests, `heaps.tick_push`).


@njit(cache=True, _nrt=False)
def _draw(values, off, count, used, k, s, code):
    if used[k] == count[k]:
        s[STATUS] = code
        return np.nan
    used[k] += 1
    return values[off[k] + used[k] - 1]


@njit(cache=True, _nrt=False)
def _travel(pt, dr, slow, s, i, now):
    """`Logistics.travel_time`: a draw, stretched by the slowdowns in force now (`rules.slowed`)."""
    t = _draw(dr.travel, dr.travel_off, dr.travel_count, dr.travel_used, i, s, OUT_OF_TRAVEL)
    return rules.slowed(t, slow, now, pt.lab[i], pt.group[i])


@njit(cache=True, _nrt=False)
def _request_at(pt, c, i):
    """`pickups.request_at`: when point i next asks for a vehicle (inf: never again)."""
    return rules.request_at(
        pt.seal, pt.first[i], pt.size[i], pt.done[i], c.box_capacity, c.pickup_interval, pt.origin[i], c.tolerance, True
    )


@njit(cache=True, _nrt=False)
def _mark(times, handled, step, lo, hi, t):
    """Tubes lo..hi-1 pass a step at t (a loop: slices would need numba's reference counting, see `run`)."""
    for j in range(lo, hi):
        times[j] = t
        handled[step, j] += 1


@njit(cache=True, _nrt=False)
def _busy(q, s, kind, lab, start, end):
    q.busy[s[BUSY], 0], q.busy[s[BUSY], 1], q.busy[s[BUSY], 2], q.busy[s[BUSY], 3] = kind, lab, start, end
    s[BUSY] += 1


@njit(cache=True, _nrt=False)
def _ticking(pt, dr, tb, lb, q, c, slow, s, ev, tk, now, i):
    """`pickups.ticking` from where it stands: point i's request is due now (i < 0: take the next)."""
    while True:
        if i < 0:
            if s[N_TICK] == 0:
                return
            t, i = tick_pop(tk, s)
            if t > now:
                ev_push(ev, s, now + (t - now), NORMAL, TICK, i, 0, 0, 0)
                return
        asked = min(pt.asked[i], now)  # a forecast's request from before its start (rule F3), else now
        pt.asked[i] = np.inf
        depart, at, home = _dispatch(pt, dr, lb, slow, s, i, asked, now)
        _pick(pt, tb, q, s, ev, i, depart, at, home, now)
        nxt = _request_at(pt, c, i)
        if nxt < np.inf:
            tick_push(tk, s, max(nxt, at), at, s[MADE], i)
            s[MADE] += 1
        i = -1
        if s[STATUS]:
            return


@njit(cache=True, _nrt=False)
def _dispatch(pt, dr, lb, slow, s, i, asked, now):
    """`pickups.dispatch`: point i's request, made now or `asked` before (a forecast's, rule F3): the lab's
    first free vehicle drives out. Returns (leaves, at the point, back at the lab)."""
    lab = pt.lab[i]
    earliest = lb.vehicles[lb.vehicles_lo[lab]]
    left = rules.left_at(asked, earliest, now)
    there = _travel(pt, dr, slow, s, i, left)
    back = _travel(pt, dr, slow, s, i, now)
    for _draw in range(rules.REDRAWS):  # a forecast's vehicle under way: its drive ends after now
        if rules.under_way(max(asked, earliest), there, now):
            break
        there = _travel(pt, dr, slow, s, i, left)
    busy = rules.drive_out(asked, earliest, there, back, now)
    depart = pool_take(lb.vehicles, lb.vehicles_lo[lab], lb.vehicles_n[lab], asked, busy)
    return depart, max(depart + there, now), depart + busy


@njit(cache=True, _nrt=False)
def _pick(pt, tb, q, s, ev, i, depart, at, home, now):
    """`pickups.pick`: the vehicle takes what is sealed at point i when it gets there (`Logistics.collect`), and
    its box reaches the lab when it is back."""
    lab, first, done = pt.lab[i], pt.first[i], pt.done[i]
    upto = rules.picked_upto(rules.sealed_by(pt.seal, first, pt.size[i], at), done, np.inf)
    _mark(tb.picked, tb.handled, 0, first + done, first + upto, at)
    pt.done[i] = upto
    s[PICKUPS] += 1
    _busy(q, s, 0, lab, depart, home)
    ev_push(ev, s, now + (home - now), NORMAL, BOX, lab, first + done, first + upto, pt.priority[i])


@njit(cache=True, _nrt=False)
def _poke(lb, s, ev, lab, now):
    """`LabSim._poke`: the plate former's wake-up, once until it has looked."""
    st = lb.state
    if st[lab, WAKE_SET] == 0:
        st[lab, WAKE_SET] = 1
        ev_push(ev, s, now, NORMAL, WAKE, lab, st[lab, GEN], 0, 0)


@njit(cache=True, _nrt=False)
def _deliver(lb, q, s, ev, lab, lo, hi, cls, indirect, since, now):
    """`LabSim.deliver`: a batch of tubes lo..hi-1 (class 0 retests, 1 key groups, 2 pooled) joins the lab's
    queue, arrived at `since` (now, or before: a forecast's; `indirect`: its tubes are q.indirect[lo:hi])."""
    b = s[BATCHES]
    if b == q.batch_at.size:
        s[STATUS] = OUT_OF_ROOM
        return
    s[BATCHES] += 1
    q.batch_at[b] = since
    q.batch[b, 0], q.batch[b, 1], q.batch[b, 2], q.batch[b, 3], q.batch[b, 4] = lo, hi, lo, -1, indirect
    if q.head[lab, cls] < 0:
        q.head[lab, cls] = b
    else:
        q.batch[q.tail[lab, cls], 3] = b
    q.tail[lab, cls] = b
    st = lb.state
    st[lab, WAITING] += hi - lo
    if st[lab, WAITING] > st[lab, PEAK]:
        st[lab, PEAK] = st[lab, WAITING]
        lb.peak_at[lab] = now
    if st[lab, FREE] > 0 and (st[lab, WAITING] >= lb.plate_size[lab] or st[lab, WAITING] == hi - lo or since < now):
        _poke(lb, s, ev, lab, now)


@njit(cache=True, _nrt=False)
def _oldest(q, lab):
    t = np.inf
    for cls in range(3):
        if q.head[lab, cls] >= 0:
            t = min(t, q.batch_at[q.head[lab, cls]])
    return t


@njit(cache=True, _nrt=False)
def _take(lb, q, s, lab, k):
    """`LabSim._take`: the next k tubes, retests first, then key groups, then pooled; returns the plate."""
    p = s[N_PLATE]
    q.plate[p, 0], q.plate[p, 1] = lab, s[PT]
    lb.state[lab, WAITING] -= k
    for cls in range(3):
        while k > 0 and q.head[lab, cls] >= 0:
            b = q.head[lab, cls]
            got = min(k, q.batch[b, 1] - q.batch[b, 2])
            for j in range(got):
                pos = q.batch[b, 2] + j
                q.plate_tubes[s[PT] + j] = q.indirect[pos] if q.batch[b, 4] else pos
            s[PT] += got
            q.batch[b, 2] += got
            k -= got
            if q.batch[b, 2] == q.batch[b, 1]:
                q.head[lab, cls] = q.batch[b, 3]
    q.plate[p, 2] = s[PT]
    s[N_PLATE] += 1
    return p


@njit(cache=True, _nrt=False)
def _former(tb, lb, q, c, s, ev, lab, now):
    """`LabSim._form_plates` from its wake-up: plates while extractors are free (`rules.plate_take`), then
    its next wait."""
    st = lb.state
    while st[lab, FREE] > 0 and st[lab, WAITING] > 0:
        if s[N_PLATE] == q.plate_start.size:
            s[STATUS] = OUT_OF_ROOM
            return
        oldest = _oldest(q, lab)
        k = rules.plate_take(st[lab, WAITING], lb.plate_size[lab], oldest, lb.max_plate_wait[lab], now, c.tolerance)
        if k == 0:
            break
        p = _take(lb, q, s, lab, k)
        st[lab, FREE] -= 1  # `_extract`: an extractor taken, the plate counted, its extraction started
        _count(tb, lb, q, c, s, lab, p, now)
        ev_push(ev, s, now, URGENT, PLATE, p, 0, 0, 0)
    st[lab, GEN] += 1
    st[lab, WAKE_SET] = 0
    if st[lab, FREE] > 0 and st[lab, WAITING] > 0:
        wait = rules.plate_timer(_oldest(q, lab), lb.max_plate_wait[lab], now)
        ev_push(ev, s, now + wait, NORMAL, TIMER, lab, st[lab, GEN], 0, 0)
        st[lab, MODE], st[lab, PENDING] = 1, 1
    else:
        st[lab, MODE], st[lab, PENDING] = 0, 0


@njit(cache=True, _nrt=False)
def _count(tb, lb, q, c, s, lab, p, now):
    """`LabSim._count`: plate p begins: counted, and its pooled tubes marked plated now."""
    st = lb.state
    st[lab, LAB_PLATES] += 1
    s[PLATES] += 1
    st[lab, RUN] += q.plate[p, 2] - q.plate[p, 1]
    for j in range(q.plate[p, 1], q.plate[p, 2]):
        tube = q.plate_tubes[j]
        if tube < c.n_pooled:
            tb.ran_at[tube], tb.plated[tube], tb.plate[tube] = lab, now, s[PLATES]
            tb.handled[2, tube] += 1


@njit(cache=True, _nrt=False)
def _extracted(dr, tb, lb, q, c, s, ev, p, now):
    """`LabSim._run_plate` after extraction: the extractor freed, then the plate's PCR (a drawn duration)."""
    lab = q.plate[p, 0]
    lb.state[lab, FREE] += 1
    _busy(q, s, 1, lab, q.plate_start[p], now)
    _poke(lb, s, ev, lab, now)
    _pcr(tb, lb, q, c, s, ev, p, _draw(dr.pcr, dr.pcr_off, dr.pcr_count, dr.pcr_used, lab, s, OUT_OF_PCR), now)


@njit(cache=True, _nrt=False)
def _pcr(tb, lb, q, c, s, ev, p, duration, now):
    """`LabSim._pcr`: the plate's PCR machine and result follow from the machines' queue."""
    lab = q.plate[p, 0]
    start = pool_take(lb.pcr, lb.pcr_lo[lab], lb.pcr_n[lab], now, duration)
    end = start + duration
    _busy(q, s, 2, lab, start, end)
    _on_result(tb, q, c, s, ev, p, end + lb.report_delay[lab], now)


@njit(cache=True, _nrt=False)
def _on_result(tb, q, c, s, ev, p, t, now):
    """`Logistics._on_result`: plate p's results at t; its positive pools recalled together after the delay."""
    hits = False
    for j in range(q.plate[p, 1], q.plate[p, 2]):
        tube = q.plate_tubes[j]
        if tube < c.n_pooled:
            tb.result[tube] = t
            tb.handled[3, tube] += 1
            hits = hits or tb.positive[tube]
        else:
            tb.retest_result[tube - c.n_pooled] = t
    if hits:
        ev_push(ev, s, now + (t + c.recall_delay - now), NORMAL, RECALL, p, 0, 0, 0)


@njit(cache=True, _nrt=False)
def _recall(pt, dr, tb, q, c, slow, s, ev, p, now):
    """`Logistics._recall` for each positive pool of plate p: its members' retest tubes, numbered in recall
    order, travel together to the lab that ran the pool."""
    for j in range(q.plate[p, 1], q.plate[p, 2]):
        tube = q.plate_tubes[j]
        if tube < c.n_pooled and tb.positive[tube]:
            point = tb.point[tube]
            lo = c.n_pooled + s[RETESTS]
            s[RETESTS] += tb.size[tube]
            tb.recalled[s[RECALLS]] = tube
            s[RECALLS] += 1
            travel = _travel(pt, dr, slow, s, point, now)
            ev_push(ev, s, now + travel, NORMAL, RETEST, tb.ran_at[tube], lo, lo + tb.size[tube], 0)


@njit(cache=True, _nrt=False)
def _unload(tb, lb, q, tr, c, s, ev, lab, lo, hi, key, now):
    """`Logistics.unload` and `_divert`: a box reaches its lab, and is queued there or sent on by trunk to the
    first lab of the overflow list not over its own limit (rule L1)."""
    st = lb.state
    st[lab, RECEIVED] += hi - lo
    link = -1
    if st[lab, WAITING] >= tr.limit[lab]:
        for k in range(tr.to_first[lab], tr.to_first[lab] + tr.to_count[lab]):
            if st[tr.to_lab[k], WAITING] < tr.limit[tr.to_lab[k]]:
                link = tr.to_link[k]
                break
    if link < 0:
        _arrive(tb, lb, q, s, ev, lab, lo, hi, key, False, now)
    else:
        st[lab, DIVERTED_OUT] += hi - lo
        _send(tr, c, s, ev, link, lo, hi, key, now)


@njit(cache=True, _nrt=False)
def _arrive(tb, lb, q, s, ev, lab, lo, hi, key, by_trunk, now):
    """`Logistics._arrive`: tubes reach the lab that will run them."""
    _mark(tb.at_lab, tb.handled, 1, lo, hi, now)
    if by_trunk:
        lb.state[lab, RECEIVED] += hi - lo
        lb.state[lab, DIVERTED_IN] += hi - lo
    _deliver(lb, q, s, ev, lab, lo, hi, 1 if key else 2, 0, now, now)


@njit(cache=True, _nrt=False)
def _send(tr, c, s, ev, link, lo, hi, key, now):
    """`Trunk.send`: tubes join the link's queue; full loads leave at once, the rest at the next departure."""
    if not _append(tr.parts, tr.counts, 0, tr.head, tr.tail, link, lo, hi, key, s):
        return
    tr.load[link] += hi - lo
    while tr.load[link] >= tr.capacity[link] and s[STATUS] == 0:
        _depart(tr, s, ev, link, now)
    _schedule(tr, c, s, ev, link, now)


@njit(cache=True, _nrt=False)
def _schedule(tr, c, s, ev, link, now):
    """`Trunk._schedule`: the next departure by the clock, unless one is already due or nothing waits."""
    if tr.load[link] == 0 or tr.tick_at[link] > now:
        return
    tr.tick_at[link] = rules.next_departure(now, tr.every[link], c.tolerance)
    ev_push(ev, s, now + (tr.tick_at[link] - now), NORMAL, TRUNK_TICK, link, 0, 0, 0)


@njit(cache=True, _nrt=False)
def _depart(tr, s, ev, link, now):
    """`Trunk._depart`: a departure takes up to a load from the queue, in order, and arrives a draw later."""
    d = tr.counts[2]
    if d == tr.departure.shape[0] or tr.counts[1] + tr.counts[0] > tr.cargo.shape[0]:
        s[STATUS] = OUT_OF_ROOM
        return
    tr.counts[2] += 1
    room, first = tr.capacity[link], tr.counts[1]
    while tr.head[link] >= 0 and room > 0:
        part = tr.head[link]
        lo, hi = tr.parts[part, 0], tr.parts[part, 1]
        take = min(room, hi - lo)
        k = tr.counts[1]
        tr.cargo[k, 0], tr.cargo[k, 1], tr.cargo[k, 2] = lo, lo + take, tr.parts[part, 2]
        tr.counts[1] += 1
        room -= take
        if take == hi - lo:
            tr.head[link] = tr.parts[part, 3]
        else:
            tr.parts[part, 0] = lo + take
    tr.load[link] -= tr.capacity[link] - room
    tr.departure[d, 0], tr.departure[d, 1], tr.departure[d, 2] = first, tr.counts[1], link
    travel = _draw(tr.travel, tr.travel_off, tr.travel_count, tr.travel_used, link, s, OUT_OF_TRUNK)
    ev_push(ev, s, now + travel, NORMAL, TRUNK_ARRIVE, d, 0, 0, 0)


@njit(cache=True, _nrt=False)
def _trunk_arrives(tb, lb, q, tr, s, ev, d, now):
    """A departure's cargo reaches the lab the link goes to, piece by piece (never sent on again)."""
    lab = tr.link_to[tr.departure[d, 2]]
    for k in range(tr.departure[d, 0], tr.departure[d, 1]):
        _arrive(tb, lb, q, s, ev, lab, tr.cargo[k, 0], tr.cargo[k, 1], tr.cargo[k, 2], True, now)


# --- rule R1: courier routes (`engine/couriers.py`), and routed points that call a lab vehicle (`pickups.calling`)


@njit(cache=True, _nrt=False)
def _route_done(pt, ro, r):
    """`Courier.done`: every tube of every stop of route r picked up."""
    for j in range(ro.stop_first[r], ro.stop_first[r] + ro.n_stops[r]):
        for k in range(ro.stop_lo[j], ro.stop_hi[j]):
            p = ro.stop_points[k]
            if pt.done[p] < pt.size[p]:
                return False
    return True


@njit(cache=True, _nrt=False)
def _route_next_tick(ro, c, s, ev, r, now):
    """`Courier._departures` waits for its next tick (now, if that tick has passed)."""
    t = c.opening + ro.tick_k[r] * c.pickup_interval
    ev_push(ev, s, now + max(t - now, 0.0), NORMAL, ROUTE_TICK, r, 0, 0, 0)


@njit(cache=True, _nrt=False)
def _route_tick(pt, ro, c, slow, s, ev, r, now):
    """`Courier._departures` at a tick: unless nothing is left, a loop's legs are drawn (stretched by the
    slowdowns in force, `rules.loop_slowed`) and it takes the route's first free vehicle (a late one leaves on
    its return); then the next tick."""
    ro.tick_k[r] += 1
    if _route_done(pt, ro, r):
        return
    loop = ro.counts[0]
    if loop == ro.loop_route.size or ro.legs_used[r] == ro.legs_count[r]:
        s[STATUS] = OUT_OF_ROUTE
        return
    ro.counts[0] += 1
    n_legs = ro.n_stops[r] + 1
    first = ro.legs_off[r] + ro.legs_used[r] * n_legs
    ro.legs_used[r] += 1
    rules.loop_slowed(ro.legs, first, n_legs, slow, now, ro.lab[r], ro.stop_group, ro.stop_first[r])
    duration = rules.loop_length(ro.legs, first, n_legs)
    start = pool_take(ro.vehicles, ro.vehicles_lo[r], ro.vehicles_n[r], now, duration)
    ro.loop_route[loop], ro.loop_stage[loop], ro.loop_legs[loop] = r, 0, first
    ro.loop_start[loop], ro.loop_room[loop], ro.loop_head[loop], ro.loop_tail[loop] = start, ro.capacity[r], -1, -1
    ev_push(ev, s, now, URGENT, ROUTE_INIT, loop, 0, 0, 0)  # `Courier._loop` starts
    _route_next_tick(ro, c, s, ev, r, now)


@njit(cache=True, _nrt=False)
def _route_leg(pt, tb, lb, q, tr, ro, c, s, ev, loop, now):
    """`Courier._loop` at the end of a leg: at a stop, each of its points' sealed tubes taken (up to the
    room left), a box from each that had some; then the next leg; back at the lab, the cargo unloaded in the
    order it was taken."""
    r, g = ro.loop_route[loop], ro.loop_stage[loop]
    n_stops = ro.n_stops[r]
    if g >= 1 and g <= n_stops:
        j = ro.stop_first[r] + g - 1
        for k in range(ro.stop_lo[j], ro.stop_hi[j]):
            p = ro.stop_points[k]
            first, done = pt.first[p], pt.done[p]
            upto = rules.picked_upto(rules.sealed_by(pt.seal, first, pt.size[p], now), done, ro.loop_room[loop])
            _mark(tb.picked, tb.handled, 0, first + done, first + upto, now)
            pt.done[p] = upto
            if upto > done:
                ro.loop_room[loop] -= upto - done
                s[PICKUPS] += 1
                lo, hi = first + done, first + upto  # into the loop's cargo, after what it carries already
                _append(ro.cargo, ro.counts, 1, ro.loop_head, ro.loop_tail, loop, lo, hi, pt.priority[p], s)
    if g <= n_stops:
        ro.loop_stage[loop] = g + 1
        ev_push(ev, s, now + ro.legs[ro.loop_legs[loop] + g], NORMAL, ROUTE_LEG, loop, 0, 0, 0)
        return
    ro.loops[r] += 1
    ro.driving[r] += rules.loop_length(ro.legs, ro.loop_legs[loop], n_stops + 1)
    k = ro.loop_head[loop]
    while k >= 0:
        lo, hi = ro.cargo[k, 0], ro.cargo[k, 1]
        ro.tubes[r] += hi - lo
        _unload(tb, lb, q, tr, c, s, ev, ro.lab[r], lo, hi, ro.cargo[k, 2], now)
        k = ro.cargo[k, 3]


@njit(cache=True, _nrt=False)
def _append(rows, counts, which, head, tail, owner, lo, hi, key, s):
    """Tubes lo..hi-1 (a key group's or not) as a row at the end of `owner`'s list: rows[row] is (first, end,
    key group, next row), head and tail per owner (-1: none), counts[which] the rows used. A trunk link's
    queue and a courier loop's cargo. False when `rows` is full (the caller makes room and runs again)."""
    k = counts[which]
    if k == rows.shape[0]:
        s[STATUS] = OUT_OF_ROOM
        return False
    counts[which] += 1
    rows[k, 0], rows[k, 1], rows[k, 2], rows[k, 3] = lo, hi, key, -1
    if head[owner] < 0:
        head[owner] = k
    else:
        rows[tail[owner], 3] = k
    tail[owner] = k
    return True


@njit(cache=True, _nrt=False)
def _call_next(pt, ro, c, s, ev, p, now):
    """`pickups.calling` at the top of its loop: routed point p waits for its next full box (never: it stops)."""
    ro.call_seen[p] = done = pt.done[p]
    t = rules.request_at(
        pt.seal, pt.first[p], pt.size[p], done, c.box_capacity, c.pickup_interval, pt.origin[p], c.tolerance, False
    )
    if t < np.inf:
        ev_push(ev, s, now + max(t - now, 0.0), NORMAL, CALL_WAIT, p, 0, 0, 0)


@njit(cache=True, _nrt=False)
def _call_wait(pt, dr, lb, ro, c, slow, s, ev, p, now):
    """`pickups.calling` when point p's box is full: if its route came first, it looks again; else the lab's
    first free vehicle drives out (`pickups.dispatch`) and the request stands until it gets there."""
    if pt.done[p] > ro.call_seen[p]:
        _call_next(pt, ro, c, s, ev, p, now)
        return
    ro.call_trip[p, 0], ro.call_trip[p, 1], ro.call_trip[p, 2] = _dispatch(pt, dr, lb, slow, s, p, now, now)
    ev_push(ev, s, now + (ro.call_trip[p, 1] - now), NORMAL, CALL_AT, p, 0, 0, 0)


@njit(cache=True, _nrt=False)
def _call_at(pt, tb, q, ro, c, s, ev, p, now):
    """`pickups.pick` for a called vehicle: it takes what is sealed when it gets there, its box reaches the lab
    when it is back; then the point waits for its next full box."""
    _pick(pt, tb, q, s, ev, p, ro.call_trip[p, 0], ro.call_trip[p, 1], ro.call_trip[p, 2], now)
    _call_next(pt, ro, c, s, ev, p, now)


@njit(cache=True, _nrt=False)
def _step(pt, dr, tb, lb, q, tr, ro, c, slow, inst, s, ev, tk, now, e):
    """One event (kind and arguments in e), as the SimPy model handles it."""
    kind, a, b, cc, d = e[0], e[1], e[2], e[3], e[4]
    st = lb.state
    if kind == TICK:
        _ticking(pt, dr, tb, lb, q, c, slow, s, ev, tk, now, a)
    elif kind == BOX:
        _unload(tb, lb, q, tr, c, s, ev, a, b, cc, d, now)
    elif kind == RETEST:
        _deliver(lb, q, s, ev, a, b, cc, 0, 0, now, now)
    elif kind == WAKE:  # the wake-up event: resumes the former, or fires its condition
        if b == st[a, GEN] and st[a, MODE] == 0:
            _former(tb, lb, q, c, s, ev, a, now)
        elif b == st[a, GEN] and st[a, PENDING]:
            st[a, PENDING] = 0
            ev_push(ev, s, now, NORMAL, COND, a, b, 0, 0)
    elif kind == TIMER:
        if b == st[a, GEN] and st[a, PENDING]:
            st[a, PENDING] = 0
            ev_push(ev, s, now, NORMAL, COND, a, b, 0, 0)
    elif kind == COND:
        _former(tb, lb, q, c, s, ev, a, now)
    elif kind == PLATE:  # `_run_plate` starts: the extraction's duration drawn now (a forecast's: what is left)
        q.plate_start[a] = now
        lab = q.plate[a, 0]
        duration = q.plate_extraction[a]
        if np.isnan(duration):
            off, count, used = dr.extraction_off, dr.extraction_count, dr.extraction_used
            duration = _draw(dr.extraction, off, count, used, lab, s, OUT_OF_EXTRACTION)
        ev_push(ev, s, now + duration, NORMAL, EXTRACTED, a, 0, 0, 0)
    elif kind == EXTRACTED:
        _extracted(dr, tb, lb, q, c, s, ev, a, now)
    elif kind == RECALL:
        _recall(pt, dr, tb, q, c, slow, s, ev, a, now)
    elif kind == TRUNK_TICK:  # `Trunk._tick`
        if tr.load[a]:
            _depart(tr, s, ev, a, now)
        _schedule(tr, c, s, ev, a, now)
    elif kind == TRUNK_ARRIVE:
        _trunk_arrives(tb, lb, q, tr, s, ev, a, now)
    elif kind == ROUTE_TICK:
        _route_tick(pt, ro, c, slow, s, ev, a, now)
    elif kind == ROUTE_INIT:  # the loop waits for its vehicle
        ev_push(ev, s, now + (ro.loop_start[a] - now), NORMAL, ROUTE_LEG, a, 0, 0, 0)
    elif kind == ROUTE_LEG:
        _route_leg(pt, tb, lb, q, tr, ro, c, s, ev, a, now)
    elif kind == CALL_WAIT:
        _call_wait(pt, dr, lb, ro, c, slow, s, ev, a, now)
    elif kind == CALL_AT:
        _call_at(pt, tb, q, ro, c, s, ev, a, now)
    else:
        _change(lb, inst, s, ev, a, kind == CHANGE_END, now)


@njit(cache=True, _nrt=False)
def _change(lb, inst, s, ev, k, ending, now):
    """`LabSim.outage` and `surge`: instruments out of service, or added, on [start, end). inst[k]: (1 surge,
    0 outage), lab, start, end, extractors, PCR machines."""
    surge, lab, end = inst[k, 0] == 1, int(inst[k, 1]), inst[k, 3]
    extractors, machines = int(inst[k, 4]), int(inst[k, 5])
    st, pool, lo = lb.state, lb.pcr, lb.pcr_lo[lab]
    if surge and not ending:
        st[lab, FREE] += extractors
        for _ in range(machines):
            pool_add(pool, lo, lb.pcr_n[lab], now)
            lb.pcr_n[lab] += 1
        _poke(lb, s, ev, lab, now)
    elif surge:
        st[lab, FREE] -= extractors
        for _ in range(machines):
            pool_block(pool, lo, lb.pcr_n[lab], now, np.inf)
    elif not ending:
        st[lab, FREE] -= extractors  # below zero until running plates finish: none start meanwhile
        for _ in range(min(machines, lb.pcr_planned[lab])):
            pool_block(pool, lo, lb.pcr_n[lab], now, end)
    else:
        st[lab, FREE] += extractors
        _poke(lb, s, ev, lab, now)
    if not ending:
        ev_push(ev, s, now + max(end - now, 0.0), NORMAL, CHANGE_END, k, 0, 0, 0)


@njit(cache=True, _nrt=False)
def _put_back(tb, lb, q, c, s, ev, rs, now):
    """`Logistics._put_back` and the plate formers' first look (`LabSim._form_plates` starting): a forecast's
    boxes on the road, plates on instruments and queued tubes, in the order it gives them."""
    for k in range(rs.kind.size):
        kind, lab, lo, hi, t = rs.kind[k], rs.lab[k], rs.lo[k], rs.hi[k], rs.time[k]
        if kind == R_BOX:
            first = rs.tubes[lo]
            ev_push(ev, s, now + (t - now), NORMAL, BOX, lab, first, first + (hi - lo), rs.flag[k])
        elif kind == R_QUEUED:
            _deliver(lb, q, s, ev, lab, lo, hi, rs.flag[k], 1, t, now)
        elif kind == R_RETESTS:  # as `_recall`'s: consecutive retest tubes
            first = rs.tubes[lo]
            ev_push(ev, s, now + (t - now), NORMAL, RETEST, lab, first, first + (hi - lo), 0)
        else:  # `LabSim.running`: a plate of these tubes in a step
            p = s[N_PLATE]
            s[N_PLATE] += 1
            q.plate[p, 0], q.plate[p, 1], q.plate[p, 2] = lab, s[PT], s[PT] + (hi - lo)
            for j in range(hi - lo):
                q.plate_tubes[s[PT] + j] = rs.tubes[lo + j]
            s[PT] += hi - lo
            if kind == R_EXTRACTION:
                lb.state[lab, FREE] -= 1
                _count(tb, lb, q, c, s, lab, p, now)
                q.plate_extraction[p] = t
                ev_push(ev, s, now, URGENT, PLATE, p, 0, 0, 0)
            elif kind == R_PCR:
                _count(tb, lb, q, c, s, lab, p, now)
                _pcr(tb, lb, q, c, s, ev, p, t, now)
            else:
                _count(tb, lb, q, c, s, lab, p, now)
                _on_result(tb, q, c, s, ev, p, now + t, now)
    for lab in range(lb.state.shape[0]):
        _former(tb, lb, q, c, s, ev, lab, now)


@njit(cache=True, _nrt=False)
def run(pt, dr, tb, lb, q, tr, ro, c, slow, inst, s, ev, tk, ticking, rs, now, e):
    """The whole logistics from `now`: what a forecast puts back (`rs`, nothing in a plain run), the
    instrument changes (`inst`, surges first, as the SimPy model starts them), the courier routes' first
    ticks, the pickup requests of the `ticking` points, the routed points that call a vehicle, then every
    event in turn. Returns the time of the last event; s[STATUS] says whether it
    ran to the end. Arguments: the named tuples above, then the arrays described there."""
    if rs.kind.size:
        _put_back(tb, lb, q, c, s, ev, rs, now)
    for k in range(inst.shape[0]):
        ev_push(ev, s, now + max(inst[k, 2] - now, 0.0), NORMAL, CHANGE, k, 0, 0, 0)
    for r in range(ro.lab.size):  # `Courier._departures` starts
        if not _route_done(pt, ro, r):
            _route_next_tick(ro, c, s, ev, r, now)
    for k in range(ticking.size):  # `pickups.ticking` starts: every point's first request
        i = ticking[k]
        t = _request_at(pt, c, i)
        if t < np.inf:  # a forecast's requests from before its start first, as they were made (`pickups.ticking`)
            tick_push(tk, s, min(max(t, now), pt.asked[i]), now, k, i)
    s[MADE] = ticking.size
    _ticking(pt, dr, tb, lb, q, c, slow, s, ev, tk, now, -1)
    for k in range(ro.calling.size):  # `pickups.calling` starts, point by point
        _call_next(pt, ro, c, s, ev, ro.calling[k], now)
    while s[N_EV] > 0 and s[STATUS] == 0:
        now = ev_pop(ev, s, e)
        _step(pt, dr, tb, lb, q, tr, ro, c, slow, inst, s, ev, tk, now, e)
    return now
