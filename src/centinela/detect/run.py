"""Run detection over a STAC time series: block by block, date by date, resumable and incremental."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
import xarray as xr
from affine import Affine
from rasterio import features

from ..errors import NoImageryError
from ..imagery.dn import DnCube, load_dn
from .attribution import Model
from .distributed import cluster_client, run_rows
from .fold import FoldJob, Reduction, fold_row
from .kernel import BANDS, Params
from .objects import Rules, alerts_from_summary
from .state import Block, Scratch, open_store, read_header

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
    cube: DnCube | None = None,
    scheduler: str | None = None,
    threads: int | None = None,
    model: Model | None = None,
    known_mining: gpd.GeoDataFrame | None = None,
    reported: gpd.GeoSeries | None = None,
) -> DetectResult:
    """Detect forest loss and its cause; write the ``alerts`` layer of ``out`` (GeoPackage).

    Alerts are reported for losses first seen from ``start`` on; the ``history_days`` before it are read
    too, to learn each pixel's baseline (as GLAD learns from the previous years), so a change early in
    the period is still caught. The per-pixel state is kept in ``state_dir`` (default: ``<out>.state``):
    a later call with more dates folds in only the new ones, and re-running the same dates changes nothing.

    Rows of blocks are folded in parallel on ``threads`` threads (default: one per core; reading, the
    compiled kernel and file I/O all release the GIL). ``scheduler`` runs them on a Dask distributed
    cluster instead (the address of its scheduler, or ``local:N`` for N local worker processes): the same
    blocks, dates and kernel, so the same result. The catalog's files and ``state_dir`` must then be
    reachable at the same paths from every worker. The state is saved every ``dates_per_read`` dates.

    The cause of each alert is a probability of mining (:mod:`.attribution`, ``model``), with mining already
    mapped around the area as context (``known_mining``, :func:`.context.known_mining`). ``reported``: the
    outlines of alerts already reported for this area; growth of at least the MMU beyond them is reported as
    new alerts of their own (``parent_id``) instead of enlarging the old ones.
    """
    out = Path(out)
    state_dir = Path(state_dir) if state_dir else out.with_name(out.name + ".state")
    if cube is None:
        history_start = start - dt.timedelta(days=history_days) if start else None
        cube = load_dn(source, aoi, history_start, end, bands=BANDS, chunks=block)
    transform = cube_transform(cube.rc.raw)
    crs = cube.rc.crs.to_string()
    H, W = cube.shape
    grid = {"crs": crs, "transform": list(transform)[:6], "shape": [H, W], "block": block, "params": asdict(params)}
    days = day_numbers(cube.rc.raw.time)
    rows = [[Block(r, c, min(block, H - r), min(block, W - c)) for c in range(0, W, block)] for r in range(0, H, block)]
    open_store(state_dir, grid)
    lasts = {b: read_header(state_dir, b).last_day for row in rows for b in row}
    since = (start - dt.date(1970, 1, 1)).days if start else 0
    job = FoldJob(cube, days, state_dir, params, dates_per_read, Reduction(params, rules, since))
    # Progress counts groups of dates per block, plus one step per block to finish it.
    groups = {b: -(-int((days > last).sum()) // dates_per_read) for b, last in lasts.items()}
    if on_total:
        on_total(sum(groups.values()) + len(lasts))

    with cluster_client(scheduler) as client:
        if client is None:
            done = _on_threads(job, rows, threads or os.cpu_count() or 1, progress)
        else:
            done = run_rows(client, job, rows, [sum(groups[b] + 1 for b in row) for row in rows], progress)
        summary, processed, clear_seen = _assemble(done, (H, W))
    if clear_seen == 0:
        t0, t1 = (str(v)[:10] for v in (cube.rc.raw.time.values[0], cube.rc.raw.time.values[-1]))
        raise NoImageryError(
            f"{source}: no clear observation of the area between {t0} and {t1} "
            f"({len(days)} dates, all cloud or no data); "
            "extend the period or add radar"
        )

    done_px = None
    shapes = [] if reported is None else [g for g in reported.to_crs(crs).geometry if g is not None and not g.is_empty]
    if shapes:
        # Each reported alert's pixels by its index (1-based): every alert keeps its own ground.
        done_px = features.rasterize(
            ((g, i + 1) for i, g in enumerate(shapes)), out_shape=(H, W), transform=transform, dtype="int32"
        )
    alerts = alerts_from_summary(summary, transform, crs, mmu_ha, params, rules, model, done_px, known_mining)
    write_alerts(alerts, out)
    write_dates(alerts, summary, transform, crs, dates_path(out))
    return DetectResult(alerts, out, state_dir, processed, len(days))


def _on_threads(job: FoldJob, rows: list[list[Block]], threads: int, progress) -> Iterator:
    """Rows of blocks on a pool of threads, one scratch each; results as rows finish."""
    local = threading.local()
    lock = threading.Lock()

    def step(k=1):
        with lock:
            progress(k)

    def one(row):
        if not hasattr(local, "scratch"):
            local.scratch = Scratch()
        return fold_row(job, row, step if progress else None, local.scratch)

    if threads <= 1 or len(rows) == 1:
        for row in rows:
            yield from one(row)
        return
    with ThreadPoolExecutor(min(threads, len(rows))) as pool:
        futures = [pool.submit(one, row) for row in rows]
        try:
            for f in as_completed(futures):
                yield from f.result()
        finally:
            for f in futures:
                f.cancel()


SPARSE = {"break_pos": ("break_first", "break_confirmed"), "seen_pos": ("base_n_at_break", "n_post")}


def _assemble(done, shape: tuple[int, int]) -> tuple[dict, int, int]:
    """The whole grid's summary, from blocks' summaries as they finish: flags pasted in place, sparse
    values with their block-local flat indices taken into the grid's and sorted."""
    W = shape[1]
    flags = np.zeros(shape, np.uint16)
    parts: dict[str, list] = {k: [] for pos, vals in SPARSE.items() for k in (pos, *vals)}
    processed = clear_seen = 0
    for b, sm, n_done, seen in done:
        processed = max(processed, n_done)
        clear_seen += seen
        flags[b.r : b.r + b.h, b.c : b.c + b.w] = sm["flags"]
        for pos, vals in SPARSE.items():
            rows, cols = np.divmod(sm[pos], b.w)
            parts[pos].append((rows + b.r) * W + (cols + b.c))
            for v in vals:
                parts[v].append(sm[v])
    summary = {"flags": flags}
    for pos, vals in SPARSE.items():
        p = np.concatenate(parts[pos]) if parts[pos] else np.zeros(0, np.int64)
        order = np.argsort(p, kind="stable")
        summary[pos] = p[order]
        for v in vals:
            summary[v] = np.concatenate(parts[v])[order] if parts[v] else np.zeros(0, np.int32)
    return summary, processed, clear_seen


def dates_path(out: Path) -> Path:
    return out.with_name(out.stem + "_dates.tif")


DATES_TILE = 256


def write_dates(alerts: gpd.GeoDataFrame, summary: dict, transform: Affine, crs: str, path: Path) -> Path:
    """Per-pixel dates of the alerted loss, as GLAD/RADD publish them: band 1 first seen, band 2 confirmed
    (days since 1970-01-01; 0 = none). Only pixels inside reported alerts, with a break of the reporting
    period (those of the summary's ``break_*``), carry a date.

    Only the 256 px tiles holding such pixels are written; GDAL reads the others as 0 (``SPARSE_OK``),
    so a tile-wide raster costs its alerts, not 120 million pixels twice.
    """
    import rasterio
    from rasterio import features
    from rasterio.windows import Window
    from rasterio.windows import transform as window_transform

    H, W = summary["flags"].shape
    profile = dict(
        driver="GTiff",
        width=W,
        height=H,
        count=2,
        dtype="int32",
        crs=crs,
        transform=transform,
        nodata=0,
        compress="deflate",
        tiled=True,
        blockxsize=DATES_TILE,
        blockysize=DATES_TILE,
        sparse_ok=True,
    )
    pos = summary["break_pos"]
    rows, cols = np.divmod(pos, W)
    tiles = (rows // DATES_TILE) * -(-W // DATES_TILE) + cols // DATES_TILE
    order = np.argsort(tiles, kind="stable")
    bounds = np.flatnonzero(np.diff(tiles[order], prepend=-1, append=-1))  # starts of each tile's run, then the end
    geoms = alerts.geometry.values
    tree = shapely.STRtree(geoms) if len(alerts) else None
    with rasterio.open(path, "w", **profile) as dst:
        dst.set_band_description(1, "first_seen (days since 1970-01-01)")
        dst.set_band_description(2, "confirmed (days since 1970-01-01)")
        for i0, i1 in itertools.pairwise(bounds):
            if tree is None:
                break
            at = order[i0:i1]
            r0, c0 = int(rows[at[0]]) // DATES_TILE * DATES_TILE, int(cols[at[0]]) // DATES_TILE * DATES_TILE
            win = Window(c0, r0, min(DATES_TILE, W - c0), min(DATES_TILE, H - r0))
            wt = window_transform(win, transform)
            hits = tree.query(shapely.box(*rasterio.windows.bounds(win, transform)))
            if not len(hits):
                continue
            inside = features.geometry_mask(geoms[hits], (win.height, win.width), wt, invert=True)
            rr, cc = rows[at] - r0, cols[at] - c0
            keep = inside[rr, cc]
            if not keep.any():
                continue
            for band, values in ((1, summary["break_first"]), (2, summary["break_confirmed"])):
                tile = np.zeros((win.height, win.width), np.int32)
                tile[rr[keep], cc[keep]] = values[at[keep]]
                dst.write(tile, band, window=win)
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
