"""Best-available clear composite: for each pixel, its most recent clear observation over a window of weeks.

Madre de Dios is cloudy most of the year, so a single day's mosaic is mostly cloud. A map background built
from "the latest pixel that was clear" over the last few weeks shows the ground almost everywhere, at the
price of mixing dates (the window is stated next to the map, so nobody reads it as one day's picture).

Clear means an SCL class in :data:`.masks.CLEAR_SCL` (vegetation, bare, water): cloud, cloud shadow,
cirrus, snow, no data, dark and unclassified pixels are never taken.

The array functions (:func:`latest_clear`, :func:`fill_gaps`) work on plain numpy arrays;
:func:`render_composite_tile` applies them to one XYZ tile with the machinery of :mod:`.tiles` (rio-tiler
reads, the same fixed styles), reading items newest first and stopping once every pixel is filled.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pystac
import shapely
from morecantile import Tile
from rio_tiler.errors import TileOutsideBounds
from rio_tiler.models import ImageData

from ..errors import AOIOutsideDataError, InputError, NoImageryError
from . import tiles as T
from .masks import CLEAR_SCL
from .stac import DEFAULT_COLLECTION, search_items

__all__ = ["DEFAULT_WEEKS", "MAX_WEEKS", "fill_gaps", "latest_clear", "render_composite_tile", "window"]

DEFAULT_WEEKS = 6
"""Six weeks: about eight Sentinel-2 passes (5-day revisit), enough for most pixels of a cloudy season to
have one clear look, short enough that a new clearing shows up within the window."""

MAX_WEEKS = 26
READ_THREADS = 3  # items read side by side for one tile (each item itself reads its 4 files in threads)
"""Half a year at most: older pixels would show forest where there is a pit now."""


def window(until: dt.date | str, weeks: int = DEFAULT_WEEKS) -> tuple[dt.date, dt.date]:
    """The first and last day (inclusive) of the ``weeks`` weeks ending on ``until``."""
    end = T._as_date(until)
    if isinstance(weeks, bool) or not isinstance(weeks, (int, np.integer)) or not 1 <= weeks <= MAX_WEEKS:
        raise InputError(f"weeks={weeks!r}; expected a whole number of weeks from 1 to {MAX_WEEKS}")
    return end - dt.timedelta(days=7 * int(weeks) - 1), end


def clear_mask(scl: np.ndarray, classes: Iterable[int] = CLEAR_SCL) -> np.ndarray:
    """True where the SCL class is clear."""
    return np.isin(np.asarray(scl), list(classes))


def latest_clear(values: np.ndarray, clear: np.ndarray) -> tuple[np.ma.MaskedArray, np.ndarray]:
    """Per pixel, the value of the latest clear observation.

    Args:
        values: (time, band, y, x) or (time, y, x), oldest first.
        clear: (time, y, x) booleans, True where that observation is clear.

    Returns:
        the composite, (band, y, x) or (y, x), masked where no observation was clear; and the time index
        each pixel came from, -1 where none.
    """
    values, clear = np.asarray(values), np.asarray(clear, dtype=bool)
    if clear.shape != (values.shape[0], *values.shape[-2:]):
        raise InputError(f"clear mask of shape {clear.shape} does not match values of shape {values.shape}")
    n = clear.shape[0]
    newest_first = clear[::-1]
    any_clear = newest_first.any(axis=0)
    index = np.where(any_clear, n - 1 - newest_first.argmax(axis=0), -1)
    take = np.clip(index, 0, None)
    if values.ndim == 4:
        picked = np.take_along_axis(values, take[None, None], axis=0)[0]
        mask = np.broadcast_to(~any_clear, picked.shape)
    else:
        picked = np.take_along_axis(values, take[None], axis=0)[0]
        mask = ~any_clear
    return np.ma.MaskedArray(picked, mask=mask.copy()), index


def fill_gaps(acc: np.ma.MaskedArray | None, new: np.ma.MaskedArray) -> np.ma.MaskedArray:
    """``acc`` with its masked pixels taken from ``new`` (an older observation, masked where not clear).

    Called newest observation first, this builds :func:`latest_clear` one observation at a time, so that a
    tile can stop reading once every pixel has a value.
    """
    if acc is None:
        return np.ma.MaskedArray(new.data.copy(), mask=np.ma.getmaskarray(new).copy())
    gap = np.ma.getmaskarray(acc) & ~np.ma.getmaskarray(new)
    data = np.where(gap, new.data, acc.data)
    return np.ma.MaskedArray(data, mask=np.ma.getmaskarray(acc) & ~gap)


# --- tiles ----------------------------------------------------------------------------------------


def _newest_first(item: pystac.Item) -> tuple:
    """Newest first; on the same day least cloudy first (as :mod:`.tiles` mosaics one day)."""
    return (-T._item_time(item).timestamp(), *T._mosaic_order(item))


@functools.lru_cache(maxsize=T.SEARCH_CACHE_SIZE)
def _window_items(catalog: str, start: dt.date, end: dt.date, area: Tile, collection: str | None) -> T._DayItems | None:
    """Items of the window over the ``area`` tile, newest first; None when the window has no imagery at all."""
    box = shapely.box(*T.TMS.bounds(area))
    try:
        found = search_items(catalog, box, start, end, collection)
    except AOIOutsideDataError:
        return T._DayItems((), ())
    except NoImageryError:
        return None
    found = sorted(found, key=_newest_first)
    prints = tuple(shapely.geometry.shape(it.geometry) if it.geometry else shapely.box(*it.bbox) for it in found)
    for p in prints:
        shapely.prepare(p)
    return T._DayItems(tuple(found), prints)


def clear_cache() -> None:
    """Forget cached window searches (after items were added to a served catalog)."""
    _window_items.cache_clear()


def render_composite_tile(
    catalog: str | Path,
    until: dt.date | str,
    z: int,
    x: int,
    y: int,
    weeks: int = DEFAULT_WEEKS,
    style: str = "true",
    tilesize: int = 256,
    collection: str | None = DEFAULT_COLLECTION,
) -> bytes:
    """PNG (RGBA) of tile z/x/y: each pixel from its latest clear observation in the ``weeks`` ending ``until``.

    Transparent where no observation of the window was clear (or outside every footprint). Raises
    :class:`InputError` for a bad date, weeks, tile, style or size and :class:`NoImageryError` when the
    catalog has no item at all in the window.
    """
    start, end = window(until, weeks)
    tile = T._check_tile(z, x, y)
    recipe = T._check_style(style)
    if isinstance(tilesize, bool) or not isinstance(tilesize, (int, np.integer)) or tilesize not in T.TILESIZES:
        raise InputError(f"tilesize={tilesize!r}; expected one of {list(T.TILESIZES)}")
    area = T.TMS.parent(tile, zoom=T.SEARCH_ZOOM)[0] if tile.z > T.SEARCH_ZOOM else tile
    found = _window_items(str(catalog), start, end, area, collection)
    if found is None:
        raise NoImageryError(f"{catalog}: no imagery from {start:%Y-%m-%d} to {end:%Y-%m-%d}")
    box = shapely.box(*T.TMS.bounds(tile))
    todo = [it for it, p in zip(found.items, found.footprints, strict=True) if p.intersects(box)]

    def read(item: pystac.Item) -> np.ma.MaskedArray | None:
        try:
            return T._read_item(item, tile, bands=recipe.bands, tilesize=tilesize, mask_clouds=True).array
        except TileOutsideBounds:
            return None

    acc = None
    # A few items at a time, read side by side (each is 4 files), then applied newest first: a tile that is
    # filled after the first batch reads nothing older (the usual case inside a scene).
    with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
        for i in range(0, len(todo), READ_THREADS):
            for arr in pool.map(read, todo[i : i + READ_THREADS]):
                if arr is not None:
                    acc = fill_gaps(acc, arr)
            if acc is not None and not np.ma.getmaskarray(acc).any():
                break  # every pixel has its latest clear value: older items cannot change the picture
    if acc is None:
        return T._transparent_png(tilesize)
    return T._to_picture(ImageData(acc), recipe).render(img_format="PNG")
