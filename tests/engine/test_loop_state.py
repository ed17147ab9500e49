"""The compiled loop's state has a name for every field, and the loop reads its fields by name."""

from __future__ import annotations

import inspect

from sim.engine import loop, loop_state


def test_every_array_of_the_loop_s_state_is_named_and_read_by_name():
    kinds = (loop_state.PointArrays, loop_state.DrawArrays, loop_state.TubeArrays, loop_state.LabArrays)
    kinds += (loop_state.Queues, loop_state.Constants)
    for kind in kinds:
        assert kind._fields and len(set(kind._fields)) == len(kind._fields)
    source = inspect.getsource(loop)
    for name in ("pt", "dr", "tb", "lb", "q", "c"):  # no positional reads like pt[7] or tb[7][2, ...]
        assert f" {name}[" not in source and f"({name}[" not in source, name
