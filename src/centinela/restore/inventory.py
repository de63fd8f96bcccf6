"""Inventory of mined land: which mining sites are abandoned, how big, how much of them is ponds, how far from
forest, roads, rivers and people.

Pure computation over mining polygons (alerts and footprints, with the dates they were active), a
:class:`~centinela.restore.pixels.Stack` and optional context layers; no file is opened here.

- **Sites**: mining polygons closer than ``gap_m`` are one site. Footprints such as Amazon Mining Watch's
  cover 2–4× the mined ground (shared/reference/remote-sensing-figures.md §A), so with ``refine`` a site is
  the ground inside them that is not forest in the last year of imagery (median NDVI < 0.70) and showed
  mineral ground or water on at least two clear looks of the record (which leaves out pasture and crops).
- **Abandoned**: no new disturbance for ``months`` months before ``as_of`` (``active`` otherwise; ``undetermined``
  when nothing dated is known and the imagery is shorter than ``months``). Activity is the latest of: the
  alerts' first-seen/confirmed dates, the footprints' periods, and green ground cleared inside the site or
  within ``ring_m`` of it in the imagery (the tracking kernel, :func:`~centinela.restore.pixels.disturbance_days`).
  When nothing dated is known the site has been idle at least since the imagery began: the age is then a
  lower bound (``age_is_lower_bound``).
- **Ground**: each pixel's class is its majority over the clear looks of the last year: open water, green
  (NDVI ≥ 0.5), bare mineral ground, or other. Ponds are 4-connected water bodies of ≥ ``min_pond_px``
  pixels; a water body that touches the window's (or the data's) edge and covers ≥ 5 ha is the river, not a
  pond (the river corridor rule of detection), and with it every pixel under water on two clear looks that
  joins it — bars flooded at high water — so sandbars inside a footprint are not taken for mined ground.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rasterio import features
from scipy import ndimage

from .pixels import EPOCH, Stack, Thresholds, classify, day_number, disturbance_days, majority, nanmedian0

log = logging.getLogger(__name__)

DAYS_PER_MONTH = 30.44
LAYER_FIELDS = {"roads": "dist_road_m", "rivers": "dist_river_m", "communities": "dist_community_m"}


@dataclass(frozen=True)
class InventoryParams:
    months: int = 12  # no new disturbance for this long: abandoned
    gap_m: float = 30.0  # mining polygons closer than this are one site
    min_site_ha: float = 0.3  # detection's minimum mapping unit
    min_pond_px: int = 3  # 0.03 ha at 10 m: smaller water is noise or a puddle
    ring_m: float = 100.0  # forest cleared this close to a site is activity at the site (the front grows)
    min_activity_px: int = 10  # 0.1 ha: a smaller re-clearing is not counted as activity
    recent_days: int = 365
    river_min_ha: float = 5.0  # detection's river corridor: baseline water bodies of ≥ 5 ha
    river_margin_m: float = 50.0  # clearings this close to the river are bank erosion or flooding, not activity
    bar_margin_m: float = (
        30.0  # the active channel (ground under water on two looks, joined to the river) grown by this
    )
    refine: bool = True


@dataclass
class InventoryResult:
    sites: gpd.GeoDataFrame
    ponds: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)
    simulated: bool = False
    as_of: dt.date | None = None


def _to_date(v) -> dt.date | None:
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    try:
        return pd.Timestamp(v).date()
    except (ValueError, TypeError):
        return None


def activity_dates(gdf: gpd.GeoDataFrame) -> pd.Series:
    """The latest date each mining polygon is known to have been active (None where undated).

    Alerts: confirmed, else first seen. Amazon Mining Watch footprints: the end of their ``period`` (YYYY00 a
    year, YYYY0Q a quarter). Other layers: ``event_end``, ``event_date`` or ``date``.
    """
    from ..sim.io import period_range

    out = []
    for _, r in gdf.iterrows():
        d = None
        for col in ("confirmed", "first_seen", "event_end", "event_date", "date", "last_active"):
            if col in gdf.columns:
                d = _to_date(r[col])
                if d is not None:
                    break
        if d is None and "period" in gdf.columns and r["period"] is not None and not pd.isna(r["period"]):
            try:
                d = period_range(int(r["period"]))[1]
            except (ValueError, TypeError):
                d = None
        out.append(d)
    return pd.Series(out, index=gdf.index, dtype=object)


def status(months_since: float, lower_bound: bool, months: int) -> str:
    """``abandoned`` after ``months`` without activity; ``active`` when activity is dated within them; ``undetermined``
    when nothing was seen but the imagery is shorter than ``months`` (idle for all we know, not long enough to say)."""
    if months_since >= months:
        return "abandoned"
    return "undetermined" if lower_bound else "active"


def candidate_sites(polygons: gpd.GeoDataFrame, crs: str, gap_m: float = 30.0) -> gpd.GeoDataFrame:
    """Mining polygons (with ``last_active`` and ``source`` columns) merged into candidate sites in ``crs``."""
    g = polygons.to_crs(crs)
    g = g[g.geometry.notna() & ~g.geometry.is_empty]
    if g.empty:
        return gpd.GeoDataFrame({"last_active": [], "sources": [], "n_polygons": []}, geometry=[], crs=crs)
    merged = shapely.union_all(g.geometry.buffer(gap_m / 2).values).buffer(-gap_m / 2)
    parts = [p for p in shapely.get_parts(merged) if not p.is_empty and p.area > 0]
    tree = shapely.STRtree(g.geometry.values)
    rows = []
    for part in parts:
        idx = tree.query(part, predicate="intersects")
        members = g.iloc[idx]
        dates = [d for d in members.get("last_active", pd.Series(dtype=object)) if d is not None]
        rows.append(
            {
                "last_active": max(dates) if dates else None,
                "sources": ",".join(
                    sorted(set(members.get("source", pd.Series(["mining"] * len(members))).astype(str)))
                ),
                "n_polygons": len(members),
                "geometry": part,
            }
        )
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=crs)


def site_id(point_wgs84: shapely.Point) -> str:
    lat, lon = point_wgs84.y, point_wgs84.x
    return f"MS-{abs(lat):.4f}{'S' if lat < 0 else 'N'}-{abs(lon):.4f}{'W' if lon < 0 else 'E'}"


def _polygons(mask: np.ndarray, stack: Stack) -> shapely.Geometry:
    parts = [
        shapely.geometry.shape(g)
        for g, _ in features.shapes(mask.astype(np.uint8), mask=mask, transform=stack.transform, connectivity=8)
    ]
    geom = shapely.make_valid(shapely.union_all(parts)) if parts else shapely.Polygon()
    polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    return shapely.MultiPolygon(polys) if len(polys) > 1 else (polys[0] if polys else shapely.Polygon())


def ground_classes(
    stack: Stack, th: Thresholds, recent_days: int, river_min_ha: float, bar_margin_m: float = 30.0
) -> dict[str, np.ndarray]:
    """Per pixel over the last ``recent_days`` of clear looks: water (not river), river, green, bare, forest, known."""
    cls = classify(stack, th)
    recent = stack.days >= stack.days[-1] - recent_days
    clear = cls["clear"][recent]
    known = clear.any(axis=0)
    med = nanmedian0(stack.ndvi[recent])
    water = majority(cls["water"][recent], clear)
    lab, n = ndimage.label(water, structure=np.ones((3, 3), dtype=bool))
    river = np.zeros_like(water)
    if n:  # the window's edge is its border or the edge of the imagery's data, whichever comes first
        edge = ndimage.binary_dilation(~stack.inside, iterations=1)
        edge[0], edge[-1], edge[:, 0], edge[:, -1] = True, True, True, True
        border = set(np.unique(lab[edge])) - {0}
        sizes = ndimage.sum(water, lab, index=np.arange(1, n + 1)) * stack.res**2 / 1e4
        big = {i + 1 for i, s in enumerate(sizes) if s >= river_min_ha}
        river = np.isin(lab, list(border & big))
    if (
        river.any()
    ):  # the active channel: ground under water on two clear looks, joined to the river (bars at high water)
        wet = cls["water"].sum(axis=0) >= 2
        wl, _ = ndimage.label(wet | river, structure=np.ones((3, 3), dtype=bool))
        river = np.isin(wl, np.unique(wl[river])) & (wl > 0)
        river = ndimage.binary_dilation(river, iterations=max(1, int(round(bar_margin_m / stack.res))))
    water &= ~river
    with np.errstate(invalid="ignore"):
        green = known & ~water & ~river & (med >= th.veg_ndvi)
        forest = known & ~water & ~river & (med >= th.forest_ndvi)
    bare = known & ~water & ~river & ~green & majority(cls["bare"][recent], clear)
    mined = ~forest & ~river & (cls["lost"].sum(axis=0) >= 2)  # mineral ground or water on two clear looks, some time
    return {
        "water": water,
        "river": river,
        "green": green,
        "bare": bare,
        "forest": forest,
        "known": known,
        "lost": cls["lost"],
        "mined": mined,
    }


def pond_stats(water: np.ndarray, res: float, min_px: int) -> tuple[np.ndarray, list[float]]:
    """Label 4-connected water bodies of at least ``min_px`` pixels: (labels, sizes in ha, by label order)."""
    lab, n = ndimage.label(water)
    if not n:
        return lab, []
    sizes = ndimage.sum(water, lab, index=np.arange(1, n + 1))
    keep = 1 + np.flatnonzero(sizes >= min_px)
    out = np.zeros_like(lab)
    for k, old in enumerate(keep, start=1):
        out[lab == old] = k
    return out, [float(sizes[old - 1] * res**2 / 1e4) for old in keep]


def _share(flag: np.ndarray, site: np.ndarray, known: int) -> float:
    return round(float((flag & site).sum() / known), 4) if known else np.nan


def inventory(
    mining: gpd.GeoDataFrame,
    stack: Stack,
    as_of: dt.date | None = None,
    layers: dict[str, gpd.GeoDataFrame | None] | None = None,
    params: InventoryParams = InventoryParams(),
    th: Thresholds = Thresholds(),
) -> InventoryResult:
    """Sites of mined land from mining polygons (columns ``last_active`` date|None, ``source``) and the imagery."""
    notes: list[str] = []
    as_of = as_of or (EPOCH + dt.timedelta(days=int(stack.days[-1])))
    cands = candidate_sites(mining, stack.crs, params.gap_m)
    g = ground_classes(stack, th, params.recent_days, params.river_min_ha, params.bar_margin_m)
    first, conf = disturbance_days(stack.ndvi, g["lost"], stack.days, 0, th)
    # Green bars and banks the river floods or takes are not mining activity: ignore clearings near the river.
    near_river = ndimage.binary_dilation(g["river"], iterations=max(1, int(round(params.river_margin_m / stack.res))))
    conf = np.where(near_river, 0, conf)
    dist_forest = ndimage.distance_transform_edt(~g["forest"]) * stack.res if g["forest"].any() else None
    if dist_forest is None:
        notes.append("no intact forest in the imagery window: distance to forest unknown")
    min_site_px = max(1, int(np.ceil(params.min_site_ha * 1e4 / stack.res**2)))
    ring_px = max(1, int(round(params.ring_m / stack.res)))
    layers = {k: v.to_crs(stack.crs) for k, v in (layers or {}).items() if v is not None and len(v)}
    layer_union = {k: shapely.union_all(v.geometry.values) for k, v in layers.items()}
    start_day = int(stack.days[0])
    rows, pond_rows = [], []
    seen: dict[str, int] = {}
    for _, c in cands.iterrows():
        cmask = stack.mask([c.geometry])
        if not cmask.any():
            cmask = stack.mask([c.geometry], all_touched=True)
        smask = cmask & ~g["river"]
        if params.refine:  # the mined ground inside a footprint: not forest, and bare or flooded on some clear looks
            smask &= g["mined"]
        # Pieces of mined ground closer than gap_m (cut apart by a berm, a track or the river's margin) stay one site.
        joined = ndimage.binary_dilation(smask, iterations=max(1, int(round(params.gap_m / 2 / stack.res))))
        lab, n = ndimage.label(joined, structure=np.ones((3, 3), dtype=bool))
        lab = np.where(smask, lab, 0)
        for k in range(1, n + 1):
            m = lab == k
            if m.sum() < min_site_px:
                continue
            if not (m & stack.inside).any():
                notes.append("a mining polygon lies outside the imagery: left out")
                continue
            geom = _polygons(m, stack)
            zone = ndimage.binary_dilation(m, iterations=ring_px)
            act = (conf > 0) & zone
            alab, an = ndimage.label(act, structure=np.ones((3, 3), dtype=bool))
            img_day = None
            if an:
                sizes = ndimage.sum(act, alab, index=np.arange(1, an + 1))
                big = np.isin(alab, 1 + np.flatnonzero(sizes >= params.min_activity_px))
                if big.any():
                    img_day = int(conf[big].max())
            known_day = day_number(c.last_active) if c.last_active is not None else None
            if known_day is not None and known_day > day_number(
                as_of
            ):  # dated after the inventory's date: not known then
                known_day = None
            cands_days = [(d, s) for d, s in ((known_day, c.sources), (img_day, "imagery")) if d is not None]
            if cands_days:
                last_day, src = max(cands_days)
                lower = False
            else:
                last_day, src, lower = start_day, "none seen", True
            months_since = (day_number(as_of) - last_day) / DAYS_PER_MONTH
            npx = int(m.sum())
            known = int((m & g["known"]).sum())
            plab, sizes = pond_stats(g["water"] & m, stack.res, params.min_pond_px)
            pt = gpd.GeoSeries([geom.representative_point()], crs=stack.crs).to_crs(4326).iloc[0]
            sid = site_id(pt)
            seen[sid] = seen.get(sid, 0) + 1
            sid = sid if seen[sid] == 1 else f"{sid}-{seen[sid]}"  # two sites within ~10 m of each other's label point
            row = {
                "site_id": sid,
                "status": status(months_since, lower, params.months),
                "last_active": EPOCH + dt.timedelta(days=int(last_day)),
                "last_active_source": src,
                "months_since_active": round(months_since, 1),
                "age_is_lower_bound": lower,
                "area_ha": round(npx * stack.res**2 / 1e4, 4),
                "footprint_ha": round(c.geometry.area / 1e4, 4),
                "known_frac": round(known / npx, 4),
                "water_frac": _share(g["water"], m, known),
                "green_frac": _share(g["green"], m, known),
                "bare_frac": _share(g["bare"], m, known),
                "pond_count": len(sizes),
                "pond_ha_total": round(sum(sizes), 4),
                "pond_ha_max": round(max(sizes), 4) if sizes else 0.0,
                "pond_ha_median": round(float(np.median(sizes)), 4) if sizes else 0.0,
                "pond_sizes_ha": ";".join(f"{s:.2f}" for s in sorted(sizes, reverse=True)[:20]),
                "dist_forest_m": round(float(np.median(dist_forest[m])), 1) if dist_forest is not None else np.nan,
                "lon": round(pt.x, 6),
                "lat": round(pt.y, 6),
                "geometry": geom,
            }
            for name, col in LAYER_FIELDS.items():
                row[col] = round(float(shapely.distance(geom, layer_union[name])), 1) if name in layer_union else np.nan
            rows.append(row)
            for j, s in enumerate(sizes, start=1):
                pond_rows.append(
                    {"site_id": sid, "pond": j, "area_ha": round(s, 4), "geometry": _polygons(plab == j, stack)}
                )
    cols = [
        "site_id",
        "status",
        "last_active",
        "last_active_source",
        "months_since_active",
        "age_is_lower_bound",
        "area_ha",
        "footprint_ha",
        "known_frac",
        "water_frac",
        "green_frac",
        "bare_frac",
        "pond_count",
        "pond_ha_total",
        "pond_ha_max",
        "pond_ha_median",
        "pond_sizes_ha",
        "dist_forest_m",
        *LAYER_FIELDS.values(),
        "lon",
        "lat",
        "geometry",
    ]
    sites = gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry="geometry", crs=stack.crs)
    ponds = gpd.GeoDataFrame(
        pd.DataFrame(pond_rows, columns=["site_id", "pond", "area_ha", "geometry"]), geometry="geometry", crs=stack.crs
    )
    return InventoryResult(sites, ponds, notes, stack.simulated, as_of)
