"""Surface reflectance of each land cover, drawn from real Sentinel-2 L2A percentiles.

The four measured covers (new mining, other human clearing, natural change, stable forest) use the
p10 / p50 / p90 of /work/shared/reference/real-spectra-amazon.md verbatim. Covers that file does not
measure (open water, bright sand, char) are stated below with the reason for each number; scrub and
pasture are linear mixtures of measured covers (see ``landscape.py`` and ``events.py``).

A pixel's value in one band is drawn from a two-piece log-normal that passes exactly through the
three percentiles: below the median its log-spread is set by p10, above it by p90. Bands are not
drawn independently: a pixel shares a visible, a NIR and a SWIR factor (correlated with each other by
a per-cover amount), so band ratios (NDVI, MNDWI...) spread the way the reference tables say.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

BANDS = ("B02", "B03", "B04", "B08", "B11", "B12")
"""Asset keys, in this order everywhere: blue, green, red, NIR, SWIR 1.6 um, SWIR 2.2 um."""
BLUE, GREEN, RED, NIR, SWIR1, SWIR2 = range(6)
Z10 = 1.2815516  # standard normal quantile of 0.9


@dataclass(frozen=True)
class Cover:
    """Percentiles of one cover (reflectance 0-1, one value per band) and how its bands co-vary."""

    name: str
    p10: tuple[float, ...]
    p50: tuple[float, ...]
    p90: tuple[float, ...]
    nir_vs_visible: float  # correlation of the NIR factor with the visible factor
    swir_vs_visible: float  # weight of the visible factor in the SWIR factor
    swir_vs_nir: float  # weight of the NIR factor's own part in the SWIR factor (wet/dry, leafy/bare)
    own: float = 0.05  # share of each band's variance that is its own (colour inside a group of bands)
    texture: float = 0.6  # share of the variance that is spatially smooth (patches), the rest per pixel


# --- measured: real-spectra-amazon.md, first table (p10 / p50 / p90 per band) ---------------------------
FOREST = Cover(
    "forest",
    (0.013, 0.029, 0.015, 0.232, 0.124, 0.050),
    (0.022, 0.042, 0.023, 0.292, 0.150, 0.063),
    (0.035, 0.057, 0.032, 0.361, 0.189, 0.086),
    nir_vs_visible=0.6,
    swir_vs_visible=0.7,
    swir_vs_nir=0.4,
)
MINING = Cover(
    "mining",
    (0.054, 0.080, 0.083, 0.149, 0.141, 0.081),
    (0.096, 0.138, 0.157, 0.275, 0.257, 0.167),
    (0.193, 0.255, 0.307, 0.376, 0.408, 0.292),
    nir_vs_visible=0.6,  # wet tailings, ponds and scrub mix in: NIR varies apart from brightness
    swir_vs_visible=0.5,
    swir_vs_nir=0.6,
    own=0.1,
)
HUMAN = Cover(
    "human",
    (0.055, 0.078, 0.082, 0.189, 0.133, 0.077),
    (0.141, 0.180, 0.197, 0.335, 0.286, 0.200),
    (0.427, 0.422, 0.426, 0.484, 0.426, 0.368),
    nir_vs_visible=0.8,
    swir_vs_visible=0.7,
    swir_vs_nir=0.6,
    own=0.02,
)
NATURAL = Cover(
    "natural",
    (0.049, 0.074, 0.067, 0.061, 0.026, 0.014),
    (0.066, 0.091, 0.096, 0.162, 0.139, 0.081),
    (0.091, 0.115, 0.118, 0.312, 0.312, 0.186),
    nir_vs_visible=0.8,
    swir_vs_visible=0.9,
    swir_vs_nir=0.4,
)

# --- stated: covers the reference does not measure --------------------------------------------------------
# Turbid river and pond water. The reference says a fifth of natural change is open water and is the darkest,
# wettest part of it, so its p10 row (.049 .074 .067 .061 .026 .014) is taken as the *upper-middle* of water:
# visible bands stay near it (sediment-laden Madre de Dios rivers are brown, red ~0.07), NIR and SWIR fall
# well below it (water absorbs them), which keeps MNDWI > 0.1 and NDVI < 0.1 as the reference defines water.
WATER = Cover(
    "water",
    (0.040, 0.058, 0.048, 0.028, 0.008, 0.004),
    (0.052, 0.074, 0.068, 0.045, 0.016, 0.009),
    (0.068, 0.095, 0.100, 0.075, 0.032, 0.020),
    nir_vs_visible=0.8,  # more sediment raises every band together
    swir_vs_visible=0.6,
    swir_vs_nir=0.4,
    texture=0.8,
)
# Bright river sand (bars, beaches): the bright half of mined ground, i.e. the mining row from its median to
# its p90 (the reference's "bright bare ground" is NDVI < 0.35 with visible >= 0.07).
SAND = Cover(
    "sand",
    MINING.p50,
    tuple((a + b) / 2 for a, b in zip(MINING.p50, MINING.p90, strict=True)),
    MINING.p90,
    nir_vs_visible=0.8,
    swir_vs_visible=0.9,
    swir_vs_nir=0.3,
)
# Char and ash of a freshly burnt clearing. Not in the reference: stated from what burn scars do in every
# sensor (dark in all bands, NIR collapses, SWIR 2.2 about equal to NIR so NBR is near or below zero).
CHAR = Cover(
    "char",
    (0.020, 0.028, 0.030, 0.060, 0.075, 0.060),
    (0.032, 0.045, 0.050, 0.090, 0.120, 0.100),
    (0.050, 0.065, 0.075, 0.130, 0.170, 0.150),
    nir_vs_visible=0.6,
    swir_vs_visible=0.7,
    swir_vs_nir=0.5,
)

COVERS = (FOREST, HUMAN, MINING, NATURAL, WATER, SAND, CHAR)
"""Endmembers, in the order of the weight arrays of ``landscape`` and ``events``."""
INDEX = {c.name: i for i, c in enumerate(COVERS)}


def smooth_normal(rng: np.random.Generator, shape: tuple[int, int], sigma_px: float) -> np.ndarray:
    """Spatially correlated standard-normal field (white noise blurred, then rescaled to unit variance)."""
    f = ndimage.gaussian_filter(rng.standard_normal(shape), sigma_px, mode="wrap")
    return (f - f.mean()) / f.std()


def latent(rng: np.random.Generator, cover: Cover, shape: tuple[int, int]) -> np.ndarray:
    """Standard-normal scores (6, H, W): a visible, a NIR and a SWIR factor, each band a little on its own."""

    def field() -> np.ndarray:
        # Patches a few pixels across (crowns, tailing heaps) plus pixel-level speckle; unit variance overall.
        smooth = smooth_normal(rng, shape, sigma_px=2.5)
        return np.sqrt(cover.texture) * smooth + np.sqrt(1 - cover.texture) * rng.standard_normal(shape)

    vis, nir_own, swir_own = field(), field(), field()
    nir = cover.nir_vs_visible * vis + np.sqrt(1 - cover.nir_vs_visible**2) * nir_own
    a, b = cover.swir_vs_visible, cover.swir_vs_nir
    swir = (a * vis + b * nir_own + np.sqrt(max(1 - a * a - b * b, 0.0)) * swir_own) / np.sqrt(max(a * a + b * b, 1.0))
    group = (vis, vis, vis, nir, swir, swir)
    own = cover.own
    return np.stack([np.sqrt(1 - own) * g + np.sqrt(own) * rng.standard_normal(shape) for g in group])


def quantile(cover: Cover, z: np.ndarray) -> np.ndarray:
    """Reflectance (6, ...) at standard-normal scores ``z`` (6, ...): two-piece log-normal through p10/p50/p90."""
    per_band = (6,) + (1,) * (z.ndim - 1)
    p10, p50, p90 = (np.asarray(p, np.float64).reshape(per_band) for p in (cover.p10, cover.p50, cover.p90))
    lo = np.log(p50 / p10) / Z10
    hi = np.log(p90 / p50) / Z10
    z = np.clip(z, -3.0, 3.0)  # beyond 3 sigma a log-normal tail stops being physical
    return (p50 * np.exp(np.where(z < 0, z * lo, z * hi))).astype(np.float32)


def sample(rng: np.random.Generator, cover: Cover, shape: tuple[int, int]) -> np.ndarray:
    """One static reflectance map (6, H, W) of ``cover`` over the whole scene."""
    return quantile(cover, latent(rng, cover, shape))


def indices(r: np.ndarray) -> dict[str, np.ndarray]:
    """The reference's indices, for checking samples against its second table."""
    b, g, red, n, s1, s2 = r

    def nd(a, c):
        return (a - c) / (a + c)

    return {
        "NDVI": nd(n, red),
        "NBR": nd(n, s2),
        "MNDWI": nd(g, s1),
        "BSI": nd(s1 + red, n + b),
        "visible": (b + g + red) / 3,
    }
