"""Files in and out of zone statistics: alert or footprint layers in, CSV and GeoPackage out."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..errors import InputError


def read_polygons(path: str | Path, layer: str | None = None) -> gpd.GeoDataFrame:
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    try:
        return gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise InputError(f"{path}: cannot be read as a vector layer ({exc})") from exc


def write_stats(pieces: gpd.GeoDataFrame, table: pd.DataFrame, out: str | Path) -> tuple[Path, Path]:
    """``zone_stats.csv`` (one row per zone × period × cause) and ``zone_pieces.gpkg`` (the split polygons)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    csv = out / "zone_stats.csv"
    table.to_csv(csv, index=False)
    gpkg = out / "zone_pieces.gpkg"
    if gpkg.exists():
        gpkg.unlink()
    cols = [
        "piece_of",
        "cause",
        "year",
        "quarter",
        "month",
        "zone_id",
        "kind",
        "layer",
        "name",
        "illustrative",
        "area_ha",
        "geometry",
    ]
    p = pieces[cols].copy()
    p["area_ha"] = p.area_ha.round(4)
    p["illustrative"] = p.illustrative.astype(bool)
    p.to_crs(4326).to_file(gpkg, layer="zone_pieces", driver="GPKG")
    return csv, gpkg
