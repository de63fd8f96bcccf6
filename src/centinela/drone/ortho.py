"""Orthomosaic files: validation, window-by-window reading, COG conversion and raster outputs.

The only module of :mod:`centinela.drone` that opens rasters. An orthomosaic as OpenDroneMap writes it
(``odm_orthophoto.tif``) is an RGBA uint8 GeoTIFF in a UTM CRS, alpha 0 outside the flown area; a
multispectral one has red, green, blue, NIR (and red-edge…) bands named in the band descriptions, uint16
or float32, and an alpha band. :func:`open_ortho` checks what analysis needs and says what is wrong:

- georeferenced: a CRS and a north-up geotransform (ground control points alone are not enough);
- projected, in metres, without large area distortion: areas are counted in pixels × pixel area. A
  geographic CRS (degrees) or a Mercator one (Web Mercator inflates areas by 1/cos²(latitude): +5 % in
  Madre de Dios) is refused unless the caller asks for it explicitly (``allow_geographic``), which
  ``ingest --reproject`` does to warp it to its UTM zone first;
- drone resolution: pixels of :data:`MAX_RES_M` (0.5 m) or finer — coarser is satellite or aerial
  imagery, which :command:`centinela detect` handles — and not absurdly fine (:data:`MIN_RES_M`),
  which betrays degrees labelled as metres;
- at least red, green and blue, identified by band description, then colour interpretation, then
  position (1-2-3) when nothing says otherwise; or named by the caller (``bands``).

Large orthomosaics are read in :data:`BLOCK` × :data:`BLOCK` windows (plus a halo for texture
measures), so memory does not grow with the file.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import rasterio
import rasterio.shutil
import shapely
from affine import Affine
from pyproj import CRS, Transformer
from rasterio import features
from rasterio.enums import ColorInterp, Resampling
from rasterio.errors import NotGeoreferencedWarning, RasterioError
from rasterio.windows import Window

from ..errors import InputError, RasterReadError

log = logging.getLogger(__name__)

MAX_RES_M = 0.5
"""Coarsest pixel accepted: drone orthomosaics are ~1–10 cm at usual flight heights (60–120 m); 0.5 m
leaves room for high flights and downsampled mosaics. Coarser imagery is not a drone orthomosaic."""
MIN_RES_M = 0.005
"""Finest pixel accepted (5 mm): finer usually means a CRS in degrees labelled as metres."""
BLOCK = 1024
"""Window side in pixels for processing: 1024² × 5 float32 bands ≈ 20 MB, whatever the file's size."""
COLOUR_BANDS = ("red", "green", "blue")
KNOWN_BANDS = ("red", "green", "blue", "nir", "rededge")
DTYPES = ("uint8", "uint16", "int16", "float32", "float64")
COG_OPTIONS = MappingProxyType({"compress": "DEFLATE", "predictor": "YES", "blocksize": "512", "BIGTIFF": "IF_SAFER"})

_ALIASES = {
    "r": "red",
    "red": "red",
    "g": "green",
    "green": "green",
    "b": "blue",
    "blue": "blue",
    "nir": "nir",
    "nearir": "nir",
    "nearinfrared": "nir",
    "infrared": "nir",
    "n": "nir",
    "re": "rededge",
    "rededge": "rededge",
    "alpha": "alpha",
    "mask": "alpha",
}
_COLORINTERP = {
    ColorInterp.red: "red",
    ColorInterp.green: "green",
    ColorInterp.blue: "blue",
    ColorInterp.alpha: "alpha",
}
_DATE_IN_NAME = re.compile(r"(?<!\d)(20\d{2})[-_]?(0[1-9]|1[0-2])[-_]?(0[1-9]|[12]\d|3[01])(?!\d)")


@dataclass(frozen=True)
class OrthoInfo:
    """What was learnt about an orthomosaic when it was validated.

    Attributes:
        path: the file.
        crs: its CRS as text (``EPSG:32719`` where it has an EPSG code, WKT otherwise).
        transform, width, height, bounds: the grid (bounds in the CRS).
        res_m: pixel size in metres (mean of x and y).
        dtype, count: data type and number of bands in the file.
        bands: name → 1-based band index, for red, green, blue and any of nir, rededge.
        alpha: 1-based index of the alpha band, or None.
        nodata: the declared no-data value, or None.
        flight_date, date_source: the flight's date and where it was found (``option``, ``tag``,
            ``filename``, ``tiff_datetime``), or None.
        simulated: the file says it was made by Centinela's simulator.
        geographic: the CRS is in degrees or Mercator, so areas must not be measured on it as is (only
            when validated with ``allow_geographic``; ``ingest --reproject`` warps it to UTM).
    """

    path: Path
    crs: str
    transform: Affine
    width: int
    height: int
    bounds: tuple[float, float, float, float]
    res_m: float
    dtype: str
    count: int
    bands: Mapping[str, int]
    alpha: int | None
    nodata: float | None
    flight_date: dt.date | None
    date_source: str | None
    simulated: bool = False
    geographic: bool = False

    @property
    def multispectral(self) -> bool:
        return "nir" in self.bands

    @property
    def band_set(self) -> tuple[str, ...]:
        return tuple(b for b in KNOWN_BANDS if b in self.bands)

    @property
    def pixel_area_m2(self) -> float:
        return abs(self.transform.a * self.transform.e) * _unit_factor(self.crs) ** 2

    @property
    def linear(self) -> bool:
        """Values are linear (reflectance or raw DN), not a camera's gamma-encoded 8-bit RGB."""
        return self.dtype != "uint8"

    @property
    def full_scale(self) -> float:
        """The value of full brightness for this data type (8-bit camera RGB: 255)."""
        return 255.0 if self.dtype == "uint8" else 65535.0 if self.dtype == "uint16" else 1.0

    def footprint_box(self) -> shapely.Geometry:
        return shapely.box(*self.bounds)


def _unit_factor(crs: str) -> float:
    c = CRS.from_user_input(crs)
    if c.is_geographic:
        return 1.0
    try:
        return float(c.axis_info[0].unit_conversion_factor)
    except (IndexError, AttributeError):
        return 1.0


def _is_mercator(crs: str) -> bool:
    """Normal-aspect Mercator (Web Mercator, Mercator A/B), not Transverse Mercator (UTM)."""
    op = CRS.from_user_input(crs).coordinate_operation
    name = (op.method_name if op is not None else "").lower()
    return "mercator" in name and "transverse" not in name


def _crs_text(crs) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_wkt()


def _band_name(text: str | None) -> str | None:
    if not text:
        return None
    key = re.sub(r"[^a-z]", "", text.lower())  # "Blue-444", "NIR_842", "Red edge" → blue, nir, rededge
    return _ALIASES.get(key)


def _parse_bands(bands: str | Sequence[str], count: int, path: Path) -> tuple[dict[str, int], int | None]:
    names = [b.strip().lower() for b in (bands.split(",") if isinstance(bands, str) else bands)]
    if len(names) > count:
        raise InputError(f"{path}: --bands names {len(names)} bands ({','.join(names)}) but the file has {count}")
    out, alpha = {}, None
    for i, n in enumerate(names, start=1):
        if n in ("", "-", "skip"):
            continue
        if n == "alpha":
            alpha = i
        elif n in KNOWN_BANDS:
            if n in out:
                raise InputError(f"{path}: --bands names '{n}' twice")
            out[n] = i
        else:
            raise InputError(f"{path}: --bands: unknown band name '{n}'; expected {', '.join(KNOWN_BANDS)}, alpha or -")
    return out, alpha


def _identify_bands(src, path: Path) -> tuple[dict[str, int], int | None]:
    """Band names from descriptions (multispectral ODM names them), then colour interpretation (RGB
    photos), then position; the alpha band from colour interpretation or a description."""
    out, alpha = {}, None
    for i in range(1, src.count + 1):
        name = _band_name(src.descriptions[i - 1]) or _COLORINTERP.get(src.colorinterp[i - 1])
        if name == "alpha":
            alpha = alpha or i
        elif name and name not in out:
            out[name] = i
    if not all(b in out for b in COLOUR_BANDS):
        plain = [i for i in range(1, src.count + 1) if i != alpha and i not in out.values()]
        if not any(b in out for b in COLOUR_BANDS) and len(plain) >= 3:
            # Nothing names the bands: take the usual order red, green, blue (and a 4th uint8 band as alpha).
            out.update(red=plain[0], green=plain[1], blue=plain[2])
            if alpha is None and src.count == 4 and src.dtypes[3] == "uint8" and len(plain) == 4:
                alpha = plain[3]
    return out, alpha


def _describe(src) -> str:
    parts = []
    for i in range(1, src.count + 1):
        d = src.descriptions[i - 1] or src.colorinterp[i - 1].name
        parts.append(f"{i}:{d}")
    return ", ".join(parts)


def _flight_date(src, path: Path, date: dt.date | str | None) -> tuple[dt.date | None, str | None]:
    if date is not None:
        if isinstance(date, dt.date):
            return date, "option"
        try:
            return dt.date.fromisoformat(str(date)), "option"
        except ValueError:
            raise InputError(f"flight date {date!r}: expected YYYY-MM-DD") from None
    tags = src.tags()
    for key in ("FLIGHT_DATE", "ACQUISITION_DATE", "ACQUISITIONDATETIME", "CENTINELA_FLIGHT_DATE"):
        if key in tags:
            try:
                return dt.date.fromisoformat(tags[key][:10].replace(":", "-")), "tag"
            except ValueError:
                pass
    m = _DATE_IN_NAME.search(path.name)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3])), "filename"
        except ValueError:
            pass
    stamp = tags.get("TIFFTAG_DATETIME")
    if stamp:  # TIFF's DateTime is when the file was made: for an orthomosaic often the processing day
        try:
            return dt.datetime.strptime(stamp.strip()[:19], "%Y:%m:%d %H:%M:%S").date(), "tiff_datetime"
        except ValueError:
            pass
    return None, None


def open_ortho(
    path: str | Path,
    bands: str | Sequence[str] | None = None,
    date: dt.date | str | None = None,
    allow_geographic: bool = False,
) -> OrthoInfo:
    """Validate an orthomosaic and describe it; raise :class:`InputError` (bad content) or
    :class:`RasterReadError` (unreadable file) naming the file and what was expected."""
    path = Path(path)
    if not path.exists():
        raise InputError(
            f"{path}: file not found (expected a georeferenced orthomosaic GeoTIFF such as "
            "OpenDroneMap's odm_orthophoto.tif)"
        )
    if path.is_dir():
        raise InputError(
            f"{path}: is a folder; expected an orthomosaic GeoTIFF "
            "(in an ODM project: odm_orthophoto/odm_orthophoto.tif)"
        )
    try:
        with warnings.catch_warnings():
            # An ungeoreferenced file is refused below with a clearer message than rasterio's warning.
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            src = rasterio.open(path)
    except RasterioError as exc:
        raise RasterReadError(f"{path}: cannot be read as a raster ({exc}); expected a GeoTIFF orthomosaic") from exc
    with src:
        if src.crs is None:
            gcps, _ = src.gcps
            hint = (
                (
                    f" It has {len(gcps)} ground control points but no geotransform: warp it first "
                    "(gdalwarp -t_srs EPSG:32719 in.tif out.tif)."
                )
                if gcps
                else ""
            )
            raise InputError(
                f"{path}: not georeferenced (no coordinate reference system); expected a GeoTIFF with a "
                f"projected CRS such as UTM 19S (EPSG:32719), as OpenDroneMap writes.{hint}"
            )
        t = src.transform
        if t.is_identity or (t.a == 1 and t.e == 1 and t.c == 0 and t.f == 0):
            raise InputError(
                f"{path}: not georeferenced (CRS {_crs_text(src.crs)} but no geotransform); "
                "expected pixel size and origin in the file"
            )
        if abs(t.b) > 1e-12 or abs(t.d) > 1e-12:
            raise InputError(
                f"{path}: the grid is rotated; expected a north-up orthomosaic (warp it with gdalwarp first)"
            )
        crs = _crs_text(src.crs)
        geographic = bool(src.crs.is_geographic)
        mercator = _is_mercator(crs)
        if geographic:
            lat = (src.bounds.top + src.bounds.bottom) / 2
            res_m = float(np.mean([abs(t.a) * 111320 * np.cos(np.radians(lat)), abs(t.e) * 110574]))
        else:
            res_m = float(np.mean([abs(t.a), abs(t.e)])) * _unit_factor(crs)
        if mercator:  # Mercator metres are stretched by 1/cos(latitude): the pixel on the ground is smaller
            lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(
                (src.bounds.left + src.bounds.right) / 2, (src.bounds.top + src.bounds.bottom) / 2
            )[1]
            res_m *= float(np.cos(np.radians(lat)))
        if res_m > MAX_RES_M:
            raise InputError(
                f"{path}: pixels are {res_m:.2f} m; a drone orthomosaic has pixels of {MAX_RES_M} m or finer "
                "(satellite imagery goes through `centinela detect`)"
            )
        if res_m < MIN_RES_M:
            raise InputError(
                f"{path}: pixels of {res_m:.2g} m are implausibly small for a drone orthomosaic; "
                f"is the CRS ({crs}) right (coordinates in degrees labelled as metres?)"
            )
        if geographic and not allow_geographic:
            raise InputError(
                f"{path}: CRS {crs} is geographic (degrees); areas need metres. Ingest it with --reproject "
                "(warped to its UTM zone), or reproject it first (gdalwarp -t_srs EPSG:32719 …)"
            )
        if mercator and not allow_geographic:
            raise InputError(
                f"{path}: CRS {crs} is a Mercator projection, whose areas are {1 / np.cos(np.radians(lat)) ** 2:.3f}× "
                "too large here; ingest it with --reproject (warped to its UTM zone) or reproject it first"
            )
        if src.dtypes[0] not in DTYPES:
            raise InputError(f"{path}: data type {src.dtypes[0]}; expected one of {', '.join(DTYPES)}")
        if bands is not None:
            names, alpha = _parse_bands(bands, src.count, path)
        else:
            names, alpha = _identify_bands(src, path)
        missing = [b for b in COLOUR_BANDS if b not in names]
        if missing:
            raise InputError(
                f"{path}: {src.count} band(s) ({_describe(src)}); expected at least red, green and blue "
                f"(missing {', '.join(missing)}). Name them with --bands, e.g. --bands red,green,blue,nir,alpha"
            )
        flight_date, source = _flight_date(src, path, date)
        info = OrthoInfo(
            path=path,
            crs=crs,
            transform=t,
            width=src.width,
            height=src.height,
            bounds=tuple(src.bounds),
            res_m=res_m,
            dtype=src.dtypes[0],
            count=src.count,
            bands=MappingProxyType(dict(names)),
            alpha=alpha,
            nodata=src.nodata,
            flight_date=flight_date,
            date_source=source,
            simulated=src.tags().get("CENTINELA_SIMULATED", "").lower() == "true",
            geographic=geographic or mercator,
        )
        _probe(src, info)
    return info


def _probe(src, info: OrthoInfo) -> None:
    """Decode a few pixels (a small overview, or the first block) so a truncated or corrupt file fails now."""
    try:
        src.read(info.bands["red"], out_shape=(min(64, src.height), min(64, src.width)), resampling=Resampling.nearest)
    except RasterioError as exc:
        raise RasterReadError(
            f"{info.path}: pixels cannot be decoded ({exc}); the file is corrupt or truncated"
        ) from exc


# --- reading window by window ---------------------------------------------------------------------


def block_windows(height: int, width: int, block: int = BLOCK, within: Window | None = None) -> list[Window]:
    """Windows tiling ``within`` (default: the whole grid) in ``block`` steps."""
    r0, c0 = (int(within.row_off), int(within.col_off)) if within is not None else (0, 0)
    h, w = (int(within.height), int(within.width)) if within is not None else (height, width)
    return [
        Window(c, r, min(block, c0 + w - c), min(block, r0 + h - r))
        for r in range(r0, r0 + h, block)
        for c in range(c0, c0 + w, block)
    ]


@dataclass
class Block:
    """Pixels of one window with ``halo`` extra pixels on each side (edge-padded where outside the file)."""

    window: Window  # the inner window, in the file's pixel grid
    halo: int
    data: dict[str, np.ndarray]  # band name → float32 (h + 2·halo, w + 2·halo)
    valid: np.ndarray  # bool, same shape: inside the flown area and not no-data

    @property
    def inner(self) -> tuple[slice, slice]:
        h, w = int(self.window.height), int(self.window.width)
        return slice(self.halo, self.halo + h), slice(self.halo, self.halo + w)

    def transform(self, grid: Affine) -> Affine:
        """Transform of the haloed block in a grid whose origin transform is ``grid``."""
        return grid @ Affine.translation(self.window.col_off - self.halo, self.window.row_off - self.halo)


class OrthoReader:
    """An open orthomosaic that reads haloed blocks; use as a context manager."""

    def __init__(self, info: OrthoInfo):
        self.info = info
        try:
            self.src = rasterio.open(info.path)
        except RasterioError as exc:
            raise RasterReadError(f"{info.path}: cannot be opened ({exc})") from exc

    def __enter__(self) -> OrthoReader:
        return self

    def __exit__(self, *exc) -> None:
        self.src.close()

    def read(self, window: Window, halo: int = 0, names: Sequence[str] | None = None) -> Block:
        info = self.info
        names = list(names or info.band_set)
        r0, c0 = int(window.row_off) - halo, int(window.col_off) - halo
        h, w = int(window.height) + 2 * halo, int(window.width) + 2 * halo
        rr0, cc0 = max(r0, 0), max(c0, 0)
        rr1, cc1 = min(r0 + h, info.height), min(c0 + w, info.width)
        if rr1 <= rr0 or cc1 <= cc0:
            empty = {n: np.zeros((h, w), np.float32) for n in names}
            return Block(window, halo, empty, np.zeros((h, w), bool))
        win = Window(cc0, rr0, cc1 - cc0, rr1 - rr0)
        idx = [info.bands[n] for n in names]
        try:
            arr = self.src.read(idx, window=win).astype(np.float32)
            if info.alpha is not None:
                valid = self.src.read(info.alpha, window=win) > 0
            elif info.nodata is not None:
                valid = ~np.any(arr == np.float32(info.nodata), axis=0)
            else:
                valid = self.src.read_masks(idx[0], window=win) > 0
                # No alpha and no no-data value: black (0, 0, 0) is the fill of the mosaic's edges.
                valid &= arr[: len(COLOUR_BANDS)].sum(axis=0) > 0
        except RasterioError as exc:
            raise RasterReadError(
                f"{info.path}: cannot read pixels at rows {rr0}–{rr1}, columns {cc0}–{cc1} ({exc}); "
                "the file is corrupt or truncated"
            ) from exc
        valid &= np.all(np.isfinite(arr), axis=0)
        pad = ((rr0 - r0, r0 + h - rr1), (cc0 - c0, c0 + w - cc1))
        if any(p for pair in pad for p in pair):
            arr = np.pad(arr, ((0, 0), *pad), mode="edge")
            valid = np.pad(valid, pad, mode="constant", constant_values=False)
        return Block(window, halo, {n: arr[i] for i, n in enumerate(names)}, valid)

    def overview(
        self, max_px: int, names: Sequence[str] | None = None, window: Window | None = None
    ) -> tuple[dict[str, np.ndarray], np.ndarray, Affine]:
        """Bands and validity decimated so the longer side is at most ``max_px`` (read from the COG's
        overviews where there are some), with the transform of that coarse grid."""
        info = self.info
        win = window or Window(0, 0, info.width, info.height)
        k = max(1, int(np.ceil(max(win.width, win.height) / max_px)))
        shape = (max(1, int(round(win.height / k))), max(1, int(round(win.width / k))))
        names = list(names or info.band_set)
        try:
            arr = self.src.read(
                [info.bands[n] for n in names],
                window=win,
                out_shape=(len(names), *shape),
                resampling=Resampling.average,
            ).astype(np.float32)
            if info.alpha is not None:
                valid = self.src.read(info.alpha, window=win, out_shape=shape, resampling=Resampling.nearest) > 0
            else:
                valid = self.src.read_masks(info.bands[names[0]], window=win, out_shape=shape) > 0
        except RasterioError as exc:
            raise RasterReadError(
                f"{info.path}: cannot read an overview ({exc}); the file is corrupt or truncated"
            ) from exc
        base = self.src.window_transform(win)
        t = base @ Affine.scale(win.width / shape[1], win.height / shape[0])
        return {n: arr[i] for i, n in enumerate(names)}, valid, t


def valid_footprint(info: OrthoInfo, max_px: int = 512) -> shapely.Geometry:
    """The flown area (valid pixels) as a polygon in the orthomosaic's CRS, from a coarse mask."""
    with OrthoReader(info) as r:
        _, valid, t = r.overview(max_px, names=["red"])
    if not valid.any():
        return shapely.Polygon()
    shapes = [
        shapely.geometry.shape(g) for g, v in features.shapes(valid.astype(np.uint8), mask=valid, transform=t) if v
    ]
    return shapely.make_valid(shapely.union_all(shapes).simplify(abs(t.a)))


# --- COG conversion and outputs -------------------------------------------------------------------


def utm_crs(info: OrthoInfo) -> str:
    """The UTM zone (WGS 84) of the orthomosaic's centre, e.g. EPSG:32719 in Madre de Dios."""
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_utm_crs_info

    x0, y0, x1, y1 = Transformer.from_crs(info.crs, "EPSG:4326", always_xy=True).transform_bounds(*info.bounds)
    lon, lat = (x0 + x1) / 2, (y0 + y1) / 2
    found = query_utm_crs_info(datum_name="WGS 84", area_of_interest=AreaOfInterest(lon, lat, lon, lat))
    if not found:
        raise InputError(f"{info.path}: no UTM zone found for {lat:.4f}, {lon:.4f}")
    return f"EPSG:{found[0].code}"


def to_cog(info: OrthoInfo, dst: Path, target_crs: str | None = None, res_m: float | None = None) -> Path:
    """Copy (or, with ``target_crs``, warp) the orthomosaic into a Cloud-Optimized GeoTIFF at ``dst``.

    GDAL's COG driver streams the copy and builds the overviews itself, so memory stays bounded. The
    copy is lossless (deflate) so the stored file gives the same numbers as the original. Written to a
    temporary name and renamed, so a crash never leaves a half file under the final name.
    """
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".part")
    opts = dict(COG_OPTIONS, overview_resampling="AVERAGE")
    if target_crs:
        opts.update(TARGET_SRS=target_crs, RESAMPLING="BILINEAR")
        if res_m:
            opts["RES"] = str(res_m)
    try:
        rasterio.shutil.copy(info.path, tmp, driver="COG", **opts)
        os.replace(tmp, dst)
    except RasterioError as exc:
        raise RasterReadError(f"{info.path}: cannot be converted to a Cloud-Optimized GeoTIFF ({exc})") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return dst


@contextmanager
def raster_out(
    path: Path,
    crs: str,
    transform: Affine,
    width: int,
    height: int,
    count: int,
    dtype: str,
    nodata: float | None = None,
    descriptions: Sequence[str] = (),
    colormap: Mapping[int, tuple] | None = None,
    overview_resampling: str = "NEAREST",
    tags: Mapping[str, str] | None = None,
) -> Iterator:
    """A tiled GeoTIFF written window by window, turned into a COG when the block exits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.tif")
    prof = dict(
        driver="GTiff",
        crs=crs,
        transform=transform,
        width=width,
        height=height,
        count=count,
        dtype=dtype,
        nodata=nodata,
        tiled=True,
        blockxsize=512,
        blockysize=512,
        compress="deflate",
        BIGTIFF="IF_SAFER",
    )
    try:
        with rasterio.open(tmp, "w", **prof) as dst:
            for i, d in enumerate(descriptions, start=1):
                dst.set_band_description(i, d)
            if colormap:
                dst.write_colormap(1, dict(colormap))
            if tags:
                dst.update_tags(**tags)
            yield dst
        rasterio.shutil.copy(
            tmp,
            path,
            driver="COG",
            compress="DEFLATE",
            blocksize="512",
            BIGTIFF="IF_SAFER",
            overview_resampling=overview_resampling,
            predictor="YES" if dtype.startswith("float") else "NO",
        )
    finally:
        tmp.unlink(missing_ok=True)


def read_decimated(
    path: Path, max_px: int = 2000, resampling: Resampling = Resampling.nearest
) -> tuple[np.ndarray, Affine]:
    """First band of a raster this package wrote, decimated so its longer side is ≤ ``max_px`` (for pictures)."""
    with rasterio.open(path) as src:
        k = max(1, int(np.ceil(max(src.width, src.height) / max_px)))
        shape = (max(1, src.height // k), max(1, src.width // k))
        arr = src.read(1, out_shape=shape, resampling=resampling)
        t = src.transform @ Affine.scale(src.width / shape[1], src.height / shape[0])
    return arr, t


def progress_adapter(progress: Callable[[int, int], None] | None) -> Callable[[int, int], None]:
    return progress or (lambda done, total: None)
