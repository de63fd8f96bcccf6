"""Clouds, their shadows, haze and the scene classification (SCL) of one acquisition.

Cumulus fields are thresholded multi-octave value noise: random values on coarse lattices, smoothly
interpolated and summed with halving amplitude. The threshold is set per date so the cloudy share equals
a fraction drawn from the month's climate (Madre de Dios: wet season November-April mostly overcast,
June-September mostly clear). Shadows are the same field shifted by the sun's geometry (cloud height
times the tangent of the solar zenith, opposite the solar azimuth), computed on a padded field so
clouds just outside the scene cast shadows into it. The SCL is derived from what the image shows,
imperfectly on purpose: part of each cloud's fringe is left unflagged, some shadows are called
"dark area" and some are missed, thin haze is never flagged.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage, special

LAT, LON = -13.0, -69.5  # Madre de Dios, where the scenes lie
OVERPASS_UTC = 14.9  # Sentinel-2 descending node at 10:30 local mean solar time, at this longitude

# Monthly climate of the cloud fraction: (mean of the fraction on non-overcast dates, share of overcast dates).
# Wet season (Nov-Apr) is mostly overcast, the dry season (Jun-Sep) mostly clear, May and October in between.
CLIMATE = {
    1: (0.65, 0.45),
    2: (0.65, 0.45),
    3: (0.60, 0.40),
    4: (0.50, 0.30),
    5: (0.35, 0.15),
    6: (0.20, 0.06),
    7: (0.15, 0.05),
    8: (0.18, 0.05),
    9: (0.25, 0.10),
    10: (0.40, 0.20),
    11: (0.55, 0.30),
    12: (0.60, 0.40),
}
CLOUD_TOP = np.array([0.42, 0.42, 0.43, 0.47, 0.34, 0.24])  # bright in every band, darker in SWIR (ice/water)
SHADOW_DEPTH = np.array([0.50, 0.55, 0.58, 0.65, 0.68, 0.68])  # diffuse skylight fills blue shadows most


@dataclass
class Sky:
    cloud_fraction: float  # share of the scene under cloud (opacity >= 0.08)
    opacity: np.ndarray  # (H, W) 0..1, cloud plus haze
    shadow: np.ndarray  # (H, W) 0..1, share of direct sunlight blocked
    cloud_spectrum: np.ndarray  # (6,) reflectance of an opaque cloud top
    sun_zenith: float
    sun_azimuth: float


def sun_position(date: dt.date) -> tuple[float, float]:
    """Solar zenith and azimuth (degrees, azimuth clockwise from north) at the overpass, by the textbook formulas."""
    doy = date.timetuple().tm_yday
    decl = math.radians(23.44) * math.sin(2 * math.pi * (284 + doy) / 365)
    hour_angle = math.radians(15 * (OVERPASS_UTC + LON / 15 - 12))
    lat = math.radians(LAT)
    cos_z = math.sin(lat) * math.sin(decl) + math.cos(lat) * math.cos(decl) * math.cos(hour_angle)
    east = -math.cos(decl) * math.sin(hour_angle)
    north = math.sin(decl) * math.cos(lat) - math.cos(decl) * math.sin(lat) * math.cos(hour_angle)
    return math.degrees(math.acos(cos_z)), math.degrees(math.atan2(east, north)) % 360


def draw_cloud_fraction(rng: np.random.Generator, date: dt.date) -> float:
    mean, overcast = CLIMATE[date.month]
    if rng.random() < overcast:
        return 1.0
    if rng.random() < 0.4 * (1 - mean):  # clear dates are common outside the wet season
        return 0.0
    k = 3.0  # Beta(k*mean, k*(1-mean)): wide spread around the monthly mean
    return float(rng.beta(k * mean, k * (1 - mean)))


def value_noise(rng: np.random.Generator, size: int, cells: tuple[int, ...], persistence: float = 0.6) -> np.ndarray:
    """Sum of octaves of smoothly interpolated lattice noise, one octave per lattice spacing in ``cells``."""
    out = np.zeros((size, size), np.float32)
    amp = 1.0
    for cell in cells:
        k = size // cell + 3
        lattice = rng.random((k, k)).astype(np.float32)
        up = ndimage.zoom(lattice, cell, order=3, mode="mirror")
        r0, c0 = rng.integers(0, cell, 2)
        out += amp * up[r0 : r0 + size, c0 : c0 + size]
        amp *= persistence
    return out


def draw_sky(rng: np.random.Generator, date: dt.date, n: int, pixel_m: float) -> Sky:
    zen, az = sun_position(date)
    height = rng.uniform(700, 2000)  # cumulus at a few hundred m to 2 km above ground
    reach = height * math.tan(math.radians(zen)) / pixel_m  # shadow offset, px
    d_row = reach * math.cos(math.radians(az))  # shadow falls away from the sun: north sun -> shadow south
    d_col = -reach * math.sin(math.radians(az))
    pad = int(math.ceil(max(abs(d_row), abs(d_col)))) + 2
    half = (n + 2 * pad + 1) // 2
    # Computed at half resolution and enlarged: cumulus cells are hundreds of metres across.
    cells = tuple(max(2, round(m / (2 * pixel_m))) for m in (1000, 500, 250, 120, 60))  # lattice spacings, half-res px
    field = value_noise(rng, half, cells)
    field = ndimage.zoom(field, 2, order=1)[: n + 2 * pad, : n + 2 * pad]
    field = (field - field.mean()) / (field.std() + 1e-9)
    core = field[pad : pad + n, pad : pad + n]
    cf = draw_cloud_fraction(rng, date)

    def opacity_of(f: np.ndarray, thr: float) -> np.ndarray:
        soft = 0.25  # in standard deviations of the field: edges fade over a few pixels
        dense = np.clip((f - thr) / soft, 0, 1) ** 0.7
        haze = 0.07 * np.clip((f - thr + 0.35) / 0.35, 0, 1)  # a thin veil around every cloud, never flagged
        return np.maximum(dense, haze)

    # The threshold is taken over the padded field, so clouds outside the scene (whose shadows fall inside)
    # are as frequent as inside; the scene's own cloud share then varies around the drawn fraction.
    thr = -np.inf if cf >= 1.0 else np.inf if cf <= 0.0 else float(np.quantile(field, 1 - cf))
    if np.isfinite(thr):
        opacity = opacity_of(core, thr)
        r0, c0 = int(round(pad - d_row)), int(round(pad - d_col))
        shadow = np.clip((field[r0 : r0 + n, c0 : c0 + n] - thr) / 0.25, 0, 1)
    else:  # overcast (thr -inf; diffuse light only, modelled as the cloud itself) or cloud-free (+inf)
        opacity = np.full((n, n), 1.0 if thr < 0 else 0.0, np.float32)
        shadow = np.zeros((n, n), np.float32)
    spectrum = CLOUD_TOP * rng.uniform(0.8, 1.3)
    seen_cf = float((opacity >= 0.08).mean())
    return Sky(seen_cf, opacity.astype(np.float32), shadow.astype(np.float32), spectrum, zen, az)


def observe(surface: np.ndarray, sky: Sky) -> np.ndarray:
    """Top-of-canopy reflectance seen through the sky: shadows darken the ground, clouds cover it."""
    shaded = surface * (1 - SHADOW_DEPTH[:, None, None] * sky.shadow[None])
    return (1 - sky.opacity[None]) * shaded + sky.opacity[None] * sky.cloud_spectrum[:, None, None]


def _uniform_regions(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """A spatially smooth field of values uniform on 0..1: decisions taken region by region, not pixel by pixel."""
    z = ndimage.gaussian_filter(rng.standard_normal(shape), sigma)
    return special.ndtr(z / (z.std() + 1e-9))


def classify(rng: np.random.Generator, seen: np.ndarray, sky: Sky) -> np.ndarray:
    """An imperfect Sen2Cor-like SCL (uint8) of the observed reflectance ``seen`` (6, H, W)."""
    b, g, r, nir, s1, _ = seen
    ndvi = (nir - r) / (nir + r + 1e-6)
    scl = np.full(ndvi.shape, 5, np.uint8)  # not vegetated
    scl[ndvi > 0.4] = 4  # vegetation
    scl[(g > nir) & (nir < 0.12) & (s1 < 0.06)] = 6  # water
    scl[(nir < 0.05) & (s1 < 0.05) & (scl != 6)] = 2  # dark area
    # Shadows: most flagged, some called dark area, some missed (region by region).
    u = _uniform_regions(rng, ndvi.shape, 6)
    shade = sky.shadow >= 0.25
    scl[shade & (u < 0.65)] = 3
    scl[shade & (u >= 0.65) & (u < 0.85)] = 2
    # Clouds: dense -> high probability, thinner -> medium; part of the fringe left unflagged.
    cloud = sky.opacity >= 0.08
    scl[cloud] = 8
    scl[sky.opacity >= 0.6] = 9
    fringe = cloud & ~ndimage.binary_erosion(cloud, iterations=2)
    if fringe.any():
        miss = rng.uniform(0.05, 0.10)
        v = _uniform_regions(rng, ndvi.shape, 1.5)
        missed = fringe & (v < np.quantile(v[fringe], miss))
        scl[missed] = np.where(ndvi[missed] > 0.4, 4, 5)
    return scl
