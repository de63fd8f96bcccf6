"""Interpolating sediment or soil mercury between sites: inverse distance weighting and ordinary kriging.

Both work on log concentrations because mercury is right-skewed, in a metric CRS, and both are scored by
leave-one-out cross-validation so a user sees how far to trust the surface. Kriging uses PyKrige; the
variogram model (spherical or exponential) is the one with the lower leave-one-out error. Values are
Euclidean-distance interpolations: along a river, sites are connected by the water, not by straight lines,
so the surface is a picture of the data, not a model of transport (see ``upstream.py`` for the river view).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from ..errors import InputError
from ..extras import optional

MODELS = ("spherical", "exponential")
MIN_SITES = 8


@dataclass(frozen=True)
class Score:
    """Leave-one-out cross-validation of one method (errors in log10 units and in mg/kg)."""

    method: str
    n: int
    rmse_log10: float
    mae_log10: float
    bias_log10: float
    rmse: float
    rmsse: float | None = None  # root mean squared standardised error (kriging only; ≈ 1 when the variance is honest)


def _check(xy: np.ndarray, z: np.ndarray) -> None:
    if len(z) < MIN_SITES:
        raise InputError(f"interpolation needs at least {MIN_SITES} sites with results; got {len(z)}")
    if np.any(~np.isfinite(z)) or np.any(z <= 0):
        raise InputError("interpolation needs positive, finite concentrations (censored values imputed by ROS first)")
    if len(np.unique(xy, axis=0)) < len(xy):
        raise InputError("two sites share the same coordinates; aggregate results per site before interpolating")


def idw(xy: np.ndarray, z: np.ndarray, targets: np.ndarray, power: float = 2.0, k: int = 12) -> np.ndarray:
    """IDW of log10(z) from the ``k`` nearest sites, back-transformed (a geometric-mean-like surface)."""
    logz = np.log10(z)
    tree = cKDTree(xy)
    k = min(k, len(z))
    d, i = tree.query(targets, k=k)
    d, i = d.reshape(len(targets), k), i.reshape(len(targets), k)
    exact = d[:, 0] == 0
    w = 1.0 / np.maximum(d, 1e-9) ** power
    est = (w * logz[i]).sum(1) / w.sum(1)
    est[exact] = logz[i[exact, 0]]
    return 10**est


def _ok(xy, logz, model, params=None):
    OrdinaryKriging = optional("pykrige.ok", "maps", "Kriging of mercury").OrdinaryKriging
    return OrdinaryKriging(xy[:, 0], xy[:, 1], logz, variogram_model=model, variogram_parameters=params, nlags=8)


def _params(ok) -> dict:
    psill, rng, nugget = (float(v) for v in ok.variogram_model_parameters[:3])
    return {"psill": psill, "range": rng, "nugget": nugget}


def _score(method: str, logz: np.ndarray, est: np.ndarray, var: np.ndarray | None = None) -> Score:
    e = est - logz
    rmsse = float(np.sqrt(np.mean(e**2 / np.maximum(var, 1e-12)))) if var is not None else None
    return Score(
        method,
        len(logz),
        float(np.sqrt(np.mean(e**2))),
        float(np.mean(np.abs(e))),
        float(np.mean(e)),
        float(np.sqrt(np.mean((10**est - 10**logz) ** 2))),
        rmsse,
    )


def cross_validate_idw(xy: np.ndarray, z: np.ndarray, power: float = 2.0) -> Score:
    _check(xy, z)
    logz = np.log10(z)
    est = np.array(
        [np.log10(idw(np.delete(xy, i, 0), np.delete(z, i), xy[i : i + 1], power))[0] for i in range(len(z))]
    )
    return _score(f"idw p={power:g}", logz, est)


def cross_validate_kriging(xy: np.ndarray, z: np.ndarray, model: str) -> Score:
    """Leave-one-out with the variogram fitted once on all sites (the usual practice; refitting per fold
    would score the fitting routine as much as the surface)."""
    _check(xy, z)
    logz = np.log10(z)
    params = _params(_ok(xy, logz, model))
    est, var = np.empty(len(z)), np.empty(len(z))
    for i in range(len(z)):
        keep = np.arange(len(z)) != i
        p, v = _ok(xy[keep], logz[keep], model, params).execute("points", xy[i : i + 1, 0], xy[i : i + 1, 1])
        est[i], var[i] = float(p[0]), float(v[0])
    return _score(f"kriging {model}", logz, est, var)


@dataclass(frozen=True)
class Kriged:
    model: str
    params: dict
    estimate: np.ndarray  # mg/kg, lognormal back-transform with the variance correction
    variance_log10: np.ndarray
    scores: tuple[Score, ...]


def krige(xy: np.ndarray, z: np.ndarray, targets: np.ndarray) -> Kriged:
    """Ordinary kriging of log10(z) at ``targets`` with the better of the spherical and exponential models."""
    _check(xy, z)
    scores = tuple(cross_validate_kriging(xy, z, m) for m in MODELS)
    best = min(scores, key=lambda s: s.rmse_log10)
    model = best.method.split()[-1]
    ok = _ok(xy, np.log10(z), model)
    est, var = ok.execute("points", targets[:, 0], targets[:, 1])
    est, var = np.asarray(est, float), np.clip(np.asarray(var, float), 0, None)
    # Back to mg/kg: exp(μ + σ²/2) in natural-log units, the lognormal mean rather than the median.
    ln10 = np.log(10.0)
    estimate = np.exp(est * ln10 + 0.5 * var * ln10**2)
    return Kriged(model, _params(ok), estimate, var, scores)
