"""Assemble the bulletin from an alerts file, the zones in use and, optionally, imagery for the map."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import InputError
from ..zones import assess, load_rules, load_zones, normalise_events, split_by_zones, zone_table
from ..zones.io import read_polygons
from .bulletin import BulletinFiles, write_bulletin


def _background(catalog: str, alerts: gpd.GeoDataFrame, start: dt.date, end: dt.date):
    from ..imagery import load_cube
    from ..imagery.render import FALSE_COLOUR, composite
    from .alertmap import recent_clear_composite

    utm = alerts.estimate_utm_crs()
    x0, y0, x1, y1 = alerts.to_crs(utm).total_bounds
    pad = max(1500.0, 0.15 * max(x1 - x0, y1 - y0))
    box = gpd.GeoSeries.from_xy([x0 - pad, x1 + pad], [y0 - pad, y1 + pad], crs=utm).to_crs(4326).total_bounds
    import shapely

    ds = load_cube(catalog, shapely.box(*box), start, end, bands=[b for b, _, _ in FALSE_COLOUR], crs=utm.to_string())
    recent = recent_clear_composite(ds)
    valid = np.all([np.isfinite(recent[b].values) for b, _, _ in FALSE_COLOUR], axis=0)
    rgb = np.dstack([composite(recent, FALSE_COLOUR), valid.astype(float)])  # no data stays transparent
    res = float(ds.x[1] - ds.x[0])
    ext = (
        (float(ds.x.min()) - res / 2) / 1e3,
        (float(ds.x.max()) + res / 2) / 1e3,
        (float(ds.y.min()) - res / 2) / 1e3,
        (float(ds.y.max()) + res / 2) / 1e3,
    )
    simulated = any("SIM" in i for i in ds.attrs.get("items", [])[:1])
    return (rgb, ext), simulated


def _mercury(store, end: dt.date, lang: str) -> dict | None:
    """The mercury section when the store holds mercury results (results up to the bulletin's end)."""
    if store is None:
        return None
    from .mercury_section import mercury_section

    try:
        results = store.results()
    except InputError:
        return None
    return mercury_section(results, lang, until=end)


def make_bulletin(
    alerts_path: str | Path | None,
    start: dt.date,
    end: dt.date,
    out: str | Path,
    lang: str = "es",
    store=None,
    area: str | None = None,
    catalog: str | None = None,
    rules: str = "peru_madre_de_dios",
) -> tuple[BulletinFiles, gpd.GeoDataFrame]:
    """Bulletin for alerts first seen in [start, end] — from an alerts file, or from the store when
    ``alerts_path`` is None; also writes ``alerts_assessed.gpkg`` with legal fields.

    ``store``: a store object or an embedded store's path (its zones, mercury results and alerts), or None."""
    if end < start:
        raise InputError(f"--to {end} is before --from {start}")
    if store is not None and not hasattr(store, "alerts"):
        from ..store import embedded_store

        store = embedded_store(store)
    if isinstance(alerts_path, gpd.GeoDataFrame):  # alerts already read from a store
        alerts, alerts_path = alerts_path, "store"
    elif alerts_path is None:
        if store is None:
            raise InputError("a bulletin needs an alerts file or a store")
        alerts_path = store.label()
        alerts = store.alerts(since=start, until=end)
    else:
        alerts = read_polygons(alerts_path, "alerts")
    for col in ("alert_id", "first_seen", "cause", "area_ha"):
        if col not in alerts.columns:
            raise InputError(f"{alerts_path}: layer 'alerts' has no field '{col}' (is it a Centinela alerts file?)")
    d = pd.to_datetime(alerts.first_seen).dt.date
    alerts = alerts[(d >= start) & (d <= end)].reset_index(drop=True)
    zones = load_zones(store)
    if area:
        zone = zones.find(area).to_crs(alerts.crs).union_all()
        alerts = alerts[alerts.intersects(zone)].reset_index(drop=True)
    ruleset = load_rules(rules)
    assessed = assess(alerts, zones, ruleset, lang)
    table = (
        zone_table(split_by_zones(normalise_events(alerts, str(alerts_path)), zones))
        if len(alerts)
        else zone_table(
            gpd.GeoDataFrame(
                {
                    "area_ha": [],
                    "kind": [],
                    "layer": [],
                    "name": [],
                    "year": [],
                    "quarter": [],
                    "month": [],
                    "cause": [],
                }
            )
        )
    )
    background, simulated = (None, False)
    if catalog and len(alerts):
        background, simulated = _background(catalog, alerts, start, end)
    files = write_bulletin(
        assessed,
        table,
        zones,
        ruleset,
        start,
        end,
        out,
        lang,
        area,
        background,
        simulated,
        mercury=_mercury(store, end, lang),
        audit_head=store.head() if store is not None else None,
    )
    keep = [c for c in assessed.columns if c != "legal_label"]
    out_gpkg = Path(out) / "alerts_assessed.gpkg"
    if out_gpkg.exists():
        out_gpkg.unlink()
    assessed[keep].assign(first_seen=assessed.first_seen.astype(str), confirmed=assessed.confirmed.astype(str)).to_file(
        out_gpkg, layer="alerts", driver="GPKG"
    )
    return files, assessed
