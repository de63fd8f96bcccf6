"""XYZ web-map tiles (WebMercatorQuad PNG) of a stored drone orthomosaic, read with rio-tiler.

The stored copy is a COG (:mod:`.flights`), so a tile reads only the internal blocks or overview it needs.
8-bit camera RGB is shown as it is; linear (multispectral) data are stretched with the flight's 2–98 %
range recorded at ingestion, with a 1/2.2 gamma so it looks like a photo. Outside the flown area (alpha
0) and outside the file the tile is transparent, never an error: a map asks for every tile of the view.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import rasterio
from rasterio.errors import RasterioError
from rio_tiler.constants import WEB_MERCATOR_TMS
from rio_tiler.errors import TileOutsideBounds
from rio_tiler.io import Reader
from rio_tiler.models import ImageData

from ..errors import InputError, RasterReadError

TMS = WEB_MERCATOR_TMS
MIN_ZOOM, MAX_ZOOM = 0, 24
"""Zooms served: 24 is ~1 cm at the equator, finer than any drone orthomosaic (tiles are just upsampled)."""
TILESIZES = (256, 512)


@functools.lru_cache(maxsize=len(TILESIZES))
def transparent_png(tilesize: int = 256) -> bytes:
    return ImageData(np.ma.masked_all((3, tilesize, tilesize), dtype=np.uint8)).render(img_format="PNG")


def check_tile(z: int, x: int, y: int, tilesize: int = 256) -> None:
    for name, v in (("z", z), ("x", x), ("y", y)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise InputError(f"tile {name}={v!r}: expected an integer")
    if not MIN_ZOOM <= z <= MAX_ZOOM:
        raise InputError(f"tile zoom {z}: expected {MIN_ZOOM}–{MAX_ZOOM}")
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise InputError(f"tile {z}/{x}/{y}: x and y must be 0 … 2^z − 1 = {2**z - 1}")
    if tilesize not in TILESIZES:
        raise InputError(f"tilesize={tilesize!r}; expected one of {list(TILESIZES)}")


def render_ortho_tile(
    path: str | Path,
    z: int,
    x: int,
    y: int,
    rgb: Sequence[int] = (1, 2, 3),
    display_min: Sequence[float] | None = None,
    display_max: Sequence[float] | None = None,
    tilesize: int = 256,
) -> bytes:
    """PNG (RGBA) of tile z/x/y of the orthomosaic at ``path``; ``rgb`` are the 1-based band indexes of
    red, green and blue; ``display_min``/``display_max`` the stretch for non-8-bit data."""
    check_tile(z, x, y, tilesize)
    try:
        with rasterio.Env(GDAL_DISABLE_READDIR_ON_OPEN="EMPTY_DIR"), Reader(str(path), tms=TMS) as src:
            if not src.tile_exists(x, y, z):
                return transparent_png(tilesize)
            # Bilinear for the photo (smooth when zoomed past its pixels); the mask follows the alpha band.
            img = src.tile(
                x, y, z, tilesize=tilesize, indexes=list(rgb), resampling_method="bilinear", reproject_method="bilinear"
            )
    except TileOutsideBounds:
        return transparent_png(tilesize)
    except RasterioError as exc:
        raise RasterReadError(f"{path}: cannot read tile {z}/{x}/{y} ({exc})") from exc
    if img.array.dtype != np.uint8:
        lo = display_min or [float(np.nanmin(img.array))] * 3
        hi = display_max or [float(np.nanmax(img.array))] * 3
        img.rescale(in_range=[(float(a), float(b)) for a, b in zip(lo, hi, strict=True)])
        img.apply_color_formula("gamma rgb 2.2")
    return img.render(img_format="PNG")
