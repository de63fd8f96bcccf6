"""Hectares by zone, period and cause, computed in an equal-area projection, with polygons split at zone edges."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from ..errors import InputError
from .registry import ZoneSet

OUTSIDE = "(fuera / outside)"


def equal_area_crs(gdf: gpd.GeoDataFrame) -> CRS:
    """Lambert azimuthal equal-area centred on the data: areas are true on the ellipsoid to well under 0.1 %
    over a region the size of Madre de Dios."""
    lon0, lat0, lon1, lat1 = gdf.to_crs(4326).total_bounds
    return CRS.from_proj4(
        f"+proj=laea +lat_0={(lat0 + lat1) / 2:.6f} +lon_0={(lon0 + lon1) / 2:.6f} +datum=WGS84 +units=m +no_defs"
    )


def normalise_events(gdf: gpd.GeoDataFrame, where: str) -> gpd.GeoDataFrame:
    """Alerts (``first_seen``, ``cause``) or a footprint history (``period`` YYYYPP, or ``date``) as rows with
    ``year``, ``month`` (YYYY-MM or empty), ``quarter`` and ``cause``."""
    g = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty].copy()
    if g.crs is None:
        raise InputError(f"{where}: no CRS declared")
    if "first_seen" in g.columns:
        d = pd.to_datetime(g["first_seen"])
        g["year"], g["month"], g["quarter"] = (
            d.dt.year,
            d.dt.strftime("%Y-%m"),
            d.dt.year.astype(str) + "-Q" + d.dt.quarter.astype(str),
        )
    elif "period" in g.columns:
        code = g["period"].astype(int)
        year, sub = code // 100, code % 100
        if ((sub < 0) | (sub > 4)).any():
            raise InputError(
                f"{where}: field 'period' must be YYYY00 (year) or YYYY0Q (quarter); "
                f"got {sorted(set(code[(sub < 0) | (sub > 4)]))[:5]}"
            )
        g["year"], g["month"] = year, ""
        g["quarter"] = np.where(sub > 0, year.astype(str) + "-Q" + sub.astype(str), "")
    elif "date" in g.columns or "event_date" in g.columns:
        d = pd.to_datetime(g["date"] if "date" in g.columns else g["event_date"])
        g["year"], g["month"], g["quarter"] = (
            d.dt.year,
            d.dt.strftime("%Y-%m"),
            d.dt.year.astype(str) + "-Q" + d.dt.quarter.astype(str),
        )
    else:
        raise InputError(
            f"{where}: needs 'first_seen' (alerts), 'period' (YYYYPP) or 'date'; fields are "
            f"{sorted(c for c in g.columns if c != 'geometry')}"
        )
    if "cause" not in g.columns:
        g["cause"] = "mining"
    g["piece_of"] = g["alert_id"] if "alert_id" in g.columns else [f"f{i}" for i in range(len(g))]
    return g[["piece_of", "cause", "year", "month", "quarter", "geometry"]]


def split_by_zones(events: gpd.GeoDataFrame, zones: ZoneSet, crs: CRS | None = None) -> gpd.GeoDataFrame:
    """Every event polygon split by every zone layer, plus the part outside each layer; areas in hectares.

    Within one layer the pieces of a polygon add up to the polygon (zones of a layer do not overlap in
    the layers we ship; where an imported layer overlaps itself, each zone counts its own share).
    """
    crs = crs or equal_area_crs(events)
    ev = events.to_crs(crs)
    ev["geometry"] = ev.geometry.make_valid()
    x0, y0, x1, y1 = ev.total_bounds
    frames = []
    for layer, z in zones.zones.groupby("layer"):
        zl = z.to_crs(crs).cx[x0:x1, y0:y1][["zone_id", "kind", "name", "illustrative", "geometry"]]
        zl = zl.assign(geometry=zl.geometry.make_valid())
        inside = gpd.overlay(ev, zl, how="intersection", keep_geom_type=True) if len(zl) else ev.iloc[:0]
        inside = inside.assign(layer=layer)
        covered = zl.union_all() if len(zl) else None
        rest = ev.copy()
        rest["geometry"] = ev.geometry.difference(covered) if covered is not None else ev.geometry
        rest = rest[~rest.geometry.is_empty & (rest.geometry.area > 0.01)]
        rest = rest.assign(
            zone_id=f"{layer}:outside", kind=z.kind.iloc[0], name=OUTSIDE, illustrative=False, layer=layer
        )
        frames += [inside, rest]
    pieces = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=crs)
    pieces["area_ha"] = pieces.geometry.area / 1e4
    return pieces


def zone_table(pieces: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per zone × period × cause: hectares and number of pieces, for years, quarters and months."""
    rows = []
    for ptype in ("year", "quarter", "month"):
        p = pieces[pieces[ptype].astype(str) != ""]
        if p.empty:
            continue
        t = (
            p.groupby(["kind", "layer", "name", ptype, "cause"], as_index=False)
            .agg(hectares=("area_ha", "sum"), pieces=("area_ha", "size"))
            .rename(columns={ptype: "period", "kind": "zone_kind", "layer": "zone_layer", "name": "zone_name"})
        )
        t.insert(3, "period_type", ptype)
        t["period"] = t["period"].astype(str)
        rows.append(t)
    out = (
        pd.concat(rows, ignore_index=True)
        if rows
        else pd.DataFrame(
            columns=["zone_kind", "zone_layer", "zone_name", "period_type", "period", "cause", "hectares", "pieces"]
        )
    )
    out["hectares"] = out.hectares.round(4)
    return out.sort_values(["zone_kind", "zone_layer", "zone_name", "period_type", "period", "cause"]).reset_index(
        drop=True
    )
