"""Pictures of restoration work: recovery trajectories per site, and the map of alternative land uses.

Both carry Spanish and English at once (:func:`centinela.i18n.both`), and say so when the imagery is simulated.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import geopandas as gpd  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from ..i18n import both  # noqa: E402
from .quicklook import _decorate  # noqa: E402

STATUS_COLOURS = {
    "re-disturbed": "#d62728",
    "recovered": "#1a9850",
    "recovering": "#66bd63",
    "stalled": "#fdae61",
    "insufficient_data": "#999999",
    "outside_imagery": "#999999",
}
OPTION_COLOURS = {
    "natural_regeneration": "#1b9e77",
    "active_reforestation": "#66a61e",
    "agroforestry": "#e6ab02",
    "aquaculture": "#1f78b4",
    "": "#bdbdbd",
}
MAX_PANELS = 12


def trajectories_figure(
    sites: gpd.GeoDataFrame, observations: pd.DataFrame, path: str | Path, simulated: bool = False
) -> Path:
    """One panel per site (up to 12, the re-disturbed and stalled first): NDVI by date with the Theil–Sen line,
    the vegetated share, the planting and re-disturbance dates and 80 % of the nearby forest's NDVI."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    order = {
        s: i
        for i, s in enumerate(
            ("re-disturbed", "stalled", "recovering", "recovered", "insufficient_data", "outside_imagery")
        )
    }
    shown = sites.assign(_o=sites.status.map(order).fillna(9)).sort_values(["_o", "site_id"]).head(MAX_PANELS)
    n = max(1, len(shown))
    cols = min(3, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.0 * rows + 0.9), squeeze=False, constrained_layout=True)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    for ax, (_, s) in zip(axes.ravel()[: len(shown)], shown.iterrows(), strict=True):
        o = observations[observations.site_id == s.site_id]
        dates = pd.to_datetime(o.date)
        colour = STATUS_COLOURS.get(s.status, "black")
        if o.empty:  # outside the imagery, or never clear: say so instead of drawing empty axes
            ax.set_axis_off()
            ax.text(
                0.5,
                0.5,
                both(f"rs.status.{s.status}"),
                ha="center",
                va="center",
                fontsize=8,
                color=colour,
                transform=ax.transAxes,
            )
            ax.set_title(s.site_id, fontsize=7, color=colour)
            continue
        ax.plot(dates, o.ndvi_median, "o", ms=3, color="#333333", label="NDVI")
        ax2 = ax.twinx()
        ax2.fill_between(dates, 0, o.veg_frac.fillna(0), step="mid", color="#66bd63", alpha=0.18, lw=0)
        ax2.set_ylim(0, 1)
        ax2.tick_params(labelsize=6, colors="#1a9850")
        slope = s.get("ndvi_slope_per_yr", np.nan)
        if pd.notna(slope) and len(o):
            x = pd.to_datetime([o.date.min(), o.date.max()])
            if pd.notna(s.get("planting_date")):
                x = pd.to_datetime([max(pd.Timestamp(s.planting_date), x[0]), x[1]])
            if pd.notna(s.get("redisturbed_first_seen")):
                x = pd.to_datetime([x[0], pd.Timestamp(s.redisturbed_first_seen)])
            days = (x - pd.Timestamp("1970-01-01")).days.to_numpy() / 365.25
            ax.plot(x, s.ndvi_intercept + slope * days, "-", color=colour, lw=2)
        ref = s.get("ndvi_reference", np.nan)
        if pd.notna(ref):
            ax.axhline(0.8 * ref, color="#1a9850", ls=":", lw=1)
        if pd.notna(s.get("planting_date")):
            ax.axvline(pd.Timestamp(s.planting_date), color="#1a9850", lw=1, ls="--")
        if pd.notna(s.get("redisturbed_first_seen")):
            ax.axvline(pd.Timestamp(s.redisturbed_first_seen), color="#d62728", lw=1.5)
        ax.set_ylim(-0.2, 1.0)
        ax.tick_params(labelsize=6)
        ax.tick_params(axis="x", rotation=30)
        label = both(f"rs.status.{s.status}")
        slope_txt = f" · {slope:+.2f}/yr" if pd.notna(slope) else ""
        ax.set_title(f"{s.site_id}\n{label}{slope_txt}", fontsize=7, color=colour)
    handles = [
        Line2D([], [], marker="o", ls="", color="#333333", ms=3, label=both("rs.fig.ndvi")),
        Line2D([], [], color="black", lw=2, label=both("rs.fig.trend")),
        Patch(facecolor="#66bd63", alpha=0.3, label=both("rs.fig.veg")),
        Line2D([], [], color="#1a9850", ls=":", label=both("rs.fig.reference")),
        Line2D([], [], color="#1a9850", ls="--", label=both("rs.fig.planted")),
        Line2D([], [], color="#d62728", lw=1.5, label=both("rs.fig.redisturbed")),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=7, frameon=False)
    title = both("rs.fig.traj_title")
    if len(sites) > MAX_PANELS:
        title += f" ({MAX_PANELS}/{len(sites)})"
    if simulated:
        title += "\n" + both("fig.simulated")
    fig.suptitle(title, fontsize=9, color="firebrick" if simulated else "black")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def suitability_map(
    assessed: gpd.GeoDataFrame,
    path: str | Path,
    labels: dict[str, dict],
    ponds: gpd.GeoDataFrame | None = None,
    rgb: np.ndarray | None = None,
    rgb_bounds: tuple[float, float, float, float] | None = None,
    rivers: gpd.GeoDataFrame | None = None,
    simulated: bool = False,
) -> Path:
    """Sites coloured by their best option; hatched where mercury rules out an option, dashed where mining is
    active. ``labels``: option → {es, en} (from the rules). ``rgb`` (y, x, 3 reflectance) over ``rgb_bounds``
    (x0, y0, x1, y1 in the sites' CRS, metres) is drawn underneath."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(9, 9.4), constrained_layout=True)
    km = assessed.set_geometry(assessed.geometry.scale(1e-3, 1e-3, origin=(0, 0))) if len(assessed) else assessed
    if rgb is not None and rgb_bounds is not None:
        img = np.nan_to_num(np.clip(rgb / 0.16, 0, 1) ** (1 / 1.6), nan=0.0)
        x0, y0, x1, y1 = (v / 1000 for v in rgb_bounds)
        ax.imshow(img, extent=(x0, x1, y0, y1), interpolation="nearest")
        extent = (x0, x1, y0, y1)
    else:
        b = km.total_bounds if len(km) else np.array([0, 0, 1, 1])
        pad = max(0.2, 0.1 * max(b[2] - b[0], b[3] - b[1]))
        extent = (b[0] - pad, b[2] + pad, b[1] - pad, b[3] + pad)
        ax.set_facecolor("#f2f2f2")
    if rivers is not None and len(rivers):
        rv = rivers.to_crs(assessed.crs)
        rv.set_geometry(rv.geometry.scale(1e-3, 1e-3, origin=(0, 0))).plot(ax=ax, color="#6baed6", lw=1.5)
    for opt, colour in OPTION_COLOURS.items():
        sub = km[km.best_option == opt] if len(km) else km
        if len(sub):
            sub.plot(ax=ax, facecolor=colour, alpha=0.55, edgecolor="black", linewidth=0.6)
    if len(km):
        flagged = (
            km[km[[c for c in km.columns if c.startswith("hg_flag_")]].any(axis=1)]
            if any(c.startswith("hg_flag_") for c in km.columns)
            else km.iloc[0:0]
        )
        if len(flagged):
            flagged.plot(ax=ax, facecolor="none", edgecolor="#7b3294", hatch="xxx", linewidth=0.8)
        active = km[km.best_option == ""]
        if "status" in km and len(active):
            active[active.status == "active"].plot(
                ax=ax, facecolor="none", edgecolor="#d62728", linewidth=1.4, linestyle="--"
            )
        for _, s in km.iterrows():
            p = s.geometry.representative_point()
            ax.annotate(
                s.site_id.replace("MS-", ""),
                (p.x, p.y),
                fontsize=5.5,
                ha="center",
                color="white",
                bbox=dict(facecolor="black", alpha=0.45, lw=0, pad=0.8),
            )
    if ponds is not None and len(ponds):
        pk = ponds.to_crs(assessed.crs)
        pk.set_geometry(pk.geometry.scale(1e-3, 1e-3, origin=(0, 0))).plot(
            ax=ax, facecolor="none", edgecolor="#08519c", linewidth=0.6
        )
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    _decorate(ax, extent)
    handles = [
        Patch(facecolor=OPTION_COLOURS[o], alpha=0.7, label=f"{lab.get('es', o)} / {lab.get('en', o)}")
        for o, lab in labels.items()
        if o in OPTION_COLOURS
    ]
    handles += [
        Patch(facecolor=OPTION_COLOURS[""], alpha=0.7, label=both("rs.fig.none")),
        Patch(facecolor="none", edgecolor="#7b3294", hatch="xxx", label=both("rs.fig.hg_flag")),
        Patch(facecolor="none", edgecolor="#d62728", linestyle="--", label=both("rs.fig.active")),
        Patch(facecolor="none", edgecolor="#08519c", label=both("rs.fig.ponds")),
    ]
    ax.legend(handles=handles, loc="upper left", fontsize=7, framealpha=0.9)
    title = both("rs.fig.map_title") + "\n" + both("rs.fig.judgement")
    if simulated:
        title += "\n" + both("fig.simulated")
    ax.set_title(title, fontsize=8, color="firebrick" if simulated else "black")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
