"""Render one window of one date: surface reflectance, atmosphere, sensor, and the scene classification.

Pure computation over arrays: no file is opened here. The writer (:mod:`centinela.sim.write`)
calls :func:`render_window` for each window and date.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from affine import Affine
from rasterio import features
from rasterio.windows import Window
from scipy import ndimage

from .landscape import POND_LEVEL, RES, Acquisition, Event, Scene, pond_noise
from .noise import fbm, gaussian_pixels, pixel_random
from .spectra import (
    FOREST_SEASONAL_AMPLITUDE,
    HAZE_SPECTRUM,
    NOISE_SIGMA,
    SHADOW_DIFFUSE,
    SPECTRA,
    pond_spectrum,
)

HALO = 4  # pixels rendered around each window for the blur and the 20 m aggregation
NEVER = np.iinfo(np.int32).max
SWIR = (4, 5)  # band indices produced at 20 m

# SCL codes (Sen2Cor scene classification)
SCL_NODATA, SCL_DARK, SCL_SHADOW, SCL_VEG, SCL_BARE, SCL_WATER, SCL_UNCLASSIFIED = 0, 2, 3, 4, 5, 6, 7
SCL_CLOUD_MED, SCL_CLOUD_HIGH, SCL_CIRRUS = 8, 9, 10
CLOUDY_SCL = (SCL_CLOUD_MED, SCL_CLOUD_HIGH, SCL_CIRRUS)


@dataclass
class Prepared:
    """Per-process lookup structures for a scene (spatial indexes, cloud thresholds)."""

    scene: Scene
    trees: dict[str, tuple[shapely.STRtree, list[Event]]] = field(default_factory=dict)
    cloud_thresholds: dict[int, float] = field(default_factory=dict)

    @classmethod
    def of(cls, scene: Scene) -> Prepared:
        p = cls(scene)
        groups = {"stock": list(scene.stock_mining)}
        for cause in ("mining", "agriculture", "logging_road", "regrowth"):
            groups[cause] = scene.by_cause(cause)
        for name, evs in groups.items():
            p.trees[name] = (shapely.STRtree([e.geometry for e in evs]), evs)
        return p

    def cloud_threshold(self, acq: Acquisition) -> float:
        """Noise level above which a pixel is cloud, so the scene's cloud fraction hits its target."""
        if acq.seed not in self.cloud_thresholds:
            if acq.cloud_fraction >= 0.999:
                th = -1.0
            elif acq.cloud_fraction <= 0.001:
                th = 2.0
            else:
                g = np.linspace(0, self.scene.size, 128)
                th = float(np.quantile(_cloud_noise(g, g, acq.seed), 1 - acq.cloud_fraction))
            self.cloud_thresholds[acq.seed] = th
        return self.cloud_thresholds[acq.seed]


def _cloud_noise(rows: np.ndarray, cols: np.ndarray, seed: int) -> np.ndarray:
    # Convective cells of ~1-3 km over larger organised systems.
    return 0.65 * fbm(rows, cols, 140.0, seed, octaves=5) + 0.35 * fbm(rows, cols, 600.0, seed + 1, octaves=2)


def _burn(
    prep: Prepared, name: str, bounds: tuple, shape: tuple[int, int], transform: Affine, value: str = "day"
) -> np.ndarray:
    """Rasterise the events of one group: the earliest day covering each pixel (NEVER elsewhere)."""
    tree, evs = prep.trees[name]
    idx = tree.query(shapely.box(*bounds))
    out = np.full(shape, NEVER, dtype=np.int32)
    if len(idx) == 0:
        return out
    chosen = sorted((evs[i] for i in idx), key=lambda e: -e.day)  # earliest burnt last, so it wins
    return features.rasterize(
        ((e.geometry, e.day) for e in chosen),
        out_shape=shape,
        transform=transform,
        fill=NEVER,
        dtype="int32",
        all_touched=(name == "logging_road"),
    )


def _mask(geom: shapely.Geometry, shape: tuple[int, int], transform: Affine, all_touched: bool = False) -> np.ndarray:
    if geom.is_empty:
        return np.zeros(shape, dtype=bool)
    return features.geometry_mask([geom], out_shape=shape, transform=transform, invert=True, all_touched=all_touched)


def _put(refl: np.ndarray, mask: np.ndarray, value: np.ndarray) -> None:
    """refl[:, mask] = value, where value is a (6,) spectrum or a (6, H, W) field."""
    if not mask.any():
        return
    refl[:, mask] = value[:, mask] if value.ndim == 3 else value[:, None]


def _mix(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """(1-w)·a + w·b, spectra broadcast over fields."""
    a = a if a.ndim == 3 else a[:, None, None]
    b = b if b.ndim == 3 else b[:, None, None]
    return (1 - w)[None] * a + w[None] * b


def surface(prep: Prepared, acq: Acquisition, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Cloud-free surface reflectance (6, H, W) of the block ``rows`` × ``cols`` on day ``acq.day``."""
    sc = prep.scene
    s, t = sc.seed, acq.day
    H, W = len(rows), len(cols)
    transform = sc.transform @ Affine.translation(cols[0], rows[0])
    x0, y1 = transform.c, transform.f
    bounds = (x0, y1 - H * RES, x0 + W * RES, y1)
    shape = (H, W)

    # Forest: crowns, forest-type patches and illumination-driven dry-season brightening.
    crown = (fbm(rows, cols, 2.5, s + 1, octaves=2) - 0.5) * 2
    patch = (fbm(rows, cols, 150.0, s + 2, octaves=3) - 0.5) * 2
    doy = t % 365.25
    season = 1 + FOREST_SEASONAL_AMPLITUDE * np.cos(2 * np.pi * (doy - 250) / 365.25)
    forest = SPECTRA["forest"][:, None, None] * season[:, None, None] * (1 + 0.12 * crown + 0.08 * patch)[None]
    refl = forest.astype(np.float32)

    grass = _mix(SPECTRA["pasture"], SPECTRA["npv"], 0.3 * fbm(rows, cols, 8.0, s + 3, octaves=2))
    _put(refl, _mask(sc.pasture, shape, transform), grass)
    _put(refl, _mask(sc.verges, shape, transform), _mix(grass, SPECTRA["laterite"], np.full(shape, 0.5, np.float32)))

    # Mine ground: sand and gravel of varying brightness, wet tailings, ponds of varied colour.
    pond_n = pond_noise(rows, cols, s)
    wet_n = fbm(rows, cols, 6.0, s + 11, octaves=2)
    bright = 0.8 + 0.4 * fbm(rows, cols, 3.0, s + 15, octaves=2)
    turb = np.clip(
        (fbm(rows, cols, 40.0, s + 12, 2) - 0.3) / 0.4 + 0.3 * np.sin(2 * np.pi * t / 90.0 + 6 * pond_n), 0, 1
    )
    greenness = np.clip((fbm(rows, cols, 60.0, s + 13, 2) - 0.4) / 0.3, 0, 1)
    turquoise = np.clip((fbm(rows, cols, 50.0, s + 14, 2) - 0.45) / 0.2, 0, 1)
    pond = np.moveaxis(pond_spectrum(turb, greenness, turquoise), -1, 0)
    sand = SPECTRA["bright_sand"][:, None, None] * bright[None]
    bare = np.where((wet_n > 0.56)[None], SPECTRA["wet_tailings"][:, None, None] * bright[None], sand)
    is_pond = pond_n > POND_LEVEL

    stock = _burn(prep, "stock", bounds, shape, transform) <= t
    mine_day = _burn(prep, "mining", bounds, shape, transform)
    mined = mine_day <= t
    mine_age = np.where(mined, t - mine_day, 0)
    ground = np.where((is_pond & ((mine_age >= 45) | stock))[None], pond, bare)
    fresh = mined & (mine_age < 20)  # felled trees and mud before the sediment is washed
    ground = np.where(fresh[None], _mix(ground, SPECTRA["npv"], np.full(shape, 0.5, np.float32)), ground)
    _put(refl, stock | mined, ground)

    regrow_day = _burn(prep, "regrowth", bounds, shape, transform)
    regrowing = stock & (regrow_day <= t) & ~mined
    if regrowing.any():
        p = np.clip((t - regrow_day) / 730.0, 0, 1).astype(np.float32)
        veg = np.where(is_pond[None], pond, _mix(bare, SPECTRA["secondary_forest"], 0.15 + 0.75 * p))
        _put(refl, regrowing, veg)

    # Farms: slash, burn, then crops or pasture on red soil.
    ag_day = _burn(prep, "agriculture", bounds, shape, transform)
    cleared = (ag_day <= t) & ~mined
    if cleared.any():
        age = np.where(cleared, t - ag_day, 0)
        cover = np.clip((age - 75) / 125.0, 0, 1) * 0.6 + 0.3
        crop = _mix(SPECTRA["laterite"], grass, cover.astype(np.float32))
        crop = np.where((age < 75)[None], SPECTRA["burnt"][:, None, None], crop)
        crop = np.where((age < 40)[None], _mix(forest, SPECTRA["npv"], np.full(shape, 0.7, np.float32)), crop)
        _put(refl, cleared, crop)

    road_day = _burn(prep, "logging_road", bounds, shape, transform)
    road = (road_day <= t) & ~mined
    if road.any():
        soil = np.clip(0.7 - 0.3 * (t - road_day) / 365.0, 0.35, 0.7).astype(np.float32)
        _put(refl, road, _mix(forest, SPECTRA["laterite"], soil))
    _put(refl, _mask(sc.highway, shape, transform, all_touched=True), SPECTRA["asphalt"])

    # River last: it erodes whatever the bank held.
    xs = x0 + (np.arange(W) + 0.5) * RES
    ys = y1 - (np.arange(H) + 0.5) * RES
    X, Y = np.meshgrid(xs, ys)
    water, bar, belt = sc.river.state(X, Y, float(t))
    _, _, belt0 = sc.river.state(X, Y, float(sc.acquisitions[0].day))
    stage = sc.river.stage(float(t))
    river_water = SPECTRA["river"] * (0.85 + 0.3 * stage)
    wet_bar = _mix(SPECTRA["bright_sand"], SPECTRA["wet_tailings"], 0.3 + 0.4 * (wet_n > 0.5))
    pioneer = belt0 & ~belt  # abandoned bars colonised by cane and Cecropia
    _put(refl, pioneer, _mix(SPECTRA["bright_sand"], SPECTRA["secondary_forest"], np.full(shape, 0.6, np.float32)))
    _put(refl, bar, wet_bar)
    _put(refl, water, river_water)
    return refl


def render_window(prep: Prepared, acq: Acquisition, window: Window) -> tuple[np.ndarray, np.ndarray]:
    """Observed L2A reflectance (6, h, w) float32 and SCL (h, w) uint8 for ``window`` on ``acq``.

    Nodata pixels (outside a partial swath) are NaN in reflectance and 0 in SCL.
    """
    sc = prep.scene
    r0, c0 = int(window.row_off) - HALO, int(window.col_off) - HALO
    h, w = int(window.height), int(window.width)
    rows = np.arange(r0, r0 + h + 2 * HALO, dtype=np.float64)
    cols = np.arange(c0, c0 + w + 2 * HALO, dtype=np.float64)
    if prep.cloud_threshold(acq) < 0:  # overcast: the ground is invisible, so skip drawing it (exact)
        refl = np.zeros((len(SPECTRA["forest"]), len(rows), len(cols)), dtype=np.float32)
    else:
        refl = surface(prep, acq, rows, cols)
        # Optics: the sensor's point spread softens edges (~0.6 px Gaussian).
        refl = ndimage.gaussian_filter(refl, sigma=(0, 0.6, 0.6), mode="nearest")

    # Atmosphere: cumulus with fuzzy edges, their shadows, thin cirrus and haze.
    a = acq.seed
    th = prep.cloud_threshold(acq)
    alpha = np.clip((_cloud_noise(rows, cols, a) - th) / 0.06, 0, 1) ** 0.8
    dr, dc = acq.shadow_shift
    alpha_src = np.clip((_cloud_noise(rows - dr, cols - dc, a) - th) / 0.06, 0, 1)
    shadow = np.clip(alpha_src * 1.3, 0, 1) * (1 - alpha)
    thin = acq.thin_cloud * np.clip((fbm(rows, cols, 300.0, a + 7, 3) - 0.45) / 0.2, 0, 1)
    haze = acq.haze * fbm(rows, cols, 500.0, a + 8, 2)
    alpha_tot = 1 - (1 - alpha) * (1 - thin)
    cloud = SPECTRA["cloud"][:, None, None] * (0.8 + 0.4 * fbm(rows, cols, 10.0, a + 9, 2))[None]
    lit = refl * (1 - shadow[None] * (1 - SHADOW_DIFFUSE[:, None, None]))
    obs = lit * (1 - alpha_tot[None]) + cloud * alpha_tot[None] + haze[None] * HAZE_SPECTRUM[:, None, None]

    # Sensor: radiometric noise per band; SWIR sampled at 20 m and resampled to 10 m.
    for b in range(obs.shape[0]):
        obs[b] += NOISE_SIGMA[b] * gaussian_pixels(rows, cols, a * 7 + b)
    obs[list(SWIR)] = _via_20m(obs[list(SWIR)])

    crop = (slice(HALO, HALO + h), slice(HALO, HALO + w))
    obs = obs[:, crop[0], crop[1]].astype(np.float32)
    rows_c, cols_c = rows[crop[0]], cols[crop[1]]
    scl = classify(obs, alpha_tot[crop], thin[crop], shadow[crop], rows_c, cols_c, a)

    if acq.partial:
        ea, eb, ec = sc.swath_edge
        outside = (ea * cols_c[None, :] + eb * rows_c[:, None]) > ec
        obs[:, outside] = np.nan
        scl[outside] = SCL_NODATA
    return obs, scl


def _via_20m(bands: np.ndarray) -> np.ndarray:
    """Average 2×2 blocks to the 20 m grid, then resample bilinearly back to 10 m, as L2A does."""
    n, H, W = bands.shape
    coarse = bands.reshape(n, H // 2, 2, W // 2, 2).mean(axis=(2, 4))
    ri = np.arange(H) / 2.0 - 0.25
    ci = np.arange(W) / 2.0 - 0.25
    R, C = np.meshgrid(ri, ci, indexing="ij")
    return np.stack([ndimage.map_coordinates(c, [R, C], order=1, mode="nearest") for c in coarse])


def classify(
    obs: np.ndarray, alpha: np.ndarray, thin: np.ndarray, shadow: np.ndarray, rows, cols, seed: int
) -> np.ndarray:
    """An imperfect Sen2Cor-like scene classification.

    Like the real SCL it misses thin cloud and faint shadows (those pixels keep a surface class),
    catches most but not all cirrus, labels fuzzy cloud edges "unclassified", and now and then calls
    bright sand a medium-probability cloud.
    """
    blue, green, red, nir, sw1, _ = obs
    with np.errstate(invalid="ignore", divide="ignore"):
        ndvi = (nir - red) / (nir + red)
        mndwi = (green - sw1) / (green + sw1)
    scl = np.full(alpha.shape, SCL_BARE, dtype=np.uint8)
    scl[ndvi > 0.45] = SCL_VEG
    scl[(mndwi > 0.1) & (nir < 0.12)] = SCL_WATER
    scl[(nir + red + green < 0.07) & (mndwi <= 0.1)] = SCL_DARK

    miss = fbm(rows, cols, 30.0, seed + 21, 2)  # spatially coherent detection failures
    sand_like = (blue > 0.09) & (ndvi < 0.25) & (sw1 > 0.25)
    scl[sand_like & (fbm(rows, cols, 15.0, seed + 22, 2) > 0.72)] = SCL_CLOUD_MED  # commission on bright sand
    scl[(shadow > 0.45) & (miss < 0.8)] = SCL_SHADOW
    scl[(shadow > 0.2) & (shadow <= 0.45) & (miss < 0.3)] = SCL_DARK
    scl[(thin > 0.12) & (alpha < 0.3) & (miss > 0.35)] = SCL_CIRRUS
    edge = (alpha >= 0.15) & (alpha < 0.3)
    scl[edge & (pixel_random(rows, cols, seed + 23) < 0.5)] = SCL_UNCLASSIFIED
    scl[(alpha >= 0.3) & (alpha < 0.6) & (miss < 0.9)] = SCL_CLOUD_MED
    scl[alpha >= 0.6] = SCL_CLOUD_HIGH
    return scl
