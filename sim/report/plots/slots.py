"""`natsim slots`: the queue at each group's busiest point, as the scenario has it and called in slots."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from sim.core.i18n import _
from sim.report.plots.style import DEADLINE_STYLE, PALETTE, save


def slots_plot(proposal, grid, deadline_h: float, name: str, path: Path) -> Figure:
    """`natsim slots` (a `sim.slots.Proposal`): the queue at each group's busiest point, now and called."""
    groups = [g for g in proposal.summary["groups"] if g["feasible"]][:6]
    fig, axes = plt.subplots(len(groups), 1, figsize=(10, 2.2 + 2.6 * len(groups)), squeeze=False, sharex=True)
    for ax, g in zip(axes[:, 0], groups, strict=True):
        (p0, without), (p1, with_) = proposal.queues[g["group"]]
        for series, colour, label in (
            (without, PALETTE[1], _("as the scenario has it ({point})").format(point=p0)),
            (with_, PALETTE[0], _("called in slots ({point})").format(point=p1)),
        ):
            ax.plot(grid.times(series.size) / 3600, series, color=colour, linewidth=1.8, label=label)
        for j, s in enumerate(g["slots"]):  # alternate shades so neighbouring slots can be told apart
            ax.axvspan(s["from_h"], s["to_h"], color="#d5dbdb", alpha=0.35 if j % 2 else 0.15, linewidth=0)
        ax.axvline(deadline_h, **DEADLINE_STYLE, label=_("deadline ({h:g} h)").format(h=deadline_h))
        ax.set_ylabel(_("residents waiting"))
        ax.set_title(
            _("{group}: {tables} tables per point, {n} slot(s) over {h:g} h (grey)").format(
                group=g["group"], tables=g["tables_per_point"], n=len(g["slots"]), h=g["calling_span_h"]
            ),
            fontsize=10,
        )
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper right")
    axes[-1, 0].set_xlabel(_("hours since the round's start"))
    fig.suptitle(
        _(
            "{name}: queue at each group's busiest point, without and with call slots\n(first of the fresh "
            "replications)"
        ).format(name=name)
    )
    save(fig, path)
    return fig
