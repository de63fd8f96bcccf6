"""One acquisition: surface reflectance of the day's land cover, seasons, atmosphere residuals, clouds, SCL."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

import sky as skymod
from landscape import FOREST, HUMAN, N_COVERS
from spectra import NIR, SWIR1, SWIR2


def season(date: dt.date) -> tuple[float, float]:
    """(forest leaf signal, pasture dryness), both 0..1-ish.

    Amazon forest greens up in the dry season (more sun, new leaves; NIR up by a few percent, peaking
    Sep-Oct); pasture and crops dry out instead (green cover down, peaking in August).
    """
    doy = date.timetuple().tm_yday
    leaf = math.sin(2 * math.pi * (doy - 190) / 365)
    dry = max(0.0, math.cos(2 * math.pi * (doy - 220) / 365))
    return leaf, dry


def surface(endmembers: np.ndarray, weights: np.ndarray, pasture: np.ndarray, date: dt.date) -> np.ndarray:
    """Reflectance (6, H, W) of the mixed land cover on ``date``."""
    leaf, dry = season(date)
    w = weights
    if pasture.any():
        w = weights.copy()
        moved = 0.15 * dry * w[FOREST] * pasture  # dry-season pasture loses green cover to bare ground
        w[FOREST] -= moved
        w[HUMAN] += moved
    out = np.zeros(endmembers.shape[1:], np.float32)
    for k in range(N_COVERS):
        e = endmembers[k]
        if k == FOREST:  # leaf phenology changes the forest endmember itself
            e = e.copy()
            e[NIR] *= 1 + 0.04 * leaf
            e[SWIR1] *= 1 - 0.03 * leaf
            e[SWIR2] *= 1 - 0.03 * leaf
        out += w[k][None] * e
    return out


def atmosphere(rng: np.random.Generator, refl: np.ndarray, date: dt.date) -> np.ndarray:
    """What is left after atmospheric correction: a per-date gain, an aerosol residual (bigger in the
    Aug-Oct fire season, mostly in blue), and sensor noise."""
    gain = 1 + rng.normal(0, 0.02) + rng.normal(0, 0.01, 6)
    smoke = 2.0 if date.month in (8, 9, 10) else 1.0
    path = rng.uniform(-0.3, 1.0) * smoke * np.array([0.012, 0.008, 0.005, 0.002, 0.0005, 0.0002])
    out = refl * gain[:, None, None] + path[:, None, None]
    out *= 1 + rng.normal(0, 0.012, out.shape).astype(np.float32)
    out += rng.normal(0, 0.002, out.shape).astype(np.float32)
    return out


def acquisition(
    rng: np.random.Generator,
    endmembers: np.ndarray,
    weights: np.ndarray,
    pasture: np.ndarray,
    date: dt.date,
    pixel_m: float,
) -> tuple[np.ndarray, np.ndarray, skymod.Sky]:
    """(reflectance (6, H, W) float32, SCL (H, W) uint8, the sky) of one date."""
    ground = surface(endmembers, weights, pasture, date)
    sky = skymod.draw_sky(rng, date, ground.shape[1], pixel_m)
    seen = atmosphere(rng, skymod.observe(ground, sky), date)
    return seen.astype(np.float32), skymod.classify(rng, seen, sky), sky
