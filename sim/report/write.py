"""A run's results folder: every file of results-v1 (and natsim's own), then the plots."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

import numpy as np

from sim.core.tables import write_columns, write_csv
from sim.engine.sampling import SERIES
from sim.report.bill import BILL_COLUMNS, bill_rows
from sim.report.folder import staged_folder
from sim.report.page import write_page
from sim.report.run_page import page as run_page
from sim.report.summary import COMPOUND_COLUMNS, LAB_COLUMNS, POINT_COLUMNS, ROUTE_COLUMNS, RunResult


def write_results(result: RunResult, out: Path, scenario_text: str, plot: bool = True) -> Path:
    """Write every file of results-v1 into `out`, the plots (unless `plot` is False), then report.html,
    atomically (see `staged_folder`)."""
    with staged_folder(out) as tmp:
        plots: AbstractContextManager[None] = nullcontext()
        if plot:
            from sim.report.plots import run as run_plots  # matplotlib only when plots are drawn (start-up time)

            plots = run_plots.plots_drawn(result, tmp)
        with _old_objects_left_alone(), plots:  # forked copies draw the plots while the files and tables are made
            (tmp / "scenario.yaml").write_text(scenario_text, encoding="utf-8")
            summary = result.summary()
            (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
            write_columns(tmp / "points.csv", POINT_COLUMNS, result.points_columns())
            write_csv(tmp / "bill.csv", BILL_COLUMNS, bill_rows(result.bill()))
            write_csv(tmp / "labs.csv", LAB_COLUMNS, result.labs_table())
            if result.rnd.routes:
                write_csv(tmp / "routes.csv", ROUTE_COLUMNS, result.routes_table())
            if result.rnd.places is not None:
                write_csv(tmp / "compounds.csv", COMPOUND_COLUMNS, result.compounds_table())
            tl = result.timeline()
            write_csv(tmp / "timeline.csv", ("t_h", *SERIES), zip(*tl.values(), strict=True))
            np.savez_compressed(tmp / "replications.npz", **result.replication_arrays())
            page = run_page(tmp)  # its plots are read when it is written, below
        write_page(page, tmp)
    return out


@contextmanager
def _old_objects_left_alone() -> Iterator[None]:
    """Garbage collections in the block (here and in the forked copies drawing the plots) leave the objects
    that exist when it starts alone: the run's and matplotlib's outlive the writing, and collecting through
    them was a third of the page's time."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
