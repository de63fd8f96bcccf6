"""Alerts out, for GIS and the field: GeoJSON, GeoPackage, KML/KMZ (Google Earth), GPX waypoints, CSV.

Given the zones, every alert carries its legal verdict with its caveats (:func:`centinela.zones.assess`):
columns ``legal_status``, ``legal_label``, ``legal_instrument``, ``legal_article``, ``legal_verified``,
``legal_source``, ``legal_layer``, ``legal_layer_illustrative`` and ``legal_caveat`` (the sentence, also in
the KML/GPX descriptions), so a verdict is never read without them.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..errors import InputError
from ..zones import ZoneSet, assess, load_rules
from ..zones.legal import RuleSet

FORMATS = ("geojson", "gpkg", "kml", "kmz", "gpx", "csv")
LEGAL_COLUMNS = (
    "legal_status",
    "legal_label",
    "legal_instrument",
    "legal_article",
    "legal_verified",
    "legal_source",
    "legal_layer",
    "legal_layer_illustrative",
    "legal_caveat",
)


def with_legal(alerts: gpd.GeoDataFrame, zones: ZoneSet, lang: str = "es", rules: RuleSet | None = None):
    """The alerts with their zones and legal verdict columns (:data:`LEGAL_COLUMNS`, ``zones``, ``legal_reasons``,
    ``legal_rules``), in ``lang``."""
    judged = assess(alerts, zones, rules or load_rules(), lang)
    judged = judged.rename(columns={"illustrative_basis": "legal_layer_illustrative"})
    return judged.drop(columns=["legal_layers"])


def _table(alerts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    a = alerts.to_crs(4326).copy()
    a["geometry"] = a.geometry.make_valid()
    for c in a.columns:
        if c != "geometry" and a[c].dtype == object:
            a[c] = a[c].where(a[c].notna(), None)
    return a


def export(
    alerts: gpd.GeoDataFrame,
    path: str | Path,
    fmt: str | None = None,
    zones: ZoneSet | None = None,
    lang: str = "es",
    rules: RuleSet | None = None,
) -> Path:
    """Write ``alerts`` to ``path`` in ``fmt`` (default: from the file suffix); with ``zones``, add each alert's
    legal verdict and its caveats in ``lang`` (see :func:`with_legal`)."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise InputError(f"{path}: unknown export format '{fmt}'; expected one of {', '.join(FORMATS)}")
    if zones is not None:
        alerts = with_legal(alerts, zones, lang, rules)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    a = _table(alerts)
    if fmt == "geojson":
        a.to_file(path, driver="GeoJSON")
    elif fmt == "gpkg":
        a.to_file(path, layer="alerts", driver="GPKG")
    elif fmt in ("kml", "kmz"):
        k = a.assign(Name=a["alert_id"], Description=_description(a))
        kml = path.with_name(path.stem + ".kmz-doc.kml") if fmt == "kmz" else path
        k[["Name", "Description", "geometry"]].to_file(kml, driver="KML", layer="alerts")
        if fmt == "kmz":
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
                z.write(kml, "doc.kml")
            kml.unlink()
    elif fmt == "gpx":
        # GPS units take waypoints: one per alert, at a point inside it, named by the alert id.
        pts = gpd.GeoDataFrame(
            {"name": a["alert_id"], "desc": _description(a)}, geometry=a.geometry.representative_point(), crs=4326
        )
        pts.to_file(
            path,
            driver="GPX",
            layer="waypoints",
            geometry_type="Point",  # stated, so a filter that matches nothing still writes an (empty) GPX file
            dataset_options={"GPX_USE_EXTENSIONS": "NO"},
        )
    elif fmt == "csv":
        p = a.geometry.representative_point()
        frame = pd.DataFrame(a.drop(columns="geometry"))
        frame["lat"], frame["lon"] = p.y.round(6), p.x.round(6)
        frame.to_csv(path, index=False)
    return path


def _description(a: gpd.GeoDataFrame) -> pd.Series:
    cols = [c for c in ("first_seen", "cause", "confidence", "area_ha", "status") if c in a.columns]
    text = a[cols].astype(str).apply(lambda r: "; ".join(f"{k}: {v}" for k, v in r.items()), axis=1)
    if "legal_caveat" in a.columns and len(a):  # the verdict with its caveats, never the bare label
        text = text + a["legal_caveat"].fillna("").map(lambda c: f"; {c}" if c else "")
    return text
