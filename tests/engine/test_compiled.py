"""When logistics run compiled, and that running out of room changes nothing but the time taken."""

from __future__ import annotations

import numpy as np

from sim.engine import compiled
from sim.engine.draws import Draws
from sim.engine.replication import prepare_logistics
from sim.engine.sampling import simulate_crowd
from sim.engine.timeline import Grid


def _prepared(rnd):
    return prepare_logistics(rnd, 0, simulate_crowd(rnd, 0, Grid.for_round(rnd)))[0]


def test_plain_rounds_and_forecasts_run_compiled_unless_the_reference_is_chosen(small_round, monkeypatch):
    logi = _prepared(small_round)
    assert compiled.applies(logi)
    logi.resumed_at = 3600.0  # a forecast: the loop starts from what it put back
    logi.restored.boxes.append((4000.0, 0, np.arange(3, 6), False))
    assert compiled.applies(logi)
    logi.restored.boxes.append((4000.0, 0, np.array([7, 9]), False))  # a box is a pickup's consecutive tubes
    assert not compiled.applies(logi)
    monkeypatch.setenv(compiled.ENGINE, "reference")
    assert not compiled.applies(_prepared(small_round))


def test_rounds_with_courier_routes_run_in_simpy(small_round):
    logi = _prepared(small_round)
    logi.routes = [object()]
    assert not compiled.applies(logi)


def test_a_lab_without_pcr_machines_is_left_to_simpy(small_round):
    from dataclasses import replace

    rnd = small_round.with_(labs=tuple(replace(lab, pcr_machines=0) for lab in small_round.labs))
    assert compiled.applies(_prepared(small_round)) and not compiled.applies(_prepared(rnd))


def test_too_few_draws_ahead_are_drawn_again_with_the_same_answer(small_round, monkeypatch):
    tight, roomy = _prepared(small_round), _prepared(small_round)
    roomy.run()
    attempts = []
    real_attempt = compiled._attempt

    def one_draw_each(logi, points, start, room):
        points.travel_needed = np.minimum(points.travel_needed, 1)  # two are needed for the first trip
        attempts.append(room)
        return real_attempt(logi, points, start, room)

    monkeypatch.setattr(compiled, "_attempt", one_draw_each)
    whole_chunks = Draws.ahead
    monkeypatch.setattr(Draws, "ahead", lambda self, n: whole_chunks(self, n)[:n])  # exactly what was asked
    tight.run()
    assert attempts[:3] == [1, 2, 4]  # ran out, drew twice as many, ...
    for name in ("picked", "at_lab", "plated", "result", "plate_of"):
        np.testing.assert_array_equal(getattr(tight, name), getattr(roomy, name))
