"""Reading zone layers from files: validation, repair, one reprojection, provenance.

The one reader of users' zone files (GeoPackage, Shapefile, GeoJSON, KML, FlatGeobuf); the zones in use are
kept in the store file by ``registry.py``, alert layers and statistics files go through ``io.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import InputError
from .kinds import KINDS

log = logging.getLogger(__name__)

STORE_CRS = "EPSG:4326"  # zones are kept in WGS84 (QGIS and GPS friendly); areas are computed equal-area
NAME_GUESSES = (
    "name",
    "nombre",
    "NOMBRE",
    "Name",
    "NOMBDIST",
    "NOMBPROV",
    "NOMBDEP",
    "name_field",
    "NOM_ANP",
    "anp_nomb",
)


@dataclass(frozen=True)
class ZoneLayer:
    """Zones of one kind from one source, in WGS84, with where they came from."""

    layer: str
    kind: str
    zones: gpd.GeoDataFrame  # columns: zone_id, kind, name, layer, illustrative, geometry (+ attrs_json)
    source: str
    licence: str
    file_sha256: str
    imported_at: str
    repaired: int
    illustrative: bool = False


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")[:60] or "zone"


def _gdal_path(path: Path) -> str:
    # Zipped shapefiles and other zipped vectors are read in place through GDAL's /vsizip/.
    return f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)


def read_vector(spec: str | Path) -> gpd.GeoDataFrame:
    """Any vector file as a GeoDataFrame; ``file.gpkg#layer`` picks a layer. A CRS is required."""
    text = str(spec)
    path, _, layer = text.partition("#")
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    try:
        gdf = gpd.read_file(_gdal_path(path), layer=layer or None)
    except Exception as exc:  # pyogrio raises several types for unreadable files and missing layers
        raise InputError(f"{text}: cannot be read as a vector layer ({exc})") from exc
    if gdf.crs is None:
        raise InputError(f"{text}: the layer has no coordinate reference system; expected one (e.g. EPSG:4326)")
    return gdf


def read_zone_file(
    path: str | Path,
    kind: str,
    name_field: str | None = None,
    source: str | None = None,
    licence: str | None = None,
    layer: str | None = None,
    illustrative: bool = False,
) -> ZoneLayer:
    """Read, check, repair and reproject a zone layer (GeoPackage, zipped Shapefile, GeoJSON, KML, FlatGeobuf)."""
    path = Path(path)
    if kind not in KINDS:
        raise InputError(f"{path}: unknown zone kind '{kind}'; expected one of {', '.join(KINDS)}")
    if not path.exists():
        raise InputError(f"{path}: file not found")
    try:
        gdf = gpd.read_file(_gdal_path(path))
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise InputError(f"{path}: cannot be read as a vector layer ({exc})") from exc
    return prepare_layer(
        gdf,
        str(path),
        kind,
        name_field,
        source or path.name,
        licence or "unknown",
        sha256(path),
        layer or slug(path.stem),
        illustrative,
    )


def prepare_layer(
    gdf: gpd.GeoDataFrame,
    where: str,
    kind: str,
    name_field: str | None,
    source: str,
    licence: str,
    file_hash: str,
    layer: str,
    illustrative: bool = False,
) -> ZoneLayer:
    """Validate and normalise an in-memory layer (pure: no I/O)."""
    if kind not in KINDS:
        raise InputError(f"{where}: unknown zone kind '{kind}'; expected one of {', '.join(KINDS)}")
    if gdf.empty:
        raise InputError(f"{where}: the layer has no features")
    if gdf.crs is None:
        raise InputError(
            f"{where}: the layer declares no CRS (expected e.g. EPSG:4326 or a UTM zone); "
            "set it in QGIS ('Assign projection') and export again"
        )
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty].copy()
    polys = gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    if not polys.any():
        raise InputError(
            f"{where}: no polygon in the layer (found {sorted(set(gdf.geometry.geom_type))}); zones must be areas"
        )
    if (~polys).any():
        log.warning("%s: %d non-polygon features ignored", where, int((~polys).sum()))
    gdf = gdf[polys]
    if name_field is None:
        name_field = next((c for c in NAME_GUESSES if c in gdf.columns), None)
    elif name_field not in gdf.columns:
        raise InputError(
            f"{where}: no field '{name_field}'; fields are {sorted(c for c in gdf.columns if c != 'geometry')}"
        )
    invalid = ~gdf.geometry.is_valid
    repaired = int(invalid.sum())
    if repaired:
        reasons = [shapely.is_valid_reason(g) for g in gdf.geometry[invalid][:3]]
        log.warning("%s: repaired %d invalid geometries (e.g. %s)", where, repaired, "; ".join(reasons))
        fixed = gdf.geometry[invalid].make_valid()
        gdf.loc[invalid, "geometry"] = fixed.apply(_polygonal)
    gdf = gdf.to_crs(STORE_CRS)  # reprojected once, here
    names = (
        gdf[name_field].astype(str)
        if name_field
        else pd.Series([f"{layer} {i + 1}" for i in range(len(gdf))], index=gdf.index)
    )
    attrs = gdf.drop(columns="geometry").apply(
        lambda r: json.dumps({k: _plain(v) for k, v in r.items()}, ensure_ascii=False), axis=1
    )
    zones = gpd.GeoDataFrame(
        {
            "zone_id": [f"{kind}:{layer}:{slug(n)}" for n in names],
            "kind": kind,
            "name": names.values,
            "layer": layer,
            "illustrative": illustrative,
            "attrs_json": attrs.values,
        },
        geometry=gdf.geometry.values,
        crs=STORE_CRS,
    )
    zones = _dedupe_ids(zones)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return ZoneLayer(layer, kind, zones, source, licence, file_hash, now, repaired, illustrative)


def _polygonal(geom):
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _plain(v):
    if isinstance(v, (np.ndarray, list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if np.isnan(v) else float(v)
    if v is None or isinstance(v, (str, int, bool)):
        return v
    return str(v)


def _dedupe_ids(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    counts: dict[str, int] = {}
    ids = []
    for z in zones.zone_id:
        counts[z] = counts.get(z, 0) + 1
        ids.append(z if counts[z] == 1 else f"{z}-{counts[z]}")
    zones["zone_id"] = ids
    return zones
