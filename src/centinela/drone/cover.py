"""Cover classes of an orthomosaic — vegetation, bare ground, water, shadow — and their areas per site.

Classes come from transparent thresholds kept as data in ``cover.yaml`` (each with its source), applied
in this order to every valid pixel:

1. **water**: with NIR, McFeeters' NDWI > ``ndwi_min`` (0); with RGB only, the pixel lies in some
   ~1 m window whose brightness varies less than ``cv_max`` (calm water is smooth, canopy, sand and
   gravel are not);
2. **shadow** (8-bit RGB only): too dark to judge its colour;
3. **vegetation**: ExG − ExR > ``exgr_min`` (0; Meyer & Camargo Neto 2008);
4. **bare**: the rest (sand, gravel, tailings, mud, felled wood, roads);

then a ``majority_m`` (0.3 m) majority filter removes single-pixel speckle.

Areas are pixel counts × pixel area in the orthomosaic's projected CRS (UTM: true area within 0.1 %
inside its zone). Fractions are of the valid (flown) part of each site, shadow included, so they add
up to one; ``covered_frac`` says how much of the site the flight saw.

:func:`classify` is pure (arrays in, classes out); :func:`cover` runs it window by window over a file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
import yaml
from rasterio import features
from scipy import ndimage

from ..errors import InputError
from . import indices as ix
from .ortho import (
    BLOCK,
    OrthoInfo,
    OrthoReader,
    block_windows,
    progress_adapter,
    raster_out,
)

log = logging.getLogger(__name__)

NODATA, VEGETATION, BARE, WATER, SHADOW = 0, 1, 2, 3, 4
CLASS_NAMES = {VEGETATION: "vegetation", BARE: "bare", WATER: "water", SHADOW: "shadow"}
CLASS_COLOURS = {
    NODATA: (0, 0, 0, 0),
    VEGETATION: (34, 139, 34, 255),
    BARE: (222, 184, 135, 255),
    WATER: (30, 110, 200, 255),
    SHADOW: (90, 90, 90, 255),
}
"""Colour table written into the class GeoTIFF (QGIS shows it as is) and used in the pictures."""
WHOLE = "(whole orthomosaic)"
"""Site name of the row that covers every valid pixel of the flight."""


@dataclass(frozen=True)
class Thresholds:
    """The numbers of ``cover.yaml`` (see it for sources)."""

    exgr_min: float = 0.0
    ndwi_min: float = 0.0
    texture_window_m: float = 1.0
    cv_max: float = 0.02
    shadow_brightness_max: float = 0.08
    majority_m: float = 0.3
    min_change_m2: float = 1.0
    source: str = field(default="cover.yaml", compare=False)

    def window_px(self, res_m: float) -> int:
        """Texture window in pixels for this resolution: odd, at least 3."""
        k = max(3, int(round(self.texture_window_m / res_m)))
        return k if k % 2 else k + 1

    def majority_px(self, res_m: float) -> int:
        """Side of the majority filter in pixels: odd; 1 (no filter) when it is under two pixels."""
        k = int(round(self.majority_m / res_m))
        return 1 if k < 2 else (k if k % 2 else k + 1)

    def min_change_px(self, res_m: float) -> int:
        return int(np.ceil(self.min_change_m2 / (res_m * res_m)))

    def change_halo_px(self, res_m: float) -> int:
        """Context around a block for the minimum change patch: a patch this far across is big enough anyway."""
        return int(np.ceil(np.sqrt(self.min_change_m2) / res_m)) + 1 if self.min_change_m2 > 0 else 0

    def halo_px(self, res_m: float) -> int:
        """Pixels of context a block needs around it: half a texture window for the CV, half for growing
        smooth windows, half a majority window."""
        return self.window_px(res_m) + self.majority_px(res_m) // 2 + 1

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "source"}


def load_thresholds(path: str | Path | None = None) -> Thresholds:
    """Thresholds from ``path`` or the bundled ``cover.yaml``; missing keys keep their defaults."""
    if path is None:
        text, source = (files("centinela.drone") / "cover.yaml").read_text(encoding="utf-8"), "cover.yaml (bundled)"
    else:
        p = Path(path)
        if not p.exists():
            raise InputError(f"{p}: thresholds file not found (expected YAML like centinela/drone/cover.yaml)")
        text, source = p.read_text(encoding="utf-8"), str(p)
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: not valid YAML ({exc})") from exc
    if not isinstance(doc, dict):
        raise InputError(f"{source}: expected a mapping of sections (vegetation, water_rgb, …)")

    def num(section: str, key: str, default: float, lo: float, hi: float) -> float:
        sec = doc.get(section) or {}
        if not isinstance(sec, dict):
            raise InputError(f"{source}: section '{section}' must be a mapping")
        v = sec.get(key, default)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= float(v) <= hi:
            raise InputError(f"{source}: {section}.{key} = {v!r}; expected a number from {lo} to {hi}")
        return float(v)

    d = Thresholds()
    return Thresholds(
        exgr_min=num("vegetation", "exgr_min", d.exgr_min, -1.0, 1.0),
        ndwi_min=num("water_multispectral", "ndwi_min", d.ndwi_min, -1.0, 1.0),
        texture_window_m=num("water_rgb", "texture_window_m", d.texture_window_m, 0.05, 10.0),
        cv_max=num("water_rgb", "cv_max", d.cv_max, 0.0, 1.0),
        shadow_brightness_max=num("shadow", "brightness_max", d.shadow_brightness_max, 0.0, 1.0),
        majority_m=num("smoothing", "majority_m", d.majority_m, 0.0, 5.0),
        min_change_m2=num("change", "min_patch_m2", d.min_change_m2, 0.0, 10000.0),
        source=source,
    )


# --- per-pixel classification (pure) --------------------------------------------------------------


@dataclass
class Indices:
    """Per-pixel indices of a block (float32, NaN where undefined or invalid)."""

    exg: np.ndarray
    exgr: np.ndarray
    vari: np.ndarray
    ndvi: np.ndarray | None = None
    ndwi: np.ndarray | None = None


def compute_indices(data: dict[str, np.ndarray], valid: np.ndarray) -> Indices:
    r, g, b = data["red"], data["green"], data["blue"]
    out = Indices(ix.exg(r, g, b), ix.exgr(r, g, b), ix.vari(r, g, b))
    if "nir" in data:
        out.ndvi, out.ndwi = ix.ndvi(data["nir"], r), ix.ndwi(g, data["nir"])
    for a in (out.exg, out.exgr, out.vari, out.ndvi, out.ndwi):
        if a is not None:
            a[~valid] = np.nan
    return out


def classify(
    data: dict[str, np.ndarray],
    valid: np.ndarray,
    res_m: float,
    th: Thresholds,
    *,
    linear: bool,
    full_scale: float,
    idx: Indices | None = None,
) -> np.ndarray:
    """Classes (uint8) of every pixel of a block. ``data`` holds red, green, blue (and nir) in the file's
    units; the texture of the block's edge pixels is only right if the block carries a halo of
    :meth:`Thresholds.halo_px` pixels (trim it afterwards)."""
    idx = idx or compute_indices(data, valid)
    out = np.full(valid.shape, BARE, dtype=np.uint8)
    veg = idx.exgr > th.exgr_min
    out[veg] = VEGETATION
    if not linear:
        bright = ix.brightness(data["red"], data["green"], data["blue"], full_scale)
        out[(bright < th.shadow_brightness_max)] = SHADOW
    if idx.ndwi is not None:
        water = idx.ndwi > th.ndwi_min
    else:
        bright = ix.brightness(data["red"], data["green"], data["blue"], full_scale)
        k = th.window_px(res_m)
        cv = ix.local_cv(bright, k, valid)
        smooth_window = np.where(np.isfinite(cv), cv, np.inf) < th.cv_max  # centre of a smooth k × k window
        # A pixel is water if any smooth window covers it: grow the window centres by half a window.
        water = ndimage.maximum_filter(smooth_window, size=k, mode="constant", cval=False)
    out[water] = WATER
    out[~valid] = NODATA
    return majority(out, valid, th.majority_px(res_m))


def majority(cls: np.ndarray, valid: np.ndarray, size: int) -> np.ndarray:
    """Each valid pixel takes the most common class of its ``size`` × ``size`` neighbourhood (its own on a
    tie): single-pixel speckle from sensor noise and compression goes, edges stay where they are."""
    if size <= 1:
        return cls
    votes = np.stack(
        [
            ndimage.uniform_filter((cls == c).astype(np.float32), size, mode="nearest")
            for c in (VEGETATION, BARE, WATER, SHADOW)
        ]
    )
    top = votes.max(axis=0)
    own = np.take_along_axis(votes, (np.clip(cls, 1, 4) - 1)[None].astype(np.intp), 0)[0]
    out = np.where(own >= top - 1e-6, cls, (votes.argmax(axis=0) + 1).astype(np.uint8))
    out[~valid] = NODATA
    return out


# --- whole files, window by window ----------------------------------------------------------------


@dataclass
class _Acc:
    """Running sums for one site."""

    counts: np.ndarray = field(default_factory=lambda: np.zeros(5, np.int64))
    sums: dict[str, float] = field(default_factory=lambda: {"exg": 0.0, "vari": 0.0, "ndvi": 0.0})
    ns: dict[str, int] = field(default_factory=lambda: {"exg": 0, "vari": 0, "ndvi": 0})

    def add(self, cls: np.ndarray, idx: Indices, mask: np.ndarray) -> None:
        self.counts += np.bincount(cls[mask], minlength=5)[:5]
        for name in ("exg", "vari", "ndvi"):
            a = getattr(idx, name)
            if a is None:
                continue
            v = a[mask]
            v = v[np.isfinite(v)]
            self.sums[name] += float(v.sum(dtype=np.float64))
            self.ns[name] += int(v.size)


@dataclass(frozen=True)
class CoverResult:
    """Cover of one orthomosaic.

    Attributes:
        table: one row per site (and a first row for the whole orthomosaic): ``site``, ``site_ha``,
            ``covered_ha`` (valid pixels in the site), ``covered_frac``, ``<class>_ha`` and ``<class>_frac``
            for vegetation, bare, water, shadow, and mean ``exg``, ``vari`` (and ``ndvi``).
        files: what was written (``classes``, ``indices``, ``csv``, ``png``), when an output folder was given.
        not_covered: names of sites the flight does not see at all.
        thresholds: what was applied.
    """

    table: pd.DataFrame
    files: dict[str, Path]
    not_covered: tuple[str, ...]
    thresholds: Thresholds

    def whole(self) -> dict:
        return self.table.iloc[0].to_dict()


def _unique(names: list[str]) -> list[str]:
    """Site names made unique (a second 'plot A' becomes 'plot A (2)') so no two sites share a row."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


def _site_masks(sites, block_transform, shape) -> list[np.ndarray | None]:
    out = []
    h, w = shape
    t = block_transform
    box = shapely.box(t.c, t.f + h * t.e, t.c + w * t.a, t.f)
    for geom in sites.geometry if sites is not None else []:
        if not geom.intersects(box):
            out.append(None)
            continue
        out.append(features.geometry_mask([geom], out_shape=shape, transform=t, invert=True))
    return out


def compute_cover(
    info: OrthoInfo,
    sites=None,
    thresholds: Thresholds | None = None,
    out: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    prefix: str = "",
) -> CoverResult:
    """Classify ``info`` window by window and sum areas for the whole orthomosaic and each site.

    ``sites``: a GeoDataFrame with a ``site`` column, in any CRS (reprojected to the orthomosaic's); sites
    the flight does not see are listed in ``not_covered``. With ``out``, writes ``classes.tif`` (uint8 COG
    with a colour table), ``indices.tif`` (float32 ExG, VARI[, NDVI]), ``cover.csv`` and ``cover.png``.
    """
    th = thresholds or load_thresholds()
    progress = progress_adapter(progress)
    if info.geographic:
        raise InputError(
            f"{info.path}: CRS {info.crs} does not give true areas (degrees or Mercator); reproject it to UTM first"
        )
    if sites is not None and len(sites):
        sites = sites.to_crs(info.crs).reset_index(drop=True)
    accs = {WHOLE: _Acc()}
    names = [] if sites is None else _unique([str(s) for s in sites["site"]])
    for n in names:
        accs.setdefault(n, _Acc())
    halo = th.halo_px(info.res_m)
    wins = block_windows(info.height, info.width, BLOCK)
    files: dict[str, Path] = {}
    index_names = ["ExG", "VARI"] + (["NDVI"] if info.multispectral else [])
    with OrthoReader(info) as reader, _maybe_outputs(info, out, prefix, index_names) as outs:
        for k, win in enumerate(wins):
            blk = reader.read(win, halo)
            idx = compute_indices(blk.data, blk.valid)
            cls = classify(blk.data, blk.valid, info.res_m, th, linear=info.linear, full_scale=info.full_scale, idx=idx)
            rs, cs = blk.inner
            cls = cls[rs, cs]
            inner = Indices(
                idx.exg[rs, cs], idx.exgr[rs, cs], idx.vari[rs, cs], None if idx.ndvi is None else idx.ndvi[rs, cs]
            )
            valid = blk.valid[rs, cs]
            accs[WHOLE].add(cls, inner, valid)
            wt = reader.src.window_transform(win)
            for name, m in zip(names, _site_masks(sites, wt, cls.shape), strict=True):
                if m is not None:
                    accs[name].add(cls, inner, m & valid)
            if outs:
                outs["classes"].write(cls, 1, window=win)
                layers = [inner.exg, inner.vari] + ([inner.ndvi] if inner.ndvi is not None else [])
                outs["indices"].write(np.stack(layers).astype(np.float32), window=win)
            progress(k + 1, len(wins))
    px_ha = info.pixel_area_m2 / 1e4
    rows = []
    site_area = {WHOLE: None} | (
        {} if sites is None else {n: g.area / 1e4 for n, g in zip(names, sites.geometry, strict=True)}
    )
    not_covered = []
    for name, acc in accs.items():
        valid_px = int(acc.counts[1:].sum())
        if name != WHOLE and valid_px == 0:
            not_covered.append(name)
            continue
        row = {"site": name, "site_ha": site_area.get(name), "covered_ha": valid_px * px_ha}
        row["covered_frac"] = (row["covered_ha"] / row["site_ha"]) if row["site_ha"] else None
        for c, cname in CLASS_NAMES.items():
            row[f"{cname}_ha"] = int(acc.counts[c]) * px_ha
            row[f"{cname}_frac"] = int(acc.counts[c]) / valid_px if valid_px else float("nan")
        for iname in ("exg", "vari", "ndvi"):
            if iname == "ndvi" and not info.multispectral:
                continue
            row[f"{iname}_mean"] = acc.sums[iname] / acc.ns[iname] if acc.ns[iname] else float("nan")
        rows.append(row)
    table = pd.DataFrame(rows)
    if out is not None:
        files = {"classes": out / f"{prefix}classes.tif", "indices": out / f"{prefix}indices.tif"}
        csv = out / f"{prefix}cover.csv"
        table.round(6).to_csv(csv, index=False)
        files["csv"] = csv
    return CoverResult(table, files, tuple(not_covered), th)


class _maybe_outputs:
    """Class and index rasters on the orthomosaic's grid, or nothing when there is no output folder."""

    def __init__(self, info: OrthoInfo, out: Path | None, prefix: str, index_names: list[str]):
        self.info, self.out, self.prefix, self.index_names = info, out, prefix, index_names
        self.cms = []

    def __enter__(self):
        if self.out is None:
            return None
        i = self.info
        tags = {"CENTINELA_SIMULATED": "true"} if i.simulated else {}
        cm1 = raster_out(
            self.out / f"{self.prefix}classes.tif",
            i.crs,
            i.transform,
            i.width,
            i.height,
            1,
            "uint8",
            nodata=0,
            descriptions=["cover class: 1 vegetation, 2 bare, 3 water, 4 shadow"],
            colormap=CLASS_COLOURS,
            overview_resampling="MODE",
            tags=tags,
        )
        cm2 = raster_out(
            self.out / f"{self.prefix}indices.tif",
            i.crs,
            i.transform,
            i.width,
            i.height,
            len(self.index_names),
            "float32",
            nodata=float("nan"),
            descriptions=self.index_names,
            overview_resampling="AVERAGE",
            tags=tags,
        )
        self.cms = [cm1, cm2]
        return {"classes": cm1.__enter__(), "indices": cm2.__enter__()}

    def __exit__(self, *exc):
        for cm in reversed(self.cms):
            cm.__exit__(*exc)
        return False


# Change between two flights: code 10 × class before + class after (12 = vegetation → bare).
_GREY = (150, 150, 150, 255)
CHANGE_COLOURS: dict[int, tuple[int, int, int, int]] = {
    NODATA: (0, 0, 0, 0),
    11: (196, 214, 196, 255),
    22: (228, 222, 208, 255),
    33: (196, 208, 228, 255),
    44: _GREY,
    21: (0, 170, 0, 255),  # bare → vegetation: recovery, planting
    31: (0, 160, 140, 255),  # water → vegetation
    12: (220, 30, 30, 255),  # vegetation → bare: clearing
    13: (110, 0, 160, 255),  # vegetation → water
    23: (30, 120, 255, 255),  # bare → water: a new pond
    32: (255, 150, 0, 255),  # water → bare: drained or filled
    **{c: _GREY for c in (14, 24, 34, 41, 42, 43)},  # shadow in one flight: cannot tell
}
"""Change code → colour, written into change.tif's colour table and used in change.png."""
CHANGE_KEYS = {
    21: "drone.ch_21",
    31: "drone.ch_31",
    12: "drone.ch_12",
    13: "drone.ch_13",
    23: "drone.ch_23",
    32: "drone.ch_32",
    11: "drone.ch_same",
    44: "drone.ch_uncertain",
}
"""Legend entries (i18n keys) of the change picture."""
