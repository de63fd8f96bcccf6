"""The compiled kernel on raw digital numbers leaves, bit for bit, the state of the NumPy kernel on reflectance."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from centinela.detect.fused import clear_lut, fold_dn, param_vectors
from centinela.detect.kernel import BANDS, Params, State, update
from centinela.imagery.cube import to_reflectance
from centinela.imagery.masks import CLEAR_SCL

FOREST_DN = np.array([220, 450, 240, 3000, 1400, 580])  # humid forest, DN = reflectance × 10 000
BARE_DN = np.array([900, 1100, 1300, 1900, 2900, 2500])
WATER_DN = np.array([700, 900, 800, 500, 300, 200])
SCRUB_DN = np.array([400, 700, 600, 2400, 2000, 1200])  # scrub or pasture: NDVI 0.6, not closed forest


def _series(rng, shape, dates: int, offset_dn: int, offset_from: int = 0):
    """DN cubes of forest with noise where a quarter of the pixels turn to bare ground or water half-way and a
    quarter are scrub of which half turn to bare ground, with cloud (SCL 8/9), shadow (3), no data (0), and a few
    zero DNs in clear pixels."""
    h, w = shape
    kind = rng.integers(0, 4, shape)
    scrub_turns = rng.random(shape) < 0.5
    out = []
    for t in range(dates):
        base = np.where((kind == 1)[None] & (t > dates // 2), BARE_DN[:, None, None], FOREST_DN[:, None, None])
        base = np.where((kind == 2)[None] & (t > dates // 2), WATER_DN[:, None, None], base)
        scrub_now = BARE_DN if t > dates // 2 else SCRUB_DN
        base = np.where(
            (kind == 3)[None], np.where(scrub_turns[None], scrub_now[:, None, None], SCRUB_DN[:, None, None]), base
        )
        noise = 1 + rng.normal(0, 0.04 if t % 7 else 0.3, (6, h, w))  # now and then a wild date (haze, shadow)
        dn = np.clip(base * noise + (offset_dn if t >= offset_from else 0), 0, 65535).astype(np.uint16)
        dn[rng.random((6, h, w)) < 0.002] = 0
        scl = rng.choice(np.array([4, 4, 4, 4, 5, 6, 8, 9, 3, 0], np.uint8), shape)
        out.append((dn, scl))
    return out


def _reference(series, days, scale, offset, p):
    """Reflectance as load_cube computes it (xarray), then the NumPy kernel."""
    T = len(series)
    dn = {b: xr.DataArray(np.stack([s[0][k] for s in series]), dims=("time", "y", "x")) for k, b in enumerate(BANDS)}
    refl = {}
    for k, b in enumerate(BANDS):
        sc, of = scale[:, k], offset[:, k]
        if np.all(sc == sc[0]) and np.all(of == of[0]):
            f = (float(sc[0]), float(of[0]))
        else:
            f = (xr.DataArray(sc, dims="time"), xr.DataArray(of, dims="time"))
        refl[b] = to_reflectance(dn[b], *f).values
    valid = np.all(np.stack([s[0] for s in series]) != 0, axis=1)
    st = State.empty(series[0][1].shape)
    for t in range(T):
        clear = np.isin(series[t][1], CLEAR_SCL) & valid[t]
        update(st, int(days[t]), {b: refl[b][t] for b in BANDS}, clear, p)
    return st


@pytest.mark.parametrize("case", ["uniform", "baseline_change"])
def test_fused_kernel_is_bit_identical_to_numpy_kernel(case):
    rng = np.random.default_rng(7 if case == "uniform" else 11)
    T, shape = 40, (48, 64)
    days = 19500 + 5 * np.arange(T)
    scale = np.full((T, 6), 1e-4)
    offset = np.zeros((T, 6))
    if (
        case == "baseline_change"
    ):  # ESA's processing baseline 04.00: -0.1 offset from the 15th date on, blue only at 2e-4
        offset[15:] = -0.1
        scale[:, 0] = 2e-4
    series = _series(rng, shape, T, 1000 if case == "baseline_change" else 0, offset_from=15)
    p = Params()
    ref = _reference(series, days, scale, offset, p)

    wide = np.array(
        [not (np.all(scale[:, k] == scale[0, k]) and np.all(offset[:, k] == offset[0, k])) for k in range(6)]
    )
    st = State.empty(shape)
    lut = clear_lut(CLEAR_SCL)
    pf, pi = param_vectors(p)
    seen = 0
    for t in range(T):
        n_clear, _ = fold_dn(st, int(days[t]), series[t][0], series[t][1], scale[t], offset[t], wide, lut, pf, pi)
        seen += n_clear
    assert seen == sum(int(np.isin(s[1], CLEAR_SCL).sum()) for s in series)
    a, b = ref.to_dict(), st.to_dict()
    for name in a:
        assert a[name].dtype == b[name].dtype, name
        assert np.array_equal(a[name], b[name], equal_nan=True), (name, np.flatnonzero(a[name] != b[name])[:5])
    # The series exercised the method: breaks were started, confirmed, dismissed; baselines learnt.
    assert (ref.conf_day > 0).sum() > 50 and (ref.cand_n > 0).sum() > 50
    assert (ref.n >= p.min_history).mean() > 0.5


def test_fold_reports_pixels_seen_and_changed():
    st = State.empty((2, 3))
    dn = np.tile(FOREST_DN[:, None, None], (1, 2, 3)).astype(np.uint16)
    scl = np.array([[4, 9, 5], [0, 3, 6]], np.uint8)
    pf, pi = param_vectors(Params())
    n_clear, changed = fold_dn(
        st, 19000, dn, scl, np.full(6, 1e-4), np.zeros(6), np.zeros(6, bool), clear_lut(CLEAR_SCL), pf, pi
    )
    assert (n_clear, changed) == (3, 3)
    assert st.n.tolist() == [[1, 0, 1], [0, 0, 1]]
    n_clear, changed = fold_dn(
        st,
        19005,
        dn,
        np.full((2, 3), 9, np.uint8),
        np.full(6, 1e-4),
        np.zeros(6),
        np.zeros(6, bool),
        clear_lut(CLEAR_SCL),
        pf,
        pi,
    )
    assert (n_clear, changed) == (0, 0)


def test_compiled_summary_equals_numpy_summary():
    from centinela.detect import fused
    from centinela.detect.objects import Rules, summarize

    rng = np.random.default_rng(3)
    T, shape = 30, (40, 56)
    days = 19500 + 5 * np.arange(T)
    series = _series(rng, shape, T, 0)
    st = _reference(series, days, np.full((T, 6), 1e-4), np.zeros((T, 6)), Params())
    for since in (0, int(days[10]), int(days[25])):
        a = summarize(st.to_dict(), Params(), Rules(), since)
        b = fused.summarize(st.to_dict(), Params(), Rules().green_ndvi, since)
        assert a.keys() == b.keys()
        for k in a:
            assert a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k]), (since, k)
        assert len(a["break_pos"]) and len(a["seen_pos"]) and (a["flags"] != 0).any()
