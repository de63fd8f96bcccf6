"""Statistics of left-censored results (below detection limits) without substituting LOD/2.

Kaplan–Meier on flipped data (Helsel, *Statistics for Censored Environmental Data*, 2012): each value x
becomes M − x so that "< DL" becomes a right-censored observation, the product-limit estimator gives
the distribution, and flipping back gives percentiles and the (restricted) mean. Handles several
detection limits at once. Robust regression on order statistics (ROS) with Hirsch–Stedinger plotting
positions imputes the censored values when a method needs one number per sample (maps, hotspots).

Upper confidence limits of the mean (UCL95) follow EPA ProUCL's Kaplan–Meier family: they are the
exposure-point concentrations of a risk assessment.

Conventions, shared by every function here: ``values`` holds the measured value, or the detection
limit where ``censored`` is true ("< DL" means the true value is below DL); all censored mass of the
KM estimate sits at the lowest detected value for the mean (the usual restricted mean, slightly high when the
lowest result is a "< DL"); quantiles follow R survival::survfit (``quantile``) and are NaN where that mass
leaves them undefined.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import stats

from ..errors import InputError

UCL_METHODS = ("km-t", "km-bootstrap", "km-chebyshev", "ros-t")


@dataclass(frozen=True)
class Summary:
    """KM summary of one group. ``method`` is "km" (some censored), "none-censored" (plain data: KM equals
    the ordinary estimates) or "all-censored" (nothing detected: median, p90, mean, se and ucl95 are NaN and
    ``all_below`` says what is known, that every result is below that limit). A "km" median or p90 is NaN when
    the "< DL" mass below the lowest detect is larger than its probability (see ``quantile``)."""

    n: int
    n_censored: int
    median: float
    p90: float
    mean: float
    share_above: float | None  # share of results above ``threshold`` (None when undecidable)
    se: float = math.nan  # standard error of the KM mean
    ucl95: float = math.nan  # 95 % upper confidence limit of the mean, ``ucl_method``
    ucl_method: str = "km-t"
    method: str = "km"
    share_ci: tuple[float, float] | None = None  # Wilson 95 % interval of ``share_above``
    all_below: float | None = None  # all-censored only: the highest detection limit


def _arrays(values, censored) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(values, float).ravel()
    c = np.asarray(censored, bool).ravel()
    if x.shape != c.shape:
        raise InputError(f"values ({x.size}) and censored ({c.size}) must have the same length")
    if not np.isfinite(x).all():
        raise InputError("values must be finite numbers (a censored result carries its detection limit)")
    return x, c


class _KM(NamedTuple):
    xs: np.ndarray  # distinct detected values, ascending
    below: np.ndarray  # P(X < xs_i)
    cdf: np.ndarray  # P(X ≤ xs_i)
    at_risk: np.ndarray
    d: np.ndarray  # detections at xs_i


def _km(x: np.ndarray, c: np.ndarray) -> _KM:
    xs, d = np.unique(x[~c], return_counts=True)
    # At risk at a detected value: every result known to be ≤ it, a "< DL" with DL equal to it included
    # (ties: detections come before censorings on the flipped scale, the usual KM convention).
    at_risk = np.searchsorted(np.sort(x), xs, side="right")
    # Walking down from the largest value: P(X < xs_i) = Π_{j ≥ i} (1 − d_j / r_j).
    below = np.cumprod((1.0 - d / at_risk)[::-1])[::-1]
    cdf = np.append(below[1:], 1.0)  # P(X ≤ xs_i) = P(X < xs_{i+1})
    return _KM(xs, below, cdf, at_risk, d)


def km_cdf(values: np.ndarray, censored: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points (x, F(x)) of the Kaplan–Meier estimate of the CDF for left-censored data; here F(x) = P(X < x)
    at each distinct detected value (ascending), so P(X ≤ x_i) is the next point's F."""
    k = _km(*_arrays(values, censored))
    return k.xs, k.below


def _masses(cdf: np.ndarray) -> np.ndarray:
    # The censored mass below the lowest detect lands on it: the restricted KM distribution.
    return np.diff(np.concatenate([[0.0], cdf]))


def quantile(values, censored, q: float) -> float:
    """KM q-quantile (0 < q < 1) with the convention of R ``survival::survfit`` (``quantile.survfit``): the
    smallest detected x with P(X ≤ x) ≥ q, except where the estimated CDF sits exactly at q over a stretch, where
    the quantile is the midpoint of that stretch (so the median of 0.1, 0.2, 0.4, 3 is 0.3, as for plain data).

    On the original scale the flat stretch at q runs from the detect where P(X ≤ x) reaches q to the next detect
    up; survfit works on flipped values (M − x), where the same stretch is a flat of the survival curve, so the
    midpoint is the same number on either scale. A flat at the end of the flipped curve (the mass below the lowest
    detect equal to q) runs down to the smallest result, as survfit's special case does. NaN where the curve never
    reaches q (q inside the mass the "< DL" results leave below the lowest detect: the quantile is known only to
    be below that detect; survfit gives NA there).

    NADA's own ``quantile.cenfit`` (and NADA2's ``cfit``) report the lower end of such a stretch instead (its
    published Atrazine example prints a September median of 0.06 where this gives 0.075; tests/test_mercury_stats.py).
    """
    if not 0 < q < 1:
        raise InputError(f"a quantile needs 0 < q < 1; got {q}")
    x, c = _arrays(values, censored)
    xs, below, cdf, _, _ = _km(x, c)
    if xs.size == 0:
        return math.nan
    tol = 1e-9  # probabilities built from products of fractions: 0.5 may read 0.4999…
    if q < below[0] - tol:
        return math.nan
    if abs(below[0] - q) <= tol:
        return float((xs[0] + x.min()) / 2)
    i = int(np.searchsorted(cdf, q - tol, side="left"))
    if abs(cdf[i] - q) <= tol and i + 1 < xs.size:
        return float((xs[i] + xs[i + 1]) / 2)
    return float(xs[i])


def km_mean(values, censored, correct_se: bool = True) -> tuple[float, float]:
    """KM mean and its standard error (Kaplan & Meier 1958 area formula, as in NADA ``cenfit`` and EnvStats
    ``enparCensored``). ``correct_se`` multiplies the variance by m/(m−1), m = number of detects, as ProUCL
    does, so that without censoring the SE is the familiar s/√n. NaN when nothing is detected; the SE is NaN
    with fewer than two detects."""
    x, c = _arrays(values, censored)
    xs, _, cdf, at_risk, d = _km(x, c)
    if xs.size == 0:
        return math.nan, math.nan
    mean = float((xs * _masses(cdf)).sum())
    m = int(d.sum())
    if m < 2:
        return mean, math.nan
    # Area under the KM CDF from the lowest detect up to each detected value: how much the mean moves when
    # the estimate at that value moves, the weight of that value's Greenwood term.
    area = np.concatenate([[0.0], np.cumsum(cdf[:-1] * np.diff(xs))])
    room = at_risk - d
    terms = np.divide(area**2 * d, at_risk * room, out=np.zeros_like(area), where=room > 0)
    var = float(terms.sum()) * (m / (m - 1) if correct_se else 1.0)
    return mean, math.sqrt(var)


def _km_mean_only(x: np.ndarray, c: np.ndarray) -> float:
    xs, _, cdf, _, _ = _km(x, c)
    return float((xs * _masses(cdf)).sum()) if xs.size else math.nan


def ros(values, censored) -> np.ndarray:
    """Robust ROS (Helsel 2012; NADA ``ros``): log of detects regressed on normal quantiles of their
    Hirsch–Stedinger plotting positions; each censored result gets the fitted value at its own plotting
    position. Detected values come back as measured, in the input order. Needs three or more detects.
    Unlike newer NADA, a "< DL" above every detect is kept (imputed like the others) so the output stays aligned
    with the input; an imputed value is not capped at its DL, as in Helsel's method."""
    x, c = _arrays(values, censored)
    if int((~c).sum()) < 3:
        raise InputError(
            f"ROS needs at least 3 detected values; got {int((~c).sum())} of {x.size} "
            "(too few detects to fit a distribution: report the results as censored)"
        )
    if (x[~c] <= 0).any():
        raise InputError("ROS works on logarithms: detected values must be positive")
    if not c.any():
        return x.copy()
    pp = plotting_positions(x, c)
    slope, intercept = np.polyfit(stats.norm.ppf(pp[~c]), np.log(x[~c]), 1)
    out = x.copy()
    out[c] = np.exp(intercept + slope * stats.norm.ppf(pp[c]))
    return out


def plotting_positions(values, censored) -> np.ndarray:
    """Hirsch–Stedinger plotting positions for data with several detection limits, in the input order."""
    x, c = _arrays(values, censored)
    det = x[~c]
    limits = np.unique(x[c])
    if limits.size == 0 or det.min() < limits[0]:
        limits = np.concatenate([[0.0], limits])
    upper = np.append(limits[1:], np.inf)
    a = np.array([((det >= lo) & (det < hi)).sum() for lo, hi in zip(limits, upper, strict=True)], float)
    b = np.array([(x <= lo).sum() - (det == lo).sum() for lo in limits], float)  # results below each limit
    # Probability of exceeding each limit, from the highest limit down (P above the top one is 0).
    exceed = np.zeros(limits.size + 1)
    for j in range(limits.size - 1, -1, -1):
        exceed[j] = exceed[j + 1] + a[j] / (a[j] + b[j]) * (1 - exceed[j + 1])
    pp = np.empty(x.size)
    for j, (lo, hi) in enumerate(zip(limits, upper, strict=True)):
        # Detects between two limits spread evenly over that band of probability, in rank order.
        idx = np.flatnonzero(~c & (x >= lo) & (x < hi))
        idx = idx[np.argsort(x[idx], kind="stable")]
        pp[idx] = (1 - exceed[j]) + (exceed[j] - exceed[j + 1]) * np.arange(1, idx.size + 1) / (idx.size + 1)
        # "< DL" results spread evenly below their limit's non-exceedance probability.
        idx = np.flatnonzero(c & (x == lo))
        pp[idx] = (1 - exceed[j]) * np.arange(1, idx.size + 1) / (idx.size + 1)
    return pp


def ucl95(
    values, censored, method: str = "km-t", rng: np.random.Generator | int | None = None, n_boot: int = 2000
) -> float:
    """95 % upper confidence limit of the mean (ProUCL family): "km-t" KM mean + t(0.95, n−1)·SE;
    "km-chebyshev" KM mean + √(1/0.05 − 1)·SE (conservative for skewed data); "km-bootstrap" the 95th
    percentile of KM means of ``n_boot`` resamples (seeded by ``rng``; all-censored resamples are left out);
    "ros-t" Student t on the ROS-completed data. NaN where the statistic is undefined."""
    if method not in UCL_METHODS:
        raise InputError(f"UCL method must be one of {', '.join(UCL_METHODS)}; got {method!r}")
    x, c = _arrays(values, censored)
    n = x.size
    if n < 2 or c.all():
        return math.nan
    if method == "ros-t":
        filled = ros(x, c)
        return float(filled.mean() + stats.t.ppf(0.95, n - 1) * filled.std(ddof=1) / math.sqrt(n))
    if method == "km-bootstrap":
        rng = np.random.default_rng(rng)
        idx = rng.integers(0, n, size=(n_boot, n))
        means = np.array([_km_mean_only(x[i], c[i]) for i in idx])
        means = means[np.isfinite(means)]
        return float(np.quantile(means, 0.95)) if means.size else math.nan
    mean, se = km_mean(x, c)
    factor = stats.t.ppf(0.95, n - 1) if method == "km-t" else math.sqrt(1 / 0.05 - 1)
    return float(mean + factor * se)


def share_above(values, censored, threshold: float) -> float | None:
    """KM estimate of P(X > threshold); None when a "< DL" with DL above the threshold could lie on either side."""
    x, c = _arrays(values, censored)
    if x.size == 0 or (c & (x > threshold)).any():
        return None
    k = _km(x, c)
    if k.xs.size == 0:
        return 0.0  # all censored at limits ≤ threshold: all known to be at or below it
    # With no "< DL" above the threshold this equals the plain share of detects above it.
    at = np.searchsorted(k.xs, threshold, side="right") - 1
    return float(1.0 - (k.cdf[at] if at >= 0 else k.below[0]))


class Exceedance(NamedTuple):
    """Share of results above a threshold with its confidence interval. ``method``: "count" (every result is known
    to be above the threshold or not: a binomial proportion, Wilson interval), "km" (some "< DL" above the threshold
    apportioned by Kaplan–Meier: Greenwood interval on the log-log scale) or "undetermined" (share, lo and hi None)."""

    share: float | None
    lo: float | None
    hi: float | None
    method: str


def exceedance(values, censored, threshold: float, level: float = 0.95) -> Exceedance:
    """Share of results above ``threshold`` (P(X > threshold)) with a ``level`` confidence interval.

    Which thresholds are determinate: a "< DL" with DL ≤ threshold is known not to be above it; a "< DL" with DL
    above the threshold ("<0.5" against 0.3) may lie on either side.

    - No such ambiguous result: the share is a plain count k/n (Kaplan–Meier gives the same number). The interval
      is Wilson's score interval: close to nominal coverage for small n and for shares near 0 or 1, where the
      Wald interval (and Greenwood's variance, which reduces to it without censoring) collapses to a point.
    - Ambiguous results: Kaplan–Meier apportions them among the detects below their limit (assuming they are
      distributed like those detects), so P(X ≤ t) = Π over detects x_j > t of (1 − d_j / r_j). Its variance is
      Greenwood's, and the interval is built on the log-log scale (survival::survfit ``conf.type="log-log"``;
      Kalbfleisch & Prentice), which keeps it inside [0, 1] and covers better than the plain one in small samples.
      Where the estimate is 0 or 1 Greenwood's variance is zero; the Wilson interval of the same share over n is
      used there so a handful of fish never reads as certainty.
    - Undetermined (None) when ambiguous results meet mass that KM cannot place: the threshold lies below the
      lowest detect while some results are only known to be below it, or nothing is detected.
    """
    x, c = _arrays(values, censored)
    if x.size == 0:
        raise InputError("no results to estimate a share from")
    n = x.size
    if not (c & (x > threshold)).any():
        k = int((~c & (x > threshold)).sum())
        lo, hi = proportion_ci(k, n, level)
        return Exceedance(k / n, lo, hi, "count")
    k = _km(x, c)
    if k.xs.size == 0 or (threshold < k.xs[0] and k.below[0] > 0):
        return Exceedance(None, None, None, "undetermined")
    up = k.xs > threshold
    d, r = k.d[up].astype(float), k.at_risk[up].astype(float)
    f = float(np.prod(1.0 - d / r))  # P(X ≤ threshold)
    share = 1.0 - f
    if 0.0 < f < 1.0:
        sigma = math.sqrt(float((d / (r * (r - d))).sum()))
        z = stats.norm.ppf(0.5 + level / 2)
        spread = math.exp(z * sigma / abs(math.log(f)))
        f_lo, f_hi = f**spread, f ** (1 / spread)
        return Exceedance(share, 1.0 - f_hi, 1.0 - f_lo, "km")
    lo, hi = proportion_ci(share * n, n, level)
    return Exceedance(share, lo, hi, "km")


def proportion_ci(k: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for k successes out of n (well behaved near 0 and 1, unlike the Wald interval)."""
    if n <= 0:
        raise InputError(f"a proportion needs n > 0; got {n}")
    z = stats.norm.ppf(0.5 + level / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


ROS_ABOVE = 0.5  # censored share above which summarise() switches from Kaplan–Meier to ROS (Helsel 2012)


def summarise(
    values,
    censored,
    threshold: float | None = None,
    *,
    ucl_method: str = "km-t",
    rng: np.random.Generator | int | None = 0,
) -> Summary:
    """KM median, p90, mean, SE and UCL95 of one group, and the share above ``threshold`` with its Wilson interval.
    Over ``ROS_ABOVE`` censored (with at least 3 detects) the location statistics come from ROS instead.
    All-censored groups do not raise: their statistics are NaN and ``method`` says "all-censored"."""
    x, c = _arrays(values, censored)
    if len(x) == 0:
        raise InputError("no results to summarise")
    share = share_above(x, c, threshold) if threshold is not None else None
    ci = proportion_ci(share * len(x), len(x)) if share is not None else None
    if c.all():
        nan = math.nan
        return Summary(
            len(x),
            int(c.sum()),
            nan,
            nan,
            nan,
            share,
            ucl_method=ucl_method,
            method="all-censored",
            share_ci=ci,
            all_below=float(x.max()),
        )
    if c.mean() > ROS_ABOVE and (~c).sum() >= 3:
        # Over half censored, KM puts all the censored mass at the lowest detect, which biases the mean and
        # median upwards (benchmarks/results/mercury_stats.md); ROS extrapolates the fitted distribution below.
        filled = ros(x, c)
        mean = float(filled.mean())
        se = float(filled.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else math.nan
        return Summary(
            len(x),
            int(c.sum()),
            float(np.median(filled)),
            float(np.quantile(filled, 0.9)),
            mean,
            share,
            se=se,
            ucl95=ucl95(x, c, "ros-t"),
            ucl_method="ros-t",
            method="ros",
            share_ci=ci,
        )
    mean, se = km_mean(x, c)
    ucl = ucl95(x, c, ucl_method, rng=rng) if ucl_method != "ros-t" or (~c).sum() >= 3 else math.nan
    return Summary(
        len(x),
        int(c.sum()),
        quantile(x, c, 0.5),
        quantile(x, c, 0.9),
        mean,
        share,
        se=se,
        ucl95=ucl,
        ucl_method=ucl_method,
        method="km" if c.any() else "none-censored",
        share_ci=ci,
    )
