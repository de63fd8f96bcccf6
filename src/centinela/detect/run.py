"""Run detection over a STAC time series: block by block, date by date, resumable and incremental."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import dask
import geopandas as gpd
import numpy as np
import shapely
import xarray as xr
from affine import Affine

from ..errors import NoImageryError
from ..imagery import load_cube
from ..imagery.masks import CLEAR_SCL
from .distributed import cluster_client, run_blocks
from .kernel import BANDS, Params, update
from .objects import Rules, alerts_from_summary, summarize
from .state import Block, last_day, load_block, open_store, save_block

log = logging.getLogger(__name__)

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


def check_clear_history(cube: xr.Dataset, source: str, after_day: int = 0, scheduler=None) -> None:
    """Fail when the period has no clear view at all (SCL only: cheap).

    The dates after ``after_day`` (those a run still has to fold in) are looked at first, so an
    incremental run reads one SCL raster per new date; the older dates are read only when every new one
    is cloudy, so the outcome is the same as checking the whole period at once.
    """
    days = day_numbers(cube.time)
    new = days > after_day
    for part in (new, ~new):
        if part.any():
            frac = cube.scl.isel(time=np.flatnonzero(part)).isin(list(CLEAR_SCL)).mean(("y", "x"))
            if (frac.compute(scheduler=scheduler).values > 0).any():
                return
    t0, t1 = (str(v)[:10] for v in (cube.time.values[0], cube.time.values[-1]))
    raise NoImageryError(
        f"{source}: no clear observation of the area between {t0} and {t1} ({cube.sizes['time']} dates, all cloud or no data); "
        "extend the period or add radar"
    )


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
    scheduler: str | None = None,
) -> DetectResult:
    """Detect forest loss and its cause; write the ``alerts`` layer of ``out`` (GeoPackage).

    Alerts are reported for losses first seen from ``start`` on; the ``history_days`` before it are read
    too, to learn each pixel's baseline (as GLAD learns from the previous years), so a change early in
    the period is still caught. The per-pixel state is kept in ``state_dir`` (default: ``<out>.state``):
    a later call with more dates folds in only the new ones, and re-running the same dates changes nothing.

    ``scheduler`` runs the blocks on a Dask distributed cluster (the address of its scheduler, or
    ``local:N`` for N local worker processes): the same blocks, dates and kernel, so the same result. The
    catalog's files and ``state_dir`` must then be reachable at the same paths from every worker.
    """
    out = Path(out)
    state_dir = Path(state_dir) if state_dir else out.with_name(out.name + ".state")
    if cube is None:
        history_start = start - dt.timedelta(days=history_days) if start else None
        # Chunks of one block: each block's read then decodes its own pixels only, once.
        cube = load_cube(source, aoi, history_start, end, bands=BANDS, chunks=block)
    transform = cube_transform(cube)
    H, W = cube.sizes["y"], cube.sizes["x"]
    grid = {"crs": cube.attrs["crs"], "transform": list(transform)[:6], "shape": [H, W], "block": block,
            "params": asdict(params)}
    days = day_numbers(cube.time)
    blocks = [Block(r, c, min(block, H - r), min(block, W - c)) for r in range(0, H, block) for c in range(0, W, block)]
    lasts = [last_day(state_dir, b.r, b.c) for b in blocks]
    since = (start - dt.date(1970, 1, 1)).days if start else 0
    reduce = Reduction(params, rules, since)

    with cluster_client(scheduler) as client:
        check_clear_history(cube, str(source), min(lasts), scheduler=client)
        open_store(state_dir, grid)
        # Progress counts groups of dates read per block, plus one step per block to finish it.
        groups = [-(-int((days > last).sum()) // dates_per_read) for last in lasts]
        if on_total:
            on_total(sum(groups) + len(blocks))
        pixels, todo_days = pixels_to_read(cube, days, min(lasts))
        if client is None:
            done = (fold_block(pixels, b, todo_days, state_dir, params, dates_per_read, reduce, progress) for b in blocks)
        else:
            done = run_blocks(client, pixels, blocks, todo_days, state_dir, params, dates_per_read, reduce, groups, progress)
        summary, processed = _assemble(done, (H, W), progress if client is None else None)

    alerts = alerts_from_summary(summary, transform, cube.attrs["crs"], mmu_ha, params, rules)
    write_alerts(alerts, out)
    write_dates(alerts, summary, transform, cube.attrs["crs"], dates_path(out))
    return DetectResult(alerts, out, state_dir, processed, len(days))


@dataclass(frozen=True)
class Reduction:
    """How a folded block is reduced to what the alerts need (:func:`summarize`)."""

    params: Params
    rules: Rules
    since_day: int

    def __call__(self, st) -> dict:
        return summarize(st.to_dict(), self.params, self.rules, self.since_day)


def pixels_to_read(cube: xr.Dataset, days: np.ndarray, after_day: int) -> tuple[xr.Dataset, np.ndarray]:
    """The bands and clear mask of the dates after ``after_day`` (what some block still lacks), and their days.

    The dask graph is culled to those dates here, once: an incremental run over a year-long cube
    otherwise walks every date's tasks again for each block it reads.
    """
    pixels = cube[[*BANDS, "clear"]]
    need = days > after_day
    if not need.all():
        (pixels,) = dask.optimize(pixels.isel(time=np.flatnonzero(need)))
    return pixels, days[need]


def fold_block(pixels: xr.Dataset, b: Block, days: np.ndarray, state_dir: Path, params: Params, dates_per_read: int,
               reduce: Reduction, progress: Callable[[int], None] | None = None) -> tuple[Block, dict, int]:
    """Fold the dates a block has not seen yet into its saved state, a group of dates per read.

    ``pixels`` holds the bands and clear mask (:func:`pixels_to_read`) of the dates ``days``. The state is
    saved after each group (atomic write), so a killed run resumes where it stopped. Returns the block,
    its summary for the alerts (``reduce``) and how many dates were folded in.
    """
    st, last = load_block(state_dir, b.r, b.c, (b.h, b.w))
    todo = np.flatnonzero(days > last)
    if len(todo):
        # The block's own graph, culled once: each group's read then walks only this block's tasks.
        (pixels,) = dask.optimize(pixels.isel(time=todo, y=slice(b.r, b.r + b.h), x=slice(b.c, b.c + b.w)))
    for g in range(0, len(todo), dates_per_read):
        idx = todo[g : g + dates_per_read]
        sub = pixels.isel(time=slice(g, g + len(idx))).compute()
        for k, t in enumerate(idx):
            obs = {name: sub[name].values[k] for name in BANDS}
            update(st, int(days[t]), obs, sub["clear"].values[k], params)
        save_block(state_dir, b.r, b.c, st, int(days[idx[-1]]))
        if progress:
            progress(1)
    return b, reduce(st), len(todo)


SPARSE = {"break_pos": ("break_first", "break_confirmed"), "seen_pos": ("base_n_at_break", "n_post")}


def _assemble(done, shape: tuple[int, int], progress: Callable[[int], None] | None) -> tuple[dict, int]:
    """The whole grid's summary, from blocks' summaries as they finish: flags pasted in place, sparse
    values with their block-local flat indices taken into the grid's and sorted."""
    W = shape[1]
    flags = np.zeros(shape, np.uint16)
    parts: dict[str, list] = {k: [] for pos, vals in SPARSE.items() for k in (pos, *vals)}
    processed = 0
    for b, sm, n_done in done:
        processed = max(processed, n_done)
        flags[b.r : b.r + b.h, b.c : b.c + b.w] = sm["flags"]
        for pos, vals in SPARSE.items():
            rows, cols = np.divmod(sm[pos], b.w)
            parts[pos].append((rows + b.r) * W + (cols + b.c))
            for v in vals:
                parts[v].append(sm[v])
        if progress:
            progress(1)
    summary = {"flags": flags}
    for pos, vals in SPARSE.items():
        p = np.concatenate(parts[pos]) if parts[pos] else np.zeros(0, np.int64)
        order = np.argsort(p, kind="stable")
        summary[pos] = p[order]
        for v in vals:
            summary[v] = np.concatenate(parts[v])[order] if parts[v] else np.zeros(0, np.int32)
    return summary, processed


def dates_path(out: Path) -> Path:
    return out.with_name(out.stem + "_dates.tif")


def write_dates(alerts: gpd.GeoDataFrame, summary: dict, transform: Affine, crs: str, path: Path) -> Path:
    """Per-pixel dates of the alerted loss, as GLAD/RADD publish them: band 1 first seen, band 2 confirmed
    (days since 1970-01-01; 0 = none). Only pixels inside reported alerts, with a break of the reporting
    period (those of the summary's ``break_*``), carry a date."""
    import rasterio
    from rasterio import features

    H, W = summary["flags"].shape
    first = np.zeros((H, W), np.int32)
    conf = np.zeros((H, W), np.int32)
    if len(alerts):
        inside = features.geometry_mask(alerts.geometry.values, (H, W), transform, invert=True).ravel()[summary["break_pos"]]
        pos = summary["break_pos"][inside]
        first.ravel()[pos] = summary["break_first"][inside]
        conf.ravel()[pos] = summary["break_confirmed"][inside]
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
