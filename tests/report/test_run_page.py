"""A run's page from its folder alone: key figures with intervals, points, compounds, labs and the bill."""

from __future__ import annotations

import json

import pytest

from sim.core.i18n import set_language
from sim.report.page import read_csv
from sim.report.run_page import key_figures, labs_table, page, tone
from sim.report.write import write_results
from sim.run.runner import run
from sim.scenario.build import build_round
from sim.scenario.load import load_scenario


@pytest.fixture
def town_run(siting_town):
    loaded = load_scenario(siting_town / "town.yaml")
    rnd = build_round(loaded)
    return write_results(run(rnd, 2), siting_town / "run", loaded.text)


def test_a_places_page_has_its_compounds_and_walking_figures(town_run):
    html = page(town_run).html(fonts=False)
    assert "<h2>Compounds</h2>" in html and "mean walk to the point" in html
    assert html.count("<tr>") >= 12 + 2  # twelve compounds, and more rows for points and figures
    assert "map.png" not in html and html.count("data:image/png") == 5  # map included, inline


def test_labs_table_sums_its_points(town_run):
    summary = json.loads((town_run / "summary.json").read_text(encoding="utf-8"))
    points = read_csv(town_run / "points.csv")
    html = labs_table(summary, points)
    residents = sum(int(p["residents"]) for p in points)
    assert f">{residents:,}<" in html


def test_key_figures_give_intervals_only_with_replications(town_run):
    summary = json.loads((town_run / "summary.json").read_text(encoding="utf-8"))
    assert "95% interval" in key_figures(summary) and " - " in key_figures(summary)
    one = {**summary, "replications": 1}
    assert "Mean over" not in key_figures(one)


@pytest.mark.parametrize(("share", "colour"), [(1.0, ""), (0.5, "risk"), (0.0, "missed")])
def test_the_verdict_box_colour_follows_the_deadline(share, colour):
    assert tone({"deadline_met_fraction": share}) == colour


def test_the_page_in_chinese(town_run):
    set_language("zh")
    html = page(town_run).html()
    assert "<h2>小区</h2>" in html and "人员与物资" in html and "@font-face" in html
