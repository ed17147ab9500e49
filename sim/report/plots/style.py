"""What every natsim plot shares: the non-interactive backend, colours, the deadline's line, count axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
from matplotlib.ticker import FuncFormatter  # noqa: E402

from sim.report.fonts import use_cjk_in_matplotlib  # noqa: E402

use_cjk_in_matplotlib()  # names in scenarios may be Chinese

PALETTE = ("#2874a6", "#c0392b", "#1e8449", "#8e44ad", "#b9770e", "#17a589", "#5d6d7e")

DEADLINE_STYLE = {"color": "#c0392b", "linestyle": "--", "linewidth": 1.5}


def count_formatter(max_value: float) -> FuncFormatter:
    if max_value >= 2e6:
        return FuncFormatter(lambda v, _: f"{v / 1e6:g} M")
    if max_value >= 2e3:
        return FuncFormatter(lambda v, _: f"{v / 1e3:g} k")
    return FuncFormatter(lambda v, _: f"{v:g}")
