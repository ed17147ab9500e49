"""Draws: the SimPy model's one at a time and the compiled loop's read ahead are the same numbers."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from sim.core.distributions import Fixed, Lognormal, Triangular, Uniform
from sim.core.streams import stream
from sim.engine.draws import Draws


@pytest.mark.parametrize(
    "dist", [Lognormal(600.0, 200.0), Triangular(300.0, 600.0, 1200.0), Uniform(1.0, 2.0), Fixed(5.0)]
)
def test_ahead_is_what_calls_return(dist):
    one = Draws(dist, partial(stream, 7, 0, 1, 3))
    calls = [one() for _ in range(70)]  # three chunks, the last part-used
    ahead = Draws(dist, partial(stream, 7, 0, 1, 3)).ahead(70)
    assert ahead.size == 96  # whole chunks
    assert ahead[:70].tolist() == calls


def test_reading_ahead_leaves_the_calls_where_they_were():
    d = Draws(Uniform(0.0, 1.0), partial(stream, 1, 0, 1, 0))
    first = d()
    d.ahead(100)
    assert d() == Draws(Uniform(0.0, 1.0), partial(stream, 1, 0, 1, 0)).ahead(2)[1] != first


def test_the_generator_is_made_only_when_a_draw_is_needed():
    made = []
    d = Draws(Fixed(1.0), lambda: made.append(1) or np.random.default_rng(0))
    assert not made
    d()
    assert made == [1]


def test_calls_made_are_counted_so_a_read_ahead_can_go_on_from_them():
    d = Draws(Lognormal(60.0, 20.0), lambda: np.random.default_rng(9))
    took = [d() for _ in range(40)]
    assert d.used == 40
    np.testing.assert_array_equal(d.ahead(45)[:40], took)
