"""Files in and out of restoration work: sites and layers in; GeoPackages and CSVs out.

The only module of :mod:`centinela.restore` that opens vector files (imagery is read through
:mod:`centinela.imagery`, the store through :mod:`centinela.store`).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from ..errors import InputError
from ..zones.layers import read_vector

log = logging.getLogger(__name__)

ID_GUESSES = ("site_id", "id", "name", "nombre", "codigo", "code")
PLANTING_GUESSES = ("planting_date", "planted", "planting", "fecha_plantacion", "fecha_siembra", "plantacion")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


def _polygonal(geom):
    if geom is None or geom.is_empty:
        return None
    geom = shapely.make_valid(geom)
    polys = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    polys = [p for g in polys for p in shapely.get_parts(g)]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def parse_date(value, where: str) -> dt.date | None:
    """A planting or activity date: YYYY-MM-DD (or YYYY-MM, read as the 1st of the month); empty is None."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text or text.lower() in ("nan", "none", "null", "nat"):
        return None
    try:
        if _MONTH.match(text):
            return dt.date.fromisoformat(text + "-01")
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise InputError(f"{where}: {text!r} is not a date; expected YYYY-MM-DD (or YYYY-MM)") from None


def read_sites(path: str | Path, id_field: str | None = None, planting_field: str | None = None) -> gpd.GeoDataFrame:
    """Restoration sites: polygons with a ``site_id`` and a ``planting_date`` (None where unknown), in their own CRS.

    The id comes from ``id_field`` or the first of :data:`ID_GUESSES` present (else S001, S002, …); the planting
    date from ``planting_field`` or the first of :data:`PLANTING_GUESSES` present (else unknown).
    """
    name = str(path)
    gdf = read_vector(path)
    if gdf.empty:
        raise InputError(f"{name}: the sites file has no features (expected polygons of mined or replanted land)")
    kinds = sorted(set(gdf.geometry.geom_type.dropna()))
    geoms = [_polygonal(g) for g in gdf.geometry]
    keep = [g is not None for g in geoms]
    if not any(keep):
        raise InputError(
            f"{name}: no polygon among the sites (found {', '.join(kinds) or 'empty geometries'}); "
            "expected polygons of mined or replanted land"
        )
    if not all(keep):
        log.warning("%s: %d feature(s) without a polygon left out", name, keep.count(False))
    cols = {c.lower(): c for c in gdf.columns if c != "geometry"}
    if id_field is not None and id_field not in gdf.columns:
        raise InputError(f"{name}: no field '{id_field}' for the site id; fields: {sorted(cols.values())}")
    if planting_field is not None and planting_field not in gdf.columns:
        raise InputError(f"{name}: no field '{planting_field}' for the planting date; fields: {sorted(cols.values())}")
    idf = id_field or next((cols[g] for g in ID_GUESSES if g in cols), None)
    pf = planting_field or next((cols[g] for g in PLANTING_GUESSES if g in cols), None)
    rows = []
    for i, (ok, geom) in enumerate(zip(keep, geoms, strict=True)):
        if not ok:
            continue
        sid = str(gdf[idf].iloc[i]).strip() if idf else f"S{i + 1:03d}"
        if not sid or sid.lower() in ("nan", "none"):
            raise InputError(f"{name}: feature {i + 1} has an empty '{idf}' (the site id)")
        planted = parse_date(gdf[pf].iloc[i], f"{name}: feature {i + 1} (site {sid}), field '{pf}'") if pf else None
        rows.append({"site_id": sid, "planting_date": planted, "geometry": geom})
    out = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=gdf.crs)
    dup = out.site_id[out.site_id.duplicated()].unique()
    if len(dup):
        raise InputError(f"{name}: site ids must be unique; repeated: {', '.join(map(str, dup[:5]))}")
    return out


def read_layer(spec: str | Path | None, what: str) -> gpd.GeoDataFrame | None:
    """An optional context layer (roads, rivers, communities, footprints); ``file.gpkg#layer`` picks a layer."""
    if spec is None:
        return None
    gdf = read_vector(spec)
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if gdf.empty:
        raise InputError(f"{spec}: the {what} layer has no features")
    return gdf


def read_alerts_file(path: str | Path) -> gpd.GeoDataFrame:
    """Mining alerts from a ``centinela detect`` GeoPackage (layer ``alerts``) or any polygon layer with ``cause``."""
    text = str(path)
    p, _, layer = text.partition("#")
    if not layer and Path(p).suffix.lower() == ".gpkg" and Path(p).exists():
        try:
            if "alerts" in {n for n, _ in pyogrio.list_layers(p)}:
                text = f"{p}#alerts"
        except Exception:  # not a readable GeoPackage: read_vector says so
            pass
    gdf = read_vector(text)
    return gdf


def write_layers(path: Path, layers: dict[str, gpd.GeoDataFrame | pd.DataFrame]) -> Path:
    """Write several layers to one GeoPackage, replacing the file (tables without geometry stay attribute tables)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".partial" + path.suffix)  # GDAL wants the .gpkg extension
    if tmp.exists():
        tmp.unlink()
    for name, frame in layers.items():
        frame = _plain(frame)
        if isinstance(frame, gpd.GeoDataFrame):
            frame.to_file(tmp, layer=name, driver="GPKG")
        else:
            pyogrio.write_dataframe(frame, tmp, layer=name, driver="GPKG")
    tmp.replace(path)  # a reader never sees a half-written file
    return path


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(frame.drop(columns=[c for c in ("geometry",) if c in frame.columns]))
    frame.to_csv(path, index=False)
    return path


def _plain(frame):
    """Dates as ISO text (GeoPackage has no date type GDAL round-trips for object columns)."""
    frame = frame.copy()
    for c in frame.columns:
        if c == "geometry":
            continue
        if frame[c].dtype == object and frame[c].map(lambda v: isinstance(v, dt.date)).any():
            frame[c] = frame[c].map(
                lambda v: v.isoformat() if isinstance(v, dt.date) else (None if v is None or pd.isna(v) else str(v))
            )
    return frame
