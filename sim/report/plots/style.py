"""What every natsim plot shares: the non-interactive backend, colours, the deadline's line, count axes.

Every plot function saves its figure, closes it (pyplot forgets it) and returns it: the closed Figure keeps
its axes and artists, so a test can read what was drawn."""

from __future__ import annotations

import multiprocessing
import os

import matplotlib

matplotlib.use("Agg")
from matplotlib.ticker import FuncFormatter  # noqa: E402

from sim.report.fonts import use_cjk_in_matplotlib  # noqa: E402

use_cjk_in_matplotlib()  # names in scenarios may be Chinese

PALETTE = ("#2874a6", "#c0392b", "#1e8449", "#8e44ad", "#b9770e", "#17a589", "#5d6d7e")

DEADLINE_STYLE = {"color": "#c0392b", "linestyle": "--", "linewidth": 1.5}


def count_formatter(max_value: float) -> FuncFormatter:
    if max_value >= 2e6:
        return FuncFormatter(lambda v, _: f"{v / 1e6:g} M")
    if max_value >= 2e3:
        return FuncFormatter(lambda v, _: f"{v / 1e3:g} k")
    return FuncFormatter(lambda v, _: f"{v:g}")


FORK = True  # False: every plot in this process (tests that watch the drawing set it)


def draw_all(jobs: list[tuple]) -> None:
    """Draw plots, each `(function, *arguments)`. With two cores or more on a system that forks, a forked
    copy of this process draws the second half meanwhile: it has matplotlib and the figures' data already,
    so nothing is imported or sent again (plots are most of `natsim run`'s time after the simulation). A
    copy that fails leaves its half to be drawn here, where any error is raised as usual."""
    half = len(jobs) // 2
    if half == 0 or not FORK or not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
        _draw(jobs)
        return
    child = multiprocessing.get_context("fork").Process(target=_draw_quietly, args=(jobs[half:],))
    child.start()
    _draw(jobs[:half])
    child.join()
    if child.exitcode != 0:
        _draw(jobs[half:])


def _draw(jobs: list[tuple]) -> None:
    for fn, *args in jobs:
        fn(*args)


def _draw_quietly(jobs: list[tuple]) -> None:
    """The forked copy's work: a failure is reported by its exit status only (the parent draws it again)."""
    try:
        _draw(jobs)
    except Exception:  # noqa: BLE001 - any failure: the parent redraws and raises it
        os._exit(1)
