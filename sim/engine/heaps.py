"""Binary heaps for the compiled logistics loop (`engine/loop.py`), on plain arrays so numba compiles them:
the event queue in SimPy's order and the pickup requests in the order `pickups.ticking` keeps (the pool of
identical servers is `engine/servers.py`'s). Compiled without reference counting, as the loop is (see there)."""

from __future__ import annotations

from numba import njit

PRIO_SHIFT = 1 << 48  # an event's key: its priority, then its sequence number
# Scalars of a run, in one int64 array (the loop's `s`); the first few are the heaps' own.
N_EV, EID, N_TICK, STATUS, PLATES, PICKUPS, RETESTS, RECALLS, BATCHES, PT, MADE, N_PLATE, BUSY = range(13)
OUT_OF_ROOM = 4  # STATUS when the event heap or the queue's batches are full (the caller makes room)


@njit(cache=True, _nrt=False)
def ev_push(ev, s, t, prio, kind, a, b, c, d):
    """An event at time t. The heap moves (time, key, slot) only; the arguments stay in their slot."""
    ev_t, ev_k, ev_s, pay, free = ev
    n = s[N_EV]
    if n == ev_t.size:
        s[STATUS] = OUT_OF_ROOM
        return
    slot = free[n]  # free[n:] are the free slots
    pay[slot, 0], pay[slot, 1], pay[slot, 2], pay[slot, 3], pay[slot, 4] = kind, a, b, c, d
    key = prio * PRIO_SHIFT + s[EID]
    s[EID] += 1
    while n > 0:  # sift up
        parent = (n - 1) >> 1
        if ev_t[parent] < t or (ev_t[parent] == t and ev_k[parent] < key):
            break
        ev_t[n], ev_k[n], ev_s[n] = ev_t[parent], ev_k[parent], ev_s[parent]
        n = parent
    ev_t[n], ev_k[n], ev_s[n] = t, key, slot
    s[N_EV] += 1


@njit(cache=True, _nrt=False)
def ev_pop(ev, s, out):
    """The earliest event's time; its kind and arguments into `out`."""
    ev_t, ev_k, ev_s, pay, free = ev
    t, slot = ev_t[0], ev_s[0]
    for j in range(5):
        out[j] = pay[slot, j]
    n = s[N_EV] - 1
    s[N_EV] = n
    free[n] = slot
    lt, lk, ls = ev_t[n], ev_k[n], ev_s[n]
    k = 0
    while True:  # sift the last entry down from the root
        c = 2 * k + 1
        if c >= n:
            break
        if c + 1 < n and (ev_t[c + 1] < ev_t[c] or (ev_t[c + 1] == ev_t[c] and ev_k[c + 1] < ev_k[c])):
            c += 1
        if lt < ev_t[c] or (lt == ev_t[c] and lk < ev_k[c]):
            break
        ev_t[k], ev_k[k], ev_s[k] = ev_t[c], ev_k[c], ev_s[c]
        k = c
    ev_t[k], ev_k[k], ev_s[k] = lt, lk, ls
    return t


@njit(cache=True, _nrt=False)
def tick_less(tk, a, b):
    return tk[a, 0] < tk[b, 0] or (
        tk[a, 0] == tk[b, 0] and (tk[a, 1] < tk[b, 1] or (tk[a, 1] == tk[b, 1] and tk[a, 2] < tk[b, 2]))
    )


@njit(cache=True, _nrt=False)
def _swap(tk, a, b):
    for j in range(4):
        tk[a, j], tk[b, j] = tk[b, j], tk[a, j]


@njit(cache=True, _nrt=False)
def tick_push(tk, s, t, sched, seq, point):
    n = s[N_TICK]
    tk[n, 0], tk[n, 1], tk[n, 2], tk[n, 3] = t, sched, seq, point
    s[N_TICK] += 1
    while n > 0 and tick_less(tk, n, (n - 1) >> 1):
        _swap(tk, n, (n - 1) >> 1)
        n = (n - 1) >> 1


@njit(cache=True, _nrt=False)
def tick_pop(tk, s):
    """Removes the earliest request; returns its time and point."""
    t, point = tk[0, 0], int(tk[0, 3])
    n = s[N_TICK] - 1
    s[N_TICK] = n
    _swap(tk, 0, n)
    k = 0
    while True:
        c = 2 * k + 1
        if c >= n:
            break
        if c + 1 < n and tick_less(tk, c + 1, c):
            c += 1
        if not tick_less(tk, c, k):
            break
        _swap(tk, k, c)
        k = c
    return t, point
