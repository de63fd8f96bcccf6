"""Compare alerts with a ground truth (the simulator's, or a reference set): area and event accuracy,
cause attribution and latency. Used by benchmarks/accuracy.py and the tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

LOSS_CAUSES = ("mining", "agriculture", "logging_road", "river_change")


@dataclass(frozen=True)
class Scores:
    mining_area_recall: float
    mining_area_precision: float
    loss_area_recall: float
    loss_area_precision: float
    mining_events: int
    mining_events_found: int
    mining_event_recall: float
    mining_alerts: int
    mining_alert_precision: float
    events_found: int
    attribution_accuracy: float
    latency_days_median: float
    latency_days_p90: float
    truth_mining_ha: float
    alert_mining_ha: float

    def as_dict(self) -> dict:
        return asdict(self)


def units(truth: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per event as a person counts them: a mining front, a farm clearing, a road, a bank collapse."""
    t = truth[truth.cause.isin(LOSS_CAUSES)].copy()
    t["unit"] = np.where(t.cause == "river_change", t.event_id, t.group_id)
    t["event_date"] = pd.to_datetime(t.event_date)
    g = t.dissolve(by="unit", aggfunc={"cause": "first", "event_date": "min"}).reset_index()
    g["area_ha"] = g.area / 1e4
    return g


def _area(geom) -> float:
    return 0.0 if geom is None or geom.is_empty else geom.area / 1e4


def pixel_latency(
    truth: gpd.GeoDataFrame,
    first_seen_day: np.ndarray,
    transform,
    unit_ids: list[str],
    window: tuple[pd.Timestamp, pd.Timestamp] | None = None,
) -> dict[str, float]:
    """Median days between each event's date and the first clear observation flagging its pixels.

    ``first_seen_day`` is band 1 of the detection's dates raster (days since 1970; 0 = not detected).
    Stage dates of growing fronts are used pixel by pixel, so a front seen early is not credited for
    stages cleared later, nor blamed for them.
    """
    from rasterio import features

    t = truth[truth.cause.isin(LOSS_CAUSES)].copy()
    t["unit"] = np.where(t.cause == "river_change", t.event_id, t.group_id)
    t = t[t.unit.isin(unit_ids)].reset_index(drop=True)
    if window is not None:
        when = pd.to_datetime(t.event_date)
        t = t[(when >= window[0]) & (when <= window[1])].reset_index(drop=True)
    if t.empty:
        return {}
    ids = features.rasterize(
        ((g, i + 1) for i, g in enumerate(t.geometry)),
        out_shape=first_seen_day.shape,
        transform=transform,
        fill=0,
        dtype="int32",
    )
    days = (pd.to_datetime(t.event_date).values.astype("datetime64[D]") - np.datetime64("1970-01-01", "D")).astype(int)
    sel = (ids > 0) & (first_seen_day > 0)
    lat = first_seen_day[sel] - days[ids[sel] - 1]
    frame = pd.DataFrame({"unit": t.unit.values[ids[sel] - 1], "lat": lat})
    return frame.groupby("unit").lat.median().to_dict()


def score(
    alerts: gpd.GeoDataFrame,
    truth: gpd.GeoDataFrame,
    start: dt.date,
    end: dt.date,
    mmu_ha: float = 0.3,
    settle_days: int = 15,
    dates: tuple[np.ndarray, object] | None = None,
) -> tuple[Scores, gpd.GeoDataFrame]:
    """Scores of ``alerts`` against truth ``events`` whose date lies in [start, end − settle_days].

    Events that are smaller than the MMU, dated outside the window, or still too fresh at the end are
    not counted for recall; alerts over any real loss (any date) are not counted as false.
    """
    alerts = alerts.to_crs(truth.crs)
    lo, hi = pd.Timestamp(start), pd.Timestamp(end - dt.timedelta(days=settle_days))
    when = pd.to_datetime(truth.event_date)
    # The stages of a front that fall in the window are that window's event (a front begun earlier
    # still clears new forest this year).
    u = units(truth[(when >= lo) & (when <= hi)])
    eligible = u[u.area_ha >= mmu_ha].copy()
    every_loss = shapely.union_all(truth[truth.cause.isin(LOSS_CAUSES)].geometry.values)
    every_mining = shapely.union_all(truth[truth.cause == "mining"].geometry.values)
    all_alerts = shapely.union_all(alerts.geometry.values) if len(alerts) else shapely.Polygon()
    mining_alerts = alerts[alerts.cause == "mining"]
    pred_mining = shapely.union_all(mining_alerts.geometry.values) if len(mining_alerts) else shapely.Polygon()

    em = eligible[eligible.cause == "mining"]
    truth_mining = shapely.union_all(em.geometry.values) if len(em) else shapely.Polygon()
    truth_loss = shapely.union_all(eligible.geometry.values) if len(eligible) else shapely.Polygon()

    def ratio(a, b):
        return float(a / b) if b > 0 else float("nan")

    # Per event: found, the cause given to it, latency.
    rows = []
    for r in eligible.itertuples():
        hit = alerts[alerts.intersects(r.geometry)]
        overlap = hit.intersection(r.geometry).area / 1e4 if len(hit) else pd.Series(dtype=float)
        found = overlap.sum() >= 0.5 * r.area_ha
        main = hit.loc[overlap.idxmax()] if len(hit) else None
        rows.append(
            {
                "unit": r.unit,
                "cause": r.cause,
                "event_date": r.event_date.date(),
                "area_ha": r.area_ha,
                "found": bool(found),
                "detected_ha": float(overlap.sum()),
                "alert_cause": main.cause if main is not None else None,
                "first_seen": main.first_seen if main is not None else None,
                "latency_days": (pd.Timestamp(main.first_seen) - r.event_date).days if main is not None else np.nan,
            }
        )
    per_event = pd.DataFrame(rows)
    if dates is not None and len(per_event):
        by_pixel = pixel_latency(truth, dates[0], dates[1], list(per_event.unit), (lo, hi))
        per_event["latency_days"] = [
            by_pixel.get(u, np.nan) if f else np.nan for u, f in zip(per_event.unit, per_event.found, strict=True)
        ]
    found = per_event[per_event.found] if len(per_event) else per_event
    correct = ((found.cause == "mining") == (found.alert_cause == "mining")) if len(found) else pd.Series(dtype=bool)
    lat = found.latency_days.dropna().clip(lower=0) if len(found) else pd.Series(dtype=float)

    true_mining_alerts = sum(_area(g.intersection(every_mining)) >= 0.5 * _area(g) for g in mining_alerts.geometry)
    s = Scores(
        mining_area_recall=ratio(_area(pred_mining.intersection(truth_mining)), _area(truth_mining)),
        mining_area_precision=ratio(_area(pred_mining.intersection(every_mining)), _area(pred_mining)),
        loss_area_recall=ratio(_area(all_alerts.intersection(truth_loss)), _area(truth_loss)),
        loss_area_precision=ratio(_area(all_alerts.intersection(every_loss)), _area(all_alerts)),
        mining_events=int((per_event.cause == "mining").sum()) if len(per_event) else 0,
        mining_events_found=int(((per_event.cause == "mining") & per_event.found).sum()) if len(per_event) else 0,
        mining_event_recall=ratio(
            ((per_event.cause == "mining") & per_event.found).sum(), (per_event.cause == "mining").sum()
        )
        if len(per_event)
        else float("nan"),
        mining_alerts=len(mining_alerts),
        mining_alert_precision=ratio(true_mining_alerts, len(mining_alerts)),
        events_found=len(found),
        attribution_accuracy=float(correct.mean()) if len(correct) else float("nan"),
        latency_days_median=float(lat.median()) if len(lat) else float("nan"),
        latency_days_p90=float(lat.quantile(0.9)) if len(lat) else float("nan"),
        truth_mining_ha=_area(truth_mining),
        alert_mining_ha=_area(pred_mining),
    )
    return s, per_event
