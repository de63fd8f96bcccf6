"""The change kernel fused with the last steps of reading, compiled with Numba: digital numbers in, state out.

:func:`centinela.detect.kernel.update` is the readable definition of the method, over reflectance
arrays, with ~100 whole-array temporaries a date. This is the same arithmetic done pixel by pixel in
one pass: scaling the raw digital numbers to reflectance (as :func:`centinela.imagery.load_cube` does),
the clear-sky mask from SCL, the indices and the state update. Each operation is the float32 (or, for
time-varying scale factors, float64) operation NumPy performs there, in the same order, without
fused multiply-adds (Numba's default), so the state it leaves is bit for bit the one ``update`` leaves;
``tests/test_detect_fused.py`` holds it to that.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .kernel import Params, State

F32 = np.float32

# Order of the thresholds in the float32 parameter vector handed to the compiled kernel.
_FLOATS = (
    "forest_ndvi",
    "loss_ndvi_drop",
    "loss_nbr_drop",
    "loss_ndvi_drop_with_nbr",
    "sigma_k",
    "sigma_floor",
    "haze_blue_rise",
    "haze_blue_vs_swir",
    "haze_swir16_floor",
    "shadow_nir_ratio",
    "shadow_ndvi_tol",
    "dark_swir16_ratio",
    "dark_mndwi",
    "water_mndwi",
    "water_ndvi",
    "bare_ndvi",
    "bare_bsi",
    "bare_visible",
    "scrub_ndvi",
)


def param_vectors(p: Params) -> tuple[np.ndarray, np.ndarray]:
    """The thresholds as float32 (what NumPy compares float32 arrays with) and the integer ones."""
    return (np.array([getattr(p, k) for k in _FLOATS], np.float32), np.array([p.min_history, p.confirm_obs], np.int64))


def clear_lut(classes) -> np.ndarray:
    lut = np.zeros(256, np.bool_)
    lut[list(classes)] = True
    return lut


def fold_dn(
    state: State,
    day: int,
    dn: np.ndarray,
    scl: np.ndarray,
    scale: np.ndarray,
    offset: np.ndarray,
    wide: np.ndarray,
    lut: np.ndarray,
    pf: np.ndarray,
    pi: np.ndarray,
) -> tuple[int, int]:
    """Fold one date into ``state`` in place from raw digital numbers.

    ``dn`` is (6, h, w) uint16 in :data:`~centinela.detect.kernel.BANDS` order (0 = no data), ``scl``
    (h, w) uint8; reflectance is ``dn × scale + offset`` per band, in float32 where the band's factors
    are the same for every date of the cube and in float64 where they vary (``wide``), as xarray
    computes them. Returns (pixels whose SCL is a clear class, pixels whose state changed).
    """
    s = state
    return _fold(
        int(day),
        dn.reshape(6, -1),
        scl.reshape(-1),
        np.asarray(scale, np.float64),
        np.asarray(offset, np.float64),
        np.asarray(wide, np.bool_),
        lut,
        pf,
        pi,
        s.n.reshape(-1),
        s.n_clear.reshape(-1),
        s.mu_ndvi.reshape(-1),
        s.m2_ndvi.reshape(-1),
        s.mu_nbr.reshape(-1),
        s.m2_nbr.reshape(-1),
        s.mu_mndwi.reshape(-1),
        s.mu_bsi.reshape(-1),
        s.mu_blue.reshape(-1),
        s.mu_nir.reshape(-1),
        s.mu_swir16.reshape(-1),
        s.mu_swir22.reshape(-1),
        s.mu_vis.reshape(-1),
        s.cand_day.reshape(-1),
        s.cand_n.reshape(-1),
        s.conf_day.reshape(-1),
        s.base_n_at_break.reshape(-1),
        s.n_post.reshape(-1),
        s.n_water.reshape(-1),
        s.n_bare.reshape(-1),
        s.n_char.reshape(-1),
        s.ndvi_recent.reshape(-1),
    )


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _maximum(a, b):
    # np.maximum: NaN wins
    if a != a:
        return a
    if b != b:
        return b
    return a if a >= b else b


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _refl(dn, k, scale, offset, wide):
    if wide[k]:
        return F32(np.float64(dn) * scale[k] + offset[k])
    return F32(dn) * F32(scale[k]) + F32(offset[k])


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _welford(mu, m2, i, x, n_div, with_var):
    m = mu[i]
    delta = x - m
    m_new = m + delta / n_div
    mu[i] = m_new
    if with_var:
        m2[i] = m2[i] + delta * (x - m_new)


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _fold(
    day,
    dn,
    scl,
    scale,
    offset,
    wide,
    lut,
    pf,
    pi,
    n,
    n_clear,
    mu_ndvi,
    m2_ndvi,
    mu_nbr,
    m2_nbr,
    mu_mndwi,
    mu_bsi,
    mu_blue,
    mu_nir,
    mu_swir16,
    mu_swir22,
    mu_vis,
    cand_day,
    cand_n,
    conf_day,
    base_n_at_break,
    n_post,
    n_water,
    n_bare,
    n_char,
    ndvi_recent,
):
    (
        forest_ndvi,
        loss_ndvi_drop,
        loss_nbr_drop,
        loss_ndvi_drop_with_nbr,
        sigma_k,
        sigma_floor,
        haze_blue_rise,
        haze_blue_vs_swir,
        haze_swir16_floor,
        shadow_nir_ratio,
        shadow_ndvi_tol,
        dark_swir16_ratio,
        dark_mndwi,
        water_mndwi,
        water_ndvi,
        bare_ndvi,
        bare_bsi,
        bare_visible,
        scrub_ndvi,
    ) = (
        pf[0],
        pf[1],
        pf[2],
        pf[3],
        pf[4],
        pf[5],
        pf[6],
        pf[7],
        pf[8],
        pf[9],
        pf[10],
        pf[11],
        pf[12],
        pf[13],
        pf[14],
        pf[15],
        pf[16],
        pf[17],
        pf[18],
    )
    min_history, confirm_obs = pi[0], pi[1]
    one, half, three = F32(1.0), F32(0.5), F32(3.0)
    n_scl_clear = 0
    n_changed = 0
    for i in range(scl.shape[0]):
        c = lut[scl[i]]
        n_scl_clear += c
        ok = c
        for k in range(6):
            ok = ok and dn[k, i] != 0
        blue = green = red = nir = sw1 = sw2 = v_ndvi = v_nbr = v_mndwi = v_bsi = v_vis = F32(0.0)
        hist = False
        if ok:
            blue = _refl(dn[0, i], 0, scale, offset, wide)
            green = _refl(dn[1, i], 1, scale, offset, wide)
            red = _refl(dn[2, i], 2, scale, offset, wide)
            nir = _refl(dn[3, i], 3, scale, offset, wide)
            sw1 = _refl(dn[4, i], 4, scale, offset, wide)
            sw2 = _refl(dn[5, i], 5, scale, offset, wide)
            v_ndvi = (nir - red) / (nir + red)
            v_nbr = (nir - sw2) / (nir + sw2)
            v_mndwi = (green - sw1) / (green + sw1)
            a = sw1 + red
            b = nir + blue
            v_bsi = (a - b) / (a + b)
            v_vis = (blue + green + red) / three
            ok = np.isfinite(v_ndvi) and np.isfinite(v_nbr) and np.isfinite(v_mndwi)
        if ok:
            hist = n[i] >= min_history
            d_blue = blue - mu_blue[i]
            haze = (
                hist
                and d_blue >= haze_blue_rise
                and d_blue >= haze_blue_vs_swir * (sw2 - mu_swir22[i])
                and (sw1 - mu_swir16[i] >= haze_swir16_floor)
            )
            darker = hist and nir < shadow_nir_ratio * mu_nir[i]
            shadow = darker and (
                abs(v_ndvi - mu_ndvi[i]) < shadow_ndvi_tol
                or (sw1 < dark_swir16_ratio * mu_swir16[i] and v_mndwi < dark_mndwi)
            )
            ok = not haze and not shadow
        if not ok:
            # Nothing of an unseen pixel changes; the confirmation test below reads only the state.
            if cand_n[i] >= confirm_obs and conf_day[i] == 0:
                conf_day[i] = day
                n_changed += 1
            continue
        n_changed += 1
        n_clear[i] = n_clear[i] + 1
        water = v_mndwi > water_mndwi and v_ndvi < water_ndvi
        low = v_ndvi < bare_ndvi
        bare = low and v_bsi > bare_bsi and v_vis >= bare_visible and not water
        forest = hist and mu_ndvi[i] >= forest_ndvi
        scrub = hist and mu_ndvi[i] >= scrub_ndvi and not forest and (water or bare)
        d_ndvi = mu_ndvi[i] - v_ndvi
        d_nbr = mu_nbr[i] - v_nbr
        n_minus_1 = _maximum(F32(n[i]) - one, one)
        thr_ndvi = _maximum(loss_ndvi_drop, sigma_k * _maximum(np.sqrt(m2_ndvi[i] / n_minus_1), sigma_floor))
        thr_nbr = _maximum(loss_nbr_drop, sigma_k * _maximum(np.sqrt(m2_nbr[i] / n_minus_1), sigma_floor))
        drop = d_ndvi >= thr_ndvi or (d_nbr >= thr_nbr and d_ndvi >= loss_ndvi_drop_with_nbr)
        anom = (forest or scrub) and drop

        confirmed = conf_day[i] > 0
        pending = cand_n[i] > 0 and not confirmed
        dismiss = False
        if anom and not pending and not confirmed:
            cand_day[i] = day
            base_n_at_break[i] = n[i]
            cand_n[i] = 1
        elif anom and pending:
            cand_n[i] = min(np.int16(cand_n[i]) + 1, 255)
        elif pending:
            dismiss = True
            cand_day[i] = 0
            cand_n[i] = 0
        if cand_n[i] >= confirm_obs and not confirmed:
            conf_day[i] = day
        if dismiss:
            n_post[i] = 0
            n_water[i] = 0
            n_bare[i] = 0
            n_char[i] = 0
            ndvi_recent[i] = np.nan

        broken = cand_n[i] > 0 or conf_day[i] > 0
        if broken:
            n_post[i] = n_post[i] + 1
            n_water[i] = n_water[i] + water
            n_bare[i] = n_bare[i] + bare
            n_char[i] = n_char[i] + (low and v_vis < bare_visible and not water)
            r = ndvi_recent[i]
            ndvi_recent[i] = v_ndvi if np.isnan(r) else half * r + half * v_ndvi
        elif not anom:
            n_new = F32(n[i]) + one
            _welford(mu_ndvi, m2_ndvi, i, v_ndvi, n_new, True)
            _welford(mu_nbr, m2_nbr, i, v_nbr, n_new, True)
            _welford(mu_mndwi, mu_mndwi, i, v_mndwi, n_new, False)
            _welford(mu_bsi, mu_bsi, i, v_bsi, n_new, False)
            _welford(mu_blue, mu_blue, i, blue, n_new, False)
            _welford(mu_nir, mu_nir, i, nir, n_new, False)
            _welford(mu_swir16, mu_swir16, i, sw1, n_new, False)
            _welford(mu_swir22, mu_swir22, i, sw2, n_new, False)
            _welford(mu_vis, mu_vis, i, v_vis, n_new, False)
            n[i] = min(n_new, F32(65535.0))
    return n_scl_clear, n_changed


def summarize(s: dict, p: Params, green_ndvi: float, since_day: int) -> dict:
    """:func:`centinela.detect.objects.summarize` in one compiled pass over the block's state (same result)."""
    from . import objects as O

    bits = (
        O.WATER_BASE,
        O.MINERAL_BASE,
        O.LOW_NDVI_BASE,
        O.NEW_BREAK,
        O.CONFIRMED,
        O.WATER_AFTER,
        O.BARE_AFTER,
        O.CHAR_AFTER,
        O.GREEN_AFTER,
        O.NONFOREST,
    )
    pf = np.array(
        [p.water_mndwi, p.water_ndvi, p.bare_ndvi, p.bare_bsi, p.bare_visible, green_ndvi, p.forest_ndvi], np.float32
    )
    f = {k: v.reshape(-1) for k, v in s.items()}
    flags, brk, seen = _summary(
        f["n"],
        f["mu_mndwi"],
        f["mu_ndvi"],
        f["mu_bsi"],
        f["mu_vis"],
        f["cand_n"],
        f["conf_day"],
        f["cand_day"],
        f["n_post"],
        f["n_water"],
        f["n_bare"],
        f["n_char"],
        f["ndvi_recent"],
        f["base_n_at_break"],
        pf,
        int(p.min_history),
        int(max(since_day, 1)),
        np.array(bits, np.uint16),
    )
    return {
        "flags": flags.reshape(s["n"].shape),
        "break_pos": brk,
        "break_first": f["cand_day"][brk].astype(np.int32),
        "break_confirmed": f["conf_day"][brk].astype(np.int32),
        "seen_pos": seen,
        "base_n_at_break": f["base_n_at_break"][seen].astype(np.uint16),
        "n_post": f["n_post"][seen].astype(np.uint16),
    }


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _summary(
    n,
    mu_mndwi,
    mu_ndvi,
    mu_bsi,
    mu_vis,
    cand_n,
    conf_day,
    cand_day,
    n_post,
    n_water,
    n_bare,
    n_char,
    ndvi_recent,
    base_n_at_break,
    pf,
    min_history,
    since,
    bits,
):
    water_mndwi, water_ndvi, bare_ndvi, bare_bsi, bare_visible, green_ndvi = pf[0], pf[1], pf[2], pf[3], pf[4], pf[5]
    forest_ndvi = pf[6]
    half, one = F32(0.5), F32(1.0)
    size = n.shape[0]
    flags = np.zeros(size, np.uint16)
    brk = np.empty(size, np.int64)
    seen = np.empty(size, np.int64)
    nb_, ns = 0, 0
    for i in range(size):
        f = 0
        if n[i] >= min_history:
            if mu_mndwi[i] > water_mndwi and mu_ndvi[i] < water_ndvi:
                f |= bits[0]
            if mu_ndvi[i] < bare_ndvi:
                f |= bits[2]
                if mu_bsi[i] > bare_bsi and mu_vis[i] >= bare_visible:
                    f |= bits[1]
        if (cand_n[i] > 0 or conf_day[i] > 0) and cand_day[i] >= since:
            f |= bits[3]
            brk[nb_] = i
            nb_ += 1
            if mu_ndvi[i] < forest_ndvi:  # the baseline stops learning at a break: it is the ground before
                f |= bits[9]
        if conf_day[i] > 0:
            f |= bits[4]
        post = max(F32(n_post[i]), one)
        if F32(n_water[i]) / post >= half:
            f |= bits[5]
        if F32(n_bare[i]) / post >= half:
            f |= bits[6]
        if F32(n_char[i]) / post >= half:
            f |= bits[7]
        if ndvi_recent[i] > green_ndvi:
            f |= bits[8]
        flags[i] = f
        if base_n_at_break[i] != 0 or n_post[i] != 0:
            seen[ns] = i
            ns += 1
    return flags, brk[:nb_], seen[:ns]
