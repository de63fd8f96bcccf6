"""Length-standardised fish mercury per site.

Bigger, older fish of a species carry more mercury, so a site where the nets caught large fish looks worse
than one where they caught small ones even when the water is the same. Fish-mercury monitoring compares
sites at a common ("standard") length instead: log mercury is regressed on length within a species, with
one intercept per site and a slope shared by all sites (an analysis of covariance), and each site's value is
predicted at the standard length. This is the sample-characteristic adjustment of Wente (2004), A statistical
model and national data set for partitioning fish-tissue mercury concentration variation between
spatiotemporal and sample characteristic effects, USGS Scientific Investigations Report 2004-5199
(https://pubs.usgs.gov/sir/2004/5199); Somers and Jackson (1993, Can. J. Fish. Aquat. Sci. 50: 2388–2396)
warn that the adjustment assumes parallel slopes across sites, which is why it is done within one species
only and the common slope is reported for the user to judge.

The prediction is back-transformed with Duan's (1983) smearing factor (the mean of the exponentiated
residuals) so that it is a mean at the standard length, like the plain site means it stands in for, rather
than a geometric mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError


@dataclass(frozen=True)
class LengthFit:
    values: pd.Series  # mg/kg at the standard length, by site
    n: pd.Series  # fish with a length, by site
    slope: float  # d ln(Hg) / d length (cm), common to all sites
    smearing: float
    n_fish: int
    length_range: tuple[float, float]


def standardise(site: pd.Series, length_cm: pd.Series, value: pd.Series, standard_cm: float) -> LengthFit:
    """Site values at ``standard_cm`` from one species' fish (site, length, concentration; rows without a
    length or a positive value are the caller's to leave out)."""
    if not np.isfinite(standard_cm) or standard_cm <= 0:
        raise InputError(f"--standard-length must be a positive length in cm; got {standard_cm}")
    d = pd.DataFrame({"site": site.to_numpy(), "x": length_cm.to_numpy(float), "y": np.log(value.to_numpy(float))})
    # Within-site (pooled) slope: each fish's length and log mercury as departures from its site's means.
    centred = d[["x", "y"]] - d.groupby("site")[["x", "y"]].transform("mean")
    sxx = float((centred.x**2).sum())
    if sxx <= 0:
        raise InputError(
            "the fish lengths do not vary within any site, so the slope of mercury on length cannot be estimated"
        )
    slope = float((centred.x * centred.y).sum() / sxx)
    means = d.groupby("site")[["x", "y"]].mean()
    resid = centred.y - slope * centred.x
    smearing = float(np.mean(np.exp(resid)))
    values = np.exp(means.y + slope * (standard_cm - means.x)) * smearing
    return LengthFit(
        values,
        d.groupby("site").size(),
        slope,
        smearing,
        len(d),
        (float(d.x.min()), float(d.x.max())),
    )
