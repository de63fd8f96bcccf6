"""How pixels are shown: colour composites with fixed stretches, shared by quick-looks and evidence chips."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

TRUE_COLOUR = (("red", 0.0, 0.16), ("green", 0.0, 0.16), ("blue", 0.0, 0.16))
FALSE_COLOUR = (("swir16", 0.02, 0.40), ("nir", 0.02, 0.45), ("red", 0.0, 0.20))
"""Fixed stretches (reflectance) so that two dates are comparable by eye."""


def composite(ds: xr.Dataset, recipe, gamma: float = 1 / 1.6) -> np.ndarray:
    """(y, x, 3) float image in [0, 1] from one time slice; NaN (nodata) becomes black."""
    chans = []
    for band, lo, hi in recipe:
        v = np.clip((ds[band].values - lo) / (hi - lo), 0, 1) ** gamma
        chans.append(np.nan_to_num(v, nan=0.0))
    return np.dstack(chans)


# --- Which dates to show: one rule for the evidence package and the web map's before/after pair -------------

MIN_CLEAR = 0.5  # below this share of clear pixels over the alert (and its margin) a date shows mostly cloud
CLEAR_TOLERANCE = 0.02  # dates this close to the clearest one count as equally clear
WINDOW_DAYS = 120  # how far from the break a date may be
MARGIN_M = 100.0  # the margin around the alert that must be clear too (its surroundings give the context)


@dataclass(frozen=True)
class Pair:
    """The before/after dates (ISO text) and their clear share over the alert and its margin; None: none usable."""

    before: str | None
    after: str | None
    before_clear: float | None
    after_clear: float | None
    window_days: int = WINDOW_DAYS
    min_clear: float = MIN_CLEAR


def footprint_mask(ds: xr.Dataset, geom_wgs84, margin_m: float = MARGIN_M) -> np.ndarray:
    """(y, x) bool: the cube's pixels within ``margin_m`` of the alert's outline (``geom_wgs84``, lon/lat)."""
    import geopandas as gpd
    from rasterio import features
    from rasterio.transform import from_origin

    g = gpd.GeoSeries([geom_wgs84], crs=4326).to_crs(ds.attrs["crs"]).buffer(margin_m)
    xs, ys = ds.x.values, ds.y.values
    res_x = float(xs[1] - xs[0]) if len(xs) > 1 else float(ds.attrs.get("resolution", 10.0))
    res_y = float(ys[0] - ys[1]) if len(ys) > 1 else float(ds.attrs.get("resolution", 10.0))
    transform = from_origin(float(xs[0]) - res_x / 2, float(ys[0]) + res_y / 2, res_x, res_y)
    return features.geometry_mask(g.values, (len(ys), len(xs)), transform, invert=True, all_touched=True)


def clear_shares(ds: xr.Dataset, mask: np.ndarray) -> list[tuple[str, float]]:
    """(date, share of ``mask``'s pixels that are clear) for every date of the cube, oldest first."""
    n = int(mask.sum())
    if n == 0:
        return [(str(t)[:10], 0.0) for t in ds.time.values]
    clear = ds.clear.values if "clear" in ds else np.ones((ds.sizes["time"], *mask.shape), bool)
    counts = (clear & mask[None]).reshape(clear.shape[0], -1).sum(axis=1)
    return [(str(t)[:10], round(float(c) / n, 4)) for t, c in zip(ds.time.values, counts, strict=True)]


def choose_pair(
    shares: list[tuple[str, float]],
    first_seen: str,
    window_days: int = WINDOW_DAYS,
    min_clear: float = MIN_CLEAR,
    tolerance: float = CLEAR_TOLERANCE,
) -> Pair:
    """Before: a date before ``first_seen``; after: one on or after it (that image already shows the loss).

    On each side, within ``window_days`` of the break, the clearest dates (within ``tolerance`` of the
    clearest) are kept and the one nearest the break wins; a side with no date at least ``min_clear``
    clear is None. The share is measured over the alert and its margin, not the scene's declared cloud
    cover: a scene 5 % cloudy can be all cloud over the alert."""
    import datetime as dt

    day = dt.date.fromisoformat(str(first_seen)[:10])

    def pick(side: list[tuple[dt.date, float]]) -> tuple[str | None, float | None]:
        side = [(d, c) for d, c in side if abs((d - day).days) <= window_days and c >= min_clear]
        if not side:
            return None, None
        best = max(c for _, c in side)
        d, c = min(((d, c) for d, c in side if c >= best - tolerance), key=lambda dc: abs((dc[0] - day).days))
        return d.isoformat(), c

    parsed = [(dt.date.fromisoformat(d[:10]), float(c)) for d, c in shares]
    b, bc = pick([x for x in parsed if x[0] < day])
    a, ac = pick([x for x in parsed if x[0] >= day])
    return Pair(b, a, bc, ac, window_days, min_clear)


def is_simulated(item_ids) -> bool:
    """Whether the imagery comes from Centinela's scene simulator (its item ids carry ``_SIM_``)."""
    return any("_SIM_" in str(i) for i in item_ids or ())
