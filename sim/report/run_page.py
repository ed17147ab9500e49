"""A run's report.html, rebuilt from its results folder alone (summary.json and the CSV and PNG files)."""

from __future__ import annotations

from pathlib import Path

from sim.core.i18n import N_, _
from sim.report import page as pg
from sim.report.bill import UNITS, translated_rule
from sim.report.readback import POINTS_COLUMNS, SUMMARY_KEYS, expect_rows
from sim.report.words import verdict

# Key figures in reading order: (metric, label, unit shown after the number).
KEY_FIGURES = (
    ("results_complete_h", N_("last pooled result"), "h"),
    ("sampling_complete_h", N_("sampling complete"), "h"),
    ("last_tube_at_lab_h", N_("last tube at a lab"), "h"),
    ("reported_by_deadline", N_("residents with their result by the deadline"), "%"),
    ("residents_arrived", N_("residents sampled"), ""),
    ("tubes", N_("pooled tubes"), ""),
    ("plates", N_("plates run"), ""),
    ("wait_mean_min", N_("mean wait in the queue"), "min"),
    ("wait_p95_min", N_("95th percentile wait"), "min"),
    ("max_queue", N_("longest queue"), N_("residents")),
    ("turnaround_mean_h", N_("mean swab-to-result time"), "h"),
    ("walk_mean_min", N_("mean walk to the point"), "min"),
    ("within_walk_standard", N_("residents within the walking standard"), "%"),
    ("positives", N_("positives"), ""),
    ("identified_mean_h", N_("mean time to identify a positive"), "h"),
)
POINT_HEADINGS = {
    "name": N_("point"),
    "group": N_("group"),
    "lab": N_("lab"),
    "residents": N_("residents"),
    "arrived": N_("sampled"),
    "tables": N_("tables"),
    "wait_mean_min": N_("mean wait, min"),
    "wait_p95_min": N_("p95 wait, min"),
    "wait_max_min": N_("longest wait, min"),
    "max_queue": N_("longest queue"),
    "last_service_h": N_("last swab, h"),
    "site": N_("site"),
    "walk_min": N_("walk, min"),
    "journey_mean_min": N_("mean journey, min"),
    "route": N_("route"),
    "vehicles": N_("vehicles"),
    "stops": N_("stops"),
    "planned_loop_h": N_("planned loop, h"),
    "loops": N_("loops driven"),
    "loop_mean_h": N_("mean loop, h"),
    "tubes": N_("tubes carried"),
    "busiest_stop": N_("stop waiting longest"),
    "busiest_stop_wait_h": N_("its mean wait for pickup, h"),
}
BILL_ITEMS = {
    "samplers": N_("samplers"),
    "registrars": N_("registrars"),
    "order_keepers": N_("order keepers"),
    "volunteers": N_("volunteers"),
    "couriers": N_("couriers"),
    "lab_technicians": N_("lab technicians"),
    "swabs": N_("swabs"),
    "tubes": N_("sampling tubes"),
    "ppe_sets": N_("protective suits (PPE sets)"),
    "transport_boxes": N_("transport boxes"),
    "plates": N_("plates"),
    "reagent_kits": N_("reagent kits"),
}
CAPTIONS = {
    "cumulative.png": N_("Residents arrived, sampled and with their result over time."),
    "queues.png": N_("Queues at the busiest points."),
    "waits.png": N_("How long residents waited."),
    "utilisation.png": N_("How busy vehicles and lab instruments were."),
    "map.png": N_("The round on its map."),
    "rounds.png": N_("Each round of the campaign."),
}


def tone(summary: dict) -> str:
    met = summary["deadline_met_fraction"]
    return "" if met == 1 else "missed" if met == 0 else "risk"


def key_figures(summary: dict) -> str:
    rows = []
    reps = summary["replications"]
    for key, label, unit in KEY_FIGURES:
        fig = summary["metrics"].get(key)
        if not fig or fig["mean"] is None or (key == "positives" and not fig["mean"]):
            continue
        scale = 100 if unit == "%" else 1
        lo, hi = fig["ci95"] if reps > 1 and fig["ci95"] else (None, None)
        rows.append(
            {
                "figure": _(label),
                "mean": fig["mean"] * scale,
                "ci": "" if lo is None else f"{pg.number_text(lo * scale)} - {pg.number_text(hi * scale)}",
                "unit": _(unit) if unit not in ("", "h", "min", "%") else unit,  # _("") would be the catalog's header
            }
        )
    cols = [("figure", _("figure")), ("mean", _("mean")), ("ci", _("95% interval")), ("unit", _("unit"))]
    note = _("Mean over {n} replications; the interval is the 95% confidence interval of the mean.").format(n=reps)
    return pg.table(cols, rows, note=note if reps > 1 else "")


def labs_table(summary: dict, points: list[dict]) -> str:
    rows = []
    figures = summary.get("labs", {})
    for lab in summary["plan"].get("labs", []):
        mine = [p for p in points if p["lab"] == lab["name"]]
        p95 = [float(p["wait_p95_min"]) for p in mine if p["wait_p95_min"]]
        rows.append(
            {
                **lab,
                "points": len(mine),
                "residents": sum(int(p["residents"]) for p in mine),
                "arrived": round(sum(float(p["arrived"] or 0) for p in mine)),
                "worst_p95": max(p95) if p95 else None,
            }
            | {k: f["mean"] for k, f in figures.get(lab["name"], {}).items()}
        )
    cols = [
        ("name", _("lab")),
        ("points", _("points")),
        ("residents", _("residents")),
        ("arrived", _("sampled")),
        ("vehicles", _("vehicles")),
        ("extractors", _("extractors")),
        ("pcr_machines", _("PCR machines")),
        ("worst_p95", _("worst p95 wait at its points, min")),
        ("received", _("tubes received")),
        ("diverted_out", _("sent on")),
        ("diverted_in", _("taken in")),
        ("backlog_peak", _("backlog peak, tubes")),
        ("backlog_peak_h", _("backlog peak at, h")),
        ("last_result_h", _("last result, h")),
    ]
    return pg.table(cols, rows)


def bill_table(bill: dict) -> str:
    rows = [
        {
            "item": _(BILL_ITEMS.get(item, item)),
            "per_shift": line["per_shift"],
            "shifts": line["shifts"],
            "quantity": line["quantity"],
            "unit": _(unit_of(line)),
            "rule": translated_rule({"item": item, **line}),
        }
        for item, line in bill.items()
    ]
    cols = [
        ("item", _("item")),
        ("per_shift", _("on duty per shift")),
        ("shifts", _("shifts")),
        ("quantity", _("total")),
        ("unit", _("unit")),
        ("rule", _("rule")),
    ]
    return pg.table(cols, rows, note=_("Staff totals are person-shifts; materials are what the simulated round used."))


def unit_of(line: dict) -> str:
    return UNITS[line["kind"]]


def _headed(rows: list[dict]) -> list[tuple[str, str]]:
    return [(k, _(POINT_HEADINGS.get(k, k))) for k in rows[0]] if rows else []


def page(folder: Path) -> pg.Page:
    summary = pg.read_json(folder / "summary.json", SUMMARY_KEYS)
    page = pg.Page(_("{scenario}: results").format(scenario=summary["scenario"]), verdict(summary), tone(summary))
    page.add(_("Key figures"), key_figures(summary))
    captions = {k: _(v) for k, v in CAPTIONS.items()}
    page.add(_("Plots"), lambda: pg.figures(folder, captions))  # read when written: plots may be drawing now
    points = pg.read_csv(folder / "points.csv", POINTS_COLUMNS, optional=False, rows=True)
    expect_rows(folder / "points.csv", points, summary["plan"].get("points"), "summary.json (plan.points)")
    page.add(
        _("Points"),
        pg.table(
            _headed(points), points, "wait_p95_min", _("Sorted by p95 wait, longest first; click a heading to sort.")
        ),
    )
    compounds = pg.read_csv(folder / "compounds.csv")
    page.add(_("Compounds"), pg.table(_headed(compounds), compounds, "wait_p95_min"))
    page.add(_("Labs"), labs_table(summary, points))
    routes = pg.read_csv(folder / "routes.csv")
    page.add(_("Courier routes"), pg.table(_headed(routes), routes, "busiest_stop_wait_h"))
    if "bill" in summary:
        page.add(_("Staff and materials"), bill_table(summary["bill"]))
    return page
