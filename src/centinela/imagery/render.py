"""How pixels are shown: colour composites with fixed stretches, shared by quick-looks and evidence chips."""

from __future__ import annotations

import numpy as np
import xarray as xr

TRUE_COLOUR = (("red", 0.0, 0.16), ("green", 0.0, 0.16), ("blue", 0.0, 0.16))
FALSE_COLOUR = (("swir16", 0.02, 0.40), ("nir", 0.02, 0.45), ("red", 0.0, 0.20))
"""Fixed stretches (reflectance) so that two dates are comparable by eye."""


def composite(ds: xr.Dataset, recipe, gamma: float = 1 / 1.6) -> np.ndarray:
    """(y, x, 3) float image in [0, 1] from one time slice; NaN (nodata) becomes black."""
    chans = []
    for band, lo, hi in recipe:
        v = np.clip((ds[band].values - lo) / (hi - lo), 0, 1) ** gamma
        chans.append(np.nan_to_num(v, nan=0.0))
    return np.dstack(chans)
