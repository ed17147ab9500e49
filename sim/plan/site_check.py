"""`natsim site`, step 2: the chosen sites simulated, repaired where queues break the standard, then
brought down to where one table fewer at a busy site, or one site closed, breaks a target.

Each site's queue depends only on its catchment, its tables and the round's rules (rules 1-3, P4), so a
site is simulated alone, on its own streams (keyed by its place in sites.csv), and remembered: a change
at one site re-simulates only the sites whose catchment it changes.
"""

from __future__ import annotations

import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np

from sim.core import streams
from sim.core.i18n import _
from sim.core.stats import normal_quantile
from sim.engine.crowd import simulate_point
from sim.engine.figures import quantile
from sim.scenario.build import site_point
from sim.scenario.load import LoadedScenario
from sim.scenario.places.build import reassign
from sim.scenario.places.map import PlacesMap, nearest_open, walks, within_standard
from sim.scenario.round import Round
from sim.scenario.rules import within_wait

SITE_KEY = 1_000_000  # site s of a plan draws from the crowd streams of group SITE_KEY + s


@dataclass
class SiteChecker:
    """Simulates sites of plans of one map, remembering every (site, tables, catchment, replication)."""

    loaded: LoadedScenario
    rnd: Round
    base: PlacesMap
    max_wait: float  # seconds, the p95 at every site
    walk: float  # seconds, the walking standard
    simulated: int = 0
    margin: float = 0.0  # seconds inside max_wait that a site is judged at on the search replications
    out_of_reach: np.ndarray | None = None  # compounds no candidate serves within the walk: reported, not judged
    jobs: int = 1  # worker processes for many sites asked at once (`prefetch`)
    _memo: dict = field(default_factory=dict)
    _pool: ProcessPoolExecutor | None = None

    def plan(self, tables: np.ndarray) -> PlacesMap:
        return reassign(self.base, tables)

    def p95(self, m: PlacesMap, s: int, rep: int) -> float:
        """Site s's 95th-percentile wait (seconds) in replication `rep` of plan m (0 when nobody comes)."""
        key = _key(m, s, rep)
        if key not in self._memo:
            self._memo[key] = site_p95(self.loaded, self.rnd, m, s, rep)
            self.simulated += 1
        return self._memo[key]

    def prefetch(self, m: PlacesMap, sites, reps) -> None:
        """Simulate at once, on the worker processes, what `p95` would for every one of `sites` in every
        one of `reps` and has not yet: the same figures (a site's streams are keyed by the site and the
        replication, not by the process), in a fraction of the time where thousands are asked together."""
        todo = [(int(s), int(r)) for s in sites for r in reps if _key(m, int(s), int(r)) not in self._memo]
        if self.jobs < 2 or len(todo) < PARALLEL_FROM:
            return
        if self._pool is None:
            ctx = multiprocessing.get_context("spawn")  # as the runner: workers start clean
            init = (self.loaded, self.rnd, self.base)
            self._pool = ProcessPoolExecutor(self.jobs, mp_context=ctx, initializer=_start_worker, initargs=init)
        plan = (m.site_tables, m.assigned, m.walk)
        chunks = [todo[k :: self.jobs * 4] for k in range(self.jobs * 4)]
        for chunk, values in zip(chunks, self._pool.map(_worker_p95, [plan] * len(chunks), chunks), strict=True):
            for (s, r), v in zip(chunk, values, strict=True):
                self._memo[_key(m, s, r)] = v
            self.simulated += len(chunk)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def site_ok(self, m: PlacesMap, s: int, reps: range, margin: bool = True) -> bool:
        """Site s within the queue standard (less the margin, as repair and descent judge) in every one of `reps`."""
        return all(within_wait(self.p95(m, s, r), self.max_wait, self.margin if margin else 0.0) for r in reps)

    def walks_ok(self, m: PlacesMap) -> bool:
        """Every compound with residents served within the walking standard, but those out of reach of
        every candidate (no plan can: siting.json names them and the command exits 1)."""
        judged = m.compound_residents > 0
        if self.out_of_reach is not None:
            judged[self.out_of_reach] = False
        served = m.assigned >= 0
        return bool(np.all(within_standard(m.walk[served & judged], self.walk))) and not np.any(~served & judged)

    def sites_ok(self, m: PlacesMap, sites, reps: range, margin: bool = True) -> bool:
        """Every one of `sites` within the queue standard in every one of `reps` (as `site_ok`). The answer
        does not depend on the order asked, so the site likeliest to fail (the most residents per table) is
        asked first, one replication of every site before the next: a plan that fails is told in a
        simulation or two rather than after every other site's."""
        sites = sorted(sites, key=lambda s: -m.compound_residents[m.served(s)].sum() / max(int(m.site_tables[s]), 1))
        return all(self.site_ok(m, s, range(r, r + 1), margin) for r in reps for s in sites)

    def replication_ok(self, m: PlacesMap, rep: int) -> bool:
        """The targets themselves (no margin): every compound within the walk, every site within the wait."""
        if not self.walks_ok(m):
            return False
        self.prefetch(m, m.open_sites, range(rep, rep + 1))
        return self.sites_ok(m, m.open_sites, range(rep, rep + 1), margin=False)

    def worst(self, m: PlacesMap, reps: range) -> list[float]:
        """Per replication, the worst site's p95 wait in minutes."""
        return [max((self.p95(m, s, r) for s in m.open_sites), default=0.0) / 60 for r in reps]


PARALLEL_FROM = 400  # sites x replications asked at once: below this, workers cost more to feed than they save


def _key(m: PlacesMap, s: int, rep: int) -> tuple:
    """What site s's queue in replication `rep` depends on: its tables and its compounds."""
    return (s, int(m.site_tables[s]), m.served(s).tobytes(), rep)


def site_p95(loaded: LoadedScenario, rnd: Round, m: PlacesMap, s: int, rep: int) -> float:
    """Site s of plan m simulated alone, on its own streams: its 95th-percentile wait (seconds; 0 when nobody comes)."""
    g = site_point(loaded, m, s)
    rng = streams.stream(rnd.seed, rep, streams.CROWD, SITE_KEY + s, 0)
    c = simulate_point(rnd, g.tables, g.residents, rng, -1, -1, rnd.pool_size_of(g), g.home, g.calls, g.catchment)
    return quantile(c.wait, 0.95) or 0.0


_worker: tuple = ()  # in a worker process: the scenario, the round and the map, sent once


def _start_worker(loaded: LoadedScenario, rnd: Round, base: PlacesMap) -> None:
    global _worker
    _worker = (loaded, rnd, base)


def _worker_p95(plan: tuple[np.ndarray, np.ndarray, np.ndarray], asked: list[tuple[int, int]]) -> list[float]:
    loaded, rnd, base = _worker
    tables, assigned, walk = plan
    m = replace(base, site_tables=tables, assigned=assigned, walk=walk)
    return [site_p95(loaded, rnd, m, s, r) for s, r in asked]


def site_margin(ch: SiteChecker, m: PlacesMap, reps: range, confidence: float) -> float:
    """How far inside the queue standard each site is judged, so that a plan of n sites meets it at every
    site on a share `confidence` of fresh replications. A site may fail in at most (1 - confidence) / n of
    them (a union bound), so it must sit z = Phi^-1(1 - (1 - confidence) / n) standard deviations of its
    p95 below the standard. The deviation is pooled over the sites of plan m near the standard (mean p95
    between half of it and all of it), where a site's spread over replications is what matters; with
    thousands of sites z is about 4, which is why a city plan judged without it failed on fresh
    replications though every site passed on the search ones. At most half the standard."""
    sites = m.open_sites
    if len(reps) < 2 or not sites.size:
        return 0.0
    ch.prefetch(m, sites, reps)
    p = np.array([[ch.p95(m, s, r) for r in reps] for s in sites])
    mean = p.mean(axis=1)
    near = (mean >= ch.max_wait / 2) & (mean <= ch.max_wait)
    if near.sum() < 2:
        return 0.0
    sigma = math.sqrt(float(p[near].var(axis=1, ddof=1).mean()))
    return min(normal_quantile(1 - (1 - confidence) / sites.size) * sigma, ch.max_wait / 2)


def with_tables(m: PlacesMap, s: int, k: int) -> PlacesMap:
    """Plan m with site s at k > 0 tables (nobody moves)."""
    tables = m.site_tables.copy()
    tables[s] = k
    return replace(m, site_tables=tables)


def closed(m: PlacesMap, s: int) -> PlacesMap:
    """Plan m with site s closed: only its compounds move, each to its nearest open site (P3)."""
    tables = m.site_tables.copy()
    tables[s] = 0
    moved = m.served(s)
    assigned, walk = m.assigned.copy(), m.walk.copy()
    if moved.size:
        assigned[moved], walk[moved] = nearest_open(m, moved, tables > 0)
    return replace(m, site_tables=tables, assigned=assigned, walk=walk)


def opened(m: PlacesMap, s: int, k: int) -> PlacesMap:
    """Plan m with closed site s opened at k tables: only the compounds nearer to it than to their own
    site move there (P3), as a fresh assignment would have them."""
    tables = m.site_tables.copy()
    tables[s] = k
    asked = np.arange(len(m.compound_xy)) if m.neighbours is None else m.neighbours.may_be_nearer(s, m.assigned)
    walk_there = walks(m, asked, np.full(asked.size, s))
    moved = (m.assigned[asked] < 0) | (walk_there < m.walk[asked])
    assigned, walk = m.assigned.copy(), m.walk.copy()
    assigned[asked[moved]], walk[asked[moved]] = s, walk_there[moved]
    return replace(m, site_tables=tables, assigned=assigned, walk=walk)


def repair(
    ch: SiteChecker, tables: np.ndarray, max_tables: np.ndarray, candidate: np.ndarray, reps: range, say
) -> tuple[np.ndarray, list[int]]:
    """Where a site breaks the queue standard in any replication: tables until it holds, or, at its most, a closed
    candidate opens that is nearer to some of its compounds (they then go there, P3) with the fewest
    tables that keep every site it touches within the standard. A site where neither helps is left as
    it is; returns the tables and those sites. The loop ends when nothing changes."""
    tables = tables.copy()
    stuck: set[int] = set()
    for _step in range(100):
        m = ch.plan(tables)
        ch.prefetch(m, m.open_sites, reps)
        failing = [s for s in m.open_sites if s not in stuck and not ch.site_ok(m, s, reps)]
        if not failing:
            break
        for s in failing:
            if tables[s] < max_tables[s]:
                # More tables move nobody (P3 looks only at which sites are open): grow this site alone
                # until it holds, in one round rather than one table per round.
                k = int(tables[s]) + 1
                while k < max_tables[s] and not ch.site_ok(with_tables(m, s, k), s, reps):
                    k += 1
                tables[s] = k
            elif (split := _split(ch, ch.plan(tables), s, max_tables, candidate, reps)) is not None:
                tables = split
            else:
                stuck.add(s)
        say(
            _("repair: {n} site(s) over the queue standard; {open} open, {tables} tables").format(
                n=len(failing), open=int((tables > 0).sum()), tables=int(tables.sum())
            )
        )
    return tables, sorted(stuck)


def _split(
    ch: SiteChecker, m: PlacesMap, s: int, max_tables: np.ndarray, candidate: np.ndarray, reps: range, tries: int = 8
):
    """Tables with a closed candidate opened that takes some of site s's compounds and leaves every site
    it touches within the standard (None: no such candidate among the `tries` nearest)."""
    closed_ = np.flatnonzero((m.site_tables == 0) & candidate & (m.site_lab >= 0))
    served = m.served(s)
    if not closed_.size or served.size < 2:  # one compound cannot be split between sites
        return None
    pairs = _maybe_nearer(m, served, closed_)
    walk = walks(m, pairs[0], pairs[1], within=m.standard)
    nearer = (walk < m.walk[pairs[0]]) & within_standard(walk, m.standard)
    options: dict[int, float] = {}
    for c, w in zip(pairs[1][nearer], walk[nearer], strict=True):
        options[int(c)] = min(options.get(int(c), np.inf), float(w))
    for new in sorted(options, key=options.get)[:tries]:
        for k in range(1, int(max_tables[new]) + 1):
            trial = opened(m, new, k)
            if ch.sites_ok(trial, _affected(m, trial) + [new], reps):
                return trial.site_tables.copy()
    return None


def _maybe_nearer(m: PlacesMap, served: np.ndarray, closed_: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(compound, closed candidate) pairs, compound by compound and candidates in order, where the candidate
    may be nearer than the compound's own site: every pair; or, with the map's neighbours, only a compound's
    neighbours when its own site is one of them (a site nearer than a neighbour is a neighbour too)."""
    if m.neighbours is None:
        return np.repeat(served, closed_.size), np.tile(closed_, served.size)
    rows = m.neighbours.idx[served]
    own_in_row = (rows == m.assigned[served][:, None]).any(axis=1)
    shut = np.zeros(len(m.site_names), bool)
    shut[closed_] = True
    keep = shut[rows] & own_in_row[:, None]
    far = np.flatnonzero(~own_in_row)
    c = np.concatenate((np.nonzero(keep)[0], np.repeat(far, closed_.size)))
    site = np.concatenate((rows[keep], np.tile(closed_, far.size)))
    order = np.lexsort((site, c))
    return served[c[order]], site[order]


def descend(ch: SiteChecker, tables: np.ndarray, fixed: np.ndarray, reps: range, say) -> np.ndarray:
    """Fewer tables where a site has room, then fewer sites where their compounds have another within
    the walking standard, keeping every site within the queue standard on `reps`."""
    tables = fewer_tables(ch, tables, fixed, reps)
    tables = close_where_possible(ch, tables, fixed, reps).tables
    say(_("descent: {sites} sites, {tables} tables").format(sites=int((tables > 0).sum()), tables=int(tables.sum())))
    return tables


def fewer_tables(ch: SiteChecker, tables: np.ndarray, fixed: np.ndarray, reps: range) -> np.ndarray:
    """Each open site, least busy first, loses tables while it stays within the queue standard on `reps`
    (nobody moves: P3 looks only at which sites are open)."""
    m = ch.plan(tables)
    ch.prefetch(m, m.open_sites, reps)
    # Each site's first try (a table fewer) depends on nothing else that changes here: asked all at once.
    less = np.where(m.site_tables > np.maximum(1, fixed), m.site_tables - 1, m.site_tables)
    ch.prefetch(replace(m, site_tables=less), np.flatnonzero(less < m.site_tables), reps)
    for s in sorted(m.open_sites, key=lambda s: max(ch.p95(m, s, r) for r in reps)):
        while m.site_tables[s] > max(1, fixed[s]):
            trial = with_tables(m, s, int(m.site_tables[s]) - 1)
            if not ch.site_ok(trial, s, reps):
                break
            m = trial
    return m.site_tables.copy()


@dataclass(frozen=True)
class Closures:
    tables: np.ndarray  # the plan after the closures
    tried: int  # open sites tried closed (every one not fixed)
    closed: int  # ... of which closed


def close_where_possible(ch: SiteChecker, tables: np.ndarray, fixed: np.ndarray, reps: range) -> Closures:
    """Every open site that is not fixed tried closed, smallest first, its compounds going to their next
    nearest open site (P3); it closes where every compound stays within the walking standard and every
    site that receives them within the queue standard on `reps`."""
    m = ch.plan(tables)
    tried = shut = 0
    for s in sorted(m.open_sites, key=lambda s: m.compound_residents[m.served(s)].sum()):
        if fixed[s] or m.site_tables[s] == 0:
            continue
        tried += 1
        trial = closed(m, s)
        if ch.walks_ok(trial) and ch.sites_ok(trial, _affected(m, trial), reps):
            m, shut = trial, shut + 1
    return Closures(m.site_tables.copy(), tried, shut)


def _affected(a: PlacesMap, b: PlacesMap) -> list[int]:
    """Open sites of plan b whose catchment differs from plan a's."""
    moved = np.flatnonzero(a.assigned != b.assigned)
    return sorted({int(b.assigned[c]) for c in moved if b.assigned[c] >= 0})


def one_step_smaller(ch: SiteChecker, tables: np.ndarray, fixed: np.ndarray, reps: range, most: int = 60) -> dict:
    """Each of the busiest `most` sites with a table fewer, and each closed: does the plan then fail?"""
    m = ch.plan(tables)
    busiest = sorted(m.open_sites, key=lambda s: -max(ch.p95(m, s, r) for r in reps))[:most]
    out = {}
    for s in busiest:
        name = m.site_names[s]
        if tables[s] > 1 and not fixed[s]:
            out[f"{name}: {tables[s] - 1} tables"] = not ch.site_ok(with_tables(m, s, int(tables[s]) - 1), s, reps)
        if not fixed[s]:
            mt = closed(m, s)
            out[f"{name}: closed"] = not (ch.walks_ok(mt) and ch.sites_ok(mt, _affected(m, mt), reps))
    return out
