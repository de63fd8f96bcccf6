"""Censored-data statistics (KM, ROS, UCL95, shares) against hand-computed and simulated truths, and the
synthetic mercury campaign that the demo uses."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from shapely import points
from shapely.geometry import LineString

from centinela.errors import InputError
from centinela.mercury.censored import (
    exceedance,
    km_cdf,
    km_mean,
    plotting_positions,
    proportion_ci,
    quantile,
    ros,
    share_above,
    summarise,
    ucl95,
)
from centinela.mercury.ingest import COLUMNS, read_results
from centinela.mercury.qc import check_batches
from centinela.mercury.synthetic import EXTRA_COLUMNS, synthetic_results, write_csv

# Hand example: 1, <2, 3, <4, 5, 6. KM from the top, at-risk = results known to be ≤ the value:
#   at 6: 6 at risk, 1 detect → P(X<6) = 5/6;  at 5: 5 at risk → P(X<5) = 5/6·4/5 = 2/3
#   at 3: 3 at risk (1, <2, 3; "<4" cannot be placed below 3) → P(X<3) = 2/3·2/3 = 4/9;  at 1: P(X<1) = 0
# Masses 4/9, 2/9, 1/6, 1/6 at 1, 3, 5, 6 → mean 53/18, median 3, P(X > 4) = 1/3.
# SE: area under the CDF from 1 up to each detect, A(6) = 2·4/9 + 2·2/3 + 5/6 = 55/18, A(5) = 20/9, A(3) = 8/9;
#   Var = A(6)²/(6·5) + A(5)²/(5·4) + A(3)²/(3·2) = 149/216, times m/(m−1) = 4/3 for the m = 4 detects.
HAND_X = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
HAND_C = np.array([False, True, False, True, False, False])
HAND_SE = math.sqrt(149 / 216 * 4 / 3)

RIVER = LineString([(-70.5, -12.8), (-70.2, -12.7), (-69.9, -12.75), (-69.6, -12.65), (-69.2, -12.6)])


def lognormal(seed, n=1000, sigma=0.8, limits=(0.6, 1.1)):
    """Median-1 lognormal sample censored at two detection limits assigned at random: (true, observed, censored)."""
    rng = np.random.default_rng(seed)
    true = rng.lognormal(0.0, sigma, n)
    dl = rng.choice(limits, n)
    cens = true < dl
    return true, np.where(cens, dl, true), cens


def test_km_and_ros_by_hand():
    xs, below = km_cdf(HAND_X, HAND_C)
    assert xs.tolist() == [1, 3, 5, 6] and below == pytest.approx([0, 4 / 9, 2 / 3, 5 / 6])
    mean, se = km_mean(HAND_X, HAND_C)
    assert mean == pytest.approx(53 / 18) and se == pytest.approx(HAND_SE)
    assert km_mean(HAND_X, HAND_C, correct_se=False)[1] == pytest.approx(math.sqrt(149 / 216))
    assert quantile(HAND_X, HAND_C, 0.5) == 3 and quantile(HAND_X, HAND_C, 0.9) == 6
    assert ucl95(HAND_X, HAND_C) == pytest.approx(53 / 18 + stats.t.ppf(0.95, 5) * HAND_SE)
    assert ucl95(HAND_X, HAND_C, "km-chebyshev") == pytest.approx(53 / 18 + math.sqrt(19) * HAND_SE)
    assert share_above(HAND_X, HAND_C, 4) == pytest.approx(1 / 3)
    assert share_above(HAND_X, HAND_C, 3.5) is None  # the "<4" may be above or below 3.5
    # Hirsch–Stedinger: limits 0, 2, 4; detects per band A = 1, 1, 2; results below each limit B = 0, 2, 4.
    # P(exceed 4) = 2/6 = 1/3; P(exceed 2) = 1/3 + 1/3·2/3 = 5/9; P(exceed 0) = 1.
    # Detects: 1 → 0 + 4/9·1/2 = 2/9; 3 → 4/9 + 2/9·1/2 = 5/9; 5, 6 → 2/3 + 1/3·(1/3, 2/3) = 7/9, 8/9.
    # Censored: <2 → 4/9·1/2 = 2/9; <4 → 2/3·1/2 = 1/3.
    assert plotting_positions(HAND_X, HAND_C) == pytest.approx([2 / 9, 2 / 9, 5 / 9, 1 / 3, 7 / 9, 8 / 9])
    filled = ros(HAND_X, HAND_C)
    assert filled[~HAND_C].tolist() == [1, 3, 5, 6]
    slope, icpt = np.polyfit(stats.norm.ppf([2 / 9, 5 / 9, 7 / 9, 8 / 9]), np.log([1, 3, 5, 6]), 1)
    assert filled[HAND_C] == pytest.approx(np.exp(icpt + slope * stats.norm.ppf([2 / 9, 1 / 3])))


def test_without_censoring_km_is_the_ordinary_statistics():
    x = np.random.default_rng(3).lognormal(0, 1, 25)
    c = np.zeros(25, bool)
    mean, se = km_mean(x, c)
    assert mean == pytest.approx(x.mean()) and se == pytest.approx(x.std(ddof=1) / 5)
    s = summarise(x, c)
    assert s.method == "none-censored" and s.ucl95 == pytest.approx(
        x.mean() + stats.t.ppf(0.95, 24) * x.std(ddof=1) / 5
    )
    assert (ros(x, c) == x).all()


def test_ros_and_km_recover_lognormal_parameters_and_half_lod_does_worse():
    true, obs, cens = lognormal(0)
    assert 0.3 < cens.mean() < 0.5
    sigma = 0.8
    params = {"mean": math.exp(sigma**2 / 2), "median": 1.0, "p90": math.exp(stats.norm.ppf(0.9) * sigma)}
    sample = {"mean": true.mean(), "median": np.median(true), "p90": np.quantile(true, 0.9)}
    filled = ros(obs, cens)
    by_ros = {"mean": filled.mean(), "median": np.median(filled), "p90": np.quantile(filled, 0.9)}
    s = summarise(obs, cens)
    by_km = {"mean": s.mean, "median": s.median, "p90": s.p90}
    half = np.where(cens, obs / 2, obs)
    by_half = {"mean": half.mean(), "median": np.median(half), "p90": np.quantile(half, 0.9)}
    for k, value in params.items():
        assert by_ros[k] == pytest.approx(value, rel=0.10), k  # n = 1000: sampling error a few percent
        assert by_km[k] == pytest.approx(value, rel=0.10), k
        assert by_ros[k] == pytest.approx(sample[k], rel=0.03), k  # against the uncensored sample itself
    assert by_km["median"] == pytest.approx(sample["median"], rel=0.03) and by_km["p90"] == pytest.approx(
        sample["p90"], rel=0.03
    )
    # KM's restricted mean puts the censored mass at the lowest detect: slightly high, by design.
    assert 0 < s.mean / sample["mean"] - 1 < 0.06
    # Substitution: the median lands on made-up DL/2 values, the mean is pulled down.
    for k in ("mean", "median"):
        assert abs(by_ros[k] - sample[k]) < abs(by_half[k] - sample[k]), k
    assert abs(by_km["median"] - sample["median"]) < abs(by_half["median"] - sample["median"]) / 3


def test_km_t_ucl95_covers_the_true_mean():
    sigma, n, reps = 0.7, 40, 200
    true_mean = math.exp(sigma**2 / 2)
    hits = cheb = 0
    for rep in range(reps):
        _, obs, cens = lognormal(100 + rep, n=n, sigma=sigma, limits=(0.6, 0.9))
        hits += ucl95(obs, cens, "km-t") >= true_mean
        cheb += ucl95(obs, cens, "km-chebyshev") >= true_mean
    assert 0.88 <= hits / reps <= 0.99
    assert cheb >= hits  # Chebyshev is the conservative one


def test_bootstrap_and_ros_ucls():
    _, obs, cens = lognormal(5, n=60, sigma=0.7)
    mean, _ = km_mean(obs, cens)
    boot = ucl95(obs, cens, "km-bootstrap", rng=1, n_boot=500)
    assert boot == ucl95(obs, cens, "km-bootstrap", rng=1, n_boot=500)  # seeded
    assert mean < boot < ucl95(obs, cens, "km-chebyshev")
    assert ucl95(obs, cens, "ros-t") > ros(obs, cens).mean()
    with pytest.raises(InputError, match="UCL method"):
        ucl95(obs, cens, "lod/2")


def test_share_above_matches_the_truth_or_says_it_cannot():
    true, obs, cens = lognormal(1)
    share = share_above(obs, cens, 2.0)  # both limits below 2: every result is placed
    assert share == pytest.approx((true > 2.0).mean())
    assert share == pytest.approx(1 - stats.norm.cdf(math.log(2.0) / 0.8), abs=0.03)
    lo, hi = summarise(obs, cens, threshold=2.0).share_ci
    assert lo < 1 - stats.norm.cdf(math.log(2.0) / 0.8) < hi
    assert share_above(obs, cens, 1.1) is not None  # "<1.1" is below 1.1
    assert share_above(obs, cens, 1.0) is None and summarise(obs, cens, threshold=1.0).share_above is None
    assert proportion_ci(0, 10)[1] == pytest.approx(1.96**2 / (10 + 1.96**2), rel=1e-3)
    assert proportion_ci(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)


def test_small_and_all_censored_groups_do_not_crash():
    s = summarise([0.02, 0.05, 0.02], [True, True, True], threshold=0.1)
    assert s.method == "all-censored" and math.isnan(s.median) and math.isnan(s.mean) and math.isnan(s.ucl95)
    assert s.all_below == 0.05 and s.share_above == 0.0  # all known to be below 0.1
    assert summarise([0.02, 0.05], [True, True], threshold=0.03).share_above is None
    one = summarise([0.3], [False])
    assert one.median == one.mean == 0.3 and math.isnan(one.ucl95) and one.method == "none-censored"
    with pytest.raises(InputError, match="at least 3 detected"):
        ros([0.1, 0.2, 0.3, 0.4], [True, False, True, False])
    with pytest.raises(InputError):
        summarise([], [])


# --- Kaplan–Meier quantiles: the survfit convention, checked against published output -------------------------

# NADA's Atrazine data (Helsel 2005; NADA data/NADA.Atrazine.R, cran/NADA on GitHub): atrazine in groundwater,
# June and September, 24 wells each, as stored (single-precision values rounded back to 2 decimals).
ATRA = [0.38, 0.04, 0.01, 0.03, 0.03, 0.05, 0.02, 0.01, 0.01, 0.01, 0.11, 0.09, 0.01, 0.01, 0.01, 0.01, 0.02, 0.03,
        0.02, 0.02, 0.05, 0.03, 0.05, 0.01, 2.66, 0.63, 0.59, 0.05, 0.84, 0.58, 0.02, 0.01, 0.01, 0.01, 0.09, 0.31,
        0.02, 0.01, 0.5, 0.03, 0.09, 0.06, 0.03, 0.01, 0.1, 0.25, 0.03, 88.36]  # fmt: skip
ATRA_CEN = [0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1,
            0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]  # fmt: skip


def test_km_median_of_plain_data_is_the_ordinary_median():
    """The issue's case: four detects, the KM CDF sits at exactly 0.5 between 0.2 and 0.4. survfit returns the
    midpoint of such a flat ("this mirrors the standard behavior of the median when data is uncensored",
    survival::quantile.survfit documentation), so the median is the ordinary one."""
    assert summarise([0.1, 0.2, 0.4, 3], [False] * 4).median == pytest.approx(0.3)
    assert quantile([1, 1, 2, 3], [False] * 4, 0.5) == pytest.approx(1.5)  # R: median(c(1, 1, 2, 3)) = 1.5
    rng = np.random.default_rng(11)
    for n in (2, 5, 6, 9, 10, 40):
        x = rng.lognormal(0, 1, n).round(3)
        assert quantile(x, np.zeros(n, bool), 0.5) == pytest.approx(np.median(x)), n
    # Other quantiles follow the same rule: ten detects put the CDF at exactly 0.9 between the 9th and 10th.
    assert quantile(np.arange(1.0, 11.0), np.zeros(10, bool), 0.9) == pytest.approx(9.5)
    assert quantile(np.arange(1.0, 11.0), np.zeros(10, bool), 0.25) == 3.0  # no flat at 0.25: the 3rd value
    with pytest.raises(InputError, match="0 < q < 1"):
        quantile([1.0, 2.0], [False, False], 1.0)


def test_km_statistics_match_nada_published_atrazine_output():
    """Published output of NADA's ``cenfit-methods`` example (rdrr.io/rforge/NADA/man/cenfit-methods.html):

            n  n.cen  median      mean         sd
    all    48     14    0.03  2.010208  12.791612
    June   24      9    0.02  0.04791667 0.07541428
    Sept   24      5    0.06  3.97250003 18.08692684

    NADA's sd is sqrt(n)·SE of the KM mean, the SE with the m/(m−1) factor (NADA R/km.R), as ``km_mean`` gives.
    The medians of "all" and June are not on a flat of the curve and agree. September's is: the KM CDF is exactly
    12/24 = 0.5 from 0.06 up to 0.09 (detects above 0.06: 0.09, 0.1, 0.25, 0.31, 0.5, 0.58, 0.59, 0.63, 0.84,
    2.66, 88.36 and one more 0.09, i.e. 12 of 24, and no "<DL" above 0.01). NADA's own ``quantile`` method
    (``stepfind`` in R/km.R) takes the lower end of a flat and prints 0.06; survfit's rule, which the issue asks
    for, takes the midpoint, 0.075. The divergence is NADA's, documented here rather than hidden."""
    x, c = np.array(ATRA), np.array(ATRA_CEN, bool)
    june, sept = np.arange(48) < 24, np.arange(48) >= 24
    published = [(slice(None), 0.03, 2.010208, 12.791612), (june, 0.02, 0.04791667, 0.07541428)]
    for sel, median, mean, sd in published:
        n = x[sel].size
        s = summarise(x[sel], c[sel])
        m, se = km_mean(x[sel], c[sel])
        assert s.median == pytest.approx(median) and s.method == "km"
        assert m == pytest.approx(mean, rel=1e-6) and se * math.sqrt(n) == pytest.approx(sd, rel=1e-6)
    m, se = km_mean(x[sept], c[sept])
    assert m == pytest.approx(3.97250003, rel=1e-6) and se * math.sqrt(24) == pytest.approx(18.08692684, rel=1e-6)
    xs, below = km_cdf(x[sept], c[sept])
    assert below[list(xs).index(0.09)] == pytest.approx(0.5)  # P(X < 0.09) = P(X ≤ 0.06) = 1/2: a flat at 0.5
    assert quantile(x[sept], c[sept], 0.5) == pytest.approx(0.075)  # NADA prints 0.06 (see docstring)


def test_km_quantile_where_the_censored_mass_decides():
    """survfit on flipped data, worked by hand. (No published example of these two cases was found.)
    "<0.1", 0.3: at 0.3 both results are at risk, P(X < 0.3) = 1/2, and that mass sits somewhere below 0.1; the
    flipped curve ends flat at 0.5, survfit's special case takes the midpoint of the last jump (0.3) and the last
    time (0.1): 0.2. "<0.1" ×3, 0.3, 0.5: P(X < 0.3) = 4/5·3/4 = 3/5 > 1/2, the curve never falls to 0.5: survfit
    gives NA; the median is only known to be below 0.3 (in fact ≤ 0.1)."""
    assert quantile([0.1, 0.3], [True, False], 0.5) == pytest.approx(0.2)
    assert math.isnan(quantile([0.1, 0.1, 0.1, 0.3, 0.5], [True, True, True, False, False], 0.5))
    assert quantile([0.1, 0.1, 0.1, 0.3, 0.5], [True, True, True, False, False], 0.7) == 0.3  # P(X ≤ 0.3) = 4/5


def test_exceedance_by_count_with_wilson_interval():
    """Ten fish (mg/kg): 0.12 0.25 0.31 0.42 0.55 0.61 <0.05 0.18 0.72 0.36. Against 0.3 the only "< DL" is
    below 0.3, so every fish is known to be above or not: 6 of 10. Wilson, z = 1.959964:
    centre = (0.6 + z²/20) / (1 + z²/10) = 0.572228, half = z/(1 + z²/10) · √(0.6·0.4/10 + z²/400) = 0.259554
    → (0.312674, 0.831820). Against 0.5: 3 of 10 (0.55, 0.61, 0.72)."""
    v = [0.12, 0.25, 0.31, 0.42, 0.55, 0.61, 0.05, 0.18, 0.72, 0.36]
    c = [False] * 6 + [True] + [False] * 3
    e = exceedance(v, c, 0.3)
    assert e.method == "count" and e.share == pytest.approx(0.6)
    assert (e.lo, e.hi) == pytest.approx((0.312674, 0.831820), abs=1e-6)
    e5 = exceedance(v, c, 0.5)
    assert e5.share == pytest.approx(0.3) and (e5.lo, e5.hi) == pytest.approx(proportion_ci(3, 10))
    # KM gives the same share when no "< DL" is ambiguous, as share_above does.
    assert share_above(v, c, 0.3) == pytest.approx(0.6)


def test_exceedance_km_with_greenwood_loglog_interval():
    """0.2, <0.5, 0.4, 0.6, 0.8 against 0.3: the "<0.5" may be above or below 0.3. KM from the top (at risk =
    results known to be ≤ the value): 0.8: 5 at risk → 4/5; 0.6: 4 → 3/4; 0.4: 2 (0.2 and 0.4; the "<0.5" is not
    known to be ≤ 0.4) → 1/2. P(X ≤ 0.3) = 4/5·3/4·1/2 = 0.3, share above = 0.7.
    Greenwood: Σ d/(r(r−d)) = 1/20 + 1/12 + 1/2 = 0.633333, σ = 0.795822. Log-log: spread = exp(z σ / |ln 0.3|)
    = exp(1.959964 · 0.795822 / 1.203973) = 3.652933; P(X ≤ 0.3) in (0.3^3.652933, 0.3^(1/3.652933)) =
    (0.012298, 0.719218) → share in (0.280782, 0.987698). Against 0.5 the same "<0.5" is known not to be above
    (DL = threshold): a count, 2 of 5."""
    v, c = [0.2, 0.5, 0.4, 0.6, 0.8], [False, True, False, False, False]
    e = exceedance(v, c, 0.3)
    assert e.method == "km" and e.share == pytest.approx(0.7)
    assert (e.lo, e.hi) == pytest.approx((0.280782, 0.987698), abs=1e-6)
    e5 = exceedance(v, c, 0.5)
    assert e5.method == "count" and e5.share == pytest.approx(0.4)
    assert share_above(v, c, 0.3) is None  # the determinate-only estimate declines, as before


def test_exceedance_undetermined_and_degenerate_cases():
    # <0.1, 0.2, <0.5, 0.4, 0.6 against 0.15: "<0.5" is ambiguous and KM leaves mass below the lowest detect
    # (the "<0.1", at risk at 0.2), which may be above or below 0.15: undetermined.
    e = exceedance([0.1, 0.2, 0.5, 0.4, 0.6], [True, False, True, False, False], 0.15)
    assert e == (None, None, None, "undetermined")
    assert exceedance([0.5, 0.5], [True, True], 0.3).method == "undetermined"  # nothing detected, limits above
    low = exceedance([0.05, 0.05], [True, True], 0.3)  # all "< DL" below the threshold: known not above
    assert low.method == "count" and low[:3] == pytest.approx((0.0, 0.0, proportion_ci(0, 2)[1]))
    # No detect above the threshold while a "<0.5" is ambiguous: KM says 0 above; Greenwood would give a zero-width
    # interval, so the Wilson interval of 0 of 3 stands in.
    e = exceedance([0.5, 0.1, 0.2], [True, False, False], 0.3)
    assert e.method == "km" and e.share == 0.0 and (e.lo, e.hi) == pytest.approx(proportion_ci(0, 3))


def test_exceedance_interval_covers_the_true_share():
    """Lognormal fish-like samples (median 0.25 mg/kg, σ_log 0.7), n = 25, one detection limit 0.4 assigned to a
    third of the fish: the share above 0.3 is then often estimated by KM (ambiguous "<0.4"), above 0.5 by count."""
    sigma, median, n, reps = 0.7, 0.25, 25, 300
    truth = {t: 1 - stats.norm.cdf(math.log(t / median) / sigma) for t in (0.3, 0.5)}
    hits = {t: [] for t in truth}
    methods = set()
    rng = np.random.default_rng(17)
    for _ in range(reps):
        x = rng.lognormal(math.log(median), sigma, n)
        dl = np.where(rng.random(n) < 1 / 3, 0.4, 0.01)
        c = x < dl
        obs = np.where(c, dl, x)
        for t in truth:
            e = exceedance(obs, c, t)
            if e.share is not None:
                methods.add(e.method)
                hits[t].append(e.lo <= truth[t] <= e.hi)
    assert methods == {"count", "km"}
    for t, h in hits.items():
        assert len(h) > 0.9 * reps and 0.90 <= np.mean(h) <= 0.995, (t, np.mean(h))


# --- synthetic campaign -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    frame, truth = synthetic_results(RIVER, seed=3)
    path = write_csv(frame, tmp_path_factory.mktemp("hg") / "lab.csv")
    return frame, truth, read_results(path)


def test_synthetic_is_deterministic_and_complete():
    a, ta = synthetic_results(RIVER, seed=11, n_sediment_sites=12, n_fish=40, n_donors=30, communities=3)
    b, tb = synthetic_results(RIVER, seed=11, n_sediment_sites=12, n_fish=40, n_donors=30, communities=3)
    assert a.equals(b) and ta == tb
    assert not a.equals(
        synthetic_results(RIVER, seed=12, n_sediment_sites=12, n_fish=40, n_donors=30, communities=3)[0]
    )
    assert set(COLUMNS) | set(EXTRA_COLUMNS) <= set(a.columns)
    assert a.sample_id.is_unique
    with pytest.raises(InputError, match="longitude/latitude"):
        synthetic_results(LineString([(500000, 8500000), (600000, 8600000)]))
    with pytest.raises(InputError, match="hotspot_at"):
        synthetic_results(RIVER, hotspot_at=1.5)


@pytest.mark.parametrize("hotspot_at", [0.1, 0.6, 0.9])
def test_synthetic_hotspot_can_follow_detected_mining(hotspot_at):
    """The demo puts the hotspot below the mining it detected: the mining town must still be the village next
    to it, and the fish eaters downstream of it the most exposed."""
    _, t = synthetic_results(
        RIVER, seed=7, n_sediment_sites=10, n_fish=10, n_donors=12, communities=6, hotspot_at=hotspot_at
    )
    assert t.hotspot_km == pytest.approx(hotspot_at * t.river_length_km)
    assert min(t.community_km, key=lambda c: abs(t.community_km[c] - t.hotspot_km)) == t.mining_town
    assert max(t.hair_median, key=t.hair_median.get) == t.fish_eaters and t.community_km[t.fish_eaters] > t.hotspot_km


def test_synthetic_csv_reads_back_and_passes_qc(campaign):
    frame, truth, results = campaign
    assert len(results) == len(frame)
    table, _ = check_batches(results)
    assert table.passed.all(), table.reasons.tolist()
    assert set(results.qc_type) == {"sample", "blank", "duplicate", "crm"}
    samples = results[results.qc_type == "sample"]
    assert samples.censored.mean() == pytest.approx(truth.censored_share) and 0.02 < truth.censored_share < 0.2
    assert (samples.groupby("matrix").lod.nunique() == 2).all()  # two detection limits per matrix
    assert samples[samples.censored].value.nunique() >= 2
    assert (frame.loc[frame.value.str.startswith("<"), "lod"].astype(float) > 0).all()
    assert samples.donor_id[samples.matrix == "hair"].str.startswith("D-").all()  # pseudonymised on the way in
    lat, lon = samples.lat.astype(float), samples.lon.astype(float)
    assert RIVER.buffer(0.01).contains(points(np.column_stack([lon, lat]))).all()  # within ~1 km of the river


def test_synthetic_truth_shows_up_in_the_data(campaign):
    frame, truth, results = campaign
    # Columns the reader does not carry yet (fish_group, fish_meals_week) come from the generated frame.
    extra = frame.set_index("sample_id")
    s = results[results.qc_type == "sample"]
    hair = s[s.matrix == "hair"]
    medians = {
        name: summarise(g.value_canonical.astype(float), g.censored).median for name, g in hair.groupby("community")
    }
    assert max(medians, key=medians.get) == truth.fish_eaters
    assert max(medians, key=medians.get) != truth.mining_town
    for name, m in medians.items():
        assert m == pytest.approx(truth.hair_median[name], rel=0.4)
    rho = stats.spearmanr(hair.sample_id.map(extra.fish_meals_week).astype(float), hair.value_canonical.astype(float))[
        0
    ]
    assert rho > 0.4  # fish meals, not closeness to mining, drive hair mercury
    nearest = min(truth.community_km, key=lambda c: abs(truth.community_km[c] - truth.hotspot_km))
    assert nearest == truth.mining_town

    sed = s[s.matrix == "sediment"]
    expected = truth.sediment_median(sed.site_id.map(truth.site_km))
    near = expected >= truth.sediment_background + truth.hotspot_amplitude / 2
    far = expected <= truth.sediment_background + truth.hotspot_amplitude / 10
    assert near.sum() >= 3 and far.sum() >= 5
    assert sed[near].value_canonical.median() > 1.5 * summarise(sed[far].value_canonical, sed[far].censored).median
    assert stats.spearmanr(expected, ros(sed.value_canonical, sed.censored))[0] > 0.5
    assert truth.sediment_median(truth.hotspot_km) == pytest.approx(truth.sediment_background + truth.hotspot_amplitude)

    fish = s[s.matrix == "fish"].assign(fish_group=lambda d: d.sample_id.map(extra.fish_group))
    pred = summarise(
        fish[fish.fish_group == "predatory"].value_canonical, fish[fish.fish_group == "predatory"].censored
    )
    other = summarise(
        fish[fish.fish_group == "non_predatory"].value_canonical, fish[fish.fish_group == "non_predatory"].censored
    )
    assert pred.mean > 2 * other.mean
    pota = fish[fish.species == "Potamorhina altamazonica"]
    assert summarise(pota.value_canonical, pota.censored).mean == pytest.approx(
        truth.fish_mean["Potamorhina altamazonica"], rel=0.3
    )
    assert all(v > 0 for v in truth.true_values.values()) and len(truth.true_values) == len(s)
