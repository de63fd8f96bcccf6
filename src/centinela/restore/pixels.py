"""Pixels of restoration sites: a small stack of per-date indices read once, and how each look is classed.

:func:`load_stack` is the only function here that reads imagery (through :func:`centinela.imagery.load_cube`);
everything else takes and returns NumPy arrays, so tracking and the inventory are tested with plain values.

The stack covers the sites' bounding box plus a margin (forest around a site is its reference and its seed
source), holds only the dates on which some of the sites were clear, and keeps indices rather than bands:
NDVI, NBR, MNDWI, BSI and visible brightness, NaN where a pixel was not clear.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from rasterio import features

from ..detect.indices import bsi, mndwi, nbr, ndvi, visible
from ..detect.kernel import Params as DetectParams
from ..errors import AOIOutsideDataError, InputError, NoImageryError
from ..imagery import CLEAR_SCL, load_cube, search_items

log = logging.getLogger(__name__)

BANDS = ("blue", "green", "red", "nir", "swir16", "swir22")
EPOCH = dt.date(1970, 1, 1)
_D = DetectParams()


@dataclass(frozen=True)
class Thresholds:
    """How a clear look of a pixel is classed. Shared by tracking and the inventory; see docs/restoration.md."""

    veg_ndvi: float = (
        0.50  # green cover over about half the pixel: a 50/50 forest–sand mixture has NDVI ≈ 0.40–0.46 (docs/method.md)
    )
    forest_ndvi: float = _D.forest_ndvi  # closed-canopy humid forest, as detection uses (0.70)
    water_mndwi: float = _D.water_mndwi  # open water: MNDWI > 0.10 (Xu 2006) and NDVI < 0.10, as detection uses
    water_ndvi: float = _D.water_ndvi
    bare_ndvi: float = _D.bare_ndvi  # bright mineral ground: NDVI < 0.35, BSI > 0, visible ≥ 0.07, as detection uses
    bare_bsi: float = _D.bare_bsi
    bare_visible: float = _D.bare_visible
    drop_ndvi: float = (
        _D.loss_ndvi_drop
    )  # a re-disturbance must also take NDVI ≥ 0.25 below the pixel's own green looks


@dataclass
class Stack:
    """Per-date indices of a window around the sites: arrays (time, y, x), NaN where the pixel was not clear."""

    days: np.ndarray  # (T,) days since 1970-01-01 of the dates kept
    ndvi: np.ndarray
    nbr: np.ndarray
    mndwi: np.ndarray
    bsi: np.ndarray
    vis: np.ndarray
    inside: np.ndarray  # (y, x) bool: the imagery covered the pixel on at least one date
    rgb: np.ndarray  # (y, x, 3) true colour: per pixel, the median of its last 5 clear looks (for maps)
    transform: Affine
    crs: str
    source: str
    dates_searched: int  # dates in the period before the cloud screen
    simulated: bool = False

    @property
    def shape(self) -> tuple[int, int]:
        return self.ndvi.shape[1], self.ndvi.shape[2]

    @property
    def res(self) -> float:
        return float(abs(self.transform.a))

    @property
    def dates(self) -> list[dt.date]:
        return [EPOCH + dt.timedelta(days=int(d)) for d in self.days]

    def mask(self, geoms, all_touched: bool = False) -> np.ndarray:
        """Pixels whose centre falls in ``geoms`` (shapely geometries in the stack's CRS)."""
        geoms = [g for g in geoms if g is not None and not g.is_empty]
        if not geoms:
            return np.zeros(self.shape, dtype=bool)
        return features.geometry_mask(
            geoms, out_shape=self.shape, transform=self.transform, invert=True, all_touched=all_touched
        )

    def labels(self, geoms) -> np.ndarray:
        """(y, x) int32: 1 + index of the geometry covering each pixel (0 elsewhere); later ones win overlaps."""
        pairs = [(g, i + 1) for i, g in enumerate(geoms) if g is not None and not g.is_empty]
        if not pairs:
            return np.zeros(self.shape, dtype=np.int32)
        return features.rasterize(pairs, out_shape=self.shape, transform=self.transform, fill=0, dtype="int32")


def classify(stack: Stack, th: Thresholds = Thresholds()) -> dict[str, np.ndarray]:
    """Boolean (time, y, x) arrays: ``clear``, ``water``, ``bare`` (mineral ground), ``veg`` (green), ``lost``
    (water or mineral ground: what mining leaves)."""
    with np.errstate(invalid="ignore"):
        clear = np.isfinite(stack.ndvi)
        water = clear & (stack.mndwi > th.water_mndwi) & (stack.ndvi < th.water_ndvi)
        bare = clear & ~water & (stack.ndvi < th.bare_ndvi) & (stack.bsi > th.bare_bsi) & (stack.vis >= th.bare_visible)
        veg = clear & (stack.ndvi >= th.veg_ndvi)
    return {"clear": clear, "water": water, "bare": bare, "veg": veg, "lost": water | bare}


def disturbance_days(
    ndvi: np.ndarray,
    lost: np.ndarray,
    days: np.ndarray,
    from_day,
    th: Thresholds = Thresholds(),
    min_green_looks: int = 2,
    confirm_looks: int = 2,
) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel, when green ground was cleared again: (first seen, confirmed) in days, 0 where it was not.

    A pixel must first show ``min_green_looks`` clear looks with NDVI ≥ ``veg_ndvi`` (counted from
    ``from_day``, a scalar or a (y, x) array: e.g. each site's planting date). A clear look of water or mineral
    ground with NDVI at least ``drop_ndvi`` below the mean of its green looks opens a candidate; the next clear
    look either confirms it (``confirm_looks`` in a row, as detection confirms a break with a repeat look) or
    dismisses it. Cloud-contaminated looks the SCL missed lower NDVI but keep BSI negative (clouds are white),
    so they are neither green nor lost and cannot raise an alarm.
    """
    T = ndvi.shape[0]
    shape = ndvi.shape[1:]
    from_day = np.broadcast_to(np.asarray(from_day, dtype=np.int64), shape)
    n_green = np.zeros(shape, dtype=np.int32)
    mu = np.zeros(shape, dtype=np.float64)
    cand = np.zeros(shape, dtype=np.int64)
    cand_n = np.zeros(shape, dtype=np.int32)
    first = np.zeros(shape, dtype=np.int64)
    conf = np.zeros(shape, dtype=np.int64)
    for t in range(T):
        x = ndvi[t]
        with np.errstate(invalid="ignore"):
            active = np.isfinite(x) & (days[t] >= from_day) & (conf == 0)
            green = active & (x >= th.veg_ndvi)
            drop = active & lost[t] & (n_green >= min_green_looks) & (x <= mu - th.drop_ndvi)
        opened = drop & (cand == 0)
        cand[opened] = days[t]
        cand_n[drop] += 1
        done = drop & (cand_n >= confirm_looks)
        conf[done] = days[t]
        first[done] = cand[done]
        calm = active & ~drop  # a clear look that is not a drop dismisses a candidate: it was noise
        cand[calm] = 0
        cand_n[calm] = 0
        n_green[green] += 1
        mu[green] += (x[green] - mu[green]) / n_green[green]
    return first, conf


def day_number(d: dt.date) -> int:
    return (d - EPOCH).days


def _transform(cube) -> Affine:
    res_x = float(cube.x[1] - cube.x[0])
    res_y = float(cube.y[1] - cube.y[0])
    return Affine(res_x, 0.0, float(cube.x[0]) - res_x / 2, 0.0, res_y, float(cube.y[0]) - res_y / 2)


def window_aoi(geoms: gpd.GeoSeries, buffer_m: float) -> shapely.Geometry:
    """The sites' bounding box grown by ``buffer_m`` metres, in WGS84 (what :func:`load_cube` takes)."""
    metric = geoms.to_crs(geoms.estimate_utm_crs())
    x0, y0, x1, y1 = metric.total_bounds
    box = gpd.GeoSeries([shapely.box(x0 - buffer_m, y0 - buffer_m, x1 + buffer_m, y1 + buffer_m)], crs=metric.crs)
    return box.to_crs(4326).iloc[0]


def load_stack(
    source: str,
    geoms: gpd.GeoSeries,
    start: dt.date | None = None,
    end: dt.date | None = None,
    buffer_m: float = 300.0,
    min_clear: float = 0.05,
    what: str = "sites",
    dates_per_read: int = 8,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> Stack:
    """Read the indices of every date on which at least ``min_clear`` of the sites' pixels were clear.

    SCL is read first for all dates (one small band), so the six reflectance bands are read only for dates
    worth reading: in Madre de Dios' wet season most dates are cloud over a small site.
    """
    if geoms.crs is None:
        raise InputError(f"{what}: no coordinate reference system; expected one (e.g. EPSG:4326)")
    aoi = window_aoi(geoms, buffer_m)
    try:
        items = search_items(source, aoi, start, end)
    except AOIOutsideDataError as exc:
        raise AOIOutsideDataError(f"{what}: no site overlaps the imagery ({exc})") from exc
    simulated = any(bool(it.properties.get("centinela:simulated")) for it in items)
    cube = load_cube(source, aoi, start, end, bands=BANDS, items=items)
    crs = cube.attrs["crs"]
    transform = _transform(cube)
    H, W = cube.sizes["y"], cube.sizes["x"]
    site_mask = features.geometry_mask(
        list(geoms.to_crs(crs).geometry), out_shape=(H, W), transform=transform, invert=True, all_touched=True
    )
    scl = cube.scl.values if not hasattr(cube.scl.data, "compute") else cube.scl.data.compute()
    scl = np.asarray(scl)
    inside = (scl > 0).any(axis=0)
    if not (inside & site_mask).any():
        raise AOIOutsideDataError(
            f"{what}: every site lies where {source} has no data (outside the imagery's footprints)"
        )
    clear_scl = np.isin(scl, list(CLEAR_SCL))
    frac = clear_scl[:, site_mask].mean(axis=1) if site_mask.any() else np.zeros(scl.shape[0])
    keep = np.flatnonzero(frac >= min_clear)
    all_days = (cube.time.values.astype("datetime64[D]") - np.datetime64("1970-01-01", "D")).astype(np.int64)
    if not len(keep):
        t0, t1 = (str(v)[:10] for v in (cube.time.values[0], cube.time.values[-1]))
        raise NoImageryError(
            f"{source}: no clear look at the {what} between {t0} and {t1} "
            f"({cube.sizes['time']} dates, all cloud or no data); "
            "extend the period"
        )
    T = len(keep)
    out = {k: np.full((T, H, W), np.nan, dtype=np.float32) for k in ("ndvi", "nbr", "mndwi", "bsi", "vis")}
    # The map background: per pixel, the median of its last `looks` clear observations (a ring buffer filled in date
    # order), so a cloudy last date leaves no hole — as the alert map's recent clear composite does.
    looks = 5
    ring = np.full((looks, H, W, 3), np.nan, dtype=np.float32)
    seen = np.zeros((H, W), dtype=np.int64)
    groups = [keep[g : g + dates_per_read] for g in range(0, T, dates_per_read)]
    if on_total:
        on_total(len(groups))
    k = 0
    for idx in groups:
        sub = cube[list(BANDS)].isel(time=idx).compute()
        for j, ti in enumerate(idx):
            b = {name: sub[name].values[j] for name in BANDS}
            ok = clear_scl[ti] & np.all([np.isfinite(v) for v in b.values()], axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                vals = {
                    "ndvi": ndvi(b["nir"], b["red"]),
                    "nbr": nbr(b["nir"], b["swir22"]),
                    "mndwi": mndwi(b["green"], b["swir16"]),
                    "bsi": bsi(b["blue"], b["red"], b["nir"], b["swir16"]),
                    "vis": visible(b["blue"], b["green"], b["red"]),
                }
            for name, v in vals.items():
                out[name][k] = np.where(ok, v, np.nan)
            rows, cols = np.nonzero(ok)
            slot = seen[rows, cols] % looks
            ring[slot, rows, cols] = np.stack(
                [b["red"][rows, cols], b["green"][rows, cols], b["blue"][rows, cols]], axis=-1
            )
            seen[ok] += 1
            k += 1
        if progress:
            progress(1)
    rgb = nanmedian0(ring)
    log.info("restore: %d of %d dates had a clear look at the %s", T, len(all_days), what)
    return Stack(
        days=all_days[keep],
        inside=inside,
        rgb=rgb,
        transform=transform,
        crs=crs,
        source=str(source),
        dates_searched=len(all_days),
        simulated=simulated,
        **out,
    )


def nanmedian0(a: np.ndarray) -> np.ndarray:
    """Median along axis 0 ignoring NaN (NaN where all are NaN). Exact, and several times faster than
    ``np.nanmedian`` on (time, y, x) stacks: one sort, NaNs last, then the middle of the finite values."""
    s = np.sort(a, axis=0)
    n = np.isfinite(a).sum(axis=0)
    lo = np.clip((n - 1) // 2, 0, None)[None]
    hi = np.clip(n // 2, 0, None)[None]
    v = 0.5 * (np.take_along_axis(s, lo, axis=0)[0] + np.take_along_axis(s, hi, axis=0)[0])
    return np.where(n > 0, v, np.nan).astype(a.dtype, copy=False)


def majority(flags: np.ndarray, clear: np.ndarray) -> np.ndarray:
    """(y, x) bool: the flag held on at least half of the pixel's clear looks (False where never clear)."""
    n = clear.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (n > 0) & (flags.sum(axis=0) >= 0.5 * n)
