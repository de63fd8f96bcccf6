"""Hotspots of mercury: Getis–Ord Gi* with permutation inference and a false-discovery-rate correction.

Gi* (esda.G_Local with ``star=True``) on k-nearest-neighbour weights (libpysal) asks whether a site and its
neighbours together are higher (hot) or lower (cold) than the study area as a whole. Every site is a test,
so the permutation p-values are corrected with Benjamini–Hochberg (scipy) before anything is called a
hotspot; without the correction one site in twenty would be "significant" by chance.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.stats import false_discovery_control

from ..errors import InputError
from ..extras import optional

MIN_SITES = 10


@dataclass(frozen=True)
class Hotspots:
    z: np.ndarray  # standardised Gi*
    p: np.ndarray  # permutation pseudo p-value (one-sided, in the observed direction)
    q: np.ndarray  # Benjamini–Hochberg adjusted
    label: np.ndarray  # "hot", "cold" or "" per site
    k: int
    alpha: float


def gi_star(
    xy: np.ndarray,
    values: np.ndarray,
    k: int | None = None,
    alpha: float = 0.05,
    permutations: int = 999,
    seed: int = 0,
) -> Hotspots:
    """Gi* per site on log values (so a single extreme site does not carry its neighbours)."""
    values = np.asarray(values, float)
    if len(values) < MIN_SITES:
        raise InputError(f"hotspot analysis needs at least {MIN_SITES} sites; got {len(values)}")
    if np.any(values <= 0) or np.any(~np.isfinite(values)):
        raise InputError("hotspot analysis needs positive, finite values (censored values imputed by ROS first)")
    k = k or min(8, len(values) - 1)
    KNN = optional("libpysal.weights", "maps", "Mercury hotspots (Gi*)").KNN
    G_Local = optional("esda", "maps", "Mercury hotspots (Gi*)").G_Local
    w = KNN.from_array(np.asarray(xy, float), k=k)
    w.transform = "B"
    # G is a ratio to the sum of all values, so it needs positive numbers: log10 shifted to start at 1.
    y = np.log10(values) - np.log10(values.min()) + 1.0
    with warnings.catch_warnings():
        # esda warns that its default will become two-sided; the p-values below are made two-sided here.
        warnings.filterwarnings("ignore", message="The alternative hypothesis", category=DeprecationWarning)
        g = G_Local(
            y, w, transform="B", star=True, permutations=permutations, seed=seed, n_jobs=1, keep_simulations=False
        )
    z = np.asarray(g.Zs, float)
    p = np.asarray(g.p_sim, float)
    q = false_discovery_control(np.clip(p * 2, 0, 1), method="bh")  # two-sided: hot or cold
    label = np.where(q <= alpha, np.where(z > 0, "hot", "cold"), "")
    return Hotspots(z, p, q, label, k, alpha)
