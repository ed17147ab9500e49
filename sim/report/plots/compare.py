"""Plans side by side: every plan's cumulative counts on shared axes, and their waiting times."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.core.i18n import _
from sim.report.finished import RunData
from sim.report.plots.style import DEADLINE_STYLE, PALETTE, count_formatter, save


def _deadlines(ax, runs: list[RunData]) -> None:
    deadlines = {r.deadline_h for r in runs}
    if len(deadlines) == 1:
        ax.axvline(deadlines.pop(), **DEADLINE_STYLE, label=_("deadline"))
    else:
        for run, colour in zip(runs, PALETTE, strict=False):
            ax.axvline(
                run.deadline_h,
                color=colour,
                linestyle="--",
                linewidth=1.2,
                label=_("deadline, {label}").format(label=run.label),
            )


def compare_cumulative(runs: list[RunData], path: Path) -> Figure:
    """Cumulative residents sampled and reported, one colour per plan, mean with 95% band."""
    fig, axes = plt.subplots(2, 1, figsize=(10, 8.5), sharex=True)
    top = max(float(r.series["arrived"].mean(axis=0)[-1]) for r in runs)
    for ax, key, what in zip(
        axes,
        ("sampled", "results_reported"),
        (_("residents sampled"), _("pooled results reported (residents)")),
        strict=True,
    ):
        for run, colour in zip(runs, PALETTE, strict=False):
            band = run.series[key]
            ax.plot(run.t_h, band.mean(axis=0), color=colour, linewidth=2, label=run.label)
            if band.shape[0] > 1:
                ax.fill_between(
                    run.t_h,
                    np.percentile(band, 2.5, axis=0),
                    np.percentile(band, 97.5, axis=0),
                    color=colour,
                    alpha=0.18,
                    linewidth=0,
                )
        _deadlines(ax, runs)
        ax.yaxis.set_major_formatter(count_formatter(top))
        ax.set_ylabel(_("{what}\n(cumulative)").format(what=what))
        ax.set_ylim(0, top * 1.05 if top else 1)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=9)
    axes[1].set_xlabel(_("hours since the round's start"))
    reps = "/".join(str(r.series["sampled"].shape[0]) for r in runs)
    fig.suptitle(
        _(
            "Plans compared: residents sampled and results reported\n(mean of {reps} replications, band: 95% of "
            "replications)"
        ).format(reps=reps),
        fontsize=11,
    )
    save(fig, path)
    return fig


def compare_waits(runs: list[RunData], path: Path) -> Figure:
    """Waiting-time distributions of the plans side by side: the distribution, and the share waiting longer."""
    fig, (ax, tail) = plt.subplots(1, 2, figsize=(13, 5.5))
    longest = 0.0
    for run, colour in zip(runs, PALETTE, strict=False):
        counts = run.wait_hist.sum(axis=0)
        if not counts.sum():
            continue
        group = max(1, int(round(1.0 / run.wait_bin_min)))  # one-minute bins
        counts = np.add.reduceat(counts, np.arange(0, counts.size, group))
        edges = np.arange(counts.size + 1) * run.wait_bin_min * group
        share = counts / counts.sum()
        m = run.summary["metrics"]
        label = _("{label}: mean {mean:.1f} min, p95 {p95:.1f} min").format(
            label=run.label, mean=m["wait_mean_min"]["mean"], p95=m["wait_p95_min"]["mean"]
        )
        ax.stairs(share, edges, color=colour, linewidth=1.8, label=label)
        tail.plot(edges, np.concatenate(([1.0], 1 - np.cumsum(share))), color=colour, linewidth=1.8, label=run.label)
        longest = max(longest, edges[np.nonzero(counts)[0][-1] + 1])
    for a in (ax, tail):
        a.axvline(30, **{**DEADLINE_STYLE, "color": "#7f8c8d"}, label=_("30 min queue standard"))
        a.set_xlim(0, max(longest, 35))
        a.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        a.set_xlabel(_("time in the queue before sampling (minutes)"))
        a.grid(alpha=0.3)
    ax.set_ylabel(_("share of residents per minute of waiting"))
    ax.set_title(_("distribution"), fontsize=10)
    tail.set_ylabel(_("share of residents waiting longer"))
    tail.set_ylim(0, 1.02)
    tail.set_title(_("share waiting longer than the time on the axis"), fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    tail.legend(loc="upper right", fontsize=8)
    fig.suptitle(_("Plans compared: waiting time at sampling points (all replications)"), fontsize=11)
    save(fig, path)
    return fig
