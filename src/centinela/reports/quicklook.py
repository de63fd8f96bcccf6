"""Quick-look pictures of a Sentinel-2 time series: true and false colour for two dates, cloud cover by date.

Takes an already loaded cube (see :func:`centinela.imagery.load_cube`); only writes PNG files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: reports are written on servers and in CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib import patheffects  # noqa: E402

from ..errors import InputError  # noqa: E402
from ..i18n import both
from ..i18n import t as tr  # noqa: E402
from ..imagery.render import FALSE_COLOUR, TRUE_COLOUR, composite  # noqa: E402


@dataclass(frozen=True)
class QuicklookFiles:
    panel: Path
    cloud_plot: Path
    images: tuple[Path, ...]
    dates: tuple[dt.date, dt.date]


def pick_dates(clear_fraction: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The clearest date in the first third of the series and the clearest in the last third."""
    if len(clear_fraction) < 2:
        raise InputError("a quick-look needs at least two dates in the series")
    n = len(clear_fraction)
    third = max(1, n // 3)
    early = clear_fraction.iloc[:third].idxmax()
    late = clear_fraction.iloc[n - third :].idxmax()
    if early == late:
        late = clear_fraction.index[-1]
    return early, late


def _extent_km(ds: xr.Dataset) -> tuple[float, float, float, float]:
    res = float(abs(ds.x[1] - ds.x[0])) if ds.sizes["x"] > 1 else 10.0
    return (
        (float(ds.x.min()) - res / 2) / 1000,
        (float(ds.x.max()) + res / 2) / 1000,
        (float(ds.y.min()) - res / 2) / 1000,
        (float(ds.y.max()) + res / 2) / 1000,
    )


def _decorate(ax, extent: tuple[float, float, float, float]) -> None:
    x0, x1, y0, y1 = extent
    width = x1 - x0
    bar = max(0.5, float(10 ** np.floor(np.log10(width / 4))))
    bar = bar * 2 if width / bar > 8 else bar
    bx, by = x0 + 0.05 * width, y0 + 0.06 * (y1 - y0)
    ax.plot([bx, bx + bar], [by, by], color="white", lw=4, solid_capstyle="butt")
    ax.plot([bx, bx + bar], [by, by], color="black", lw=1.5, solid_capstyle="butt")
    ax.text(
        bx + bar / 2,
        by + 0.02 * (y1 - y0),
        f"{bar:g} km",
        color="white",
        ha="center",
        va="bottom",
        fontsize=8,
        bbox=dict(facecolor="black", alpha=0.4, lw=0, pad=1),
    )
    ax.annotate(
        "N",
        xy=(x1 - 0.06 * width, y1 - 0.06 * (y1 - y0)),
        xytext=(x1 - 0.06 * width, y1 - 0.18 * (y1 - y0)),
        color="white",
        ha="center",
        fontsize=10,
        fontweight="bold",
        arrowprops=dict(arrowstyle="-|>", color="white", lw=1.5),
        path_effects=[patheffects.withStroke(linewidth=2.5, foreground="black")],
    )
    ax.set_xlabel("UTM x (km)", fontsize=7)
    ax.set_ylabel("UTM y (km)", fontsize=7)
    ax.tick_params(labelsize=6)


def write_quicklook(
    ds: xr.Dataset,
    out: str | Path,
    dates: tuple[dt.date, dt.date] | None = None,
    simulated: bool = False,
) -> QuicklookFiles:
    """Write ``quicklook.png`` (2×2 panel), one PNG per date and recipe, and ``cloud_cover.png``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    clear = ds["clear"].mean(("y", "x")).compute().to_series()
    if dates is None:
        t_a, t_b = pick_dates(clear)
    else:
        t_a, t_b = (_nearest_time(ds, d) for d in dates)
    extent = _extent_km(ds)
    crs = ds.attrs.get("crs", "")
    slices = {t: ds.sel(time=t).compute() for t in (t_a, t_b)}

    images = []
    fig, axes = plt.subplots(2, 2, figsize=(11, 11.5), constrained_layout=True)
    for col, t in enumerate((t_a, t_b)):
        for row, (name, recipe) in enumerate((("rgb", TRUE_COLOUR), ("falsecolour", FALSE_COLOUR))):
            img = composite(slices[t], recipe)
            path = out / f"{name}_{pd.Timestamp(t):%Y-%m-%d}.png"
            plt.imsave(path, img)
            images.append(path)
            ax = axes[row, col]
            ax.imshow(img, extent=extent, interpolation="nearest")
            pct = 100 * float(clear.loc[t])
            ax.set_title(
                f"{pd.Timestamp(t):%Y-%m-%d} · {both('fig.true_colour' if row == 0 else 'fig.false_colour_short')}\n"
                f"{pct:.0f} % despejado / clear",
                fontsize=8,
            )
            _decorate(ax, extent)
    note = f"{tr('fig.simulated', 'es')}\n{tr('fig.simulated', 'en')}" if simulated else f"Sentinel-2 L2A · {crs}"
    fig.suptitle(
        f"Centinela — {note}\n{tr('fig.false_colour_key', 'es')} · {tr('fig.false_colour_key', 'en')}",
        fontsize=9,
        color="firebrick" if simulated else "black",
    )
    panel = out / "quicklook.png"
    fig.savefig(panel, dpi=110)
    plt.close(fig)

    cloud_plot = write_cloud_plot(ds, clear, out / "cloud_cover.png", simulated)
    return QuicklookFiles(panel, cloud_plot, tuple(images), (pd.Timestamp(t_a).date(), pd.Timestamp(t_b).date()))


def _nearest_time(ds: xr.Dataset, d: dt.date) -> pd.Timestamp:
    times = pd.DatetimeIndex(ds.time.values)
    i = int(np.argmin(np.abs((times.normalize() - pd.Timestamp(d)).days)))
    if abs((times[i].normalize() - pd.Timestamp(d)).days) > 16:
        raise InputError(
            f"no acquisition within 16 days of {d}; the series runs {times[0]:%Y-%m-%d} to {times[-1]:%Y-%m-%d}"
        )
    return times[i]


def write_cloud_plot(ds: xr.Dataset, clear: pd.Series, path: Path, simulated: bool = False) -> Path:
    """Bar chart of cloud cover by date: declared in the catalog, and measured as not-clear in the area."""
    times = pd.DatetimeIndex(clear.index)
    measured = 100 * (1 - clear.values)
    declared = ds.attrs.get("cloud_cover")
    fig, ax = plt.subplots(figsize=(11, 4.4), constrained_layout=True)
    for year in sorted(set(times.year)):
        ax.axvspan(
            pd.Timestamp(year, 6, 1),
            pd.Timestamp(year, 9, 30),
            color="gold",
            alpha=0.18,
            label=both("fig.dry_season") if year == times.year.min() else None,
        )
    ax.bar(times, measured, width=3.5, color="slategray", label=both("fig.cloud_measured"))
    if declared and len(declared) == len(times) and all(v is not None for v in declared):
        ax.plot(times, declared, "o", ms=3, color="firebrick", label=both("fig.cloud_catalog"))
    ax.set_ylim(0, 105)
    ax.set_xlim(times.min() - pd.Timedelta(days=5), times.max() + pd.Timedelta(days=5))
    ax.set_ylabel(both("fig.cloud_y"))
    ax.set_xlabel(both("fig.date"))
    title = both("fig.cloud_title")
    if simulated:
        title += f"\n{tr('fig.simulated', 'es')}\n{tr('fig.simulated', 'en')}"
    ax.set_title(title, fontsize=9)
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
