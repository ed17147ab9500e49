"""`natsim site`: which candidate sites to open, and with how many tables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.cli.common import ScenarioArg, duration, fail, limits, load, results_dir
from sim.core.i18n import _


def site(
    scenario: ScenarioArg,
    walk: Annotated[
        str, typer.Option("--walk", help="Walking standard: every compound within this walk of its site.")
    ] = "15m",
    max_wait: Annotated[
        str, typer.Option("--max-wait", help="Queue standard: the p95 wait at every site within this.")
    ] = "30m",
    confidence: Annotated[
        float, typer.Option("--confidence", min=0.5, max=1.0, help="Share of fresh replications that must meet both.")
    ] = 0.95,
    objective: Annotated[
        str, typer.Option("--objective", help="What to make smallest: points, tables or samplers.")
    ] = "points",
    limit: Annotated[
        Optional[list[str]], typer.Option("--limit", help="What the city has, e.g. tables=300 (repeat for more).")
    ] = None,
    replications: Annotated[
        int, typer.Option("--replications", "-r", min=2, max=1000, help="Fresh replications that verify the plan.")
    ] = 10,
    time_limit: Annotated[
        Optional[float],
        typer.Option(
            "--time-limit",
            min=1,
            help="Seconds the MILP solver may take per program (the whole map, or a district). Default: 10.",
        ),
    ] = None,
    out: Annotated[
        Optional[Path],
        typer.Option(
            "--out",
            help="Folder for plan.yaml, sites.csv, siting.json, siting.png. Default: results/<scenario>/site-<UTC "
            "time>/.",
        ),
    ] = None,
    jobs: Annotated[
        Optional[int],
        typer.Option("--jobs", "-j", min=1, help="Worker processes for a city's districts. Default: every core."),
    ] = None,
) -> None:
    """Choose the sites to open and their tables: every compound within walking reach, every queue within the
    standard."""
    from sim.plan.site import SitingError, SitingTargets
    from sim.plan.site import site as site_plan
    from sim.plan.site_report import table, write_siting

    standards = duration(walk, "--walk"), duration(max_wait, "--max-wait")
    for value, text, option in ((standards[0], walk, "--walk"), (standards[1], max_wait, "--max-wait")):
        if value <= 0:
            fail(_("{option} {text}: a standard must be more than zero").format(option=option, text=text))
    loaded, rnd = load(scenario, siting=True)  # a green field (candidates only, no site open) is allowed
    targets = SitingTargets(
        *standards,
        confidence,
        objective,
        limits(limit, "tables=300"),
        replications,
        jobs=jobs or os.cpu_count() or 1,
        **({} if time_limit is None else {"time_limit": time_limit}),  # else SitingTargets' own (TIME_LIMIT)
    )
    target = results_dir(scenario, out, "site-")
    try:
        result = site_plan(loaded, rnd, targets, say=lambda text: typer.echo(f"  {text}", err=True))
    except SitingError as exc:
        fail(str(exc))
    write_siting(result, loaded, target)
    typer.echo(_("Siting: {folder} (plan.yaml, sites.csv, siting.json, siting.png, report.html)").format(folder=target))
    typer.echo(table(result))
    if not result["feasible"]:
        raise typer.Exit(1)
