"""A sweep's figure against the first swept key, one line per value of the others."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from sim.core.i18n import N_, _
from sim.report.plots.style import DEADLINE_STYLE, PALETTE, save

FIGURE_LABELS = {  # translated where shown
    "results_complete_h": N_("last pooled result (h since start)"),
    "sampling_complete_h": N_("sampling complete (h since start)"),
    "reported_by_deadline": N_("share of residents reported by the deadline"),
    "wait_mean_min": N_("mean wait (min)"),
    "wait_p95_min": N_("95th percentile wait (min)"),
    "max_queue": N_("longest queue (residents)"),
    "turnaround_mean_h": N_("mean swab-to-result (h)"),
}


def sweep_plot(settings, rows: list[dict], figure: str, path: Path) -> Figure:
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
        lo = np.array(
            [r[f"{figure}_ci95_low"] if r[f"{figure}_ci95_low"] is not None else np.nan for r in group], float
        )
        hi = np.array(
            [r[f"{figure}_ci95_high"] if r[f"{figure}_ci95_high"] is not None else np.nan for r in group], float
        )
        label = ", ".join(f"{s.key}={v}" for s, v in zip(others, combo, strict=True)) or None
        ax.errorbar(xs, ys, yerr=[ys - lo, hi - ys], color=colour, marker="o", capsize=4, linewidth=1.8, label=label)
    if figure in ("results_complete_h", "sampling_complete_h"):
        ax.axhline(
            rows[0]["deadline_h"], **DEADLINE_STYLE, label=_("deadline ({h:g} h)").format(h=rows[0]["deadline_h"])
        )
    ax.set_xticks(range(len(x_labels)), x_labels)
    ax.set_xlabel(first.key)
    ax.set_ylabel(_(FIGURE_LABELS.get(figure, figure)))
    ax.set_title(
        _("Sweep: {figure} against {key}\n(mean with 95% interval over replications)").format(
            figure=_(FIGURE_LABELS.get(figure, figure)), key=first.key
        ),
        fontsize=11,
    )
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=9)
    save(fig, path)
    return fig
