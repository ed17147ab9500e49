"""report.html: one self-contained page per results folder, for the command room's screen and printer.

Everything is inside the file: plots as base64 PNG, a small inline script that sorts tables, styles that
print on A4, and, when the page holds Chinese, a font cut to the characters it uses (sim.report.fonts).
Nothing is fetched from the network, so the page opens offline on any machine.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sim import __version__
from sim.core.i18n import _, language
from sim.report import readback

MAX_ROWS = 1000  # a longer table shows its first rows in the page's order; the CSV beside it has all

_STYLE = """
body{font-family:"natsim-cjk",system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",
sans-serif;margin:0 auto;max-width:1100px;padding:16px 24px;color:#1c2833;line-height:1.45}
h1{font-size:1.5em;margin:.2em 0}
h2{font-size:1.15em;border-bottom:2px solid #2874a6;padding-bottom:2px;margin-top:1.6em}
.verdict{background:#eaf2f8;border-left:6px solid #2874a6;padding:8px 14px;margin:12px 0}
.verdict.missed{background:#fdedec;border-color:#c0392b}.verdict.risk{background:#fef5e7;border-color:#b9770e}
.verdict p{margin:.35em 0}.lead{font-size:1.08em;font-weight:600}
pre{background:#f4f6f7;padding:10px;overflow-x:auto;font-size:.85em;white-space:pre;
font-family:ui-monospace,Menlo,Consolas,"DejaVu Sans Mono",monospace,"natsim-cjk"}
table{border-collapse:collapse;font-size:.86em;margin:6px 0;width:100%}
th,td{border:1px solid #d5d8dc;padding:3px 6px;text-align:right}th{background:#eaecee;position:sticky;top:0}
td.t,th.t{text-align:left}td.t{white-space:nowrap}th.s{cursor:pointer}th.s::after{content:" \\2195";color:#909497}
tr:nth-child(even) td{background:#fbfcfc}.note{color:#5d6d7e;font-size:.85em}
figure{margin:10px 0;page-break-inside:avoid}figure img{max-width:100%;border:1px solid #eaecee}
figcaption{font-size:.85em;color:#5d6d7e}footer{margin-top:2em;font-size:.8em;color:#909497}
@page{size:A4;margin:12mm}
@media print{body{max-width:none;padding:0;font-size:10pt}th.s::after{content:""}h2{page-break-after:avoid}
table{font-size:8pt}tr{page-break-inside:avoid}th{position:static}pre{white-space:pre-wrap;font-size:7pt}}
"""

# Sorts a table by a clicked header: numbers as numbers, empty cells last; a second click reverses.
_SCRIPT = """
document.querySelectorAll("th.s").forEach(function(th){th.addEventListener("click",function(){
var t=th.closest("table"),b=t.tBodies[0],i=Array.prototype.indexOf.call(th.parentNode.children,th),
d=th.dataset.dir==="desc"?"asc":"desc";th.parentNode.querySelectorAll("th").forEach(function(h){delete h.dataset.dir});
th.dataset.dir=d;var rows=Array.prototype.slice.call(b.rows);rows.sort(function(x,y){
var a=x.cells[i].dataset.v!==undefined?x.cells[i].dataset.v:x.cells[i].textContent,
c=y.cells[i].dataset.v!==undefined?y.cells[i].dataset.v:y.cells[i].textContent,p=parseFloat(a),q=parseFloat(c);
if(a==="")return 1;if(c==="")return -1;var r=(isNaN(p)||isNaN(q))?a.localeCompare(c):p-q;return d==="asc"?r:-r});
rows.forEach(function(r){b.appendChild(r)})})});
"""


@dataclass
class Page:
    """What a page says, in reading order: title, verdict, then sections."""

    title: str
    verdict: list[str] = field(default_factory=list)
    tone: str = ""  # "", "missed" or "risk": the verdict box's colour
    # (heading, HTML); HTML made by a function when the page is written: the plots, drawn meanwhile
    sections: list[tuple[str, str | Callable[[], str]]] = field(default_factory=list)

    def add(self, heading: str, body: str | Callable[[], str]) -> None:
        if body:
            self.sections.append((heading, body))

    def html(self, fonts: bool = True) -> str:
        esc = html.escape
        verdict = "".join(
            f'<p class="{"lead" if i == 0 else ""}">{esc(line)}</p>' for i, line in enumerate(self.verdict)
        )
        body = f"<h1>{esc(self.title)}</h1>" + (f'<div class="verdict {self.tone}">{verdict}</div>' if verdict else "")
        made = ((h, b() if callable(b) else b) for h, b in self.sections)
        body += "".join(f"<h2>{esc(h)}</h2>{b}" for h, b in made if b)
        body += f"<footer>{esc(_('Made by natsim {version}.').format(version=__version__))}</footer>"
        style = _STYLE
        if fonts:
            from sim.report.fonts import font_face_css  # fontTools only for pages that hold Chinese

            style = font_face_css(body) + style
        lang = "zh-Hans" if language() == "zh" else "en"
        return (
            f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(self.title)}</title><style>{style}</style></head><body>{body}"
            f"<script>{_SCRIPT}</script></body></html>\n"
        )


def table(columns: list[tuple[str, str]], rows: list[dict], sort_by: str | None = None, note: str = "") -> str:
    """An HTML table; `columns` are (key, heading). Numeric columns sort as numbers; `sort_by` is the key
    the rows are ordered by, largest first, before any cut to MAX_ROWS."""
    if not rows:
        return ""
    if sort_by is not None:
        rows = sorted(rows, key=lambda r: _number(r.get(sort_by), float("-inf")))
        rows.reverse()
    shown = rows[:MAX_ROWS]
    numeric = {k for k, _h in columns if all(_number(r.get(k)) is not None or r.get(k) in (None, "") for r in shown)}
    head = "".join(
        f'<th class="s{"" if k in numeric else " t"}"{" data-dir=desc" if k == sort_by else ""}>{html.escape(h)}</th>'
        for k, h in columns
    )
    body = []
    for r in shown:
        cells = []
        for k, _h in columns:
            v = r.get(k)
            if k in numeric and _number(v) is not None:
                cells.append(f'<td data-v="{_number(v)!r}">{html.escape(_show(v))}</td>')
            else:
                cells.append(f'<td class="t">{html.escape("" if v is None else str(v))}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    cut = ""
    if len(rows) > len(shown):
        cut = _("Showing {shown:,} of {total:,} rows; the CSV file beside this page has them all.").format(
            shown=len(shown), total=len(rows)
        )
    notes = " ".join(x for x in (note, cut) if x)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>" + (
        f'<p class="note">{html.escape(notes)}</p>' if notes else ""
    )


def read_csv(path: Path, columns: Sequence[str] = (), optional: bool = True, rows: bool = False) -> list[dict]:
    """A results CSV read back, checked (`sim.report.readback.read_csv`): a damaged one is a FolderError."""
    return readback.read_csv(path, columns, optional, rows)


def csv_table(path: Path, sort_by: str | None = None, note: str = "") -> str:
    """A results CSV as an HTML table, its own header as headings."""
    rows = read_csv(path)
    if not rows:
        return ""
    return table([(k, k) for k in rows[0]], rows, sort_by, note)


def figure(path: Path, caption: str = "") -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    alt = html.escape(caption or path.stem)
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img alt="{alt}" src="data:image/png;base64,{data}">{cap}</figure>'


def figures(folder: Path, captions: dict[str, str] | None = None) -> str:
    """Every PNG in the folder, in name order, the known ones captioned."""
    captions = captions or {}
    return "".join(figure(p, captions.get(p.name, "")) for p in sorted(folder.glob("*.png")))


def preformatted(text: str) -> str:
    return f"<pre>{html.escape(text)}</pre>"


def write_page(page: Page, folder: Path) -> Path:
    path = folder / "report.html"
    path.write_text(page.html(), encoding="utf-8")
    return path


def _number(v: object, missing: float | None = None) -> float | None:
    """A cell as a number, or `missing` (empty, not a number, NaN)."""
    if v is None or v == "":
        return missing
    try:
        x = float(v)
    except (TypeError, ValueError):
        return missing
    return x if x == x else missing  # NaN reads as missing


def _show(v: object) -> str:
    x = _number(v)
    if x is None:
        return ""
    return number_text(x)


def number_text(x: float) -> str:
    """A figure as a reader wants it: from 100 up whole, with thousands separators; below, three significant digits."""
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def folder_page(
    folder: Path, title: str, text: str, tables: list[tuple[str, str, str | None]], verdict: list[str] | None = None
) -> Page:
    """The page of a command other than `run`: its printed summary, its plots, its CSV tables
    (heading, file name, column to sort by)."""
    page = Page(title, verdict or [])
    page.add(_("Summary"), preformatted(text))
    page.add(_("Plots"), figures(folder))
    for heading, name, sort_by in tables:
        page.add(heading, csv_table(folder / name, sort_by))
    return page


def scenario_name(folder: Path) -> str:
    """The name of the scenario a folder was made from (the scenario file it holds), else the folder's."""
    import yaml

    for file in ("scenario.yaml", "plan.yaml", "slots.yaml", "calibrated.yaml"):
        try:
            name = (yaml.safe_load((folder / file).read_text(encoding="utf-8")) or {}).get("name")
        except (OSError, yaml.YAMLError, AttributeError):
            continue
        if name:
            return str(name)
    return folder.name


def read_json(path: Path, keys: Sequence[str] = ()) -> dict:
    """A results JSON file read back, checked (`sim.report.readback.read_json`): a damaged one is a FolderError."""
    return readback.read_json(path, keys)
