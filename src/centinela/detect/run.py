"""Run detection over a STAC time series: block by block, date by date, resumable and incremental."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
import xarray as xr
from affine import Affine

from ..errors import NoImageryError
from ..imagery import load_cube
from ..imagery.masks import CLEAR_SCL
from .kernel import BANDS, Params, update
from .objects import Rules, alerts_from_state
from .state import last_day, load_block, open_store, save_block

log = logging.getLogger(__name__)

OBJECT_FIELDS = ("n", "mu_ndvi", "mu_mndwi", "mu_bsi", "mu_vis", "cand_day", "cand_n", "conf_day", "base_n_at_break",
                 "n_post", "n_water", "n_bare", "n_char", "ndvi_recent")


@dataclass(frozen=True)
class DetectResult:
    alerts: gpd.GeoDataFrame
    out: Path
    state: Path
    dates_processed: int
    dates_total: int


def day_numbers(times: xr.DataArray) -> np.ndarray:
    return (times.values.astype("datetime64[D]") - np.datetime64("1970-01-01", "D")).astype(np.int64)


def cube_transform(cube: xr.Dataset) -> Affine:
    res_x = float(cube.x[1] - cube.x[0])
    res_y = float(cube.y[1] - cube.y[0])
    return Affine(res_x, 0.0, float(cube.x[0]) - res_x / 2, 0.0, res_y, float(cube.y[0]) - res_y / 2)


def check_clear_history(cube: xr.Dataset, source: str) -> np.ndarray:
    """Share of clear pixels per date (SCL only: cheap); fails when the period has no clear view at all."""
    frac = cube.scl.isin(list(CLEAR_SCL)).mean(("y", "x")).compute().values
    if not (frac > 0).any():
        t0, t1 = (str(v)[:10] for v in (cube.time.values[0], cube.time.values[-1]))
        raise NoImageryError(
            f"{source}: no clear observation of the area between {t0} and {t1} ({cube.sizes['time']} dates, all cloud or no data); "
            "extend the period or add radar"
        )
    return frac


def detect(
    source: str | Path,
    aoi: shapely.Geometry | None,
    out: str | Path,
    start: dt.date | None = None,
    end: dt.date | None = None,
    mmu_ha: float = 0.3,
    history_days: int = 365,
    state_dir: str | Path | None = None,
    params: Params = Params(),
    rules: Rules = Rules(),
    block: int = 512,
    dates_per_read: int = 8,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    cube: xr.Dataset | None = None,
) -> DetectResult:
    """Detect forest loss and its cause; write the ``alerts`` layer of ``out`` (GeoPackage).

    Alerts are reported for losses first seen from ``start`` on; the ``history_days`` before it are read
    too, to learn each pixel's baseline (as GLAD learns from the previous years), so a change early in
    the period is still caught. The per-pixel state is kept in ``state_dir`` (default: ``<out>.state``):
    a later call with more dates folds in only the new ones, and re-running the same dates changes nothing.
    """
    out = Path(out)
    state_dir = Path(state_dir) if state_dir else out.with_name(out.name + ".state")
    if cube is None:
        history_start = start - dt.timedelta(days=history_days) if start else None
        cube = load_cube(source, aoi, history_start, end, bands=BANDS)
    check_clear_history(cube, str(source))
    transform = cube_transform(cube)
    H, W = cube.sizes["y"], cube.sizes["x"]
    grid = {"crs": cube.attrs["crs"], "transform": list(transform)[:6], "shape": [H, W], "block": block,
            "params": asdict(params)}
    open_store(state_dir, grid)
    days = day_numbers(cube.time)

    blocks = [(r, c) for r in range(0, H, block) for c in range(0, W, block)]
    if on_total:  # progress counts groups of dates read per block, plus one step per block to finish it
        groups = [-(-int((days > last_day(state_dir, r, c)).sum()) // dates_per_read) for r, c in blocks]
        on_total(sum(groups) + len(blocks))
    processed = 0
    full = {f: None for f in OBJECT_FIELDS}
    for r, c in blocks:
        h, w = min(block, H - r), min(block, W - c)
        st, last = load_block(state_dir, r, c, (h, w))
        todo = np.flatnonzero(days > last)
        for g in range(0, len(todo), dates_per_read):
            idx = todo[g : g + dates_per_read]
            sub = cube[[*BANDS, "clear"]].isel(time=idx, y=slice(r, r + h), x=slice(c, c + w)).compute()
            for k, t in enumerate(idx):
                obs = {b: sub[b].values[k] for b in BANDS}
                update(st, int(days[t]), obs, sub["clear"].values[k], params)
            save_block(state_dir, r, c, st, int(days[idx[-1]]))
            if progress:
                progress(1)
        processed = max(processed, len(todo))
        for f in OBJECT_FIELDS:
            arr = getattr(st, f)
            if full[f] is None:
                full[f] = np.zeros((H, W), dtype=arr.dtype)
            full[f][r : r + h, c : c + w] = arr
        if progress:
            progress(1)

    since = (start - dt.date(1970, 1, 1)).days if start else 0
    alerts = alerts_from_state(full, transform, cube.attrs["crs"], mmu_ha, params, rules, since_day=since)
    write_alerts(alerts, out)
    write_dates(alerts, full, transform, cube.attrs["crs"], dates_path(out), since)
    return DetectResult(alerts, out, state_dir, processed, len(days))


def dates_path(out: Path) -> Path:
    return out.with_name(out.stem + "_dates.tif")


def write_dates(alerts: gpd.GeoDataFrame, s: dict, transform: Affine, crs: str, path: Path, since_day: int = 0) -> Path:
    """Per-pixel dates of the alerted loss, as GLAD/RADD publish them: band 1 first seen, band 2 confirmed
    (days since 1970-01-01; 0 = none). Only pixels inside reported alerts carry a date."""
    import rasterio
    from rasterio import features

    H, W = s["cand_day"].shape
    inside = np.zeros((H, W), dtype=bool)
    if len(alerts):
        inside = features.geometry_mask(alerts.geometry.values, (H, W), transform, invert=True)
    inside &= s["cand_day"] >= max(since_day, 1)
    first = np.where(inside, s["cand_day"], 0).astype(np.int32)
    conf = np.where(inside, s["conf_day"], 0).astype(np.int32)
    profile = dict(driver="GTiff", width=W, height=H, count=2, dtype="int32", crs=crs, transform=transform, nodata=0,
                   compress="deflate", tiled=True, blockxsize=256, blockysize=256)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(first, 1)
        dst.write(conf, 2)
        dst.set_band_description(1, "first_seen (days since 1970-01-01)")
        dst.set_band_description(2, "confirmed (days since 1970-01-01)")
    return path


def write_alerts(alerts: gpd.GeoDataFrame, out: Path) -> Path:
    """Write (replace) the ``alerts`` layer; dates as ISO dates so QGIS and GPS tools read them."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp.gpkg")
    if tmp.exists():
        tmp.unlink()
    gdf = alerts.copy()
    gdf["first_seen"] = gdf["first_seen"].astype(str)
    gdf["confirmed"] = [None if v is None else str(v) for v in gdf["confirmed"]]
    gdf.to_file(tmp, layer="alerts", driver="GPKG")
    tmp.replace(out)
    return out
