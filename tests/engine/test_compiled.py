"""When logistics run compiled, and that running out of room changes nothing but the time taken."""

from __future__ import annotations

import numpy as np

from sim.core.distributions import Fixed, Uniform
from sim.engine import compiled
from sim.engine.couriers import LegDraws
from sim.engine.draws import Draws
from sim.engine.replication import prepare_logistics
from sim.engine.sampling import simulate_crowd
from sim.engine.timeline import Grid
from sim.scenario.routes import Route


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


def _routed(rnd):
    legs = (Fixed(600.0), Uniform(300.0, 900.0), Fixed(420.0))
    return rnd.with_(routes=(Route("r", 0, 1, (0, 1), legs, 30),))


def test_rounds_with_courier_routes_run_compiled_and_too_few_loops_ahead_change_nothing(small_round, monkeypatch):
    rnd = _routed(small_round)
    tight, roomy = _prepared(rnd), _prepared(rnd)
    assert compiled.applies(roomy)
    roomy.run()
    attempts = []
    real_attempt = compiled._attempt

    def recorded(logi, points, start, room):
        attempts.append(room)
        return real_attempt(logi, points, start, room)

    monkeypatch.setattr(compiled, "_attempt", recorded)
    monkeypatch.setattr(compiled, "loops_ahead", lambda logi, points, courier: 1)
    whole_chunks = LegDraws.ahead
    monkeypatch.setattr(LegDraws, "ahead", lambda self, n: whole_chunks(self, n)[:n])  # exactly the loops asked for
    tight.run()
    assert roomy.routes[0].loops > 2 and attempts[:2] == [1, 2]  # ran out of loops, drew twice as many
    for name in ("picked", "at_lab", "plated", "result", "plate_of"):
        np.testing.assert_array_equal(getattr(tight, name), getattr(roomy, name))


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
