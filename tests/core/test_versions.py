"""The supported releases: pyproject's ranges read back, an unsupported release refused in words."""

from __future__ import annotations

import pytest

from sim.core import versions


def test_the_installed_releases_are_the_supported_ones():
    """A fresh machine with a release outside pyproject's ranges fails here, naming it, not in a golden file."""
    assert not versions.unsupported(), "\n".join(u.message() for u in versions.unsupported())


def test_every_result_dependency_has_an_upper_bound():
    ranges = versions.supported_ranges()
    for package in versions.RESULT_DEPENDENCIES:
        assert "<" in ranges[package], f"{package}: no upper bound in pyproject.toml ({ranges[package]})"


def test_an_unsupported_release_is_named_with_the_range_and_the_fix():
    found = versions.unsupported({"simpy": "5.0.0", "numba": "0.68.1", "numpy": "2.4.0", "scipy": "1.17.1"})
    assert [u.package for u in found] == ["simpy"]
    message = found[0].message()
    assert "simpy 5.0.0 is installed" in message and "<5" in message and "pip install" in message


@pytest.mark.parametrize("numba", ["0.58.1", "0.69.0", "1.0.0"])
def test_numba_outside_its_range_is_refused(numba):
    assert [u.package for u in versions.unsupported({"numba": numba})] == ["numba"]


def test_the_command_refuses_an_unsupported_release(monkeypatch, capsys):
    from sim.cli import app

    monkeypatch.setattr(versions, "unsupported", lambda: [versions.Unsupported("simpy", "5.0.0", ">=4.1,<5")])
    with pytest.raises(SystemExit) as exit_:
        app.main(["validate", "scenarios/quickstart.yaml"])
    assert exit_.value.code == 2
    assert "simpy 5.0.0 is installed" in capsys.readouterr().err


def test_the_versions_line_names_each_package():
    line = versions.installed_versions()
    for package in (*versions.RESULT_DEPENDENCIES, "babel"):
        assert line.count(f"{package} ") == 1
