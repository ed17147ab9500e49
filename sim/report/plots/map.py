"""The round on a map (places v1): compounds coloured by their walk, sites sized by residents and
coloured by their queue, labs, and which site serves which compound."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

from sim.core.i18n import _
from sim.report.plots.style import save  # the backend and the CJK font too
from sim.report.summary import RunResult
from sim.scenario.places.map import within_standard

LABEL_SITES = 12  # the sites with the longest queues get their names on the map
WORST_PATHS = 3  # on streets: the walks of this many worst-served compounds are drawn along the streets


def _nice(length: float) -> float:
    """A round length for a scale bar near `length` (1, 2 or 5 times a power of ten)."""
    power = 10 ** math.floor(math.log10(length))
    return max(s * power for s in (1, 2, 5) if s * power <= length)


def map_plot(result: RunResult, path: Path) -> Figure:
    m = result.rnd.places
    scale = 1 / 1000 if not m.lonlat else 1.0  # metres are drawn in km
    c_xy, s_xy = m.compound_xy * scale, m.site_xy * scale
    points = {row["name"]: row for row in result.points_table()}
    open_ = m.open_sites
    p95 = np.array([points.get(m.site_names[s], {}).get("wait_p95_min", np.nan) for s in open_], float)
    residents = np.array([points.get(m.site_names[s], {}).get("residents", 0) for s in open_], float)
    standard = m.standard / 60
    walk = m.walk / 60
    fig, ax = plt.subplots(figsize=(10, 11))
    streets = _streets(ax, m, scale)
    dots = _compounds(ax, m, c_xy, s_xy, walk, standard)
    closed = np.flatnonzero(m.site_tables == 0)
    ax.scatter(*s_xy[closed].T, marker="x", s=14, color="#95a5a6", linewidths=0.8, zorder=3)
    sites = _sites(ax, m, s_xy, open_, p95, residents)
    _axes(ax, m.lonlat, np.vstack([c_xy, s_xy, _labs(ax, m, scale)]))
    routes = _routes(ax, result, s_xy, scale)
    bar = fig.colorbar(dots, ax=ax, location="bottom", fraction=0.035, pad=0.07, aspect=40)
    bar.set_label(_("compound: walk to its site (min); the standard is {m:g} min").format(m=standard))
    fig.colorbar(sites, ax=ax, location="bottom", fraction=0.035, pad=0.05, aspect=40).set_label(
        _("site: 95th percentile wait (min)")
    )
    shares = [r.metrics.get("within_walk_standard") for r in result.reps]
    shares = [x for x in shares if x is not None]
    share = _("; {share:.1%} of residents who came walk within it").format(share=np.mean(shares)) if shares else ""
    ax.set_title(
        _(
            "{name}: compounds, the sites that serve them, and labs\n"
            "walking standard {m:g} min{share}; {sites:,} open sites, {compounds:,} compounds"
        ).format(name=result.rnd.name, m=standard, share=share, sites=len(open_), compounds=len(m.compound_names)),
        fontsize=11,
    )
    ax.legend(handles=_legend() + routes + streets, loc="upper left", fontsize=8, framealpha=0.9)
    save(fig, path, bbox_inches="tight")
    return fig


def _routes(ax, result: RunResult, s_xy: np.ndarray, scale: float) -> list:
    """Courier loops, lab to stops to lab, one colour per lab; returns the legend's entry."""
    rnd, m = result.rnd, result.rnd.places
    if not rnd.routes:
        return []
    site, names = {name: s for s, name in enumerate(m.site_names)}, rnd.point_names()
    colours = ("#d35400", "#7d3c98", "#117a65", "#b03a2e", "#1f618d")
    for r in rnd.routes:
        lab = np.array(m.lab_xy.get(r.lab, (np.nan, np.nan)), float) * scale
        stops = [s_xy[site[names[p]]] for p in r.stops]
        path = np.vstack([lab, *stops, lab])
        ax.plot(path[:, 0], path[:, 1], color=colours[r.lab % len(colours)], linewidth=0.9, alpha=0.75, zorder=2)
    label = _("courier route ({n:,})").format(n=len(rnd.routes))
    return [Line2D([], [], color=colours[0], linewidth=1.2, label=label)]


def _streets(ax, m, scale: float) -> list:
    """The street network under everything (main roads heavier) and the walks of the worst-served
    compounds along it; returns the legend's entries (none without a network)."""
    sm = m.streets
    if sm is None:
        return []
    seg = sm.segments * scale
    ax.add_collection(LineCollection(seg[~sm.main], colors="#c8c8c8", linewidths=0.5, zorder=0, rasterized=True))
    ax.add_collection(LineCollection(seg[sm.main], colors="#9a9a9a", linewidths=1.6, zorder=0, rasterized=True))
    served = np.flatnonzero((m.assigned >= 0) & np.isfinite(m.walk))
    worst = served[np.argsort(-m.walk[served], kind="stable")[:WORST_PATHS]]
    for c in worst:
        line = np.vstack([m.compound_xy[c], sm.walk_path(int(c), int(m.assigned[c])), m.site_xy[m.assigned[c]]]) * scale
        ax.plot(line[:, 0], line[:, 1], color="#c0392b", linewidth=1.8, alpha=0.85, zorder=3)
    return [
        Line2D([], [], color="#9a9a9a", linewidth=1.6, label=_("main road")),
        Line2D([], [], color="#c8c8c8", linewidth=0.8, label=_("street or path")),
        Line2D(
            [],
            [],
            color="#c0392b",
            linewidth=1.8,
            label=_("walk of the {n} worst-served compounds").format(n=len(worst)),
        ),
    ]


def _compounds(ax, m, c_xy: np.ndarray, s_xy: np.ndarray, walk: np.ndarray, standard: float):
    """Lines from each compound to its site; compounds coloured by their walk, ringed beyond the standard."""
    served = m.assigned >= 0
    lines = np.stack([c_xy[served], s_xy[m.assigned[served]]], axis=1)
    ax.add_collection(LineCollection(lines, colors="#7f8c8d", linewidths=0.4, alpha=0.35, rasterized=True, zorder=1))
    size = 4 + 40 * np.sqrt(m.compound_residents / max(m.compound_residents.max(), 1))
    dots = ax.scatter(
        *c_xy.T, s=size, c=walk, cmap="RdYlGn_r", vmin=0, vmax=2 * standard, linewidths=0, zorder=2, rasterized=True
    )
    far = served & ~within_standard(walk, standard)
    ax.scatter(*c_xy[far].T, s=size[far] + 14, facecolors="none", edgecolors="#c0392b", linewidths=0.8, zorder=3)
    return dots


def _sites(ax, m, s_xy: np.ndarray, open_: np.ndarray, p95: np.ndarray, residents: np.ndarray):
    """Open sites sized by residents and coloured by their p95 wait; the longest queues named."""
    size = (12 + 220 * np.sqrt(residents / max(residents.max(), 1))) * (0.35 if len(open_) > 500 else 1.0)
    vmax = max(float(np.nanmax(p95)) if np.isfinite(p95).any() else 1.0, 1.0)
    kw = {
        "cmap": "viridis",
        "vmin": 0,
        "vmax": vmax,
        "edgecolors": "black",
        "linewidths": 0.5,
        "alpha": 0.9,
        "zorder": 4,
    }
    sites = ax.scatter(*s_xy[open_].T, s=size, c=p95, **kw)
    worst = [k for k in np.argsort(-np.nan_to_num(p95, nan=-1))[:LABEL_SITES] if np.isfinite(p95[k])]
    if len(open_) <= 60:  # few sites: name the worst beside them
        for k in worst:
            label = f"{m.site_names[open_[k]]} ({p95[k]:.0f} min)"
            ax.annotate(label, s_xy[open_[k]], fontsize=7, xytext=(4, 4), textcoords="offset points", zorder=6)
        return sites
    # Many sites: number the worst on the map and name them in a box, where labels cannot overlap.
    lines = []
    for rank, k in enumerate(worst, start=1):
        ax.scatter(*s_xy[open_[k]], s=150, facecolors="none", edgecolors="#c0392b", linewidths=1.5, zorder=6)
        ax.annotate(
            str(rank),
            s_xy[open_[k]],
            fontsize=8,
            weight="bold",
            color="#c0392b",
            xytext=(5, 5),
            textcoords="offset points",
            zorder=7,
        )
        lines.append(f"{rank}. {m.site_names[open_[k]]}: {p95[k]:.0f} min")
    text = _("Longest queues (p95 wait)") + "\n" + "\n".join(lines)
    ax.text(
        0.01,
        0.01,
        text,
        transform=ax.transAxes,
        fontsize=7.5,
        va="bottom",
        bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.9, "edgecolor": "#c0392b"},
        zorder=8,
    )
    return sites


def _labs(ax, m, scale: float) -> np.ndarray:
    """The labs as black squares with their names; returns their drawn coordinates (for the axes' extent)."""
    xy = np.array(list(m.lab_xy.values()), float).reshape(-1, 2) * scale
    for li, at in zip(m.lab_xy, xy, strict=True):
        ax.scatter(*at, marker="s", s=120, color="black", zorder=5)
        ax.annotate(
            _("lab {name}").format(name=m.lab_names[li]),
            at,
            fontsize=9,
            weight="bold",
            xytext=(6, -10),
            textcoords="offset points",
            zorder=6,
        )
    return xy


def _axes(ax, lonlat: bool, xy: np.ndarray) -> None:
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    pad = 0.05 * max(hi - lo) + (0.01 if lonlat else 0.1)
    ax.set_xlim(lo[0] - pad, hi[0] + pad)
    ax.set_ylim(lo[1] - pad, hi[1] + pad)
    if lonlat:
        km_per_unit = 111.32 * math.cos(math.radians((lo[1] + hi[1]) / 2))  # km per degree of longitude here
        ax.set_aspect(1 / math.cos(math.radians((lo[1] + hi[1]) / 2)))
        ax.set_xlabel(_("longitude (degrees)"))
        ax.set_ylabel(_("latitude (degrees)"))
    else:
        km_per_unit = 1.0
        ax.set_aspect("equal")
        ax.set_xlabel("x (km)")
        ax.set_ylabel("y (km)")
    km = _nice((hi[0] - lo[0] + 2 * pad) * km_per_unit / 5)
    label = f"{km:g} km" if km >= 1 else f"{km * 1000:g} m"
    bar = AnchoredSizeBar(ax.transData, km / km_per_unit, label, "lower right", pad=0.5, frameon=True, size_vertical=0)
    ax.add_artist(bar)
    ax.ticklabel_format(useOffset=False)  # 120.95, not 0.05 + 1.209e2
    ax.grid(alpha=0.2)


def _legend() -> list:
    return [
        Line2D([], [], marker="o", linestyle="", color="#1e8449", markersize=5, label=_("compound (colour: its walk)")),
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor="none",
            markeredgecolor="#c0392b",
            markersize=7,
            label=_("walks beyond the standard"),
        ),
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            color="#21918c",
            markeredgecolor="black",
            markersize=10,
            label=_("open site (size: residents; colour: p95 wait)"),
        ),
        Line2D([], [], marker="x", linestyle="", color="#95a5a6", markersize=6, label=_("closed site")),
        Line2D([], [], marker="s", linestyle="", color="black", markersize=8, label=_("lab")),
        Line2D([], [], color="#7f8c8d", alpha=0.6, label=_("compound -> the site serving it")),
    ]


def siting_plot(m, name: str, path: Path) -> Figure:
    """`natsim site`: the sites it opens (size: tables) and the candidates it leaves closed, compounds
    coloured by their walk to the site that will serve them."""
    scale = 1 / 1000 if not m.lonlat else 1.0
    c_xy, s_xy = m.compound_xy * scale, m.site_xy * scale
    standard = m.standard / 60
    fig, ax = plt.subplots(figsize=(10, 10.5))
    streets = _streets(ax, m, scale)
    dots = _compounds(ax, m, c_xy, s_xy, m.walk / 60, standard)
    closed = np.flatnonzero(m.site_tables == 0)
    ax.scatter(
        *s_xy[closed].T, marker="x", s=16, color="#7f8c8d", linewidths=0.8, zorder=3, label=_("candidate left closed")
    )
    open_ = m.open_sites
    shrink = 0.35 if open_.size > 500 else 1.0
    ax.scatter(
        *s_xy[open_].T,
        s=(20 + 30 * m.site_tables[open_]) * shrink,
        color="#2874a6",
        edgecolors="black",
        linewidths=0.5,
        alpha=0.9,
        zorder=4,
        label=_("site opened (size: tables)"),
    )
    _axes(ax, m.lonlat, np.vstack([c_xy, s_xy, _labs(ax, m, scale)]))
    fig.colorbar(dots, ax=ax, location="bottom", fraction=0.035, pad=0.07, aspect=40).set_label(
        _("compound: walk to the site serving it (min); the standard is {m:g} min").format(m=standard)
    )
    handles, _labels = ax.get_legend_handles_labels()
    ax.legend(handles=handles + streets, loc="upper left", fontsize=8, framealpha=0.9)
    ax.set_title(
        _("{name}: sites to open ({sites:,}, {tables:,} tables) and candidates left closed").format(
            name=name, sites=open_.size, tables=int(m.site_tables.sum())
        ),
        fontsize=11,
    )
    save(fig, path, bbox_inches="tight")
    return fig
