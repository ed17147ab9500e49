"""report.html: tables, figures and the page itself, and the page as a real browser renders it (headless
Chromium, as Debian packages it): the text a reader sees, sorting by a click, and nothing fetched."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sim.report import page as pg
from sim.report.run_page import page as run_page
from sim.report.write import write_results
from sim.run.runner import run
from sim.scenario.build import round_from_text

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


class _Text(HTMLParser):
    """The page as a reader sees it: the verdict's lines and each table's rows (cells' text)."""

    def __init__(self):
        super().__init__()
        self.verdict: list[str] = []
        self.tables: list[list[list[str]]] = []
        self.headings: list[str] = []
        self._in: list[str] = []
        self._cell: list[str] | None = None
        self._verdict = 0

    def handle_starttag(self, tag, attrs):
        self._in.append(tag)
        cls = dict(attrs).get("class") or ""
        if tag == "div" and "verdict" in cls:
            self._verdict = len(self._in)
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th", "p", "h2"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
        elif tag == "p" and self._verdict and self._cell is not None:
            self.verdict.append("".join(self._cell).strip())
        elif tag == "h2" and self._cell is not None:
            self.headings.append("".join(self._cell).strip())
        if tag in ("td", "th", "p", "h2"):
            self._cell = None
        if tag == "div" and self._verdict == len(self._in):
            self._verdict = 0
        if self._in:
            self._in.pop()

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def read(html: str) -> _Text:
    t = _Text()
    t.feed(html)
    return t


@pytest.fixture(scope="module")
def folder(tmp_path_factory, small_text):
    rnd = round_from_text(small_text)
    return write_results(run(rnd, 3), tmp_path_factory.mktemp("page") / "run", small_text)


def test_table_sorts_numbers_as_numbers_and_cuts_long_tables(monkeypatch):
    rows = [{"name": f"p{i}", "wait": w} for i, w in enumerate([5.0, 40.0, 12.5, None, 100.0])]
    html = pg.table([("name", "point"), ("wait", "p95 wait, min")], rows, sort_by="wait")
    body = read(html).tables[0][1:]
    assert [r[0] for r in body] == ["p4", "p1", "p2", "p0", "p3"]  # largest first, missing last
    monkeypatch.setattr(pg, "MAX_ROWS", 2)
    cut = pg.table([("name", "point"), ("wait", "p95 wait, min")], rows, sort_by="wait")
    assert len(read(cut).tables[0]) == 3 and "Showing 2 of 5 rows" in cut


def test_a_section_made_by_a_function_is_made_when_the_page_is_written(tmp_path):
    """The run's plots are drawn while its page's tables are made: the figures are read at `html()`."""
    page = pg.Page("t")
    page.add("Plots", lambda: pg.figures(tmp_path))
    page.add("Notes", "<p>n</p>")
    assert read(page.html(fonts=False)).headings == ["Notes"]  # no PNG yet: no section
    (tmp_path / "a.png").write_bytes(b"\x89PNG")
    html = page.html(fonts=False)
    assert read(html).headings == ["Plots", "Notes"] and html.count("data:image/png;base64,") == 1


@pytest.mark.parametrize(
    ("x", "text"), [(28484.7, "28,485"), (497.0, "497"), (53.45, "53.5"), (7.012, "7.01"), (0.05, "0.05")]
)
def test_numbers_read_as_a_person_writes_them(x, text):
    assert pg.number_text(x) == text


def test_the_page_is_self_contained(folder):
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert re.findall(r"""(?:src|href)\s*=\s*["'](?!data:)""", html) == []  # every image inline
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    assert html.count("data:image/png;base64,") == len(list(folder.glob("*.png"))) == 4
    assert "@page{size:A4" in html and "@media print" in html


def test_the_run_page_says_the_verdict_first_and_lists_every_point(folder):
    t = read(run_page(folder).html())
    assert t.verdict[0].startswith("Deadline 12 h: ")
    assert t.headings[:2] == ["Key figures", "Plots"]
    points = t.tables[1]
    assert points[0][:2] == ["point", "group"] and len(points) == 1 + 2
    p95 = [float(r[points[0].index("p95 wait, min")]) for r in points[1:]]
    assert p95 == sorted(p95, reverse=True)


# --- in a real browser --------------------------------------------------------------------------


class _Proxy:
    """A proxy that notes the host of every request a browser sends through it (and answers none)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.hosts: set[str] = set()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            conn.settimeout(5)
            try:
                line = conn.recv(1024).split(b"\r\n")[0].decode("latin-1")  # GET http://host/... or CONNECT host:443
                target = line.split(" ")[1] if " " in line else line
                self.hosts.add(re.sub(r"^\w+://", "", target).split("/")[0].split(":")[0])
            except (OSError, IndexError):
                self.hosts.add("?")
            conn.close()


def render(page: Path, profile: Path, proxy: _Proxy) -> str:
    """The DOM after the page's scripts ran, from headless Chromium with every request sent to `proxy`."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs Chromium for the report test (.ci/run installs Debian's chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    args = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--proxy-server=http://127.0.0.1:{proxy.port}",
        "--proxy-bypass-list=<-loopback>",
        "--virtual-time-budget=3000",
        "--dump-dom",
        page.as_uri(),
    ]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=True).stdout


def _browser_own_hosts(tmp_path: Path) -> set[str]:
    """What Chromium asks for by itself (its clock and update checks), seen on an empty page."""
    empty = tmp_path / "empty.html"
    empty.write_text("<html><body>empty</body></html>", encoding="utf-8")
    proxy = _Proxy()
    render(empty, tmp_path / "profile-empty", proxy)
    return proxy.hosts


def test_chromium_shows_the_verdict_figures_and_rows_and_fetches_nothing(folder, tmp_path):
    proxy = _Proxy()
    dom = render(folder / "report.html", tmp_path / "profile", proxy)
    t = read(dom)
    assert re.match(r"Deadline 12 h: (MET|AT RISK|MISSED) \(met in \d of 3 replications\)", t.verdict[0])
    figures = {row[0]: row for row in t.tables[0][1:]}
    assert "last pooled result" in figures and re.fullmatch(r"[\d.]+ - [\d.]+", figures["last pooled result"][2])
    assert {r[0] for r in t.tables[1][1:]} == {"a-0001", "a-0002"}
    assert "Staff and materials" in t.headings
    assert proxy.hosts - _browser_own_hosts(tmp_path) == set()  # the page itself asked for nothing


def test_the_proxy_would_see_a_page_that_fetches(tmp_path):
    """The control for the test above: a page with one remote image is seen going out."""
    proxy = _Proxy()
    page = tmp_path / "remote.html"
    page.write_text('<html><body><img src="http://example.org/x.png"></body></html>', encoding="utf-8")
    render(page, tmp_path / "profile", proxy)
    assert "example.org" in proxy.hosts - _browser_own_hosts(tmp_path)


def test_a_click_on_a_heading_sorts_the_table(folder, tmp_path):
    html = (folder / "report.html").read_text(encoding="utf-8")
    click = (
        "<script>Array.from(document.querySelectorAll('th'))"
        ".find(t=>t.textContent.startsWith('p95 wait')).click()</script>"
    )
    page = tmp_path / "clicked.html"
    page.write_text(html.replace("</body>", click + "</body>"), encoding="utf-8")
    t = read(render(page, tmp_path / "profile", _Proxy()))
    points = t.tables[1]
    p95 = [float(r[points[0].index("p95 wait, min")]) for r in points[1:]]
    assert p95 == sorted(p95)  # the page opens longest first; one click turns it round


def test_a_page_is_titled_by_its_scenario_not_by_where_the_folder_happens_to_be(tmp_path):
    (tmp_path / "plan.yaml").write_text("name: 西安 plan\ndeadline: 24h\n", encoding="utf-8")
    assert pg.scenario_name(tmp_path) == "西安 plan"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert pg.scenario_name(empty) == "empty"


def test_the_summary_block_of_a_page_falls_back_to_the_chinese_font(tmp_path):
    """A summary printed as preformatted text: monospace for figures, then the page's CJK font for
    Chinese (without it Chromium drew every Chinese character of a Chinese summary as a box)."""
    page = pg.Page("预测", [])
    page.add("摘要", pg.preformatted("5.0 小时的预测：按时完成的概率为 95%"))
    path = tmp_path / "report.html"
    probe = "<script>document.body.dataset.font=getComputedStyle(document.querySelector('pre')).fontFamily</script>"
    path.write_text(page.html().replace("</body>", probe + "</body>"), encoding="utf-8")
    dom = render(path, tmp_path / "profile", _Proxy())
    font = re.search(r'data-font="([^"]*)"', dom).group(1)
    assert "monospace" in font and font.index("monospace") < font.index("natsim-cjk")
