"""`natsim forecast`: what happened up to TIME, the plan, and the forecast band after TIME."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from sim.core.i18n import N_, _
from sim.report.plots.style import DEADLINE_STYLE, PALETTE, count_formatter

CURVES = (("sampled", N_("residents sampled")), ("tubes_reported", N_("tubes reported")))


def forecast_plot(result: dict, future: dict, name: str, path: Path) -> Figure:
    """Two panels, residents sampled and tubes reported, cumulative: the past as the status knows it (black:
    a log's own history; counts as points at the times they were counted, joined by lines), the plan's mean
    (grey, dashed), the forecast's median and its 2.5-97.5% band across replications (blue) after TIME."""
    fig = forecast_figure(result, future, name)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return fig


def forecast_figure(result: dict, future: dict, name: str) -> plt.Figure:
    """The figure `forecast_plot` saves."""
    at, deadline = result["at_h"], result["deadline_h"]
    past = result["past_curves"]
    fig, axes = plt.subplots(2, 1, figsize=(10, 7.5), sharex=True)
    for ax, (key, label) in zip(axes, CURVES, strict=True):
        f = future[key]
        t = f["times_h"]
        after = t >= at
        band = f["forecast"][:, after]
        ax.plot(t, f["plan"], color="#7f8c8d", linestyle=":", linewidth=1.6, label=_("the plan (mean of its runs)"))
        ax.fill_between(
            t[after],
            np.quantile(band, 0.025, axis=0),
            np.quantile(band, 0.975, axis=0),
            color=PALETTE[0],
            alpha=0.25,
            linewidth=0,
            label=_("forecast, 95% of replications"),
        )
        ax.plot(t[after], np.median(band, axis=0), color=PALETTE[0], linewidth=1.8, label=_("forecast, median"))
        known = past[key]
        if past["drawn"] == "points":
            ax.plot(
                known["times_h"], known["counts"], color="black", linewidth=1.6, marker="o", label=_("counted (status)")
            )
        else:
            ax.plot(known["times_h"], known["counts"], color="black", linewidth=2.2, label=_("so far (status)"))
        ax.axvline(at, color="#5d6d7e", linewidth=1.2, label=_("now ({h:.1f} h)").format(h=at))
        ax.axvline(deadline, **DEADLINE_STYLE, label=_("deadline ({h:g} h)").format(h=deadline))
        top = max(float(np.nanmax(f["plan"])), float(band.max()) if band.size else 0.0, 1.0)
        ax.yaxis.set_major_formatter(count_formatter(top))
        ax.set_ylabel(_(label))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    axes[-1].set_xlabel(_("hours since the round's start"))
    axes[-1].set_xlim(min(t[0], 0.0), max(deadline * 1.1, float(result["last_result_h"]["mean"] or 0) * 1.05))
    p = result["deadline_met_probability"]
    fig.suptitle(
        _(
            "{name}: forecast at {at:.1f} h, deadline met with probability {p:.0%}\n"
            "(residents sampled and tubes reported, cumulative)"
        ).format(name=name, at=at, p=p)
    )
    fig.tight_layout()
    return fig
