"""Pooling (rule 4): the compiled tube filling against the rule written out in numpy."""

import numpy as np

from sim.engine.tubes import fill_tubes


def test_tubes_per_table_is_ceiling_of_residents_over_pool_size():
    rng = np.random.default_rng(0)
    for pool in (1, 5, 10, 20):
        table = rng.integers(0, 3, 247).astype(np.int32)
        end = np.sort(rng.uniform(0, 1000, 247))
        tube, seal, size, tube_table = fill_tubes(table, end, 3, pool)
        per_table = np.bincount(table, minlength=3)
        assert np.bincount(tube_table, minlength=3).tolist() == (-(-per_table // pool)).tolist()
        assert size.sum() == 247 and (size <= pool).all()
        assert np.bincount(tube, minlength=seal.size).tolist() == size.tolist()  # every resident in one tube
        assert (np.diff(seal) >= 0).all()
        for t in range(seal.size):  # a tube holds one table's residents, consecutive in service order
            members = np.flatnonzero(tube == t)
            assert (table[members] == tube_table[t]).all()
            if size[t] == pool:
                assert seal[t] == end[members].max()
            else:
                assert seal[t] == end.max()  # partial tubes seal when the point's last service ends


def plain_fill(table, end, tables, pool):
    """Rule 4 in plain numpy, as the engine had it before the compiled pass."""
    order = np.argsort(table, kind="stable")
    per_table = np.bincount(table, minlength=tables)
    first = np.concatenate(([0], np.cumsum(per_table)[:-1]))
    pos = np.arange(table.size) - first[table[order]]
    tubes_per_table = -(-per_table // pool)
    tube_first = np.concatenate(([0], np.cumsum(tubes_per_table)[:-1]))
    tube_of_sorted = tube_first[table[order]] + pos // pool
    size = np.bincount(tube_of_sorted, minlength=int(tubes_per_table.sum()))
    seal = np.where(size == pool, end[order][np.cumsum(size) - 1], end.max())
    by_seal = np.argsort(seal, kind="stable")
    rank = np.empty(seal.size, np.int64)
    rank[by_seal] = np.arange(seal.size)
    tube = np.empty(table.size, np.int64)
    tube[order] = rank[tube_of_sorted]
    return tube, seal[by_seal], size[by_seal], np.repeat(np.arange(tables), tubes_per_table)[by_seal]


def test_the_compiled_pass_numbers_tubes_as_the_plain_rule_does_ties_included():
    rng = np.random.default_rng(1)
    for _ in range(200):
        n, tables, pool = int(rng.integers(1, 800)), int(rng.integers(1, 9)), int(rng.integers(1, 21))
        table = rng.integers(0, tables, n).astype(np.int32)
        end = np.sort(rng.uniform(0, 1e5, n))
        if rng.random() < 0.5:
            end = np.round(end / 500) * 500  # equal seal times: order must still be table order
        for got, want in zip(fill_tubes(table, end, tables, pool), plain_fill(table, end, tables, pool), strict=True):
            assert np.array_equal(got, want)


def test_nobody_no_tubes():
    tube, seal, size, tube_table = fill_tubes(np.empty(0, np.int32), np.empty(0), 3, 10)
    assert tube.size == seal.size == size.size == tube_table.size == 0
