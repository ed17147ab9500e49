from sim.report.plots.style import DEADLINE_STYLE, count_formatter


def test_counts_read_in_thousands_and_millions():
    assert count_formatter(25e6)(12e6, 0) == "12 M"
    assert count_formatter(30e3)(5e3, 0) == "5 k"
    assert count_formatter(500)(250, 0) == "250"
    assert DEADLINE_STYLE["linestyle"] == "--"
