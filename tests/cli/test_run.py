"""The command line as a planner uses it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sim.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"
runner = CliRunner()


def test_run_quickstart_prints_folder_and_verdict(tmp_path, natsim):
    proc = natsim("run", str(QUICKSTART), "--replications", "2", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    first = proc.stdout.splitlines()[0]
    assert first.startswith("Results: results/quickstart/")
    folder = tmp_path / first.removeprefix("Results: ")
    assert (folder / "summary.json").exists()
    assert "Deadline 12 h:" in proc.stdout and "Slowest stage:" in proc.stdout
    # A second run gets its own folder; the first is untouched.
    proc2 = natsim("run", str(QUICKSTART), "-r", "1", "--no-plots", cwd=tmp_path)
    assert proc2.returncode == 0
    assert proc2.stdout.splitlines()[0] != first
    assert json.loads((folder / "summary.json").read_text())["replications"] == 2


def test_run_refuses_non_empty_out(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = runner.invoke(app, ["run", str(QUICKSTART), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_seed_option_overrides_scenario(tmp_path):
    a = runner.invoke(
        app, ["run", str(QUICKSTART), "-r", "1", "--seed", "11", "--no-plots", "--out", str(tmp_path / "a")]
    )
    b = runner.invoke(
        app, ["run", str(QUICKSTART), "-r", "1", "--seed", "11", "--no-plots", "--out", str(tmp_path / "b")]
    )
    assert a.exit_code == b.exit_code == 0
    sa = json.loads((tmp_path / "a" / "summary.json").read_text())
    sb = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert sa["seed"] == 11 and sa["metrics"] == sb["metrics"]


def test_jobs_do_not_change_the_values(tmp_path):
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"j{jobs}"
        result = runner.invoke(
            app, ["run", str(QUICKSTART), "-r", "3", "--jobs", jobs, "--no-plots", "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
        summary = json.loads((out / "summary.json").read_text())
        outs.append(json.dumps({k: v["values"] for k, v in summary["metrics"].items()}))
    assert outs[0] == outs[1]


def test_precision_option(tmp_path):
    result = runner.invoke(
        app,
        [
            "run",
            str(QUICKSTART),
            "--precision",
            "2%",
            "--max-replications",
            "6",
            "--no-plots",
            "--out",
            str(tmp_path / "p"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "p" / "summary.json").read_text())["replications"] <= 6
    bad = runner.invoke(app, ["run", str(QUICKSTART), "--precision", "150%", "--out", str(tmp_path / "q")])
    assert bad.exit_code == 2 and not (tmp_path / "q").exists()


def test_sigterm_keeps_finished_replications_in_an_incomplete_folder(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "run"
    watch = tmp_path.parent / f"{tmp_path.name}-progress.txt"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "run", str(QUICKSTART), "-r", "2000", "--no-plots", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "NATSIM_PROGRESS_FILE": str(watch)},
    )
    deadline = time.monotonic() + 120
    while not (watch.exists() and watch.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)  # until the first replication has finished
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert not out.exists()  # nothing that looks like a finished run
    kept = tmp_path / "run.incomplete"
    assert "Interrupted after" in err and str(kept) in err
    summary = json.loads((kept / "summary.json").read_text())
    assert 0 < summary["replications"] < 2000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.incomplete"]  # nothing written elsewhere


def test_the_reference_engine_gives_the_compiled_loop_s_values(tmp_path, monkeypatch):
    from sim.engine import compiled

    monkeypatch.setenv(compiled.ENGINE, "compiled")  # restored after the test: the option sets it
    monkeypatch.setenv("NATSIM_COMPILED", "always")  # the quickstart is small: compiled only when asked (kernels.py)
    ran = []
    real = compiled.run
    monkeypatch.setattr(compiled, "run", lambda logi: ran.append(1) or real(logi))
    outs = []
    for engine in ("compiled", "reference"):
        out = tmp_path / engine
        result = runner.invoke(
            app, ["run", str(QUICKSTART), "-r", "2", "--engine", engine, "--no-plots", "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
        outs.append({k: v["values"] for k, v in json.loads((out / "summary.json").read_text())["metrics"].items()})
        if engine == "compiled":
            assert ran and not ran.clear()  # the compiled loop ran the logistics; the reference does not call it
    assert not ran
    assert outs[0] == outs[1]
