"""Words for planners: a one-paragraph description of a round and a verdict on a run."""

from __future__ import annotations

import numpy as np

from sim.core.distributions import describe as describe_dist
from sim.core.durations import format_duration
from sim.core.i18n import _, ngettext
from sim.report.summary import STAGE_NAMES
from sim.scenario.round import Round

WAITING_STAGES = ("queue_at_point", "waiting_for_pickup", "lab_queue")


def _h(seconds: float) -> str:
    return f"{seconds / 3600:g} h"


def describe_round(rnd: Round) -> str:
    """The round in one paragraph, as `natsim validate` prints it."""
    p = rnd.profile
    peak = int(p.weights[:-1].argmax())
    sh = rnd.shifts
    if sh:
        shifts = (
            _("tables work {length} shifts with {handover} handovers (staggered)")
            if sh.stagger
            else _("tables work {length} shifts with {handover} handovers")
        ).format(length=format_duration(sh.length), handover=format_duration(sh.handover))
    else:
        shifts = _("tables work without pause")
    # TRANSLATORS: the separator between the parts of a long sentence.
    semi = _("; ")
    labs = semi.join(
        _(
            "lab {name}: {vehicles} vehicles, {extractors} extractors and {pcr} PCR machines, plates of {plate} "
            "({extraction} extraction, {pcr_time} PCR)"
        ).format(
            name=lab.name,
            vehicles=lab.vehicles,
            extractors=lab.extractors,
            pcr=lab.pcr_machines,
            plate=lab.plate_size,
            extraction=describe_dist(lab.extraction),
            pcr_time=describe_dist(lab.pcr),
        )
        for lab in rnd.labs
    )
    groups = len({g.name for g in rnd.groups})  # a points CSV's rows, a places group's sites: one group each
    tubes = sum(g.count * g.residents / rnd.pool_size_of(g) for g in rnd.groups) * rnd.turnout
    text = _(
        "{name}: {residents:,} residents (turnout {turnout:.0%}) at {points:,} points with {tables:,} tables in "
        "{groups} group(s). Arrivals run from {first} to {last}, busiest from {peak_from} to {peak_to} at about "
        "{peak_rate:,.0f} residents/h against {table_rate:,.0f} residents/h of table capacity; tables open at {open}, "
        "{shifts}; service {service}. Swabs are pooled {pool} to a tube (about {tubes:,.0f} tubes); points are "
        "collected at least every {interval} or per box of {box} tubes. {labs}; together about {lab_rate:,.0f} "
        "tubes/h. "
    ).format(
        name=rnd.name,
        residents=rnd.residents,
        turnout=rnd.turnout,
        points=rnd.n_points,
        tables=rnd.tables,
        groups=groups,
        first=_h(p.times[0]),
        last=_h(p.times[-1]),
        peak_from=_h(p.times[peak]),
        peak_to=_h(p.times[peak + 1]),
        peak_rate=rnd.peak_arrival_rate(),
        table_rate=rnd.tables * 3600 / rnd.service.mean,
        open=_h(rnd.open),
        shifts=shifts,
        service=describe_dist(rnd.service),
        pool=rnd.pool_size,
        tubes=tubes,
        interval=format_duration(rnd.pickup_interval),
        box=rnd.box_capacity,
        labs=labs,
        lab_rate=sum(lab.tubes_per_hour() for lab in rnd.labs),
    )
    return text + _describe_more(rnd)


def _describe_more(rnd: Round) -> str:
    """What only some rounds have: positives, call slots, a campaign, a map, disruptions; then the deadline."""
    text = ""
    if rnd.prevalence > 0:
        text += _("Prevalence {p:.4%}, positive pools recalled after {delay}. ").format(
            p=rnd.prevalence, delay=format_duration(rnd.recall_delay)
        )
    called = {g.name: g for g in rnd.groups if g.calls is not None}  # a places group: its first site speaks for it
    for g in called.values():
        c = g.calls
        text += _(
            "Residents of {group} are called in {n} slot(s) from {start} to {end} ({share:.0%} of them; "
            "{ignore:.0%} of those called come later). "
        ).format(
            group=g.name,
            n=len(c.shares),
            start=_h(min(c.starts)),
            end=_h(max(c.ends)),
            share=sum(c.shares),
            ignore=c.ignore_share,
        )
    if rnd.campaign:
        own = [k + 1 for k, r in enumerate(rnd.campaign) if r.changed]
        text += _("A campaign of {n} rounds, one every {every}, each due {due} after its start").format(
            n=rnd.rounds, every=_h(rnd.every), due=_h(rnd.deadline)
        )
        if own:
            text += _("; round(s) {rounds} with their own turnout or profile").format(rounds=", ".join(map(str, own)))
        text += ". "
    if rnd.places is not None:
        text += describe_places(rnd)
    if rnd.events:
        spans = _("; ").join(
            _("{what} ({start} to {end})").format(what=e.label, start=_h(e.start), end=_h(e.end)) for e in rnd.events
        )
        text += _("Disruptions: {events}. ").format(events=spans)
    return text + _("Deadline {deadline}; {n} replication(s) from seed {seed}.").format(
        deadline=_h(rnd.deadline), n=rnd.replications, seed=rnd.seed
    )


def verdict(summary: dict) -> list[str]:
    m = summary["metrics"]
    deadline = summary["deadline_h"]
    reps = summary["replications"]
    met = round(summary["deadline_met_fraction"] * reps)
    rc = m["results_complete_h"]
    if rc["mean"] is None:
        return [_("Nobody came: no tubes, no results (check turnout and residents).")]
    lo, hi = rc["ci95"]
    margin = deadline - rc["mean"]
    ci = _(" (95% CI {lo:.1f}-{hi:.1f} h)").format(lo=lo, hi=hi) if reps > 1 else ""
    state = _("MET") if met == reps else (_("MISSED") if met == 0 else _("AT RISK"))
    how = _("{h:.1f} h to spare").format(h=margin) if margin >= 0 else _("{h:.1f} h late").format(h=-margin)
    lines = [
        ngettext(
            "Deadline {deadline:g} h: {state} (met in {met} of {reps} replication). "
            "Last pooled result at {last:.1f} h{ci}, {how}.",
            "Deadline {deadline:g} h: {state} (met in {met} of {reps} replications). "
            "Last pooled result at {last:.1f} h{ci}, {how}.",
            reps,
        ).format(deadline=deadline, state=state, met=met, reps=reps, last=rc["mean"], ci=ci, how=how),
        _(
            "Sampling ended at {sampled:.1f} h; the last tube reached a lab at {at_lab:.1f} h; "
            "{share:.1%} of residents had their result by the deadline."
        ).format(
            sampled=m["sampling_complete_h"]["mean"],
            at_lab=m["last_tube_at_lab_h"]["mean"],
            share=m["reported_by_deadline"]["mean"],
        ),
        _(
            "Queues: mean wait {mean:.1f} min, 95th percentile {p95:.1f} min, longest queue {queue:,.0f} residents."
        ).format(mean=m["wait_mean_min"]["mean"], p95=m["wait_p95_min"]["mean"], queue=m["max_queue"]["mean"]),
    ]
    if rounds := summary.get("rounds"):
        lines[0] = _campaign_line(rounds, state, met, reps, rc["mean"], ci, margin)
        lines.append(_rounds_line(rounds))
    if stages := _stages_line(summary):
        lines.append(stages)
    if "walk_mean_min" in m and m["walk_mean_min"]["mean"] is not None:
        lines.append(_walking(m))
    if len(summary.get("labs", {})) > 1 and (labs := _labs_line(summary["labs"])):
        lines.append(labs)
    if m["positives"]["mean"]:
        lines.append(
            _(
                "Positives: {n:.1f} on average, identified {mean:.1f} h after their first swab on average "
                "(latest {latest:.1f} h)."
            ).format(
                n=m["positives"]["mean"], mean=m["identified_mean_h"]["mean"], latest=m["identified_max_h"]["mean"]
            )
        )
    return lines


def slowest_wait(stages: dict[str, float | None]) -> str | None:
    """The stage that binds: the longest of the waits a tube or resident has (mean hours per stage).
    Transit and lab run times are set by the scenario; the waits are what more capacity buys down."""
    waits = {k: v for k, v in stages.items() if k in WAITING_STAGES and v is not None}
    return max(waits, key=waits.get) if waits else None


def _stages_line(summary: dict) -> str:
    """The slowest of the waits a tube or resident has, and the mean hours of every stage."""
    stages = {k: v for k, v in summary.get("stages_mean_h", {}).items() if v is not None}
    slow = slowest_wait(stages)
    if slow is None:
        return ""
    # TRANSLATORS: the separator of a list in a sentence.
    sep = _(", ")
    return _("Slowest stage: {stage}, {h:.1f} h on average. Mean hours per stage: {stages}.").format(
        stage=_(STAGE_NAMES[slow]),
        h=stages[slow],
        stages=sep.join(_(STAGE_NAMES[k]) + f" {v:.1f}" for k, v in stages.items()),
    )


def _campaign_line(rounds: list[dict], state: str, met: int, reps: int, last: float, ci: str, margin: float) -> str:
    every_round = rounds[0]["deadline_h"] - rounds[0]["start_h"]  # the same for every round
    how = (
        _("{h:.1f} h to spare before the last deadline").format(h=margin)
        if margin >= 0
        else _("{h:.1f} h late").format(h=-margin)
    )
    return ngettext(
        "Campaign of {n} rounds, each due {due:g} h after its start: {state} (every round on time in {met} of {reps} "
        "replication). Last pooled result of the campaign at {last:.1f} h{ci}, {how}.",
        "Campaign of {n} rounds, each due {due:g} h after its start: {state} (every round on time in {met} of {reps} "
        "replications). Last pooled result of the campaign at {last:.1f} h{ci}, {how}.",
        reps,
    ).format(n=len(rounds), due=every_round, state=state, met=met, reps=reps, last=last, ci=ci, how=how)


def _rounds_line(rounds: list[dict]) -> str:
    def state(r: dict) -> str:
        f = r["deadline_met_fraction"]
        return _("met") if f == 1 else _("LATE") if f == 0 else _("at risk")

    return _("Rounds (hours from each round's start to its last result, mean): {rounds}.").format(
        rounds="; ".join(
            f"{r['round']}: {r['metrics']['completion_after_start_h']['mean']:.1f} h {state(r)}"
            for r in rounds
            if r["metrics"]["completion_after_start_h"]["mean"] is not None
        )
    )


def _labs_line(labs: dict) -> str:
    """With several labs: the one whose last result comes last binds; and what the trunks carried."""
    last = {name: f["last_result_h"]["mean"] for name, f in labs.items() if f["last_result_h"]["mean"] is not None}
    if not last:
        return ""
    binds = max(last, key=last.get)
    moved = sum(f["diverted_out"]["mean"] or 0 for f in labs.values())
    line = _("The lab that binds: {name}, its last result at {h:.1f} h").format(name=binds, h=last[binds])
    others = "; ".join(f"{name} {h:.1f} h" for name, h in sorted(last.items(), key=lambda x: -x[1]) if name != binds)
    if others:
        line += _(" (then {others})").format(others=others)
    if moved:
        line += _("; {n:,.0f} tubes sent on by trunk").format(n=moved)
    return line + "."


def _walking(m: dict) -> str:
    return _(
        "Walking: {within:.1%} of residents within the walking standard; mean walk {mean:.1f} min, 95th percentile "
        "{p95:.1f} min, longest {longest:.1f} min; the whole journey (walk, queue, swab) {journey:.1f} min on average, "
        "95th percentile {journey_p95:.1f} min."
    ).format(
        within=m["within_walk_standard"]["mean"],
        mean=m["walk_mean_min"]["mean"],
        p95=m["walk_p95_min"]["mean"],
        longest=m["walk_max_min"]["mean"],
        journey=m["journey_mean_min"]["mean"],
        journey_p95=m["journey_p95_min"]["mean"],
    )


def describe_places(rnd: Round) -> str:
    """The map in words: compounds, sites, the walking standard, the farthest compound, each lab's sites."""
    m = rnd.places
    served = m.assigned >= 0
    people = m.compound_residents
    within = m.residents_within_standard
    far = int(np.nanargmax(np.where(served, m.walk, -1.0))) if served.any() else None
    closed = int(np.sum(m.site_tables == 0))
    text = _("On a map: {compounds:,} compounds with {residents:,} residents; {sites:,} open sites").format(
        compounds=len(m.compound_names), residents=people.sum(), sites=m.open_sites.size
    )
    if closed:
        text += _(" ({n:,} closed)").format(n=closed)
    text += _("; {within:.1%} of residents live within the {standard} walking standard of their site").format(
        within=within, standard=format_duration(m.standard)
    )
    if far is not None:
        text += _("; the farthest compound is {name}, {minutes:.0f} min from {site}").format(
            name=m.compound_names[far], minutes=m.walk[far] / 60, site=m.site_names[m.assigned[far]]
        )
    labs = []
    for li, name in enumerate(m.lab_names):
        mine = m.open_sites[m.site_lab[m.open_sites] == li]
        if mine.size:
            labs.append(
                _("lab {name} serves {n:,} sites, {minutes:.0f} min's drive on average").format(
                    name=name, n=mine.size, minutes=np.mean(m.site_drive[mine]) / 60
                )
            )
    return text + (_(". ") + _("; ").join(labs) if labs else "") + _(". ")
