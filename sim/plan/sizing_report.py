"""What `natsim size` reports: sizing.json's content, the runnable plan.yaml and the table a planner reads."""

from __future__ import annotations

import json
from pathlib import Path

from sim.core.i18n import _
from sim.core.tables import write_csv
from sim.plan.bounds import apply_plan, samplers_per_table, totals
from sim.plan.sizer import binding_stage
from sim.report.page import Page, folder_page, read_json, scenario_name, write_page
from sim.report.run_page import BILL_ITEMS, bill_table
from sim.scenario.edit import edit_scenario, point_groups


def report(base, targets, plan, bounds, sizer, verify, smaller, *, feasible, best=None, limits=None) -> dict:
    rnd = apply_plan(base, plan)
    out = {
        "targets": {
            "confidence": targets.confidence,
            "max_wait_min": targets.max_wait / 60 if targets.max_wait else None,
            "deadline_h": base.deadline / 3600,
            "margin_h": targets.margin / 3600,
            "wait_margin_min": sizer.wait_margin / 60,
            "judged_margin_h": sizer.due_margin / 3600,  # --margin, or more from the last result's spread
        },
        "limits": limits,
        "feasible": feasible,
        "plan": {
            "groups": [
                {"name": g.name, "points": g.count, "residents_per_point": g.residents, "tables_per_point": g.tables}
                for g in rnd.groups
            ],
            "labs": [
                {
                    "name": lab.name,
                    "vehicles": lab.vehicles,
                    "extractors": lab.extractors,
                    "pcr_machines": lab.pcr_machines,
                }
                for lab in rnd.labs
            ],
            "routes": _routes(rnd),
            "totals": totals(base, plan),
            "samplers_per_table": samplers_per_table(base),
        },
        "analytic_bounds": bounds,
        "evaluations": sizer.evaluations,
        "lab_part_replications_simulated": sizer.simulated,
        "search_replications": sizer.search_reps,
    }
    if verify is not None:
        rc = [v for v in verify.results_complete_h if v is not None]
        out["verification"] = {
            **verify.as_dict(),
            "replications": len(verify.met),
            "deadline_margin_h": base.deadline / 3600 - max(rc) if rc else None,
        }
        out["one_step_smaller"] = smaller
    if best is not None:
        rc = [v for v in best.results_complete_h if v is not None]
        out["best_found"] = {
            **best.as_dict(),
            "binding_stage": binding_stage(best, base, targets.max_wait),
            "short_by_h": max(rc) - base.deadline / 3600 if rc else None,
        }
    return out


def _routes(rnd) -> list[dict]:
    names = rnd.point_names()
    return [
        {
            "name": r.name,
            "lab": rnd.labs[r.lab].name,
            "vehicles": r.vehicles,
            "capacity": r.capacity,
            "stops": [names[p] for p in r.stops],
        }
        for r in rnd.routes
    ]


def routes_csv(result: dict) -> list[dict]:
    """routes.csv of the sized plan (routes built by `auto` are written out too: the plan is fixed)."""
    return [
        {
            "route": r["name"],
            "vehicles": r["vehicles"],
            "lab": r["lab"],
            "stops": ";".join(r["stops"]),
            "capacity": r["capacity"] or "",
        }
        for r in result["plan"].get("routes", [])
    ]


def plan_yaml(text: str, result: dict, moved: tuple[Path, Path] | None = None) -> str:
    """The input scenario with the sized values, runnable as is."""

    def change(data: dict) -> None:
        # CSV points keep their count; their tables are not rewritten into the CSV.
        for entry, g in zip(point_groups(data), result["plan"]["groups"], strict=False):
            entry.update(count=g["points"], residents=g["residents_per_point"], tables=g["tables_per_point"])
        data.setdefault("transport", {})["vehicles"] = {
            lab["name"]: lab["vehicles"]
            for lab in result["plan"]["labs"]
            if lab["vehicles"] > 0  # external labs have none
        }
        for lab, sized in zip(data["labs"], result["plan"]["labs"], strict=True):
            lab.update(extractors=sized["extractors"], pcr_machines=sized["pcr_machines"])
        if result["plan"].get("routes"):  # the routes and their vehicles, in routes.csv beside the plan
            routes = data["transport"]["routes"]
            routes.pop("auto", None)
            routes["file"] = "routes.csv"

    head = "Sized by `natsim size`: see sizing.json beside this file for the targets and the checks."
    return edit_scenario(text, change, head, moved)


GROUP_ROWS = 20  # groups printed; a city on a map has thousands


def table(result: dict) -> str:
    """What a planner reads in ten seconds."""
    p = result["plan"]
    h = [_("group"), _("points"), _("residents/pt"), _("tables/pt"), _("tables"), _("samplers")]
    lines = [f"{h[0]:16s} {h[1]:>8s} {h[2]:>12s} {h[3]:>9s} {h[4]:>8s} {h[5]:>9s}"]
    for g in p["groups"][:GROUP_ROWS]:
        t = g["points"] * g["tables_per_point"]
        lines.append(
            f"{g['name']:16s} {g['points']:8,d} {g['residents_per_point']:12,d} {g['tables_per_point']:9d} {t:8,d} "
            f"{t * p['samplers_per_table']:9,d}"
        )
    if len(p["groups"]) > GROUP_ROWS:  # a map's sites are groups of one: the rest are in sizing.json
        lines.append(_("... and {n:,} more groups (sizing.json)").format(n=len(p["groups"]) - GROUP_ROWS))
    h = [_("lab"), _("vehicles"), _("extractors"), _("PCR machines")]
    lines.append(f"{h[0]:16s} {h[1]:>8s} {h[2]:>12s} {h[3]:>9s}")
    for lab in p["labs"]:
        lines.append(f"{lab['name']:16s} {lab['vehicles']:8,d} {lab['extractors']:12,d} {lab['pcr_machines']:9,d}")
    t = p["totals"]
    lines.append(
        _(
            "total: {points:,} points, {tables:,} tables, {samplers:,} samplers, {vehicles:,} vehicles, "
            "{extractors:,} extractors, {pcr:,} PCR machines"
        ).format(
            points=t["points"],
            tables=t["tables"],
            samplers=t["samplers"],
            vehicles=t["vehicles"],
            extractors=t["extractors"],
            pcr=t["pcr_machines"],
        )
    )
    if "verification" in result:
        lines += _verified(result)
    else:
        b = result["best_found"]
        lines.append(
            _(
                "NO PLAN within the limits meets the targets. Binding stage: {stage}. "
                "Best plan found meets them in {share:.0%} of replications"
            ).format(stage=b["binding_stage"], share=b["share_meeting_targets"])
            + (_(", last result {h:.1f} h after the deadline.").format(h=b["short_by_h"]) if b["short_by_h"] else ".")
        )
    return "\n".join(lines)


def _verified(result: dict) -> list[str]:
    """The lines on how the plan was checked, and its bill."""
    lines = []
    v = result["verification"]
    lines.append(
        _(
            "verified on {n} fresh replications: targets met in {share:.0%}; deadline margin {margin:.2f} h "
            "(latest replication; wanted {wanted:.2f} h)"
        ).format(
            n=v["replications"],
            share=v["share_meeting_targets"],
            margin=v["deadline_margin_h"],
            wanted=result["targets"].get("judged_margin_h", result["targets"]["margin_h"]),  # older sizing.json: none
        )
    )
    fails = sum(c["fails"] for c in result["one_step_smaller"].values())
    lines.append(
        _("one step smaller: {fails} of {n} sized values fail a target").format(
            fails=fails, n=len(result["one_step_smaller"])
        )
    )
    f = result.get("final_check_on_untouched_replications")
    if f:
        lines.append(
            _(
                "final check on {n} untouched replications: targets met in {share:.0%} (one-sided 95% lower bound "
                "{bound:.0%})"
            ).format(n=f["replications"], share=f["share_meeting_targets"], bound=f["lower_bound_95"])
        )
        if f["share_meeting_targets"] < result["targets"]["confidence"]:
            lines.append(
                "  "
                + _(
                    "below the confidence asked: the plan is at the edge (a minimal plan chosen on few replications "
                    "often is); see sizing.json for what failed, and size with more --replications or a --margin"
                )
            )
    if "bill" in result:
        lines.append(bill_line(result["bill"]))
    return lines


def bill_line(bill: dict) -> str:
    # TRANSLATORS: the separator of a list in a sentence.
    sep = _(", ")
    staff = sep.join(
        _("{item} {per_shift:,}/shift ({total:,} person-shifts)").format(
            item=_(BILL_ITEMS.get(k, k)), per_shift=v["per_shift"], total=v["quantity"]
        )
        for k, v in bill.items()
        if v["kind"] == "staff"
    )
    things = sep.join(
        _(BILL_ITEMS.get(k, k)) + f" {v['quantity']:,}" for k, v in bill.items() if v["kind"] == "material"
    )
    return _("bill: {staff}; materials: {materials}").format(staff=staff, materials=things)


def write_sizing(result: dict, scenario_text: str, out: Path, source: Path | None = None) -> Path:
    """sizing.json, plan.yaml and report.html into `out`; `source`, the scenario file, lets plan.yaml name
    the files the scenario names from its own folder."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "sizing.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    moved = (Path(source).parent, out) if source is not None else None
    (out / "plan.yaml").write_text(plan_yaml(scenario_text, result, moved), encoding="utf-8")
    if result["plan"].get("routes"):
        write_csv(out / "routes.csv", ("route", "vehicles", "lab", "stops", "capacity"), routes_csv(result))
    write_page(page(out), out)
    return out


def page(folder: Path) -> Page:
    """report.html of a sizing folder: the verdict, the plan's table, the sized plan's bill."""
    result = read_json(folder / "sizing.json", ("plan.totals", "feasible", "targets"))
    t = result["plan"]["totals"]
    verdict = (
        _(
            "A plan meets the targets: {points:,} points, {tables:,} tables, {vehicles:,} vehicles, {extractors:,} "
            "extractors, "
            "{pcr:,} PCR machines."
        ).format(
            points=t["points"],
            tables=t["tables"],
            vehicles=t["vehicles"],
            extractors=t["extractors"],
            pcr=t["pcr_machines"],
        )
        if result["feasible"]
        else _("No plan within the limits meets the targets.")
    )
    out = folder_page(folder, _("Sizing: {name}").format(name=scenario_name(folder)), table(result), [], [verdict])
    out.tone = "" if result["feasible"] else "missed"
    if "bill" in result:
        out.add(_("Staff and materials"), bill_table(result["bill"]))
    return out
