"""`natsim drill plan` and `natsim drill review`: run sheets before a drill, and its log against the plan after."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.cli.common import ScenarioArg, checked, fail, load, results_dir
from sim.core.i18n import _

drill_app = typer.Typer(
    help="Drills: run sheets before the drill, and a review of its log after.", no_args_is_help=True
)


@drill_app.command("plan")
def drill_plan(
    scenario: ScenarioArg,
    out: Annotated[
        Optional[Path],
        typer.Option("--out", help="Folder for the run sheets. Default: results/<scenario>/drill-plan-<UTC time>/."),
    ] = None,
    replications: Annotated[
        int, typer.Option("--replications", "-r", min=1, max=100, help="Replications averaged.")
    ] = 5,
) -> None:
    """Write run sheets for a drill: per point and hour, per lab and hour, and each table's pauses."""
    from sim.drill.sheets import FILES, busiest_hours, run_sheet, write_run_sheets

    _loaded, rnd = load(scenario)
    target = results_dir(scenario, out, "drill-plan-")
    sheets = run_sheet(rnd, replications)
    checked(write_run_sheets, sheets, target)
    typer.echo(_("Run sheets: {folder} ({files})").format(folder=target, files=", ".join(FILES.values())))
    typer.echo(busiest_hours(sheets))


@drill_app.command("review")
def drill_review(
    scenario: ScenarioArg,
    logdir: Annotated[
        Path,
        typer.Argument(help="Folder with the drill's swabs.csv and tubes.csv (docs/drill-log.md).", show_default=False),
    ],
    out: Annotated[
        Optional[Path], typer.Option("--out", help="Review folder. Default: results/<scenario>/review-<UTC time>/.")
    ] = None,
) -> None:
    """Compare a drill with its plan, fit service and travel times, and write calibrated.yaml."""
    from sim.drill.review import format_review, review
    from sim.feeds.log import DrillLogError, read_log

    loaded, rnd = load(scenario)
    target = results_dir(scenario, out, "review-")
    try:
        log = read_log(logdir, rnd, loaded.spec.start)
        result = review(rnd, loaded.text, log, target)
    except (DrillLogError, ValueError) as exc:
        fail(str(exc))
    typer.echo(_("Review: {folder} (review.csv, calibrated.yaml, fits, report.html)").format(folder=target))
    typer.echo(format_review(result))
