"""`natsim report` and the Chinese interface end to end: the Chinese quickstart run with --lang zh, the
same round as the English one, and its pages rebuilt in either language."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def runs(tmp_path_factory, natsim):
    """The English quickstart and its Chinese twin, run as a planner would."""
    out = tmp_path_factory.mktemp("runs")
    command = natsim

    def natsim(*args, lang="en"):
        return command(*args, env={"NATSIM_LANG": lang})

    en = natsim("run", str(ROOT / "scenarios" / "quickstart.yaml"), "--out", str(out / "en"))
    zh = natsim("run", str(ROOT / "scenarios" / "quickstart-zh.yaml"), "--lang", "zh", "--out", str(out / "zh"))
    return out, en, zh, natsim


def test_the_chinese_quickstart_runs_in_chinese(runs):
    out, en, zh, _natsim = runs
    assert zh.returncode == 0, zh.stderr
    assert "正在模拟 快速入门示例区" in zh.stderr
    assert zh.stdout.splitlines()[0] == f"结果：{out / 'zh'}"
    assert zh.stdout.splitlines()[1].startswith("截止时间 12 小时：")
    assert "排队：平均等候" in zh.stdout and "Deadline" not in zh.stdout
    page = (out / "zh" / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-Hans">' in page and "关键指标" in page and "人员与物资" in page and "老城区-0001" in page
    assert "natsim-cjk" in page  # the page carries the font for its Chinese


def test_names_and_language_change_nothing_the_simulation_finds(runs):
    out, en, zh, _natsim = runs
    assert en.returncode == 0, en.stderr
    a = json.loads((out / "en" / "summary.json").read_text(encoding="utf-8"))
    b = json.loads((out / "zh" / "summary.json").read_text(encoding="utf-8"))
    assert a["metrics"] == b["metrics"] and a["bill"] == b["bill"]
    assert b["scenario"] == "快速入门示例区"


def test_report_rebuilds_a_page_in_the_language_asked(runs):
    out, _en, _zh, natsim = runs
    proc = natsim("report", str(out / "en"), "--lang", "zh")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("报告：")
    page = (out / "en" / "report.html").read_text(encoding="utf-8")
    assert "关键指标" in page and "old-town-0001" in page
    assert natsim("report", str(out / "en")).returncode == 0
    assert "Key figures" in (out / "en" / "report.html").read_text(encoding="utf-8")


def test_report_refuses_what_is_not_a_results_folder(runs, tmp_path):
    _out, _en, _zh, natsim = runs
    proc = natsim("report", str(tmp_path))
    assert proc.returncode == 2 and "not a natsim results folder" in proc.stderr
    proc = natsim("report", str(tmp_path / "nowhere"), lang="zh")
    assert proc.returncode == 2 and "没有这个文件夹" in proc.stderr


def test_bad_input_is_explained_in_chinese(runs, tmp_path):
    _out, _en, _zh, natsim = runs
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ndeadline: 5\nseed: -1\n", encoding="utf-8")
    proc = natsim("run", str(bad), lang="zh")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{bad}:2: deadline: 单独的数字 5 含义不明" in proc.stderr
    assert f"{bad}:3: seed: 应大于或等于 0（实际为 -1）" in proc.stderr
    assert "中有 6 个问题；未运行任何模拟。" in proc.stderr


def test_the_chinese_quickstart_doc_shows_what_the_run_prints(runs):
    _out, _en, zh, _natsim = runs
    doc = (ROOT / "docs" / "zh" / "quickstart.md").read_text(encoding="utf-8")
    sample = [b for b in doc.split("```") if "截止时间 12 小时" in b][0].strip().splitlines()
    printed = zh.stdout.splitlines()
    assert sample[0].startswith("结果：results/quickstart-zh/")
    assert sample[1:] == printed[1 : len(sample)]


def _damaged(tmp_path, folder, name, text):
    import shutil

    copy = tmp_path / f"damaged-{len(list(tmp_path.iterdir()))}"
    shutil.copytree(folder, copy)
    (copy / name).write_text(text, encoding="utf-8")
    return copy


def test_a_damaged_folder_is_refused_with_what_is_wrong_in_it(runs, tmp_path):
    from typer.testing import CliRunner

    from sim.cli.app import app

    out, en, _zh, _natsim = runs
    assert en.returncode == 0, en.stderr
    good = out / "en"
    points = (good / "points.csv").read_text(encoding="utf-8")
    header = points.splitlines()[0]
    cases = {
        ("summary.json", "{"): "summary.json:1: not valid JSON (Expecting property name enclosed in double quotes",
        (
            "summary.json",
            "{}",
        ): "summary.json: missing key(s) scenario, replications, deadline_h, deadline_met_fraction, metrics, plan",
        ("summary.json", "[1, 2]"): "summary.json: not a JSON object",
        ("points.csv", points[: len(points) // 2]): "points.csv:",
        ("points.csv", header + "\n"): "points.csv: no rows: the file is cut short",
        (
            "points.csv",
            "\n".join(points.splitlines()[:5]) + "\n",
        ): "points.csv: 4 rows where summary.json (plan.points) counts 12",
        ("points.csv", ""): "points.csv:1: no header",
    }
    for (name, text), message in cases.items():
        folder = _damaged(tmp_path, good, name, text)
        before = (folder / "report.html").read_bytes()
        r = CliRunner().invoke(app, ["report", str(folder)])
        assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output, (name, text[:40], r.output)
        assert "a damaged results folder; report.html was not drawn again" in r.output
        assert (folder / "report.html").read_bytes() == before
    summary = json.loads((good / "summary.json").read_text(encoding="utf-8"))
    folder = _damaged(tmp_path, good, "summary.json", json.dumps({**summary, "metrics": []}))
    r = CliRunner().invoke(app, ["report", str(folder)])
    assert r.exit_code == 2 and "summary.json: cannot be read back, a value of the wrong kind" in r.output


def test_a_forecast_json_missing_keys_is_refused(tmp_path):
    from typer.testing import CliRunner

    from sim.cli.app import app

    (tmp_path / "forecast.json").write_text('{"at_h": 5.0}', encoding="utf-8")
    r = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert r.exit_code == 2 and "forecast.json: missing key(s) deadline_h, replications" in r.output
    assert not (tmp_path / "report.html").exists()
