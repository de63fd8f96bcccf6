"""Recovery monitoring of restoration sites: per-date indices, vegetated share, a fitted trend and a status.

Pure computation over a :class:`~centinela.restore.pixels.Stack` and the sites (shapely geometries in the
stack's CRS); no file is opened here. What each status means and why (docs/restoration.md):

- ``re-disturbed`` — green ground inside the site was cleared again to water or mineral ground, confirmed by
  two clear looks, over at least ``min_disturbed_ha``: mining (or another clearing) came back. Becomes an
  alert in the store (:mod:`centinela.restore.alerts`).
- ``recovered`` — the site's recent NDVI reached 80 % of the NDVI of intact forest around it (the "80 % of
  the pre-disturbance value" convention of the R80P recovery indicator, Frazier et al. 2018, RSE 205:32–45).
- ``recovering`` — a positive Theil–Sen trend of the site's median NDVI of at least ``min_slope`` per year,
  significant by the Mann–Kendall test (Kendall's tau against time, one-sided p < ``alpha``); or the same for
  the vegetated share (at least ``min_veg_slope`` a year), which catches regrowth spreading over part of a site
  before it moves the site's median.
- ``stalled`` — none of the above: bare, flooded, or greening too slowly to tell.
- ``insufficient_data`` — fewer than ``min_looks`` usable dates (cloud); ``outside_imagery`` — no pixel of the
  site was ever covered by the imagery.

Theil–Sen and Mann–Kendall are the usual pair for short, noisy remote-sensing series: they tolerate the
outliers left by cloud edges and haze the scene classification misses, and assume no distribution.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rasterio import features
from scipy import ndimage, stats

from .pixels import EPOCH, Stack, Thresholds, classify, day_number, disturbance_days, nanmedian0

log = logging.getLogger(__name__)

OBS_COLUMNS = (
    "site_id",
    "date",
    "day",
    "n_pixels",
    "clear_frac",
    "ndvi_median",
    "ndvi_mean",
    "nbr_median",
    "mndwi_median",
    "bsi_median",
    "veg_frac",
    "bare_frac",
    "water_frac",
)
STATUSES = ("re-disturbed", "recovered", "recovering", "stalled", "insufficient_data", "outside_imagery")


@dataclass(frozen=True)
class TrackParams:
    """Choices of the tracking method, each explained in docs/restoration.md."""

    min_site_clear: float = 0.5  # a date counts for a site when at least half its pixels were clear
    min_looks: int = 6  # usable dates needed to fit a trend
    min_slope: float = 0.02  # NDVI per year: below this a site is not called recovering, even if significant
    min_veg_slope: float = 0.05  # or the vegetated share grows by 5 points of the site a year (regrowth from its edges)
    alpha: float = 0.05  # one-sided Mann–Kendall significance
    recovered_ratio: float = 0.8  # recent NDVI / reference forest NDVI (R80P convention)
    recent_looks: int = 5  # usable dates whose median is the site's "recent" NDVI
    min_disturbed_ha: float = 0.2  # RADD's minimum mapping unit (0.2 ha); smaller patches are not reported
    ref_ring_m: float = 300.0  # forest within this distance of a site is its reference
    ref_min_pixels: int = 30
    ref_default_ndvi: float = 0.85  # closed humid forest in L2A when no forest is in reach (docs/method.md: 0.85–0.9)
    short_record_days: int = 300  # under about a year, seasonality can pass for a trend: flagged


@dataclass
class TrackResult:
    sites: gpd.GeoDataFrame  # one row per site: status, trend, recovery, re-disturbance (stack CRS)
    observations: pd.DataFrame  # one row per site × usable date
    disturbances: gpd.GeoDataFrame  # re-disturbed ground per site (stack CRS)
    notes: list[str] = field(default_factory=list)
    simulated: bool = False


def _date(day: int | float | None) -> dt.date | None:
    if day is None or not np.isfinite(day) or day <= 0:
        return None
    return EPOCH + dt.timedelta(days=int(day))


def _median(a: np.ndarray, axis=None):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(a, axis=axis)


def trend(days: np.ndarray, values: np.ndarray, alpha: float = 0.05) -> dict:
    """Theil–Sen slope (per year) with its 90 % interval, and the one-sided Mann–Kendall p of an increase."""
    ok = np.isfinite(values)
    x, y = days[ok] / 365.25, values[ok]
    if len(y) < 3 or np.ptp(x) == 0:
        return {
            "slope": np.nan,
            "slope_lo": np.nan,
            "slope_hi": np.nan,
            "intercept": np.nan,
            "tau": np.nan,
            "p_increase": np.nan,
        }
    slope, intercept, lo, hi = stats.theilslopes(y, x, alpha=0.90)
    tau, p = stats.kendalltau(x, y)
    p_inc = p / 2 if tau > 0 else 1 - p / 2  # one-sided: is it increasing?
    return {
        "slope": float(slope),
        "slope_lo": float(lo),
        "slope_hi": float(hi),
        "intercept": float(intercept),
        "tau": float(tau),
        "p_increase": float(p_inc),
    }


def site_observations(
    stack: Stack, masks: list[np.ndarray], ids: list[str], cls: dict, min_site_clear: float
) -> pd.DataFrame:
    """Per site and date: clear share, median indices of the clear land, and the vegetated, bare and water shares."""
    rows = []
    for sid, m in zip(ids, masks, strict=True):
        n = int(m.sum())
        if n == 0:
            continue
        clear = cls["clear"][:, m]
        water = cls["water"][:, m]
        land = clear & ~water
        n_clear = clear.sum(axis=1)
        n_land = land.sum(axis=1)
        nd = np.where(land, stack.ndvi[:, m], np.nan)
        nb = np.where(land, stack.nbr[:, m], np.nan)
        mw = np.where(clear, stack.mndwi[:, m], np.nan)
        bs = np.where(land, stack.bsi[:, m], np.nan)
        veg = (cls["veg"][:, m] & land).sum(axis=1)
        bare = (cls["bare"][:, m] & land).sum(axis=1)
        for t in np.flatnonzero(n_clear >= min_site_clear * n):
            rows.append(
                {
                    "site_id": sid,
                    "date": _date(stack.days[t]),
                    "day": int(stack.days[t]),
                    "n_pixels": n,
                    "clear_frac": round(float(n_clear[t] / n), 4),
                    "ndvi_median": float(_median(nd[t])) if n_land[t] else np.nan,
                    "ndvi_mean": float(np.nanmean(nd[t])) if n_land[t] else np.nan,
                    "nbr_median": float(_median(nb[t])) if n_land[t] else np.nan,
                    "mndwi_median": float(_median(mw[t])),
                    "bsi_median": float(_median(bs[t])) if n_land[t] else np.nan,
                    "veg_frac": round(float(veg[t] / n_land[t]), 4) if n_land[t] else np.nan,
                    "bare_frac": round(float(bare[t] / n_land[t]), 4) if n_land[t] else np.nan,
                    "water_frac": round(float(water[t].sum() / n_clear[t]), 4),
                }
            )
    return pd.DataFrame(rows, columns=list(OBS_COLUMNS))


def reference_ndvi(
    stack: Stack, site_geom: shapely.Geometry, all_sites: np.ndarray, p: TrackParams, th: Thresholds
) -> tuple[float, str]:
    """NDVI of intact forest near the site: median over pixels within ``ref_ring_m`` that are not in any site and
    whose own median NDVI is forest (≥ ``forest_ndvi``). Falls back to closed humid forest's typical value."""
    ring = stack.mask([site_geom.buffer(p.ref_ring_m)]) & ~all_sites
    if ring.any():
        med = nanmedian0(stack.ndvi[:, ring])
        forest = med[np.isfinite(med) & (med >= th.forest_ndvi)]
        if len(forest) >= p.ref_min_pixels:
            return float(np.median(forest)), "local forest"
    return p.ref_default_ndvi, "default (no forest in reach)"


def _polygonise(mask: np.ndarray, stack: Stack) -> shapely.Geometry:
    parts = [
        shapely.geometry.shape(g)
        for g, v in features.shapes(mask.astype(np.uint8), mask=mask, transform=stack.transform, connectivity=8)
    ]
    geom = shapely.make_valid(shapely.union_all(parts)) if parts else shapely.Polygon()
    polys = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon"]
    return shapely.MultiPolygon(polys) if len(polys) > 1 else (polys[0] if polys else shapely.Polygon())


def track(
    sites: gpd.GeoDataFrame,
    stack: Stack,
    params: TrackParams = TrackParams(),
    th: Thresholds = Thresholds(),
) -> TrackResult:
    """Track each site (columns ``site_id``, ``planting_date`` (date or None), polygons; any CRS)."""
    sites = sites.to_crs(stack.crs).reset_index(drop=True)
    geoms = list(sites.geometry)
    ids = [str(s) for s in sites.site_id]
    masks = [stack.mask([g]) for g in geoms]
    for i, m in enumerate(masks):  # slivers narrower than a pixel still get their touched pixels
        if not m.any():
            masks[i] = stack.mask([geoms[i]], all_touched=True)
    any_site = np.any(masks, axis=0) if masks else np.zeros(stack.shape, dtype=bool)
    cls = classify(stack, th)
    obs = site_observations(stack, masks, ids, cls, params.min_site_clear)

    # Re-disturbance, per pixel, counted from each site's planting date where known.
    from_day = np.zeros(stack.shape, dtype=np.int64)
    for m, pdate in zip(masks, sites.get("planting_date", pd.Series([None] * len(sites))), strict=True):
        if pdate is not None and not pd.isna(pdate):
            from_day[m] = day_number(pd.Timestamp(pdate).date())
    first, conf = disturbance_days(stack.ndvi, cls["lost"], stack.days, from_day, th)
    min_px = max(1, int(np.ceil(params.min_disturbed_ha * 1e4 / stack.res**2)))

    rows, dist_rows, notes = [], [], []
    for i, (sid, m, g) in enumerate(zip(ids, masks, geoms, strict=True)):
        pdate = sites.planting_date.iloc[i] if "planting_date" in sites else None
        pdate = None if pdate is None or pd.isna(pdate) else pd.Timestamp(pdate).date()
        row = {"site_id": sid, "planting_date": pdate, "n_pixels": int(m.sum()), "area_ha": round(g.area / 1e4, 4)}
        if not (stack.inside & m).any():
            rows.append({**row, "status": "outside_imagery", "n_looks": 0})
            notes.append(f"site {sid}: outside the imagery")
            continue
        # Re-disturbed ground: confirmed pixels of the site in 8-connected patches of at least min_px.
        hit = (conf > 0) & m
        lab, n_lab = ndimage.label(hit, structure=np.ones((3, 3), dtype=bool))
        if n_lab:
            sizes = ndimage.sum(hit, lab, index=np.arange(1, n_lab + 1))
            hit = np.isin(lab, 1 + np.flatnonzero(sizes >= min_px))
        disturbed_ha = float(hit.sum() * stack.res**2 / 1e4)
        redisturbed = hit.any()
        if redisturbed:
            d_first, d_conf = int(first[hit].min()), int(conf[hit].min())
            dist_rows.append(
                {
                    "site_id": sid,
                    "first_seen": _date(d_first),
                    "confirmed": _date(d_conf),
                    "area_ha": round(disturbed_ha, 4),
                    "n_pixels": int(hit.sum()),
                    "site_share": round(float(hit.sum() / max(1, m.sum())), 4),
                    "geometry": _polygonise(hit, stack),
                }
            )
        o = obs[obs.site_id == sid]
        period = o if pdate is None else o[o.day >= day_number(pdate)]
        if redisturbed:  # the recovery before mining came back is what the trend should describe
            period = period[period.day < int(first[hit].min())]
        tr = trend(period.day.to_numpy(dtype=float), period.ndvi_median.to_numpy(dtype=float), params.alpha)
        tv = trend(period.day.to_numpy(dtype=float), period.veg_frac.to_numpy(dtype=float), params.alpha)
        ref, ref_src = reference_ndvi(stack, g, any_site, params, th)
        valid = period.dropna(subset=["ndvi_median"])
        recent = float(np.median(valid.ndvi_median.iloc[-params.recent_looks :])) if len(valid) else np.nan
        initial = float(np.median(valid.ndvi_median.iloc[:3])) if len(valid) else np.nan
        span = int(valid.day.iloc[-1] - valid.day.iloc[0]) if len(valid) > 1 else 0
        denom = ref - initial
        recovery_pct = 100.0 * (recent - initial) / denom if np.isfinite(denom) and denom > 0.05 else np.nan
        if redisturbed:
            status = "re-disturbed"
        elif len(valid) < params.min_looks:
            status = "insufficient_data"
        elif recent >= params.recovered_ratio * ref:
            status = "recovered"
        elif (tr["slope"] >= params.min_slope and tr["p_increase"] < params.alpha) or (
            tv["slope"] >= params.min_veg_slope and tv["p_increase"] < params.alpha
        ):
            status = "recovering"  # the site as a whole greens, or green cover spreads over part of it
        else:
            status = "stalled"
        rows.append(
            {
                **row,
                "status": status,
                "n_looks": int(len(valid)),
                "first_look": _date(valid.day.iloc[0]) if len(valid) else None,
                "last_look": _date(valid.day.iloc[-1]) if len(valid) else None,
                "short_record": bool(span < params.short_record_days),
                "ndvi_initial": round(initial, 4),
                "ndvi_recent": round(recent, 4),
                "ndvi_reference": round(ref, 4),
                "reference": ref_src,
                "recovery_pct": round(recovery_pct, 1) if np.isfinite(recovery_pct) else np.nan,
                "ndvi_slope_per_yr": round(tr["slope"], 4),
                "ndvi_slope_lo": round(tr["slope_lo"], 4),
                "ndvi_slope_hi": round(tr["slope_hi"], 4),
                "ndvi_intercept": tr["intercept"],
                "kendall_tau": round(tr["tau"], 3),
                "p_increase": round(tr["p_increase"], 4),
                "veg_frac_slope_per_yr": round(tv["slope"], 4),
                "veg_frac_p_increase": round(tv["p_increase"], 4),
                "veg_frac_recent": round(float(np.nanmedian(valid.veg_frac.iloc[-params.recent_looks :])), 4)
                if len(valid)
                else np.nan,
                "water_frac_recent": round(float(np.nanmedian(valid.water_frac.iloc[-params.recent_looks :])), 4)
                if len(valid)
                else np.nan,
                "redisturbed_ha": round(disturbed_ha, 4) if redisturbed else 0.0,
                "redisturbed_first_seen": _date(first[hit].min()) if redisturbed else None,
                "redisturbed_confirmed": _date(conf[hit].min()) if redisturbed else None,
            }
        )
        if status == "insufficient_data":
            notes.append(
                f"site {sid}: only {len(valid)} usable date(s); at least {params.min_looks} are needed for a trend"
            )
    out = pd.DataFrame(rows)
    frame = gpd.GeoDataFrame(
        out.merge(sites[["site_id", "geometry"]].assign(site_id=ids), on="site_id", how="left"),
        geometry="geometry",
        crs=stack.crs,
    )
    dist = gpd.GeoDataFrame(
        pd.DataFrame(
            dist_rows, columns=["site_id", "first_seen", "confirmed", "area_ha", "n_pixels", "site_share", "geometry"]
        ),
        geometry="geometry",
        crs=stack.crs,
    )
    return TrackResult(frame, obs, dist, notes, stack.simulated)
