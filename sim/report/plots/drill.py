"""Drill review: observed durations against fitted candidates, and the drill against its plan."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from sim.core.fitting import CANDIDATES
from sim.report.plots.style import PALETTE


def fit_plot(samples: np.ndarray, fit, what: str, path: Path) -> None:
    """Observed durations against the fitted candidates, the chosen one bold."""
    seconds = np.asarray(samples, float)
    unit, scale = ("seconds", 1.0) if np.median(seconds) < 120 else ("minutes", 60.0)
    x = seconds / scale
    # Logs hold whole seconds: bins of whole seconds avoid empty stripes.
    width = max(1.0, math.ceil(np.quantile(seconds, 0.995) / 60))
    edges = np.arange(0, np.quantile(seconds, 0.995) + width, width) / scale
    fig, ax = plt.subplots(figsize=(10, 5.5))
    ax.hist(x, bins=edges, density=True, color="#aeb6bf", label=f"observed ({x.size:,} values)")
    grid = np.linspace(0, edges[-1], 300)
    for (name, (family, _)), colour in zip(CANDIDATES.items(), PALETTE, strict=False):
        params = fit.candidates[name]["params"]
        chosen = name == fit.kind
        mean = fit.candidates[name]["mean_s"] / scale
        ax.plot(
            grid,
            family.pdf(grid * scale, *params) * scale,
            color=colour,
            linewidth=2.5 if chosen else 1.2,
            linestyle="-" if chosen else "--",
            label=f"{name}: mean {mean:.3g} {unit}, AIC {fit.candidates[name]['aic']:,.0f}" + (" (chosen)" if chosen else ""),
        )
    ax.set_xlabel(f"{what} ({unit})")
    ax.set_ylabel(f"density (per {unit[:-1]})")
    ax.set_title(f"Drill review: {what}, observed and fitted (chosen by lowest AIC)", fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def drill_vs_plan(observed, simulated, path: Path) -> None:
    """The drill against its plan: swabs over time, and arrivals per hour (join times where logged)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.5))
    for log, name, colour, style in (
        (simulated, "plan (simulated)", "#2874a6", "-"),
        (observed, "drill (observed)", "#c0392b", "--"),
    ):
        t = np.sort(log.swabbed) / 3600
        left.plot(t, np.arange(1, t.size + 1), color=colour, linewidth=2, linestyle=style, label=name)
        arrivals = log.joined[~np.isnan(log.joined)] if np.isfinite(log.joined).any() else log.swabbed
        if arrivals.size:
            hours = np.floor(arrivals / 3600).astype(int)
            counts = np.bincount(hours - hours.min())
            edges = np.arange(hours.min(), hours.min() + counts.size + 1)
            right.stairs(counts, edges, color=colour, linewidth=2, linestyle=style, label=name)
    left.set_xlabel("hours since the round's start")
    left.set_ylabel("residents swabbed (cumulative)")
    left.set_title("swabs over time", fontsize=10)
    right.set_xlabel("hours since the round's start")
    right.set_ylabel("residents joining the queue per hour")
    right.set_title("arrivals per hour (join times where logged, else swab times)", fontsize=10)
    for a in (left, right):
        a.grid(alpha=0.3)
        a.legend(fontsize=9)
    fig.suptitle("Drill review: the drill against its plan", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
