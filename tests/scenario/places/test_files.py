from sim.scenario.places.files import PlaceFiles, read_compounds, read_matrix, read_sites


def _read(tmp_path, text, kind="compounds", lonlat=True):
    path = tmp_path / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    out = PlaceFiles()
    {"compounds": read_compounds, "sites": read_sites}[kind](path, lonlat, out) if kind != "matrix" else read_matrix(
        path, out
    )
    return out, [str(p).replace(str(tmp_path) + "/", "") for p in out.problems]


def test_rows_are_read_with_their_lines_and_a_bom_is_fine(tmp_path):
    out, problems = _read(
        tmp_path, "\ufeffname,lon,lat,residents,site\n东关小区,108.9,34.2,1200,\n西关,108.8,34.1,800,s1\n"
    )
    assert problems == []
    assert [(c.line, c.name, c.residents, c.site) for c in out.compounds] == [
        (2, "东关小区", 1200, None),
        (3, "西关", 800, "s1"),
    ]


def test_every_bad_row_is_named_by_line_and_column(tmp_path):
    text = "name,lon,lat,residents\na,200,34,10\nb,108,34,ten\na,108,34,5\n,108,34,5\nc,108,34,-1\n"
    _, problems = _read(tmp_path, text)
    assert problems == [
        "compounds.csv:2: lon: (200, 34) is not a longitude/latitude (lon -180..180, lat -90..90)",
        "compounds.csv:3: residents: 'ten' is not a number",
        "compounds.csv:4: name: compound 'a' is listed twice (first at line 2)",
        "compounds.csv:5: name: a compound needs a name",
        "compounds.csv:6: residents: '-1': must be at least 0",
    ]


def test_a_missing_column_is_refused_at_line_1(tmp_path):
    _, problems = _read(tmp_path, "name,x,y,residents\na,0,0,10\n", lonlat=True)
    assert problems == ["compounds.csv:1: missing column(s) lon, lat; the file has name, x, y, residents"]


def test_sites_read_candidates_and_the_matrix_goes_both_ways(tmp_path):
    out, problems = _read(
        tmp_path, "name,x,y,tables,candidate,max_tables\ns,0,0,0,true,4\nt,1,1,2,no,\n", "sites", lonlat=False
    )
    assert problems == [] and [(s.tables, s.candidate, s.max_tables) for s in out.sites] == [
        (0, True, 4),
        (2, False, None),
    ]
    (tmp_path / "m.csv").write_text("from,to,minutes\ns,lab,12.5\n")
    read_matrix(tmp_path / "m.csv", out)
    assert out.matrix[("lab", "s")] == out.matrix[("s", "lab")] == 750.0
