"""The forecast from a status: its past is the status's, exactly; at the round's start it is a plain run;
its 95% prediction interval for the last result holds the traced replication's true last result in
about 95% of (seed, time) cases, from a drill log and from counts; options share random numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.core.stats import share_lower_bound_95
from sim.drill.counts import from_counts, write_counts
from sim.drill.forecast import ForecastError, parse_adds, past_curves, run_forecast
from sim.drill.log import log_from_trace
from sim.drill.status import cut_log
from sim.engine.replication import run_replication
from sim.engine.timeline import Grid
from sim.scenario.build import build_round, round_from_text
from sim.scenario.load import load_scenario

H = 3600.0
QUICKSTART = Path(__file__).resolve().parents[2] / "scenarios" / "quickstart.yaml"
SEEDS, TIMES, REPS = range(1, 11), (2.0, 5.0, 8.0, 10.0), 20


@pytest.fixture(scope="module")
def quickstart():
    return build_round(load_scenario(QUICKSTART))


def test_the_past_is_the_trace_exactly(quickstart):
    trace = run_replication(quickstart, 0, trace=True).trace
    at = 5 * H
    result = run_forecast(quickstart, cut_log(log_from_trace(trace), quickstart, at), 4, [])
    r, t = trace.residents, trace.tubes
    assert result["past"]["sampled"] == np.count_nonzero(r["end"] <= at)
    assert result["past"]["tubes_at_lab"] == np.count_nonzero(t["at_lab"] <= at)
    assert result["past"]["tubes_reported"] == np.count_nonzero(t["result"] <= at)
    curves = result["past_curves"]
    when = np.array(curves["times_h"]) * H
    assert when[-1] == at
    for key, times in (("sampled", r["end"]), ("tubes_at_lab", t["at_lab"]), ("tubes_reported", t["result"])):
        assert curves[key] == [float(np.count_nonzero(times <= w)) for w in when]
    assert sum(p["sampled"] for p in result["points"]) == result["past"]["sampled"]


def test_at_the_start_a_forecast_is_a_plain_run_within_noise(quickstart):
    trace = run_replication(quickstart, 0, trace=True).trace
    result = run_forecast(quickstart, cut_log(log_from_trace(trace), quickstart, -H), 30, [])
    plain = np.array([run_replication(quickstart, r).metrics["results_complete_h"] for r in range(30)])
    ahead = np.array(result["last_result_h"]["values"])
    se = np.sqrt(plain.var(ddof=1) / plain.size + ahead.var(ddof=1) / ahead.size)
    assert abs(plain.mean() - ahead.mean()) < 4 * se
    turnout = result["updates"]["turnout"]
    assert not turnout["updated"] and turnout["now"] == quickstart.turnout  # nothing seen yet: nothing updated


def _coverage(rnd, status_at) -> tuple[int, int, dict]:
    hits, n, widths = 0, 0, {}
    for seed in SEEDS:
        r = rnd.with_(seed=seed)
        trace = run_replication(r, 0, trace=True).trace
        truth = float(np.nanmax(trace.tubes["result"])) / H
        for at in TIMES:
            lo, hi = run_forecast(r, status_at(r, trace, at * H), REPS, [])["last_result_h"]["prediction95"]
            hits += lo <= truth <= hi
            n += 1
            widths.setdefault(at, []).append(hi - lo)
    return hits, n, widths


def _bounds(hits: int, n: int) -> None:
    # About 95%: at least what a true 95% gives but for three binomial sds (38 of 40 expected, sd 1.4).
    assert hits >= 0.95 * n - 3 * np.sqrt(n * 0.95 * 0.05), (hits, n)
    assert share_lower_bound_95(hits, n) > 0.8


def test_the_interval_from_a_drill_log_holds_the_true_last_result_in_95_percent(quickstart):
    hits, n, widths = _coverage(quickstart, lambda r, trace, at: cut_log(log_from_trace(trace), r, at))
    _bounds(hits, n)
    assert np.mean(widths[10.0]) < np.mean(widths[2.0])  # what the status shows narrows the outlook


def test_the_interval_from_counts_holds_the_true_last_result_in_95_percent(quickstart, tmp_path):
    def status(r, trace, at):
        folder = tmp_path / f"{r.seed}-{at:g}"
        write_counts(trace, r, at, folder)
        return from_counts(folder, r, None, at)

    hits, n, _widths = _coverage(quickstart, status)
    _bounds(hits, n)


def test_options_share_random_numbers(quickstart):
    trace = run_replication(quickstart, 0, trace=True).trace
    status = cut_log(log_from_trace(trace), quickstart, 5 * H)
    options = parse_adds(["extractors.district=4", "vehicles.district=4"], quickstart)
    result = run_forecast(quickstart, status, 8, options)
    base = result["last_result_h"]["values"]
    # Extractors do not bind in the quickstart: with common random numbers every replication ends the same.
    assert result["options"][0]["last_result_h"]["values"] == base
    assert result["options"][1]["last_result_change_h"]["mean"] < 0  # vehicles do


def test_tables_may_be_added_where_a_name_means_points(quickstart):
    (opt,) = parse_adds(["tables.riverside=2"], quickstart)
    assert opt.extra_tables.tolist() == [0] * 8 + [2] * 4
    (one,) = parse_adds(["tables.old-town-0003=1"], quickstart)
    assert one.extra_tables.sum() == 1 and one.extra_tables[2] == 1


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("vehicles.nowhere=3", "no lab named 'nowhere'"),
        ("tables.nowhere=1", "no point, site or group named 'nowhere'"),
        ("vehicles.district=0", "a whole number of 1 or more"),
        ("drivers.district=2", "the key is one of"),
    ],
)
def test_bad_options_are_refused(quickstart, item, message):
    with pytest.raises(ForecastError, match=message):
        parse_adds([item], quickstart)


def test_a_campaign_is_refused(small_text):
    rnd = round_from_text(small_text + "campaign: {rounds: 2, every: 1d}\n")
    trace = run_replication(rnd.round_view(0), 0, trace=True).trace
    with pytest.raises(ForecastError, match="campaign"):
        run_forecast(rnd, cut_log(log_from_trace(trace), rnd.round_view(0), H), 2, [])


def test_the_past_is_drawn_on_the_grid_up_to_the_status_time(quickstart):
    trace = run_replication(quickstart, 0, trace=True).trace
    status = cut_log(log_from_trace(trace), quickstart, 2.1 * H)
    curves = past_curves(status, Grid.for_round(quickstart))
    assert curves["times_h"][-1] == pytest.approx(2.1) and curves["times_h"][-2] < 2.1
    assert curves["sampled"] == sorted(curves["sampled"])


def test_a_forecast_on_a_dask_cluster_and_on_processes_is_the_one_in_process(small_round):
    distributed = pytest.importorskip("distributed")
    trace = run_replication(small_round, 0, trace=True).trace
    status = cut_log(log_from_trace(trace), small_round, 1.5 * H)
    options = parse_adds(["vehicles.lab1=1"], small_round)
    here = run_forecast(small_round, status, 4, options)
    spread = run_forecast(small_round, status, 4, options, jobs=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = run_forecast(small_round, status, 4, options, dask=cluster.scheduler_address)
    for other in (spread, remote):
        assert other["last_result_h"] == here["last_result_h"] and other["options"] == here["options"]
        assert other["points"] == here["points"]


def test_every_bad_option_is_named_at_once_with_did_you_mean(quickstart):
    with pytest.raises(ForecastError) as err:
        parse_adds(["vehicles.distrct=3", "tables.riversid=1", "vehicles.district=0", "vehicle.district=2"], quickstart)
    lines = str(err.value).splitlines()
    assert len(lines) == 4 and "(did you mean 'district'?)" in lines[0] and "(did you mean 'riverside'?)" in lines[1]
    assert "a whole number of 1 or more" in lines[2] and "(did you mean 'vehicles'?)" in lines[3]
