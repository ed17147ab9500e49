"""A forecast's retests at TIME (rule F6, docs/forecast.md): which pools reported before TIME were positive
(neither a log nor counts say), recalled as a run recalls them. `engine/resume.py` calls it when it puts back
what was under way."""

from __future__ import annotations

import numpy as np

from sim.core import streams
from sim.engine.crowd import positives
from sim.engine.logistics import Logistics


def recalled_before(
    logi: Logistics, reported: dict[str, np.ndarray] | None, at: float, rep: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Rule F6: the pools reported before `at` (`RoundState.reported`) whose residents were positive (rule 7's
    own draw over them, `crowd.positives`, on a stream of its own), recalled as `Logistics._recall` recalls
    (`recall_delay` after the report; their retest tubes, numbered in recall order, reach the lab that ran the
    pool a travel draw later, stretched by any slowdown then). Those still on the way at `at` are put back as
    such; per lab, returns the retest tubes that had reached it by then and when they came. Of those, a lab's
    plates at `at` (F4) take the ones that came no earlier than its oldest tube not reported (or all, when it
    holds none): the plates of earlier ones held tubes reported by then."""
    n_labs = len(logi.labs)
    r = reported
    out = [(np.empty(0, np.int64), np.empty(0)) for _ in range(n_labs)]
    if r is None or not r["size"].size:
        return out
    rnd = logi.rnd
    size = r["size"].astype(np.int64)
    members = np.repeat(np.arange(size.size), size)
    hits = members[positives(rnd, streams.stream(rnd.seed, rep, streams.RECALLED), members.size)]
    pools, counts = np.unique(hits, return_counts=True)
    recall = r["reported"][pools] + rnd.recall_delay
    labs = rnd.tube_labs(r["point"][pools].astype(np.int64), r["lab"][pools].astype(np.int64))
    parts: list[list] = [[] for _ in range(n_labs)]
    for k in np.argsort(recall, kind="stable"):  # in recall order, as the retest tubes are numbered
        j, point, li = int(pools[k]), int(r["point"][pools[k]]), int(labs[k])
        ids = logi.n_pooled + logi.retests.recall(point, int(size[j]), [float(r["sealed"][j])] * int(counts[k]))
        arrive = float(recall[k]) + logi.travel_time(point, float(recall[k]))
        if arrive > at:
            logi.restored.retests.append((arrive, li, ids))
        else:
            parts[li].append((ids, np.full(ids.size, arrive)))
    for li, got in enumerate(parts):
        if got:
            out[li] = (np.concatenate([a for a, _ in got]), np.concatenate([b for _, b in got]))
    return out
