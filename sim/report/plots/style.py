"""What every natsim plot shares: the non-interactive backend, colours, the deadline's line, count axes.

Every plot function saves its figure, closes it (pyplot forgets it) and returns it: the closed Figure keeps
its axes and artists, so a test can read what was drawn."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from sim.report.fonts import use_cjk_in_matplotlib  # noqa: E402

use_cjk_in_matplotlib()  # names in scenarios may be Chinese

PALETTE = ("#2874a6", "#c0392b", "#1e8449", "#8e44ad", "#b9770e", "#17a589", "#5d6d7e")

DEADLINE_STYLE = {"color": "#c0392b", "linestyle": "--", "linewidth": 1.5}
DPI = 110


def save(fig: Figure, path: Path, **savefig) -> None:
    """Lay the figure out (tight), write its PNG and let pyplot forget it. The layout is computed once:
    savefig draws a figure that still has a layout engine (even a spent one) twice, for nothing."""
    fig.tight_layout()
    fig.set_layout_engine(None)
    fig.savefig(path, dpi=DPI, **savefig)
    plt.close(fig)


def count_formatter(max_value: float) -> FuncFormatter:
    if max_value >= 2e6:
        return FuncFormatter(lambda v, _: f"{v / 1e6:g} M")
    if max_value >= 2e3:
        return FuncFormatter(lambda v, _: f"{v / 1e3:g} k")
    return FuncFormatter(lambda v, _: f"{v:g}")


FORK = True  # False: every plot in this process (tests that watch the drawing set it)


@contextmanager
def drawing(jobs: list[tuple]) -> Iterator[None]:
    """Draw plots, each `(function, *arguments)`, while the block runs. With two cores or more on a system
    that forks, forked copies of this process draw them meanwhile, one share per core: they have matplotlib
    and the figures' data already, so nothing is imported or sent again, and the block's own work (the
    tables, the page) goes on beside them. A share whose copy fails is drawn here after the block, where any
    error is raised as usual. Otherwise every plot is drawn here after the block."""
    shares = _shares(jobs)
    children = []
    try:
        for share in shares:
            child = multiprocessing.get_context("fork").Process(target=_draw_quietly, args=(share,))
            child.start()
            children.append((child, share))
        yield
    finally:
        for child, _share in children:
            child.join()
    for child, share in children:
        if child.exitcode != 0:
            _draw(share)
    if not children:
        _draw(jobs)


def _shares(jobs: list[tuple]) -> list[list[tuple]]:
    """The jobs in consecutive shares, one per core (none: draw here); a first job, the slowest plot where
    there is one (the map), has the fewest beside it."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    k = min(cores, len(jobs))
    if k < 2 or not FORK or not hasattr(os, "fork"):
        return []
    sizes = [len(jobs) // k + (i >= k - len(jobs) % k) for i in range(k)]
    ends = [sum(sizes[: i + 1]) for i in range(k)]
    return [jobs[end - size : end] for size, end in zip(sizes, ends, strict=True)]


def _draw(jobs: list[tuple]) -> None:
    for fn, *args in jobs:
        fn(*args)


def _draw_quietly(jobs: list[tuple]) -> None:
    """A forked copy's work: a failure is reported by its exit status only (the parent draws it again)."""
    try:
        _draw(jobs)
    except Exception:  # noqa: BLE001 - any failure: the parent redraws and raises it
        os._exit(1)
