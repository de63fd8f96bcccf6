"""Re-disturbance of a site under restoration becomes a mining alert in the store, once.

The alert id is ``CEN-R-<site>-<first seen>``: the same site cleared again from the same day gives the same
id on every run, so re-running tracking updates the alert (its area grows with new dates) and never
duplicates it. The store merges a new alert into an *open* mining alert on the same ground (a growing front);
for re-disturbance that would overwrite the older alert's dates and reasons — an alert perhaps already
referred to prosecutors — so when such an alert exists the re-disturbance is added to it as a note
(once) instead, and reported as ``noted``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import NotFoundError
from .track import TrackResult

HIGH_CONFIDENCE_HA = 0.3  # detection's minimum mapping unit: smaller re-clearings are reported with low confidence


@dataclass
class RecordResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    noted: list[tuple[str, str]] = field(default_factory=list)  # (re-disturbance id, existing alert it was noted on)


def alert_id(site_id: str, first_seen) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "", str(site_id))[:24] or "site"
    return f"CEN-R-{slug}-{pd.Timestamp(first_seen):%Y%m%d}"


def redisturbance_alerts(result: TrackResult) -> gpd.GeoDataFrame:
    """One alert per re-disturbed site, with the store's fields (cause ``mining``), in WGS84."""
    d = result.disturbances
    cols = ["alert_id", "first_seen", "confirmed", "cause", "confidence", "area_ha", "reasons", "lon", "lat", "site_id"]
    if d.empty:
        return gpd.GeoDataFrame(pd.DataFrame(columns=[*cols, "geometry"]), geometry="geometry", crs=4326)
    g = d.to_crs(4326)
    pts = d.geometry.representative_point().to_crs(4326)
    rows = []
    for (_, r), p in zip(g.iterrows(), pts, strict=True):
        rows.append(
            {
                "alert_id": alert_id(r.site_id, r.first_seen),
                "first_seen": str(r.first_seen),
                "confirmed": str(r.confirmed),
                "cause": "mining",
                "confidence": "high" if r.area_ha >= HIGH_CONFIDENCE_HA else "low",
                "area_ha": round(float(r.area_ha), 4),
                "reasons": (
                    f"re-disturbance of restoration site {r.site_id}: green ground cleared again to water or mineral "
                    f"ground ({r.area_ha:.2f} ha, {100 * r.site_share:.0f}% of the site)"
                ),
                "lon": round(float(p.x), 6),
                "lat": round(float(p.y), 6),
                "site_id": r.site_id,
                "geometry": r.geometry,
            }
        )
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=4326)


def record(store, alerts: gpd.GeoDataFrame, actor: str | None = None) -> RecordResult:
    """Put re-disturbance alerts into ``store`` (a :class:`~centinela.store.core.Store`): create or update by id,
    or add a note to an open mining alert already covering the same ground."""
    out = RecordResult()
    for _, a in alerts.iterrows():
        if _exists(store, a.alert_id):
            res = store.ingest(gpd.GeoDataFrame([a], geometry="geometry", crs=alerts.crs), actor=actor)
            (out.updated if res.updated else out.unchanged).append(a.alert_id)
            continue
        other = store.alerts(cause="mining", within=a.geometry)
        overlap = shapely.area(shapely.intersection(other.geometry.values, a.geometry)) if len(other) else np.zeros(0)
        open_ = (other.status != "closed").to_numpy() & (overlap > 0) if len(other) else np.zeros(0, dtype=bool)
        if open_.any():
            target = other.alert_id.iloc[int(np.argmax(np.where(open_, overlap, -1.0)))]
            marker = f"[{a.alert_id}]"
            if not any(marker in n["text"] for n in store.alert(target)["notes"]):
                store.add_note(
                    target, f"{marker} {a.reasons}; first seen {a.first_seen}, confirmed {a.confirmed}", actor=actor
                )
            out.noted.append((a.alert_id, target))
            continue
        res = store.ingest(gpd.GeoDataFrame([a], geometry="geometry", crs=alerts.crs), actor=actor)
        (out.created if res.created else out.updated if res.updated else out.unchanged).append(a.alert_id)
    return out


def _exists(store, alert_id: str) -> bool:
    try:
        store.alert(alert_id)
        return True
    except NotFoundError:
        return False
