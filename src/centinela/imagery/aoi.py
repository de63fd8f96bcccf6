"""Areas of interest: read from a vector file or given as a geometry, always returned in WGS84."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely

from ..errors import InputError

MAX_AOI_KM2 = 150_000.0
"""Larger than Madre de Dios (~85,000 km²); beyond it a run should be split or distributed."""


def read_aoi(path: str | Path) -> shapely.Geometry:
    """Union of all polygons in a vector file, in EPSG:4326."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: AOI file not found (expected GeoJSON, GeoPackage, Shapefile…)")
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise InputError(f"{path}: cannot be read as a vector file ({exc})") from exc
    if gdf.empty:
        raise InputError(f"{path}: the AOI file has no features")
    if gdf.crs is None:
        raise InputError(f"{path}: the AOI has no CRS; expected e.g. EPSG:4326")
    geom = shapely.union_all(gdf.to_crs("EPSG:4326").geometry.make_valid().values)
    return check_aoi(geom, str(path))


def check_aoi(geom: shapely.Geometry, name: str = "AOI", max_km2: float = MAX_AOI_KM2) -> shapely.Geometry:
    """Reject empty, non-areal or oversized AOIs with a message that says what was expected."""
    polys = shapely.get_parts(geom)
    polys = [p for p in polys if p.geom_type in ("Polygon", "MultiPolygon")]
    if geom.is_empty or not polys:
        raise InputError(f"{name}: the AOI is empty or has no polygon (expected a polygon area)")
    geom = shapely.union_all(polys)
    x0, y0, x1, y1 = geom.bounds
    if not (-180 <= x0 <= 180 and -90 <= y0 <= 90 and -180 <= x1 <= 180 and -90 <= y1 <= 90):
        raise InputError(f"{name}: coordinates {geom.bounds} are not longitude/latitude degrees")
    area_km2 = (
        gpd.GeoSeries([geom], crs="EPSG:4326")
        .to_crs(gpd.GeoSeries([geom], crs="EPSG:4326").estimate_utm_crs())
        .area.iloc[0]
        / 1e6
    )
    if area_km2 > max_km2:
        raise InputError(
            f"{name}: the AOI covers {area_km2:,.0f} km², more than the {max_km2:,.0f} km² one run accepts; "
            "split it into tiles"
        )
    return geom
