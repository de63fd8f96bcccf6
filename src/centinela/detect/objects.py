"""From per-pixel breaks to alert polygons: spatial regularisation, cause attribution, dates, confidence.

Pure computation over whole-AOI arrays (returned as a GeoDataFrame, not written here).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from rasterio import features
from scipy import ndimage

from .kernel import Params

EPOCH = dt.date(1970, 1, 1)
EIGHT = np.ones((3, 3), dtype=bool)


@dataclass(frozen=True)
class Rules:
    """Object-level thresholds, justified in docs/method.md."""

    min_neighbours: int = 2  # a loss pixel needs this many loss neighbours (of 8) to be kept
    max_hole_px: int = 4  # holes up to this size inside a patch are filled
    pond_share: float = 0.05  # share of a patch that turned to water for ponds to count
    pond_bare_share: float = 0.20  # …among bare ground: the alluvial-mining signature
    bare_share: float = 0.50  # mostly bare mineral ground after the break
    river_water_share: float = 0.50  # mostly water, touching the river: bank erosion
    green_ndvi: float = 0.55  # recent NDVI above this: vegetation returning (crops, pasture)
    context_river_m: float = 2000.0  # alluvial mining sits on floodplains and terraces
    context_mining_m: float = 1000.0  # new mining grows out of old mining
    thin_ratio: float = 1.6  # pixels per boundary pixel below this: a track or road
    bank_ratio: float = 3.0  # a strip up to ~6 pixels wide along the river corridor: bank change
    big_water_px: int = 500  # 5 ha: a river or lake, not a pond
    old_mining_px: int = 100  # 1 ha of bare mineral ground in the baseline


def regularise(loss: np.ndarray, rules: Rules = Rules()) -> np.ndarray:
    """Drop isolated pixels and one-pixel slivers, fill pinholes."""
    kept = loss & (_neighbours(loss) >= rules.min_neighbours)
    # Holes are the 4-connected components of the background that do not reach the raster's edge (what
    # binary_fill_holes fills); labelling the background once finds them at a fraction of its cost.
    lab, n = ndimage.label(~kept)
    if n:
        sizes = np.bincount(lab.ravel())
        small = sizes <= rules.max_hole_px
        small[0] = False
        small[np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))] = False
        kept |= small[lab]
    return kept


def _neighbours(mask: np.ndarray) -> np.ndarray:
    """How many of the 8 neighbours of each pixel are set (outside the raster counts as unset)."""
    padded = np.zeros((mask.shape[0] + 2, mask.shape[1] + 2), np.uint8)
    padded[1:-1, 1:-1] = mask
    out = np.zeros(mask.shape, np.uint8)
    h, w = mask.shape
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            if (dy, dx) != (1, 1):
                out += padded[dy : dy + h, dx : dx + w]
    return out


def _distance_m(mask: np.ndarray, res: float, at: np.ndarray) -> np.ndarray:
    """Euclidean distance in metres from the pixels ``at`` (flat indices) to the nearest ``mask`` pixel.

    The values of a whole-raster distance transform at those pixels (sqrt of the integer squared pixel
    offsets, times ``res``), from a KD-tree of the mask's edge pixels: the nearest mask pixel to any
    pixel outside the mask has a 4-neighbour outside it, so the edge suffices. A full-tile transform
    would need ~16 bytes a pixel (2 GB); alerts need the distance at patch pixels only.
    """
    if not mask.any():
        return np.full(at.shape, np.inf, dtype=np.float32)
    from scipy.spatial import cKDTree

    cross = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], bool)
    edge = np.flatnonzero(mask & ~ndimage.binary_erosion(mask, structure=cross, border_value=1))
    width = mask.shape[1]
    tree = cKDTree(np.column_stack(np.divmod(edge, width)).astype(np.float64))
    dist, _ = tree.query(np.column_stack(np.divmod(at, width)).astype(np.float64))
    dist[mask.ravel()[at]] = 0.0
    return (dist * res).astype(np.float32)


def _big_components(mask: np.ndarray, min_px: int) -> np.ndarray:
    lab, n = ndimage.label(mask, structure=EIGHT)
    if not n:
        return mask
    sizes = np.bincount(lab.ravel())
    keep = sizes >= min_px
    keep[0] = False
    return keep[lab]


# Bits of the per-pixel summary (see summarize): what the alerts need of a pixel's state.
WATER_BASE, MINERAL_BASE, LOW_NDVI_BASE, NEW_BREAK, CONFIRMED, WATER_AFTER, BARE_AFTER, CHAR_AFTER, GREEN_AFTER = (
    1 << i for i in range(9))
MAX_DAY = np.iinfo(np.int32).max


def summarize(s: dict[str, np.ndarray], params: Params = Params(), rules: Rules = Rules(), since_day: int = 0) -> dict:
    """What the alerts need of a block's state: 2 bytes a pixel of flags, plus sparse values.

    The state holds ~70 bytes a pixel; a whole tile of it (120 million pixels) does not fit a modest
    machine, so each block is reduced as soon as it is folded and only these are kept whole:

    - ``flags`` (uint16 bits above): baseline water, bare mineral ground and low NDVI (each with a
      trusted baseline), a break first seen from ``since_day`` on, a confirmed break, and what the
      ground mostly became after a break (water, bare, char, green);
    - ``break_pos``, ``break_first``, ``break_confirmed``: flat index, first-seen and confirmed day of
      every pixel with a break from ``since_day`` on;
    - ``seen_pos``, ``base_n_at_break``, ``n_post``: the two counters, where either is not zero (pixels
      that ever had a candidate break).

    Flat indices are into ``s``'s arrays; :func:`alerts_from_summary` takes them into the whole grid.
    """
    hist = s["n"] >= params.min_history
    new_break = ((s["cand_n"] > 0) | (s["conf_day"] > 0)) & (s["cand_day"] >= max(since_day, 1))
    n_post = np.maximum(s["n_post"].astype(np.float32), 1)
    bits = (
        (WATER_BASE, hist & (s["mu_mndwi"] > params.water_mndwi) & (s["mu_ndvi"] < params.water_ndvi)),
        (MINERAL_BASE, hist & (s["mu_ndvi"] < params.bare_ndvi) & (s["mu_bsi"] > params.bare_bsi) & (s["mu_vis"] >= params.bare_visible)),
        (LOW_NDVI_BASE, hist & (s["mu_ndvi"] < params.bare_ndvi)),
        (NEW_BREAK, new_break),
        (CONFIRMED, s["conf_day"] > 0),
        (WATER_AFTER, (s["n_water"] / n_post) >= 0.5),
        (BARE_AFTER, (s["n_bare"] / n_post) >= 0.5),
        (CHAR_AFTER, (s["n_char"] / n_post) >= 0.5),
        (GREEN_AFTER, s["ndvi_recent"] > rules.green_ndvi),
    )
    flags = np.zeros(new_break.shape, np.uint16)
    for value, where in bits:
        flags[where] |= value
    brk = np.flatnonzero(new_break)
    seen = np.flatnonzero((s["base_n_at_break"] != 0) | (s["n_post"] != 0))
    return {
        "flags": flags,
        "break_pos": brk, "break_first": s["cand_day"].ravel()[brk].astype(np.int32),
        "break_confirmed": s["conf_day"].ravel()[brk].astype(np.int32),
        "seen_pos": seen, "base_n_at_break": s["base_n_at_break"].ravel()[seen].astype(np.uint16),
        "n_post": s["n_post"].ravel()[seen].astype(np.uint16),
    }


def _lookup(pos: np.ndarray, values: np.ndarray, at: np.ndarray, missing) -> np.ndarray:
    """``values`` at flat indices ``at`` given sparse (sorted ``pos``, ``values``); ``missing`` elsewhere."""
    out = np.full(at.shape, missing, dtype=values.dtype)
    if len(pos):
        i = np.minimum(np.searchsorted(pos, at), len(pos) - 1)
        hit = pos[i] == at
        out[hit] = values[i[hit]]
    return out


def alerts_from_state(
    s: dict[str, np.ndarray], transform: Affine, crs: str, mmu_ha: float, params: Params = Params(), rules: Rules = Rules(),
    since_day: int = 0,
) -> gpd.GeoDataFrame:
    """Alert polygons with dates, cause, confidence and the evidence behind the cause.

    Only breaks first seen on or after ``since_day`` (days since 1970) make alerts: older ones belong
    to an earlier reporting period and must not pull a new patch's date back.
    """
    return alerts_from_summary(summarize(s, params, rules, since_day), transform, crs, mmu_ha, params, rules)


def alerts_from_summary(sm: dict, transform: Affine, crs: str, mmu_ha: float, params: Params = Params(),
                        rules: Rules = Rules()) -> gpd.GeoDataFrame:
    """:func:`alerts_from_state` from the whole grid's :func:`summarize` (what ``detect`` assembles block by block)."""
    res = abs(transform.a)
    px_ha = res * res / 1e4
    flags = sm["flags"]

    def bit(b):
        return (flags & b) != 0

    new_break = bit(NEW_BREAK)
    loss = regularise(new_break, rules)
    del new_break
    water_base = _big_components(bit(WATER_BASE), rules.big_water_px)
    old_mining = _big_components(bit(MINERAL_BASE), rules.old_mining_px)
    # The river corridor: big water bodies and the bare bars connected to them. Land that becomes
    # part of it is bank erosion and bar deposition, the first confuser of mining (AMW's hard negatives).
    bars = bit(LOW_NDVI_BASE) & ~old_mining
    lab_c, n_c = ndimage.label(water_base | bars | (old_mining & ndimage.binary_dilation(water_base, iterations=3)), structure=EIGHT)
    del bars
    if n_c:
        in_corridor = np.zeros(n_c + 1, bool)  # the labels of components holding big water (a lookup, not np.isin: memory)
        in_corridor[np.unique(lab_c[water_base])] = True
        in_corridor[0] = False
        river = in_corridor[lab_c]
    else:
        river = water_base
    del lab_c

    lab, n = ndimage.label(loss, structure=EIGHT)
    if n == 0:
        return _empty(crs)
    # Patch statistics over patch pixels only (raster order, as over the whole raster: same sums, same result).
    at = np.flatnonzero(lab)
    labs = lab.ravel()[at]
    idx = np.arange(1, n + 1)
    npx = ndimage.sum_labels(np.ones_like(labs), labs, idx)
    keep = npx * px_ha >= mmu_ha
    if not keep.any():
        return _empty(crs)

    d_river, d_mining = _distance_m(water_base, res, at), _distance_m(old_mining & ~river, res, at)
    del old_mining
    f = flags.ravel()[at]
    is_new = (f & NEW_BREAK) != 0
    first = np.where(is_new, _lookup(sm["break_pos"], sm["break_first"], at, MAX_DAY), MAX_DAY)
    confirmed = np.where(is_new, _lookup(sm["break_pos"], sm["break_confirmed"], at, 0), 0)
    edge = loss & ~ndimage.binary_erosion(loss, structure=np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], bool), border_value=0)
    touches_river = ndimage.binary_dilation(river, iterations=2)

    def per(x, fn=ndimage.mean):
        return np.asarray(fn(x, labs, idx))

    stats = pd.DataFrame({
        "label": idx, "n_pixels": npx.astype(int),
        "water_frac": per((f & WATER_AFTER) != 0), "bare_frac": per((f & BARE_AFTER) != 0),
        "char_frac": per((f & CHAR_AFTER) != 0), "green_frac": per((f & GREEN_AFTER) != 0),
        "frac_confirmed": per((f & CONFIRMED) != 0), "touch_river": per(touches_river.ravel()[at], ndimage.maximum) > 0,
        "edge_px": per(edge.ravel()[at], ndimage.sum),
        "history": per(_lookup(sm["seen_pos"], sm["base_n_at_break"], at, 0).astype(np.float32), ndimage.median),
        "obs_after": per(_lookup(sm["seen_pos"], sm["n_post"], at, 0).astype(np.float32), ndimage.median),
        "dist_river_m": per(d_river, ndimage.minimum), "dist_old_mining_m": per(d_mining, ndimage.minimum),
        "first_day": per(first.astype(np.int64), ndimage.minimum),
        "confirmed_day": per(np.where(confirmed > 0, confirmed, MAX_DAY).astype(np.int64), ndimage.minimum),
    })[keep]
    del edge, touches_river

    causes, reasons = zip(*(attribute(r, rules) for r in stats.itertuples()))
    stats["cause"], stats["reasons"] = causes, reasons
    stats["confidence"] = np.where((stats.frac_confirmed >= 0.5) & (stats.history >= params.solid_history), "high", "low")
    stats["first_seen"] = [EPOCH + dt.timedelta(days=int(d)) for d in stats.first_day]
    stats["confirmed"] = [
        EPOCH + dt.timedelta(days=int(d)) if d < np.iinfo(np.int32).max else None for d in stats.confirmed_day
    ]

    # Seed pixel: the earliest loss pixel of each patch; its place names the alert and does not move as it grows.
    order = np.lexsort((at, first, labs))
    first_pos = at[order][np.searchsorted(labs[order], stats.label.values)]
    rows, cols = np.divmod(first_pos, lab.shape[1])
    xs, ys = transform.c + (cols + 0.5) * transform.a, transform.f + (rows + 0.5) * transform.e

    geoms = _polygons(lab, set(stats.label), transform)
    gdf = gpd.GeoDataFrame(stats, geometry=[geoms[l] for l in stats.label], crs=crs)
    seeds = gpd.GeoSeries(gpd.points_from_xy(xs, ys), crs=crs).to_crs(4326)
    gdf["alert_id"] = [f"CEN-{fs:%Y%m%d}-{abs(p.y):.4f}{'S' if p.y < 0 else 'N'}-{abs(p.x):.4f}{'W' if p.x < 0 else 'E'}"
                       for fs, p in zip(gdf.first_seen, seeds)]
    utm = gdf.estimate_utm_crs()
    gdf["area_ha"] = (gdf.to_crs(utm).area / 1e4).round(4)
    centroids = gdf.geometry.representative_point().to_crs(4326)
    gdf["lon"], gdf["lat"] = centroids.x.round(6), centroids.y.round(6)
    for c in ("water_frac", "bare_frac", "char_frac", "green_frac", "frac_confirmed"):
        gdf[c] = gdf[c].round(3)
    gdf["dist_river_m"] = gdf.dist_river_m.replace(np.inf, np.nan).round(0)
    gdf["dist_old_mining_m"] = gdf.dist_old_mining_m.replace(np.inf, np.nan).round(0)
    cols = ["alert_id", "first_seen", "confirmed", "cause", "confidence", "area_ha", "reasons", "n_pixels", "frac_confirmed",
            "history", "obs_after", "water_frac", "bare_frac", "char_frac", "green_frac", "dist_river_m", "dist_old_mining_m",
            "lon", "lat", "geometry"]
    return gdf[cols].sort_values(["first_seen", "alert_id"]).reset_index(drop=True)


def attribute(r, rules: Rules = Rules()) -> tuple[str, str]:
    """Cause of one patch (``mining`` or ``other``) and the evidence, in a few words."""
    thin = r.n_pixels / max(r.edge_px, 1) < rules.thin_ratio
    near = []
    if r.dist_river_m <= rules.context_river_m:
        near.append("near river")
    if r.dist_old_mining_m <= rules.context_mining_m:
        near.append("near older mining")
    strip = r.n_pixels / max(r.edge_px, 1) < rules.bank_ratio
    ponds = r.water_frac >= rules.pond_share and r.bare_frac >= rules.pond_bare_share
    if r.touch_river and (strip or not ponds):
        # Land joining the river corridor without ponds of its own: erosion, or a bar built on the bank.
        return "other", "river bank change (erosion or new bar)"
    if thin:
        return "other", "linear clearing (road or track)"
    if ponds:
        return "mining", "; ".join(["ponds among bare sediment", *near])
    if r.bare_frac >= rules.bare_share and r.green_frac < 0.5:
        if near:
            return "mining", "; ".join(["persistent bare mineral ground", *near])
        return "other", "persistent bare ground, no mining context"
    if r.char_frac >= 0.3:
        return "other", "burnt clearing"
    if r.green_frac >= 0.5:
        return "other", "vegetation returning (crops or pasture)"
    return "other", "forest loss, no mining signature"


def _polygons(lab: np.ndarray, wanted: set, transform: Affine) -> dict[int, shapely.Geometry]:
    parts: dict[int, list] = {}
    keep = np.zeros(int(lab.max()) + 1, bool)  # a lookup, not np.isin: a full tile's labels are 120 million pixels
    keep[list(wanted)] = True
    for geom, value in features.shapes(lab.astype(np.int32, copy=False), mask=keep[lab], transform=transform, connectivity=8):
        parts.setdefault(int(value), []).append(shapely.geometry.shape(geom))
    # 8-connected pixels meeting at a corner make rings that touch themselves; make them valid polygons.
    return {k: _polygonal(shapely.make_valid(shapely.union_all(v))) for k, v in parts.items()}


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    parts = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon"]
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _empty(crs: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {c: pd.Series(dtype=t) for c, t in (
            ("alert_id", str), ("first_seen", "object"), ("confirmed", "object"), ("cause", str), ("confidence", str),
            ("area_ha", float), ("reasons", str), ("n_pixels", int), ("frac_confirmed", float), ("history", float),
            ("obs_after", float), ("water_frac", float), ("bare_frac", float), ("char_frac", float), ("green_frac", float),
            ("dist_river_m", float), ("dist_old_mining_m", float), ("lon", float), ("lat", float))},
        geometry=gpd.GeoSeries([], crs=crs), crs=crs,
    )
