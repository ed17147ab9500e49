"""A forecast's labs at TIME (rule F4, docs/forecast.md): the tubes a lab holds at TIME formed into plates
again by the lab's own rule, those plates put in the step they have reached, the rest queued again.
`engine/resume.py` calls it for each lab when it puts back what was under way."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from sim.engine.kernels import current
from sim.engine.logistics import Logistics
from sim.engine.rules import POOLED, plate_take, plate_timer
from sim.engine.servers import pool_take
from sim.scenario.round import Lab
from sim.scenario.rules import TIME_TOLERANCE

STEPS = ("report", "pcr", "extraction")  # a plate's steps, the furthest along first
CLASSES = POOLED + 1  # a lab's queue classes (`rules.RETESTS`, `KEY_GROUPS`, `POOLED`), served in this order


def lab_under_way(
    logi: Logistics, li: int, ids: np.ndarray, when: np.ndarray, cls: np.ndarray, at: float, running: int
) -> None:
    """Rule F4: a lab's tubes at `at` (sorted by arrival; `cls`: each one's queue class, `rules.RETESTS`,
    `KEY_GROUPS` or `POOLED`), formed into plates again by the lab's own rule (`_formed`); at most `running`
    plates hold instruments. In a lab that keeps up, a plate formed at s has run `at - s`, and its drawn
    durations say which step it is in and what is left of it. In a lab with more plates than its instruments
    hold, each step holds what the lab's throughput keeps in it (report delays, then PCR machines, then
    extractors, oldest plates first), each plate a uniform way through its step. The rest queue again as they
    came (their class and arrival kept)."""
    lab = logi.labs[li]
    spec = lab.lab
    formed = _formed(spec, lab.rng, when, cls, at)
    backlog = formed.plates > spec.extractors + spec.pcr_machines
    rate = min(spec.extractors / spec.extraction.mean, spec.pcr_machines / spec.pcr.mean)  # plates per second
    room = {"report": math.inf, "pcr": spec.pcr_machines, "extraction": spec.extractors}
    if backlog:
        room = {
            "report": round(rate * spec.report_delay),
            "pcr": min(spec.pcr_machines, round(rate * spec.pcr.mean)),
            "extraction": min(spec.extractors, round(rate * spec.extraction.mean)),
        }
    room["pcr"] = min(room["pcr"], running)  # what a status says is running holds instruments
    room["extraction"] = min(room["extraction"], max(running - room["pcr"], 0))
    placed = 0
    for k in range(formed.plates):
        durations = {
            "extraction": float(formed.extraction[k]),
            "pcr": float(formed.pcr[k]),
            "report": spec.report_delay,
        }
        if backlog:
            step = next((x for x in STEPS if room[x] > 0), None)
            left = durations[step] * lab.rng.random() if step else 0.0
        else:
            step, left = _where(at - float(formed.start[k]), durations, spec)
        if step is None or room[step] <= 0:
            break
        room[step] -= 1
        logi.restored.running(li, ids[formed.rows(k)], step, left)
        placed += 1
    rest = np.flatnonzero((formed.plate_of < 0) | (formed.plate_of >= placed))
    if rest.size:
        rest = rest[np.lexsort((rest, when[rest], cls[rest]))]  # by class, then as they came
        cuts = np.flatnonzero((np.diff(when[rest]) != 0) | (np.diff(cls[rest]) != 0)) + 1
        for part in np.split(rest, cuts):
            logi.restored.queued(li, ids[part], int(cls[part[0]]), float(when[part[0]]))


def _where(ran: float, durations: dict[str, float], spec) -> tuple[str, float]:
    """The step a plate is in after `ran` seconds, and what is left of it (past them all yet not reported:
    it waited somewhere, so its report is due now)."""
    if ran < durations["extraction"]:
        return "extraction", durations["extraction"] - ran
    ran -= durations["extraction"]
    if ran < durations["pcr"]:
        return "pcr", durations["pcr"] - ran
    ran -= durations["pcr"]
    if ran < spec.report_delay:
        return "report", spec.report_delay - ran
    return "report", 0.0


@dataclass
class _Formed:
    """The plates the lab's rule had formed by `at`, in the order formed: each one's tubes (rows of the lab's
    tubes, in the order it took them), when, and the drawn durations of its extraction and PCR."""

    plate_of: np.ndarray  # per row: its plate (-1: still queuing)
    taken: np.ndarray  # rows in the order plates took them; plate k's are taken[lo[k]:lo[k + 1]]
    lo: np.ndarray
    start: np.ndarray
    extraction: np.ndarray
    pcr: np.ndarray

    @property
    def plates(self) -> int:
        return self.start.size

    def rows(self, k: int) -> np.ndarray:
        return self.taken[self.lo[k] : self.lo[k + 1]]


def _formed(spec: Lab, rng: np.random.Generator, when: np.ndarray, cls: np.ndarray, at: float) -> _Formed:
    """Rule 6 over a lab's tubes from before `at` (arrival times `when`, sorted; `cls`: each one's queue class),
    compiled (`_form_plates`): the lab's queue order (`TubeQueue`'s: retests, then key groups, then the
    others), its own plate rule (`rules.plate_take`, at the time tolerance), a plate only on a free extractor
    (each busy for a drawn extraction). The extractions are drawn ahead, more if the plates need them, then one
    PCR per plate."""
    n = when.size
    cls = np.asarray(cls, np.int64)
    order = np.argsort(cls, kind="stable").astype(np.int64)  # class by class, each as it came
    bounds = np.searchsorted(cls[order], np.arange(CLASSES + 1)).astype(np.int64)
    plate_of = np.full(n, -1, np.int64)
    taken = np.empty(n, np.int64)
    lo = np.zeros(n + 1, np.int64)
    start = np.empty(n)
    room = n // max(spec.plate_size, 1) + spec.extractors + 8  # plates a lab may have formed, most often
    extraction = spec.extraction.sample(rng, room)
    while True:
        free = np.full(max(spec.extractors, 1), -np.inf)
        came, took = bounds[:-1].copy(), bounds[:-1].copy()
        plates = current(_form_plates)(
            when, order, bounds, came, took, at, spec.plate_size, spec.max_plate_wait, TIME_TOLERANCE,
            free, spec.extractors, extraction, plate_of, taken, lo, start,
        )  # fmt: skip
        if plates >= 0:
            break
        extraction = np.concatenate([extraction, spec.extraction.sample(rng, extraction.size)])
        plate_of[:] = -1
    lo = lo[: plates + 1]
    return _Formed(plate_of, taken[: lo[-1]], lo, start[:plates], extraction[:plates], spec.pcr.sample(rng, plates))


@njit(cache=True, _nrt=False)
def _form_plates(
    when, order, bounds, came, took, at, plate_size, max_plate_wait, tolerance, free, n_free, extraction, plate_of,
    taken, lo, start,
):  # fmt: skip
    """`_formed`'s loop: class c's rows order[bounds[c]:bounds[c + 1]] queue first come, first served (`when`
    sorted), the classes in turn; per class, `came` is the next member not yet arrived and `took` the next not
    yet taken (positions in `order`, both from bounds[c]). A plate forms on a free extractor (the pool `free`,
    `servers.pool_take`) when `rules.plate_take` says. Fills each row's plate, the rows in the order taken,
    each plate's first and start. Returns the plates formed by `at`, or -1 when they need more than the
    extractions drawn."""
    n = when.size
    k = 0  # rows arrived so far (by `when`)
    plates = done = waiting = 0
    t = when[0] if n else np.inf
    while t <= at:
        while k < n and when[k] <= t:
            k += 1
        for c in range(came.size):
            while came[c] < bounds[c + 1] and when[order[came[c]]] <= t:
                came[c] += 1
                waiting += 1
        while waiting > 0 and (free[0] if n_free else np.inf) <= t:
            take = plate_take(waiting, plate_size, _oldest(when, order, came, took), max_plate_wait, t, tolerance)
            if not take:
                break
            if plates == extraction.size:
                return -1
            pool_take(free, 0, n_free, t, extraction[plates])
            start[plates] = t
            lo[plates] = done
            c = 0
            for _ in range(take):  # class by class, each first come, first served
                while took[c] == came[c]:
                    c += 1
                row = order[took[c]]
                took[c] += 1
                plate_of[row] = plates
                taken[done] = row
                done += 1
            waiting -= take
            plates += 1
            lo[plates] = done
        nxt = when[k] if k < n else np.inf
        if waiting > 0:
            oldest = _oldest(when, order, came, took)
            e = free[0] if n_free else np.inf
            nxt = min(nxt, e if e > t else t + plate_timer(oldest, max_plate_wait, t))
        t = nxt
    return plates


@njit(cache=True, _nrt=False)
def _oldest(when, order, came, took):
    """When the longest-waiting tube came (`TubeQueue.oldest`): the first untaken of any class."""
    oldest = np.inf
    for c in range(came.size):
        if took[c] < came[c]:
            oldest = min(oldest, when[order[took[c]]])
    return oldest
