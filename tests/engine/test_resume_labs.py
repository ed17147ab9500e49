"""A lab's plates at a forecast's TIME formed again by its own rule (F4): full plates at once on a free
extractor, a partial one once the oldest tube has waited, key groups first, and the compiled loop the same
as its interpreted twin, and as the lab's own queue and plate rule (`TubeQueue`, `ServerPool`, `rules.plate_take`)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.distributions import Fixed, Lognormal
from sim.engine import kernels
from sim.engine.resume_labs import _formed
from sim.engine.rules import KEY_GROUPS, POOLED, RETESTS
from sim.scenario.round import Lab

H = 3600.0


def _lab(extractors=1, plate_size=10, wait=0.5 * H, extraction=Fixed(H)) -> Lab:
    return Lab("L", extractors, 1, plate_size, extraction, Fixed(H), wait, 0.0, 1)


def _form(lab, when, key, at, seed=0):
    """`key`: a key group's tube (True) or another pooled one; or each tube's queue class (integers)."""
    key = np.asarray(key)
    cls = key if key.dtype.kind == "i" else np.where(key.astype(bool), KEY_GROUPS, POOLED)
    return _formed(lab, np.random.default_rng(seed), np.asarray(when, float), cls, at)


@pytest.mark.parametrize("compiled", [False, True])
def test_full_plates_wait_for_a_free_extractor_and_a_partial_one_for_the_oldest_tube(compiled):
    # Twenty-five tubes at 1 h, one extractor busy an hour per plate: plates of ten at 1 h and 2 h; the five
    # left have waited past 30 min by 3 h, when the extractor frees, and go as one partial plate.
    with kernels.compiled(compiled):
        f = _form(_lab(), [H] * 25, [False] * 25, 3.5 * H)
    assert f.start.tolist() == [H, 2 * H, 3 * H]
    assert [f.rows(k).size for k in range(f.plates)] == [10, 10, 5]
    assert (f.plate_of >= 0).all()
    # At 2.5 h the third plate has not formed: its five tubes still queue.
    with kernels.compiled(compiled):
        early = _form(_lab(), [H] * 25, [False] * 25, 2.5 * H)
    assert early.plates == 2 and (early.plate_of < 0).sum() == 5


def test_a_key_group_s_tubes_go_on_the_first_plate_though_they_came_later():
    when = [H] * 10 + [1.1 * H] * 5
    key = [False] * 10 + [True] * 5
    f = _form(_lab(extractors=1, plate_size=10, extraction=Fixed(0.5 * H)), when, key, 1.2 * H)
    # The first plate forms at 1 h, before the key group came; then the extractor is busy until 1.5 h.
    assert f.plates == 1 and f.rows(0).tolist() == list(range(10))
    f = _form(_lab(extractors=1, plate_size=10, extraction=Fixed(0.5 * H)), when, key, 1.6 * H)
    assert f.rows(1)[:5].tolist() == [10, 11, 12, 13, 14]  # at 1.5 h: the key group first


def test_the_compiled_plates_are_the_interpreted_ones_and_more_extractions_are_drawn_when_needed():
    rng = np.random.default_rng(5)
    when = np.sort(rng.uniform(0, 6 * H, 3000))
    key = rng.random(3000) < 0.2
    lab = _lab(extractors=3, plate_size=94, wait=60.0, extraction=Lognormal(120.0, 30.0))  # many small plates
    out = {}
    for compiled in (False, True):
        with kernels.compiled(compiled):
            out[compiled] = _form(lab, when, key, 6 * H, seed=1)
    a, b = out[False], out[True]
    assert a.plates > 3000 // 94 + 3 + 8  # more plates than the extractions first drawn: drawn again
    for name in ("plate_of", "taken", "lo", "start", "extraction", "pcr"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def _by_the_lab_s_own_queue(spec: Lab, when: np.ndarray, cls: np.ndarray, at: float):
    """The lab's rule as `LabSim` states it: its `TubeQueue`, a `ServerPool` of extractors and the plate rule
    (`rules.plate_take`, `rules.plate_timer`), event by event (the form `_formed` had before it was compiled).
    Fixed extraction times, so the order of draws cannot matter. Returns each plate's rows and start."""
    from sim.engine import rules
    from sim.engine.servers import ServerPool
    from sim.scenario.rules import TIME_TOLERANCE

    queue, extractors, plates = rules.TubeQueue(), ServerPool(spec.extractors), []
    n, k = when.size, 0
    t = float(when[0]) if n else np.inf
    while t <= at:
        while k < n and when[k] <= t:  # arrivals by t, one batch per arrival time and class
            j = k + 1
            while j < n and when[j] == when[k] and cls[j] == cls[k]:
                j += 1
            queue.add(float(when[k]), np.arange(k, j), int(cls[k]))
            k = j
        while queue.waiting and extractors.earliest() <= t:
            size = rules.plate_take(
                queue.waiting, spec.plate_size, queue.oldest(), spec.max_plate_wait, t, TIME_TOLERANCE
            )
            if not size:
                break
            extractors.take(t, spec.extraction.value)
            plates.append((sorted(queue.take(size).tolist()), t))
        nxt = float(when[k]) if k < n else np.inf
        if queue.waiting:
            free = extractors.earliest()
            nxt = min(nxt, free if free > t else t + rules.plate_timer(queue.oldest(), spec.max_plate_wait, t))
        t = nxt
    return plates


@pytest.mark.parametrize("seed", range(6))
def test_the_plates_are_those_the_lab_s_own_queue_and_plate_rule_form(seed):
    # Random arrivals in batches, retests and key groups among them, one to three extractors, plates of 3 to
    # 12 and waits of 10 to 60 min: the compiled loop forms the plates `TubeQueue` and the plate rule form.
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 120))
    when = np.sort(rng.choice(np.arange(0, 6 * H, 600.0), n))
    key = rng.choice([RETESTS, KEY_GROUPS, POOLED], n, p=[0.15, 0.25, 0.6]).astype(np.int64)
    spec = _lab(int(rng.integers(1, 4)), int(rng.integers(3, 13)), float(rng.integers(10, 61)) * 60, Fixed(0.4 * H))
    at = 5 * H
    want = _by_the_lab_s_own_queue(spec, when, key, at)
    with kernels.compiled(True):
        got = _form(spec, when, key, at, seed)
    assert got.plates == len(want) > 0
    assert [sorted(got.rows(k).tolist()) for k in range(got.plates)] == [rows for rows, _t in want]
    assert got.start.tolist() == [t for _rows, t in want]
