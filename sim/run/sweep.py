"""A grid of variations of one scenario: `--set points.0.tables=2,3,4 --set transport.pickup_interval=30m,1h`.

Each cell is the scenario with those keys changed, validated like any scenario file, run, and written
to its own sub-folder; `sweep.csv` has one row per cell. A re-run with `resume=True` reuses the cells
whose folders are complete.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sim.core.i18n import _
from sim.core.tables import write_csv
from sim.report.page import Page, folder_page, write_page
from sim.report.summary import RunResult
from sim.report.write import write_results
from sim.scenario.build import build_round
from sim.scenario.edit import EditError, edit_scenario, set_key
from sim.scenario.load import parse_scenario

SWEEP_FIGURES = (
    "results_complete_h",
    "sampling_complete_h",
    "reported_by_deadline",
    "wait_mean_min",
    "wait_p95_min",
    "max_queue",
    "turnaround_mean_h",
)


class SweepError(Exception):
    """A --set that does not fit the scenario."""


@dataclass(frozen=True)
class Setting:
    key: str  # as the planner wrote it, e.g. points.0.tables
    path: tuple[str | int, ...]
    values: tuple[Any, ...]
    texts: tuple[str, ...]  # the values as written, for folder names and tables


def _split_values(text: str) -> list[str]:
    """Split on commas outside braces and brackets, so a distribution can be a value."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += 1 if ch in "{[" else -1 if ch in "}]" else 0
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return [p for p in parts if p]


def parse_setting(spec: str) -> Setting:
    key, sep, rest = spec.partition("=")
    if not sep or not key or not rest:
        raise SweepError(_("--set {spec!r}: write KEY=VALUE[,VALUE...], e.g. points.0.tables=2,3,4").format(spec=spec))
    path = tuple(int(p) if p.isdigit() else p for p in key.split("."))
    texts = _split_values(rest)
    try:
        values = tuple(yaml.safe_load(t) for t in texts)
    except yaml.YAMLError as exc:
        raise SweepError(
            _("--set {key}: cannot read the values {rest!r}: {error}").format(key=key, rest=rest, error=exc)
        ) from None
    return Setting(key, path, values, tuple(texts))


def cells(settings: list[Setting]) -> list[tuple[tuple[Any, str], ...]]:
    return list(itertools.product(*(list(zip(s.values, s.texts, strict=True)) for s in settings)))


def cell_name(settings: list[Setting], cell) -> str:
    return "_".join(
        f"{s.key}={text}".replace("/", "-").replace(" ", "") for s, (_value, text) in zip(settings, cell, strict=True)
    )


def cell_scenario(text: str, source: Path, settings: list[Setting], cell) -> tuple[str, Any]:
    def change(data: dict) -> None:
        for s, (value, _text) in zip(settings, cell, strict=True):
            try:
                set_key(data, s.path, value)
            except EditError as exc:
                raise SweepError(_("--set {key}: {error}").format(key=s.key, error=exc)) from None

    cell_text = edit_scenario(text, change)
    label = f"{source} with " + ", ".join(f"{s.key}={t}" for s, (_value, t) in zip(settings, cell, strict=True))
    loaded = parse_scenario(cell_text, file=label, base=source.parent, path=source)
    return cell_text, build_round(loaded)


def run_sweep(
    source: Path,
    text: str,
    settings: list[Setting],
    out: Path,
    run: Callable[[Any], RunResult],
    *,
    resume: bool = False,
    plot_figure: str = "results_complete_h",
    on_cell: Callable[[str, bool], None] | None = None,
) -> Path:
    """Run every cell (or reuse it when resuming), write sweep.csv, sweep.png and report.html into `out`."""
    if out.exists() and any(out.iterdir()) and not resume:
        raise SweepError(
            _("{folder} already exists and is not empty: use --resume to finish that sweep, or another --out").format(
                folder=out
            )
        )
    out.mkdir(parents=True, exist_ok=True)
    grid = cells(settings)
    prepared = [(cell, *cell_scenario(text, source, settings, cell)) for cell in grid]  # validate every cell first
    rows = []
    for cell, cell_text, rnd in prepared:
        folder = out / cell_name(settings, cell)
        done = (folder / "summary.json").exists()
        if not done:
            write_results(run(rnd), folder, cell_text)
        if on_cell:
            on_cell(folder.name, done)
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        rows.append(_row(settings, cell, folder.name, summary))
        _write_csv(out / "sweep.csv", settings, rows)
    from sim.report.plots import sweep as plots  # matplotlib only when drawing (start-up time)

    plots.sweep_plot(settings, rows, plot_figure, out / "sweep.png")
    write_page(page(out), out)
    return out


def page(folder: Path) -> Page:
    """report.html of a sweep: its plot and one row per cell (each cell's folder has its own page)."""
    text = _("One row per cell of the sweep; each cell's folder has its own report.html.")
    return folder_page(folder, _("Sweep: {name}").format(name=folder.name), text, [(_("Cells"), "sweep.csv", None)])


def _row(settings, cell, folder: str, summary: dict) -> dict:
    row: dict = {s.key: text for s, (_value, text) in zip(settings, cell, strict=True)}
    row["folder"] = folder
    row["deadline_h"] = summary["deadline_h"]
    row["deadline_met_fraction"] = summary["deadline_met_fraction"]
    row["replications"] = summary["replications"]
    for fig in SWEEP_FIGURES:
        m = summary["metrics"][fig]
        row[fig] = m["mean"]
        row[f"{fig}_ci95_low"], row[f"{fig}_ci95_high"] = m["ci95"] or (None, None)
    return row


def _write_csv(path: Path, settings, rows: list[dict]) -> None:
    cols = [s.key for s in settings] + ["folder", "replications", "deadline_h", "deadline_met_fraction"]
    cols += [c for fig in SWEEP_FIGURES for c in (fig, f"{fig}_ci95_low", f"{fig}_ci95_high")]
    write_csv(path, cols, rows)
