"""Plots for people: hours on the x axis, the deadline drawn, titles that say what is shown."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import FuncFormatter, PercentFormatter  # noqa: E402

from sim.results import RunResult  # noqa: E402

if TYPE_CHECKING:
    from sim.compare import RunData

PALETTE = ("#2874a6", "#c0392b", "#1e8449", "#8e44ad", "#b9770e", "#17a589", "#5d6d7e")

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
    if rnd.campaign:
        label = label.replace("the round's start", "the campaign's start")
    ax.set_xlabel(label)
    if deadline:
        for k in range(rnd.rounds):  # a campaign: each round's own deadline, labelled once
            at = rnd.deadline_of(k) / 3600
            text = f"deadline ({at:g} h)" if not rnd.campaign else "each round's deadline" if k == 0 else None
            ax.axvline(at, **DEADLINE_STYLE, label=text)
    for ev, colour in zip(rnd.events, ("#f5b041", "#85c1e9", "#c39bd3", "#a3e4d7", "#f1948a") * 20, strict=False):
        ax.axvspan(ev.start / 3600, ev.end / 3600, color=colour, alpha=0.25, linewidth=0, label=ev.label)
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


def plot_rounds(result: RunResult, path: Path) -> None:
    """A campaign: when each round's last result came, counted from the round's start, against the
    deadline every round has; the lab backlog each round inherits is written on its bar."""
    rnd = result.rnd
    rounds = np.arange(1, rnd.rounds + 1)
    done = np.array(
        [[r.rounds[k]["completion_after_start_h"] for r in result.reps] for k in range(rnd.rounds)], dtype=float
    )  # None (nobody came) becomes NaN
    backlog = [np.mean([r.rounds[k]["backlog_at_start_tubes"] for r in result.reps]) for k in range(rnd.rounds)]
    mean = np.nanmean(done, axis=1)
    late = mean > rnd.deadline / 3600 + 1e-9
    fig, ax = plt.subplots(figsize=(10, 5.5))
    ax.bar(rounds, mean, color=np.where(late, PALETTE[1], PALETTE[0]), width=0.6, label="last pooled result (mean)")
    if len(result.reps) > 1:
        ax.vlines(
            rounds,
            np.nanmin(done, axis=1),
            np.nanmax(done, axis=1),
            color="black",
            linewidth=1.5,
            label="range over replications",
        )
    ax.axhline(rnd.deadline / 3600, **DEADLINE_STYLE, label=f"deadline ({rnd.deadline / 3600:g} h after each round's start)")
    for x, y, b in zip(rounds, mean, backlog, strict=True):
        if b >= 0.5:
            ax.annotate(
                f"{b:,.0f} tubes carried over", (x, y), xytext=(0, 4), textcoords="offset points", ha="center", fontsize=8
            )
    ax.set_xticks(rounds)
    ax.set_xlabel(f"round (one every {rnd.every / 3600:g} h)")
    ax.set_ylabel("hours from the round's start to its last result")
    n = len(result.reps)
    note = "1 replication" if n == 1 else f"mean of {n} replications, black line: their range"
    ax.set_title(f"{rnd.name}: each round's completion against its deadline\n{note}; red bar: late on average")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def slots_plot(proposal, grid, deadline_h: float, name: str, path: Path) -> None:
    """`natsim slots` (a `sim.slots.Proposal`): the queue at each group's busiest point, now and called."""
    groups = [g for g in proposal.summary["groups"] if g["feasible"]][:6]
    fig, axes = plt.subplots(len(groups), 1, figsize=(10, 2.2 + 2.6 * len(groups)), squeeze=False, sharex=True)
    for ax, g in zip(axes[:, 0], groups, strict=True):
        (p0, without), (p1, with_) = proposal.queues[g["group"]]
        for series, colour, label in (
            (without, PALETTE[1], f"as the scenario has it ({p0})"),
            (with_, PALETTE[0], f"called in slots ({p1})"),
        ):
            ax.plot(grid.times(series.size) / 3600, series, color=colour, linewidth=1.8, label=label)
        for j, s in enumerate(g["slots"]):  # alternate shades so neighbouring slots can be told apart
            ax.axvspan(s["from_h"], s["to_h"], color="#d5dbdb", alpha=0.35 if j % 2 else 0.15, linewidth=0)
        ax.axvline(deadline_h, **DEADLINE_STYLE, label=f"deadline ({deadline_h:g} h)")
        ax.set_ylabel("residents waiting")
        what = f"{len(g['slots'])} slot(s) over {g['calling_span_h']:g} h (grey)"
        ax.set_title(f"{g['group']}: {g['tables_per_point']} tables per point, {what}", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper right")
    axes[-1, 0].set_xlabel("hours since the round's start")
    fig.suptitle(f"{name}: queue at each group's busiest point, without and with call slots\n(first of the fresh replications)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_all(result: RunResult, folder: Path) -> None:
    plot_cumulative(result, folder / "cumulative.png")
    plot_queues(result, folder / "queues.png")
    plot_waits(result, folder / "waits.png")
    plot_utilisation(result, folder / "utilisation.png")
    if result.rnd.campaign:
        plot_rounds(result, folder / "rounds.png")


def _deadlines(ax, runs: list[RunData]) -> None:
    deadlines = {r.deadline_h for r in runs}
    if len(deadlines) == 1:
        ax.axvline(deadlines.pop(), **DEADLINE_STYLE, label="deadline")
    else:
        for run, colour in zip(runs, PALETTE, strict=False):
            ax.axvline(run.deadline_h, color=colour, linestyle="--", linewidth=1.2, label=f"deadline, {run.label}")


def compare_cumulative(runs: list[RunData], path: Path) -> None:
    """Cumulative residents sampled and reported, one colour per plan, mean with 95% band."""
    fig, axes = plt.subplots(2, 1, figsize=(10, 8.5), sharex=True)
    top = max(float(r.series["arrived"].mean(axis=0)[-1]) for r in runs)
    for ax, key, what in zip(
        axes, ("sampled", "results_reported"), ("residents sampled", "pooled results reported (residents)"), strict=True
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
        ax.yaxis.set_major_formatter(_count_formatter(top))
        ax.set_ylabel(f"{what}\n(cumulative)")
        ax.set_ylim(0, top * 1.05 if top else 1)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=9)
    axes[1].set_xlabel("hours since the round's start")
    reps = "/".join(str(r.series["sampled"].shape[0]) for r in runs)
    fig.suptitle(
        f"Plans compared: residents sampled and results reported\n(mean of {reps} replications, band: 95% of replications)",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def compare_waits(runs: list[RunData], path: Path) -> None:
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
        label = f"{run.label}: mean {m['wait_mean_min']['mean']:.1f} min, p95 {m['wait_p95_min']['mean']:.1f} min"
        ax.stairs(share, edges, color=colour, linewidth=1.8, label=label)
        tail.plot(edges, np.concatenate(([1.0], 1 - np.cumsum(share))), color=colour, linewidth=1.8, label=run.label)
        longest = max(longest, edges[np.nonzero(counts)[0][-1] + 1])
    for a in (ax, tail):
        a.axvline(30, **{**DEADLINE_STYLE, "color": "#7f8c8d"}, label="30 min queue standard")
        a.set_xlim(0, max(longest, 35))
        a.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        a.set_xlabel("time in the queue before sampling (minutes)")
        a.grid(alpha=0.3)
    ax.set_ylabel("share of residents per minute of waiting")
    ax.set_title("distribution", fontsize=10)
    tail.set_ylabel("share of residents waiting longer")
    tail.set_ylim(0, 1.02)
    tail.set_title("share waiting longer than the time on the axis", fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    tail.legend(loc="upper right", fontsize=8)
    fig.suptitle("Plans compared: waiting time at sampling points (all replications)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


FIGURE_LABELS = {
    "results_complete_h": "last pooled result (h since start)",
    "sampling_complete_h": "sampling complete (h since start)",
    "reported_by_deadline": "share of residents reported by the deadline",
    "wait_mean_min": "mean wait (min)",
    "wait_p95_min": "95th percentile wait (min)",
    "max_queue": "longest queue (residents)",
    "turnaround_mean_h": "mean swab-to-result (h)",
}


def sweep_plot(settings, rows: list[dict], figure: str, path: Path) -> None:
    """The chosen figure against the first swept key; one line per combination of the others."""
    first, others = settings[0], settings[1:]
    x_labels = list(first.texts)
    fig, ax = plt.subplots(figsize=(10, 5.5))
    combos: dict[tuple, list[dict]] = {}
    for row in rows:
        combos.setdefault(tuple(row[s.key] for s in others), []).append(row)
    for k, ((combo, group), colour) in enumerate(zip(combos.items(), PALETTE * 10, strict=False)):
        dodge = (k - (len(combos) - 1) / 2) * 0.06  # series that coincide stay visible side by side
        xs = [x_labels.index(r[first.key]) + dodge for r in group]
        ys = np.array([r[figure] if r[figure] is not None else np.nan for r in group], float)
        lo = np.array([r[f"{figure}_ci95_low"] if r[f"{figure}_ci95_low"] is not None else np.nan for r in group], float)
        hi = np.array([r[f"{figure}_ci95_high"] if r[f"{figure}_ci95_high"] is not None else np.nan for r in group], float)
        label = ", ".join(f"{s.key}={v}" for s, v in zip(others, combo, strict=True)) or None
        ax.errorbar(xs, ys, yerr=[ys - lo, hi - ys], color=colour, marker="o", capsize=4, linewidth=1.8, label=label)
    if figure in ("results_complete_h", "sampling_complete_h"):
        ax.axhline(rows[0]["deadline_h"], **DEADLINE_STYLE, label=f"deadline ({rows[0]['deadline_h']:g} h)")
    ax.set_xticks(range(len(x_labels)), x_labels)
    ax.set_xlabel(first.key)
    ax.set_ylabel(FIGURE_LABELS.get(figure, figure))
    ax.set_title(
        f"Sweep: {FIGURE_LABELS.get(figure, figure)} against {first.key}\n(mean with 95% interval over replications)", fontsize=11
    )
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def fit_plot(samples: np.ndarray, fit, what: str, path: Path) -> None:
    """Observed durations against the fitted candidates, the chosen one bold."""
    from sim.drill import CANDIDATES

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
