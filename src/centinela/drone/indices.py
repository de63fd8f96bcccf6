"""Vegetation and water indices of orthomosaic pixels; pure functions of arrays.

RGB indices work on *chromatic coordinates* r = R/(R+G+B), g = G/(R+G+B), b = B/(R+G+B), which
cancel overall brightness (sun, exposure, shade) and so compare across photos and flights:

- **ExG**, excess green = 2g − r − b (Woebbecke, Meyer, Von Bargen & Mortensen 1995, "Color indices
  for weed identification under various soil, residue, and lighting conditions", Trans. ASAE
  38(1):259–269). Green plants have g well above r and b; soil, sand, residue and turbid water do not.
- **ExR**, excess red = 1.4r − g (Meyer, Hindman & Lakshmi 1998, Proc. SPIE 3543), and **ExGR** =
  ExG − ExR, whose zero threshold separates plants from soil and residue without tuning (Meyer &
  Camargo Neto 2008, "Verification of color vegetation indices for automated crop imaging
  applications", Comput. Electron. Agric. 63:282–293).
- **VARI**, visible atmospherically resistant index = (G − R)/(G + R − B) (Gitelson, Kaufman, Stark &
  Rundquist 2002, "Novel algorithms for remote estimation of vegetation fraction", Remote Sens.
  Environ. 80:76–87), which they found linear with vegetation fraction. Undefined where G + R ≈ B;
  those pixels are NaN here and it is clipped to [−1, 1] (outside it is noise of the denominator).

With a near-infrared band (multispectral orthomosaic, reflectance):

- **NDVI** = (NIR − R)/(NIR + R) (Rouse et al. 1974; Tucker 1979, RSE 8:127–150);
- **NDWI** = (G − NIR)/(G + NIR) (McFeeters 1996, Int. J. Remote Sens. 17:1425–1432): open water
  above 0, soil and vegetation below.

The texture measure for RGB water (calm water is smooth at centimetre pixels) is the local coefficient
of variation of brightness, :func:`local_cv`.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

EPS = 1e-6


def _f(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


def chromatic(red, green, blue) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """r, g, b chromatic coordinates (sum 1); NaN where R + G + B is 0."""
    red, green, blue = _f(red), _f(green), _f(blue)
    total = red + green + blue
    with np.errstate(invalid="ignore", divide="ignore"):
        inv = np.where(total > 0, 1.0 / total, np.nan).astype(np.float32)
    return red * inv, green * inv, blue * inv


def exg(red, green, blue) -> np.ndarray:
    """Excess green 2g − r − b on chromatic coordinates (Woebbecke et al. 1995); −1 … 2."""
    r, g, b = chromatic(red, green, blue)
    return 2 * g - r - b


def exr(red, green, blue) -> np.ndarray:
    """Excess red 1.4r − g on chromatic coordinates (Meyer et al. 1998)."""
    r, g, _ = chromatic(red, green, blue)
    return 1.4 * r - g


def exgr(red, green, blue) -> np.ndarray:
    """ExG − ExR = 3g − 2.4r − b (Meyer & Camargo Neto 2008): plants > 0, soil and residue < 0."""
    r, g, b = chromatic(red, green, blue)
    return 3 * g - 2.4 * r - b


def vari(red, green, blue) -> np.ndarray:
    """(G − R)/(G + R − B) (Gitelson et al. 2002), NaN where the denominator is ~0, clipped to [−1, 1]."""
    red, green, blue = _f(red), _f(green), _f(blue)
    den = green + red - blue
    scale = np.maximum(red + green + blue, EPS)
    with np.errstate(invalid="ignore", divide="ignore"):
        v = np.where(np.abs(den) > 0.01 * scale, (green - red) / den, np.nan)
    return np.clip(v, -1, 1).astype(np.float32)


def normalized_difference(a, b) -> np.ndarray:
    """(a − b)/(a + b), NaN where a + b ≤ 0."""
    a, b = _f(a), _f(b)
    s = a + b
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(s > 0, (a - b) / s, np.nan).astype(np.float32)


def ndvi(nir, red) -> np.ndarray:
    return normalized_difference(nir, red)


def ndwi(green, nir) -> np.ndarray:
    """McFeeters' NDWI: water > 0."""
    return normalized_difference(green, nir)


def brightness(red, green, blue, full_scale: float) -> np.ndarray:
    """Mean of R, G, B as a fraction of the data type's full scale (0 … 1)."""
    return ((_f(red) + _f(green) + _f(blue)) / (3.0 * full_scale)).astype(np.float32)


def local_cv(value: np.ndarray, size: int, valid: np.ndarray | None = None) -> np.ndarray:
    """Coefficient of variation (std / mean) of ``value`` in a ``size`` × ``size`` moving window.

    Independent of illumination (a shadow scales mean and std alike) and, for gamma-encoded 8-bit
    photos, of the exposure. Pixels outside ``valid`` do not count; a window with no valid pixel is NaN.
    """
    v = _f(value)
    w = np.ones_like(v) if valid is None else valid.astype(np.float32)
    v = np.where(w > 0, v, 0).astype(np.float32)
    n = ndimage.uniform_filter(w, size, mode="nearest")
    with np.errstate(invalid="ignore", divide="ignore"):
        m = ndimage.uniform_filter(v, size, mode="nearest") / n
        m2 = ndimage.uniform_filter(v * v, size, mode="nearest") / n
        sd = np.sqrt(np.maximum(m2 - m * m, 0))
        cv = np.where((n > 1e-3) & (m > 0), sd / m, np.nan)
    return cv.astype(np.float32)
