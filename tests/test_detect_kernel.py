"""The per-pixel kernel and the patch rules, on hand-made arrays."""

from __future__ import annotations

import numpy as np
import pytest
from affine import Affine

from centinela.detect.kernel import BANDS, Params, State, update
from centinela.detect.objects import Rules, alerts_from_state, regularise

FOREST = dict(blue=0.022, green=0.045, red=0.024, nir=0.30, swir16=0.14, swir22=0.058)
SAND = dict(blue=0.11, green=0.15, red=0.19, nir=0.28, swir16=0.37, swir22=0.31)
WATER = dict(blue=0.07, green=0.11, red=0.12, nir=0.03, swir16=0.008, swir22=0.005)


def obs(spec, shape=(4, 4), noise=0.0, rng=None):
    rng = rng or np.random.default_rng(0)
    return {
        b: (np.full(shape, spec[b], np.float32) * (1 + noise * rng.standard_normal(shape))).astype(np.float32)
        for b in BANDS
    }


def haze(spec, a):
    cloud = dict(blue=0.42, green=0.44, red=0.46, nir=0.5, swir16=0.4, swir22=0.28)
    return {b: (1 - a) * spec[b] + a * cloud[b] for b in BANDS}


def run(seq, shape=(4, 4), params=Params()):
    """seq: list of (day, spectrum or None for cloud)."""
    st = State.empty(shape)
    rng = np.random.default_rng(1)
    for day, spec in seq:
        clear = np.full(shape, spec is not None)
        update(st, day, obs(spec or FOREST, shape, 0.02, rng), clear, params)
    return st


def test_stable_forest_gives_no_break():
    seq = [(d, FOREST if d % 3 else None) for d in range(0, 400, 5)]
    st = run(seq)
    assert (st.cand_n == 0).all() and (st.conf_day == 0).all()
    assert st.n.min() > 40 and np.allclose(st.mu_ndvi, 0.85, atol=0.02)


def test_clearing_is_seen_then_confirmed_with_dates():
    seq = [(d, FOREST) for d in range(0, 50, 5)] + [
        (50, None),
        (55, SAND),
        (60, None),
        (65, None),
        (70, SAND),
        (75, WATER),
    ]
    st = run(seq)
    assert (st.cand_day == 55).all(), "first seen at the first clear look after the change"
    assert (st.conf_day == 70).all(), "confirmed at the second clear look, clouds in between change nothing"
    assert (st.n_post == 3).all() and (st.n_bare == 2).all() and (st.n_water == 1).all()


def test_one_odd_look_is_dismissed():
    seq = [(d, FOREST) for d in range(0, 50, 5)] + [(55, SAND), (60, None), (65, FOREST)]
    st = run(seq)
    assert (st.cand_n == 0).all() and (st.conf_day == 0).all() and (st.cand_day == 0).all()


def test_confirmed_loss_does_not_flip_back_when_green_or_cloudy():
    seq = [(d, FOREST) for d in range(0, 50, 5)] + [(55, SAND), (60, SAND), (65, None), (70, FOREST), (75, None)]
    st = run(seq)
    assert (st.conf_day == 60).all() and (st.cand_day == 55).all()


def test_thin_cloud_missed_by_scl_is_not_loss():
    seq = [(d, FOREST) for d in range(0, 50, 5)] + [(55, haze(FOREST, 0.2)), (60, haze(FOREST, 0.25)), (65, FOREST)]
    st = run(seq)
    assert (st.cand_n == 0).all() and (st.conf_day == 0).all()
    direct = Params(haze_blue_rise=10.0)  # without the haze screen the same looks are taken as loss
    assert (run(seq, params=direct).conf_day > 0).all()


def test_short_history_still_alerts_but_says_so():
    seq = [(0, FOREST), (5, FOREST), (10, FOREST), (15, SAND), (20, SAND)]
    st = run(seq)
    assert (st.conf_day == 20).all() and (st.base_n_at_break == 3).all()
    two = run(seq[:2] + seq[3:])
    assert (two.cand_n == 0).all(), "two looks are not a baseline"


def test_non_forest_never_alerts():
    seq = [(d, SAND if d < 100 else WATER) for d in range(0, 200, 5)]
    st = run(seq)
    assert (st.cand_n == 0).all()


# --- patches --------------------------------------------------------------------------------------


def _state(shape=(60, 60)):
    s = {k: v for k, v in State.empty(shape).to_dict().items()}
    s["n"][:] = 20
    s["mu_ndvi"][:] = 0.85
    s["mu_mndwi"][:] = -0.5
    s["mu_bsi"][:] = -0.3
    s["mu_vis"][:] = 0.03
    return s


def _break(s, sl, day, post=6, water=0, bare=0, ndvi=0.1):
    s["cand_day"][sl] = day
    s["cand_n"][sl] = 3
    s["conf_day"][sl] = day + 5
    s["base_n_at_break"][sl] = 12
    s["n_post"][sl] = post
    s["n_water"][sl] = water
    s["n_bare"][sl] = bare
    s["ndvi_recent"][sl] = ndvi


T = Affine(10, 0, 400000, 0, -10, 8560000)


def test_ponds_among_bare_ground_is_mining_and_a_road_is_not():
    s = _state()
    _break(s, np.s_[10:30, 10:30], 19800, bare=6)
    _break(s, np.s_[20:25, 20:25], 19800, water=6)  # ponds inside the clearing
    _break(s, np.s_[45:47, 5:55], 19810, bare=6)  # a 20 m wide, 500 m long track
    g = alerts_from_state(s, T, "EPSG:32719", mmu_ha=0.3)
    assert len(g) == 2
    mine = g[g.area_ha > 3].iloc[0]
    assert mine.cause == "mining" and "ponds" in mine.reasons and mine.confidence == "high"
    assert str(mine.first_seen) == "2024-03-18" and mine.area_ha == pytest.approx(4.0, rel=0.01)
    road = g[g.area_ha < 3].iloc[0]
    assert road.cause == "other" and "road" in road.reasons


def test_bare_ground_is_judged_by_its_context_and_small_patches_are_dropped():
    """A bare clearing: where nothing is known around it (a small area) the sediment speaks; mapped surroundings
    with no mining within 3 km cost it AMW's isolation penalty (1.38 log-odds); a river beside it adds a little."""
    import geopandas as gpd

    s = _state()
    _break(s, np.s_[10:30, 10:30], 19800, bare=6)  # bare, but no river and no older mining near
    _break(s, np.s_[40:44, 40:44], 19800, bare=6)  # 0.16 ha, under the MMU
    g = alerts_from_state(s, T, "EPSG:32719", mmu_ha=0.3)
    assert len(g) == 1 and "no known mining" not in g.iloc[0].reasons
    nothing_mapped = gpd.GeoDataFrame({"mapped_until": []}, geometry=gpd.GeoSeries([], crs=4326), crs=4326)
    known = alerts_from_state(s, T, "EPSG:32719", mmu_ha=0.3, known_mining=nothing_mapped)
    p0, p1 = g.iloc[0].mining_prob, known.iloc[0].mining_prob
    assert np.log(p0 / (1 - p0)) - np.log(p1 / (1 - p1)) == pytest.approx(1.38, abs=0.05)
    assert "no known mining within 3 km" in known.iloc[0].reasons
    s["mu_ndvi"][0:60, 50:60] = -0.3  # a 100 m wide river along the east edge, known from the baseline
    s["mu_mndwi"][0:60, 50:60] = 0.6
    g = alerts_from_state(s, T, "EPSG:32719", mmu_ha=0.3)
    assert g.iloc[0].cause == "mining" and "from a river" in g.iloc[0].reasons and g.iloc[0].mining_prob > p0


def test_forest_turned_to_water_along_the_river_is_bank_change_and_a_bare_clearing_there_is_not():
    s = _state()
    s["mu_ndvi"][:, 50:60] = -0.3
    s["mu_mndwi"][:, 50:60] = 0.6
    _break(s, np.s_[5:55, 46:50], 19800, water=6)  # 40 m of bank washed away: the channel moved
    g = alerts_from_state(s, T, "EPSG:32719", mmu_ha=0.3)
    assert len(g) == 1 and g.iloc[0].cause == "other" and "river bank" in g.iloc[0].reasons
    s = _state()
    s["mu_ndvi"][:, 50:60] = -0.3
    s["mu_mndwi"][:, 50:60] = 0.6
    _break(s, np.s_[5:55, 20:50], 19800, bare=6)  # 15 ha of bank cleared to bare sediment: not erosion
    _break(s, np.s_[20:26, 30:36], 19800, water=6)
    g = alerts_from_state(s, T, "EPSG:32719", mmu_ha=0.3)
    assert len(g) == 1 and g.iloc[0].cause == "mining" and "river bank" not in g.iloc[0].reasons


def test_alert_id_names_the_earliest_pixel_and_does_not_move_as_the_front_grows():
    s = _state()
    _break(s, np.s_[10:20, 10:20], 19800, bare=6)
    first = alerts_from_state(s, T, "EPSG:32719", mmu_ha=0.3).alert_id.iloc[0]
    _break(s, np.s_[10:20, 20:40], 19830, bare=6)
    grown = alerts_from_state(s, T, "EPSG:32719", mmu_ha=0.3)
    assert len(grown) == 1 and grown.alert_id.iloc[0] == first and first.startswith("CEN-20240318-")


def test_regularise_drops_speckle_and_fills_pinholes():
    m = np.zeros((20, 20), bool)
    m[2, 2] = True  # isolated
    m[5:15, 5:15] = True
    m[9, 9] = False  # pinhole
    out = regularise(m, Rules())
    assert not out[2, 2] and out[9, 9] and out[5:15, 5:15].all()


def test_since_day_keeps_old_breaks_out_of_new_alerts():
    s = _state()
    _break(s, np.s_[10:30, 10:30], 19700, bare=6)
    assert len(alerts_from_state(s, T, "EPSG:32719", 0.3, since_day=19750)) == 0
    assert len(alerts_from_state(s, T, "EPSG:32719", 0.3, since_day=19600)) == 1


def test_mining_on_scrub_is_its_own_kind_of_alert_and_browning_scrub_is_nothing():
    """Scrub, regrowth or pasture (baseline NDVI 0.5–0.7) turned to bare sediment is mining disturbance (Amazon
    Mining Watch maps it too): reported with land_before 'non-forest'. Forest is not needed for it; a river bar
    (never green) and scrub that only browned are not alerts."""
    rng = np.random.default_rng(4)
    days = 19_700 + 5 * np.arange(30)
    p = Params()
    s = State.empty((60, 60))

    def look(ndvi_red_nir_etc):
        blue, green, red, nir, sw1, sw2 = ndvi_red_nir_etc
        return {
            b: np.full((60, 60), v, np.float32) * (1 + rng.normal(0, 0.02, (60, 60))).astype(np.float32)
            for b, v in zip(BANDS, (blue, green, red, nir, sw1, sw2), strict=True)
        }

    scrub = (0.04, 0.07, 0.06, 0.24, 0.20, 0.12)  # NDVI 0.6: scrub or pasture
    bare = (0.09, 0.11, 0.13, 0.19, 0.29, 0.25)  # bright mineral sediment
    brown = (0.03, 0.04, 0.05, 0.09, 0.15, 0.12)  # dark, dry or burnt grass: browning, not sediment
    sand = (0.12, 0.14, 0.16, 0.20, 0.30, 0.27)  # a river bar, bare from the start
    clear = np.ones((60, 60), bool)
    for t, d in enumerate(days):
        obs = look(scrub)
        for b in BANDS:
            obs[b][40:55, 40:55] = look(sand)[b][40:55, 40:55]
        if t >= 15:
            for b in BANDS:
                obs[b][5:25, 5:25] = look(bare)[b][5:25, 5:25]  # mining on scrub
                obs[b][30:45, 5:20] = look(brown)[b][30:45, 5:20]  # scrub that browned (dry season, burnt grass)
        update(s, int(d), obs, clear, p)
    g = alerts_from_state(s.to_dict(), T, "EPSG:32719", mmu_ha=0.3)
    assert len(g) == 1, g[["reasons", "area_ha"]]
    a = g.iloc[0]
    assert a.land_before == "non-forest" and a.cause == "mining" and a.area_ha == pytest.approx(4.0, rel=0.05)
    assert a.reasons.startswith("on land that was not closed forest")
