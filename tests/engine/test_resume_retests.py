"""Rule F6: the pools reported before a forecast's TIME are recalled as a run recalls them: rule 7's draw over
their residents, `recall_delay` after each report, the retest tubes numbered in recall order and reaching the
lab a drive later, on the way at TIME or already there."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.replication import prepare_logistics
from sim.engine.resume_retests import recalled_before
from sim.engine.sampling import simulate_crowd
from sim.engine.timeline import Grid
from sim.scenario.build import round_from_text

H = 3600.0
# One point, fixed 30 min drives, everyone positive, recalled 1 h after the report.
ROUND = """
name: recalls
deadline: 12h
seed: 1
arrivals: {turnout: 1.0, profile: [[0h, 1], [1h, 0]]}
sampling: {service_time: 30s, pool_size: 10}
points: [{name: p, count: 1, residents: 30, tables: 1, lab: L, travel_time: 30m}]
transport: {pickup_interval: 1h, box_capacity: 100, vehicles: {L: 1}}
labs: [{name: L, extractors: 1, pcr_machines: 1, plate_size: 10, extraction_time: 1h, pcr_time: 1h,
        max_plate_wait: 0s, report_delay: 0s}]
positives: {prevalence: 1.0, recall_delay: 1h}
"""


def _logistics(rnd):
    logi, _groups = prepare_logistics(rnd, 0, simulate_crowd(rnd, 0, Grid.for_round(rnd)))
    return logi


REPORTED = {  # reported at 3 h, 1 h and 4.9 h: recalled at 4 h, 2 h and 5.9 h, at the lab 4.5 h, 2.5 h, 6.4 h
    "point": np.zeros(3, np.int64),
    "size": np.array([10, 10, 5]),
    "sealed": np.array([2.0, 0.5, 4.0]) * H,
    "reported": np.array([3.0, 1.0, 4.9]) * H,
    "lab": np.full(3, -1),
}


def test_every_pool_recalled_in_recall_order_on_the_way_or_at_the_lab():
    logi = _logistics(round_from_text(ROUND))
    ((ids, came),) = recalled_before(logi, REPORTED, 5 * H, 300_000)
    n = logi.n_pooled
    assert ids.tolist() == list(range(n, n + 20))  # the pool reported at 1 h first, then the one at 3 h
    assert (came / H).tolist() == pytest.approx([2.5] * 10 + [4.5] * 10)
    ((arrive, lab, on_the_way),) = logi.restored.retests  # the pool reported at 4.9 h: after TIME
    assert arrive / H == pytest.approx(6.4) and lab == 0 and on_the_way.tolist() == list(range(n + 20, n + 25))
    r = logi.retests
    assert len(r) == 25 and r.positive.all()  # everyone positive, each with their pool's seal as first swab
    assert (r.first_swab / H).tolist() == pytest.approx([0.5] * 10 + [2.0] * 10 + [4.0] * 5)


def test_without_positives_nothing_is_recalled():
    logi = _logistics(round_from_text(ROUND).with_(prevalence=0.0))
    ((ids, came),) = recalled_before(logi, REPORTED, 5 * H, 300_000)
    assert ids.size == came.size == len(logi.retests) == 0 and not logi.restored.retests
