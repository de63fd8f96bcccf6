"""Issue #19 in the field: what is new for a user (unreviewed alerts that reached the store since their last visit,
counted per zone), the coordinates a ranger types into a GPS, and monthly hectares in which every alert counts once
in the total (zone breakdowns may overlap; the total may not)."""

# No `from __future__ import annotations`: FastAPI reads the annotations at run time.

import dataclasses
import datetime as dt
from typing import Annotated, Any

import geopandas as gpd
import pandas as pd
from fastapi import Query

from ..geo import dms_pair, utm
from ..palette import CAUSE_COLOURS
from ..store import users as U
from .params import AlertFilter

UNREVIEWED = ("new", "under_review")
DEFAULT_DAYS = 30  # "new" when the user has no last visit: what reached the store in the last 30 days

NewSince = Annotated[
    dt.datetime | None,
    Query(description="count alerts that reached the store at or after this time (ISO 8601); default: 30 days ago"),
]


def field_coordinates(alert: dict) -> dict[str, Any]:
    """``utm`` ({zone "19L", epsg, easting, northing}) and ``dms`` of the alert's point, or nothing without one."""
    try:
        lat, lon = float(alert.get("lat")), float(alert.get("lon"))
    except (TypeError, ValueError):
        return {}
    if lat != lat or lon != lon:
        return {}
    return {"utm": utm(lat, lon), "dms": dms_pair(lat, lon)}


def _since(new_since: dt.datetime | None) -> dt.datetime:
    if new_since is None:
        return dt.datetime.now(dt.UTC) - dt.timedelta(days=DEFAULT_DAYS)
    return new_since if new_since.tzinfo else new_since.replace(tzinfo=dt.UTC)


def whats_new(ctx, user: U.User, f: AlertFilter, new_since: dt.datetime | None) -> dict[str, Any]:
    """Among the alerts ``user`` may see with the filter ``f`` (its status aside), the unreviewed ones (new or under
    review) that reached the store at or after ``new_since``: how many, how many are mining, per status and per zone
    (zone names as /api/zones gives them; an alert meeting two zones is counted in each, and once in the total)."""
    from ..zones.legal import zone_hits

    since = _since(new_since)
    a = ctx.visible(user, dataclasses.replace(f, status=None))
    if len(a):
        arrived = pd.to_datetime(a["created_at"], utc=True, errors="coerce")
        a = a[a.status.isin(UNREVIEWED) & (arrived >= pd.Timestamp(since))].reset_index(drop=True)
    zones: list[dict[str, Any]] = []
    outside = 0
    if len(a):
        hits = zone_hits(a, ctx.zones)
        hits = hits[hits.kind != "admin"]  # districts and provinces nest: every alert would be in three of them
        mining = a.cause.eq("mining")
        for (kind, name), g in hits.groupby(["kind", "name"]):
            idx = sorted(set(g.alert))
            zones.append({"zone": name, "kind": kind, "n": len(idx), "mining": int(mining.iloc[idx].sum())})
        zones.sort(key=lambda z: (-z["mining"], -z["n"], z["zone"]))
        outside = int(len(a) - hits.alert.nunique())
    return {
        "new_since": since.isoformat(timespec="seconds"),
        "total": int(len(a)),
        "mining": int(a.cause.eq("mining").sum()) if len(a) else 0,
        "by_status": {s: int(a.status.eq(s).sum()) if len(a) else 0 for s in UNREVIEWED},
        "zones": zones,
        "outside_zones": outside,
    }


def monthly_totals(a: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """Hectares per month and cause with every alert counted once (its ``area_ha``, the figure the bulletin sums)."""
    if not len(a):
        return []
    month = pd.to_datetime(a.first_seen.astype(str), errors="coerce").dt.strftime("%Y-%m")
    g = a.assign(month=month).dropna(subset=["month"]).groupby(["month", "cause"], as_index=False).area_ha.sum()
    return [
        {
            "month": r.month,
            "zone_kind": None,
            "zone": None,
            "cause": r.cause,
            "hectares": round(float(r.area_ha), 4),
            "alerts": int(((month == r.month) & (a.cause == r.cause)).sum()),
            "total": True,
        }
        for r in g.itertuples()
    ]


def palette() -> dict[str, Any]:
    """The causes' colours for /api/config: the same as the bulletin's (centinela.palette)."""
    return {"cause_colors": dict(CAUSE_COLOURS)}
