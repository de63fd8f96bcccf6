"""Zones that users imported (buffer zones, the mining corridor, concessions, territories…), kept in the store.

One row per zone. Importing a layer replaces that layer's rows in one transaction with its audit entry (the
file's SHA-256, how many zones came and went), so a killed import leaves the previous zones, never none.
A GeoPackage multipolygon layer (``zones``) in the embedded store, a PostGIS table on a server.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from . import gpkg

TABLE = "zones"
TEXTS = ("zone_id", "kind", "name", "layer", "attrs_json", "source", "licence", "file_sha256", "imported_at")
INTS = ("illustrative", "repaired")
COLUMNS = (*TEXTS, *INTS)


def _ddl(text: str, integer: str) -> str:
    return ", ".join(
        [
            *(f"{c} {text}{' NOT NULL' if c != 'attrs_json' else ''}" for c in TEXTS),
            *(f"{c} {integer} NOT NULL" for c in INTS),
        ]
    )


def _multi(geom):
    if geom is None or geom.geom_type == "MultiPolygon":
        return geom
    return shapely.MultiPolygon([p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"])


def migrate(store, c) -> None:
    """Schema 6: the zones table; on a GeoPackage it keeps every zone of the layer that Centinela up to schema 5
    rewrote whole through GDAL."""
    d = store.dialect
    old = d.take_over_layer(c, TABLE)
    d.feature_table(
        c,
        TABLE,
        "MULTIPOLYGON",
        _ddl(d.TYPES["text"], d.TYPES["int"]),
        "Zones imported into Centinela (with their provenance)",
    )
    c.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {TABLE}_zone_id ON {TABLE}(zone_id)")
    c.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_layer ON {TABLE}(layer)")
    rows = []
    for row in old:
        new = {k: ("" if row.get(k) is None and k != "attrs_json" else row.get(k)) for k in TEXTS}
        new.update({k: int(row.get(k) or 0) for k in INTS})
        new["geom"] = _multi(gpkg.from_blob(row["geom"]))  # old layers are GeoPackage blobs
        rows.append(new)
    store._insert_rows(c, TABLE, COLUMNS, rows)


class ZoneTables:
    """The store's zone methods (mixed into the store class, which brings ``connect`` and ``_audit``)."""

    def import_zones(self, layer, actor: str) -> int:
        """Add ``layer`` (a :class:`~centinela.zones.layers.ZoneLayer`), replacing the zones of a layer of the
        same name, in one transaction with its audit entry; returns how many zones the layer now holds."""
        z = layer.zones.to_crs(4326)
        rows = [
            {
                "geom": _multi(g),
                "zone_id": str(r["zone_id"]),
                "kind": str(r["kind"]),
                "name": str(r["name"]),
                "layer": layer.layer,
                "attrs_json": r.get("attrs_json"),
                "source": layer.source,
                "licence": layer.licence,
                "file_sha256": layer.file_sha256,
                "imported_at": layer.imported_at,
                "illustrative": int(bool(layer.illustrative)),
                "repaired": int(layer.repaired),
            }
            for r, g in zip(z.drop(columns="geometry").to_dict("records"), z.geometry, strict=True)
        ]
        with self.connect(write=True) as c:
            removed = self._row_hashes(c, TABLE, "WHERE layer = ?", (layer.layer,))
            c.execute(f"DELETE FROM {TABLE} WHERE layer = ?", (layer.layer,))
            added = self._add_rows(c, TABLE, COLUMNS, rows)
            self._audit(
                c,
                actor,
                "zones_import",
                None,
                {
                    "layer": [None, layer.layer],
                    "kind": [None, layer.kind],
                    "zones": [len(removed), len(rows)],
                    "file_sha256": [None, layer.file_sha256],
                    "source": [None, layer.source],
                },
                self._digest_ref(c, TABLE, added, removed),
            )
        return len(rows)

    def zones(self) -> gpd.GeoDataFrame:
        """Every imported zone (WGS84), empty when none was imported."""
        with self.connect() as c:
            rows = [dict(r) for r in c.execute(f"SELECT geom, {', '.join(COLUMNS)} FROM {TABLE} ORDER BY fid")]
        geoms = [self.dialect.g_out(r.pop("geom")) for r in rows]
        frame = pd.DataFrame(rows, columns=list(COLUMNS))
        frame["illustrative"] = frame.illustrative.astype(bool)
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=4326), crs=4326)
