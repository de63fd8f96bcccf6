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

from .attribution import Model, attribute, evidence_json, known_distance, shape_measures
from .kernel import Params
from .morph import (
    STEPS4,
    STEPS8,
    Components,
    any_at,
    at_offsets,
    diamond,
    edge_at,
    label_pixels,
    neighbours,
)

EPOCH = dt.date(1970, 1, 1)
EIGHT = np.ones((3, 3), dtype=bool)


@dataclass(frozen=True)
class Rules:
    """Object-level thresholds of the patches and their context, justified in docs/method.md (what a patch's
    evidence says about its cause is :mod:`.attribution`'s)."""

    min_neighbours: int = 2  # a loss pixel needs this many loss neighbours (of 8) to be kept
    max_hole_px: int = 4  # holes up to this size inside a patch are filled
    green_ndvi: float = 0.55  # recent NDVI above this: vegetation returning (crops, pasture)
    big_water_px: int = 500  # 5 ha: a river or lake, not a pond
    old_mining_px: int = 100  # 1 ha of bare mineral ground in the baseline


def regularise(loss: np.ndarray, rules: Rules = Rules()) -> np.ndarray:
    """Drop isolated pixels and one-pixel slivers, fill pinholes."""
    out = np.zeros(loss.shape, bool)
    out.ravel()[_regularised(np.flatnonzero(loss), loss.shape, rules)] = True
    return out


def _regularised(idx: np.ndarray, shape: tuple[int, int], rules: Rules) -> np.ndarray:
    """:func:`regularise` from and to sorted flat indices: a tile's loss is a small share of its pixels.

    A loss pixel is kept with at least ``min_neighbours`` loss pixels among its 8 neighbours. Holes are
    the 4-connected components of the background that do not reach the raster's edge (what
    binary_fill_holes fills), filled up to ``max_hole_px`` pixels. Walking from a pixel of such a hole
    along its row or column, the hole ends at a kept pixel within (size + 3) // 4 steps in one of the
    four directions (the four runs share only that pixel), so the background pixels that near a kept
    pixel hold every small hole. Labelling just them finds the holes: a component of them is a whole
    background component unless it borders background outside that set.
    """
    state = np.zeros(shape, np.uint8)  # 0 background, 1 kept, 2 background near kept, 3 beyond the edge
    state.ravel()[idx] = 1
    count = np.zeros(idx.shape, np.uint8)
    for v in at_offsets(state, idx, STEPS8, 0):
        count += v
    ok = count >= rules.min_neighbours
    state.ravel()[idx[~ok]] = 0
    kept = idx[ok]
    if not kept.size or rules.max_hole_px < 1:
        return kept
    reach = int((rules.max_hole_px + 3) // 4)
    steps = [(s * j, 0) for j in range(1, reach + 1) for s in (-1, 1)] + [
        (0, s * j) for j in range(1, reach + 1) for s in (-1, 1)
    ]
    w = shape[1]
    # Beyond the edge reads as kept here: not a candidate (and the raster holds no pixel there).
    near = np.unique(
        np.concatenate(
            [kept[v == 0] + (dy * w + dx) for (dy, dx), v in zip(steps, at_offsets(state, kept, steps, 1), strict=True)]
        )
    )
    state.ravel()[near] = 2
    lab, n = label_pixels(near, shape, eight=False)
    leaks = np.zeros(near.shape, bool)
    for v in at_offsets(state, near, STEPS4, 3):
        leaks |= (v == 0) | (v == 3)
    size = np.bincount(lab, minlength=n + 1)
    leaky = np.zeros(n + 1, bool)
    leaky[lab[leaks]] = True
    holes = near[(size[lab] <= rules.max_hole_px) & ~leaky[lab]]
    return np.sort(np.concatenate([kept, holes]))


def _distance_m(mask: np.ndarray, mask_at: np.ndarray, res: float, at: np.ndarray, edge: np.ndarray) -> np.ndarray:
    """Per pixel ``at`` (flat indices of patches), a value whose minimum over each patch is the patch's
    Euclidean distance in metres (float32) to the nearest ``mask`` pixel (sorted flat indices ``mask_at``).

    Exact at patch pixels in the mask (0) and at the patch edge pixels ``edge`` (a 4-neighbour off the
    patch); +inf elsewhere. That loses no minimum: a patch pixel off the mask whose 4-neighbours are all
    in the patch has one a step nearer to the nearest mask pixel. The distance is that of a whole-raster
    transform (sqrt of the integer squared offsets, times ``res``), from a KD-tree of the mask's edge
    pixels: the nearest mask pixel to any pixel outside the mask has a 4-neighbour outside it, so the
    edge suffices. A full-tile transform would need ~16 bytes a pixel (2 GB).
    """
    out = np.full(at.shape, np.inf, dtype=np.float32)
    if not mask_at.size:
        return out
    from scipy.spatial import cKDTree

    w = mask.shape[1]
    border = mask_at[edge_at(mask, mask_at, True)]
    # Any tree gives the exact nearest distance; this layout answers far queries (most patches lie far
    # from a thin river) several times faster than the default.
    tree = cKDTree(
        np.column_stack(np.divmod(border, w)).astype(np.float64), leafsize=64, balanced_tree=False, compact_nodes=False
    )
    inside = mask.ravel()[at]
    ask = edge & ~inside
    dist, _ = tree.query(np.column_stack(np.divmod(at[ask], w)).astype(np.float64))
    out[ask] = (dist * res).astype(np.float32)
    out[inside] = np.float32(0.0 * res)
    return out


def _big_components(mask: np.ndarray, min_px: int) -> np.ndarray:
    """Sorted flat indices of the pixels of ``mask``'s 8-connected components of ``min_px`` pixels or more."""
    comps = Components(mask)
    return comps.pixels(comps.size >= min_px)


def _river(low: np.ndarray, water_base: np.ndarray, water_at: np.ndarray, mining_at: np.ndarray):
    """Whether pixels (flat indices) are in the river corridor: of big water, low-NDVI ground off old
    mining and old mining within 3 steps of big water, the 8-connected components holding big water.

    Takes the low-NDVI mask ``low`` (overwritten), big water ``water_base`` and the sorted flat indices
    of big water and old mining. Old mining near big water is ``old_mining & binary_dilation(water_base,
    iterations=3)``, evaluated at old mining only (the 3 steps include the pixel itself).
    """
    low.ravel()[water_at] = True
    low.ravel()[mining_at] = any_at(water_base, mining_at, diamond(3))
    comps = Components(low)
    del low
    in_corridor = np.zeros(comps.n + 1, bool)  # the components holding big water (a lookup, not np.isin: memory)
    in_corridor[comps.of(water_at)] = True
    in_corridor[0] = False
    return lambda q: in_corridor[comps.of(q)]


def _near_river(river, at: np.ndarray, edge: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """``binary_dilation(river, iterations=2)`` at patch pixels ``at``: the river within 2 steps.

    A patch pixel 2 steps from a river pixel off its patch has an edge pixel of the patch (``edge``) on
    the way there, no farther from it: only edge pixels need looking around.
    """
    out = river(at)
    near = np.flatnonzero(edge)
    for q, beyond in neighbours(at[near], shape, diamond(2)):
        hit = river(q)
        hit[beyond] = False
        out[near[hit]] = True
    return out


# Bits of the per-pixel summary (see summarize): what the alerts need of a pixel's state.
(
    WATER_BASE,
    MINERAL_BASE,
    LOW_NDVI_BASE,
    NEW_BREAK,
    CONFIRMED,
    WATER_AFTER,
    BARE_AFTER,
    CHAR_AFTER,
    GREEN_AFTER,
    NONFOREST,
) = (1 << i for i in range(10))
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
        (
            MINERAL_BASE,
            hist
            & (s["mu_ndvi"] < params.bare_ndvi)
            & (s["mu_bsi"] > params.bare_bsi)
            & (s["mu_vis"] >= params.bare_visible),
        ),
        (LOW_NDVI_BASE, hist & (s["mu_ndvi"] < params.bare_ndvi)),
        (NEW_BREAK, new_break),
        (CONFIRMED, s["conf_day"] > 0),
        (WATER_AFTER, (s["n_water"] / n_post) >= 0.5),
        (BARE_AFTER, (s["n_bare"] / n_post) >= 0.5),
        (CHAR_AFTER, (s["n_char"] / n_post) >= 0.5),
        (GREEN_AFTER, s["ndvi_recent"] > rules.green_ndvi),
        # A new break where the ground before was not closed forest (the baseline stops learning at a break).
        (NONFOREST, new_break & (s["mu_ndvi"] < params.forest_ndvi)),
    )
    flags = np.zeros(new_break.shape, np.uint16)
    for value, where in bits:
        flags[where] |= value
    brk = np.flatnonzero(new_break)
    seen = np.flatnonzero((s["base_n_at_break"] != 0) | (s["n_post"] != 0))
    return {
        "flags": flags,
        "break_pos": brk,
        "break_first": s["cand_day"].ravel()[brk].astype(np.int32),
        "break_confirmed": s["conf_day"].ravel()[brk].astype(np.int32),
        "seen_pos": seen,
        "base_n_at_break": s["base_n_at_break"].ravel()[seen].astype(np.uint16),
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
    s: dict[str, np.ndarray],
    transform: Affine,
    crs: str,
    mmu_ha: float,
    params: Params = Params(),
    rules: Rules = Rules(),
    since_day: int = 0,
    **kwargs,
) -> gpd.GeoDataFrame:
    """Alert polygons with dates, cause, confidence and the evidence behind the cause.

    Only breaks first seen on or after ``since_day`` (days since 1970) make alerts: older ones belong
    to an earlier reporting period and must not pull a new patch's date back. ``kwargs`` go to
    :func:`alerts_from_summary`.
    """
    return alerts_from_summary(summarize(s, params, rules, since_day), transform, crs, mmu_ha, params, rules, **kwargs)


def alerts_from_summary(
    sm: dict,
    transform: Affine,
    crs: str,
    mmu_ha: float,
    params: Params = Params(),
    rules: Rules = Rules(),
    model: Model | None = None,
    reported: np.ndarray | None = None,
    known_mining: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """:func:`alerts_from_state` from the whole grid's :func:`summarize` (what ``detect`` assembles block by block).

    ``model``: the attribution model (:func:`.attribution.load_model`; default the bundled one).
    ``reported``: pixels already inside alerts reported earlier (a raster of the grid: 0, or the 1-based
    index of the alert). Each reported alert keeps its pixels; new ground of at least the MMU beside them
    becomes a new alert with its own dates and ``parent_id`` naming the alert it grew from: every new
    clearing is news.
    ``known_mining``: mining mapped elsewhere (e.g. Amazon Mining Watch), polygons with a ``mapped_until``
    date; a patch's distance to older mining counts only those mapped before its first-seen date.
    """
    res = abs(transform.a)
    px_ha = res * res / 1e4
    flags = sm["flags"]
    shape = flags.shape

    def bit(b):
        # (flags & b) != 0 a few hundred rows at a time: no whole-tile uint16 temporary.
        out = np.empty(shape, bool)
        tmp = np.empty((256, shape[1]), flags.dtype)
        for i in range(0, shape[0], 256):
            part = flags[i : i + 256]
            np.bitwise_and(part, b, out=tmp[: len(part)])
            np.not_equal(tmp[: len(part)], 0, out=out[i : i + 256])
        return out

    # Patches first, as sorted flat indices: a tile's loss is a small share of its 120 million pixels.
    at = _regularised(np.flatnonzero(bit(NEW_BREAK)), shape, rules)
    labs, n = label_pixels(at, shape, eight=True)
    if n == 0:
        return _empty(crs)
    idx = np.arange(1, n + 1)
    npx = ndimage.sum_labels(np.ones_like(labs), labs, idx)
    keep = npx * px_ha >= mmu_ha
    if not keep.any():
        return _empty(crs)
    # Only kept patches make alerts. Their statistics over their own pixels, in raster order, are the
    # same sums as over every patch's.
    inner = keep[labs - 1]
    at, labs, idx, npx = at[inner], labs[inner], idx[keep], npx[keep]
    del inner
    parent = {}
    whole = labs  # the 8-connected clearing each pixel belongs to, before pieces reported apart are split off
    if reported is not None:
        labs, parent = _split_growth(at, labs, n, reported, shape, mmu_ha / px_ha)
        idx = np.unique(labs)
        npx = np.bincount(labs)[idx].astype(float)
    loss = np.zeros(shape, bool)
    loss.ravel()[at] = True  # a 4-neighbour in the loss of a kept patch's pixel is in that patch
    edge = edge_at(loss, at, False)
    del loss

    water_at = _big_components(bit(WATER_BASE), rules.big_water_px)
    mining_at = _big_components(bit(MINERAL_BASE), rules.old_mining_px)
    water_base = np.zeros(shape, bool)
    water_base.ravel()[water_at] = True
    # The river corridor: big water bodies and the bare bars connected to them. Land that becomes
    # part of it is bank erosion and bar deposition, the first confuser of mining (AMW's hard negatives).
    river = _river(bit(LOW_NDVI_BASE), water_base, water_at, mining_at)
    touches_river = _near_river(river, at, edge, shape)
    mining_at = mining_at[~river(mining_at)]  # old mining off the river corridor
    del river
    old_mining = np.zeros(shape, bool)
    old_mining.ravel()[mining_at] = True

    d_river, d_mining = (
        _distance_m(water_base, water_at, res, at, edge),
        _distance_m(old_mining, mining_at, res, at, edge),
    )
    del water_base, old_mining
    f = flags.ravel()[at]
    is_new = (f & NEW_BREAK) != 0
    first = np.where(is_new, _lookup(sm["break_pos"], sm["break_first"], at, MAX_DAY), MAX_DAY)
    confirmed = np.where(is_new, _lookup(sm["break_pos"], sm["break_confirmed"], at, 0), 0)

    def per(x, fn=ndimage.mean):
        return np.asarray(fn(x, labs, idx))

    stats = pd.DataFrame(
        {
            "label": idx,
            "n_pixels": npx.astype(int),
            "water_frac": per((f & WATER_AFTER) != 0),
            "bare_frac": per((f & BARE_AFTER) != 0),
            "char_frac": per((f & CHAR_AFTER) != 0),
            "green_frac": per((f & GREEN_AFTER) != 0),
            "nonforest_frac": per((f & NONFOREST) != 0),
            "frac_confirmed": per((f & CONFIRMED) != 0),
            "touch_river": per(touches_river, ndimage.maximum) > 0,
            "edge_px": per(edge, ndimage.sum),
            "clearing": per(whole, ndimage.minimum).astype(np.int64),
            "history": per(_lookup(sm["seen_pos"], sm["base_n_at_break"], at, 0).astype(np.float32), ndimage.median),
            "obs_after": per(_lookup(sm["seen_pos"], sm["n_post"], at, 0).astype(np.float32), ndimage.median),
            "dist_river_m": per(d_river, ndimage.minimum),
            "dist_old_mining_m": per(d_mining, ndimage.minimum),
            "first_day": per(first.astype(np.int64), ndimage.minimum),
            "confirmed_day": per(np.where(confirmed > 0, confirmed, MAX_DAY).astype(np.int64), ndimage.minimum),
        },
        index=idx - 1,
    )
    del edge, touches_river

    stats["confidence"] = np.where(
        (stats.frac_confirmed >= 0.5) & (stats.history >= params.solid_history), "high", "low"
    )
    stats["first_seen"] = [EPOCH + dt.timedelta(days=int(d)) for d in stats.first_day]
    stats["confirmed"] = [
        EPOCH + dt.timedelta(days=int(d)) if d < np.iinfo(np.int32).max else None for d in stats.confirmed_day
    ]
    geoms = _polygons(at, labs, shape, transform)
    outlines = [geoms[lab] for lab in stats.label]
    shapes = shape_measures(outlines, res)
    stats["strip_ratio"] = stats.n_pixels / stats.edge_px.clip(lower=1)
    # A piece split off a clearing (its growth, or an alert reported earlier) is a band along the clearing's
    # edge by construction: its shape says nothing; the whole clearing's does (a front is not a road).
    # The pieces tile their clearing: its outline is their union, its pixels and outer edge their sums (an edge
    # between two pieces is no edge: both are loss).
    split = stats.clearing.duplicated(keep=False).to_numpy()
    if split.any():
        of = stats.clearing[split]
        pieces = pd.Series(np.flatnonzero(split)).groupby(of.to_numpy())
        fronts = {k: shapely.union_all([outlines[i] for i in rows]) for k, rows in pieces}
        front_shape = shape_measures(list(fronts.values()), res).set_index(pd.Index(list(fronts)))
        whole_px = stats.n_pixels[split].groupby(of).sum() / stats.edge_px[split].groupby(of).sum().clip(lower=1)
        for k in shapes:
            shapes.loc[split, k] = front_shape[k].reindex(of).to_numpy()
        stats.loc[split, "strip_ratio"] = whole_px.reindex(of).to_numpy()
    for k, v in shapes.items():
        stats[k] = v.to_numpy()
    # How far around each patch the context was looked at: the grid's edge, or everywhere with a mapped layer.
    gx0, gy1 = transform.c, transform.f
    gx1, gy0 = gx0 + shape[1] * transform.a, gy1 + shape[0] * transform.e
    bounds = shapely.bounds(np.asarray(outlines, dtype=object))
    stats["context_m"] = np.minimum.reduce(
        [bounds[:, 0] - gx0, gx1 - bounds[:, 2], bounds[:, 1] - gy0, gy1 - bounds[:, 3]]
    )
    if known_mining is not None:
        stats["context_m"] = np.inf
        if len(known_mining):
            mapped = known_distance(outlines, crs, stats.first_seen.tolist(), known_mining)
            stats["dist_old_mining_m"] = np.minimum(stats.dist_old_mining_m.to_numpy(float), mapped)
    cause = attribute(stats, model)
    stats["cause"], stats["mining_prob"], stats["reasons"] = cause.cause, cause.mining_prob, cause.reasons
    # Mostly on land that was not closed forest (scrub, regrowth, pasture, old mining grown over): reported only
    # as mining disturbance, its own kind of alert; anything else there is not forest loss.
    nonforest = stats.nonforest_frac.to_numpy() >= 0.5
    stats["land_before"] = np.where(nonforest, "non-forest", "forest")
    stats.loc[nonforest, "reasons"] = "on land that was not closed forest; " + stats.reasons[nonforest]
    kept = ~nonforest | (stats.cause == "mining").to_numpy()
    stats, outlines = stats[kept], [g for g, k in zip(outlines, kept, strict=True) if k]
    if stats.empty:
        return _empty(crs)

    # Seed pixel: the earliest loss pixel of each patch; its place names the alert and does not move as it grows.
    order = np.lexsort((at, first, labs))
    first_pos = at[order][np.searchsorted(labs[order], stats.label.values)]
    rows, cols = np.divmod(first_pos, shape[1])
    xs, ys = transform.c + (cols + 0.5) * transform.a, transform.f + (rows + 0.5) * transform.e

    gdf = gpd.GeoDataFrame(stats, geometry=outlines, crs=crs)
    seeds = gpd.GeoSeries(gpd.points_from_xy(xs, ys), crs=crs).to_crs(4326)
    gdf["alert_id"] = [
        f"CEN-{fs:%Y%m%d}-{abs(p.y):.4f}{'S' if p.y < 0 else 'N'}-{abs(p.x):.4f}{'W' if p.x < 0 else 'E'}"
        for fs, p in zip(gdf.first_seen, seeds, strict=True)
    ]
    ids = dict(zip(stats.label, gdf.alert_id, strict=True))
    gdf["parent_id"] = [ids.get(parent.get(int(lab))) for lab in stats.label]
    utm = gdf.estimate_utm_crs()
    gdf["area_ha"] = (gdf.to_crs(utm).area / 1e4).round(4)
    centroids = gdf.geometry.representative_point().to_crs(4326)
    gdf["lon"], gdf["lat"] = centroids.x.round(6), centroids.y.round(6)
    for c in ("water_frac", "bare_frac", "char_frac", "green_frac", "nonforest_frac", "frac_confirmed"):
        gdf[c] = gdf[c].round(3)
    gdf["dist_river_m"] = gdf.dist_river_m.replace(np.inf, np.nan).round(0)
    gdf["dist_old_mining_m"] = gdf.dist_old_mining_m.replace(np.inf, np.nan).round(0)
    gdf["elongation"], gdf["rectangularity"] = gdf.elongation.round(2), gdf.rectangularity.round(3)
    gdf["width_m"] = gdf.width_m.round(1)
    gdf["evidence"] = evidence_json(gdf)
    cols = [
        "alert_id",
        "first_seen",
        "confirmed",
        "cause",
        "mining_prob",
        "confidence",
        "area_ha",
        "reasons",
        "land_before",
        "parent_id",
        "n_pixels",
        "frac_confirmed",
        "history",
        "obs_after",
        "water_frac",
        "bare_frac",
        "char_frac",
        "green_frac",
        "nonforest_frac",
        "dist_river_m",
        "dist_old_mining_m",
        "elongation",
        "width_m",
        "rectangularity",
        "evidence",
        "lon",
        "lat",
        "geometry",
    ]
    return gdf[cols].sort_values(["first_seen", "alert_id"]).reset_index(drop=True)


def _split_growth(at, labs, n: int, reported: np.ndarray, shape, mmu_px: float) -> tuple[np.ndarray, dict]:
    """Split patches holding pixels of alerts reported earlier (``reported``: the grid, 0 or the 1-based index
    of the reported alert over each pixel): each reported alert keeps its own pixels, an 8-connected piece of
    new ground of ``mmu_px`` pixels or more becomes a label of its own, and smaller new ground joins a
    reported alert it touches. Returns the new labels and {growth label: label of the alert it grew from}.
    """
    rep = reported.ravel()[at].astype(np.int64)
    has_old = np.bincount(labs, weights=rep > 0, minlength=n + 1) > 0
    touched = has_old[labs]
    if not touched.any():
        return labs, {}
    orig, labs = labs, labs.copy()
    # Reported pixels: one label per reported alert (after every original label).
    old_label = np.zeros(int(rep.max()) + 1, np.int64)
    ids = np.unique(rep[rep > 0])
    old_label[ids] = n + np.arange(1, ids.size + 1)
    labs[rep > 0] = old_label[rep[rep > 0]]
    grow = np.flatnonzero(touched & (rep == 0))
    if not grow.size:
        return labs, {}
    g, gn = label_pixels(at[grow], shape, eight=True)
    # The reported alert each piece of new ground touches (8-neighbours; the largest label if several).
    lab_grid = np.zeros(shape, np.int64)
    lab_grid.ravel()[at[rep > 0]] = labs[rep > 0]
    near = np.zeros(grow.size, np.int64)
    for v in at_offsets(lab_grid, at[grow], STEPS8, 0):
        np.maximum(near, v, out=near)
    touch = np.zeros(gn + 1, np.int64)
    np.maximum.at(touch, g, near)
    # A piece touching only other new ground: the reported alert of its patch with the lowest label.
    first_old = np.full(n + 1, np.iinfo(np.int64).max)
    np.minimum.at(first_old, orig[rep > 0], labs[rep > 0])
    comp_fallback = np.zeros(gn + 1, np.int64)
    comp_fallback[g] = first_old[orig[grow]]  # a piece of new ground lies in one patch
    touch = np.where(touch > 0, touch, comp_fallback)
    big = np.bincount(g, minlength=gn + 1) >= mmu_px
    base = n + ids.size
    new_lab = np.where(big, base + np.arange(gn + 1), touch)
    labs[grow] = new_lab[g]
    return labs, {int(base + k): int(touch[k]) for k in np.flatnonzero(big[1:]) + 1}


def _polygons(
    at: np.ndarray, labs: np.ndarray, shape: tuple[int, int], transform: Affine
) -> dict[int, shapely.Geometry]:
    """Outline of each patch (pixels ``at``, flat indices, labelled ``labs``) as ``features.shapes`` over the
    whole raster, masked to these patches, traces it.

    GDAL's polygonizer builds a region's rings from the 2x2 pixel blocks along its outline: there the
    patch meets only its own pixels, masked ones and, at the raster's edge, the outside (patches are
    8-connected components: no other patch is that close). So a crop with a one-pixel masked margin
    (the raster's edge where the patch reaches it) gives the same rings, in pixel units shifted by the
    crop's origin. Crops of patches off the raster's edge are packed side by side into one small raster
    and polygonised in one call; the others one by one. Pixel coordinates are taken to the map the way
    GDAL does it (x = c + col * a + row * b), so they are the same floats.
    """
    h, w = shape
    order = np.argsort(labs, kind="stable")
    at, labs = at[order], labs[order]
    wanted, start = np.unique(labs, return_index=True)
    group = np.repeat(np.arange(wanted.size), np.diff(np.append(start, labs.size)))
    r, c = np.divmod(at, w)
    r0, r1 = np.minimum.reduceat(r, start), np.maximum.reduceat(r, start)
    c0, c1 = np.minimum.reduceat(c, start), np.maximum.reduceat(c, start)
    at_edge = (r0 == 0) | (c0 == 0) | (r1 == h - 1) | (c1 == w - 1)
    top, left = np.maximum(r0 - 1, 0), np.maximum(c0 - 1, 0)
    ch, cw = np.minimum(r1 + 1, h - 1) - top + 1, np.minimum(c1 + 1, w - 1) - left + 1

    # Shelf packing, tallest crops first: rows of crops no wider than the mosaic.
    off = np.flatnonzero(~at_edge)
    mosaic_r, mosaic_c = np.zeros(wanted.size, np.int64), np.zeros(wanted.size, np.int64)
    width = int(max(cw[off].max(), np.sqrt((ch[off] * cw[off]).sum()))) + 1 if off.size else 1
    y = x = shelf = 0
    by_height = off[np.argsort(-ch[off], kind="stable")]
    for i, hh, ww in zip(by_height.tolist(), ch[by_height].tolist(), cw[by_height].tolist(), strict=True):
        if x + ww > width:
            y, x, shelf = y + shelf, 0, 0
        mosaic_r[i], mosaic_c[i] = y, x
        x, shelf = x + ww, max(shelf, hh)
    height = y + shelf

    parts, owner = [], []
    if height * width + int((ch[at_edge] * cw[at_edge]).sum()) > h * w:
        # Crops would outgrow the raster (long diagonal patches): trace the whole raster instead.
        ox = oy = np.zeros(wanted.size, np.int64)
        lab = np.zeros(shape, np.int32)
        lab.ravel()[at] = labs
        for geom, value in features.shapes(lab, mask=lab != 0, connectivity=8):
            parts.append(shapely.geometry.shape(geom))
            owner.append(int(np.searchsorted(wanted, int(value))))
        del lab
    else:
        ox, oy = left - mosaic_c, top - mosaic_r  # pixel in mosaic + (ox, oy) = pixel in raster
        if off.size:
            mosaic = np.zeros((height, width), np.int32)
            sel = ~at_edge[group]
            g = group[sel]
            mosaic[r[sel] - oy[g], c[sel] - ox[g]] = labs[sel]
            for geom, value in features.shapes(mosaic, mask=mosaic != 0, connectivity=8):
                parts.append(shapely.geometry.shape(geom))
                owner.append(int(np.searchsorted(wanted, int(value))))
            del mosaic
        for i in np.flatnonzero(at_edge).tolist():
            ox[i], oy[i] = left[i], top[i]
            crop = np.zeros((ch[i], cw[i]), np.int32)
            px = slice(start[i], start[i + 1] if i + 1 < wanted.size else labs.size)
            crop[r[px] - top[i], c[px] - left[i]] = labs[px]
            for geom, _ in features.shapes(crop, mask=crop != 0, connectivity=8):
                parts.append(shapely.geometry.shape(geom))
                owner.append(i)
    geoms = np.empty(len(parts), dtype=object)
    geoms[:] = parts
    xy, which = shapely.get_coordinates(geoms, return_index=True)
    owner = np.asarray(owner, np.int64)
    col, row = xy[:, 0] + ox[owner[which]], xy[:, 1] + oy[owner[which]]
    t = transform
    geoms = shapely.set_coordinates(geoms, np.column_stack([t.c + col * t.a + row * t.b, t.f + col * t.d + row * t.e]))
    grouped: dict[int, list] = {}
    for geom, i in zip(geoms, owner.tolist(), strict=True):
        grouped.setdefault(int(wanted[i]), []).append(geom)
    # 8-connected pixels meeting at a corner make rings that touch themselves; make them valid polygons.
    return {k: _polygonal(shapely.make_valid(shapely.union_all(v))) for k, v in grouped.items()}


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    parts = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon"]
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _empty(crs: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            c: pd.Series(dtype=t)
            for c, t in (
                ("alert_id", str),
                ("first_seen", "object"),
                ("confirmed", "object"),
                ("cause", str),
                ("mining_prob", float),
                ("confidence", str),
                ("area_ha", float),
                ("reasons", str),
                ("land_before", str),
                ("parent_id", "object"),
                ("n_pixels", int),
                ("frac_confirmed", float),
                ("history", float),
                ("obs_after", float),
                ("water_frac", float),
                ("bare_frac", float),
                ("char_frac", float),
                ("green_frac", float),
                ("nonforest_frac", float),
                ("dist_river_m", float),
                ("dist_old_mining_m", float),
                ("elongation", float),
                ("width_m", float),
                ("rectangularity", float),
                ("evidence", str),
                ("lon", float),
                ("lat", float),
            )
        },
        geometry=gpd.GeoSeries([], crs=crs),
        crs=crs,
    )
