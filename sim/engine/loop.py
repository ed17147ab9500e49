"""The logistics of a plain round as one compiled event loop (numba): the same rules as the SimPy model
(`engine/logistics.py`, `engine/pickups.py`), event for event.

It keeps SimPy's own order: a heap of (time, priority, sequence) where the sequence counts every event
in the order the SimPy model schedules it, so ties (fixed travel or lab times) break the same way, and
the plate former's wake-up and timer are the same `event | timeout` condition, one extra event when it
fires. Durations are the same draws (`engine/draws.py`), read ahead from arrays. `tests/engine/test_loop.py`
runs both on many rounds and asserts every tube's every time is identical. `engine/compiled.py` decides
when a round is plain enough (no courier routes or trunks, not a forecast) and packs it.

Every function here is compiled without numba's reference counting (`_nrt=False`, the switch numba's own
developers use to show its cost, numba/numba#2350): the loop allocates nothing, and with counting each
call paid an atomic increment and decrement per array it was handed, which was most of the loop's time
(0.73 s of a Shanghai replication, 0.30 s without). Hence loops where slices would do.
"""

from __future__ import annotations

import numpy as np
from numba import njit

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
    pool_add,
    pool_block,
    pool_take,
    tick_pop,
    tick_push,
)

# Event kinds: the SimPy model's events, one to one.
TICK, BOX, WAKE, TIMER, COND, PLATE, EXTRACTED, RECALL, RETEST, CHANGE, CHANGE_END = range(11)
URGENT, NORMAL = 0, 1  # SimPy's priorities: a process starting now goes before other events now
# Per-lab state columns.
FREE, WAITING, GEN, WAKE_SET, MODE, PENDING, RECEIVED, RUN, PEAK, LAB_PLATES = range(10)
# STATUS: 0 ran to the end; otherwise what ran out (the caller draws more and runs again).
OUT_OF_TRAVEL, OUT_OF_EXTRACTION, OUT_OF_PCR = 1, 2, 3


# The state travels in five tuples of arrays:
#   pt: per point  (seal, first tube, tubes, lab, priority, pickup clock's origin, group, done)
#   dr: draws      (travel, travel offset, travel count, travel cursor, extraction, its offset, count, cursor,
#                   pcr, its offset, count, cursor; all per point or per lab)
#   tb: per tube   (point, size, positive, picked, at_lab, plated, result, handled[4], plate, ran_at,
#                   retest results, pools recalled in order)
#   lb: per lab    (state[lab, column], backlog peak time, plate size, max plate wait, report delay,
#                   vehicles' free times, offset, count, PCR machines' free times, offset, count in service
#                   (a surge adds), count in the plan)
#   q:  queues     (batch arrival, batch [first, end, next, link], head[lab, class], tail[lab, class],
#                   plate [lab, first, end], plate start, tubes of plates in order, busy [kind, lab, start, end])
# and c: constants (box capacity, pickup interval, opening, recall delay, time tolerance, pooled tubes),
# slow: slowdowns [start, end, lab, group, factor], inst: instrument outages and surges [surge?, lab, start, end,
# extractors, PCR machines], s: scalars, ev: the event heap (`heaps.ev_push`), tk: pickup requests.


@njit(cache=True, _nrt=False)
def _draw(values, off, count, cur, k, s, code):
    if cur[k] == count[k]:
        s[STATUS] = code
        return np.nan
    cur[k] += 1
    return values[off[k] + cur[k] - 1]


@njit(cache=True, _nrt=False)
def _travel(pt, dr, slow, s, i, now):
    """`Logistics.travel_time`: a draw, stretched by any slowdown in force now for the point's lab or group."""
    t = _draw(dr[0], dr[1], dr[2], dr[3], i, s, OUT_OF_TRAVEL)
    for k in range(slow.shape[0]):
        lab_ok = slow[k, 2] == -1.0 or slow[k, 2] == pt[3][i]
        if slow[k, 0] <= now < slow[k, 1] and lab_ok and (slow[k, 3] == -1.0 or slow[k, 3] == pt[6][i]):
            t *= slow[k, 4]
    return t


@njit(cache=True, _nrt=False)
def _request_at(pt, c, i):
    """`pickups.request_at`: when point i next asks for a vehicle (inf: never again)."""
    seal, first, size, done = pt[0], pt[1][i], pt[2][i], pt[7][i]
    if done >= size:
        return np.inf
    cap = int(c[0])
    full = seal[first + done + cap - 1] if done + cap - 1 < size else np.inf
    since = seal[first + done] - pt[5][i]
    tick = max(1, int(np.ceil(since / c[1] - c[4])))
    return min(pt[5][i] + tick * c[1], seal[first + size - 1], full)


@njit(cache=True, _nrt=False)
def _mark(times, handled, step, lo, hi, t):
    """Tubes lo..hi-1 pass a step at t (a loop: slices would need numba's reference counting, see `run`)."""
    for j in range(lo, hi):
        times[j] = t
        handled[step, j] += 1


@njit(cache=True, _nrt=False)
def _busy(q, s, kind, lab, start, end):
    q[7][s[BUSY], 0], q[7][s[BUSY], 1], q[7][s[BUSY], 2], q[7][s[BUSY], 3] = kind, lab, start, end
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
        lab = pt[3][i]
        there = _travel(pt, dr, slow, s, i, now)
        back = _travel(pt, dr, slow, s, i, now)
        depart = pool_take(lb[5], lb[6][lab], lb[7][lab], now, there + back)
        home = depart + (there + back)
        at = depart + there
        # `Logistics.collect`: what is sealed when the vehicle gets there.
        seal, first, done = pt[0], pt[1][i], pt[7][i]
        lo_, hi_ = 0, pt[2][i]  # seals at or before `at`: a binary search
        while lo_ < hi_:
            mid = (lo_ + hi_) >> 1
            if seal[first + mid] <= at:
                lo_ = mid + 1
            else:
                hi_ = mid
        upto = lo_
        lo, hi = first + done, first + max(upto, done)
        _mark(tb[3], tb[7], 0, lo, hi, at)
        pt[7][i] = max(upto, done)
        s[PICKUPS] += 1
        _busy(q, s, 0, lab, depart, home)
        ev_push(ev, s, now + (home - now), NORMAL, BOX, lab, lo, hi, pt[4][i])
        nxt = _request_at(pt, c, i)
        if nxt < np.inf:
            tick_push(tk, s, max(nxt, at), at, s[MADE], i)
            s[MADE] += 1
        i = -1
        if s[STATUS]:
            return


@njit(cache=True, _nrt=False)
def _poke(lb, s, ev, lab, now):
    """`LabSim._poke`: the plate former's wake-up, once until it has looked."""
    st = lb[0]
    if st[lab, WAKE_SET] == 0:
        st[lab, WAKE_SET] = 1
        ev_push(ev, s, now, NORMAL, WAKE, lab, st[lab, GEN], 0, 0)


@njit(cache=True, _nrt=False)
def _deliver(lb, q, s, ev, lab, lo, hi, cls, now):
    """`LabSim.deliver`: a batch of tubes (class 0 retests, 1 key groups, 2 pooled) joins the lab's queue."""
    b = s[BATCHES]
    if b == q[0].size:
        s[STATUS] = OUT_OF_ROOM
        return
    s[BATCHES] += 1
    q[0][b] = now
    q[1][b, 0], q[1][b, 1], q[1][b, 2], q[1][b, 3] = lo, hi, lo, -1
    head, tail = q[2], q[3]
    if head[lab, cls] < 0:
        head[lab, cls] = b
    else:
        q[1][tail[lab, cls], 3] = b
    tail[lab, cls] = b
    st = lb[0]
    st[lab, WAITING] += hi - lo
    if st[lab, WAITING] > st[lab, PEAK]:
        st[lab, PEAK] = st[lab, WAITING]
        lb[1][lab] = now
    if st[lab, FREE] > 0 and (st[lab, WAITING] >= lb[2][lab] or st[lab, WAITING] == hi - lo):
        _poke(lb, s, ev, lab, now)


@njit(cache=True, _nrt=False)
def _oldest(q, lab):
    t = np.inf
    for cls in range(3):
        if q[2][lab, cls] >= 0:
            t = min(t, q[0][q[2][lab, cls]])
    return t


@njit(cache=True, _nrt=False)
def _take(lb, q, s, lab, k):
    """`LabSim._take`: the next k tubes, retests first, then key groups, then pooled; returns the plate."""
    p = s[N_PLATE]
    q[4][p, 0], q[4][p, 1] = lab, s[PT]
    lb[0][lab, WAITING] -= k
    for cls in range(3):
        while k > 0 and q[2][lab, cls] >= 0:
            b = q[2][lab, cls]
            got = min(k, q[1][b, 1] - q[1][b, 2])
            for j in range(got):
                q[6][s[PT] + j] = q[1][b, 2] + j
            s[PT] += got
            q[1][b, 2] += got
            k -= got
            if q[1][b, 2] == q[1][b, 1]:
                q[2][lab, cls] = q[1][b, 3]
    q[4][p, 2] = s[PT]
    s[N_PLATE] += 1
    return p


@njit(cache=True, _nrt=False)
def _former(tb, lb, q, c, s, ev, lab, now):
    """`LabSim._form_plates` from its wake-up: plates while extractors are free, then its next wait."""
    st = lb[0]
    n_pooled = int(c[5])
    while st[lab, FREE] > 0 and st[lab, WAITING] > 0:
        if s[N_PLATE] == q[5].size:
            s[STATUS] = OUT_OF_ROOM
            return
        if st[lab, WAITING] >= lb[2][lab]:
            p = _take(lb, q, s, lab, lb[2][lab])
        elif now >= _oldest(q, lab) + lb[3][lab] - c[4]:
            p = _take(lb, q, s, lab, st[lab, WAITING])
        else:
            break
        # `_extract` and `_count`: an extractor taken, the plate counted, its pooled tubes marked plated.
        st[lab, FREE] -= 1
        st[lab, LAB_PLATES] += 1
        s[PLATES] += 1
        st[lab, RUN] += q[4][p, 2] - q[4][p, 1]
        for j in range(q[4][p, 1], q[4][p, 2]):
            tube = q[6][j]
            if tube < n_pooled:
                tb[9][tube], tb[5][tube], tb[8][tube] = lab, now, s[PLATES]
                tb[7][2, tube] += 1
        ev_push(ev, s, now, URGENT, PLATE, p, 0, 0, 0)
    st[lab, GEN] += 1
    st[lab, WAKE_SET] = 0
    if st[lab, FREE] > 0 and st[lab, WAITING] > 0:
        wait = max(_oldest(q, lab) + lb[3][lab] - now, 0.0)
        ev_push(ev, s, now + wait, NORMAL, TIMER, lab, st[lab, GEN], 0, 0)
        st[lab, MODE], st[lab, PENDING] = 1, 1
    else:
        st[lab, MODE], st[lab, PENDING] = 0, 0


@njit(cache=True, _nrt=False)
def _extracted(dr, tb, lb, q, c, s, ev, p, now):
    """`LabSim._run_plate` after extraction, `_pcr` and `Logistics._on_result`: the extractor freed, the
    plate's PCR machine and result follow from the machines' queue; positive pools recalled at once."""
    lab = q[4][p, 0]
    lb[0][lab, FREE] += 1
    _busy(q, s, 1, lab, q[5][p], now)
    _poke(lb, s, ev, lab, now)
    duration = _draw(dr[8], dr[9], dr[10], dr[11], lab, s, OUT_OF_PCR)
    start = pool_take(lb[8], lb[9][lab], lb[10][lab], now, duration)
    end = start + duration
    _busy(q, s, 2, lab, start, end)
    t = end + lb[4][lab]
    n_pooled, hits = int(c[5]), False
    for j in range(q[4][p, 1], q[4][p, 2]):
        tube = q[6][j]
        if tube < n_pooled:
            tb[6][tube] = t
            tb[7][3, tube] += 1
            hits = hits or tb[2][tube]
        else:
            tb[10][tube - n_pooled] = t
    if hits:
        ev_push(ev, s, now + (t + c[3] - now), NORMAL, RECALL, p, 0, 0, 0)


@njit(cache=True, _nrt=False)
def _recall(pt, dr, tb, q, c, slow, s, ev, p, now):
    """`Logistics._recall` for each positive pool of plate p: its members' retest tubes, numbered in recall
    order, travel together to the lab that ran the pool."""
    n_pooled = int(c[5])
    for j in range(q[4][p, 1], q[4][p, 2]):
        tube = q[6][j]
        if tube < n_pooled and tb[2][tube]:
            point = tb[0][tube]
            lo = n_pooled + s[RETESTS]
            s[RETESTS] += tb[1][tube]
            tb[11][s[RECALLS]] = tube
            s[RECALLS] += 1
            travel = _travel(pt, dr, slow, s, point, now)
            ev_push(ev, s, now + travel, NORMAL, RETEST, tb[9][tube], lo, lo + tb[1][tube], 0)


@njit(cache=True, _nrt=False)
def _step(pt, dr, tb, lb, q, c, slow, inst, s, ev, tk, now, e):
    """One event (kind and arguments in e), as the SimPy model handles it."""
    kind, a, b, cc, d = e[0], e[1], e[2], e[3], e[4]
    st = lb[0]
    if kind == TICK:
        _ticking(pt, dr, tb, lb, q, c, slow, s, ev, tk, now, a)
    elif kind == BOX:  # `Logistics.unload` and `_arrive` (no overflow in a plain round)
        st[a, RECEIVED] += cc - b
        _mark(tb[4], tb[7], 1, b, cc, now)
        _deliver(lb, q, s, ev, a, b, cc, 1 if d else 2, now)
    elif kind == RETEST:
        _deliver(lb, q, s, ev, a, b, cc, 0, now)
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
    elif kind == PLATE:  # `_run_plate` starts: the extraction's duration drawn now
        q[5][a] = now
        duration = _draw(dr[4], dr[5], dr[6], dr[7], q[4][a, 0], s, OUT_OF_EXTRACTION)
        ev_push(ev, s, now + duration, NORMAL, EXTRACTED, a, 0, 0, 0)
    elif kind == EXTRACTED:
        _extracted(dr, tb, lb, q, c, s, ev, a, now)
    elif kind == RECALL:
        _recall(pt, dr, tb, q, c, slow, s, ev, a, now)
    else:
        _change(lb, inst, s, ev, a, kind == CHANGE_END, now)


@njit(cache=True, _nrt=False)
def _change(lb, inst, s, ev, k, ending, now):
    """`LabSim.outage` and `surge`: instruments out of service, or added, on [start, end). inst[k]: (1 surge,
    0 outage), lab, start, end, extractors, PCR machines."""
    surge, lab, end, extractors, machines = inst[k, 0] == 1, int(inst[k, 1]), inst[k, 3], int(inst[k, 4]), int(inst[k, 5])
    st, pool, lo = lb[0], lb[8], lb[9][lab]
    if surge and not ending:
        st[lab, FREE] += extractors
        for _ in range(machines):
            pool_add(pool, lo, lb[10][lab], now)
            lb[10][lab] += 1
        _poke(lb, s, ev, lab, now)
    elif surge:
        st[lab, FREE] -= extractors
        for _ in range(machines):
            pool_block(pool, lo, lb[10][lab], now, np.inf)
    elif not ending:
        st[lab, FREE] -= extractors  # below zero until running plates finish: none start meanwhile
        for _ in range(min(machines, lb[11][lab])):
            pool_block(pool, lo, lb[10][lab], now, end)
    else:
        st[lab, FREE] += extractors
        _poke(lb, s, ev, lab, now)
    if not ending:
        ev_push(ev, s, now + max(end - now, 0.0), NORMAL, CHANGE_END, k, 0, 0, 0)


@njit(cache=True, _nrt=False)
def run(pt, dr, tb, lb, q, c, slow, inst, s, ev, tk, ticking, now, e):
    """The whole logistics from `now`: the instrument changes (`inst`, surges first, as the SimPy model
    starts them), the pickup requests of the `ticking` points, then every event in turn. Returns the time
    of the last event; s[STATUS] says whether it ran to the end."""
    for k in range(inst.shape[0]):
        ev_push(ev, s, now + max(inst[k, 2] - now, 0.0), NORMAL, CHANGE, k, 0, 0, 0)
    for k in range(ticking.size):  # `pickups.ticking` starts: every point's first request
        i = ticking[k]
        t = _request_at(pt, c, i)
        if t < np.inf:
            tick_push(tk, s, max(t, now), now, k, i)
    s[MADE] = ticking.size
    _ticking(pt, dr, tb, lb, q, c, slow, s, ev, tk, now, -1)
    while s[N_EV] > 0 and s[STATUS] == 0:
        now = ev_pop(ev, s, e)
        _step(pt, dr, tb, lb, q, c, slow, inst, s, ev, tk, now, e)
    return now
