"""The watch's page: one HTML document with its own small script, which polls `/api/state` and draws
the verdict, the forecast track (inline SVG), the sites on the map or the points table, the labs, the
options and the refused snapshots. Nothing is fetched from anywhere but the watch itself."""

from __future__ import annotations

import gettext
import html
import json
from functools import cache
from pathlib import Path

from sim.core.i18n import DOMAIN, LOCALE_DIR, N_, po_path
from sim.report.fonts import font_face_css
from sim.watch.watch import Watch

LABELS = {
    "title": N_("Live forecast: {scenario}"),
    "now": N_("Verdict now"),
    "verdict": N_("Deadline {deadline} h met with probability {p} (95% CI {lo} to {hi})."),
    "last": N_("Last pooled result expected at {mean}; 95% prediction interval {lo} to {hi}."),
    "all_in": N_("Every result is in: nothing is left to forecast."),
    "made": N_("From the status at {at}; {n} replications; the forecast took {s} s."),
    "nothing": N_("No forecast yet: waiting for a snapshot of the status."),
    "running": N_("Forecasting from the status at {at} ..."),
    "counts": N_(
        "Snapshots: {accepted} accepted, {older} older (kept, not forecast), {refused} refused; {forecasts} forecasts."
    ),
    "clock": N_("Watch clock: {t}. Updated without reloading."),
    "track": N_("Forecast track: the predicted last result and its 95% prediction interval, by the time of the status"),
    "x_axis": N_("time of the status (h since the round's start)"),
    "y_axis": N_("last result (h)"),
    "deadline": N_("deadline"),
    "map": N_("Sites against the plan (red: behind the plan, green: on or ahead of it)"),
    "points": N_("Points against the plan"),
    "point": N_("point"),
    "sampled": N_("sampled"),
    "plan": N_("plan"),
    "behind": N_("behind the plan"),
    "ahead": N_("on or ahead of plan"),
    "sampling_end": N_("sampling ends (h)"),
    "labs": N_("Labs against the plan"),
    "lab": N_("lab"),
    "received": N_("tubes received"),
    "reported": N_("tubes reported"),
    "plan_reported": N_("plan: reported"),
    "lab_last": N_("last result (h)"),
    "options": N_("What each option changes (same random numbers as the forecast)"),
    "option": N_("option"),
    "probability": N_("deadline met"),
    "change": N_("change in last result (h, 95% CI)"),
    "refused": N_("Refused snapshots and their problems"),
    "received_at": N_("received (UTC)"),
    "from": N_("from"),
    "problems": N_("problems"),
    "none": N_("none"),
    "yes": N_("yes"),
    "no": N_("no"),
    "h": N_("{h} h"),
    "no_options": N_("No options: start the watch with --add vehicles.LAB=10 and the like."),
}

_STYLE = """
body{font-family:"natsim-cjk",system-ui,"Segoe UI","DejaVu Sans","Noto Sans CJK SC","Microsoft YaHei",sans-serif;
margin:0 auto;max-width:1150px;padding:12px 22px;color:#1c2833;line-height:1.4}h1{font-size:1.4em;margin:.2em 0}
h2{font-size:1.1em;border-bottom:2px solid #2874a6;padding-bottom:2px;margin-top:1.3em}
.verdict{background:#eaf2f8;border-left:6px solid #2874a6;padding:6px 14px;margin:10px 0}
.verdict.missed{background:#fdedec;border-color:#c0392b}.verdict.risk{background:#fef5e7;border-color:#b9770e}
.lead{font-size:1.15em;font-weight:600}.note{color:#5d6d7e;font-size:.85em}nav{float:right}
table{border-collapse:collapse;font-size:.85em;margin:6px 0;width:100%}th,td{border:1px solid #d5d8dc;padding:2px 6px;
text-align:right}th{background:#eaecee}td.t,th.t{text-align:left}tr.behind td{background:#fdedec}
pre{white-space:pre-wrap;margin:0;font:inherit;text-align:left}svg text{font-size:11px;fill:#1c2833}
"""


@cache
def _translation(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def _names(watch: Watch) -> str:
    """The characters any page shows whatever its language: the scenario's names and the switch's 中文."""
    return "中文" + watch.rnd.name + "".join(watch.rnd.point_names()) + "".join(lab.name for lab in watch.rnd.labs)


def prepare(watch: Watch) -> None:
    """Cut both pages' fonts now (at start, in the background), so that no screen waits for one."""
    for lang in ("en", "zh"):
        _font(lang, _names(watch))


@cache
def _font(lang: str, names: str) -> str:
    """The shipped CJK font cut to what the page can show, inline (`report/fonts.py`): the scenario's names,
    and in Chinese every character of the catalog (the page's words and every problem a snapshot can have).
    Cut once per process: a second or two."""
    text = names + (po_path("zh").read_text(encoding="utf-8") if lang == "zh" else "")
    return font_face_css(text)


def labels(lang: str) -> dict[str, str]:
    """The page's words in `lang`, from the project's catalog."""
    tr = _translation(lang)
    return {k: tr.gettext(v) for k, v in LABELS.items()}


def page_html(watch: Watch, lang: str, token: str | None = None) -> str:
    words = labels(lang)
    start = watch.start.isoformat() if watch.start else None
    config = {"labels": words, "start": start, "token": token}
    title = words["title"].format(scenario=watch.rnd.name)
    query = f"&token={html.escape(token)}" if token else ""
    font = _font(lang, _names(watch))
    script = (Path(__file__).with_name("page.js")).read_text(encoding="utf-8")
    return f"""<!DOCTYPE html>
<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{html.escape(title)}</title>
<style>{font}{_STYLE}</style></head><body>
<nav><a href="?lang=en{query}">English</a> | <a href="?lang=zh{query}">中文</a></nav>
<h1>{html.escape(title)}</h1>
<div id="verdict" class="verdict"><p class="lead">{html.escape(words["nothing"])}</p></div>
<p id="counts" class="note"></p>
<h2>{html.escape(words["track"])}</h2><div id="track"></div>
<h2 id="points-title"></h2><div id="points"></div>
<h2>{html.escape(words["labs"])}</h2><div id="labs"></div>
<h2>{html.escape(words["options"])}</h2><div id="options"></div>
<h2>{html.escape(words["refused"])}</h2><div id="refused"></div>
<script>const WATCH = {json.dumps(config, ensure_ascii=False)};</script>
<script>{script}</script>
</body></html>
"""
