import pytest

from sim.engine.timeline import Grid
from sim.report.summary import METRICS, RunResult
from sim.run.runner import run


def test_summary_takes_the_deadline_flag_of_each_replication(small_round):
    result = run(small_round.with_(deadline=6 * 3600.0), 4)
    s = result.summary()
    assert set(METRICS) <= set(s["metrics"])
    assert s["deadline_met_fraction"] == pytest.approx(sum(r.deadline_met for r in result.reps) / 4)
    assert s["plan"]["points"] == 2 and s["plan"]["tables"] == 4


def test_points_table_names_every_point(small_round):
    result = RunResult(small_round, Grid.for_round(small_round), run(small_round, 1).reps)
    assert [row["name"] for row in result.points_table()] == ["a-0001", "a-0002"]
