"""The plain points of a group after their random draws, in one compiled call: each point's queue (rules 2
and 3), its tubes (rule 4) and its tally, point after point, into concatenated arrays.

At 20,000 points the three calls a point made from Python (queue, tubes, tally), with their dispatch and
argument checks, cost more than many points' residents (docs/performance.md). The call below makes the
same three calls from compiled code: the very same kernels (`_serve`, `_fill`, `_tally`), so every rule
keeps its one home and every figure is the same to the bit. The draws stay per point in Python, in the
same streams and order (`crowd.draws`).

Only points whose rules this carries come here (`allows`): walk-in points without call slots, home visits,
a map's catchment or blocked windows; shifts are carried (their handover windows depend on the table count
and how far ahead they are generated, not on the point). The others go through `crowd.simulate_point`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from sim.engine.crowd import windows_until
from sim.engine.figures import quantile_ranks
from sim.engine.kernels import kernel
from sim.engine.queue import _serve, served_within
from sim.engine.tally import P95, Tally, _tally
from sim.engine.tubes import _fill
from sim.scenario.pauses import table_windows
from sim.scenario.round import PointGroup, Round

FURTHER = -1  # `_group`'s answer: a point's windows were too short
CHUNK = 1 << 20  # residents per call at most: the arrays of a 25-million city's group need not exist at once


def allows(rnd: Round, g: PointGroup, group: int) -> bool:
    """Whether the group's points can be computed together here."""
    blocked = any(b.group == group for b in rnd.blocked)
    return g.calls is None and g.home is None and g.catchment is None and not blocked


class Windows:
    """The shifts' windows of a chunk's points side by side: point i's are columns `lo[i]:hi[i]` of
    `start` and `end` (rows: tables, inf past a point's own), those `table_windows` gives for its tables
    and `until[i]` (inf: no shifts, no windows; then `rnd` may be None)."""

    def __init__(self, rnd: Round | None, group: int, tables: np.ndarray, spans: np.ndarray | None):
        self.rnd, self.group, self.tables = rnd, group, tables
        self.spans = spans
        n = tables.size
        self.until = np.full(n, np.inf) if spans is None else np.array([windows_until(rnd, x) for x in spans])
        self.lo, self.hi = np.zeros(n, np.int64), np.zeros(n, np.int64)
        rows = max(int(tables.max()) if n else 1, 1)
        self.start = self.end = np.empty((rows, 0))
        if spans is not None:
            self._build()

    def further(self, p: int) -> None:
        """Point p's windows were too short: twice the span, as `serve_point` does."""
        self.spans[p] *= 2
        self.until[p] = windows_until(self.rnd, self.spans[p])
        self._build()

    def _build(self) -> None:
        keys = list(zip(self.tables.tolist(), self.until.tolist(), strict=True))
        distinct = list(dict.fromkeys(keys))
        parts = [table_windows(self.rnd, self.group, -1, k, until) for k, until in distinct]
        widths = np.array([a.shape[1] for a, _b in parts], np.int64)
        first = np.concatenate(([0], np.cumsum(widths))).astype(np.int64)
        rows = self.start.shape[0]
        self.start, self.end = np.full((rows, first[-1]), np.inf), np.full((rows, first[-1]), np.inf)
        for (a, b), c in zip(parts, first[:-1], strict=True):
            self.start[: a.shape[0], c : c + a.shape[1]] = a
            self.end[: b.shape[0], c : c + b.shape[1]] = b
        at = {key: i for i, key in enumerate(distinct)}
        which = np.array([at[key] for key in keys], np.int64)
        self.lo, self.hi = first[which], first[which] + widths[which]


@dataclass
class Points:
    """What the call computed for consecutive points: resident arrays concatenated (point i's residents
    at `lo[i]:lo[i+1]`) and tube arrays concatenated (point i's tubes at `tube_lo[i]:tube_lo[i+1]`, local
    tube numbers in `tube`)."""

    lo: np.ndarray
    start: np.ndarray
    swab_end: np.ndarray
    table: np.ndarray
    tube: np.ndarray
    tube_lo: np.ndarray
    seal: np.ndarray
    tube_size: np.ndarray
    tube_table: np.ndarray
    last_end: np.ndarray  # per point (NaN: nobody came)
    mean: np.ndarray  # per point, the tally's figures of the waits (NaN: nobody came)
    top: np.ndarray
    a: np.ndarray  # the two order statistics of the p95 and their weight
    b: np.ndarray
    t: np.ndarray
    longest: np.ndarray


def serve_points(
    arrival: np.ndarray,
    service: np.ndarray,
    lo: np.ndarray,
    tables: np.ndarray,
    pool: int,
    open_: float,
    tally: Tally,
    waits: np.ndarray,
    swab_ends: np.ndarray,
    tubes: np.ndarray,
    first_tube: int,
    windows: Windows | None = None,
) -> Points:
    """Points with arrivals (sorted per point) and services `arrival[lo[i]:lo[i+1]]`, `tables[i]` tables,
    served from `open_`, their tubes of `pool`, tallied into `tally` and the column views `waits`,
    `swab_ends`, `tubes` (as long as `arrival`), the first point's tubes numbered from `first_tube`;
    `windows`: the shifts' windows (default none)."""
    if windows is None:
        windows = Windows(None, -1, tables, None)
    n_points = lo.size - 1
    n = np.diff(lo)
    # A point's tubes: at most one part-filled per table it used, the others full.
    tube_lo = np.concatenate(([0], np.cumsum(n // pool + np.minimum(tables, n)))).astype(np.int64)
    ranks = [quantile_ranks(max(int(k), 1), P95) for k in n]
    q_lo = np.array([r[0] for r in ranks], np.int64).reshape(-1)
    q_hi = np.array([r[1] for r in ranks], np.int64).reshape(-1)
    out = Points(
        lo=lo,
        start=np.empty(arrival.size),
        swab_end=np.empty(arrival.size),
        table=np.empty(arrival.size, np.int32),
        tube=np.empty(arrival.size, np.int64),
        tube_lo=np.zeros(n_points + 1, np.int64),
        seal=np.empty(int(tube_lo[-1])),
        tube_size=np.empty(int(tube_lo[-1]), np.int64),
        tube_table=np.empty(int(tube_lo[-1]), np.int64),
        last_end=np.full(n_points, np.nan),
        mean=np.full(n_points, np.nan),
        top=np.full(n_points, np.nan),
        a=np.full(n_points, np.nan),
        b=np.full(n_points, np.nan),
        t=np.array([r[2] for r in ranks], float).reshape(-1),
        longest=np.zeros(n_points, np.int64),
    )
    figures = np.full((n_points, 5), np.nan)
    done = 0
    while done < n_points:
        done, rows = _GROUP(
            arrival,
            service,
            lo,
            tables.astype(np.int64),
            pool,
            open_,
            out.start,
            out.swab_end,
            out.table,
            out.tube,
            out.tube_lo,
            out.seal,
            out.tube_size,
            out.tube_table,
            figures,
            out.longest,
            waits,
            swab_ends,
            tubes,
            first_tube,
            tally.counts,
            tally.used,
            tally.grid.t0,
            tally.grid.step,
            q_lo,
            q_hi,
            windows.start,
            windows.end,
            windows.lo,
            windows.hi,
            windows.until,
            done,
        )
        if rows == FURTHER:
            windows.further(done)  # point `done` needs windows further ahead: on from it
        elif rows:
            tally.grow(rows)  # point `done`'s times reach past the rows: more room, and on from it
    out.last_end, out.mean, out.top, out.a, out.b = figures.T
    return out


@njit(cache=True, nogil=True)
def _group(
    arrival,
    service,
    lo,
    tables,
    pool,
    open_,
    start,
    swab_end,
    table,
    tube,
    tube_lo,
    seal,
    tube_size,
    tube_table,
    figures,
    longest,
    waits,
    swab_ends,
    tubes,
    first_tube,
    counts,
    used,
    t0,
    step,
    q_lo,
    q_hi,
    win_start,
    win_end,
    win_lo,
    win_hi,
    until,
    first,
):
    """Points `first` on, each as `simulate_point` and `Tally.add` compute it: `_serve`, then `_fill`, then
    `_tally`. Returns (points done, 0), or (the point whose times reach past the counts' rows, the rows it
    needs), or (the point whose service reached past its windows, FURTHER): nothing of that point is
    tallied, so the caller grows the counts or generates its windows further and calls again from it."""
    home = np.empty(0, np.bool_)
    first_tube += tube_lo[first]  # the tubes of the points before `first`, numbered already
    for p in range(first, lo.size - 1):
        a, b = lo[p], lo[p + 1]
        tube_lo[p + 1] = tube_lo[p]
        if a == b:
            continue  # nobody came: no queue, no tubes, nothing tallied
        k = tables[p]
        s, j = _serve(
            arrival[a:b],
            service[a:b],
            k,
            open_,
            win_start[:k, win_lo[p] : win_hi[p]],
            win_end[:k, win_lo[p] : win_hi[p]],
        )
        if not served_within(s, service[a:b], until[p]):
            return p, FURTHER
        start[a:b] = s
        table[a:b] = j
        end = s + service[a:b]
        swab_end[a:b] = end
        tu, se, si, tt = _fill(j.astype(np.int64), end, k, pool)
        c, d = tube_lo[p], tube_lo[p] + se.size
        tube[a:b] = tu
        seal[c:d] = se
        tube_size[c:d] = si
        tube_table[c:d] = tt
        last_end = end.max()
        got = _tally(
            arrival[a:b],
            s,
            end,
            last_end,
            tu,
            se,
            home,
            waits[a:b],
            swab_ends[a:b],
            tubes[a:b],
            first_tube,
            counts,
            used,
            t0,
            step,
            q_lo[p],
            q_hi[p],
        )
        if got[0]:
            return p, got[0]
        figures[p, 0] = last_end
        figures[p, 1] = got[1]
        figures[p, 2] = got[2]
        figures[p, 3] = got[3]
        figures[p, 4] = got[4]
        longest[p] = got[5]
        tube_lo[p + 1] = d
        first_tube += se.size
    return lo.size - 1, 0


_GROUP = kernel(_group)
