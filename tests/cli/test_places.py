from typer.testing import CliRunner

from sim.cli.app import app


def test_import_writes_once_and_lists_what_it_left_out(tmp_path):
    (tmp_path / "addr.csv").write_text("name,lon,lat,residents\na,108.9,34.2,100\nb,108.8,,50\n")
    out = tmp_path / "compounds.csv"
    r = CliRunner().invoke(app, ["places", "import", str(tmp_path / "addr.csv"), "--out", str(out)])
    assert r.exit_code == 0 and "1 rows; 1 features left out" in r.output and "line 3 (b)" in r.output
    assert out.read_text().splitlines() == ["name,lon,lat,residents", "a,108.9000000,34.2000000,100"]
    again = CliRunner().invoke(app, ["places", "import", str(tmp_path / "addr.csv"), "--out", str(out)])
    assert again.exit_code == 2 and "never overwrites" in again.output
