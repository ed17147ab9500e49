"""The run's plots: cumulative counts, queues at the busiest points, waits, utilisation, a campaign's rounds."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.core.i18n import _
from sim.report.plots.style import DEADLINE_STYLE, PALETTE, count_formatter, drawing, save
from sim.report.summary import RunResult


def _time_axis(ax, result: RunResult) -> None:
    """Hours on the x axis, every round's deadline, the round's events shaded."""
    rnd = result.rnd
    label = _("hours since the campaign's start") if rnd.campaign else _("hours since the round's start")
    if rnd.start_label:
        label += f" (0 h = {rnd.start_label.replace('T', ' ')})"
    ax.set_xlabel(label)
    for k in range(rnd.rounds):  # a campaign: each round's own deadline, labelled once
        at = rnd.deadline_of(k) / 3600
        once = _("each round's deadline") if k == 0 else None
        ax.axvline(at, **DEADLINE_STYLE, label=once if rnd.campaign else _("deadline ({h:g} h)").format(h=at))
    for ev, colour in zip(rnd.events, ("#f5b041", "#85c1e9", "#c39bd3", "#a3e4d7", "#f1948a") * 20, strict=False):
        ax.axvspan(ev.start / 3600, ev.end / 3600, color=colour, alpha=0.25, linewidth=0, label=ev.label)
    ax.grid(alpha=0.3)


def _reps_note(result: RunResult, band: bool = True) -> str:
    n = len(result.reps)
    if n == 1:
        return _("1 replication")
    return (_("mean of {n} replications, band: 95% of replications") if band else _("mean of {n} replications")).format(
        n=n
    )


def plot_cumulative(result: RunResult, path: Path) -> Figure:
    tl = result.timeline()
    fig, ax = plt.subplots(figsize=(10, 5.5))
    colours = {"arrived": "#7f8c8d", "sampled": "#2874a6", "results_reported": "#1e8449"}
    labels = {
        "arrived": _("residents arrived"),
        "sampled": _("residents sampled"),
        "results_reported": _("pooled results reported (residents)"),
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
    ax.yaxis.set_major_formatter(count_formatter(total))
    ax.set_ylabel(_("residents (cumulative)"))
    _time_axis(ax, result)
    s = result.summary()["metrics"]["results_complete_h"]["mean"]
    ax.set_title(
        _("{name}: residents sampled and results reported\nlast pooled result at {h:.1f} h; {note}").format(
            name=result.rnd.name, h=s, note=_reps_note(result)
        ),
        fontsize=11,
    )
    ax.legend(loc="lower right")
    ax.set_ylim(0, total * 1.05 if total else 1)
    save(fig, path)
    return fig


def plot_queues(result: RunResult, path: Path) -> Figure:
    rep = result.reps[0]
    fig, ax = plt.subplots(figsize=(10, 5.5))
    for q, name, series in rep.busiest:
        ax.step(
            result.grid.times(series.size) / 3600,
            series,
            where="post",
            label=_("{name} (max {q})").format(name=name, q=q),
        )
    _time_axis(ax, result)
    ax.set_ylabel(_("residents waiting in the queue"))
    ax.set_title(
        _("{name}: queue length at the {n} busiest points (replication 1)").format(
            name=result.rnd.name, n=len(rep.busiest)
        ),
        fontsize=11,
    )
    ax.legend(loc="upper right", fontsize=9)
    ax.set_ylim(bottom=0)
    save(fig, path)
    return fig


def plot_waits(result: RunResult, path: Path) -> Figure:
    edges, counts = result.wait_histogram()
    group = max(1, -(-counts.size // 60))  # about 60 bars, whatever the longest wait
    counts = np.add.reduceat(counts, np.arange(0, counts.size, group))
    edges = edges[::group]
    total = counts.sum()
    fig, ax = plt.subplots(figsize=(10, 5.5))
    if total:
        share = counts / total
        width = edges[1] - edges[0] if edges.size > 1 else 0.5
        ax.bar(edges, share, width=width, align="edge", color="#2874a6", alpha=0.8, label=_("share of residents"))
        m = result.summary()["metrics"]
        ax.axvline(
            m["wait_mean_min"]["mean"],
            color="#1e8449",
            linewidth=1.5,
            label=_("mean {m:.1f} min").format(m=m["wait_mean_min"]["mean"]),
        )
        ax.axvline(
            m["wait_p95_min"]["mean"],
            color="#b9770e",
            linewidth=1.5,
            label=_("95th percentile {m:.1f} min").format(m=m["wait_p95_min"]["mean"]),
        )
        ax.axvline(30, **{**DEADLINE_STYLE, "color": "#7f8c8d"}, label=_("30 min queue standard"))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
        ax.set_xlim(0, max(edges[np.nonzero(counts)[0][-1]] + width, 35))
    ax.set_xlabel(_("time in the queue before sampling (minutes)"))
    ax.set_ylabel(_("share of residents"))
    ax.set_title(
        _("{name}: waiting time at sampling points ({note})").format(
            name=result.rnd.name, note=_reps_note(result, band=False)
        ),
        fontsize=11,
    )
    ax.legend(loc="best")  # the bars may stand anywhere
    ax.grid(alpha=0.3)
    save(fig, path)
    return fig


def plot_utilisation(result: RunResult, path: Path) -> Figure:
    """Vehicles and instruments busy, all labs together; with several labs, each lab's PCR machines below."""
    util = result.utilisation()
    per_lab = result.lab_utilisation()
    t = result.grid.times(result.rows()) / 3600
    totals = result.summary()["plan"]
    rows = 2 if per_lab else 1
    fig, axes = plt.subplots(rows, 1, figsize=(10, 5.5 if rows == 1 else 9), sharex=True, squeeze=False)
    ax = axes[0, 0]
    names = {"vehicles": _("vehicles"), "extractors": _("extraction instruments"), "pcr_machines": _("PCR machines")}
    for k, colour in zip(util, ("#8e44ad", "#2874a6", "#1e8449"), strict=True):
        ax.plot(t, util[k], color=colour, label=f"{names[k]} ({totals[k]:,})", linewidth=1.6)
    _time_axis(ax, result)
    ax.set_ylabel(_("busy share of all labs' capacity"))
    ax.set_title(
        _("{name}: vehicle and lab utilisation ({note})").format(
            name=result.rnd.name, note=_reps_note(result, band=False)
        ),
        fontsize=11,
    )
    ax.legend(loc="lower center", ncols=2, fontsize=9)
    if per_lab:
        below = axes[1, 0]
        for (name, series), colour in zip(per_lab.items(), PALETTE * 10, strict=False):
            below.plot(t, series, color=colour, label=name, linewidth=1.6)
        _time_axis(below, result)
        below.set_ylabel(_("PCR machines busy, each lab"))
        below.set_title(_("each lab's PCR machines (the lab still busy last binds)"), fontsize=10)
        below.legend(loc="upper right", fontsize=9)
    for a in axes[:, 0]:
        a.yaxis.set_major_formatter(PercentFormatter(1.0))
        a.set_ylim(0, 1.05)
    save(fig, path)
    return fig


def plot_rounds(result: RunResult, path: Path) -> Figure:
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
    ax.bar(rounds, mean, color=np.where(late, PALETTE[1], PALETTE[0]), width=0.6, label=_("last pooled result (mean)"))
    if len(result.reps) > 1:
        ax.vlines(
            rounds,
            np.nanmin(done, axis=1),
            np.nanmax(done, axis=1),
            color="black",
            linewidth=1.5,
            label=_("range over replications"),
        )
    ax.axhline(
        rnd.deadline / 3600,
        **DEADLINE_STYLE,
        label=_("deadline ({h:g} h after each round's start)").format(h=rnd.deadline / 3600),
    )
    for x, y, b in zip(rounds, mean, backlog, strict=True):
        if b >= 0.5:
            ax.annotate(
                _("{n:,.0f} tubes carried over").format(n=b),
                (x, y),
                xytext=(0, 4),
                textcoords="offset points",
                ha="center",
                fontsize=8,
            )
    ax.set_xticks(rounds)
    ax.set_xlabel(_("round (one every {h:g} h)").format(h=rnd.every / 3600))
    ax.set_ylabel(_("hours from the round's start to its last result"))
    n = len(result.reps)
    note = _("1 replication") if n == 1 else _("mean of {n} replications, black line: their range").format(n=n)
    ax.set_title(
        _("{name}: each round's completion against its deadline\n{note}; red bar: late on average").format(
            name=rnd.name, note=note
        )
    )
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    save(fig, path)
    return fig


def plots_drawn(result: RunResult, folder: Path) -> AbstractContextManager[None]:
    """The run's plots, drawn into `folder` while the block runs (see `drawing`); all drawn when it ends."""
    jobs = [  # in shares of about equal time: utilisation (two panels) the slowest of these
        (plot_cumulative, result, folder / "cumulative.png"),
        (plot_utilisation, result, folder / "utilisation.png"),
        (plot_queues, result, folder / "queues.png"),
        (plot_waits, result, folder / "waits.png"),
    ]
    if result.rnd.campaign:
        jobs.append((plot_rounds, result, folder / "rounds.png"))
    if result.rnd.places is not None:
        from sim.report.plots.map import map_plot  # only a round on a map has one

        jobs.insert(0, (map_plot, result, folder / "map.png"))  # the slowest: first, in the smallest share
    return drawing(jobs)
