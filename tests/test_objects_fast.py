"""The sparse morphology behind whole-tile alerts gives exactly what whole-raster scipy and GDAL give.

Each helper is checked against the straightforward whole-raster formula on small random rasters (blobs,
lines, speckle, pieces cut by the raster's edge); alerts as a whole against a frozen copy of the
whole-raster implementation they replaced.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine
from rasterio import features
from scipy import ndimage

from centinela.detect import morph
from centinela.detect import objects as O

CROSS = ndimage.generate_binary_structure(2, 1)
EIGHT = np.ones((3, 3), bool)


def _mask(rng, shape, blobs=6, size=12, speckle=0.0, lines=2):
    m = np.zeros(shape, bool)
    h, w = shape
    for _ in range(blobs):
        r, c = rng.integers(-3, h), rng.integers(-3, w)
        hh, ww = rng.integers(1, size + 1, 2)
        m[max(r, 0) : r + hh, max(c, 0) : c + ww] = True
    for _ in range(lines):  # diagonals: 8-connected only
        n = int(rng.integers(2, size + 4))
        r, c, s = rng.integers(0, h), rng.integers(0, w), rng.choice([-1, 1])
        m[np.clip(r + np.arange(n), 0, h - 1), np.clip(c + s * np.arange(n), 0, w - 1)] = True
    if speckle:
        m ^= rng.random(shape) < speckle
    return m


def _shapes(rng, n=40):
    return [(1, 1), (1, 7), (7, 1), (2, 2)] + [tuple(int(v) for v in rng.integers(3, 70, 2)) for _ in range(n)]


def test_at_offsets_and_any_at_match_a_padded_raster_and_dilation():
    rng = np.random.default_rng(0)
    offsets = morph.diamond(3)
    for shape in _shapes(rng):
        raster = rng.integers(0, 5, shape).astype(np.int32)
        idx = np.flatnonzero(rng.random(shape) < 0.5)
        pad = np.pad(raster, 3, constant_values=-7)
        r, c = np.divmod(idx, shape[1])
        for (dy, dx), v in zip(offsets, morph.at_offsets(raster, idx, offsets, -7), strict=True):
            assert np.array_equal(v, pad[r + 3 + dy, c + 3 + dx])
        m = _mask(rng, shape, speckle=0.05)
        every = np.arange(m.size)
        for radius in (1, 2, 3):
            assert np.array_equal(
                morph.any_at(m, every, morph.diamond(radius)), ndimage.binary_dilation(m, iterations=radius).ravel()
            )


def test_edge_at_matches_binary_erosion_with_either_border_value():
    rng = np.random.default_rng(1)
    for shape in _shapes(rng):
        m = _mask(rng, shape, speckle=0.05)
        at = np.flatnonzero(m)
        for outside in (False, True):
            ref = m & ~ndimage.binary_erosion(m, structure=CROSS, border_value=int(outside))
            assert np.array_equal(morph.edge_at(m, at, outside), ref.ravel()[at])


def test_label_pixels_numbers_components_as_ndimage_label():
    rng = np.random.default_rng(2)
    for shape in _shapes(rng):
        m = _mask(rng, shape, speckle=rng.choice([0.0, 0.1, 0.4]))
        at = np.flatnonzero(m)
        for eight, structure in ((True, EIGHT), (False, CROSS)):
            labs, n = morph.label_pixels(at, shape, eight)
            ref, n_ref = ndimage.label(m, structure=structure)
            assert n == n_ref and np.array_equal(labs, ref.ravel()[at])
    assert morph.label_pixels(np.zeros(0, np.int64), (5, 5), True)[1] == 0


@pytest.mark.parametrize("max_runs", [None, 0])  # runs, and ndimage.label for speckle
def test_components_match_ndimage_label(max_runs):
    rng = np.random.default_rng(3)
    for shape in _shapes(rng):
        m = _mask(rng, shape, speckle=rng.choice([0.0, 0.05, 0.3]))
        comps = morph.Components(m, max_runs)
        ref, n = ndimage.label(m, structure=EIGHT)
        assert comps.n == n
        every = np.arange(m.size)
        mine = comps.of(every)
        assert np.array_equal(mine == 0, ref.ravel() == 0)
        inside = ref.ravel() != 0
        pairs = np.unique(np.column_stack([mine[inside], ref.ravel()[inside]]), axis=0)
        assert len(pairs) == n and len(np.unique(pairs[:, 0])) == n  # one to one
        ref_size = np.bincount(ref.ravel(), minlength=n + 1)
        assert np.array_equal(comps.size[pairs[:, 0]], ref_size[pairs[:, 1]])
        for min_px in (1, 3, 10):
            keep = ref_size >= min_px
            keep[0] = False
            assert np.array_equal(comps.pixels(comps.size >= min_px), np.flatnonzero(keep[ref]))
            assert np.array_equal(O._big_components(m, min_px), np.flatnonzero(keep[ref]))


def _regularise_reference(loss, rules):
    ring = np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1]], np.uint8)
    kept = loss & (ndimage.convolve(loss.astype(np.uint8), ring, mode="constant") >= rules.min_neighbours)
    holes, _ = ndimage.label(ndimage.binary_fill_holes(kept) & ~kept)  # 4-connected background off the edge
    small = np.bincount(holes.ravel()) <= rules.max_hole_px
    small[0] = False
    return kept | small[holes]


def test_regularise_matches_fill_holes_reference():
    rng = np.random.default_rng(4)
    for k in range(60):
        for shape in _shapes(rng, 6):
            loss = _mask(rng, shape, blobs=8, size=14, speckle=rng.choice([0.0, 0.02, 0.1]))
            # holes of 1 to 5 pixels, some cut by the edge
            for _ in range(int(rng.integers(0, 8))):
                r, c = rng.integers(-1, shape[0]), rng.integers(-1, shape[1])
                hh, ww = rng.integers(1, 3, 2)
                loss[max(r, 0) : r + hh, max(c, 0) : c + ww] = False
                if rng.random() < 0.5:
                    loss[max(r, 0) : r + hh, max(c + ww, 0) : c + ww + 1] = False
            rules = O.Rules(
                min_neighbours=int(rng.integers(0, 5)), max_hole_px=int(rng.choice([0, 1, 2, 3, 4, 4, 5, 8, 13, 40]))
            )
            assert np.array_equal(O.regularise(loss, rules), _regularise_reference(loss, rules)), (k, shape, rules)


def _patches(rng, shape):
    loss = _mask(rng, shape, blobs=10, size=15, speckle=0.02)
    lab, n = ndimage.label(loss, structure=EIGHT)
    at = np.flatnonzero(lab)
    edge = loss & ~ndimage.binary_erosion(loss, structure=CROSS, border_value=0)
    return lab, n, at, lab.ravel()[at], edge.ravel()[at]


def test_distance_minimum_per_patch_matches_the_distance_transform():
    rng = np.random.default_rng(5)
    for shape in _shapes(rng):
        _, n, at, labs, edge = _patches(rng, shape)
        if not n:
            continue
        idx = np.arange(1, n + 1)
        for mask in (
            _mask(rng, shape, blobs=3, size=10),
            _mask(rng, shape, blobs=1, size=3, lines=0),
            np.zeros(shape, bool),
        ):
            res = float(rng.choice([10.0, 20.0, 0.3]))
            got = ndimage.minimum(O._distance_m(mask, np.flatnonzero(mask), res, at, edge), labs, idx)
            if mask.any():
                ref = (ndimage.distance_transform_edt(~mask) * res).astype(np.float32).ravel()[at]
            else:
                ref = np.full(at.shape, np.inf, np.float32)
            want = ndimage.minimum(ref, labs, idx)
            assert np.asarray(got).dtype == np.float32
            assert np.array_equal(np.asarray(got).view(np.uint32), np.asarray(want).view(np.uint32))


def _river_reference(low, water_base, old_mining):
    lab, n = ndimage.label(
        water_base | (low & ~old_mining) | (old_mining & ndimage.binary_dilation(water_base, iterations=3)),
        structure=EIGHT,
    )
    in_corridor = np.zeros(n + 1, bool)
    in_corridor[np.unique(lab[water_base])] = True
    in_corridor[0] = False
    return in_corridor[lab]


def test_river_corridor_and_its_reach_match_whole_raster_morphology():
    rng = np.random.default_rng(6)
    for shape in _shapes(rng):
        water = _mask(rng, shape, blobs=2, size=20, speckle=0.01)
        mining = _mask(rng, shape, blobs=5, size=8)
        low = _mask(rng, shape, blobs=6, size=10, speckle=0.05) | ndimage.binary_dilation(water, iterations=2)
        river = O._river(low.copy(), water, np.flatnonzero(water), np.flatnonzero(mining))
        ref = _river_reference(low, water, mining)
        assert np.array_equal(river(np.arange(ref.size)), ref.ravel())
        _, n, at, labs, edge = _patches(rng, shape)
        if n:
            got = ndimage.maximum(O._near_river(river, at, edge, shape), labs, np.arange(1, n + 1))
            want = ndimage.maximum(ndimage.binary_dilation(ref, iterations=2).ravel()[at], labs, np.arange(1, n + 1))
            assert np.array_equal(np.asarray(got), np.asarray(want))


def _polygons_reference(lab, wanted, transform):
    parts = {}
    keep = np.zeros(int(lab.max()) + 1, bool)
    keep[list(wanted)] = True
    for geom, value in features.shapes(lab.astype(np.int32), mask=keep[lab], transform=transform, connectivity=8):
        parts.setdefault(int(value), []).append(shapely.geometry.shape(geom))
    return {k: O._polygonal(shapely.make_valid(shapely.union_all(v))) for k, v in parts.items()}


def _transform(rng):
    if rng.random() < 0.3:
        return Affine(10, 0, 300000, 0, -10, 8700000)
    b, d = (rng.normal(0, 0.7), rng.normal(0, 0.7)) if rng.random() < 0.5 else (0.0, 0.0)
    return Affine(
        float(rng.choice([10, 9.7, 0.3333333])),
        float(b),
        300000 + rng.random() * 1000,
        float(d),
        -float(rng.choice([10, 9.3, 0.1])),
        8700000 + rng.random() * 1000,
    )


def test_polygons_from_crops_are_the_whole_raster_polygons():
    rng = np.random.default_rng(7)
    for k, shape in enumerate(_shapes(rng, 60)):
        loss = _mask(rng, shape, blobs=12, size=15, speckle=0.05, lines=4)
        if k % 5 == 0:  # long diagonals: crops would outgrow the raster, traced whole
            for j in range(0, shape[1], 3):
                loss[np.arange(min(shape)), (j + np.arange(min(shape))) % shape[1]] = True
        lab, n = ndimage.label(loss, structure=EIGHT)
        if not n:
            continue
        wanted = set(rng.choice(np.arange(1, n + 1), int(rng.integers(1, n + 1)), replace=False).tolist())
        at = np.flatnonzero(np.isin(lab, list(wanted)))
        tr = _transform(rng)
        got, want = O._polygons(at, lab.ravel()[at], shape, tr), _polygons_reference(lab, wanted, tr)
        assert got.keys() == want.keys()
        for key in want:
            assert shapely.to_wkb(got[key]) == shapely.to_wkb(want[key]), (k, key)


# The whole-raster implementation the sparse one replaced, frozen: alerts must not change by a bit.


def _original_alerts_from_summary(sm, transform, crs, mmu_ha, rules):
    params = O.Params()
    res = abs(transform.a)
    px_ha = res * res / 1e4
    flags = sm["flags"]

    def bit(b):
        return (flags & b) != 0

    def big(mask, min_px):
        lab, n = ndimage.label(mask, structure=EIGHT)
        if not n:
            return mask
        keep = np.bincount(lab.ravel()) >= min_px
        keep[0] = False
        return keep[lab]

    def distance(mask, at):
        if not mask.any():
            return np.full(at.shape, np.inf, dtype=np.float32)
        from scipy.spatial import cKDTree

        edge = np.flatnonzero(mask & ~ndimage.binary_erosion(mask, structure=CROSS, border_value=1))
        width = mask.shape[1]
        tree = cKDTree(np.column_stack(np.divmod(edge, width)).astype(np.float64))
        dist, _ = tree.query(np.column_stack(np.divmod(at, width)).astype(np.float64))
        dist[mask.ravel()[at]] = 0.0
        return (dist * res).astype(np.float32)

    loss = _regularise_reference(bit(O.NEW_BREAK), rules)
    water_base = big(bit(O.WATER_BASE), rules.big_water_px)
    old_mining = big(bit(O.MINERAL_BASE), rules.old_mining_px)
    river = _river_reference(bit(O.LOW_NDVI_BASE), water_base, old_mining)
    lab, n = ndimage.label(loss, structure=EIGHT)
    if n == 0:
        return O._empty(crs)
    at = np.flatnonzero(lab)
    labs = lab.ravel()[at]
    idx = np.arange(1, n + 1)
    npx = ndimage.sum_labels(np.ones_like(labs), labs, idx)
    keep = npx * px_ha >= mmu_ha
    if not keep.any():
        return O._empty(crs)
    d_river, d_mining = distance(water_base, at), distance(old_mining & ~river, at)
    f = flags.ravel()[at]
    is_new = (f & O.NEW_BREAK) != 0
    first = np.where(is_new, O._lookup(sm["break_pos"], sm["break_first"], at, O.MAX_DAY), O.MAX_DAY)
    confirmed = np.where(is_new, O._lookup(sm["break_pos"], sm["break_confirmed"], at, 0), 0)
    edge = loss & ~ndimage.binary_erosion(loss, structure=CROSS, border_value=0)
    touches_river = ndimage.binary_dilation(river, iterations=2)

    def per(x, fn=ndimage.mean):
        return np.asarray(fn(x, labs, idx))

    stats = pd.DataFrame(
        {
            "label": idx,
            "n_pixels": npx.astype(int),
            "water_frac": per((f & O.WATER_AFTER) != 0),
            "bare_frac": per((f & O.BARE_AFTER) != 0),
            "char_frac": per((f & O.CHAR_AFTER) != 0),
            "green_frac": per((f & O.GREEN_AFTER) != 0),
            "frac_confirmed": per((f & O.CONFIRMED) != 0),
            "touch_river": per(touches_river.ravel()[at], ndimage.maximum) > 0,
            "edge_px": per(edge.ravel()[at], ndimage.sum),
            "history": per(O._lookup(sm["seen_pos"], sm["base_n_at_break"], at, 0).astype(np.float32), ndimage.median),
            "obs_after": per(O._lookup(sm["seen_pos"], sm["n_post"], at, 0).astype(np.float32), ndimage.median),
            "dist_river_m": per(d_river, ndimage.minimum),
            "dist_old_mining_m": per(d_mining, ndimage.minimum),
            "first_day": per(first.astype(np.int64), ndimage.minimum),
            "confirmed_day": per(np.where(confirmed > 0, confirmed, O.MAX_DAY).astype(np.int64), ndimage.minimum),
        }
    )[keep]
    stats["confidence"] = np.where(
        (stats.frac_confirmed >= 0.5) & (stats.history >= params.solid_history), "high", "low"
    )
    stats["first_seen"] = [O.EPOCH + dt.timedelta(days=int(d)) for d in stats.first_day]
    stats["confirmed"] = [
        O.EPOCH + dt.timedelta(days=int(d)) if d < np.iinfo(np.int32).max else None for d in stats.confirmed_day
    ]
    order = np.lexsort((at, first, labs))
    first_pos = at[order][np.searchsorted(labs[order], stats.label.values)]
    rows, cols = np.divmod(first_pos, lab.shape[1])
    xs, ys = transform.c + (cols + 0.5) * transform.a, transform.f + (rows + 0.5) * transform.e
    geoms = _polygons_reference(lab, set(stats.label), transform)
    gdf = gpd.GeoDataFrame(stats, geometry=[geoms[lab] for lab in stats.label], crs=crs)
    seeds = gpd.GeoSeries(gpd.points_from_xy(xs, ys), crs=crs).to_crs(4326)
    gdf["alert_id"] = [
        f"CEN-{fs:%Y%m%d}-{abs(p.y):.4f}{'S' if p.y < 0 else 'N'}-{abs(p.x):.4f}{'W' if p.x < 0 else 'E'}"
        for fs, p in zip(gdf.first_seen, seeds, strict=True)
    ]
    gdf["area_ha"] = (gdf.to_crs(gdf.estimate_utm_crs()).area / 1e4).round(4)
    centroids = gdf.geometry.representative_point().to_crs(4326)
    gdf["lon"], gdf["lat"] = centroids.x.round(6), centroids.y.round(6)
    for c in ("water_frac", "bare_frac", "char_frac", "green_frac", "frac_confirmed"):
        gdf[c] = gdf[c].round(3)
    gdf["dist_river_m"] = gdf.dist_river_m.replace(np.inf, np.nan).round(0)
    gdf["dist_old_mining_m"] = gdf.dist_old_mining_m.replace(np.inf, np.nan).round(0)
    cols = [
        "alert_id",
        "first_seen",
        "confirmed",
        "confidence",
        "area_ha",
        "n_pixels",
        "frac_confirmed",
        "history",
        "obs_after",
        "water_frac",
        "bare_frac",
        "char_frac",
        "green_frac",
        "dist_river_m",
        "dist_old_mining_m",
        "lon",
        "lat",
        "geometry",
    ]
    return gdf[cols].sort_values(["first_seen", "alert_id"]).reset_index(drop=True)


def _summary(rng, shape):
    flags = np.zeros(shape, np.uint16)
    water = _mask(rng, shape, blobs=3, size=40, speckle=0.01)
    parts = {
        O.WATER_BASE: water,
        O.MINERAL_BASE: _mask(rng, shape, blobs=10, size=12, speckle=0.02),
        O.LOW_NDVI_BASE: _mask(rng, shape, blobs=10, size=15, speckle=0.05)
        | ndimage.binary_dilation(water, iterations=2),
        O.NEW_BREAK: _mask(rng, shape, blobs=25, size=14, speckle=0.05) & ~(rng.random(shape) < 0.03),
        O.CONFIRMED: rng.random(shape) < 0.7,
        O.WATER_AFTER: rng.random(shape) < 0.2,
        O.BARE_AFTER: rng.random(shape) < 0.5,
        O.CHAR_AFTER: rng.random(shape) < 0.1,
        O.GREEN_AFTER: rng.random(shape) < 0.3,
    }
    for b, m in parts.items():
        flags[m] |= b
    bp = np.flatnonzero(flags & O.NEW_BREAK)
    seen = np.sort(rng.choice(flags.size, min(flags.size, bp.size + 10), replace=False))
    return {
        "flags": flags,
        "break_pos": bp,
        "break_first": rng.integers(19000, 19060, bp.size).astype(np.int32),
        "break_confirmed": np.where(rng.random(bp.size) < 0.6, rng.integers(19000, 19100, bp.size), 0).astype(np.int32),
        "seen_pos": seen,
        "base_n_at_break": rng.integers(0, 12, seen.size).astype(np.uint16),
        "n_post": rng.integers(0, 6, seen.size).astype(np.uint16),
    }


def _assert_identical(a, b):
    assert list(a.columns) == list(b.columns) and len(a) == len(b) and a.crs == b.crs
    for c in a.columns:
        x, y = a[c], b[c]
        assert x.dtype == y.dtype, c
        if c == "geometry":
            assert [shapely.to_wkb(g) for g in x.values] == [shapely.to_wkb(g) for g in y.values]
        elif x.dtype.kind == "f":
            assert np.array_equal(x.values.view(f"u{x.dtype.itemsize}"), y.values.view(f"u{y.dtype.itemsize}")), c
        else:
            assert list(x.values) == list(y.values), c


def test_alerts_are_bit_for_bit_those_of_the_whole_raster_implementation():
    rng = np.random.default_rng(8)
    rows = 0
    for _ in range(12):
        shape = tuple(int(v) for v in rng.integers(30, 140, 2))
        sm = _summary(rng, shape)
        rules = O.Rules(
            min_neighbours=int(rng.integers(1, 4)),
            max_hole_px=int(rng.choice([2, 4, 9])),
            big_water_px=int(rng.choice([5, 50, 500])),
            old_mining_px=int(rng.choice([10, 100])),
        )
        tr, mmu = _transform(rng), float(rng.choice([0.0, 0.003, 0.3]))
        got = O.alerts_from_summary(sm, tr, "EPSG:32719", mmu, rules=rules)
        want = _original_alerts_from_summary(sm, tr, "EPSG:32719", mmu, rules)
        # The patches, their dates and statistics; what they say about the cause is test_attribution's.
        _assert_identical(got[want.columns], want)
        assert got.cause.isin(["mining", "other"]).all() and got.mining_prob.between(0, 1).all()
        rows += len(got)
    assert rows > 100  # the cases make alerts
