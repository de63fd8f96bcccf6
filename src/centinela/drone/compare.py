"""Two flights of the same site: cover classes of each, on one grid, and what changed where.

Steps, window by window over the overlap (memory stays bounded):

1. both orthomosaics are validated, must be projected, carry the same bands (RGB with RGB,
   multispectral with the same multispectral bands) and overlap;
2. the offset between them is *estimated* over the overlap (two GPS-only flights are often 1–3 m apart):
   edges of log brightness on a common grid of ~1000 px, a phase correlation to start, then a robust
   coarse-to-fine refinement that ignores what changed (:func:`robust_shift`); with ``align`` it is
   removed from B before anything else, otherwise it is only reported (a note above 0.5 m);
3. each flight is classified on its own grid (texture is measured at its own resolution, before any
   resampling could smooth it), with the same thresholds;
4. B's classes are reprojected onto A's grid with :func:`rasterio.warp.reproject` (nearest: classes
   are not averaged), so the change map has A's pixels and CRS;
5. patches of change smaller than ``min_patch_m2`` (1 m², cover.yaml) count as unchanged;
6. every pixel valid in both gets a change code ``10 × class in A + class in B`` (e.g. 21 = bare →
   vegetation, 12 = vegetation → bare, 23 = bare → water); 0 where either flight has no data.

Areas are pixel counts × A's pixel area; the transition table has every (from, to) pair.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import rasterio
import shapely
from affine import Affine
from pyproj import Transformer
from rasterio.enums import Resampling
from rasterio.warp import reproject, transform_bounds
from rasterio.windows import Window, from_bounds
from scipy import ndimage

from ..errors import InputError
from .cover import (
    BARE,
    CHANGE_COLOURS,
    CLASS_NAMES,
    SHADOW,
    VEGETATION,
    WATER,
    Thresholds,
    classify,
    load_thresholds,
)
from .ortho import (
    BLOCK,
    OrthoInfo,
    OrthoReader,
    block_windows,
    progress_adapter,
    raster_out,
    valid_footprint,
)

log = logging.getLogger(__name__)

SHIFT_PX = 1024
"""The offset between flights is estimated on a grid of about this many pixels across the overlap …"""
SHIFT_MIN_FACTOR, SHIFT_MAX_RES_M = 2.0, 2.0
"""… but no finer than twice the coarser flight's pixel (to average away noise and leaves, and let both
flights be resampled alike) and no coarser than 2 m (crowns and pond edges must stay visible)."""
SHIFT_WARN_M = 0.5
"""An estimated offset above this is worth a warning: change maps at drone pixels show it along every edge."""


@dataclass(frozen=True)
class Shift:
    """Estimated offset of B's content relative to A's in metres (east, north): B shows a place
    ``east_m`` further east than A does at the same coordinates."""

    east_m: float
    north_m: float
    agreement: float  # share of the overlap that agrees once aligned (0 … 1); low means much changed or no texture
    applied: bool

    @property
    def metres(self) -> float:
        return float(np.hypot(self.east_m, self.north_m))


@dataclass(frozen=True)
class ChangeResult:
    """Change between two flights.

    Attributes:
        a, b: the two orthomosaics (A earlier).
        overlap_ha: area valid in both flights.
        transitions: rows (``from``, ``to``, ``pixels``, ``ha``) for every pair seen, classes by name.
        summary: headline numbers (ha): ``vegetation_gain_ha``, ``vegetation_loss_ha``, ``new_water_ha``,
            ``water_loss_ha``, ``unchanged_ha``, ``uncertain_ha`` (shadow in either), ``overlap_ha``,
            cover fractions of each flight in the overlap, the dates, the offset.
        shift: the estimated offset between flights.
        files: ``tif`` (change codes), ``png``, ``csv``, ``json`` when written.
        notes: warnings a reader should see (offset, small overlap, dates).
    """

    a: OrthoInfo
    b: OrthoInfo
    overlap_ha: float
    transitions: pd.DataFrame
    summary: dict
    shift: Shift
    files: dict[str, Path]
    notes: tuple[str, ...]


def check_pair(a: OrthoInfo, b: OrthoInfo) -> shapely.Geometry:
    """Raise :class:`InputError` unless A and B can be compared; return their common flown area in A's CRS."""
    for o in (a, b):
        if o.geographic:
            raise InputError(
                f"{o.path}: CRS {o.crs} is geographic or Mercator (areas not true); ingest it with --reproject and "
                "compare the stored copy, or reproject it to UTM first"
            )
    if a.band_set != b.band_set:
        raise InputError(
            f"{a.path} has bands {','.join(a.band_set)} but {b.path} has {','.join(b.band_set)}; "
            "compare flights with the same bands (RGB with RGB, the same multispectral camera together)"
        )
    if a.flight_date and b.flight_date and b.flight_date < a.flight_date:
        raise InputError(
            f"{a.path} ({a.flight_date}) is later than {b.path} ({b.flight_date}); give the earlier flight first"
        )
    fa = valid_footprint(a)
    fb = valid_footprint(b)
    if b.crs != a.crs:
        tr = Transformer.from_crs(b.crs, a.crs, always_xy=True)
        fb = shapely.transform(fb, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    common = shapely.make_valid(fa.intersection(fb))
    if common.is_empty or common.area <= 0:
        bx = transform_bounds(b.crs, a.crs, *b.bounds)
        raise InputError(
            f"{a.path} and {b.path} do not overlap: A covers x {a.bounds[0]:.1f}–{a.bounds[2]:.1f}, "
            f"y {a.bounds[1]:.1f}–{a.bounds[3]:.1f}; B covers x {bx[0]:.1f}–{bx[2]:.1f}, y {bx[1]:.1f}–{bx[3]:.1f} "
            f"({a.crs}); expected two flights of the same site"
        )
    return common


def _window_of(bounds, transform: Affine, height: int, width: int, pad: int = 0) -> Window | None:
    """The pixel window of ``bounds`` in a grid, rounded outwards, padded and clipped; None when outside."""
    w = from_bounds(*bounds, transform=transform)
    c0, r0 = int(np.floor(w.col_off)) - pad, int(np.floor(w.row_off)) - pad
    c1, r1 = int(np.ceil(w.col_off + w.width)) + pad, int(np.ceil(w.row_off + w.height)) + pad
    c0, r0, c1, r1 = max(c0, 0), max(r0, 0), min(c1, width), min(r1, height)
    if c1 <= c0 or r1 <= r0:
        return None
    return Window(c0, r0, c1 - c0, r1 - r0)


def _brightness(data: dict[str, np.ndarray]) -> np.ndarray:
    return (data["red"] + data["green"] + data["blue"]) / 3.0


def phase_correlation(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Shift (rows, cols) of ``b`` relative to ``a`` (b(x) ≈ a(x − s)) by phase correlation, with a
    parabolic sub-pixel fit; and the peak's height. Inputs are same-shape float arrays (NaN = no data)."""
    a = np.nan_to_num(a - np.nanmean(a))
    b = np.nan_to_num(b - np.nanmean(b))
    win = np.outer(np.hanning(a.shape[0]), np.hanning(a.shape[1]))  # no spurious peak at 0 from the edges
    fa, fb = np.fft.fft2(a * win), np.fft.fft2(b * win)
    cross = fb * np.conj(fa)
    cross /= np.maximum(np.abs(cross), 1e-12)
    r = np.fft.ifft2(cross).real
    i, j = np.unravel_index(np.argmax(r), r.shape)

    def sub(c_m, c_0, c_p):
        den = c_m - 2 * c_0 + c_p
        return 0.0 if abs(den) < 1e-12 else 0.5 * (c_m - c_p) / den

    H, W = r.shape
    di = sub(r[(i - 1) % H, j], r[i, j], r[(i + 1) % H, j])
    dj = sub(r[i, (j - 1) % W], r[i, j], r[i, (j + 1) % W])
    si = (i + di + H / 2) % H - H / 2
    sj = (j + dj + W / 2) % W - W / 2
    return float(si), float(sj), float(r[i, j])


def srgb_to_linear(v: np.ndarray) -> np.ndarray:
    """Inverse of the sRGB transfer function (IEC 61966-2-1), encoded [0, 1] → linear [0, 1]."""
    v = np.clip(v, 0, 1)
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4).astype(np.float32)


def edge_strength(rgb: np.ndarray, srgb: bool) -> np.ndarray:
    """What two flights are registered on: the gradient magnitude of log brightness.

    Edges — crown outlines, canopy gaps, pond and pit borders — stay where they are when the sun moves
    between flights, while the bright side of each crown moves with it (registering brightness itself
    pulls the estimate towards the sun). The logarithm of linear brightness makes it independent of
    exposure; 8-bit camera RGB is undone from its sRGB curve first.
    """
    lin = srgb_to_linear(rgb / 255.0) if srgb else rgb
    log_b = np.log(lin[:3].mean(axis=0) + 1e-4)  # NaN (no data) stays NaN
    gr, gc = np.gradient(log_b)
    return np.hypot(gr, gc).astype(np.float32)


def estimate_shift(a: OrthoInfo, b: OrthoInfo, common: shapely.Geometry) -> Shift:
    """Offset of B's content relative to A's in metres (east, north), from their edges (:func:`edge_strength`)
    on a common grid of ~:data:`SHIFT_PX` pixels, by :func:`robust_shift`."""
    x0, y0, x1, y1 = common.bounds
    res = float(np.clip(max(x1 - x0, y1 - y0) / SHIFT_PX, SHIFT_MIN_FACTOR * max(a.res_m, b.res_m), SHIFT_MAX_RES_M))
    nx, ny = int((x1 - x0) / res), int((y1 - y0) / res)
    if min(nx, ny) < 16:
        return Shift(0.0, 0.0, 0.0, False)
    t = Affine(res, 0, x0, 0, -res, y1)
    layers = []
    for o in (a, b):
        dst = np.full((3, ny, nx), np.nan, np.float32)
        with rasterio.open(o.path) as src:
            for k, name in enumerate(("red", "green", "blue")):
                reproject(
                    rasterio.band(src, o.bands[name]),
                    dst[k],
                    dst_transform=t,
                    dst_crs=a.crs,
                    resampling=Resampling.average,
                    dst_nodata=np.nan,
                )
            if o.alpha is not None:
                alpha = np.zeros((ny, nx), np.uint8)
                reproject(
                    rasterio.band(src, o.alpha),
                    alpha,
                    dst_transform=t,
                    dst_crs=a.crs,
                    resampling=Resampling.min,
                    dst_nodata=0,
                )
                dst[:, alpha == 0] = np.nan
        layers.append(edge_strength(dst, srgb=o.dtype == "uint8"))
    both = np.isfinite(layers[0]) & np.isfinite(layers[1])
    if both.mean() < 0.2:
        return Shift(0.0, 0.0, 0.0, False)
    la, lb = (np.where(both, x, np.nan) for x in layers)
    si, sj, agree = robust_shift(la, lb)
    return Shift(east_m=sj * res, north_m=-si * res, agreement=agree, applied=False)


def _irls(a: np.ndarray, b: np.ndarray, s: np.ndarray, iterations: int = 30) -> tuple[np.ndarray, float, float]:
    """Robust Gauss–Newton refinement of the translation ``s`` (rows, cols) with b(x + s) ≈ a(x): Tukey
    biweight on the residuals, so pixels that changed get no weight. Returns s, the share of pixels kept
    and the robust residual scale."""
    ok_a = np.isfinite(a)
    a0, b0 = np.nan_to_num(a), np.nan_to_num(b)
    ok_b = np.isfinite(b).astype(np.float32)
    kept, sigma = 0.0, np.inf
    s = np.asarray(s, dtype=float).copy()
    for _ in range(iterations):
        bs = ndimage.shift(b0, -s, order=1, mode="constant", cval=0.0)  # bs(x) = b(x + s) ≈ a(x)
        ok = ok_a & (ndimage.shift(ok_b, -s, order=1, mode="constant", cval=0.0) > 0.999)
        ok[[0, -1], :] = False
        ok[:, [0, -1]] = False
        if ok.sum() < 64:
            break
        gr, gc = np.gradient(bs)
        r = a0 - bs
        med = np.median(r[ok])
        sigma = 1.4826 * float(np.median(np.abs(r[ok] - med)))
        u = (r - med) / (4.685 * max(sigma, 1e-9))
        w = np.where(ok & (np.abs(u) < 1), (1 - u * u) ** 2, 0.0)
        kept = float((w > 0).sum() / ok.sum())
        m = np.array([[np.sum(w * gr * gr), np.sum(w * gr * gc)], [np.sum(w * gr * gc), np.sum(w * gc * gc)]])
        rhs = np.array([np.sum(w * gr * (r - med)), np.sum(w * gc * (r - med))])
        try:
            step = np.linalg.solve(m, rhs)
        except np.linalg.LinAlgError:
            break
        step = np.clip(step, -1.0, 1.0)  # the linearisation holds within about a pixel
        s = s + step
        if np.hypot(*step) < 0.002:
            break
    return s, kept, sigma


def _halve(x: np.ndarray) -> np.ndarray:
    """2 × 2 block mean ignoring NaN (NaN where a block has no value)."""
    h, w = (x.shape[0] // 2) * 2, (x.shape[1] // 2) * 2
    blocks = x[:h, :w].reshape(h // 2, 2, w // 2, 2)
    with np.errstate(invalid="ignore"):
        n = np.isfinite(blocks).sum(axis=(1, 3))
        total = np.nansum(blocks, axis=(1, 3))
        return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def _blur(x: np.ndarray, sigma: float = 1.0) -> np.ndarray:
    """Gaussian blur ignoring NaN (normalised convolution). Registering blurred images keeps the cost
    smooth: otherwise sub-pixel interpolation itself smooths B and pulls the estimate to whole pixels."""
    ok = np.isfinite(x)
    n = ndimage.gaussian_filter(ok.astype(np.float32), sigma)
    m = ndimage.gaussian_filter(np.where(ok, x, 0).astype(np.float32), sigma)
    return np.where(n > 0.5, m / np.maximum(n, 1e-6), np.nan)


def robust_shift(a: np.ndarray, b: np.ndarray, max_levels: int = 6) -> tuple[float, float, float]:
    """Shift (rows, cols) of ``b`` relative to ``a`` (b(x) ≈ a(x − s)) that ignores what changed between
    the flights, and the share of pixels that agree once aligned.

    Real change (seedlings grown, a pond drained, a clearing) pulls a plain phase correlation off by a
    pixel or more, and a local refinement started there stays in the wrong valley. So a robust
    least-squares refinement (iteratively reweighted Lucas–Kanade: Gauss–Newton on the translation,
    Tukey biweight on residuals) runs coarse to fine over a Gaussian pyramid — at the coarse levels only
    crowns, pond and forest edges are left and the valley is wide — started both from no shift and
    from the phase-correlation estimate; the start that leaves the smaller robust residual wins.
    """
    pyr = [(a, b)]
    while len(pyr) < max_levels and min(pyr[-1][0].shape) >= 64:
        pyr.append((_halve(pyr[-1][0]), _halve(pyr[-1][1])))
    pyr = [(_blur(pa), _blur(pb)) for pa, pb in pyr]
    top = len(pyr) - 1
    starts = [np.zeros(2), np.array(phase_correlation(pyr[top][0], pyr[top][1])[:2])]
    best = None
    for s0 in starts:
        s = s0
        for k in range(top, -1, -1):
            s, kept, sigma = _irls(pyr[k][0], pyr[k][1], s)
            if k:
                s = s * 2.0  # a pixel at level k is two at level k − 1
        if best is None or sigma < best[2]:
            best = (s, kept, sigma)
    s, kept, _ = best
    return float(s[0]), float(s[1]), kept


def compare_flights(
    a: OrthoInfo,
    b: OrthoInfo,
    out: Path | None = None,
    thresholds: Thresholds | None = None,
    align: bool = False,
    progress: Callable[[int, int], None] | None = None,
    lang: str = "es",
) -> ChangeResult:
    """Change from flight ``a`` (earlier) to flight ``b`` on A's grid; with ``out``, writes ``change.tif``,
    ``change.png``, ``change_areas.csv`` and ``change.json``."""
    th = thresholds or load_thresholds()
    progress = progress_adapter(progress)
    common = check_pair(a, b)
    notes = []
    shift = estimate_shift(a, b, common)
    if align and shift.agreement > 0:
        shift = Shift(shift.east_m, shift.north_m, shift.agreement, True)
    elif shift.metres > SHIFT_WARN_M:
        notes.append(
            f"the flights look offset by {shift.metres:.2f} m (B {shift.east_m:+.2f} m east, "
            f"{shift.north_m:+.2f} m north of A); edges will show as change: re-run with --align or georeference both "
            "with the same ground control"
        )
    # B's transform as corrected: content displaced by +shift is moved back by −shift.
    b_transform = Affine.translation(-shift.east_m, -shift.north_m) @ b.transform if shift.applied else b.transform
    if b.crs != a.crs and shift.applied:  # the offset is in A's CRS metres; near enough the same in B's for UTM/UTM
        log.info("offset applied in B's CRS units (%s) although measured in A's (%s)", b.crs, a.crs)

    over = _window_of(common.bounds, a.transform, a.height, a.width)
    assert over is not None
    out_t = a.transform @ Affine.translation(over.col_off, over.row_off)
    ha_px = a.pixel_area_m2 / 1e4
    counts = np.zeros((5, 5), np.int64)
    halo_a, halo_b = th.halo_px(a.res_m), th.halo_px(b.res_m)
    wins = block_windows(a.height, a.width, BLOCK, within=over)
    writer = (
        raster_out(
            out / "change.tif",
            a.crs,
            out_t,
            int(over.width),
            int(over.height),
            1,
            "uint8",
            nodata=0,
            descriptions=["change code: 10 × class in A + class in B (1 vegetation, 2 bare, 3 water, 4 shadow)"],
            colormap=CHANGE_COLOURS,
            overview_resampling="MODE",
            tags={"CENTINELA_SIMULATED": "true"} if (a.simulated or b.simulated) else {},
        )
        if out is not None
        else nullcontext(None)
    )
    mh = th.change_halo_px(a.res_m)
    min_px = th.min_change_px(a.res_m)
    raw = np.zeros((5, 5), np.int64)  # before the minimum patch: for each flight's cover
    with writer as dst, OrthoReader(a) as ra, OrthoReader(b) as rb:
        for k, win in enumerate(wins):
            # Classes on the window grown by the patch halo, so patches crossing its edge are judged whole.
            ext = _window_of(_bounds_of(win, a.transform), a.transform, a.height, a.width, pad=mh)
            blk = ra.read(ext, halo_a)
            ca = classify(blk.data, blk.valid, a.res_m, th, linear=a.linear, full_scale=a.full_scale)[blk.inner]
            cb = _b_on_a(rb, b, b_transform, a, ext, th, halo_b)
            inner = (
                slice(int(win.row_off - ext.row_off), int(win.row_off - ext.row_off + win.height)),
                slice(int(win.col_off - ext.col_off), int(win.col_off - ext.col_off + win.width)),
            )
            both = (ca > 0) & (cb > 0)
            bi, ai, bbi = both[inner], ca[inner], cb[inner]
            raw += np.bincount((ai[bi] * 5 + bbi[bi]).astype(np.int64), minlength=25).reshape(5, 5)
            cb = drop_small_changes(ca, cb, both, min_px)
            ai, bbi = ca[inner], cb[inner]
            code = np.where(bi, ai * 10 + bbi, 0).astype(np.uint8)
            counts += np.bincount((ai[bi] * 5 + bbi[bi]).astype(np.int64), minlength=25).reshape(5, 5)
            if dst is not None:
                dst.write(
                    code,
                    1,
                    window=Window(win.col_off - over.col_off, win.row_off - over.row_off, win.width, win.height),
                )
            progress(k + 1, len(wins))

    rows = []
    for i in range(1, 5):
        for j in range(1, 5):
            if counts[i, j]:
                rows.append(
                    {
                        "from": CLASS_NAMES[i],
                        "to": CLASS_NAMES[j],
                        "code": i * 10 + j,
                        "pixels": int(counts[i, j]),
                        "ha": counts[i, j] * ha_px,
                    }
                )
    transitions = pd.DataFrame(rows, columns=["from", "to", "code", "pixels", "ha"])
    total = counts[1:, 1:].sum()
    overlap_ha = float(total * ha_px)
    if total == 0:
        raise InputError(f"{a.path} and {b.path} have no valid pixel in common (their flown areas only touch)")
    smaller = min(a.width * a.height * a.pixel_area_m2, b.width * b.height * b.pixel_area_m2) / 1e4
    if overlap_ha < 0.25 * smaller:
        notes.append(f"the flights share only {overlap_ha:.2f} ha; most of each flight is outside the other")
    V, B_, W, S = VEGETATION, BARE, WATER, SHADOW

    def ha(mask_from, mask_to) -> float:
        return float(sum(counts[i, j] for i in mask_from for j in mask_to) * ha_px)

    summary = {
        "a": str(a.path),
        "b": str(b.path),
        "a_date": str(a.flight_date) if a.flight_date else None,
        "b_date": str(b.flight_date) if b.flight_date else None,
        "days_between": (b.flight_date - a.flight_date).days if a.flight_date and b.flight_date else None,
        "overlap_ha": overlap_ha,
        "vegetation_gain_ha": ha([B_, W], [V]),
        "vegetation_loss_ha": ha([V], [B_, W]),
        "bare_to_vegetation_ha": ha([B_], [V]),
        "vegetation_to_bare_ha": ha([V], [B_]),
        "new_water_ha": ha([V, B_], [W]),
        "water_loss_ha": ha([W], [V, B_]),
        "unchanged_ha": float(sum(counts[i, i] for i in (V, B_, W)) * ha_px),
        "uncertain_ha": ha([S], [V, B_, W, S]) + ha([V, B_, W], [S]),
        "ha_by_code": {
            str(i * 10 + j): float(counts[i, j] * ha_px) for i in range(1, 5) for j in range(1, 5) if counts[i, j]
        },
        "a_cover": {CLASS_NAMES[i]: float(raw[i, 1:].sum() / total) for i in range(1, 5)},
        "b_cover": {CLASS_NAMES[j]: float(raw[1:, j].sum() / total) for j in range(1, 5)},
        "min_change_m2": th.min_change_m2,
        "shift_east_m": round(shift.east_m, 3),
        "shift_north_m": round(shift.north_m, 3),
        "shift_agreement": round(shift.agreement, 4),
        "shift_applied": shift.applied,
        "simulated": bool(a.simulated or b.simulated),
        "thresholds": th.as_dict(),
    }
    files: dict[str, Path] = {}
    if out is not None:
        import json

        from .pictures import change_picture

        files["tif"] = out / "change.tif"
        files["csv"] = out / "change_areas.csv"
        transitions.round(6).to_csv(files["csv"], index=False)
        files["png"] = change_picture(files["tif"], out / "change.png", summary, lang)
        files["json"] = out / "change.json"
        files["json"].write_text(json.dumps({**summary, "notes": notes}, indent=2, default=str), encoding="utf-8")
    return ChangeResult(a, b, overlap_ha, transitions, summary, shift, files, tuple(notes))


def _bounds_of(win: Window, transform: Affine) -> tuple[float, float, float, float]:
    t = transform @ Affine.translation(win.col_off, win.row_off)
    return (t.c, t.f + int(win.height) * t.e, t.c + int(win.width) * t.a, t.f)


def drop_small_changes(ca: np.ndarray, cb: np.ndarray, both: np.ndarray, min_px: int) -> np.ndarray:
    """B's classes with every patch of change smaller than ``min_px`` pixels set back to A's class.

    At centimetre pixels a few leaves that turned, a crown's shadow that moved with the sun or a pixel
    of noise would otherwise count as change; a minimum mapping unit is the usual cure. Shadow is not a
    change. Patches touching the block's edge are kept: part of them may lie outside.
    """
    if min_px <= 1:
        return cb
    changed = both & (ca != cb) & (ca != SHADOW) & (cb != SHADOW)
    if not changed.any():
        return cb
    lab, n = ndimage.label(changed, structure=np.ones((3, 3), bool))
    sizes = np.bincount(lab.ravel(), minlength=n + 1)
    edge = np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))
    small = sizes < min_px
    small[0] = False
    small[edge] = False
    out = cb.copy()
    drop = small[lab]
    out[drop] = ca[drop]
    return out


def _b_on_a(
    rb: OrthoReader, b: OrthoInfo, b_transform: Affine, a: OrthoInfo, win: Window, th: Thresholds, halo_b: int
) -> np.ndarray:
    """B's classes on the pixels of A's window ``win``: classified on B's own grid, then reprojected (nearest)."""
    h, w = int(win.height), int(win.width)
    a_t = a.transform @ Affine.translation(win.col_off, win.row_off)
    bounds = (a_t.c, a_t.f + h * a_t.e, a_t.c + w * a_t.a, a_t.f)
    if b.crs != a.crs:
        bounds = transform_bounds(a.crs, b.crs, *bounds, densify_pts=21)
    bw = _window_of(bounds, b_transform, b.height, b.width, pad=2)
    out = np.zeros((h, w), np.uint8)
    if bw is None:
        return out
    blk = rb.read(bw, halo_b)
    if not blk.valid.any():
        return out
    cb = classify(blk.data, blk.valid, b.res_m, th, linear=b.linear, full_scale=b.full_scale)[blk.inner]
    src_t = b_transform @ Affine.translation(bw.col_off, bw.row_off)
    reproject(
        cb,
        out,
        src_transform=src_t,
        src_crs=b.crs,
        dst_transform=a_t,
        dst_crs=a.crs,
        resampling=Resampling.nearest,
        src_nodata=0,
        dst_nodata=0,
    )
    return out


__all__ = [
    "CHANGE_COLOURS",
    "ChangeResult",
    "Shift",
    "check_pair",
    "compare_flights",
    "estimate_shift",
    "phase_correlation",
]
