"""A status folder read at a time, whichever kind it is: a drill log (swabs.csv, tubes.csv) or counts
(points.csv, labs.csv). The one entry point for the forecast and the watch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sim.core.i18n import _
from sim.feeds.counts import from_counts
from sim.feeds.status import Status, StatusError, check_time, from_log
from sim.scenario.round import Round


def read_status(path: Path, rnd: Round, at: float, start: dt.datetime | None = None) -> Status:
    """The status in folder `path` at `at` (seconds on the round's clock; `start`: the scenario's start, for
    clock times): a drill log folder (swabs.csv, tubes.csv) or a counts folder (points.csv, labs.csv).
    Raises StatusError with every problem found, each at `file:line: column: message`."""
    check_time(rnd, at)
    path = Path(path)
    if not path.is_dir():
        raise StatusError([_("{folder}: no such folder").format(folder=path)])
    if (path / "swabs.csv").exists() or (path / "tubes.csv").exists():
        status = from_log(path, rnd, start, at)
    elif (path / "points.csv").exists() or (path / "labs.csv").exists():
        status = from_counts(path, rnd, start, at)
    else:
        raise StatusError(
            [
                _(
                    "{folder}: neither a drill log (swabs.csv, tubes.csv) nor counts (points.csv, labs.csv); see docs/forecast.md"
                ).format(folder=path)
            ]
        )
    return status
