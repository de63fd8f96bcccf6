"""Spectral indices over reflectance arrays (any matching shapes; NaN in, NaN out)."""

from __future__ import annotations

import numpy as np


def _nd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return (a - b) / (a + b)


def ndvi(nir, red):
    """Normalised difference vegetation index (B8, B4)."""
    return _nd(nir, red)


def nbr(nir, swir22):
    """Normalised burn ratio (B8, B12): drops with clearing and burning."""
    return _nd(nir, swir22)


def mndwi(green, swir16):
    """Modified normalised difference water index (Xu 2006; B3, B11): positive over open water."""
    return _nd(green, swir16)


def bsi(blue, red, nir, swir16):
    """Bare soil index ((B11+B4) − (B8+B2)) / ((B11+B4) + (B8+B2)): positive over bare ground."""
    return _nd(swir16 + red, nir + blue)


def visible(blue, green, red):
    """Mean visible reflectance: bright mineral ground versus dark char, shade and water."""
    return (blue + green + red) / 3.0
