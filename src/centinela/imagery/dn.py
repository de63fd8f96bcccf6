"""Digital numbers of a date over a window of the cube's grid, read as cheaply as the files allow.

Detection folds dates into per-pixel state block by block; what it needs of imagery is the raw
uint16 digital numbers of six bands and the SCL of one date over one block. When a date is one STAC
item whose files lie on the cube's own grid (same CRS and pixel size, whole-pixel offset: a single
Sentinel-2 tile loaded in its own UTM zone, as the simulator writes it), the block is read straight
from the COG with rasterio: the same numbers odc-stac would paste (no resampling happens on an aligned
grid), without its per-chunk machinery, which costs more than the decoding itself. Any other date
(several items on one solar day, another CRS, 20 m bands) is read through odc-stac's lazy cube, so the
numbers are always odc-stac's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import dask
import numpy as np
import rasterio
import shapely
import xarray as xr
from rasterio.windows import Window

from .credentials import read_env, read_error
from .cube import RawCube, load_raw
from .masks import CLEAR_SCL
from .sources import REFRESH_MARGIN_S, fresh_href, token_expiry

# Items closer in time than this may share a solar day with another item (odc-stac then fuses them):
# such dates are left to odc-stac.
_ALONE_H = 36
READ_CACHE_MB = 64


@dataclass
class DnCube:
    """Raw digital numbers of a time series on one grid, readable by (date, window); picklable for Dask workers."""

    rc: RawCube
    bands: tuple[str, ...]  # reflectance bands, in the order reads return them
    scale: np.ndarray  # (time, band) float64
    offset: np.ndarray  # (time, band) float64
    wide: np.ndarray  # (band,) bool: factors vary along time, so xarray scales in float64
    clear_classes: tuple[int, ...]
    chunks: int  # side of the blocks it is read by
    hrefs: list[dict[str, str] | None] = field(default_factory=list)  # per date: band -> file, when it is one item
    _blocked: xr.Dataset | None = field(default=None, repr=False, compare=False)

    def __getstate__(self):
        return {**self.__dict__, "_blocked": None}  # rebuilt where needed: cheaper than shipping its graph

    def blocked(self) -> xr.Dataset:
        """The lazy odc-stac cube in block-sized chunks, for the dates not read straight from files."""
        if self._blocked is None:
            self._blocked = self.rc.reload(self.chunks)
        return self._blocked

    @property
    def shape(self) -> tuple[int, int]:
        return self.rc.raw.sizes["y"], self.rc.raw.sizes["x"]

    def reader(self) -> WindowReader:
        return WindowReader(self)


def load_dn(
    source: str | Path,
    aoi: shapely.Geometry | None,
    start: dt.date | None,
    end: dt.date | None,
    bands: Sequence[str],
    chunks: int = 512,
    clear_classes: Sequence[int] = CLEAR_SCL,
    **kw,
) -> DnCube:
    """The dates and grid of :func:`centinela.imagery.load_cube` for ``bands``, as digital numbers."""
    # One chunk per date and band: building odc-stac's graph of a tile in 512 px chunks costs a second,
    # and most dates are read straight from their files; block-sized chunks are made if a date needs them.
    rc = load_raw(source, aoi, start, end, bands=bands, chunks=1 << 20, **kw)
    names = rc.bands
    T = rc.raw.sizes["time"]
    scale, offset, wide = np.empty((T, len(names))), np.empty((T, len(names))), np.zeros(len(names), bool)
    for k, b in enumerate(names):
        sc, of = rc.factors[b]
        wide[k] = not isinstance(sc, float | int)
        scale[:, k] = np.asarray(sc.values if wide[k] else sc, np.float64)
        offset[:, k] = np.asarray(of.values if wide[k] else of, np.float64)
    return DnCube(rc, names, scale, offset, wide, tuple(clear_classes), chunks, _single_item_hrefs(rc, names))


def _single_item_hrefs(rc: RawCube, names: tuple[str, ...]) -> list[dict[str, str] | None]:
    when = np.array([np.datetime64(it.datetime.replace(tzinfo=None), "s") for it in rc.items])
    out = []
    for t in rc.raw.time.values.astype("datetime64[s]"):
        near = np.flatnonzero(np.abs(when - t) < np.timedelta64(_ALONE_H, "h"))
        if len(near) != 1:
            out.append(None)
            continue
        it = rc.items[near[0]]
        out.append(
            {b: it.assets[rc.assets[b]].get_absolute_href() or it.assets[rc.assets[b]].href for b in (*names, "scl")}
        )
    return out


class WindowReader:
    """Reads (date, window) of a :class:`DnCube`; keeps files open between reads. One per thread."""

    def __init__(self, cube: DnCube):
        self.cube = cube
        self._open: dict[str, tuple | None] = {}
        gb = cube.rc.raw.odc.geobox
        self._crs = rasterio.crs.CRS.from_user_input(cube.rc.crs.to_wkt())
        self._transform = gb.affine

    def __enter__(self):
        # Each window is read once, in whole COG tiles: GDAL's block cache (5 % of RAM by default) would
        # only copy every tile once more; a small one reads a tile ~15 % faster. COGs have no side-car
        # files: listing a remote file's "folder" for them costs a request per open (and some servers
        # never answer it).
        self._env = rasterio.Env(GDAL_CACHEMAX=READ_CACHE_MB, GDAL_DISABLE_READDIR_ON_OPEN="EMPTY_DIR")
        self._env.__enter__()
        return self

    def __exit__(self, *exc):
        self.close()
        self._env.__exit__(*exc)

    def close(self) -> None:
        for v in self._open.values():
            if v is not None:
                v[0].close()
        self._open.clear()

    def read(self, t: int, r0: int, c0: int, dn: np.ndarray, scl: np.ndarray) -> None:
        """Fill ``dn`` (bands, h, w) uint16 and ``scl`` (h, w) uint8 with date ``t`` at rows/columns from (r0, c0)."""
        hrefs = self.cube.hrefs[t] if self.cube.hrefs else None
        for k, b in enumerate((*self.cube.bands, "scl")):
            out = scl if b == "scl" else dn[k]
            src = self._aligned(hrefs[b], out.dtype) if hrefs else None
            if src is None:
                self._through_odc(b, t, r0, c0, out)
            else:
                self._direct(src, r0, c0, out)

    def _aligned(self, href: str, dtype) -> tuple | None:
        """(dataset, row offset, column offset, URL opened) when the file is on the cube's grid; None otherwise."""
        if href in self._open and self._open[href] is not None and self._expiring(self._open[href][3]):
            self._open.pop(href)[0].close()  # its SAS token ends soon: reopen with a fresh one
        if href not in self._open:
            url = fresh_href(href)
            try:
                with read_env(url):
                    ds = rasterio.open(url)
            except rasterio.errors.RasterioIOError as exc:
                raise read_error(url, exc, "cannot be opened; expected a Cloud-Optimised GeoTIFF") from None
            a, g = ds.transform, self._transform
            ox, oy = (g.c - a.c) / g.a, (g.f - a.f) / g.e
            aligned = (
                ds.crs == self._crs
                and (a.a, a.b, a.d, a.e) == (g.a, g.b, g.d, g.e)
                and ox == round(ox)
                and oy == round(oy)
                and ds.count >= 1
                and ds.dtypes[0] == np.dtype(dtype).name
                and ds.nodata in (None, 0)
            )
            if not aligned:
                ds.close()
            self._open[href] = (ds, int(round(oy)), int(round(ox)), url) if aligned else None
        return self._open[href]

    @staticmethod
    def _expiring(url: str) -> bool:
        exp = token_expiry(url)
        return exp is not None and (exp - dt.datetime.now(dt.UTC)).total_seconds() < REFRESH_MARGIN_S

    def _direct(self, src: tuple, r0: int, c0: int, out: np.ndarray) -> None:
        ds, oy, ox, url = src
        h, w = out.shape
        fr0, fc0 = r0 + oy, c0 + ox  # the window in the file's pixels
        rr0, cc0 = max(fr0, 0), max(fc0, 0)
        rr1, cc1 = min(fr0 + h, ds.height), min(fc0 + w, ds.width)
        if rr0 >= rr1 or cc0 >= cc1:
            out[...] = 0
            return
        inner = out[rr0 - fr0 : rr1 - fr0, cc0 - fc0 : cc1 - fc0]
        if inner.shape != out.shape:
            out[...] = 0  # outside the file: no data, as odc-stac fills it
        try:
            with read_env(url):
                ds.read(1, window=Window(cc0, rr0, cc1 - cc0, rr1 - rr0), out=inner)
        except rasterio.errors.RasterioIOError as exc:
            raise read_error(
                url,
                exc,
                f"pixels cannot be decoded at rows {rr0}–{rr1}, columns {cc0}–{cc1}; the file is corrupt or truncated",
            ) from None

    def _through_odc(self, band: str, t: int, r0: int, c0: int, out: np.ndarray) -> None:
        h, w = out.shape
        with dask.config.set(scheduler="sync"):  # already on a worker thread: read here
            out[...] = self.cube.blocked()[band].isel(time=t, y=slice(r0, r0 + h), x=slice(c0, c0 + w)).values
