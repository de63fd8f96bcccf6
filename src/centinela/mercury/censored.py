"""Statistics of left-censored results (below detection limits) without substituting LOD/2.

Kaplan–Meier on flipped data (Helsel, *Statistics for Censored Environmental Data*): each value x
becomes M − x so that "< DL" becomes a right-censored observation, the product-limit estimator gives
the distribution, and flipping back gives percentiles and the (restricted) mean. Handles several
detection limits at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Summary:
    n: int
    n_censored: int
    median: float
    p90: float
    mean: float
    share_above: float | None  # share of results above ``threshold`` (None when undecidable)


def km_cdf(values: np.ndarray, censored: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points (x, F(x)) of the Kaplan–Meier estimate of the CDF for left-censored data (F right-continuous)."""
    x = np.asarray(values, float)
    c = np.asarray(censored, bool)
    flip = x.max() + 1.0
    y = flip - x  # right-censored after flipping
    order = np.lexsort((c, y))  # at ties, events before censorings
    y, c = y[order], c[order]
    surv, at_risk, points = 1.0, len(y), []
    for t in np.unique(y):
        here = y == t
        d = int((~c[here]).sum())
        if d:
            surv *= 1 - d / at_risk
            points.append((t, surv))
        at_risk -= int(here.sum())
    ts = np.array([p[0] for p in points])
    ss = np.array([p[1] for p in points])
    # S(t) on the flipped scale is P(Y > t) = P(X < flip − t): back on X it is the CDF just below x.
    xs = flip - ts
    return xs[::-1], ss[::-1]


def quantile(values, censored, q: float) -> float:
    xs, F = km_cdf(values, censored)
    # F here is P(X < x) at each detected value; the q-quantile is the smallest x with P(X ≤ x) ≥ q.
    xs_sorted = xs
    cdf_at = np.append(F[1:], 1.0)  # P(X ≤ x_i) = P(X < x_{i+1})
    idx = np.searchsorted(cdf_at, q, side="left")
    return float(xs_sorted[min(idx, len(xs_sorted) - 1)])


def summarise(values, censored, threshold: float | None = None) -> Summary:
    x = np.asarray(values, float)
    c = np.asarray(censored, bool)
    if len(x) == 0:
        raise ValueError("no results to summarise")
    xs, F = km_cdf(x, c)
    cdf_at = np.append(F[1:], 1.0)
    probs = np.diff(np.concatenate([[0.0], cdf_at]))
    mean = float((xs * probs).sum())  # restricted mean: censored mass sits at the lowest detected value
    share = None
    if threshold is not None:
        if (c & (x > threshold)).any():
            share = None  # a '< DL' above the threshold cannot be placed
        else:
            share = float(((x > threshold) & ~c).mean())
    return Summary(len(x), int(c.sum()), quantile(x, c, 0.5), quantile(x, c, 0.9), mean, share)
