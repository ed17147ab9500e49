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
