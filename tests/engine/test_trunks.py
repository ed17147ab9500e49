"""Rule L1 on a hand-checked case: one lab over its threshold sends a delivery by a fixed-time trunk to an
idle lab; the counts and times are what a hand computation gives. Also the trunk's own timetable."""

from __future__ import annotations

from functools import partial

import numpy as np
import simpy

from sim.core.distributions import Fixed
from sim.core.streams import stream
from sim.engine.logistics import Logistics
from sim.engine.trunks import Trunk
from sim.scenario.build import round_from_text
from sim.scenario.round import Overflow

NETWORK = """
name: network
deadline: 24h
arrivals: {profile: [[0h, 1], [1h, 0]]}
sampling: {service_time: 30s}
points: [{name: p, count: 1, residents: 100, tables: 1, lab: a, travel_time: 10m}]
transport: {vehicles: {a: 1}}
labs:
  - {name: a, extractors: 1, pcr_machines: 1, plate_size: 10, extraction_time: 1h, pcr_time: 1h, max_plate_wait: 0s,
     overflow: {when: 15 tubes, to: [b], trunk: {travel_time: 30m, every: 2h, capacity: 100}}}
  - {name: b, extractors: 1, pcr_machines: 1, plate_size: 10, extraction_time: 1h, pcr_time: 1h, max_plate_wait: 0s,
     external: true}
"""


def test_an_overloaded_lab_sends_a_delivery_on_and_the_times_are_the_hand_computed_ones():
    rnd = round_from_text(NETWORK)
    n = 50
    logi = Logistics(rnd, [], np.ones(n, np.int64), {}, lambda t: 0, partial(stream, 0, 0, 2), [])
    a, b = logi.labs
    for t_h, first in ((0.0, 0), (0.0, 10), (0.25, 20), (0.5, 30), (1.5, 40)):
        ids = np.arange(first, first + 10)
        logi.env.timeout(t_h * 3600).callbacks.append(lambda _e, ids=ids: logi.unload(a, ids))
    logi.run(compiled=False)  # deliveries scheduled by hand: the SimPy model runs them
    # 0 h: 20 tubes (one plate starts, 10 wait); 0.25 h: 10 more (20 wait); 0.5 h: 20 >= 15, so these 10
    # go on; the trunk leaves at 2 h (every 2 h from the start) and is at b 30 min later, where an idle
    # extractor plates them at once; a plate there takes 1 h of extraction and 1 h of PCR.
    assert np.allclose(logi.at_lab[30:40] / 3600, 2.5)
    assert np.allclose(logi.plated[30:40] / 3600, 2.5) and np.allclose(logi.result[30:40] / 3600, 4.5)
    assert (logi.ran_at[30:40] == 1).all() and (logi.ran_at[:30] == 0).all() and (logi.ran_at[40:] == 0).all()
    # At a, one plate an hour from 0 h: tubes 0-9 at 0 h, 10-19 at 1 h, 20-29 at 2 h, 40-49 at 3 h.
    assert (logi.plated[[0, 10, 20, 40]] / 3600).tolist() == [0.0, 1.0, 2.0, 3.0]
    assert a.stats["received"] == 50 and a.stats["diverted_out"] == 10 and a.stats["run"] == 40
    assert b.stats["received"] == 10 and b.stats["diverted_in"] == 10 and b.stats["run"] == 10
    # Both 0 h deliveries are in before the first plate forms at that same instant: 20 waiting at 0 h.
    assert a.stats["backlog_peak"] == 20 and a.stats["backlog_peak_at"] == 0.0
    assert (logi.handled["at_lab"] == 1).all()  # every tube reached exactly one lab


def test_a_full_load_leaves_at_once_and_the_rest_at_the_next_departure():
    env = simpy.Environment()
    arrived: list[tuple[float, int]] = []
    link = Overflow(1, "tubes", (1,), Fixed(600.0), 3600.0, 25)
    trunk = Trunk(env, link, lambda: np.random.default_rng(0), lambda ids, p: arrived.append((env.now, ids.size)))
    env.timeout(100).callbacks.append(lambda _e: trunk.send(np.arange(30), False))
    env.run()
    # 30 tubes at 100 s: a load of 25 leaves at once (there at 700 s); 5 wait for the 3,600 s departure.
    assert arrived == [(700.0, 25), (4200.0, 5)]
    assert trunk.departures == 2


def _lab_round(extra: str = "", events: str = ""):
    return round_from_text(
        NETWORK.replace("max_plate_wait: 0s,\n     overflow", "max_plate_wait: 0s" + extra + ",\n     overflow")
        + events
    )


def _plates_at(rnd, n=30):
    logi = Logistics(rnd, [], np.ones(n, np.int64), {}, lambda t: 0, partial(stream, 0, 0, 2), [])
    logi.env.timeout(0).callbacks.append(lambda _e: logi.unload(logi.labs[0], np.arange(n)))
    logi.run(compiled=False)  # deliveries scheduled by hand: the SimPy model runs them
    return sorted({float(t) / 3600 for t in logi.plated})


def test_a_surge_adds_instruments_for_its_window_and_a_lab_opens_when_available():
    # Three plates' worth at 0 h, one extractor of 1 h: plates at 0, 1 and 2 h.
    assert _plates_at(_lab_round()) == [0.0, 1.0, 2.0]
    # Two extractors and a PCR machine more from 0 to 10 h: all three at once.
    surge = "events: [{kind: lab_surge, lab: a, extractors: 2, pcr_machines: 1, from: 0h, to: 10h}]\n"
    assert _plates_at(_lab_round(events=surge)) == [0.0]
    # A lab that opens at 3 h: its first plate then.
    assert _plates_at(_lab_round(", available_from: 3h")) == [3.0, 4.0, 5.0]


def test_staffed_shifts_stop_the_instruments_at_each_handover():
    rnd = _lab_round(", staffed: {length: 1.5h, handover: 1h}")
    stops = [(o.start / 3600, o.end / 3600) for o in rnd.lab_outages if o.lab == 0]
    assert stops[:3] == [(1.5, 2.5), (4.0, 5.0), (6.5, 7.5)] and stops[-1][0] < 24 + 48
    # A plate under way at a handover finishes (the one from 1 h, until 2 h); none starts during it, so
    # the third waits for the next shift at 2.5 h, and the fourth starts at 3.5 h.
    assert _plates_at(rnd, 40) == [0.0, 1.0, 2.5, 3.5]
