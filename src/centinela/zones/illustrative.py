"""Illustrative zone layers for demonstrations, where the legal layer is not bundled.

They are shaped to look plausible, never to match the legal limits, and every zone they make carries
``illustrative=True`` and a name that says so: maps and reports label them on sight.
"""

from __future__ import annotations

import geopandas as gpd
import shapely

from .layers import STORE_CRS, ZoneLayer, prepare_layer

LABEL = {"es": "ILUSTRATIVO — no es el límite legal", "en": "ILLUSTRATIVE — not the legal boundary"}


def illustrative_layers(
    extent_wgs84: tuple[float, float, float, float], protected: gpd.GeoDataFrame
) -> list[ZoneLayer]:
    """A mining corridor over the western half of the extent and a 10 km buffer zone around the protected areas."""
    x0, y0, x1, y1 = extent_wgs84
    pad = 0.05
    corridor = shapely.box(x0 - pad, y0 - pad, (x0 + x1) / 2, y1 + pad)
    layers = [
        prepare_layer(
            gpd.GeoDataFrame({"name": ["Corredor minero (ILUSTRATIVO)"]}, geometry=[corridor], crs=STORE_CRS),
            "illustrative corridor",
            "mining_corridor",
            "name",
            "Centinela demo: " + LABEL["en"],
            "none",
            "",
            "corridor_illustrative",
            True,
        )
    ]
    if len(protected):
        pa = protected.to_crs(protected.estimate_utm_crs())
        ring = pa.geometry.buffer(10_000).difference(pa.union_all())
        bz = gpd.GeoDataFrame(
            {"name": [f"Zona de amortiguamiento {n} (ILUSTRATIVA)" for n in protected.name]},
            geometry=ring.values,
            crs=pa.crs,
        ).to_crs(STORE_CRS)
        layers.append(
            prepare_layer(
                bz,
                "illustrative buffer zones",
                "buffer_zone",
                "name",
                "Centinela demo: " + LABEL["en"],
                "none",
                "",
                "buffer_zones_illustrative",
                True,
            )
        )
    return layers
