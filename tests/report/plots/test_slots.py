import numpy as np

from sim.engine.timeline import Grid
from sim.report.plots.slots import slots_plot


class _Proposal:
    summary = {
        "groups": [
            {
                "group": "a",
                "feasible": True,
                "tables_per_point": 2,
                "calling_span_h": 3.0,
                "slots": [{"from_h": 0.0, "to_h": 1.0}, {"from_h": 1.0, "to_h": 3.0}],
            },
            {"group": "b", "feasible": False},  # no slots found: not drawn
        ]
    }
    queues = {"a": (("a-0001", np.arange(100.0)), ("a-0002", np.ones(100)))}


def test_the_slots_plot_draws_both_queues_the_slots_and_the_deadline(drawn, tmp_path):
    fig = slots_plot(_Proposal(), Grid(0.0, 300.0), 12.0, "test", tmp_path / "s.png")
    assert len(fig.axes) == 1  # the infeasible group has no panel
    ax = fig.axes[0]
    without = drawn.line(ax, "as the scenario has it (a-0001)")
    assert drawn.same(without.get_ydata(), np.arange(100.0))
    assert drawn.same(without.get_xdata(), np.arange(100) * 300 / 3600)  # 5-minute steps in hours
    assert drawn.same(drawn.line(ax, "called in slots (a-0002)").get_ydata(), np.ones(100))
    spans = [p.get_extents() for p in ax.patches]
    assert len(spans) == 2
    assert drawn.deadlines(ax) == {12.0: "deadline (12 h)"}
    assert ax.get_ylabel() == "residents waiting"
    assert ax.get_xlabel() == "hours since the round's start"
    assert ax.get_title() == "a: 2 tables per point, 2 slot(s) over 3 h (grey)"
    assert fig.get_suptitle().startswith("test: queue at each group's busiest point")
