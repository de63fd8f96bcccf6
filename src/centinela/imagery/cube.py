"""Load a lazy Sentinel-2 L2A reflectance cube (time, y, x) from STAC items with odc-stac."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import odc.stac
import pystac
import shapely
import xarray as xr
from odc.geo.geom import Geometry
from pyproj import CRS

from ..errors import InputError
from .aoi import check_aoi
from .bands import REFLECTANCE_BANDS, canonical, resolve_assets
from .masks import CLEAR_SCL, clear_from_scl
from .scaling import scale_offset
from .sources import SourceDriver, require_access
from .stac import DEFAULT_COLLECTION, search_items

log = logging.getLogger(__name__)


def metric_crs(items: Sequence[pystac.Item], aoi: shapely.Geometry | None, crs: str | None) -> CRS:
    """The CRS to load in: the one asked for (must be projected), else the items' common EPSG, else UTM of the AOI."""
    if crs is not None:
        c = CRS.from_user_input(crs)
        if not c.is_projected:
            raise InputError(f"crs {crs} is geographic; a metric (projected) CRS such as UTM is required")
        return c
    codes = set()
    for it in items:
        code = it.properties.get("proj:code") or (
            f"EPSG:{it.properties['proj:epsg']}" if it.properties.get("proj:epsg") else None
        )
        codes.add(code)
    if len(codes) == 1 and None not in codes:
        return CRS.from_user_input(codes.pop())
    geom = aoi if aoi is not None else shapely.union_all([shapely.box(*it.bbox) for it in items])
    lon, lat = geom.centroid.x, geom.centroid.y
    zone = int((lon + 180) // 6) + 1
    return CRS.from_epsg((32700 if lat < 0 else 32600) + zone)


def _time_scale(ds: xr.Dataset, items: Sequence[pystac.Item], assets: dict[str, str]) -> dict[str, tuple]:
    """Per band, scalar (scale, offset) when all items agree, else arrays along ``time``."""
    per_item = {b: [scale_offset(it, a) for it in items] for b, a in assets.items()}
    out = {}
    times = ds.time.values.astype("datetime64[s]")
    item_times = np.array([np.datetime64(it.datetime.replace(tzinfo=None), "s") for it in items])
    for band, pairs in per_item.items():
        if len(set(pairs)) == 1:
            out[band] = pairs[0]
            continue
        nearest = [int(np.argmin(np.abs(item_times - t))) for t in times]
        out[band] = (
            xr.DataArray([pairs[i][0] for i in nearest], dims="time", coords={"time": ds.time}),
            xr.DataArray([pairs[i][1] for i in nearest], dims="time", coords={"time": ds.time}),
        )
    return out


def to_reflectance(dn: xr.DataArray, scale, offset) -> xr.DataArray:
    """float32 reflectance from digital numbers (NaN where DN is 0, the nodata of Sentinel-2 L2A).

    ``scale``/``offset`` are numbers (then the arithmetic is float32) or arrays along ``time`` (float64,
    rounded to float32 at the end); :mod:`centinela.detect.fused` repeats exactly this arithmetic.
    """
    return xr.where(dn != 0, dn.astype("float32") * scale + offset, np.float32(np.nan)).astype("float32")


@dataclass(frozen=True)
class RawCube:
    """Digital numbers as odc-stac loads them (lazy), with what turns them into reflectance."""

    raw: xr.Dataset  # canonical band names and ``scl``; (time, y, x); 0 = no data
    items: list[pystac.Item]
    assets: dict[str, str]  # canonical band (and "scl") -> asset key
    factors: dict[str, tuple]  # band -> (scale, offset): numbers, or arrays along time (see _time_scale)
    crs: CRS
    reload: Callable[[int], xr.Dataset]  # the same cube in other chunks (square, this many pixels a side)

    @property
    def bands(self) -> tuple[str, ...]:
        """The reflectance bands, canonical names, in the order asked for."""
        return tuple(b for b in self.assets if b != "scl")


def load_raw(
    source: str | Path,
    aoi: shapely.Geometry | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    bands: Sequence[str] = REFLECTANCE_BANDS,
    resolution: float = 10.0,
    crs: str | None = None,
    chunks: int = 1024,
    collection: str | None = DEFAULT_COLLECTION,
    items: Sequence[pystac.Item] | None = None,
) -> RawCube:
    """The lazy digital-number cube behind :func:`load_cube` (same grid, same dates)."""
    bands = list(dict.fromkeys(canonical(b) for b in bands))
    if aoi is not None:
        aoi = check_aoi(aoi)
    if items is None:
        items = search_items(source, aoi, start, end, collection)
    assets = {b: a for it in items[:1] for b, a in resolve_assets(it, [*bands, "scl"], str(source)).items()}
    for it in items[1:]:  # every item must carry the bands; fail before reading pixels
        resolve_assets(it, [*bands, "scl"], str(source))
    require_access(items, assets)  # missing credentials: say what to set before planning a single read
    out_crs = metric_crs(items, aoi, crs)
    reload = functools.partial(_odc_load, list(items), assets, out_crs, aoi, resolution)
    raw = reload(chunks)
    factors = _time_scale(raw, items, {b: a for b, a in assets.items() if b != "scl"})
    return RawCube(raw, list(items), assets, factors, out_crs, reload)


def _odc_load(items, assets: dict[str, str], out_crs: CRS, aoi, resolution: float, chunks: int) -> xr.Dataset:
    raw = odc.stac.load(
        items,
        bands=list(assets.values()),
        crs=out_crs,
        resolution=resolution,
        geopolygon=Geometry(aoi, "EPSG:4326") if aoi is not None else None,
        chunks={"time": 1, "x": chunks, "y": chunks},
        groupby="solar_day",
        resampling={"*": "bilinear", assets["scl"]: "nearest"},
        fail_on_error=True,
        driver=SourceDriver(),  # fresh signed URLs and per-file credentials at read time
        # Defaults for catalogs that declare no raster:bands (Sentinel-2 L2A is uint16/uint8 with nodata 0).
        stac_cfg={
            "*": {
                "assets": {
                    "*": {"data_type": "uint16", "nodata": 0},
                    assets["scl"]: {"data_type": "uint8", "nodata": 0},
                }
            }
        },
    )
    raw = raw.rename({a: b for b, a in assets.items() if a != b})
    raw["scl"] = raw["scl"].astype("uint8")
    return raw


def load_cube(
    source: str | Path,
    aoi: shapely.Geometry | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    bands: Sequence[str] = REFLECTANCE_BANDS,
    resolution: float = 10.0,
    crs: str | None = None,
    chunks: int = 1024,
    collection: str | None = DEFAULT_COLLECTION,
    clear_classes: Sequence[int] = CLEAR_SCL,
    items: Sequence[pystac.Item] | None = None,
) -> xr.Dataset:
    """A lazy, dask-chunked cube of surface reflectance with a clear-sky mask.

    Returns an ``xarray.Dataset`` with dimensions (time, y, x) in a metric CRS: one float32 variable
    per band (canonical names ``blue``…``swir22``; NaN where nodata), ``scl`` (uint8, 0 = no data) and
    ``clear`` (bool: SCL in ``clear_classes`` and every band valid). Scale and offset are applied
    per item as declared (see :func:`centinela.imagery.scaling.scale_offset`). Band names may be given
    in either convention (``red`` or ``B04``).
    """
    rc = load_raw(source, aoi, start, end, bands, resolution, crs, chunks, collection, items)
    out = {}
    valid = None
    for b in rc.bands:
        dn = rc.raw[b]
        ok = dn != 0
        out[b] = to_reflectance(dn, *rc.factors[b])
        out[b].attrs = {"units": "1", "long_name": f"surface reflectance ({b})"}
        valid = ok if valid is None else valid & ok
    scl = rc.raw["scl"]
    clear = clear_from_scl(scl, clear_classes) & valid
    ds = xr.Dataset({**out, "scl": scl, "clear": clear})
    ds.attrs.update(
        source=str(source),
        crs=rc.crs.to_string(),
        resolution=resolution,
        items=[it.id for it in rc.items],
        cloud_cover=[it.properties.get("eo:cloud_cover") for it in rc.items],
    )
    return ds
