"""Pickups (rule 5) and the lab (rule 6) on hand-checkable cases with fixed times."""

from functools import partial

import numpy as np
import pytest

from sim.core.streams import stream
from sim.engine.logistics import Logistics, PointTubes
from sim.scenario.build import round_from_text
from sim.scenario.round import LabOutage

BASE = """
name: logistics
deadline: 24h
arrivals: {{profile: [[0h, 1], [1h, 0]]}}
sampling: {{service_time: 30s, pool_size: 10}}
points:
  - {{name: p, count: 1, residents: 100, tables: 1, lab: lab, travel_time: 10m}}
transport: {{pickup_interval: {interval}, box_capacity: {box}, vehicles: {{lab: {vehicles}}}}}
labs:
  - {{name: lab, extractors: {extractors}, pcr_machines: {pcr}, plate_size: {plate}, extraction_time: 1h,
     pcr_time: 2h, max_plate_wait: {wait}, report_delay: 15m}}
"""


def make(seals, interval="1h", box=100, vehicles=1, extractors=1, pcr=1, plate=94, wait="30m", outages=()):
    rnd = round_from_text(
        BASE.format(
            interval=interval, box=box, vehicles=vehicles, extractors=extractors, pcr=pcr, plate=plate, wait=wait
        )
    ).with_(lab_outages=tuple(outages))
    seals = np.asarray(seals, float)
    logi = Logistics(
        rnd,
        [PointTubes(0, 0, seals, 0)],
        np.ones(seals.size, np.int64),
        {},
        lambda t: 0,
        partial(stream, 0, 0, 2),
        [lambda: 600.0],
    )
    logi.run()
    return logi


def test_interval_pickups_collect_what_is_sealed():
    # Tubes sealed at 10, 20, 70, 80 min; ticks every hour; 10 min each way.
    logi = make(np.array([10, 20, 70, 80]) * 60.0, box=100)
    # Tick at 60 min -> vehicle at 70 min takes the tubes sealed by then (70 is sealed at 70).
    # Last seal at 80 min -> request -> vehicle at 90 min takes the last one.
    assert (logi.picked / 60).tolist() == [70, 70, 70, 90]
    assert (logi.at_lab / 60).tolist() == [80, 80, 80, 100]


def test_full_box_calls_a_pickup_at_once():
    logi = make(np.array([1, 2, 3, 4, 5]) * 60.0, box=3, interval="4h")
    # The third tube fills the box at 3 min: vehicle there at 13 min takes all 5 (sealed by then).
    assert (logi.picked / 60).tolist() == [13] * 5


def test_one_request_outstanding_and_vehicles_are_shared_first_come_first_served():
    logi = make(np.array([5.0, 6.0, 200.0]) * 60, box=1, interval="10h")
    # Box of 1: request at 5 min; tube 2 at 6 min is sealed while it is outstanding, so it rides along.
    assert (logi.picked / 60).tolist() == [15, 15, 210]


def test_lab_forms_full_plates_then_a_partial_one_after_max_plate_wait():
    # 200 tubes arrive together: two plates of 94 at once (2 extractors), then 12 tubes wait for an
    # extractor; when one frees at +1h they have waited >= 30 min, so they form a partial plate.
    logi = make(np.zeros(200), plate=94, extractors=2, pcr=2, interval="10h")
    arrive = 1200.0  # 10 min there + 10 min back
    assert logi.plates == 3
    ext, pcr, report = 3600.0, 7200.0, 900.0
    expected_first = arrive + ext + pcr + report
    # The third plate leaves extraction at arrive + 2h but both PCR machines are busy until
    # arrive + 1h + 2h, so its PCR starts then: one PCR run after the first two plates.
    assert np.sort(np.unique(logi.result)).tolist() == pytest.approx([expected_first, expected_first + pcr])
    assert (np.bincount(np.unique(logi.result, return_inverse=True)[1]) == [188, 12]).all()


def test_partial_plate_waits_for_max_plate_wait():
    logi = make(np.zeros(10), plate=94, wait="45m", interval="10h")
    assert logi.plates == 1
    assert logi.result[0] == pytest.approx(1200 + 2700 + 3600 + 7200 + 900)


def test_lab_outage_holds_the_next_plate_until_the_instrument_is_back():
    # 282 tubes (3 plates) reach a one-extractor lab at 20 min; extraction 1 h, PCR 2 h (8 machines).
    # Plate 2 runs 1h20-2h20 and is finished though the extractor goes down at 1h30; plate 3 waits until 3h.
    base = make(np.zeros(282), extractors=1, pcr=8, interval="10h")
    out = make(np.zeros(282), extractors=1, pcr=8, interval="10h", outages=(LabOutage(0, 5400.0, 10800.0, 1, 0),))
    assert out.result.max() - base.result.max() == pytest.approx(40 * 60)


def test_an_outage_over_before_the_logistics_start_changes_nothing():
    base = make(np.zeros(100), extractors=1, pcr=2)
    early = make(np.zeros(100), extractors=1, pcr=2, outages=(LabOutage(0, -7200.0, -60.0, 1, 1),))
    assert np.array_equal(base.result, early.result)
