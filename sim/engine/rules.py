"""The logistics' rules, each written once, as compiled functions over plain numbers and arrays (numba).

Every driver of the logistics calls these: the SimPy model (`engine/logistics.py`, `engine/pickups.py`,
`engine/couriers.py`), the compiled event loop (`engine/loop.py`) and a forecast's state put back at a time
(`engine/resume.py`). A driver writes only the order of its events; what a point requests, what a pickup
takes, when a plate is ready, how a slowdown stretches a drive are decided here. Each is callable from
Python as it stands (numba compiles it on first use; `cache=True` keeps it across runs) and compiled
without reference counting so the loop can call it at no cost (see `engine/loop.py`). `TubeQueue`, the
order in which a lab's plates take its tubes, is the Python drivers' (the loop's `_take` is its array form).
"""

from __future__ import annotations

from collections import deque

import numpy as np
from numba import njit


@njit(cache=True, _nrt=False)
def tick_after(interval, since_open, tolerance):
    """Rule 5's clock: the pickup tick at or after `since_open` seconds from the opening (ticks count from 1:
    none at the opening itself). Points and courier routes tick on the same clock."""
    return max(1, int(np.ceil(since_open / interval - tolerance)))


@njit(cache=True, _nrt=False)
def next_departure(now, every, tolerance):
    """Rule L1's trunk clock: the first departure after `now` on a trunk leaving every `every` seconds from
    the round's start."""
    return (np.floor(now / every + tolerance) + 1) * every


@njit(cache=True, _nrt=False)
def loop_length(legs, first, n):
    """Rule R1: how long a courier's loop drives, its legs legs[first:first+n] added in order (the time its
    vehicle is out, and what routes.csv counts as driving)."""
    total = 0.0
    for j in range(first, first + n):
        total += legs[j]
    return total


@njit(cache=True, _nrt=False)
def request_at(seal, first, size, done, capacity, interval, origin, tolerance, ticks):
    """Rule 5: when a point whose sorted seal times are seal[first:first+size], `done` of them picked up,
    next asks for a vehicle: its box full, the next tick after its first uncollected seal, or its last seal
    (`ticks` False: only a full box calls). inf: never again."""
    if done >= size:
        return np.inf
    full = seal[first + done + capacity - 1] if done + capacity - 1 < size else np.inf
    if not ticks:
        return full
    tick = tick_after(interval, seal[first + done] - origin, tolerance)
    return min(origin + tick * interval, seal[first + size - 1], full)


@njit(cache=True, _nrt=False)
def sealed_by(seal, first, size, at):
    """How many of a point's sorted seal times seal[first:first+size] are at or before `at` (a binary search,
    numpy's `searchsorted(at, side="right")`)."""
    lo, hi = 0, size
    while lo < hi:
        mid = (lo + hi) >> 1
        if seal[first + mid] <= at:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, _nrt=False)
def picked_upto(sealed, done, room):
    """What a pickup takes: tubes up to this index (those sealed, at most `room` more than `done`)."""
    return int(max(min(float(sealed), done + room), float(done)))


@njit(cache=True, _nrt=False)
def plate_take(waiting, plate_size, oldest, max_plate_wait, now, tolerance):
    """Rule 6: how many tubes a plate takes now from a lab's queue on a free extractor: a full plate when one
    waits, every tube when the oldest has waited `max_plate_wait` (to the time tolerance), else none."""
    if waiting >= plate_size:
        return plate_size
    if waiting > 0 and now >= oldest + max_plate_wait - tolerance:
        return waiting
    return 0


@njit(cache=True, _nrt=False)
def plate_timer(oldest, max_plate_wait, now):
    """Rule 6: how long plate forming waits before it looks again when tubes wait short of a plate."""
    return max(oldest + max_plate_wait - now, 0.0)


REDRAWS = 20  # rule F3: draws of a drive under way at a forecast's start before it is taken to end then


@njit(cache=True, _nrt=False)
def left_at(asked, earliest, now):
    """When the slowdowns that stretch a pickup's drive out are read: now for a request made now (as every
    drive of a run), and for one a forecast finds asked before its start, when its vehicle left (rule F3),
    as a box on the road takes those in force at its pickup."""
    return min(max(asked, earliest), now)


@njit(cache=True, _nrt=False)
def under_way(start, travel, now):
    """Rule F3: a drive that left at `start` and takes `travel` is still under way at a forecast's start
    `now` (it ends then or after); a draw that ended before is drawn again (up to REDRAWS times)."""
    return start + travel >= now


@njit(cache=True, _nrt=False)
def drive_out(asked, earliest, there, back, now):
    """Rule F3, a pickup a forecast finds asked before its start (`asked` < now) and not served by then: the
    vehicle left when first free after the request (`earliest`) and gets there a travel draw later, drawn
    again (by the driver, up to REDRAWS times) until it ends after now, its tubes not picked up by then. How
    long the vehicle is busy from when it leaves; a request made now: there + back."""
    start = max(asked, earliest)
    if under_way(start, there, now):
        return there + back
    return (now - start) + back


@njit(cache=True, _nrt=False)
def slowed(travel, slowdowns, now, lab, group):
    """A travel draw stretched by every slowdown in force at `now` for the point's lab or group. Rows of
    `slowdowns`: start, end, lab (-1 any), group (-1 any), factor."""
    for k in range(slowdowns.shape[0]):
        lab_ok = slowdowns[k, 2] == -1.0 or slowdowns[k, 2] == lab
        group_ok = slowdowns[k, 3] == -1.0 or slowdowns[k, 3] == group
        if slowdowns[k, 0] <= now < slowdowns[k, 1] and lab_ok and group_ok:
            travel *= slowdowns[k, 4]
    return travel


@njit(cache=True, _nrt=False)
def loop_slowed(legs, first, n, slowdowns, now, lab, stop_group, stop_first):
    """Rule R1 under travel slowdowns: the legs legs[first:first+n] of a loop leaving at `now`, each stretched
    in place by the slowdowns in force then for the route's lab or for the group of the stop the leg drives
    to (stop_group[stop_first + j]); the last leg, back to the lab, by the lab's only."""
    for j in range(n):
        group = stop_group[stop_first + j] if j < n - 1 else -2
        legs[first + j] = slowed(legs[first + j], slowdowns, now, lab, group)


def slowdown_rows(rnd) -> np.ndarray:
    """A round's travel slowdowns as the rows `slowed` reads."""
    return np.array([[s.start, s.end, s.lab, s.group, s.factor] for s in rnd.slowdowns], float).reshape(-1, 5)


RETESTS, KEY_GROUPS, POOLED = 0, 1, 2  # a lab's queue classes, served in this order (the compiled loop's too)


class TubeQueue:
    """A lab's tubes waiting for a plate, by class (retest singles first, then key groups, then other pooled
    tubes), each class first come, first served: rule 6's "which tubes a plate takes"."""

    def __init__(self):
        self.classes: tuple[deque[list], ...] = (deque(), deque(), deque())  # [arrival, tube ids, next index]
        self.waiting = 0

    def add(self, when: float, ids: np.ndarray, cls: int) -> None:
        self.classes[cls].append([when, ids, 0])
        self.waiting += ids.size

    def oldest(self) -> float:
        """When the longest-waiting tube arrived."""
        return min(q[0][0] for q in self.classes if q)

    def take(self, k: int) -> np.ndarray:
        """The next k tubes, class by class."""
        parts = []
        for q in self.classes:
            while k and q:
                batch = q[0]
                got = batch[1][batch[2] : batch[2] + k]
                parts.append(got)
                batch[2] += got.size
                k -= got.size
                if batch[2] == batch[1].size:
                    q.popleft()
        ids = np.concatenate(parts)
        self.waiting -= ids.size
        return ids

    def batches(self) -> list[tuple[float, np.ndarray, int]]:
        """What still waits, as (arrival, tube ids, class), class by class."""
        return [(b[0], b[1][b[2] :], cls) for cls, q in enumerate(self.classes) for b in q]
