"""One sampling point's crowd: who comes, when, the queue, and the tubes it fills (rules 1, 2, 4, 7).

Everything is arrays over the point's residents; the result keeps only what later stages and the
figures need: tube seal times and sizes, each resident's swab end, wait and tube.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model import Round
from sim.queue import max_queue, serve_queue


@dataclass
class PointCrowd:
    arrived: int
    arrival: np.ndarray  # sorted arrival times
    start: np.ndarray  # service start per resident, arrival order
    swab_end: np.ndarray  # service end per resident
    table: np.ndarray  # table index per resident
    tube: np.ndarray  # local tube index per resident (tubes numbered in seal order)
    seal: np.ndarray  # seal time per tube, sorted
    tube_size: np.ndarray  # residents per tube
    tube_table: np.ndarray  # table that filled each tube
    positive: np.ndarray  # indices of positive residents (arrival order)
    max_queue: int
    last_end: float

    @property
    def wait(self) -> np.ndarray:
        return self.start - self.arrival


def simulate_point(
    rnd: Round,
    tables: int,
    residents: int,
    rng: np.random.Generator,
    blocks: tuple[np.ndarray, np.ndarray] | None = None,
    pool_size: int | None = None,
) -> PointCrowd:
    """`blocks`: (start, end) arrays of shape (tables, windows) when tables stop for disruptions;
    `pool_size`: a key group's own pool size (default: the scenario's)."""
    n = int(rng.binomial(residents, rnd.turnout))
    arrival = np.sort(rnd.profile.sample(rng, n))
    service = rnd.service.sample(rng, n)
    positive = (
        np.sort(rng.choice(n, int(rng.binomial(n, rnd.prevalence)), replace=False))
        if rnd.prevalence > 0 and n
        else np.empty(0, np.int64)
    )
    sh = rnd.shifts
    bs, be = blocks if blocks is not None else (None, None)
    start, table = serve_queue(
        arrival, service, tables, rnd.open, sh.length if sh else 0.0, sh.handover if sh else 0.0, bool(sh and sh.stagger), bs, be
    )
    swab_end = start + service
    tube, seal, tube_size, tube_table = fill_tubes(table, swab_end, tables, pool_size or rnd.pool_size)
    return PointCrowd(
        n,
        arrival,
        start,
        swab_end,
        table,
        tube,
        seal,
        tube_size,
        tube_table,
        positive,
        max_queue(arrival, start),
        float(swab_end.max()) if n else float("nan"),
    )


def fill_tubes(table: np.ndarray, swab_end: np.ndarray, tables: int, pool: int):
    """Rule 4: each table fills its own tube in service order; full tubes seal at their last swab,
    partial ones when the point's last service ends. Returns per-resident tube index (tubes
    numbered in seal order), seal times (sorted), tube sizes and the table of each tube."""
    n = table.size
    if n == 0:
        e = np.empty(0)
        return np.empty(0, np.int64), e, np.empty(0, np.int64), np.empty(0, np.int64)
    # Service order within a table is arrival order (FCFS), so a stable sort by table keeps it.
    order = np.argsort(table, kind="stable")
    per_table = np.bincount(table, minlength=tables)
    first = np.concatenate(([0], np.cumsum(per_table)[:-1]))
    pos = np.arange(n) - first[table[order]]
    tubes_per_table = -(-per_table // pool)
    tube_first = np.concatenate(([0], np.cumsum(tubes_per_table)[:-1]))
    tube_of_sorted = tube_first[table[order]] + pos // pool
    n_tubes = int(tubes_per_table.sum())
    size = np.bincount(tube_of_sorted, minlength=n_tubes)
    last_member = np.cumsum(size) - 1  # members are contiguous in `order`
    seal = np.where(size == pool, swab_end[order][last_member], swab_end.max())
    tube_table = np.repeat(np.arange(tables), tubes_per_table)
    by_seal = np.argsort(seal, kind="stable")
    rank = np.empty(n_tubes, np.int64)
    rank[by_seal] = np.arange(n_tubes)
    tube = np.empty(n, np.int64)
    tube[order] = rank[tube_of_sorted]
    return tube, seal[by_seal], size[by_seal], tube_table[by_seal]
