"""The per-pixel change kernel: one date at a time, over a block of pixels, with state carried forward.

Pure NumPy over arrays; no file is opened here. Processing dates in order with a saved state is what
makes runs incremental: adding a date costs that date only and gives the same result as a full re-run.

Per pixel, the state holds a baseline of the pixel's own history (running mean and variance of its
indices over clear, undisturbed observations), a candidate break (first anomalous clear observation),
its confirmation (a second anomalous clear observation) and evidence gathered after the break (how
often the ground looked like open water, bright mineral ground or char). See docs/method.md.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from .indices import bsi, mndwi, nbr, ndvi, visible

BANDS = ("blue", "green", "red", "nir", "swir16", "swir22")


@dataclass(frozen=True)
class Params:
    """Thresholds of the method, each justified in docs/method.md."""

    min_history: int = 3  # clear observations before a pixel's baseline is trusted
    solid_history: int = 5  # below this a confirmed break is still only 'low' confidence
    forest_ndvi: float = 0.70  # baseline NDVI of closed-canopy humid forest
    # Scrub, regrowth, pasture, revegetated old mining: green but not closed forest. A break there counts only
    # when the ground turns to bare mineral sediment or water (mining disturbance), never for a mere browning.
    scrub_ndvi: float = 0.50
    loss_ndvi_drop: float = 0.25  # ~35 % canopy replaced by bare ground or water
    loss_nbr_drop: float = 0.30  # with a smaller NDVI drop, for burnt or debris-covered clearings
    loss_ndvi_drop_with_nbr: float = 0.15
    sigma_k: float = 4.0  # a drop must also exceed k standard deviations of the pixel's own history
    sigma_floor: float = 0.03
    confirm_obs: int = 2  # anomalous clear observations that confirm a break
    haze_blue_rise: float = 0.03  # blue above its own baseline by this is suspected haze or thin cloud…
    haze_blue_vs_swir: float = 0.8  # …when blue rose at least this much relative to SWIR 2.2 µm
    haze_swir16_floor: float = -0.03  # …and SWIR 1.6 µm did not darken much (open water darkens it by > 0.1)
    shadow_nir_ratio: float = 0.6  # NIR below this share of its baseline with NDVI unchanged: shadow
    shadow_ndvi_tol: float = 0.15
    dark_swir16_ratio: float = 0.5  # SWIR 1.6 µm halved without becoming water: shadow under haze, not loss
    dark_mndwi: float = 0.3
    water_mndwi: float = 0.10  # open water after the break
    water_ndvi: float = 0.10
    bare_ndvi: float = 0.35  # bare mineral ground after the break
    bare_bsi: float = 0.0
    bare_visible: float = 0.07  # mineral ground is bright; char and shade are not


@dataclass
class State:
    """Per-pixel arrays of one block; every field has the block's shape."""

    n: np.ndarray  # clear observations in the baseline (uint16)
    n_clear: np.ndarray  # all clear observations seen (uint16)
    mu_ndvi: np.ndarray
    m2_ndvi: np.ndarray
    mu_nbr: np.ndarray
    m2_nbr: np.ndarray
    mu_mndwi: np.ndarray
    mu_bsi: np.ndarray
    mu_blue: np.ndarray
    mu_nir: np.ndarray
    mu_swir16: np.ndarray
    mu_swir22: np.ndarray
    mu_vis: np.ndarray
    cand_day: np.ndarray  # day of the first anomalous clear observation of the current break (int32, 0 = none)
    cand_n: np.ndarray  # anomalous clear observations in the current break (uint8)
    conf_day: np.ndarray  # day the break was confirmed (int32, 0 = not confirmed)
    base_n_at_break: np.ndarray  # baseline length when the break began (uint16)
    n_post: np.ndarray  # clear observations since the break began (uint16)
    n_water: np.ndarray
    n_bare: np.ndarray
    n_char: np.ndarray
    ndvi_recent: np.ndarray  # exponentially weighted NDVI since the break (NaN before)

    @classmethod
    def empty(cls, shape: tuple[int, int]) -> State:
        def f(dtype, fill=0):
            return np.full(shape, fill, dtype=dtype)

        kinds = {
            "n": np.uint16,
            "n_clear": np.uint16,
            "cand_day": np.int32,
            "cand_n": np.uint8,
            "conf_day": np.int32,
            "base_n_at_break": np.uint16,
            "n_post": np.uint16,
            "n_water": np.uint16,
            "n_bare": np.uint16,
            "n_char": np.uint16,
        }
        values = {}
        for fld in fields(cls):
            if fld.name in kinds:
                values[fld.name] = f(kinds[fld.name])
            else:
                values[fld.name] = f(np.float32, np.nan if fld.name == "ndvi_recent" else 0.0)
        return cls(**values)

    def to_dict(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, d) -> State:
        return cls(**{f.name: np.asarray(d[f.name]) for f in fields(cls)})


def _welford(mu, m2, x, mask, n_div):
    """Update running mean/M2 in place where ``mask`` with sample x; n_div is max(count after adding, 1).

    Outside the mask the sample is replaced by the mean itself, so the step is exactly 0 there and
    the state keeps its bits; inside, the float32 operations are those of the textbook update.
    """
    x = np.where(mask, x, mu)
    delta = x - mu
    mu += delta / n_div
    if m2 is not None:
        m2 += delta * (x - mu)


def _std(m2, n_minus_1, floor):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.maximum(np.sqrt(m2 / n_minus_1), floor)


# Pixels per pass of the kernel: the ~100 temporaries of a pass then stay in the CPU caches (and under
# malloc's mmap threshold), which halves the time of a 512 px block compared with one pass over it.
STRIP_PX = 32768


def update(state: State, day: int, obs: dict[str, np.ndarray], clear: np.ndarray, p: Params = Params()) -> State:
    """Fold one date's observation of the block into ``state`` (in place) and return it.

    ``obs`` maps band names (:data:`BANDS`) to reflectance arrays; ``clear`` is the SCL clear mask.
    Pixels are independent, so the block is folded in strips of rows, each in place through views.
    """
    fields = state.to_dict()
    rows = max(1, STRIP_PX // max(clear.shape[-1], 1)) if clear.ndim == 2 else clear.shape[0]
    for r in range(0, clear.shape[0], rows):
        sl = slice(r, r + rows)
        _update_in_place(
            State(**{k: v[sl] for k, v in fields.items()}), day, {b: obs[b][sl] for b in BANDS}, clear[sl], p
        )
    return state


def _update_in_place(s: State, day: int, obs: dict[str, np.ndarray], clear: np.ndarray, p: Params) -> None:
    """The kernel over arrays of any shape; every state array is written in place (they may be views)."""
    blue, green, red, nir, sw1, sw2 = (np.asarray(obs[b], dtype=np.float32) for b in BANDS)  # read only: no copy needed
    v_ndvi, v_nbr = ndvi(nir, red), nbr(nir, sw2)
    v_mndwi, v_bsi, v_vis = mndwi(green, sw1), bsi(blue, red, nir, sw1), visible(blue, green, red)
    ok = clear & np.isfinite(v_ndvi) & np.isfinite(v_nbr) & np.isfinite(v_mndwi)

    hist = s.n >= p.min_history
    # Beyond the SCL: thin cloud/haze brightens blue more than SWIR without darkening SWIR 1.6;
    # missed shadow darkens NIR while keeping the NDVI. Judged against the pixel's own history.
    d_blue = blue - s.mu_blue
    haze = (
        hist
        & (d_blue >= p.haze_blue_rise)
        & (d_blue >= p.haze_blue_vs_swir * (sw2 - s.mu_swir22))
        & (sw1 - s.mu_swir16 >= p.haze_swir16_floor)
    )
    darker = hist & (nir < p.shadow_nir_ratio * s.mu_nir)
    shadow = darker & (
        (np.abs(v_ndvi - s.mu_ndvi) < p.shadow_ndvi_tol)
        # Haze over a shadow lifts red and blue, so NDVI falls; but no clearing halves SWIR 1.6 µm
        # unless the ground became water, which MNDWI shows.
        | ((sw1 < p.dark_swir16_ratio * s.mu_swir16) & (v_mndwi < p.dark_mndwi))
    )
    ok &= ~haze & ~shadow
    s.n_clear += ok

    # What the ground looks like now: open water, bright mineral ground, char.
    water = (v_mndwi > p.water_mndwi) & (v_ndvi < p.water_ndvi)
    bare = (v_ndvi < p.bare_ndvi) & (v_bsi > p.bare_bsi) & (v_vis >= p.bare_visible) & ~water
    char = (v_ndvi < p.bare_ndvi) & (v_vis < p.bare_visible) & ~water

    forest = hist & (s.mu_ndvi >= p.forest_ndvi)
    scrub = hist & (s.mu_ndvi >= p.scrub_ndvi) & ~forest & (water | bare)
    d_ndvi = s.mu_ndvi - v_ndvi
    d_nbr = s.mu_nbr - v_nbr
    n_minus_1 = np.maximum(s.n.astype(np.float32) - 1, 1)
    thr_ndvi = np.maximum(p.loss_ndvi_drop, p.sigma_k * _std(s.m2_ndvi, n_minus_1, p.sigma_floor))
    thr_nbr = np.maximum(p.loss_nbr_drop, p.sigma_k * _std(s.m2_nbr, n_minus_1, p.sigma_floor))
    drop = (d_ndvi >= thr_ndvi) | ((d_nbr >= thr_nbr) & (d_ndvi >= p.loss_ndvi_drop_with_nbr))
    anom = ok & (forest | scrub) & drop

    confirmed = s.conf_day > 0
    pending = (s.cand_n > 0) & ~confirmed
    # A new break starts; a pending one grows or is dismissed; a confirmed one never flips back.
    start = anom & ~pending & ~confirmed
    grow = anom & pending
    dismiss = ok & ~anom & pending
    s.cand_day[...] = np.where(start, day, np.where(dismiss, 0, s.cand_day)).astype(np.int32)
    s.base_n_at_break[...] = np.where(start, s.n, s.base_n_at_break).astype(np.uint16)
    s.cand_n[...] = np.where(
        start, 1, np.where(grow, np.minimum(s.cand_n.astype(np.int16) + 1, 255), np.where(dismiss, 0, s.cand_n))
    ).astype(np.uint8)
    newly = (s.cand_n >= p.confirm_obs) & ~confirmed
    s.conf_day[...] = np.where(newly, day, s.conf_day).astype(np.int32)
    for name in ("n_post", "n_water", "n_bare", "n_char"):
        getattr(s, name)[dismiss] = 0
    s.ndvi_recent[dismiss] = np.nan

    # Evidence after a break: what the ground became.
    broken = (s.cand_n > 0) | (s.conf_day > 0)
    post = ok & broken
    s.n_post += post
    s.n_water += post & water
    s.n_bare += post & bare
    s.n_char += post & char
    s.ndvi_recent[...] = np.where(
        post, np.where(np.isnan(s.ndvi_recent), v_ndvi, 0.5 * s.ndvi_recent + 0.5 * v_ndvi), s.ndvi_recent
    ).astype(np.float32)

    # Baseline: clear observations that are not part of a break (dismissed ones included: they were noise).
    learn = ok & ~broken & ~anom
    n_new = s.n.astype(np.float32) + learn
    n_div = np.maximum(n_new, 1)
    for name, x, with_var in (
        ("ndvi", v_ndvi, True),
        ("nbr", v_nbr, True),
        ("mndwi", v_mndwi, False),
        ("bsi", v_bsi, False),
        ("blue", blue, False),
        ("nir", nir, False),
        ("swir16", sw1, False),
        ("swir22", sw2, False),
        ("vis", v_vis, False),
    ):
        _welford(getattr(s, f"mu_{name}"), getattr(s, f"m2_{name}") if with_var else None, x, learn, n_div)
    s.n[...] = np.minimum(n_new, 65535).astype(np.uint16)
