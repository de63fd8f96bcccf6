"""A map of alerts over a cloud-free false-colour background, coloured by cause."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import geopandas as gpd  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from ..i18n import t as tr  # noqa: E402
from ..imagery.render import FALSE_COLOUR, composite  # noqa: E402
from ..palette import CAUSE_COLOURS  # noqa: E402  (the bulletin's and the web map's colours)
from .quicklook import _decorate, _extent_km  # noqa: E402


def recent_clear_composite(ds: xr.Dataset, looks: int = 5) -> xr.Dataset:
    """Per pixel, the median of its last ``looks`` clear observations: a cloud-free picture of 'now'
    that does not leave holes where the last weeks were cloudy (Madre de Dios' wet season)."""
    bands = [b for b, _, _ in FALSE_COLOUR]
    H, W = ds.sizes["y"], ds.sizes["x"]
    stack = np.full((looks, len(bands), H, W), np.nan, dtype=np.float32)
    count = np.zeros((H, W), dtype=np.int16)
    for i in range(ds.sizes["time"] - 1, -1, -1):
        if (count >= looks).all():
            break
        sl = ds[[*bands, "clear"]].isel(time=i).compute()
        take = sl.clear.values & (count < looks)
        if not take.any():
            continue
        rows, cols = np.nonzero(take)
        k = count[rows, cols]
        for j, b in enumerate(bands):
            stack[k, j, rows, cols] = sl[b].values[rows, cols]
        count[take] += 1
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # pixels never clear stay NaN (drawn black)
            med = np.nanmedian(stack, axis=0)
    return xr.Dataset({b: (("y", "x"), med[j]) for j, b in enumerate(bands)}, coords={"y": ds.y, "x": ds.x})


def write_alert_map(ds: xr.Dataset, alerts: gpd.GeoDataFrame, path: str | Path, simulated: bool = False) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    background = composite(recent_clear_composite(ds), FALSE_COLOUR)
    extent = _extent_km(ds)
    fig, ax = plt.subplots(figsize=(9, 9.6), constrained_layout=True)
    ax.imshow(background, extent=extent, interpolation="nearest")
    shown = alerts.to_crs(ds.attrs["crs"]) if len(alerts) else alerts
    for cause, colour in CAUSE_COLOURS.items():
        sub = shown[shown.cause == cause] if len(shown) else shown
        if len(sub):
            sub = sub.set_geometry(sub.geometry.scale(1e-3, 1e-3, origin=(0, 0)))  # metres → km, as the axes
            sub.plot(ax=ax, facecolor=colour, alpha=0.35, edgecolor=colour, linewidth=1.6)
            low = sub[sub.confidence == "low"]
            if len(low):
                low.plot(ax=ax, facecolor="none", edgecolor="white", linewidth=0.8, linestyle="--")
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    _decorate(ax, extent)
    n_mining = int((alerts.cause == "mining").sum()) if len(alerts) else 0
    ha_mining = float(alerts.loc[alerts.cause == "mining", "area_ha"].sum()) if len(alerts) else 0.0
    handles = [
        Patch(
            facecolor=CAUSE_COLOURS["mining"], alpha=0.6, label=f"{tr('map.mining', 'es')} / {tr('map.mining', 'en')}"
        ),
        Patch(facecolor=CAUSE_COLOURS["other"], alpha=0.6, label=f"{tr('map.other', 'es')} / {tr('map.other', 'en')}"),
        Patch(
            facecolor="none", edgecolor="black", linestyle="--", label=f"{tr('map.low', 'es')} / {tr('map.low', 'en')}"
        ),
    ]
    ax.legend(handles=handles, loc="upper left", fontsize=8, framealpha=0.9)
    title = (
        f"{tr('map.title', 'es')} / {tr('map.title', 'en')}\n"
        f"{len(alerts)} alertas / alerts · {n_mining} minería / mining · {ha_mining:.1f} ha"
    )
    if simulated:
        title += f"\n{tr('fig.simulated', 'es')}"
    ax.set_title(title, fontsize=9, color="firebrick" if simulated else "black")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
