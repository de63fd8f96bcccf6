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
from ..geo import dms_pair, utm
from ..i18n import t
from ..zones import ZoneSet, assess, load_rules
from ..zones.kinds import KINDS
from ..zones.legal import RuleSet, zone_hits

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
UTM_COLUMNS = ("utm_zone", "utm_epsg", "utm_easting", "utm_northing")
# The zone a waypoint's name mentions: the one that weighs most for a ranger (administrative units never).
ZONE_PRIORITY = (
    "protected_area",
    "indigenous_land",
    "buffer_zone",
    "mining_concession",
    "forestry_concession",
    "mining_corridor",
    "custom",
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
    main_zone = main_zones(alerts, zones, lang) if zones is not None and len(alerts) else None
    if zones is not None:
        alerts = with_legal(alerts, zones, lang, rules)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    a = _with_utm(_table(alerts))
    names = readable_names(a, main_zone, lang)
    if fmt == "geojson":
        a.to_file(path, driver="GeoJSON")
    elif fmt == "gpkg":
        a.to_file(path, layer="alerts", driver="GPKG")
    elif fmt in ("kml", "kmz"):
        k = a.assign(Name=names, Description=_description(a, lang))
        kml = path.with_name(path.stem + ".kmz-doc.kml") if fmt == "kmz" else path
        k[["Name", "Description", "geometry"]].to_file(kml, driver="KML", layer="alerts")
        if fmt == "kmz":
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
                z.write(kml, "doc.kml")
            kml.unlink()
    elif fmt == "gpx":
        # GPS units take waypoints: one per alert, at a point inside it, named so a ranger reads what and where
        # (the id stays in the description).
        pts = gpd.GeoDataFrame(
            {"name": names, "desc": _description(a, lang)}, geometry=a.geometry.representative_point(), crs=4326
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


def _with_utm(a: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """UTM zone (as a GPS shows it, e.g. 19L), EPSG code and easting/northing of the point inside each alert."""
    p = a.geometry.representative_point()
    rows = [utm(y, x) if not (pd.isna(x) or pd.isna(y)) else {} for x, y in zip(p.x, p.y, strict=True)]
    a = a.copy()
    for col in UTM_COLUMNS:
        a[col] = [r.get(col.removeprefix("utm_")) for r in rows]
    a["dms"] = [dms_pair(y, x) if not (pd.isna(x) or pd.isna(y)) else None for x, y in zip(p.x, p.y, strict=True)]
    return a


def main_zones(alerts: gpd.GeoDataFrame, zones: ZoneSet, lang: str = "es") -> pd.Series:
    """For each alert, "Zone name (kind)" of the zone it meets that matters most (:data:`ZONE_PRIORITY`), or ""."""
    hits = zone_hits(alerts.reset_index(drop=True), zones)
    hits = hits[hits.kind.isin(ZONE_PRIORITY)]
    out = pd.Series("", index=range(len(alerts)), dtype=object)
    if len(hits):
        hits = hits.assign(rank=hits.kind.map(ZONE_PRIORITY.index)).sort_values(
            ["alert", "rank", "share"], ascending=[True, True, False]
        )
        for r in hits.drop_duplicates("alert").itertuples():
            out.iloc[r.alert] = f"{r.name} ({KINDS[r.kind][lang].lower()})"
    return out


def _number(value: float, lang: str) -> str:
    text = f"{value:,.1f}"
    return text.replace(",", " ").replace(".", ",") if lang == "es" else text


def readable_names(a: gpd.GeoDataFrame, main_zone: pd.Series | None, lang: str = "es") -> pd.Series:
    """Waypoint and placemark names a person reads: "Minería · 16,9 ha · RN Tambopata (zona de amortiguamiento) ·
    2026-07-14" (cause, size, zone, first detection), in ``lang``."""
    names = []
    for i, r in enumerate(a.itertuples()):
        cause = getattr(r, "cause", None)
        parts = [t(f"whatsnew.cause.{cause}", lang) if cause in ("mining", "other") else str(cause or "")]
        area = getattr(r, "area_ha", None)
        if area is not None and not pd.isna(area):
            parts.append(f"{_number(float(area), lang)} ha")
        if main_zone is not None and main_zone.iloc[i]:
            parts.append(main_zone.iloc[i])
        parts.append(str(getattr(r, "first_seen", "") or "")[:10])
        names.append(" · ".join(p for p in parts if p))
    return pd.Series(names, index=a.index, dtype=object)


def _description(a: gpd.GeoDataFrame, lang: str = "es") -> pd.Series:
    cols = [c for c in ("alert_id", "first_seen", "cause", "confidence", "area_ha", "status") if c in a.columns]
    text = a[cols].astype(str).apply(lambda r: "; ".join(f"{k}: {v}" for k, v in r.items()), axis=1)
    if "utm_zone" in a.columns and len(a):  # what a ranger types into a GPS, and the same point in degrees
        utm_text = [
            f"; UTM {z} (EPSG:{e}) E {x} N {y}; {d}" if z else ""
            for z, e, x, y, d in zip(a.utm_zone, a.utm_epsg, a.utm_easting, a.utm_northing, a.dms, strict=True)
        ]
        text = text + pd.Series(utm_text, index=a.index)
    if "legal_caveat" in a.columns and len(a):  # the verdict with its caveats, never the bare label
        text = text + a["legal_caveat"].fillna("").map(lambda c: f"; {c}" if c else "")
    return text
