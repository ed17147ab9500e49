"""`natsim places import`: compounds.csv or sites.csv from what a city's GIS exports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.cli.common import fail
from sim.core.i18n import _

places_app = typer.Typer(help="Places: compounds and sites on a map (docs/places.md).", no_args_is_help=True)


StrictOpt = Annotated[
    Optional[bool],
    typer.Option(
        "--strict/--no-strict",
        help="--strict: refuse the file if any feature is left out; --no-strict: write the others whatever is left "
        "out. Default: refuse when more than 5% are left out.",
        show_default=False,
    ),
]
UniqueOpt = Annotated[
    bool,
    typer.Option(
        "--unique-names",
        help="Keep features that share a name as 'name (2)', 'name (3)' in file order (default: left out).",
    ),
]
ScenarioOpt = Annotated[
    Optional[Path], typer.Option("--scenario", help="--kind streets: cut the network to this scenario's map.")
]
MarginOpt = Annotated[float, typer.Option("--margin", min=0, help="--kind streets: metres kept beyond the map.")]


@places_app.command("import")
def import_(
    source: Annotated[
        Path,
        typer.Argument(help="GeoJSON (points or areas) or CSV with name and lon/lat (or x/y).", show_default=False),
    ],
    kind: Annotated[str, typer.Option("--kind", help="What the features are: compounds or sites.")] = "compounds",
    out: Annotated[
        Optional[Path], typer.Option("--out", help="CSV to write (must not exist). Default: <kind>.csv beside SOURCE.")
    ] = None,
    name_field: Annotated[str, typer.Option("--name-field", help="Attribute holding each feature's name.")] = "name",
    count_field: Annotated[
        Optional[str], typer.Option("--count-field", help="Attribute holding residents (compounds) or tables (sites).")
    ] = None,
    default_count: Annotated[
        Optional[int],
        typer.Option(
            "--default-count", min=0, help="Count for features without one (e.g. 0 tables: a candidate site)."
        ),
    ] = None,
    metres: Annotated[
        bool, typer.Option("--metres", help="Coordinates are planar metres (x, y), not longitude/latitude.")
    ] = False,
    strict: StrictOpt = None,
    unique_names: UniqueOpt = False,
    scenario: ScenarioOpt = None,
    margin: MarginOpt = 2000.0,
) -> None:
    """Write compounds.csv or sites.csv from a GeoJSON or CSV export; features that cannot be used are listed and
    left out, and nothing doubtful is written. With --kind streets: a street network (.osm.pbf or GeoJSON) cut to a
    scenario's map, as GeoJSON."""
    from sim.scenario.places.importer import KINDS, Fields, import_places

    if kind == "streets":
        _streets(source, out or source.with_name("streets.geojson"), scenario, margin, lonlat=not metres)
        return

    if kind not in KINDS:
        fail(_("--kind {kind}: choose compounds or sites").format(kind=kind))
    target = out or source.with_name(f"{kind}.csv")
    if target.exists():
        fail(_("{file} already exists: natsim never overwrites a file; choose another --out").format(file=target))
    done = import_places(
        source, kind, target, Fields(name_field, count_field, default_count), not metres, strict, unique_names
    )
    for p in done.left_out:
        typer.echo(_("{problem} (left out)").format(problem=p), err=True)
    for p in done.notes:
        typer.echo(_("note: {problem}").format(problem=p), err=True)
    if done.refused:
        fail("\n".join(str(p) for p in done.refused))
    typer.echo(
        _("{kind}: {file} ({rows:,} rows; {left:,} features left out)").format(
            kind=kind, file=target, rows=done.written, left=len(done.left_out)
        )
    )


def _streets(source: Path, target: Path, scenario: Path | None, margin: float, lonlat: bool) -> None:
    from sim.cli.common import load
    from sim.scenario.places.streets import read_streets
    from sim.scenario.places.streets_import import box, places_xy, report, write_geojson

    if target.exists():
        fail(_("{file} already exists: natsim never overwrites a file; choose another --out").format(file=target))
    streets, problems = read_streets(source, lonlat)
    if streets is None:
        fail("\n".join(str(p) for p in problems))
    if scenario is not None:
        _loaded, rnd = load(scenario)
        if rnd.places is None:
            fail(_("{file}: not a places scenario (no places:)").format(file=scenario))
        lo, hi = box(places_xy(rnd.places), lonlat, margin)
        streets = streets.cut(lo, hi)
    r = report(streets, lonlat)
    write_geojson(streets, target)
    typer.echo(
        _(
            "streets: {file} ({nodes:,} nodes, {edges:,} edges: {walk:,} walkable, {drive:,} drivable); the walking "
            "network is in {pieces:,} connected piece(s), the largest holding {share:.1%} of its nodes"
        ).format(
            file=target,
            nodes=r.nodes,
            edges=r.edges,
            walk=r.walk_edges,
            drive=r.drive_edges,
            pieces=r.pieces,
            share=r.largest_share,
        )
    )
