from typer.testing import CliRunner

from sim.cli.app import app


def test_import_writes_once_and_lists_what_it_left_out(tmp_path):
    (tmp_path / "addr.csv").write_text("name,lon,lat,residents\na,108.9,34.2,100\nb,108.8,,50\n")
    out = tmp_path / "compounds.csv"
    r = CliRunner().invoke(app, ["places", "import", str(tmp_path / "addr.csv"), "--out", str(out), "--no-strict"])
    assert r.exit_code == 0 and "1 rows; 1 features left out" in r.output and "line 3 (b)" in r.output
    assert out.read_text().splitlines() == ["name,lon,lat,residents", "a,108.9000000,34.2000000,100"]
    again = CliRunner().invoke(app, ["places", "import", str(tmp_path / "addr.csv"), "--out", str(out)])
    assert again.exit_code == 2 and "never overwrites" in again.output


def test_import_refuses_with_exit_2_when_too_many_are_left_out(tmp_path):
    (tmp_path / "addr.csv").write_text("name,lon,lat,residents\na,108.9,34.2,100\nb,108.8,34.1,12.7\n")
    out = tmp_path / "compounds.csv"
    r = CliRunner().invoke(app, ["places", "import", str(tmp_path / "addr.csv"), "--out", str(out)])
    assert r.exit_code == 2 and not out.exists() and "'12.7': a whole number is needed (left out)" in r.output
    assert "1 of 2 features left out (50%; more than 5% refuses the file)" in r.output
    (tmp_path / "other.csv").write_text("名称,x坐标,y坐标\na,1,2\n")
    r = CliRunner().invoke(app, ["places", "import", str(tmp_path / "other.csv"), "--out", str(out)])
    assert (
        r.exit_code == 2
        and not out.exists()
        and "expected name, residents and coordinates as one of lon/lat" in r.output
    )
