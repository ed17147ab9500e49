"""Plots for people: hours on the x axis, the deadline drawn, titles that say what is shown."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import FuncFormatter, PercentFormatter  # noqa: E402

from sim.results import RunResult  # noqa: E402

DEADLINE_STYLE = {"color": "#c0392b", "linestyle": "--", "linewidth": 1.5}


def _count_formatter(max_value: float) -> FuncFormatter:
    if max_value >= 2e6:
        return FuncFormatter(lambda v, _: f"{v / 1e6:g} M")
    if max_value >= 2e3:
        return FuncFormatter(lambda v, _: f"{v / 1e3:g} k")
    return FuncFormatter(lambda v, _: f"{v:g}")


def _time_axis(ax, result: RunResult, deadline: bool = True) -> None:
    rnd = result.rnd
    label = "hours since the round's start"
    if rnd.start_label:
        label += f" (0 h = {rnd.start_label.replace('T', ' ')})"
    ax.set_xlabel(label)
    if deadline:
        ax.axvline(rnd.deadline / 3600, **DEADLINE_STYLE, label=f"deadline ({rnd.deadline / 3600:g} h)")
    ax.grid(alpha=0.3)


def _reps_note(result: RunResult) -> str:
    n = len(result.reps)
    return "1 replication" if n == 1 else f"mean of {n} replications, band: 95% of replications"


def plot_cumulative(result: RunResult, path: Path) -> None:
    tl = result.timeline()
    fig, ax = plt.subplots(figsize=(10, 5.5))
    colours = {"arrived": "#7f8c8d", "sampled": "#2874a6", "results_reported": "#1e8449"}
    labels = {
        "arrived": "residents arrived",
        "sampled": "residents sampled",
        "results_reported": "pooled results reported (residents)",
    }
    for k in ("arrived", "sampled", "results_reported"):
        ax.plot(tl["t_h"], tl[k], color=colours[k], label=labels[k], linewidth=2 if k != "arrived" else 1)
        if len(result.reps) > 1:
            band = result.cumulative_band(k)
            ax.fill_between(
                tl["t_h"],
                np.percentile(band, 2.5, axis=0),
                np.percentile(band, 97.5, axis=0),
                color=colours[k],
                alpha=0.2,
                linewidth=0,
            )
    total = float(tl["arrived"][-1])
    ax.axhline(total, color="#7f8c8d", linewidth=0.8, linestyle=":")
    ax.yaxis.set_major_formatter(_count_formatter(total))
    ax.set_ylabel("residents (cumulative)")
    _time_axis(ax, result)
    s = result.summary()["metrics"]["results_complete_h"]["mean"]
    ax.set_title(
        f"{result.rnd.name}: residents sampled and results reported\nlast pooled result at {s:.1f} h; {_reps_note(result)}",
        fontsize=11,
    )
    ax.legend(loc="lower right")
    ax.set_ylim(0, total * 1.05 if total else 1)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_queues(result: RunResult, path: Path) -> None:
    rep = result.reps[0]
    fig, ax = plt.subplots(figsize=(10, 5.5))
    for q, name, series in rep.busiest:
        ax.step(result.grid.times(series.size) / 3600, series, where="post", label=f"{name} (max {q})")
    _time_axis(ax, result)
    ax.set_ylabel("residents waiting in the queue")
    ax.set_title(f"{result.rnd.name}: queue length at the {len(rep.busiest)} busiest points (replication 1)", fontsize=11)
    ax.legend(loc="upper right", fontsize=9)
    ax.set_ylim(bottom=0)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_waits(result: RunResult, path: Path) -> None:
    edges, counts = result.wait_histogram()
    group = max(1, -(-counts.size // 60))  # about 60 bars, whatever the longest wait
    counts = np.add.reduceat(counts, np.arange(0, counts.size, group))
    edges = edges[::group]
    total = counts.sum()
    fig, ax = plt.subplots(figsize=(10, 5.5))
    if total:
        share = counts / total
        width = edges[1] - edges[0] if edges.size > 1 else 0.5
        ax.bar(edges, share, width=width, align="edge", color="#2874a6", alpha=0.8, label="share of residents")
        m = result.summary()["metrics"]
        ax.axvline(m["wait_mean_min"]["mean"], color="#1e8449", linewidth=1.5, label=f"mean {m['wait_mean_min']['mean']:.1f} min")
        ax.axvline(
            m["wait_p95_min"]["mean"],
            color="#b9770e",
            linewidth=1.5,
            label=f"95th percentile {m['wait_p95_min']['mean']:.1f} min",
        )
        ax.axvline(30, **{**DEADLINE_STYLE, "color": "#7f8c8d"}, label="30 min queue standard")
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
        ax.set_xlim(0, max(edges[np.nonzero(counts)[0][-1]] + width, 35))
    ax.set_xlabel("time in the queue before sampling (minutes)")
    ax.set_ylabel("share of residents")
    ax.set_title(f"{result.rnd.name}: waiting time at sampling points ({_reps_note(result).split(',')[0]})", fontsize=11)
    ax.legend(loc="upper right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_utilisation(result: RunResult, path: Path) -> None:
    util = result.utilisation()
    t = result.grid.times(result.rows()) / 3600
    totals = result.summary()["plan"]
    fig, ax = plt.subplots(figsize=(10, 5.5))
    names = {"vehicles": "vehicles", "extractors": "extraction instruments", "pcr_machines": "PCR machines"}
    for k, colour in zip(util, ("#8e44ad", "#2874a6", "#1e8449"), strict=True):
        ax.plot(t, util[k], color=colour, label=f"{names[k]} ({totals[k]:,})", linewidth=1.6)
    _time_axis(ax, result)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("busy share of all labs' capacity")
    ax.set_title(f"{result.rnd.name}: vehicle and lab utilisation ({_reps_note(result).split(',')[0]})", fontsize=11)
    ax.legend(loc="lower center", ncols=2, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_all(result: RunResult, folder: Path) -> None:
    plot_cumulative(result, folder / "cumulative.png")
    plot_queues(result, folder / "queues.png")
    plot_waits(result, folder / "waits.png")
    plot_utilisation(result, folder / "utilisation.png")
