"""Bottom-of-atmosphere reflectance of the cover classes the simulator draws, in Sentinel-2 bands.

Band order everywhere in the simulator: blue (B2, 490 nm), green (B3, 560), red (B4, 665),
nir (B8, 842), swir16 (B11, 1610), swir22 (B12, 2190).

Where each value comes from (tags: READ = read from the source; DERIVED = computed from a
published formula or statement; ESTIMATE = our judgement, bounded by the sourced classes, to be
replaced when a measured value is found):

- ``bright_sand`` — READ at band centres from the USGS Spectral Library v7 spectrum
  "Sand DWO-3-DEL2a" (Kokaly et al. 2017, USGS Data Series 1035, doi:10.3133/ds1035):
  0.113, 0.152, 0.193, 0.279, 0.372, 0.310. Quartz-rich sandbars and dry tailings.
- ``forest`` — NIR ≈ 0.30 DERIVED for Tambopata, Madre de Dios, from Franch et al. 2018
  (Front. Earth Sci. 6:185, doi:10.3389/feart.2018.00185: NIR "can increase up to 0.06 (20%)"
  at low solar angles). Visible and SWIR DERIVED by diluting the green-vegetation endmember of
  Souza et al. 2005 (RSE 98:329-343; GV = 0.012, 0.048, 0.017, 0.625, 0.240, 0.068) with about
  half shade, then raised slightly for the atmosphere left in L2A over dark targets (ESTIMATE).
- Forest seasonality: dry-season NDVI changes by less than 5 % after BRDF correction
  (Petri, Galvão & Lyapustin 2019, Remote Sens. Lett. 10:95-102); visible and NIR brighten at the
  end of the dry season because the sun is higher (Galvão et al. 2011, RSE 115:2350-2359).
  :data:`FOREST_SEASONAL_AMPLITUDE` follows both.
- ``turbid_water`` and ``river`` — red and NIR DERIVED from the turbidity algorithm of
  Dogliotti et al. 2015 (RSE 156:157-168; T = A·ρw/(1−ρw/C), red A=228.1 C=0.1641,
  NIR A=3078.9 C=0.2112, coefficients as distributed with ACOLITE): at ~100 FNU ρw(red) ≈ 0.12,
  ρw(NIR) ≈ 0.03; at ~300 FNU (Andean white-water rivers in flood) ρw(NIR) ≈ 0.07.
  Blue, green and SWIR are ESTIMATES (SWIR of water is near zero; sediment-laden water is brighter in
  green than blue).
- ``npv`` (slash, dry residue) — ESTIMATE between the NPV endmember of Souza et al. 2005
  (0.151, 0.160, 0.142, 0.305, 0.771, 0.198; pure material) and a canopy-scale mixture.
- ``cloud`` — flat and bright in the visible, lower in SWIR, after the cloud endmember of Souza et
  al. 2005 (0.403, 0.871, 0.790, 0.899, 0.700, 0.661), damped to thick-cumulus L2A values (ESTIMATE).
- ``secondary_forest``, ``pasture``, ``burnt``, ``wet_tailings``, ``laterite``, ``asphalt``,
  ``clear_water``, ``green_pond``, ``turquoise_pond`` — ESTIMATES: no measured Sentinel-2 value was
  found for them in Madre de Dios. Each is kept physically consistent with the sourced classes
  (e.g. wet tailings darker than dry sand, most in SWIR; algal ponds peak in green; turquoise
  ponds are bright in blue-green from fine suspended clay) so that indices behave as in real
  scenes (NDVI, NBR, MNDWI, BSI signs).

Detectors must not be tuned to these numbers: they are realistic, not exact, and every class is
perturbed per pixel and per date by texture, mixing, haze and sensor noise.
"""

from __future__ import annotations

import numpy as np

BANDS = ("blue", "green", "red", "nir", "swir16", "swir22")
"""Reflectance bands the simulator writes, in Earth Search ``sentinel-2-l2a`` asset keys."""

BAND_IDS = {"blue": "B02", "green": "B03", "red": "B04", "nir": "B08", "swir16": "B11", "swir22": "B12"}
CENTRE_UM = {"blue": 0.49, "green": 0.56, "red": 0.665, "nir": 0.842, "swir16": 1.61, "swir22": 2.19}
FWHM_UM = {"blue": 0.098, "green": 0.045, "red": 0.038, "nir": 0.145, "swir16": 0.143, "swir22": 0.242}
NATIVE_RES_M = {"blue": 10, "green": 10, "red": 10, "nir": 10, "swir16": 20, "swir22": 20}

_R = {
    #                    blue   green  red    nir    swir16 swir22
    "forest": (0.022, 0.045, 0.024, 0.300, 0.140, 0.058),
    "secondary_forest": (0.028, 0.058, 0.035, 0.340, 0.175, 0.080),
    "pasture": (0.040, 0.075, 0.060, 0.290, 0.240, 0.130),
    "npv": (0.060, 0.080, 0.095, 0.210, 0.300, 0.210),
    "burnt": (0.035, 0.045, 0.050, 0.080, 0.130, 0.110),
    "bright_sand": (0.113, 0.152, 0.193, 0.279, 0.372, 0.310),
    "wet_tailings": (0.070, 0.090, 0.110, 0.140, 0.160, 0.120),
    "laterite": (0.075, 0.105, 0.170, 0.240, 0.310, 0.250),
    "asphalt": (0.080, 0.090, 0.095, 0.110, 0.130, 0.120),
    "clear_water": (0.030, 0.035, 0.020, 0.010, 0.004, 0.003),
    "turbid_water": (0.070, 0.110, 0.120, 0.030, 0.008, 0.005),
    "green_pond": (0.030, 0.070, 0.040, 0.030, 0.007, 0.004),
    "turquoise_pond": (0.075, 0.100, 0.060, 0.025, 0.006, 0.004),
    "river": (0.080, 0.125, 0.145, 0.070, 0.015, 0.008),
    "cloud": (0.420, 0.440, 0.460, 0.500, 0.400, 0.280),
}

SPECTRA: dict[str, np.ndarray] = {k: np.asarray(v, dtype=np.float32) for k, v in _R.items()}
"""Class name → reflectance vector in :data:`BANDS` order."""

CLASSES = tuple(SPECTRA)
CLASS_INDEX = {name: i for i, name in enumerate(CLASSES)}
SPECTRA_TABLE = np.stack([SPECTRA[c] for c in CLASSES])  # (n_classes, n_bands)

FOREST_SEASONAL_AMPLITUDE = np.asarray([0.08, 0.06, 0.08, 0.04, 0.03, 0.03], dtype=np.float32)
"""Relative amplitude of the dry-season brightening of forest, per band (illumination-driven)."""

HAZE_SPECTRUM = np.asarray([0.050, 0.035, 0.025, 0.012, 0.004, 0.002], dtype=np.float32)
"""Path reflectance added by thin haze at unit density: strongest in blue (Rayleigh/aerosol-like λ^-n)."""

SHADOW_DIFFUSE = np.asarray([0.45, 0.38, 0.33, 0.25, 0.20, 0.18], dtype=np.float32)
"""Fraction of reflectance left in full cloud shadow (diffuse sky light, bluer than direct sun)."""

NOISE_SIGMA = np.asarray([0.0025, 0.0020, 0.0020, 0.0030, 0.0030, 0.0030], dtype=np.float32)
"""Per-pixel sensor and residual-correction noise (reflectance units)."""


def pond_spectrum(turbidity: np.ndarray, greenness: np.ndarray, turquoise: np.ndarray) -> np.ndarray:
    """Mix pond water from clear, turbid, algal and turquoise end members.

    All inputs are in [0, 1] and broadcast together; returns (..., 6) reflectance.
    """
    t = np.clip(turbidity, 0, 1)[..., None]
    g = np.clip(greenness, 0, 1)[..., None] * (1 - t)
    q = np.clip(turquoise, 0, 1)[..., None] * (1 - t) * (1 - g)
    w_clear = 1 - t - g - q
    return (
        w_clear * SPECTRA["clear_water"]
        + t * SPECTRA["turbid_water"]
        + g * SPECTRA["green_pond"]
        + q * SPECTRA["turquoise_pond"]
    )
