from types import SimpleNamespace

import numpy as np
import pytest

from sim.core.fitting import candidates, fit_duration
from sim.report.plots.drill import drill_vs_plan, fit_plot


@pytest.mark.parametrize(("scale", "unit"), [(10.0, "seconds"), (60.0, "minutes")])
def test_the_fit_plot_draws_every_candidate_and_the_chosen_one_bold(scale, unit, drawn, tmp_path):
    x = np.random.default_rng(0).gamma(4.0, scale, 2000)  # a median of 37 s, or of 3.7 min
    fit = fit_duration(x)
    ax = fit_plot(x, fit, "service time", tmp_path / "f.png").axes[0]
    per = 60.0 if unit == "minutes" else 1.0
    assert ax.get_xlabel() == f"service time ({unit})"
    assert ax.get_ylabel() == f"density (per {unit[:-1]})"
    heights = np.array([bar.get_height() for bar in ax.patches])
    widths = np.array([bar.get_width() for bar in ax.patches])
    assert heights @ widths == pytest.approx(1.0)  # a density, in the axis' unit
    lines = ax.get_lines()
    assert len(lines) == len(candidates())
    for line, name in zip(lines, candidates(), strict=True):
        chosen = name == fit.kind
        assert line.get_label().startswith(f"{name}: mean ") and line.get_label().endswith(" (chosen)") == chosen
        assert line.get_linewidth() == (2.5 if chosen else 1.2)
    best = next(ln for ln in lines if ln.get_label().endswith(" (chosen)"))
    area = np.trapezoid(best.get_ydata(), best.get_xdata())
    assert area == pytest.approx(1.0, abs=0.02)  # the chosen pdf is drawn in the axis' unit too
    peak = best.get_xdata()[np.argmax(best.get_ydata())]
    assert peak == pytest.approx(3 * scale / per, rel=0.25)  # gamma(4, s): the mode at 3 s


def test_the_drill_is_drawn_against_its_plan(drawn, tmp_path):
    swabbed = np.array([600.0, 4000.0, 1800.0, 9000.0])
    observed = SimpleNamespace(swabbed=swabbed, joined=swabbed - 300)
    simulated = SimpleNamespace(swabbed=np.array([300.0, 3900.0, 3950.0]), joined=np.full(3, np.nan))
    left, right = drill_vs_plan(observed, simulated, tmp_path / "d.png").axes
    drill = drawn.line(left, "drill (observed)")
    assert drawn.same(drill.get_xdata(), np.sort(swabbed) / 3600) and list(drill.get_ydata()) == [1, 2, 3, 4]
    assert list(drawn.line(left, "plan (simulated)").get_ydata()) == [1, 2, 3]
    stairs = {s.get_label(): s.get_data() for s in right.patches}
    assert list(stairs["drill (observed)"].values) == [2, 1, 1]  # joined at 0.08, 1.03, 0.42, 2.42 h
    assert list(stairs["plan (simulated)"].values) == [1, 2]  # no join times: swab times
    assert left.get_xlabel() == right.get_xlabel() == "hours since the round's start"
    assert left.get_ylabel() == "residents swabbed (cumulative)"
    assert right.get_ylabel() == "residents joining the queue per hour"
