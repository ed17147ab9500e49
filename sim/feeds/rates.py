"""What a log says of the round's durations: service times (busy-table gaps), drives (one per box), and
`fit_rates`, the one fitting rule, for a drill's complete log (`drill review`) and for a log read during
the round (`natsim forecast`): how many observations a fit needs, which drives a log read at a time can
use. Candidates are fitted by maximum likelihood and the one with the lowest AIC is chosen
(`sim.core.fitting`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.core.fitting import Fit, fit_duration
from sim.feeds.log import DrillLog
from sim.scenario.pauses import serving, table_windows
from sim.scenario.round import Round


def service_samples(log: DrillLog, rnd: Round) -> np.ndarray:
    """Gaps between consecutive swabs at one table where the next resident was already waiting and the
    table could start them at once (no handover or disruption held it then): each such gap is exactly
    that resident's service time."""
    order = np.lexsort((log.swabbed, log.table, log.point))
    p, t, j, s = log.point[order], log.table[order], log.joined[order], log.swabbed[order]
    same = (p[1:] == p[:-1]) & (t[1:] == t[:-1])
    waiting = j[1:] <= s[:-1]
    gap = s[1:] - s[:-1]
    keep = same & waiting & (gap > 0)
    where = [(gi, i, g.tables) for gi, g in enumerate(rnd.groups) for i in range(g.count)]
    until = float(s.max()) + 1 if s.size else 0.0
    cuts = np.searchsorted(p[1:], np.arange(len(where) + 1))  # rows are sorted by point: each point's are one run
    for point in np.unique(p[1:][keep]):
        a = cuts[point]
        rows = a + np.flatnonzero(keep[a : cuts[point + 1]])
        start, end = table_windows(rnd, *where[point], until)
        if start.shape[1]:
            keep[rows] = serving(start, end, t[1:][rows], s[:-1][rows])
    return gap[keep]


MIN_SERVICE_GAPS = 100  # a service time is fitted from this many busy-table gaps
MIN_DRIVES = 30  # a travel time from this many drives
FIT_SAMPLE = 100_000  # at most this many observations, evenly spaced: ten million fit no better, and take a minute
CENSOR_DRIVES = 3  # a log read at TIME: drives that began at least this many mean drives before it


@dataclass
class RateFits:
    """What a log says of the round's durations: the observations and, where there are enough, their fits."""

    service_gaps: np.ndarray
    drives: np.ndarray
    service: Fit | None
    travel: Fit | None


def drives(log: DrillLog, rnd: Round, at: float = math.inf, group: int | None = None) -> np.ndarray:
    """Drives point to lab, one per box (a box's tubes share one drive); with `group`, from that point group's
    points only. In a log read at `at`, only those that began long enough before it to have ended whatever
    their length (CENSOR_DRIVES of the scenario's mean drives): the slow ones still on the road would otherwise
    be missing, and the fit short."""
    t = log.tubes
    point = np.nan_to_num(t["point"]).astype(np.int64)
    mean_drive = rnd.per_point(lambda g: g.travel.mean)[point]
    began = t["picked_up"] <= at - CENSOR_DRIVES * mean_drive if math.isfinite(at) else np.isfinite(t["picked_up"])
    if group is not None:
        first = rnd.first_points()
        began &= (point >= first[group]) & (point < first[group + 1])
    drive = (t["at_lab"] - t["picked_up"])[began & (t["at_lab"] <= at)]
    return np.unique(drive[drive > 0])


def group_travel(log: DrillLog, rnd: Round, at: float = math.inf) -> list[tuple[np.ndarray, Fit | None]]:
    """Per point group, its own drives and their fit (when enough): groups drive different roads, so one
    fit over every drive would give the far points the near ones' drives."""
    out = []
    for gi in range(len(rnd.groups)):
        drove = drives(log, rnd, at, gi)
        out.append((drove, fit_drives(drove)))
    return out


def fit_rates(log: DrillLog, rnd: Round, at: float = math.inf) -> RateFits:
    """Service and travel times from a log (read whole, or as it stood at `at`), each fitted when there are
    enough observations (MIN_SERVICE_GAPS, MIN_DRIVES), from at most FIT_SAMPLE of them."""
    gaps, drove = service_samples(log, rnd), drives(log, rnd, at)
    return RateFits(gaps, drove, _fit(gaps, MIN_SERVICE_GAPS), _fit(drove, MIN_DRIVES))


def fit_drives(drove: np.ndarray) -> Fit | None:
    """A travel time's fit from drives, when there are enough (MIN_DRIVES)."""
    return _fit(drove, MIN_DRIVES)


def _fit(x: np.ndarray, needed: int) -> Fit | None:
    """A fit from enough observations; none when they are too few, or all alike (a clock that records whole
    minutes, a fixed drive: no family's likelihood has a maximum there)."""
    if x.size < needed or np.ptp(x) <= 1e-9 * max(float(np.abs(x).max()), 1.0):
        return None
    try:
        return fit_duration(_evenly(x))
    except (ValueError, RuntimeError, FloatingPointError):
        return None


def _evenly(x: np.ndarray) -> np.ndarray:
    return x if x.size <= FIT_SAMPLE else x[np.linspace(0, x.size - 1, FIT_SAMPLE).astype(np.int64)]
