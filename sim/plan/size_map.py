"""`natsim size` on a map: which sites open and with how many tables is siting's step (`natsim site`, with
the map's walking standard and the sizing's queue standard and confidence); the vehicles and labs of the
sited plan are then sized as on any round. One folder holds both: `siting/` (the sited plan, its
sites.csv, siting.json) and the final plan.yaml and sizing.json beside it (docs/siting.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sim.core.i18n import _
from sim.plan.site import SitingTargets, site
from sim.plan.site_report import write_siting
from sim.plan.sizer import Targets
from sim.plan.sizing import SITE_DIMENSIONS, SizingError, size
from sim.plan.sizing_report import write_sizing
from sim.scenario.build import build_round
from sim.scenario.load import LoadedScenario, load_scenario
from sim.scenario.round import Round

SITE_LIMITS = ("points", "tables", "samplers")


def size_on_map(
    loaded: LoadedScenario,
    rnd: Round,
    targets: Targets,
    vary: tuple[str, ...],
    limits: dict[str, int],
    out: Path,
    *,
    search_reps: int = 2,
    verify_reps: int = 10,
    progress: Callable[[str], None] = lambda _text: None,
    jobs: int = 1,
    dask: str | None = None,
) -> tuple[dict, dict | None]:
    """(siting's result, sizing's result or None when siting found no plan or nothing else may vary)."""
    if targets.max_wait is None:
        raise SizingError(
            _(
                "on a map, sizing chooses sites and tables by siting, which keeps a queue standard: give --max-wait "
                "(e.g. 30m)"
            )
        )
    site_limits = {k: v for k, v in limits.items() if k in SITE_LIMITS}
    progress(_("siting: which sites open, with how many tables (natsim site)"))
    sited = site(
        loaded,
        rnd,
        SitingTargets(
            rnd.places.standard,
            targets.max_wait,
            targets.confidence,
            limits=site_limits,
            replications=verify_reps,
            jobs=jobs,
        ),
        say=progress,
    )
    write_siting(sited, loaded, out / "siting")
    rest = tuple(d for d in vary if d not in SITE_DIMENSIONS)
    if not sited["feasible"] or not rest:
        return _public(sited), None
    plan = load_scenario(out / "siting" / "plan.yaml")
    progress(_("sizing the sited plan's {what}").format(what=", ".join(rest)))
    # The queue standard is siting's, verified there on fresh replications; the rest is sized for the deadline
    # (judged again on the queues, a site at the edge of the standard would have lab instruments grown for it).
    sized = size(
        build_round(plan),
        replace(targets, max_wait=None, wait_margin=0.0),
        rest,
        {k: v for k, v in limits.items() if k not in SITE_LIMITS},
        search_reps,
        verify_reps,
        progress=progress,
        jobs=jobs,
        dask=dask,
    )
    sized["siting"] = {k: _public(sited)[k] for k in ("targets", "milp", "plan", "verification") if k in sited}
    sized["siting"]["folder"] = "siting"
    write_sizing(sized, plan.text, out, plan.path)
    return _public(sited), sized


def _public(result: dict) -> dict:
    return {k: v for k, v in result.items() if not k.startswith("_")}
