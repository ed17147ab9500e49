import pytest

from sim.report.finished import FinishedRunError, RunData
from sim.report.write import write_results
from sim.run.runner import run


def _campaign_summary(done_h_by_round, deadlines_h):
    return {
        "deadline_h": deadlines_h[-1],
        "replications": len(done_h_by_round[0]),
        "metrics": {"results_complete_h": {"values": [max(v) for v in zip(*done_h_by_round, strict=True)]}},
        "rounds": [
            {"deadline_h": d, "metrics": {"results_complete_h": {"values": list(v)}}}
            for v, d in zip(done_h_by_round, deadlines_h, strict=True)
        ],
    }


def test_a_campaign_with_a_late_round_did_not_meet_its_deadline():
    # Round 2 is late in replication 1; the last result is still before the final deadline.
    summary = _campaign_summary([[20.0, 20.0], [60.0, 50.0], [70.0, 71.0]], [24.0, 57.0, 90.0])
    data = RunData("c", summary, None, {}, None, 0.5)
    assert data.values("deadline_met") == [0.0, 1.0]


def test_from_folder_equals_from_result(small_round, small_text, tmp_path):
    result = run(small_round, 2)
    folder = write_results(result, tmp_path / "r", small_text, plot=False)
    a, b = RunData.from_result(result), RunData.from_folder(folder)
    assert a.values("deadline_met") == b.values("deadline_met") == [float(r.deadline_met) for r in result.reps]
    assert a.values("wait_p95_min") == b.values("wait_p95_min")


def test_a_folder_that_is_not_a_run(tmp_path):
    with pytest.raises(FinishedRunError, match="not a finished natsim results folder"):
        RunData.from_folder(tmp_path)


@pytest.mark.parametrize(
    ("text", "says"),
    [("{", "summary.json:1: not valid JSON"), ("{}", "summary.json: missing key(s) scenario, replications")],
)
def test_a_damaged_folder_read_back_names_the_file_and_what_is_wrong(tmp_path, text, says):
    (tmp_path / "summary.json").write_text(text, encoding="utf-8")
    with pytest.raises(FinishedRunError) as err:
        RunData.from_folder(tmp_path)
    assert says in str(err.value)
