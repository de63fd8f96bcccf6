"""The set of zones in use: bundled layers plus what users imported into the store.

The store owns imported zones (:mod:`centinela.store.zones`: one row per zone, provenance in its columns, the
``zones`` layer of the embedded GeoPackage so QGIS shows them next to the alerts); this module only reads
them, from a store object or from a GeoPackage file's ``zones`` layer (``--zones FILE``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from ..errors import InputError
from .bundled import bundled_layers
from .layers import STORE_CRS, ZoneLayer

log = logging.getLogger(__name__)
ZONES_LAYER = "zones"
PROVENANCE = ("source", "licence", "file_sha256", "imported_at", "repaired")


@dataclass
class ZoneSet:
    """All zones, one GeoDataFrame in WGS84 with a spatial index."""

    zones: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_layers(cls, layers: list[ZoneLayer]) -> ZoneSet:
        frames = []
        for lyr in layers:
            z = lyr.zones.copy()
            for k in PROVENANCE:
                z[k] = getattr(lyr, k)
            frames.append(z)
        gdf = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=STORE_CRS) if frames else _empty()
        return cls(gdf)

    def kinds(self) -> set[str]:
        return set(self.zones.kind)

    def layers(self) -> pd.DataFrame:
        cols = ["layer", "kind", *PROVENANCE, "illustrative"]
        return (
            self.zones.groupby("layer", as_index=False)
            .first()[cols]
            .assign(zones=self.zones.groupby("layer").size().values)
        )

    def of_kind(self, kind: str) -> gpd.GeoDataFrame:
        return self.zones[self.zones.kind == kind]

    def find(self, name: str) -> gpd.GeoDataFrame:
        """Zones whose name matches ``name`` (case-insensitive), for ``--area NAME``."""
        hit = self.zones[self.zones.name.str.casefold() == name.casefold()]
        if hit.empty:
            hit = self.zones[self.zones.name.str.casefold().str.contains(name.casefold(), regex=False)]
        if hit.empty:
            raise InputError(
                f"no zone named '{name}'; try one of: {', '.join(sorted(self.zones.name.unique())[:15])} …"
            )
        return hit


def _empty() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"zone_id": [], "kind": [], "name": [], "layer": [], "illustrative": []},
        geometry=gpd.GeoSeries([], crs=STORE_CRS),
        crs=STORE_CRS,
    )


def read_store_zones(store) -> gpd.GeoDataFrame | None:
    """Imported zones: ``store.zones()`` for a store object, else the ``zones`` layer of a GeoPackage file."""
    if hasattr(store, "zones"):
        return store.zones()
    store = Path(store)
    if not store.exists() or ZONES_LAYER not in {n for n, _ in pyogrio.list_layers(store)}:
        return None
    return gpd.read_file(store, layer=ZONES_LAYER)


def load_zones(store=None, bundled: bool = True, extra: list[ZoneLayer] = ()) -> ZoneSet:
    """Bundled layers, then the store's imported layers (an imported layer replaces a bundled one of the same name).

    ``store``: a store object, a GeoPackage file holding a ``zones`` layer, or None (bundled layers only)."""
    layers = {lyr.layer: lyr for lyr in (bundled_layers() if bundled else [])}
    for lyr in extra:
        layers[lyr.layer] = lyr
    zs = ZoneSet.from_layers(list(layers.values()))
    stored = read_store_zones(store) if store is not None else None
    if stored is not None and len(stored):
        keep = zs.zones[~zs.zones.layer.isin(set(stored.layer))]
        zs = ZoneSet(gpd.GeoDataFrame(pd.concat([keep, stored], ignore_index=True), crs=STORE_CRS))
    return zs
