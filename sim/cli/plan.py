"""`natsim size` and `natsim slots`: the smallest plan that meets the targets, and call slots per group."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.cli.common import DaskOpt, ScenarioArg, duration, fail, limits, load, results_dir
from sim.core.i18n import _


def size(
    scenario: ScenarioArg,
    confidence: Annotated[
        float, typer.Option("--confidence", min=0.5, max=1.0, help="Share of replications that must meet every target.")
    ] = 0.95,
    max_wait: Annotated[
        Optional[str],
        typer.Option("--max-wait", help="Also keep the 95th-percentile wait at every point under this, e.g. 30m."),
    ] = None,
    margin: Annotated[
        str,
        typer.Option(
            "--margin", help="Safety margin: the plan must report this long before the deadline, e.g. 15m or 0s."
        ),
    ] = "15m",
    wait_margin: Annotated[
        str,
        typer.Option(
            "--wait-margin",
            help="Judge the queue standard this much inside --max-wait, e.g. 3m; auto: from the spread.",
        ),
    ] = "auto",
    vary: Annotated[
        str, typer.Option("--vary", help="What may change: any of tables,points,vehicles,extractors,pcr_machines.")
    ] = "points,tables,vehicles,extractors,pcr_machines",
    limit: Annotated[
        Optional[list[str]], typer.Option("--limit", help="What the city has, e.g. samplers=30000 (repeat for more).")
    ] = None,
    replications: Annotated[
        int,
        typer.Option("--replications", "-r", min=2, max=1000, help="Fresh replications that verify the final plan."),
    ] = 10,
    search_replications: Annotated[
        int,
        typer.Option("--search-replications", min=1, max=100, help="Replications per plan tried during the search."),
    ] = 2,
    out: Annotated[
        Optional[Path],
        typer.Option(
            "--out", help="Folder for plan.yaml and sizing.json. Default: results/<scenario>/size-<UTC time>/."
        ),
    ] = None,
    jobs: Annotated[
        Optional[int],
        typer.Option("--jobs", "-j", min=1, help="Simulate on this many local processes. Default: every core."),
    ] = None,
    dask: DaskOpt = None,
) -> None:
    """Find the smallest plan that gets every result reported by the deadline with the given confidence."""
    from sim.plan.sizer import Targets
    from sim.plan.sizing import DIMENSIONS, SizingError, sites_by_siting
    from sim.plan.sizing import size as size_plan
    from sim.plan.sizing_report import table, write_sizing

    loaded, rnd = load(scenario)
    wait = duration(max_wait, "--max-wait") if max_wait else None
    spare = duration(margin, "--margin")
    if spare >= rnd.deadline:
        fail(
            _("--margin {margin} leaves no time before the {h:g} h deadline").format(
                margin=margin, h=rnd.deadline / 3600
            )
        )
    caps = limits(limit, "samplers=30000")
    target = results_dir(scenario, out, "size-")
    dims = tuple(d.strip() for d in vary.split(",") if d.strip())
    order = tuple([d for d in DIMENSIONS if d in dims] + [d for d in dims if d not in DIMENSIONS])
    goals = Targets(confidence, wait, spare, None if wait_margin == "auto" else duration(wait_margin, "--wait-margin"))
    say = lambda text: typer.echo(f"  {text}", err=True)  # noqa: E731
    workers = jobs or os.cpu_count() or 1
    if sites_by_siting(rnd, order):
        _size_on_map(loaded, rnd, goals, order, caps, target, search_replications, replications, say, workers, dask)
        return
    try:
        result = size_plan(
            rnd, goals, order, caps, search_replications, replications, progress=say, jobs=workers, dask=dask
        )
    except SizingError as exc:
        fail(str(exc))
    write_sizing(result, loaded.text, target, loaded.path)
    typer.echo(_("Sizing: {folder} (plan.yaml, sizing.json, report.html)").format(folder=target))
    typer.echo(table(result))
    if not result["feasible"]:
        raise typer.Exit(1)


def slots(
    scenario: ScenarioArg,
    max_wait: Annotated[
        str, typer.Option("--max-wait", help="Keep the 95th-percentile wait at every point under this, e.g. 30m.")
    ],
    slot_length: Annotated[str, typer.Option("--slot-length", help="Longest call slot, e.g. 1h.")] = "1h",
    ignore_share: Annotated[
        Optional[float],
        typer.Option(
            "--ignore-share", min=0.0, max=1.0, help="Share who ignore their call (default: the group's, else 0.1)."
        ),
    ] = None,
    replications: Annotated[
        int, typer.Option("--replications", "-r", min=1, max=100, help="Replications per schedule tried.")
    ] = 3,
    out: Annotated[
        Optional[Path],
        typer.Option(
            "--out",
            help="Folder for slots.yaml, slots.json and slots.png. Default: results/<scenario>/slots-<UTC time>/.",
        ),
    ] = None,
) -> None:
    """Propose call slots per point group that keep the p95 wait under --max-wait with the tables given."""
    from sim.plan import slots as slots_

    loaded, rnd = load(scenario)
    wait, length = duration(max_wait, "--max-wait/--slot-length"), duration(slot_length, "--max-wait/--slot-length")
    if wait <= 0 or length <= 0:
        fail(_("--max-wait and --slot-length must be longer than zero"))
    target = results_dir(scenario, out, "slots-")
    how = slots_.Behaviour(ignore_share=ignore_share) if ignore_share is not None else None
    found = slots_.propose(
        rnd, wait, length, replications, how, progress=lambda text: typer.echo(f"  {text}", err=True)
    )
    slots_.write_proposal(found, loaded.text, target)
    typer.echo(_("Call slots: {folder} (slots.yaml, slots.json, slots.png, report.html)").format(folder=target))
    typer.echo(slots_.table(found.summary))
    if not all(g["feasible"] for g in found.summary["groups"]):
        raise typer.Exit(1)


def _size_on_map(loaded, rnd, goals, order, caps, target, search_reps, reps, say, workers, dask) -> None:
    """Sites and tables by siting, then the rest of the plan sized on the sited plan (docs/siting.md)."""
    from sim.plan.site_report import table as siting_table
    from sim.plan.size_map import size_on_map
    from sim.plan.sizing import SizingError
    from sim.plan.sizing_report import table

    try:
        sited, sized = size_on_map(
            loaded,
            rnd,
            goals,
            order,
            caps,
            target,
            search_reps=search_reps,
            verify_reps=reps,
            progress=say,
            jobs=workers,
            dask=dask,
        )
    except SizingError as exc:
        fail(str(exc))
    typer.echo(
        _("Siting: {folder} (plan.yaml, sites.csv, siting.json, siting.png, report.html)").format(
            folder=target / "siting"
        )
    )
    typer.echo(siting_table(sited))
    if sized is not None:
        typer.echo(_("Sizing: {folder} (plan.yaml, sizing.json, report.html)").format(folder=target))
        typer.echo(table(sized))
    if not sited["feasible"] or (sized is not None and not sized["feasible"]):
        raise typer.Exit(1)
