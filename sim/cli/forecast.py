"""`natsim forecast`: from a status during the round, the outlook for the deadline and what help would change."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.cli.common import DaskOpt, JobsOpt, ScenarioArg, checked, fail, load, progress_bar, results_dir
from sim.core.i18n import _


def forecast(
    scenario: ScenarioArg,
    status: Annotated[
        Path,
        typer.Argument(
            help="A drill log folder (swabs.csv, tubes.csv) or a counts folder (points.csv, labs.csv); see "
            "docs/forecast.md.",
            show_default=False,
        ),
    ],
    at: Annotated[
        str,
        typer.Option(
            "--at",
            help="When the status was read: a time of day (14:00), date and time (2022-04-18T14:00), or time since "
            "start (7h).",
        ),
    ],
    replications: Annotated[
        int, typer.Option("--replications", "-r", min=2, help="Replications from the status on.")
    ] = 20,
    add: Annotated[
        Optional[list[str]],
        typer.Option(
            "--add",
            help="An option to weigh, repeatable: vehicles.LAB=N, extractors.LAB=N, pcr_machines.LAB=N, tables.NAME=N.",
        ),
    ] = None,
    out: Annotated[
        Optional[Path], typer.Option("--out", help="Folder. Default: results/<scenario>/forecast-<UTC time>/.")
    ] = None,
    jobs: JobsOpt = 1,
    dask: DaskOpt = None,
) -> None:
    """Forecast the rest of the round from a status: will every result be in by the deadline, which points and
    labs are behind the plan, and what each --add option would change (same random numbers for every option)."""
    from sim.core.durations import DurationError
    from sim.feeds.log import DrillLogError, parse_time
    from sim.feeds.read import read_status
    from sim.feeds.status import StatusError
    from sim.forecast.outlook import ForecastError, parse_adds, run_forecast
    from sim.forecast.report import format_forecast, write_forecast

    loaded, rnd = load(scenario)
    try:
        when = parse_time(at, loaded.spec.start)
    except (ValueError, DurationError, OverflowError) as exc:
        fail(_("--at {text}: {error}").format(text=at, error=exc))
    if when != when:  # NaN: empty
        fail(_("--at: give the time the status was read"))
    if not status.is_dir():
        fail(_("{folder}: no such folder").format(folder=status))
    target = results_dir(scenario, out, "forecast-")
    try:
        options = parse_adds(add or [], rnd)
        state = read_status(status, rnd, when, loaded.spec.start)
        with progress_bar(replications * (1 + len(options)), _("forecast")) as progress:
            result = checked(run_forecast, rnd, state, replications, options, jobs=jobs, dask=dask, progress=progress)
    except (StatusError, DrillLogError, ForecastError) as exc:
        fail(str(exc))
    checked(write_forecast, result, rnd, state, loaded.text, target)
    typer.echo(_("Forecast: {folder} (forecast.json, forecast.png, report.html)").format(folder=target))
    if state.set_aside:
        typer.echo(_("{n} row(s) of the log set aside (set_aside.csv).").format(n=len(state.set_aside)))
    typer.echo(format_forecast(result))
