"""`natsim site`: which candidate sites to open, with how many tables, so that every compound is within
the walking standard and no queue exceeds the queue standard, with the fewest points, tables or
samplers. Step 1 is the mixed-integer program of `sim.plan.siting`; step 2 simulates it, repairs,
descends and checks on fresh replications (`sim.plan.site_check`). docs/siting.md has the method.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from sim.core import streams
from sim.core.i18n import _
from sim.core.profile import peak_share
from sim.core.stats import share_lower_bound_95
from sim.plan.bounds import samplers_per_table
from sim.plan.site_check import (
    SiteChecker,
    close_where_possible,
    descend,
    one_step_smaller,
    repair,
    site_margin,
)
from sim.plan.site_model import MIP_GAP, Candidates, SitingInfeasible, SitingProblem, Solution, capacities, weights
from sim.plan.site_report import milp_words
from sim.plan.siting import solve
from sim.scenario.build import build_round
from sim.scenario.load import LoadedScenario
from sim.scenario.pauses import working_share
from sim.scenario.places.build import reassign
from sim.scenario.places.map import PlacesMap, with_neighbours
from sim.scenario.round import Round

DEFAULT_MAX_TABLES = 6  # a candidate without max_tables: a school yard or a square holds about six
# Seconds for HiGHS per program. On the county town from a green field (192 compounds, 300 candidates) its
# bound was 56.256 after 10 s and 56.267 after 20 s, the tables bound (56.444) above both, and no plan it
# found in 20 s beat the local search's: the second ten seconds bought nothing a planner sees.
TIME_LIMIT = 10.0


class SitingError(Exception):
    """Options that do not fit the scenario (not on a map, no candidates, an unknown limit)."""


@dataclass(frozen=True)
class SitingTargets:
    walk: float  # seconds: the walking standard
    max_wait: float  # seconds: the p95 wait at every site
    confidence: float = 0.95
    objective: str = "points"
    limits: dict[str, int] = field(default_factory=dict)
    replications: int = 10  # fresh replications of the verification
    search_replications: int = 3
    time_limit: float = TIME_LIMIT  # seconds for HiGHS per program (the whole map, or each district)
    jobs: int = 1  # worker processes for a city's districts


def candidates(loaded: LoadedScenario, m: PlacesMap) -> Candidates:
    """Candidate rows may open (0..max_tables); other open sites stay as they are; closed non-candidates never open."""
    rows = loaded.place_files.sites
    flagged = np.array([r.candidate for r in rows], bool)
    is_open = m.site_tables > 0
    index = np.flatnonzero((flagged | is_open) & (m.site_lab >= 0))
    most = np.array([rows[s].max_tables or max(rows[s].tables, DEFAULT_MAX_TABLES) for s in index], np.int64)
    fixed = np.where(flagged[index], 0, m.site_tables[index])
    return Candidates(index, most, fixed)


def site(
    loaded: LoadedScenario, rnd: Round, targets: SitingTargets, say: Callable[[str], None] = lambda _: None
) -> dict:
    """Site the round; returns what siting.json records, and the plan's map under "_map"."""
    if rnd.places is None:
        raise SitingError("natsim site needs a places scenario: compounds and candidate sites (docs/places.md)")
    if targets.objective not in ("points", "tables", "samplers"):
        raise SitingError(f"--objective {targets.objective}: choose points, tables or samplers")
    if bad := [k for k in targets.limits if k not in ("points", "tables", "samplers")]:
        raise SitingError(f"--limit {','.join(bad)}: limits are points, tables, samplers")
    if targets.walk <= 0 or targets.max_wait <= 0:
        raise SitingError(_("the walking and queue standards must be more than zero"))
    m = replace(rnd.places, standard=targets.walk)
    cands = candidates(loaded, m)
    if not cands.index.size:
        raise SitingError("no candidate site: mark sites with candidate true in sites.csv (or give them tables)")
    rnd = _with_every_resident(loaded, rnd, cands)
    problem = _problem(rnd, m, cands, targets)
    t0 = time.perf_counter()
    try:
        sol = solve(problem, jobs=targets.jobs)
    except SitingInfeasible as exc:
        return _infeasible(m, targets, str(exc), exc.unreachable)
    milp = _milp_record(sol, m, time.perf_counter() - t0, problem)
    say(milp_words(milp))
    return _simulate(loaded, rnd, m, cands, targets, sol, milp, say)


def _with_every_resident(loaded: LoadedScenario, rnd: Round, cands: Candidates) -> Round:
    """The round whose rates siting uses. From a green field (no site open, so no resident in any point)
    it is the round with every candidate open at one table: the same residents, turnout and profile as
    any plan will have."""
    if rnd.residents > 0 or loaded.places_map is None:
        return rnd
    tables = loaded.places_map.site_tables.copy()
    tables[cands.index] = np.maximum(tables[cands.index], 1)
    return replace(build_round(replace(loaded, places_map=reassign(loaded.places_map, tables))), places=rnd.places)


def _milp_record(sol: Solution, m: PlacesMap, seconds: float, problem: SitingProblem) -> dict:
    """siting.json's "milp": the plan step 1 chose, its objective, the whole map's proven bound and gap."""
    finite = {k: (v if v is not None and np.isfinite(v) else None) for k, v in sol.bounds.items()}
    return {
        "program": "whole map" if sol.whole_map else "districts",
        "objective_name": problem.objective,
        "weights": {"per_site": weights(problem)[0], "per_table": weights(problem)[1]},
        "objective": sol.objective,
        "lower_bound": sol.bound,
        "bounds": finite,
        "gap": sol.gap,
        "optimal": sol.optimal,
        "tolerance": MIP_GAP,
        "status": sol.status,
        "districts": sol.cells,
        "districts_optimal": sol.optimal_cells,
        "seconds": seconds,
        "sites": int((sol.tables > 0).sum()),
        "tables": int(sol.tables.sum()),
        "overloaded_at_the_peak": [m.site_names[s] for s in sol.overloaded],
    }


def _problem(rnd: Round, m: PlacesMap, cands: Candidates, t: SitingTargets) -> SitingProblem:
    share_per_s = peak_share(rnd.profile.times, rnd.profile.weights)  # of each resident who comes
    most = int(max(cands.max_tables.max(), cands.fixed_tables.max()))
    return SitingProblem(
        m=m,
        cands=cands,
        peak_rate=m.compound_residents * rnd.turnout * share_per_s,
        # A table on shifts serves only while it works: the handovers take their share of the hour.
        capacity=capacities(most, rnd.service.mean / working_share(rnd.shifts), t.max_wait),
        standard=t.walk,
        objective=t.objective,
        samplers_per_table=samplers_per_table(rnd),
        limits=t.limits,
        time_limit=t.time_limit,
    )


def _simulate(loaded, rnd, m, cands, targets, sol, milp: dict, say) -> dict:
    # Thousands of plans: P3 by rows, and the sites of a plan simulated on every core.
    ch = SiteChecker(loaded, rnd, with_neighbours(m), targets.max_wait, targets.walk, jobs=targets.jobs)
    try:
        return _check(ch, rnd, m, cands, targets, sol, milp, say)
    finally:
        ch.close()


def _check(ch: SiteChecker, rnd, m, cands, targets, sol, milp: dict, say) -> dict:
    n = len(m.site_names)
    most, fixed, candidate = np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, bool)
    most[cands.index], fixed[cands.index], candidate[cands.index] = (
        cands.max_tables,
        cands.fixed_tables,
        cands.fixed_tables == 0,
    )
    ch.out_of_reach = np.array(sol.unreachable, np.int64)
    search = streams.replications("run", targets.search_replications)
    # The margin is measured on the plan repaired to the standard itself, whose sites sit near it.
    tables, _left = repair(ch, sol.tables, most, candidate, search, say)
    ch.margin = site_margin(ch, ch.plan(tables), search, targets.confidence)
    if ch.margin == 0.0:  # no site sits near the standard yet (a generous program's plan): descend to it first
        tables = descend(ch, tables, fixed, search, say)
        ch.margin = site_margin(ch, ch.plan(tables), search, targets.confidence)
    say(
        _(
            "queue standard judged {margin:.1f} min inside {wait:g} min at each site (the spread of a site's p95)"
        ).format(margin=ch.margin / 60, wait=targets.max_wait / 60)
    )
    tables, _left = repair(ch, tables, most, candidate, search, say)  # sites still over are judged again below
    tables = descend(ch, tables, fixed, search, say)
    check = list(streams.replications("sizing check", targets.replications))
    first = streams.FIRST_REPLICATION["final check"]
    tried = shut = 0
    for attempt in range(3):  # a plan chosen at the edge may need a step more on replications it has not seen
        tables, stuck = repair(ch, tables, most, candidate, check, say)
        # Minimality: every open site tried closed, its compounds to their next nearest open site (P3).
        closures = close_where_possible(ch, tables, fixed, check)
        tables, tried, shut = closures.tables, tried + closures.tried, shut + closures.closed
        say(_("minimality: {tried} open sites tried closed, {closed} closed").format(tried=closures.tried, closed=shut))
        final = ch.plan(tables)
        fresh = range(first + attempt * targets.replications, first + (attempt + 1) * targets.replications)
        met = [ch.replication_ok(final, r) for r in fresh]
        if sum(met) >= targets.confidence * len(met) - 1e-9 or stuck:
            break
        check += list(fresh)  # judged again on replications nothing was chosen on
        say(
            _("fresh replications: targets met in {met} of {n}; repairing on them too").format(met=sum(met), n=len(met))
        )
    # A site stuck at its most tables may still meet the standard itself, short only of the margin.
    over = [s for s in stuck if not ch.site_ok(final, s, check, margin=False)]
    result = {
        "targets": _targets(targets),
        "feasible": True,
        "candidates": int(cands.index.size),
        "milp": milp,
        "unreachable_compounds": [m.compound_names[c] for c in sol.unreachable],
        "plan": _plan(final, rnd),
        "verification": _verification(ch, final, met, fresh, attempt),
        "minimality": {"sites_tried_closed": tried, "closed": shut, "replications": len(check)},
        "whole_map": _whole_map(milp, final),
        "one_step_smaller": one_step_smaller(ch, tables, fixed, check),
        "sites_over_the_queue_standard": [m.site_names[s] for s in over],
        "sites_simulated": ch.simulated,
        "_map": final,
    }
    if sum(met) < targets.confidence * len(met) - 1e-9:
        result["feasible"] = False
        result["note"] = (
            f"the plan met every target in {sum(met)} of {len(met)} fresh replications, fewer than the confidence "
            f"asked ({targets.confidence:.0%}), after {attempt + 1} rounds of repair: allow more tables or sites, "
            "or ask for more --replications"
        )
    if over:
        result["feasible"] = False
        result["note"] = (
            f"{len(over)} site(s) stay over the queue standard at their most tables with no nearer candidate "
            "to take a compound: call residents in slots there, or allow more tables"
        )
    if sol.unreachable:
        result["feasible"] = False
        result["note"] = f"{len(sol.unreachable)} compound(s) have no candidate site within the walking standard"
    return result


def _verification(ch: SiteChecker, final: PlacesMap, met: list[bool], fresh: range, attempt: int) -> dict:
    k = sum(met)
    return {
        "queue_margin_min": ch.margin / 60,  # repair, descent and smaller plans judged this far inside
        "attempts": attempt + 1,
        "replications": len(met),
        "share_meeting_targets": k / len(met),
        "lower_bound_95": share_lower_bound_95(k, len(met)),
        "worst_site_p95_wait_min": ch.worst(final, fresh),
    }


def _whole_map(milp: dict, final: PlacesMap) -> dict:
    """The plan after simulation against what holds for it. The program's bounds are in its capacity
    model (Erlang C at the peak), which the simulation replaces: its tables may fall below them. The
    walking cover holds for any plan that keeps every compound within the walk."""
    w = milp["weights"]
    value = w["per_site"] * int(final.open_sites.size) + w["per_table"] * int(final.site_tables.sum())
    bound = milp["bounds"].get("walking_cover")
    bound = 0.0 if bound is None else bound
    return {"objective": value, "walking_cover_bound": bound, "gap": (value - bound) / value if value else 0.0}


def _targets(t: SitingTargets) -> dict:
    return {
        "walk_min": t.walk / 60,
        "max_wait_min": t.max_wait / 60,
        "confidence": t.confidence,
        "objective": t.objective,
        "limits": t.limits,
        "replications": t.replications,
    }


def _plan(m: PlacesMap, rnd: Round) -> dict:
    open_ = m.open_sites
    served = m.assigned >= 0
    people = m.compound_residents
    return {
        "sites": int(open_.size),
        "tables": int(m.site_tables.sum()),
        "samplers": int(m.site_tables.sum()) * samplers_per_table(rnd),
        "residents_per_site": float(people.sum() / max(open_.size, 1)),
        "residents_within_walk_standard": m.residents_within_standard,
        "walk_max_min": float(np.nanmax(np.where(served, m.walk, np.nan)) / 60) if served.any() else None,
    }


def _infeasible(m: PlacesMap, targets: SitingTargets, message: str, unreachable: list[int]) -> dict:
    return {
        "targets": _targets(targets),
        "feasible": False,
        "note": f"no plan within the limits: {message}",
        "unreachable_compounds": [m.compound_names[c] for c in unreachable],
        "_map": m,
    }
