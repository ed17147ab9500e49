import pytest
import typer

from sim.cli.common import fail, load, share


def test_a_bad_scenario_is_listed_and_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ndeadline: 12\n")
    with pytest.raises(typer.Exit) as stop:
        load(bad)
    assert stop.value.exit_code == 2
    err = capsys.readouterr().err
    assert "bad.yaml:2: deadline:" in err and "nothing was run" in err


def test_shares_read_as_percent_or_fraction():
    assert share("5%", "--precision") == pytest.approx(0.05) and share("0.2", "--precision") == 0.2
    with pytest.raises(typer.Exit):
        share("150%", "--precision")
    with pytest.raises(typer.Exit):
        fail("no")


def test_every_bad_limit_is_named_at_once(capsys):
    from sim.cli.common import limits

    assert limits(["tables=30", "samplers=1_000"], "tables=300") == {"tables": 30, "samplers": 1000}
    with pytest.raises(typer.Exit) as stop:
        limits(["tables=x", "samplers=-1", "tables=3", "tables=4"], "tables=300")
    assert stop.value.exit_code == 2
    assert capsys.readouterr().err.splitlines() == [
        "--limit tables=x: write NAME=NUMBER, e.g. tables=300",
        "--limit samplers=-1: write NAME=NUMBER, e.g. tables=300",
        "--limit tables=4: tables is given twice",
    ]
