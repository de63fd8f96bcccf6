"""Mining already mapped around an area, as context for attribution: the Amazon Mining Watch footprints of Madre
de Dios bundled with Centinela (CC BY 4.0, Amazon Mining Watch / Earth Genome), or a newer layer a user gives.

Each footprint carries ``mapped_until``, the last day of the period it was mapped in, so a run only counts
mining that was known before a loss began (:func:`centinela.detect.attribution.known_distance`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from .. import data
from ..errors import InputError
from ..sim.io import period_range

DATE_FIELDS = ("mapped_until", "event_end", "date", "fecha")


def _until(row) -> dt.date | None:
    for f in DATE_FIELDS:
        v = row.get(f)
        if v is not None and not pd.isna(v):
            return pd.Timestamp(v).date()
    p = row.get("period")
    if p is not None and not pd.isna(p):
        return period_range(int(p))[1]
    return None


def known_mining(
    aoi: shapely.Geometry | None, path: str | Path | None = None, margin_m: float = 5000
) -> gpd.GeoDataFrame:
    """Mapped mining within ``margin_m`` of ``aoi`` (WGS84) with its ``mapped_until`` date: from ``path`` (any
    vector file with a ``period`` in Amazon Mining Watch's YYYYPP form or a date field), else the bundled layer.
    Undated footprints cannot say what was known when, so they are refused."""
    where = Path(path) if path else data.path(data.AMW_MINING)
    bbox = None
    if aoi is not None:
        deg = margin_m / 111_000  # a generous box in degrees; the distance itself is measured in metres later
        x0, y0, x1, y1 = aoi.bounds
        bbox = (x0 - deg, y0 - deg, x1 + deg, y1 + deg)
    try:
        gdf = gpd.read_file(where, bbox=bbox)
    except Exception as exc:  # pyogrio raises its own errors for unreadable files
        raise InputError(f"{where}: cannot read the mapped-mining layer ({exc})") from exc
    if gdf.empty:
        return gpd.GeoDataFrame({"mapped_until": []}, geometry=gpd.GeoSeries([], crs=4326), crs=4326)
    if gdf.crs is None:
        raise InputError(f"{where}: the mapped-mining layer has no CRS")
    until = [_until(r) for _, r in gdf.iterrows()]
    if any(u is None for u in until):
        raise InputError(
            f"{where}: {sum(u is None for u in until)} footprint(s) without a date; expected a 'period' (YYYYPP, as "
            f"Amazon Mining Watch) or one of the fields {', '.join(DATE_FIELDS)}"
        )
    return gpd.GeoDataFrame({"mapped_until": until}, geometry=gdf.geometry.values, crs=gdf.crs).to_crs(4326)
