"""What `natsim site` writes: siting.json, the runnable plan.yaml with its sites.csv (and a copy of the
compounds and matrix it names, so the folder stands alone), siting.png, and the table a planner reads."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sim.core.i18n import _
from sim.core.tables import coordinates, write_csv
from sim.report.page import Page, folder_page, read_json, scenario_name, write_page
from sim.scenario.edit import edit_scenario
from sim.scenario.load import LoadedScenario
from sim.scenario.places.map import PlacesMap, within_standard

SITE_COLUMNS = (
    "name",
    "lon",
    "lat",
    "tables",
    "lab",
    "group",
    "candidate",
    "max_tables",
    "residents",
    "residents_within_walk_standard",
    "walk_max_min",
)


def write_siting(result: dict, loaded: LoadedScenario, out: Path) -> Path:
    m: PlacesMap = result["_map"]
    out.mkdir(parents=True, exist_ok=True)
    (out / "siting.json").write_text(
        json.dumps({k: v for k, v in result.items() if k != "_map"}, indent=2) + "\n", encoding="utf-8"
    )
    if not result.get("plan"):
        return out
    p, base = loaded.spec.places, Path(loaded.path).parent
    write_csv(out / "sites.csv", _columns(m), _site_rows(loaded, m))
    shutil.copyfile(base / p.compounds, out / "compounds.csv")
    if p.driving.matrix:
        shutil.copyfile(base / p.driving.matrix, out / "travel.csv")
    network = Path(p.network.file).name if p.network else None
    if network:
        shutil.copyfile(base / p.network.file, out / network)

    def change(data: dict) -> None:
        places = data["places"]
        places.update(sites="sites.csv", compounds="compounds.csv", assignment="nearest")
        places.setdefault("walking", {})["standard"] = f"{m.standard / 60:g}m"
        if p.driving.matrix:
            places["driving"]["matrix"] = "travel.csv"
        if network:  # the streets, beside the plan (a string or a mapping with file:)
            net = places["network"]
            places["network"] = {**net, "file": network} if isinstance(net, dict) else network

    head = "Sited by `natsim site`: see siting.json beside this file for the targets and the checks."
    (out / "plan.yaml").write_text(edit_scenario(loaded.text, change, head), encoding="utf-8")
    from sim.report.plots.map import siting_plot  # matplotlib only when drawing (start-up time)

    siting_plot(m, loaded.spec.name, out / "siting.png")
    write_page(page(out), out)
    return out


def page(folder: Path) -> Page:
    """report.html of a siting folder: the plan in words, the map, the open sites."""
    result = read_json(folder / "siting.json", ("plan",))
    tables = [(_("Sites"), "sites.csv", "residents")]
    return folder_page(folder, _("Siting: {name}").format(name=scenario_name(folder)), table(result), tables)


def _columns(m: PlacesMap) -> tuple[str, ...]:
    xy = ("lon", "lat") if m.lonlat else ("x", "y")
    return ("name", *xy, *SITE_COLUMNS[3:])


def _site_rows(loaded: LoadedScenario, m: PlacesMap) -> list[dict]:
    rows = []
    for s, row in enumerate(loaded.place_files.sites):
        served = m.served(s)
        people = m.compound_residents[served]
        within = people[within_standard(m.walk[served], m.standard)].sum() / people.sum() if people.sum() else None
        xy = dict(zip(("lon", "lat") if m.lonlat else ("x", "y"), coordinates(row.xy, m.lonlat), strict=True))
        rows.append(
            {
                "name": row.name,
                **xy,
                "tables": int(m.site_tables[s]),
                "lab": row.lab or "",
                "group": row.group or "",
                "candidate": str(row.candidate).lower(),
                "max_tables": row.max_tables or "",
                "residents": int(people.sum()),
                "residents_within_walk_standard": within,
                "walk_max_min": float(m.walk[served].max() / 60) if served.size else None,
            }
        )
    return rows


def milp_line(milp: dict) -> str:
    """Step 1's plan, bound and gap in words (`sim.plan.site.milp_words`), for siting.json of any version."""
    if "lower_bound" not in milp:  # a siting.json from before the whole-map bound: its own words
        return _("MILP (HiGHS): {sites:,} sites, {tables:,} tables, gap {gap:.2%} over {districts} district(s)").format(
            sites=milp["sites"], tables=milp["tables"], gap=milp["gap"], districts=milp["districts"]
        )
    return milp_words(milp)


def milp_words(milp: dict) -> str:
    """The program's plan, bound and gap in a planner's words: "optimal" only when the whole map's gap is
    within the solver's tolerance."""
    if milp["program"] == "whole map":
        how = _("the whole map as one program")
    else:
        how = _("{n} districts, {k} of them solved to optimality (a district's optimum is not the map's)").format(
            n=milp["districts"], k=milp["districts_optimal"]
        )
    if milp["optimal"]:
        verdict = _("optimal (gap within {tol:.2%})").format(tol=milp["tolerance"])
    elif milp["program"] == "whole map":
        verdict = _("not proven optimal: {status}").format(status=milp["status"])
    else:  # each district's status is said above; the map's is unknown
        verdict = _("not proven optimal for the whole map")
    over = milp.get("overloaded_at_the_peak") or []
    if over:
        verdict += _(
            "; {n:,} site(s) over their capacity at the peak even at their most tables (counted in the objective; "
            "the simulation repairs them)"
        ).format(n=len(over))
    return _(
        "MILP (HiGHS), {how}: {sites:,} sites, {tables:,} tables; objective {value:.3f}, proven lower bound "
        "{bound:.3f} for the whole map, gap {gap:.2%}: {verdict}; {seconds:.1f} s"
    ).format(
        how=how,
        sites=milp["sites"],
        tables=milp["tables"],
        value=milp["objective"],
        bound=milp["lower_bound"],
        gap=milp["gap"],
        verdict=verdict,
        seconds=milp["seconds"],
    )


def table(result: dict) -> str:
    """What a planner reads in ten seconds."""
    if not result.get("plan"):
        lines = [_("NO PLAN: {note}").format(note=result.get("note", ""))]
    else:
        p, v, milp = result["plan"], result["verification"], result["milp"]
        fails = sum(result["one_step_smaller"].values())
        lines = [
            _(
                "open {sites:,} sites with {tables:,} tables ({samplers:,} samplers); {per_site:,.0f} residents per "
                "site; "
                "{within:.1%} within the walking standard"
            ).format(
                sites=p["sites"],
                tables=p["tables"],
                samplers=p["samplers"],
                per_site=p["residents_per_site"],
                within=p["residents_within_walk_standard"],
            ),
            milp_line(milp) + _("; simulation then changed it to the plan above"),
            _(
                "after simulation: objective {value:.3f}; the walking-cover minimum, a bound for any plan within the "
                "walk, "
                "{bound:.3f} (gap {gap:.2%})"
            ).format(
                value=result["whole_map"]["objective"],
                bound=result["whole_map"]["walking_cover_bound"],
                gap=result["whole_map"]["gap"],
            ),
            _(
                "verified on {n} fresh replications: every target met in {share:.0%} (95% lower bound {bound:.0%}); "
                "worst site p95 wait {worst:.1f} min"
            ).format(
                n=v["replications"],
                share=v["share_meeting_targets"],
                bound=v["lower_bound_95"],
                worst=max(v["worst_site_p95_wait_min"]),
            ),
            _("one step smaller: {fails} of {n} smaller plans fail a target").format(
                fails=fails, n=len(result["one_step_smaller"])
            ),
            _("minimality: every open site tried closed ({tried:,} tries), {closed} closed").format(
                tried=result["minimality"]["sites_tried_closed"], closed=result["minimality"]["closed"]
            ),
        ]
    if result.get("plan") and not result["feasible"] and result.get("note"):
        lines.append(_("NOT MET: {note}").format(note=result["note"]))
    if result.get("unreachable_compounds"):
        names = result["unreachable_compounds"]
        lines.append(
            _("out of reach (no candidate within the walking standard): {names}").format(names=", ".join(names[:10]))
            + (" ..." if len(names) > 10 else "")
        )
    return "\n".join(lines)
