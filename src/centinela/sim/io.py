"""File input and output of the simulator: real footprints in; COGs, STAC catalog and truth out.

This is the only module of :mod:`centinela.sim` that opens files.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pystac
import rasterio
import rasterio.shutil
import shapely
from pyproj import Transformer
from pystac.extensions.eo import Band, EOExtension
from pystac.extensions.projection import ProjectionExtension
from pystac.extensions.raster import DataType, RasterBand, RasterExtension
from rasterio.windows import Window

from ..errors import InputError, SimulationError
from .landscape import Acquisition, Scene, from_day_number
from .render import CLOUDY_SCL, Prepared, render_window
from .spectra import BAND_IDS, BANDS, CENTRE_UM, FWHM_UM, NATIVE_RES_M
from .truth import area_ha, label_polygons, river_change_labels, river_events

log = logging.getLogger(__name__)

SCALE, OFFSET = 0.0001, -0.1  # L2A since processing baseline 04.00: reflectance = DN * 1e-4 - 0.1
BASELINE = "05.10"
WINDOW = 512
COLLECTION_ID = "sentinel-2-l2a"


# --- footprints in --------------------------------------------------------------------------------


def period_range(code: int) -> tuple[dt.date, dt.date]:
    """Amazon Mining Watch period code → date range: YYYY00 is the year, YYYY0Q quarter Q."""
    year, sub = divmod(int(code), 100)
    if not 1984 <= year <= 2100 or sub not in (0, 1, 2, 3, 4):
        raise ValueError(f"period {code} is not YYYY00 (a year) or YYYY0Q (a quarter)")
    if sub == 0:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    first = dt.date(year, 3 * sub - 2, 1)
    last = (pd.Timestamp(first) + pd.offsets.QuarterEnd(0)).date()
    return first, last


def read_footprints(path: str | Path, crs: str, bounds: tuple[float, float, float, float]) -> list[tuple]:
    """Mining footprints intersecting ``bounds`` (in ``crs``) as (geometry, from, to, mined_ha).

    Accepts Amazon Mining Watch layers (``period`` as YYYYPP and ``mined_area_ha_amw``) or any
    polygon layer with an ``event_date`` (and optional ``event_end``) column.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found (expected a vector file of mining polygons)")
    to_ll = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    ll = to_ll.transform_bounds(*bounds)
    try:
        gdf = gpd.read_file(path, bbox=ll)  # bbox in the file CRS; these layers are WGS84
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise InputError(f"{path}: cannot be read as a vector file ({exc})") from exc
    if gdf.crs is None:
        raise InputError(f"{path}: no CRS declared (expected e.g. EPSG:4326)")
    cols = set(gdf.columns)
    if "period" not in cols and "event_date" not in cols:
        raise InputError(
            f"{path}: needs a 'period' (YYYYPP, Amazon Mining Watch) or 'event_date' column; "
            f"found {sorted(cols - {'geometry'})}"
        )
    gdf = gdf.to_crs(crs)
    gdf = gdf[~gdf.geometry.is_empty & gdf.geometry.notna()]
    out = []
    for i, row in gdf.iterrows():
        try:
            if "period" in cols and pd.notna(row.get("period")):
                p_from, p_to = period_range(int(row["period"]))
            else:
                p_from = pd.Timestamp(row["event_date"]).date()
                end = row.get("event_end")
                p_to = pd.Timestamp(end).date() if end is not None and pd.notna(end) else p_from
        except (ValueError, TypeError) as exc:
            raise InputError(f"{path}: feature {i}: bad date field ({exc})") from exc
        mined = row.get("mined_area_ha_amw")
        mined = float(mined) if mined is not None and pd.notna(mined) else None
        out.append((shapely.make_valid(row.geometry), p_from, p_to, mined))
    return out


# --- rasters out ----------------------------------------------------------------------------------


def to_dn(refl: np.ndarray) -> np.ndarray:
    """Reflectance → uint16 L2A digital numbers; NaN → 0 (nodata)."""
    dn = np.round((refl - OFFSET) / SCALE)
    dn = np.clip(np.nan_to_num(dn, nan=0.0), 0, 65535).astype(np.uint16)
    dn[(dn == 0) & ~np.isnan(refl)] = 1  # a valid pixel never takes the nodata value
    return dn


def _profile(scene: Scene, dtype: str) -> dict:
    return dict(
        driver="GTiff",
        width=scene.size,
        height=scene.size,
        count=1,
        dtype=dtype,
        crs=scene.crs,
        transform=scene.transform,
        nodata=0,
        tiled=True,
        blockxsize=256,
        blockysize=256,
        compress="deflate",
    )


def item_id(acq: Acquisition) -> str:
    """Earth Search-like id, marked as simulated: S2A_SIM_19L_20240115_0_L2A."""
    return f"S2{acq.platform[-1].upper()}_SIM_19L_{acq.date:%Y%m%d}_0_L2A"


def windows(size: int, step: int = WINDOW):
    for r in range(0, size, step):
        for c in range(0, size, step):
            yield Window(c, r, min(step, size - c), min(step, size - r))


_PREP: Prepared | None = None  # one per worker process, set by _init_worker


def _init_worker(scene: Scene) -> None:
    global _PREP
    _PREP = Prepared.of(scene)


def render_date(acq: Acquisition, cog_dir: str) -> dict:
    """Write the COGs of one date (resumable: a finished date has its done.json) and return its stats."""
    assert _PREP is not None
    scene = _PREP.scene
    folder = Path(cog_dir) / item_id(acq)
    done = folder / "done.json"
    if done.exists():
        return json.loads(done.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    tmp = {b: folder / f"{b}.tmp.tif" for b in (*BANDS, "scl")}
    counts = np.zeros(12, dtype=np.int64)
    dsts = {b: rasterio.open(p, "w", **_profile(scene, "uint8" if b == "scl" else "uint16")) for b, p in tmp.items()}
    try:
        for win in windows(scene.size):
            obs, scl = render_window(_PREP, acq, win)
            for i, b in enumerate(BANDS):
                dsts[b].write(to_dn(obs[i]), 1, window=win)
            dsts["scl"].write(scl, 1, window=win)
            counts += np.bincount(scl.ravel(), minlength=12)[:12]
    finally:
        for d in dsts.values():
            d.close()
    for b, p in tmp.items():
        resampling = "NEAREST" if b == "scl" else "AVERAGE"
        rasterio.shutil.copy(
            p,
            folder / f"{b}.tif",
            driver="COG",
            compress="DEFLATE",
            predictor="NO" if b == "scl" else "YES",
            blocksize="256",
            overview_resampling=resampling,
        )
        p.unlink()
    valid = int(counts[1:].sum())
    stats = {
        "id": item_id(acq),
        "valid_pixels": valid,
        "cloud_cover": round(100.0 * counts[list(CLOUDY_SCL)].sum() / valid, 2) if valid else 100.0,
        "scl_counts": counts.tolist(),
    }
    done.write_text(json.dumps(stats))
    return stats


def write_rasters(
    scene: Scene, cog_dir: Path, workers: int = 1, progress: Callable[[int], None] | None = None
) -> list[dict]:
    """Render every date; dates already finished by an interrupted run are kept, not redone."""
    cog_dir.mkdir(parents=True, exist_ok=True)
    results: dict[int, dict] = {}
    if workers <= 1:
        _init_worker(scene)
        for i, acq in enumerate(scene.acquisitions):
            results[i] = render_date(acq, str(cog_dir))
            if progress:
                progress(1)
    else:
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(scene,)) as pool:
            futures = {pool.submit(render_date, acq, str(cog_dir)): i for i, acq in enumerate(scene.acquisitions)}
            for fut in futures:
                results[futures[fut]] = fut.result()
                if progress:
                    progress(1)
    return [results[i] for i in range(len(scene.acquisitions))]


def river_truth(scene: Scene) -> list:
    parts = []
    for win in windows(scene.size):
        parts.extend(label_polygons(river_change_labels(scene, win), win, scene))
    return river_events(scene, parts)


# --- STAC out -------------------------------------------------------------------------------------


def _valid_footprint(scene: Scene, acq: Acquisition) -> shapely.Geometry:
    box = scene.footprint
    if not acq.partial:
        return box
    a, b, c = scene.swath_edge
    n = scene.size
    # Half-plane a*col + b*row <= c, as a polygon in pixel space, then to CRS coordinates.
    big = 4 * n
    rows = np.array([-big, -big, big, big], dtype=float)
    cols_at = (c - b * rows) / a
    half = shapely.Polygon([(-big, -big), (cols_at[0], rows[0]), (cols_at[2], rows[2]), (-big, big)])
    px = half.intersection(shapely.box(0, 0, n, n))
    t = scene.transform
    return shapely.transform(px, lambda xy: np.column_stack([t.c + xy[:, 0] * t.a, t.f + xy[:, 1] * t.e]))


def _to_wgs84(scene: Scene, geom: shapely.Geometry) -> shapely.Geometry:
    tr = Transformer.from_crs(scene.crs, "EPSG:4326", always_xy=True)
    dense = shapely.segmentize(geom, 200.0)
    return shapely.transform(dense, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def build_catalog(scene: Scene, stats: list[dict], out: Path) -> Path:
    """A self-contained static STAC catalog: catalog → sentinel-2-l2a collection → one item per date."""
    catalog = pystac.Catalog(
        id="centinela-sim",
        description=(
            f"Simulated Sentinel-2 L2A scenes for Madre de Dios (Centinela simulator, seed {scene.seed}). "
            "Not real acquisitions."
        ),
        title="Centinela simulated Sentinel-2 L2A",
    )
    items = []
    epsg = int(scene.crs.split(":")[1])
    for acq, st in zip(scene.acquisitions, stats, strict=True):
        footprint = _to_wgs84(scene, _valid_footprint(scene, acq))
        when = dt.datetime.combine(acq.date, dt.time(14, 55, 0), tzinfo=dt.UTC)  # ~09:55 local overpass
        item = pystac.Item(
            id=st["id"],
            geometry=shapely.geometry.mapping(footprint),
            bbox=list(footprint.bounds),
            datetime=when,
            properties={
                "platform": acq.platform,
                "constellation": "sentinel-2",
                "instruments": ["msi"],
                "s2:processing_baseline": BASELINE,
                "sat:relative_orbit": acq.relative_orbit,
                "mgrs:utm_zone": 19,
                "mgrs:latitude_band": "L",
                "earthsearch:boa_offset_applied": False,
                "centinela:simulated": True,
                "centinela:seed": scene.seed,
            },
        )
        EOExtension.ext(item, add_if_missing=True).cloud_cover = st["cloud_cover"]
        proj = ProjectionExtension.ext(item, add_if_missing=True)
        proj.epsg = epsg
        RasterExtension.add_to(item)
        for b in (*BANDS, "scl"):
            href = str(out / "cogs" / st["id"] / f"{b}.tif")
            roles = ["data"] if b == "scl" else ["data", "reflectance"]
            asset = pystac.Asset(
                href=href,
                media_type=pystac.MediaType.COG,
                roles=roles,
                title="Scene classification map (SCL)" if b == "scl" else f"{BAND_IDS[b]} ({b})",
            )
            item.add_asset(b, asset)
            ap = ProjectionExtension.ext(asset)
            ap.shape = [scene.size, scene.size]
            ap.transform = list(scene.transform)[:6]
            if b == "scl":
                RasterExtension.ext(asset).bands = [
                    RasterBand.create(nodata=0, data_type=DataType.UINT8, spatial_resolution=20)
                ]
            else:
                EOExtension.ext(asset).bands = [
                    Band.create(
                        name=BAND_IDS[b], common_name=b, center_wavelength=CENTRE_UM[b], full_width_half_max=FWHM_UM[b]
                    )
                ]
                RasterExtension.ext(asset).bands = [
                    RasterBand.create(
                        nodata=0,
                        data_type=DataType.UINT16,
                        scale=SCALE,
                        offset=OFFSET,
                        spatial_resolution=NATIVE_RES_M[b],
                    )
                ]
        items.append(item)
    collection = pystac.Collection(
        id=COLLECTION_ID,
        description="Simulated Sentinel-2 L2A, asset keys as in Earth Search sentinel-2-l2a.",
        extent=pystac.Extent(
            pystac.SpatialExtent([list(_to_wgs84(scene, scene.footprint).bounds)]),
            pystac.TemporalExtent([[items[0].datetime, items[-1].datetime]]),
        ),
        license="CC-BY-4.0",
    )
    collection.add_items(items)
    catalog.add_child(collection)
    stac_dir = out / "stac"
    catalog.normalize_hrefs(str(stac_dir))
    catalog.make_all_asset_hrefs_relative()
    catalog.save(catalog_type=pystac.CatalogType.SELF_CONTAINED)
    return stac_dir / "catalog.json"


# --- truth out ------------------------------------------------------------------------------------


def write_truth(scene: Scene, events: list, path: Path) -> Path:
    """Ground-truth GeoPackage: layers ``events``, ``baseline_mining``, ``scene`` and ``river``."""

    def frame(evs):
        return gpd.GeoDataFrame(
            {
                "event_id": [e.event_id for e in evs],
                "group_id": [e.group for e in evs],
                "cause": [e.cause for e in evs],
                "event_date": [from_day_number(e.day) for e in evs],
                "stage": [e.stage for e in evs],
                "area_ha": [round(area_ha(e.geometry), 4) for e in evs],
                "source": [e.source for e in evs],
            },
            geometry=[e.geometry for e in evs],
            crs=scene.crs,
        )

    if path.exists():
        path.unlink()
    frame(events).to_file(path, layer="events", driver="GPKG")
    frame(list(scene.stock_mining)).to_file(path, layer="baseline_mining", driver="GPKG")
    meta = gpd.GeoDataFrame(
        {
            "seed": [scene.seed],
            "size_px": [scene.size],
            "start": [str(scene.acquisitions[0].date)],
            "end": [str(scene.acquisitions[-1].date)],
            "events_source": [scene.events_source],
            "simulated": [True],
        },
        geometry=[scene.footprint],
        crs=scene.crs,
    )
    meta.to_file(path, layer="scene", driver="GPKG")
    river_centreline(scene).to_file(path, layer="river", driver="GPKG")
    return path


def river_centreline(scene: Scene) -> gpd.GeoDataFrame:
    """The river's centre line at the last date, drawn in its flow direction (the simulated river flows
    towards increasing axis coordinate), a little beyond the scene so sites near the edge still snap to it."""
    r, t = scene.river, float(scene.acquisitions[-1].day)
    extent = scene.footprint.bounds[2] - scene.footprint.bounds[0]
    u = np.arange(-extent, extent, 20.0)
    v, _, _ = r.centre(u, t)
    x, y = r.from_axis(u, v)
    line = shapely.LineString(np.column_stack([x, y])).intersection(scene.footprint.buffer(extent * 0.25))
    if line.geom_type == "MultiLineString":  # keep the longest piece; the axis crosses the box once
        line = max(line.geoms, key=lambda g: g.length)
    return gpd.GeoDataFrame(
        {"name": ["simulated river"], "flows": ["downstream along the line"]}, geometry=[line], crs=scene.crs
    )


def write_aoi(scene: Scene, path: Path) -> Path:
    gpd.GeoDataFrame(
        {"name": ["simulated scene"]}, geometry=[_to_wgs84(scene, scene.footprint)], crs="EPSG:4326"
    ).to_file(path, driver="GeoJSON")
    return path


def prepare_out(out: Path, params: dict, overwrite: bool) -> None:
    """Make ``out``; a folder from an interrupted run with the same parameters is resumed."""
    marker = out / "simulation.json"
    if out.exists() and any(out.iterdir()):
        same = marker.exists() and json.loads(marker.read_text()).get("params") == params
        if overwrite:
            shutil.rmtree(out)
        elif not same:
            raise SimulationError(f"{out} already exists and holds something else; use --overwrite to replace it")
    out.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"params": params, "complete": False}, indent=2))


def finish_out(out: Path, params: dict, summary: dict) -> None:
    (out / "simulation.json").write_text(
        json.dumps({"params": params, "complete": True, **summary}, indent=2, default=str)
    )
