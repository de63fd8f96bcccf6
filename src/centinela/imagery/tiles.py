"""XYZ web-map tiles of one acquisition date (true or false colour PNG), read with rio-tiler.

A web map asks for many 256 px tiles of one date. For each tile this module

1. finds the items of that date whose footprint overlaps the tile (:func:`.stac.search_items`, cached);
2. reads the style's three bands of each item for the tile with rio-tiler's :class:`~rio_tiler.io.Reader`
   (WebMercatorQuad, local paths and http(s) URLs alike) and turns digital numbers into reflectance
   with :func:`.scaling.scale_offset`;
3. mosaics the items with :func:`rio_tiler.mosaic.mosaic_reader` (first valid pixel wins);
4. applies a fixed reflectance stretch and renders an RGBA PNG with :meth:`rio_tiler.models.ImageData.render`,
   transparent where there is no data.

Errors: :class:`InputError` for a bad date, tile index, style or size; :class:`NoImageryError` when the
catalog has no item at all on that date. A tile that misses every footprint of a date that does have
imagery is *not* an error: it comes back fully transparent, because a map asks for every tile of the
viewport and a scene edge is normal (a 404 there would only fill the browser console).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pystac
import rasterio
import shapely
from morecantile import Tile
from rasterio.errors import RasterioError
from rio_tiler.constants import WEB_MERCATOR_TMS
from rio_tiler.errors import EmptyMosaicError, TileOutsideBounds
from rio_tiler.io import Reader
from rio_tiler.models import ImageData
from rio_tiler.mosaic import mosaic_reader
from rio_tiler.mosaic.methods.defaults import FirstMethod
from rio_tiler.tasks import multi_arrays

from ..errors import AOIOutsideDataError, InputError, NoImageryError
from .bands import resolve_assets
from .credentials import read_env, read_error
from .masks import CLEAR_SCL
from .scaling import scale_offset
from .sources import fresh_href
from .stac import DEFAULT_COLLECTION, search_items

log = logging.getLogger(__name__)

__all__ = ["STYLES", "Acquisition", "Style", "acquisition_dates", "clear_cache", "render_tile"]

TMS = WEB_MERCATOR_TMS
"""WebMercatorQuad (EPSG:3857), the grid of Leaflet, MapLibre and OpenLayers XYZ layers."""

MAX_ZOOM = 22
"""Deepest zoom accepted: ~4 cm pixels at the equator, far past Sentinel-2's 10 m (tiles are just upsampled)."""

TILESIZES = (256, 512)
"""Output sizes: 256 px tiles, or 512 px for high-DPI ("@2x") screens."""

SEARCH_ZOOM = 6
"""Items are searched over the tile's ancestor at this zoom (~600 km), not over each tile.

Every tile of a map view then shares one search, and the search stays bounded for a STAC API (a whole
day of Sentinel-2 over the globe is thousands of items; over a zoom-6 tile it is a few dozen)."""

SEARCH_CACHE_SIZE = 256
"""(catalog, date, search area) results kept in memory: a few hundred dates × areas, a few MB of items."""

NODATA = 0
"""Sentinel-2 L2A digital number for "no data"; forced on read because not every provider tags its files."""

GDAL_ENV = MappingProxyType(
    {
        # A COG over HTTP has no side-car files; listing its "folder" would cost a request per open.
        "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
        # Neighbouring internal tiles come in one range request, several requests share one HTTP/2 connection.
        "GDAL_HTTP_MERGE_CONSECUTIVE_RANGES": "YES",
        "GDAL_HTTP_MULTIPLEX": "YES",
        # Header and overview blocks read for one tile are reused by the next tile of the same file.
        "VSI_CACHE": "TRUE",
    }
)
"""GDAL options for reading COGs, each applied only when the environment does not set it already."""


@dataclass(frozen=True)
class Style:
    """How three bands become an 8-bit picture.

    Attributes:
        bands: canonical band keys shown as red, green and blue.
        ranges: per channel, the reflectance mapped to 0 and to 255 (clipped outside).
        gamma: brightening applied after the linear stretch (``v ** (1/gamma)``), as rio-tiler's
            ``gamma rgb`` colour formula; 1 leaves the stretch linear.
        description: one line for a legend.
    """

    bands: tuple[str, str, str]
    ranges: tuple[tuple[float, float], tuple[float, float], tuple[float, float]]
    gamma: float
    description: str


STYLES: Mapping[str, Style] = MappingProxyType(
    {
        # Fixed stretches, the same on every date and tile, so that two dates (and two neighbouring tiles)
        # compare by eye; a per-tile min/max stretch would make each tile a different colour.
        # Both recipes match the quick-look pictures of the reports (centinela.reports.quicklook), so the
        # web map and the PDF show the same colours.
        #
        # True colour 0-0.16 with gamma 1.6: Amazon forest is dark (red ≈ 0.02-0.04, blue ≈ 0.02), so the
        # common 0-0.3 linear stretch draws it nearly black and hides canopy texture and small clearings.
        # 0.16 keeps muddy rivers (red ≈ 0.15) unclipped; bright sand (red ≈ 0.19) and clouds saturate to
        # near white, which reads as "bare / cloud" in a picture.
        "true": Style(("red", "green", "blue"), ((0.0, 0.16), (0.0, 0.16), (0.0, 0.16)), 1.6, "True colour (B4-B3-B2)"),
        # False colour SWIR1-NIR-red (B11-B8-B4) rather than NIR-red-green (B8-B4-B3): in colour-infrared
        # both forest and regrowth turn red and bare sand and turbid water both look cyan-grey, whereas
        # here forest is green (NIR high), bare sand, tailings and fresh clearings pink-magenta (SWIR ≥
        # NIR, red high) and every water body dark blue (SWIR ≈ 0, only red left), so mining pits and
        # their ponds stand out from the forest and from each other. SWIR also cuts through the haze of
        # the burning season better than the visible bands. It is the composite Amazon Mining Watch and
        # MAAP use for Madre de Dios.
        "false": Style(
            ("swir16", "nir", "red"),
            ((0.02, 0.40), (0.02, 0.45), (0.0, 0.20)),
            1.6,
            "False colour (B11-B8-B4): forest green, bare soil and sand pink, water dark blue",
        ),
    }
)
"""Named picture recipes for :func:`render_tile`."""


@dataclass(frozen=True)
class Acquisition:
    """One date with imagery, for a date picker.

    Attributes:
        date: acquisition day (UTC, as the items' ``datetime``; about 10:00 local time in Peru).
        item_ids: the items of that day over the box, in time order.
        cloud_cover: mean ``eo:cloud_cover`` (percent) of those items, or None where none declares it.
    """

    date: dt.date
    item_ids: tuple[str, ...]
    cloud_cover: float | None


# --- validation -----------------------------------------------------------------------------------


def _as_date(value: dt.date | str) -> dt.date:
    """A date from a ``date``, a ``datetime`` (its UTC day) or an ISO ``YYYY-MM-DD`` string."""
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.UTC) if value.tzinfo else value).date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InputError(f"date {value!r} is not a date; expected YYYY-MM-DD")


def _check_int(name: str, value, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InputError(f"{name} must be an integer, got {value!r}")
    if not lo <= value <= hi:
        raise InputError(f"{name}={value} is out of range: expected {lo} ≤ {name} ≤ {hi}")
    return int(value)


def _check_tile(z, x, y) -> Tile:
    z = _check_int("z", z, 0, MAX_ZOOM)
    n = 2**z - 1
    return Tile(x=_check_int("x", x, 0, n), y=_check_int("y", y, 0, n), z=z)


def _check_style(style: str) -> Style:
    try:
        return STYLES[style]
    except (KeyError, TypeError):
        raise InputError(f"unknown style {style!r}; expected one of {sorted(STYLES)}") from None


def _check_bbox(bbox) -> shapely.Geometry | None:
    if bbox is None:
        return None
    try:
        x0, y0, x1, y1 = (float(v) for v in bbox)
    except (TypeError, ValueError):
        raise InputError(f"bbox {bbox!r} is not four numbers (min lon, min lat, max lon, max lat)") from None
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise InputError(f"bbox {bbox!r} is not (min lon, min lat, max lon, max lat) in degrees with min ≤ max")
    return shapely.box(x0, y0, x1, y1)


# --- finding the items of a date ------------------------------------------------------------------


def _item_time(item: pystac.Item) -> dt.datetime:
    t = item.datetime or pystac.utils.str_to_datetime(item.properties["start_datetime"])
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _mosaic_order(item: pystac.Item) -> tuple:
    """Least cloudy first (it wins where items overlap), then by id so the order is reproducible."""
    cc = item.properties.get("eo:cloud_cover")
    return (cc is None, cc if cc is not None else 0.0, item.id)


@dataclass(frozen=True)
class _DayItems:
    """Items of one date near a search area, with their footprints for per-tile overlap tests."""

    items: tuple[pystac.Item, ...]
    footprints: tuple[shapely.Geometry, ...]


@functools.lru_cache(maxsize=SEARCH_CACHE_SIZE)
def _day_items(catalog: str, date: dt.date, area: Tile, collection: str | None) -> _DayItems | None:
    """Items of ``date`` over the ``area`` tile; None when the catalog has no item at all that day.

    Cached, so a map's tiles share one catalog walk or API search; "no imagery" is cached too, so a
    date without any is not searched again for every tile.
    """
    box = shapely.box(*TMS.bounds(area))
    try:
        found = search_items(catalog, box, date, date, collection)
    except AOIOutsideDataError:  # the date has imagery, elsewhere
        return _DayItems((), ())
    except NoImageryError:
        return None
    found = sorted(found, key=_mosaic_order)
    prints = tuple(shapely.geometry.shape(it.geometry) if it.geometry else shapely.box(*it.bbox) for it in found)
    for p in prints:
        shapely.prepare(p)
    return _DayItems(tuple(found), prints)


def clear_cache() -> None:
    """Forget cached item searches (call it after items are added to a catalog that is being served)."""
    _day_items.cache_clear()


def _items_for_tile(catalog: str, date: dt.date, tile: Tile, collection: str | None) -> list[pystac.Item]:
    area = TMS.parent(tile, zoom=SEARCH_ZOOM)[0] if tile.z > SEARCH_ZOOM else tile
    day = _day_items(catalog, date, area, collection)
    if day is None:
        raise NoImageryError(f"{catalog}: no imagery on {date:%Y-%m-%d}")
    box = shapely.box(*TMS.bounds(tile))
    return [it for it, p in zip(day.items, day.footprints, strict=True) if p.intersects(box)]


# --- reading pixels -------------------------------------------------------------------------------


def _gdal_env() -> dict[str, str]:
    return {k: v for k, v in GDAL_ENV.items() if k not in os.environ}


def _read_asset(asset_key: str, item: pystac.Item, tile: Tile, tilesize: int) -> ImageData:
    """One asset of one item for the tile, DN as read (masked where nodata or outside the raster)."""
    href = fresh_href(item.assets[asset_key].get_absolute_href() or item.assets[asset_key].href)
    try:
        with rasterio.Env(**_gdal_env()), read_env(href), Reader(href, tms=TMS) as src:
            # Nearest for both steps: 10 m pixels stay crisp at high zoom (an analyst counts the pixels
            # of a pit), SCL classes must not be averaged, and the COGs' overviews (built by averaging)
            # already smooth the low zooms.
            return src.tile(
                tile.x,
                tile.y,
                tile.z,
                tilesize=tilesize,
                indexes=1,
                nodata=NODATA,
                resampling_method="nearest",
                reproject_method="nearest",
            )
    except TileOutsideBounds:
        raise
    except RasterioError as exc:
        raise read_error(href, exc, f"cannot read asset '{asset_key}' of item {item.id}") from None


def _read_item(item: pystac.Item, tile: Tile, *, bands: Sequence[str], tilesize: int, mask_clouds: bool) -> ImageData:
    """Reflectance of ``bands`` of one item for the tile: float32, masked where any band has no data
    (and, with ``mask_clouds``, where the SCL class is not clear)."""
    assets = resolve_assets(item, [*bands, "scl"] if mask_clouds else bands, item.get_self_href() or "")
    keys = [assets[b] for b in bands]
    raw = multi_arrays(
        [*keys, assets["scl"]] if mask_clouds else keys,
        _read_asset,
        item,
        tile,
        tilesize,
        threads=len(keys) + mask_clouds,
    )
    planes = []
    for i, key in enumerate(keys):
        scale, offset = scale_offset(item, key)
        planes.append(raw.array.data[i].astype(np.float32) * np.float32(scale) + np.float32(offset))
    invalid = raw.array.mask[: len(keys)].any(axis=0)
    if mask_clouds:
        invalid |= ~np.isin(raw.array.data[-1], CLEAR_SCL) | raw.array.mask[-1]
    data = np.ma.MaskedArray(np.stack(planes), mask=np.broadcast_to(invalid, (len(keys), *invalid.shape)).copy())
    return ImageData(data, assets=[item.id], crs=raw.crs, bounds=raw.bounds, band_names=list(bands))


@functools.lru_cache(maxsize=len(TILESIZES))
def _transparent_png(tilesize: int) -> bytes:
    empty = np.ma.masked_all((3, tilesize, tilesize), dtype=np.uint8)
    return ImageData(empty).render(img_format="PNG")


def _to_picture(img: ImageData, style: Style) -> ImageData:
    """Fixed stretch to uint8 (rio-tiler rescale + gamma formula); transparent where any band is missing."""
    invalid = img.array.mask.any(axis=0)
    img.array.mask = np.broadcast_to(invalid, img.array.shape).copy()
    img.rescale(in_range=style.ranges)
    if style.gamma != 1:
        img.apply_color_formula(f"gamma rgb {style.gamma}")
    return img


# --- public API -----------------------------------------------------------------------------------


def render_tile(
    catalog: str | Path,
    date: dt.date | str,
    z: int,
    x: int,
    y: int,
    style: str = "true",
    tilesize: int = 256,
    mask_clouds: bool = False,
    collection: str | None = DEFAULT_COLLECTION,
) -> bytes:
    """PNG (RGBA, ``tilesize`` × ``tilesize``) of tile z/x/y (WebMercatorQuad) on ``date``.

    ``catalog`` is what :func:`.stac.search_items` accepts: a static catalog (path or URL) or a STAC API
    root; assets may be local files or http(s) COGs. Items of the date over the tile are mosaicked
    least-cloudy first, first valid pixel wins. Clouds are drawn as they are, unless ``mask_clouds``,
    which makes every pixel whose SCL class is not clear (vegetation, bare, water) transparent.

    Raises :class:`InputError` for a bad date, z (0..22), x or y (0..2^z-1), style or tile size, and
    :class:`NoImageryError` when the catalog has no item at all on that date. A tile outside every
    footprint of a date that has imagery is returned fully transparent.
    """
    day = _as_date(date)
    tile = _check_tile(z, x, y)
    recipe = _check_style(style)
    if isinstance(tilesize, bool) or not isinstance(tilesize, (int, np.integer)) or tilesize not in TILESIZES:
        raise InputError(f"tilesize={tilesize!r}; expected one of {list(TILESIZES)}")
    items = _items_for_tile(str(catalog), day, tile, collection)
    if not items:
        return _transparent_png(tilesize)
    try:
        img, _ = mosaic_reader(
            items,
            _read_item,
            tile,
            bands=recipe.bands,
            tilesize=tilesize,
            mask_clouds=mask_clouds,
            pixel_selection=FirstMethod,
            threads=min(len(items), 4),
            allowed_exceptions=(TileOutsideBounds,),
        )
    except EmptyMosaicError:  # every item's raster misses the tile although its footprint touches it
        return _transparent_png(tilesize)
    return _to_picture(img, recipe).render(img_format="PNG")


def acquisition_dates(
    catalog: str | Path,
    bbox: tuple[float, float, float, float] | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    collection: str | None = DEFAULT_COLLECTION,
) -> list[Acquisition]:
    """Distinct dates (UTC days, oldest first) with at least one item over ``bbox`` (lon/lat), for a date picker.

    ``start`` and ``end`` are inclusive; None means since Sentinel-2A's launch / until today. An empty
    list means no imagery over the box in those dates; a bad box or dates raise :class:`InputError`.
    """
    aoi = _check_bbox(bbox)
    start = _as_date(start) if start is not None else None
    end = _as_date(end) if end is not None else None
    try:
        items = search_items(str(catalog), aoi, start, end, collection)
    except NoImageryError:  # including a box outside the data
        return []
    by_day: dict[dt.date, list[pystac.Item]] = {}
    for it in items:
        by_day.setdefault(_item_time(it).astimezone(dt.UTC).date(), []).append(it)
    out = []
    for day in sorted(by_day):
        its = by_day[day]
        covers = [float(c) for c in (it.properties.get("eo:cloud_cover") for it in its) if c is not None]
        covers = [c for c in covers if math.isfinite(c)]
        cover = round(sum(covers) / len(covers), 2) if covers else None
        out.append(Acquisition(day, tuple(it.id for it in its), cover))
    return out
