"""Results folders: where a run's files go, and never over anything a planner already has.

Every command that writes a folder (run, compare, sweep, size, site, slots, drill plan and review, forecast)
takes its name from `default_results_dir` and refuses one that holds anything (a sweep: unless resumed). A
run (each sweep cell too), a comparison, a drill plan, a review and a forecast write through `staged_folder`,
so a folder of theirs that exists is whole; size, site, slots and a sweep's own folder are written in place.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from sim.core.i18n import _


class ResultsFolderError(Exception):
    """The results folder cannot be used (it exists and is not empty, or cannot be created)."""


def default_results_dir(scenario: Path, root: Path = Path("results")) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    base = root / scenario.stem / stamp
    out, k = base, 1
    while out.exists() or out.with_name(out.name + ".partial").exists():  # two runs in one second
        k += 1
        out = base.with_name(f"{stamp}-{k}")
    return out


def check_results_dir(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ResultsFolderError(
            _(
                "{folder} already exists and is not empty: natsim never overwrites results; "
                "choose another --out or leave it out for a new timestamped folder"
            ).format(folder=out)
        )


@contextmanager
def staged_folder(out: Path):
    """Yield a `<out>.partial` folder to write into; rename it to `out` only when the block completes,
    so a folder named `out` is always whole (an interrupted write leaves only `.partial`)."""
    check_results_dir(out)
    tmp = out.with_name(out.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    yield tmp
    if out.exists():
        out.rmdir()  # empty, as checked above
    os.replace(tmp, out)
