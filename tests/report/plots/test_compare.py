import numpy as np
import pytest

from sim.report.finished import RunData
from sim.report.plots.compare import compare_cumulative, compare_waits
from sim.run.runner import run
from sim.scenario.build import round_from_text


@pytest.fixture(scope="module")
def runs(small_text):
    rnd = round_from_text(small_text)
    return [RunData.from_result(run(rnd, 2), "a"), RunData.from_result(run(rnd.with_(seed=4), 3), "b")]


def test_the_cumulative_overlay_draws_each_plans_mean_curves_and_one_deadline(runs, drawn, tmp_path):
    fig = compare_cumulative(runs, tmp_path / "c.png")
    top, bottom = fig.axes
    for ax, key in ((top, "sampled"), (bottom, "results_reported")):
        for r in runs:
            line = drawn.line(ax, r.label)
            assert drawn.same(line.get_xdata(), r.t_h) and drawn.same(line.get_ydata(), r.series[key].mean(axis=0))
        assert drawn.deadlines(ax) == {12.0: "deadline"}
        assert drawn.legend(ax) == ["a", "b", "deadline"]
    assert top.get_ylabel() == "residents sampled\n(cumulative)"
    assert bottom.get_ylabel() == "pooled results reported (residents)\n(cumulative)"
    assert bottom.get_xlabel() == "hours since the round's start"
    assert "(mean of 2/3 replications" in fig.get_suptitle()


def test_plans_with_different_deadlines_get_one_deadline_each(runs, drawn, tmp_path):
    later = RunData(**{**runs[1].__dict__, "label": "c", "summary": {**runs[1].summary, "deadline_h": 18.0}})
    ax = compare_cumulative([runs[0], later], tmp_path / "c.png").axes[0]
    lines = {ln.get_xdata()[0]: ln.get_label() for ln in ax.get_lines() if ln.get_label().startswith("deadline")}
    assert lines == {12.0: "deadline, a", 18.0: "deadline, c"}  # each in its plan's colour, dashed


def test_the_wait_overlay_draws_shares_per_minute_and_the_share_waiting_longer(runs, drawn, tmp_path):
    fig = compare_waits(runs, tmp_path / "w.png")
    dist, tail = fig.axes[:2]
    for r in runs:
        m = r.summary["metrics"]
        label = f"{r.label}: mean {m['wait_mean_min']['mean']:.1f} min, p95 {m['wait_p95_min']['mean']:.1f} min"
        assert label in drawn.legend(dist)
        longer = drawn.line(tail, r.label).get_ydata()
        assert longer[0] == 1.0 and longer[-1] == pytest.approx(0.0, abs=1e-9) and np.all(np.diff(longer) <= 1e-12)
        # where half the residents still wait: the median wait of the plan's histogram, to the minute
        counts = r.wait_hist.sum(axis=0)
        median = np.searchsorted(np.cumsum(counts) / counts.sum(), 0.5) * r.wait_bin_min
        x = drawn.line(tail, r.label).get_xdata()
        assert x[np.argmax(longer <= 0.5)] == pytest.approx(median, abs=1.0)
    shares = [p for p in dist.patches]  # the stairs, one per plan
    assert len(shares) == 2 and all(s.get_data().values.sum() == pytest.approx(1.0) for s in shares)
    for ax in (dist, tail):
        assert drawn.deadlines(ax, color="#7f8c8d") == {30.0: "30 min queue standard"}
        assert ax.get_xlabel() == "time in the queue before sampling (minutes)"
    assert dist.get_ylabel() == "share of residents per minute of waiting"
    assert tail.get_ylabel() == "share of residents waiting longer"


def test_chinese_plan_names_are_drawn_in_the_shipped_cjk_font(runs, drawn, tmp_path):
    named = [RunData(**{**r.__dict__, "label": name}) for r, name in zip(runs, ("雁塔区", "碑林区"), strict=True)]
    ax = compare_cumulative(named, tmp_path / "c.png").axes[0]
    texts = ax.get_legend().get_texts()
    assert [t.get_text() for t in texts][:2] == ["雁塔区", "碑林区"]
    assert all(drawn.font_files(t) == {drawn.cjk_font} for t in texts[:2])
