"""The round's small rules, each in one place: the time tolerance, the deadline, the queue standard, a
group's pool size. Plain functions of numbers, so every layer (and the scenario's own checks, before there
is a `Round`) calls the same rule."""

from __future__ import annotations

from collections.abc import Sequence

TIME_TOLERANCE = 1e-9  # seconds: absorbs float rounding when a time lands exactly on a deadline, tick or timer


def on_time(done: float | None, due: float) -> bool:
    """The deadline rule: a last result at or before the deadline (seconds) meets it; no result at all
    (nobody came, nothing was due) meets it too."""
    return done is None or done <= due + TIME_TOLERANCE


def within_wait(p95_wait_s: float, max_wait_s: float, margin_s: float = 0.0) -> bool:
    """The queue standard: a 95th-percentile wait at or inside the standard less a margin, all in seconds
    (figures that give minutes are converted by the caller, in sight). Sizing, siting's site checks and call
    slots all judge by it."""
    return p95_wait_s <= max_wait_s - margin_s + TIME_TOLERANCE


def every_round_on_time(done: Sequence[float | None], due: Sequence[float]) -> bool:
    """A single round, or a campaign of rounds each with its own deadline: met when every round is."""
    return all(on_time(x, d) for x, d in zip(done, due, strict=True))


def pool_size_rule(own: int | None, default: int) -> int:
    """Residents per tube: a key group's own pool size where it has one, else the scenario's. The one home of
    the rule (`Round.pool_size_of`; the route solver, before there is a round, calls it with the spec's keys)."""
    return own or default
