"""`natsim forecast`'s folder: forecast.json, points.csv, labs.csv, options.csv, set_aside.csv,
forecast.png and report.html; and the table it prints."""

from __future__ import annotations

import json
from pathlib import Path

from sim.core.i18n import _
from sim.core.tables import write_csv
from sim.engine.timeline import Grid
from sim.feeds.status import Status
from sim.forecast.outlook import future_curves
from sim.report.folder import staged_folder
from sim.report.page import Page, folder_page, read_json, scenario_name, write_page
from sim.report.summary import STAGE_NAMES
from sim.scenario.round import Round

# What the forecast's page reads from forecast.json (a damaged file is refused, not a traceback).
FORECAST_KEYS = (
    "at_h",
    "deadline_h",
    "replications",
    "deadline_met_probability",
    "last_result_h",
    "points",
    "labs",
    "past",
)
POINT_COLUMNS = ("point", "sampled", "plan_sampled", "behind", "sampling_end_h")
LAB_COLUMNS = ("lab", "tubes_received", "tubes_reported", "plan_tubes_reported", "behind", "last_result_h")


def write_forecast(result: dict, rnd: Round, status: Status, scenario_text: str, out: Path) -> Path:
    """The forecast's folder, written whole or not at all."""
    outlooks, plans = result.pop("_outlooks"), result.pop("_plans")
    with staged_folder(out) as tmp:
        (tmp / "scenario.yaml").write_text(scenario_text, encoding="utf-8")
        (tmp / "forecast.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        write_csv(tmp / "points.csv", POINT_COLUMNS, [[p[k] for k in POINT_COLUMNS] for p in result["points"]])
        write_csv(tmp / "labs.csv", LAB_COLUMNS, [[lab[k] for k in LAB_COLUMNS] for lab in result["labs"]])
        options = [_option_row(o) for o in result["options"]]
        write_csv(tmp / "options.csv", ("add", "deadline_met_probability", "last_result_h", "change_h"), options)
        write_csv(
            tmp / "set_aside.csv", ("file", "line", "reason"), [(a.file, a.line, a.reason) for a in status.set_aside]
        )
        from sim.report.plots.forecast import forecast_plot  # matplotlib only when drawing

        grid = Grid.for_round(rnd)
        forecast_plot(result, future_curves(status, outlooks, plans, grid), rnd.name, tmp / "forecast.png")
        write_page(page(tmp), tmp)
    return out


def _option_row(o: dict) -> list:
    change = o.get("last_result_change_h")
    return [o["add"], o["deadline_met_probability"], o["last_result_h"]["mean"], change["mean"] if change else None]


def _h(x: float | None) -> str:
    return "-" if x is None else _("{h:.1f} h").format(h=x)


def _last_line(lr: dict) -> str:
    """The last result's expected time and interval, or plainly why there is none."""
    why = lr.get("interval", "ok")
    if why == "done":
        return _("Every pooled result is in by then in every replication: nothing is left to forecast.")
    if why == "too_few":
        return _(
            "Last pooled result expected at {mean}; no prediction interval: only {k} of {n} replications have a result "
            "still to come."
        ).format(mean=_h(lr["mean"]), k=lr["with_result"], n=len(lr["values"]))
    lo, hi = lr["prediction95"]
    return _("Last pooled result expected at {mean}; 95% prediction interval {lo} to {hi}.").format(
        mean=_h(lr["mean"]), lo=_h(lo), hi=_h(hi)
    )


def status_lines(status: dict) -> list[str]:
    """What the status held: a replay's rows after TIME left out; whose queue the forecast used."""
    lines = []
    left = status.get("left_out") or {}
    if any(left.values()):
        lines.append(
            _(
                "Replay of a fuller log: {swabs:,} swab row(s), {queuing:,} queue row(s) and {times:,} tube time(s) "
                "after "
                "TIME left out (a log exported at TIME has none)."
            ).format(swabs=left.get("swabs", 0), queuing=left.get("queuing", 0), times=left.get("tube_times", 0))
        )
    counted = status.get("counted_h")
    if counted is not None and counted < status.get("at_h", counted):
        lines.append(
            _(
                "Counted at {counted:.1f} h, before TIME: turnout compares them with the plan at {counted:.1f} h."
            ).format(counted=counted)
        )
    if status.get("queue") == "plan":
        lines.append(
            _("Queues at TIME: not in the status (no one joined and not swabbed); the plan's queue at TIME is used.")
        )
    return lines


def format_forecast(result: dict) -> str:
    """What `natsim forecast` prints: the outlook, what is behind, what each option changes."""
    lr = result["last_result_h"]
    lo, hi = lr["prediction95"] or (None, None)
    p, ci = result["deadline_met_probability"], result["deadline_met_ci95"]
    lines = [
        _(
            "Forecast at {at:.1f} h from {n} replications: deadline {deadline:g} h met with probability {p:.0%} "
            "(95% CI {lo:.0%}-{hi:.0%})."
        ).format(at=result["at_h"], n=result["replications"], deadline=result["deadline_h"], p=p, lo=ci[0], hi=ci[1]),
        _last_line(lr),
    ]
    past = result["past"]
    lines.append(
        _("By then: {sampled:,} sampled, {tubes:,} tubes at labs, {reported:,} tubes reported.").format(
            sampled=past["sampled"], tubes=past["tubes_at_lab"], reported=past["tubes_reported"]
        )
    )
    if stage := result["binding_stage"]:
        lines.append(
            _("Slowest stage from now: {stage}; the lab that finishes last: {lab}.").format(
                stage=_(STAGE_NAMES[stage]), lab=result["binding_lab"]
            )
        )
    behind = [x["point"] for x in result["points"] if x["behind"]]
    labs = [x["lab"] for x in result["labs"] if x["behind"]]
    shown = ", ".join(behind[:10]) + (_(" and {n} more").format(n=len(behind) - 10) if len(behind) > 10 else "")
    lines.append(_("Points behind the plan: {points}.").format(points=shown or _("none")))
    lines.append(_("Labs behind the plan: {labs}.").format(labs=", ".join(labs) or _("none")))
    lines += status_lines(result.get("status", {}) | {"at_h": result["at_h"]})
    lines += update_lines(result["updates"])
    for o in result["options"]:
        change = o.get("last_result_change_h")
        how = (
            _(", last result {d:+.2f} h (95% CI {lo:+.2f} to {hi:+.2f})").format(
                d=change["mean"], lo=change["ci95"][0], hi=change["ci95"][1]
            )
            if change
            else ""
        )
        lines.append(
            _("With {add}: deadline met with probability {p:.0%}{how}.").format(
                add=o["add"], p=o["deadline_met_probability"], how=how
            )
        )
    return "\n".join(lines)


def update_lines(updates: dict) -> list[str]:
    """What the status changed in the scenario, and what it could not, in the interface's language."""
    t = updates["turnout"]
    ratio = t["now"] / t["scenario"] if t["scenario"] else 1.0
    if t["updated"] and t.get("compared") == "sampled":
        turnout = _("{came:,} swabbed by then against {plan:,.0f} swabbed in the plan: turnout x {ratio:.3f}").format(
            came=t["came"], plan=t["plan"], ratio=ratio
        )
    elif t["updated"]:
        turnout = _("{came:,} came by then against {plan:,.0f} in the plan: turnout x {ratio:.3f}").format(
            came=t["came"], plan=t["plan"], ratio=ratio
        )
    else:
        turnout = _("not updated: the plan expects under {share:.0%} of residents by then").format(
            share=t["too_early_below"]
        )
    lines = [_("Turnout: {note}.").format(note=turnout)]
    for key, label, unit, scale, what in (
        ("service_time", _("Service time"), "s", 1.0, _("busy-table gaps")),
        ("travel_time", _("Travel time"), "min", 60.0, _("drives")),
    ):
        u = updates[key]
        if u.get("why") == "counts":
            note = _("not updated: counts show no durations")
        elif u.get("why") == "alike":
            note = _("not updated: the {n:,} {what} are all alike, no distribution to fit").format(
                n=u["observations"], what=what
            )
        elif u["updated"]:
            note = _("fitted from {n:,} {what}: {kind}, mean {mean:.1f} {unit}").format(
                n=u["observations"], what=what, kind=u["kind"], mean=u["mean_s"] / scale, unit=unit
            )
        elif key == "travel_time" and "groups" in u:  # each point group is fitted from its own drives
            note = _("not updated: no point group has {k} drives of its own (the most: {n:,})").format(
                n=u["observations"], k=u["needed"]
            )
        else:
            note = _("not updated: {n} {what}, fewer than {k}").format(n=u["observations"], what=what, k=u["needed"])
        lines.append(_("{label}: {note}.").format(label=label, note=note))
    if updates["lab_turnaround"].get("why") == "log":
        lines.append(
            _("Lab run times: {note}.").format(
                note=_("not updated: a log holds receipt and report, not a plate's extraction and PCR")
            )
        )
    return lines


def page(folder: Path) -> Page:
    """report.html of a forecast: the outlook, the plot, points and labs against the plan, the options."""
    result = read_json(folder / "forecast.json", FORECAST_KEYS)
    tables = [
        (_("Points against the plan"), "points.csv", "sampling_end_h"),
        (_("Labs against the plan"), "labs.csv", "last_result_h"),
        (_("What each option changes"), "options.csv", None),
        (_("Rows set aside"), "set_aside.csv", None),
    ]
    title = _("Forecast at {at:.1f} h: {name}").format(at=result["at_h"], name=scenario_name(folder))
    return folder_page(folder, title, format_forecast(result), tables)
