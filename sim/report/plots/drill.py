"""Drill review: observed durations against fitted candidates, and the drill against its plan."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from sim.core.fitting import candidates
from sim.core.i18n import _
from sim.report.plots.style import PALETTE, save


def fit_plot(samples: np.ndarray, fit, what: str, path: Path) -> Figure:
    """Observed durations against the fitted candidates, the chosen one bold."""
    seconds = np.asarray(samples, float)
    minutes = np.median(seconds) >= 120
    unit, per, scale = (_("minutes"), _("per minute"), 60.0) if minutes else (_("seconds"), _("per second"), 1.0)
    x = seconds / scale
    # Logs hold whole seconds: bins of whole seconds avoid empty stripes.
    width = max(1.0, math.ceil(np.quantile(seconds, 0.995) / 60))
    edges = np.arange(0, np.quantile(seconds, 0.995) + width, width) / scale
    fig, ax = plt.subplots(figsize=(10, 5.5))
    ax.hist(x, bins=edges, density=True, color="#aeb6bf", label=_("observed ({n:,} values)").format(n=x.size))
    grid = np.linspace(0, edges[-1], 300)
    for (name, (family, _kind)), colour in zip(candidates().items(), PALETTE, strict=False):
        params = fit.candidates[name]["params"]
        chosen = name == fit.kind
        mean = fit.candidates[name]["mean_s"] / scale
        ax.plot(
            grid,
            family.pdf(grid * scale, *params) * scale,
            color=colour,
            linewidth=2.5 if chosen else 1.2,
            linestyle="-" if chosen else "--",
            label=_("{name}: mean {mean:.3g} {unit}, AIC {aic:,.0f}").format(
                name=name, mean=mean, unit=unit, aic=fit.candidates[name]["aic"]
            )
            + (_(" (chosen)") if chosen else ""),
        )
    ax.set_xlabel(_(what) + f" ({unit})")
    ax.set_ylabel(_("density ({per})").format(per=per))
    ax.set_title(
        _("Drill review: {what}, observed and fitted (chosen by lowest AIC)").format(what=_(what)), fontsize=11
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    save(fig, path)
    return fig


def drill_vs_plan(observed, simulated, path: Path) -> Figure:
    """The drill against its plan: swabs over time, and arrivals per hour (join times where logged)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.5))
    for log, name, colour, style in (
        (simulated, _("plan (simulated)"), "#2874a6", "-"),
        (observed, _("drill (observed)"), "#c0392b", "--"),
    ):
        t = np.sort(log.swabbed) / 3600
        left.plot(t, np.arange(1, t.size + 1), color=colour, linewidth=2, linestyle=style, label=name)
        arrivals = log.joined[~np.isnan(log.joined)] if np.isfinite(log.joined).any() else log.swabbed
        if arrivals.size:
            hours = np.floor(arrivals / 3600).astype(int)
            counts = np.bincount(hours - hours.min())
            edges = np.arange(hours.min(), hours.min() + counts.size + 1)
            right.stairs(counts, edges, color=colour, linewidth=2, linestyle=style, label=name)
    left.set_xlabel(_("hours since the round's start"))
    left.set_ylabel(_("residents swabbed (cumulative)"))
    left.set_title(_("swabs over time"), fontsize=10)
    right.set_xlabel(_("hours since the round's start"))
    right.set_ylabel(_("residents joining the queue per hour"))
    right.set_title(_("arrivals per hour (join times where logged, else swab times)"), fontsize=10)
    for a in (left, right):
        a.grid(alpha=0.3)
        a.legend(fontsize=9)
    fig.suptitle(_("Drill review: the drill against its plan"), fontsize=11)
    save(fig, path)
    return fig
