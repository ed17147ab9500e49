import matplotlib.image as mpimg
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
            }
        ]
    }
    queues = {"a": (("a-0001", np.arange(100.0)), ("a-0001", np.ones(100)))}


def test_slots_plot(tmp_path):
    slots_plot(_Proposal(), Grid(0.0, 300.0), 12.0, "test", tmp_path / "s.png")
    assert mpimg.imread(tmp_path / "s.png").std() > 0.05
