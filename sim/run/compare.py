"""Plans side by side: key figures with intervals, differences to the first plan, overlay plots.

Runs compared here come either from fresh replications (`RunData.from_result`) or from finished
results folders (`RunData.from_folder`, which reads summary.json and replications.npz).
"""

from __future__ import annotations

from pathlib import Path

from sim.core.i18n import N_, _
from sim.core.stats import diff_ci95, proportion_ci95, summarize
from sim.core.tables import write_csv
from sim.report.finished import RunData
from sim.report.folder import staged_folder
from sim.report.page import Page, folder_page, read_csv, write_page

KEY_FIGURES = {  # translated where shown
    "deadline_met": N_("deadline met (share of replications)"),
    "results_complete_h": N_("last pooled result (h)"),
    "sampling_complete_h": N_("sampling complete (h)"),
    "reported_by_deadline": N_("residents reported by the deadline (share)"),
    "wait_mean_min": N_("mean wait (min)"),
    "wait_p95_min": N_("95th percentile wait (min)"),
    "max_queue": N_("longest queue (residents)"),
    "turnaround_mean_h": N_("mean swab-to-result (h)"),
    "pickup_wait_mean_h": N_("tubes' wait for pickup (h)"),
    "tubes": N_("pooled tubes"),
    "plates": N_("plates"),
    "identified_mean_h": N_("positives identified after (h)"),
    "tubes_sent_on": N_("tubes sent on by trunk to other labs"),
}


SHARES = ("deadline_met",)  # figures that are 0 or 1 in each replication
BOUNDED = ("reported_by_deadline",)  # figures that are a share in each replication


def comparison_rows(runs: list[RunData]) -> list[dict]:
    """One row per key figure: each run's mean and interval, and each run's difference to the first."""
    base = runs[0]
    rows = []
    for fig, title in KEY_FIGURES.items():
        row: dict = {"figure": fig, "description": title}
        for i, run in enumerate(runs):
            s = summarize(run.values(fig))
            row[f"mean_{i}"] = s["mean"]
            # A share of replications is a proportion: an exact binomial interval, never a t interval.
            row[f"ci95_{i}"] = proportion_ci95(run.values(fig)) if fig in SHARES else _within(fig, s["ci95"])
            if i:
                a, b = base.values(fig), run.values(fig)
                if a and b:
                    paired = _paired(base, run) and len(a) == len(b)
                    d, ci = diff_ci95(a, b, paired)
                    row[f"diff_{i}"], row[f"diff_ci95_{i}"], row[f"paired_{i}"] = (
                        d,
                        None if fig in SHARES else ci,
                        paired,
                    )
        rows.append(row)
    return rows


def _within(fig: str, ci: list[float] | None) -> list[float] | None:
    """A share of residents (a mean of shares) keeps its t interval, but not beyond 0 and 1."""
    if ci is None or fig not in BOUNDED:
        return ci
    return [max(ci[0], 0.0), min(ci[1], 1.0)]


def _paired(a: RunData, b: RunData) -> bool:
    # Common random numbers: same seed, replication r of each drew from the same streams.
    return a.summary.get("seed") == b.summary.get("seed")


def _num(v: float | None, digits: int = 3) -> str:
    return "-" if v is None else f"{v:.{digits}g}" if abs(v) < 1000 else f"{v:,.0f}"


def _interval(mean, ci) -> str:
    if mean is None:
        return "-"
    if ci is None or ci[0] == ci[1]:
        return _num(mean)
    return f"{_num(mean)} [{_num(ci[0])}, {_num(ci[1])}]"


def format_table(runs: list[RunData], rows: list[dict]) -> str:
    head = [_("figure"), *(r.label for r in runs), *(f"{r.label} - {runs[0].label}" for r in runs[1:])]
    body = []
    for row in rows:
        cells = [_(KEY_FIGURES[row["figure"]])]
        cells += [_interval(row[f"mean_{i}"], row[f"ci95_{i}"]) for i in range(len(runs))]
        cells += [_interval(row.get(f"diff_{i}"), row.get(f"diff_ci95_{i}")) for i in range(1, len(runs))]
        body.append(cells)
    widths = [max(len(str(c)) for c in col) for col in zip(head, *body, strict=True)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in (head, *body)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if all(_paired(runs[0], r) for r in runs[1:]):
        note = _("Means with 95% intervals; differences are paired replication by replication (common random numbers).")
    else:
        note = _(
            "Means with 95% intervals; differences are paired replication by replication (common random numbers) "
            "where the seeds match, otherwise Welch intervals."
        )
    return "\n".join(lines) + "\n" + note


def write_comparison(runs: list[RunData], out: Path) -> Path:
    rows = comparison_rows(runs)
    columns = (
        "figure",
        "scenario",
        "mean",
        "ci95_low",
        "ci95_high",
        "diff_to_first",
        "diff_ci95_low",
        "diff_ci95_high",
        "paired",
    )
    lines = []
    for row in rows:
        for i, run in enumerate(runs):
            ci = row[f"ci95_{i}"] or [None, None]
            dci = row.get(f"diff_ci95_{i}") or (None, None)
            lines.append(
                (
                    row["figure"],
                    run.label,
                    row[f"mean_{i}"],
                    *ci,
                    row.get(f"diff_{i}"),
                    *dci,
                    row.get(f"paired_{i}", ""),
                )
            )
    with staged_folder(out) as tmp:
        write_csv(tmp / "comparison.csv", columns, lines)
        (tmp / "comparison.txt").write_text(format_table(runs, rows) + "\n", encoding="utf-8")
        from sim.report.plots import compare as plots  # matplotlib only when drawing (start-up time)

        plots.compare_cumulative(runs, tmp / "compare_cumulative.png")
        plots.compare_waits(runs, tmp / "compare_waits.png")
        write_page(page(tmp), tmp)
    return out


def page(folder: Path) -> Page:
    """report.html of a comparison: the table printed, the plots, the figures per scenario."""
    text = (folder / "comparison.txt").read_text(encoding="utf-8")
    tables = [(_("Figures per scenario"), "comparison.csv", None)]
    rows = read_csv(folder / "comparison.csv")
    plans = list(dict.fromkeys(row["scenario"] for row in rows)) or [folder.name]
    return folder_page(folder, _("Comparison: {name}").format(name=_(" / ").join(plans)), text, tables)


def unique_labels(labels: list[str], fallbacks: list[str]) -> list[str]:
    """Scenario names, or the file/folder names where two scenarios share a name."""
    return labels if len(set(labels)) == len(labels) else fallbacks
