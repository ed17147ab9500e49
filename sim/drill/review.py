"""`natsim drill review`: a drill's log against the plan, fitted distributions, a calibrated scenario.

Service times are observed as the gap between consecutive swabs at a table when the next resident had
already joined the queue and the table had no window without service in between (so it went straight
on to them); travel times as `at_lab - picked_up` (one way, the vehicle's drive back), one per box.
Candidates are fitted by maximum likelihood and the one with the lowest AIC is chosen (`sim.core.fitting`).
The observations and the fitting rule are `sim.feeds.rates`, shared with the forecast.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from sim.core.fitting import Fit
from sim.core.i18n import N_, _
from sim.core.tables import write_csv
from sim.engine.replication import run_replication
from sim.feeds.log import DrillLog, log_from_trace
from sim.feeds.rates import MIN_DRIVES, MIN_SERVICE_GAPS, fit_rates
from sim.report.folder import staged_folder
from sim.report.page import Page, folder_page, read_json, scenario_name, write_page
from sim.scenario.edit import edit_scenario, point_groups
from sim.scenario.round import Round


def observed_profile(times: np.ndarray, step: float = 3600.0) -> list[list]:
    """Arrivals per hour as a profile: one entry per hour from the first arrival, weights relative."""
    if times.size == 0:
        return []
    t0 = math.floor(times.min() / step) * step
    counts = np.bincount(((times - t0) // step).astype(int))
    weights = counts / counts.max()
    profile = [[_dur(t0 + i * step), round(float(w), 3)] for i, w in enumerate(weights)]
    profile.append([_dur(t0 + counts.size * step), 0])
    return profile


def _dur(seconds: float) -> str:
    sign = "-" if seconds < 0 else ""
    return f"{sign}{abs(seconds) / 60:g}m"


def figures(log: DrillLog) -> dict[str, float | None]:
    """The figures a drill review compares, from a log (observed or simulated)."""
    hours = (log.swabbed.max() - log.swabbed.min()) / 3600 if log.swabbed.size > 1 else math.nan
    tables_used = len({(int(p), int(t)) for p, t in zip(log.point, log.table, strict=True)})
    join_to_swab = (log.swabbed - log.joined) / 60
    join_to_swab = join_to_swab[~np.isnan(join_to_swab)]
    t = log.tubes
    intervals = []
    for p in np.unique(t["point"]):
        picks = np.unique(t["picked_up"][(t["point"] == p) & ~np.isnan(t["picked_up"])])
        intervals.extend(np.diff(picks) / 60)

    def mean(x) -> float | None:
        x = np.asarray(x, float)
        x = x[~np.isnan(x)]
        return float(x.mean()) if x.size else None

    return {
        "swabs": float(log.swabbed.size),
        "swabs_per_table_per_hour": log.swabbed.size / tables_used / hours if tables_used and hours > 0 else None,
        "join_to_swab_mean_min": mean(join_to_swab),
        "join_to_swab_p95_min": float(np.quantile(join_to_swab, 0.95)) if join_to_swab.size else None,
        "pickup_interval_mean_min": mean(intervals),
        "transit_mean_min": mean((t["at_lab"] - t["picked_up"]) / 60),
        "lab_turnaround_mean_h": mean((t["reported"] - t["at_lab"]) / 3600),
        "seal_to_report_mean_h": mean((t["reported"] - t["sealed"]) / 3600),
    }


def calibrated_yaml(
    scenario_text: str,
    log: DrillLog,
    rnd: Round,
    service: Fit | None,
    travel: Fit | None,
    profile: list,
    out: Path | None = None,
) -> str:
    """The scenario with what the drill showed: fitted service and travel times (where there were enough to
    fit), observed profile and turnout."""

    def change(data: dict) -> None:
        if service:
            data["sampling"]["service_time"] = service.spec()
        if travel:
            for entry in point_groups(data):
                entry["travel_time"] = travel.spec()
        data["arrivals"]["profile"] = profile
        data["arrivals"]["turnout"] = round(min(1.0, log.swabbed.size / rnd.residents), 4) if rnd.residents else 1.0
        data["description"] = (
            "Calibrated by `natsim drill review` from a drill log: service and travel times fitted, arrival "
            "profile and turnout observed. " + str(data.get("description") or "")
        )

    moved = (rnd.source.parent, out) if rnd.source is not None and out is not None else None
    return edit_scenario(scenario_text, change, moved=moved)


def _fit_note(fit: Fit | None, n: int, needed: int) -> dict:
    if fit is None:
        return {"chosen": None, "samples": n, "needed": needed}
    return {"chosen": fit.kind, "by": "lowest AIC", "samples": n, "needed": needed, "candidates": fit.candidates}


def review(rnd: Round, scenario_text: str, log: DrillLog, out: Path) -> dict:
    """Observed against simulated, fits, the observed profile and calibrated.yaml, written into `out`."""
    log = log.swabs_only()  # residents still queuing when the log was exported were not swabbed
    simulated_log = log_from_trace(run_replication(rnd, 0, trace=True).trace)
    observed, simulated = figures(log), figures(simulated_log)
    fits = fit_rates(log, rnd)
    arrivals = log.joined if np.isfinite(log.joined).sum() >= 10 else log.swabbed
    profile = observed_profile(arrivals[~np.isnan(arrivals)])
    result = {
        "figures": {k: {"observed": observed[k], "simulated": simulated[k]} for k in observed},
        "service_time_fit": _fit_note(fits.service, fits.service_gaps.size, MIN_SERVICE_GAPS),
        "travel_time_fit": _fit_note(fits.travel, fits.drives.size, MIN_DRIVES),
        "observed_profile": profile,
        "rows": log.rows,
        "set_aside": len(log.set_aside),
    }
    with staged_folder(out) as tmp:
        (tmp / "review.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        calibrated = calibrated_yaml(scenario_text, log, rnd, fits.service, fits.travel, profile, out)
        (tmp / "calibrated.yaml").write_text(calibrated, encoding="utf-8")
        rows = [(k, v["observed"], v["simulated"]) for k, v in result["figures"].items()]
        write_csv(tmp / "review.csv", ("figure", "observed", "simulated"), rows)
        write_csv(
            tmp / "set_aside.csv", ("file", "line", "reason"), [(a.file, a.line, a.reason) for a in log.set_aside]
        )
        from sim.report.plots import drill as plots  # matplotlib only when drawing (start-up time)

        if fits.service:
            plots.fit_plot(fits.service_gaps, fits.service, N_("service time at a table"), tmp / "fit_service.png")
        plots.drill_vs_plan(log, simulated_log, tmp / "observed_vs_plan.png")
        if fits.travel:
            plots.fit_plot(fits.drives, fits.travel, N_("travel time, point to lab"), tmp / "fit_travel.png")
        write_page(page(tmp), tmp)
    return result


def page(folder: Path) -> Page:
    """report.html of a drill review: observed against simulated, the fits, the rows set aside."""
    result = read_json(folder / "review.json", ("figures", "service_time_fit", "rows", "set_aside"))
    tables = [(_("Observed and simulated"), "review.csv", None), (_("Rows set aside"), "set_aside.csv", None)]
    return folder_page(
        folder, _("Drill review: {name}").format(name=scenario_name(folder)), format_review(result), tables
    )


def format_review(result: dict) -> str:
    """What `natsim drill review` prints: observed against simulated, the chosen fit, rows read."""
    h = [_("figure"), _("observed"), _("simulated")]
    lines = [f"{h[0]:28s} {h[1]:>10s} {h[2]:>10s}"]
    for k, v in result["figures"].items():
        o, s = (
            ("-" if x is None else f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}")
            for x in (v["observed"], v["simulated"])
        )
        lines.append(f"{k:28s} {o:>10s} {s:>10s}")
    fit = result["service_time_fit"]
    if fit["chosen"] is None:
        lines.append(
            _("service time: not fitted, {n:,} busy-table gaps, fewer than {k} (the scenario's is kept)").format(
                n=fit["samples"], k=fit["needed"]
            )
        )
    else:
        lines.append(
            _(
                "service time: {chosen} (lowest AIC of {candidates}), mean {mean:.1f} s from {n:,} busy-table gaps"
            ).format(
                chosen=fit["chosen"],
                candidates=", ".join(fit["candidates"]),
                mean=fit["candidates"][fit["chosen"]]["mean_s"],
                n=fit["samples"],
            )
        )
    lines.append(
        _("rows: {read:,} read, {aside:,} set aside (see set_aside.csv)").format(
            read=sum(result["rows"].values()), aside=result["set_aside"]
        )
    )
    return "\n".join(lines)
