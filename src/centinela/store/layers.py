"""Reference layers that users imported for orientation on the map: rivers, roads, towns, anything else.

They carry no legal meaning (zones do, see :mod:`.zones`): a ranger reads where a pit is from the river and
the town next to it. One row per feature, with its layer's name, kind and attribution (credited on the map).
Importing a layer replaces that layer's rows in one transaction with its audit entry (the file's SHA-256,
how many features came and went), so a re-import never duplicates and a killed import loses nothing.
A GeoPackage layer (``reference_features``) in the embedded store, a PostGIS table on a server.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from ..errors import InputError

TABLE = "reference_features"
KINDS = ("rivers", "roads", "towns", "other")
TEXTS = ("layer", "kind", "attribution", "label", "attrs_json", "file_sha256", "imported_at")
COLUMNS = TEXTS
LABEL_FIELDS = ("name", "nombre", "NOMBRE", "NAME", "label", "NOMBCP", "nomb_ccpp", "NOMB_CCPP")
"""Fields tried, in order, for a feature's label when no ``label_field`` is given (INEI population centres
name theirs NOMBCP / NOMB_CCPP)."""
GEOMETRY_TYPES = {
    "rivers": ("LineString", "MultiLineString", "Polygon", "MultiPolygon"),  # wide rivers come as polygons
    "roads": ("LineString", "MultiLineString"),
    "towns": ("Point", "MultiPoint", "Polygon", "MultiPolygon"),
    "other": None,
}
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def migrate(store, c) -> None:
    """Schema 14: the reference features table."""
    d = store.dialect
    cols = ", ".join(
        f"{col} {d.TYPES['text']}{' NOT NULL' if col not in ('label', 'attrs_json') else ''}" for col in TEXTS
    )
    d.feature_table(c, TABLE, "GEOMETRY", cols, "Reference layers imported into Centinela (rivers, roads, towns)")
    c.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_layer ON {TABLE}(layer)")


@dataclass(frozen=True)
class ReferenceLayer:
    """A reference layer read from a file, ready to import."""

    name: str
    kind: str
    attribution: str
    features: gpd.GeoDataFrame  # WGS84, with a "label" column (None where the feature has none)
    file_sha256: str
    imported_at: str


def _jsonable(v):
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, (str, int, float, bool)):
        return v
    return str(v)


def read_reference_file(
    path: str | Path, kind: str, name: str, attribution: str, label_field: str | None = None
) -> ReferenceLayer:
    """Read a vector file (GeoJSON, GeoPackage, shapefile… anything GDAL reads) as a reference layer.

    Raises :class:`InputError` naming the file and the field (or option) at fault: an unknown kind, a bad
    name, an empty attribution, an unreadable or empty file, a missing label field, a feature without a
    geometry or with one of the wrong type for its kind (a road that is a point).
    """
    path = Path(path)
    if kind not in KINDS:
        raise InputError(f"--kind {kind!r} is not a reference layer kind; expected one of {', '.join(KINDS)}")
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise InputError(
            f"--name {name!r}: expected 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit"
        )
    if not attribution or not attribution.strip():
        raise InputError(f"{path}: --attribution is empty; say who made the data (it is credited on the map)")
    try:
        raw = path.read_bytes()
        frame = gpd.read_file(path)
    except (OSError, ValueError, RuntimeError) as exc:  # pyogrio raises DataSourceError (a RuntimeError)
        raise InputError(f"{path}: cannot read it as a vector file ({exc})") from exc
    if not len(frame):
        raise InputError(f"{path}: the file holds no features")
    if frame.crs is None:
        raise InputError(f"{path}: field 'crs' is missing; expected a file with a coordinate reference system")
    frame = frame.to_crs(4326)
    fields = [c for c in frame.columns if c != "geometry"]
    if label_field is not None and label_field not in fields:
        raise InputError(f"{path}: no field {label_field!r} for labels; the fields are {', '.join(fields) or 'none'}")
    label = label_field or next((f for f in LABEL_FIELDS if f in fields), None)
    if kind == "towns" and label is None:
        raise InputError(
            f"{path}: no name field for the towns' labels (tried {', '.join(LABEL_FIELDS)}); "
            f"give --label-field, one of: {', '.join(fields) or 'none'}"
        )
    allowed = GEOMETRY_TYPES[kind]
    for i, g in enumerate(frame.geometry):
        if g is None or g.is_empty:
            raise InputError(f"{path}: feature {i + 1} has no value in field 'geometry'")
        if allowed and g.geom_type not in allowed:
            raise InputError(
                f"{path}: feature {i + 1}, field 'geometry' is a {g.geom_type}; "
                f"a {kind} layer holds {', '.join(allowed)}"
            )
    labels = frame[label].map(lambda v: None if _jsonable(v) is None else str(v)) if label else None
    attrs = [
        json.dumps({k: _jsonable(v) for k, v in r.items()}, ensure_ascii=False)
        for r in frame[fields].to_dict("records")
    ]
    out = gpd.GeoDataFrame(
        {"label": labels if labels is not None else [None] * len(frame), "attrs_json": attrs},
        geometry=shapely.make_valid(frame.geometry.values),
        crs=4326,
    )
    return ReferenceLayer(
        name,
        kind,
        attribution.strip(),
        out,
        hashlib.sha256(raw).hexdigest(),
        dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )


class LayerTables:
    """The store's reference-layer methods (mixed into the store class, which brings ``connect`` and ``_audit``)."""

    def import_reference_layer(self, layer: ReferenceLayer, actor: str) -> int:
        """Add ``layer``, replacing the features of a layer of the same name, in one transaction with its audit
        entry; returns how many features the layer now holds."""
        rows = [
            {
                "geom": g,
                "layer": layer.name,
                "kind": layer.kind,
                "attribution": layer.attribution,
                "label": lab,
                "attrs_json": attrs,
                "file_sha256": layer.file_sha256,
                "imported_at": layer.imported_at,
            }
            for lab, attrs, g in zip(
                layer.features.label, layer.features.attrs_json, layer.features.geometry, strict=True
            )
        ]
        with self.connect(write=True) as c:
            removed = self._row_hashes(c, TABLE, "WHERE layer = ?", (layer.name,))
            c.execute(f"DELETE FROM {TABLE} WHERE layer = ?", (layer.name,))
            added = self._add_rows(c, TABLE, COLUMNS, rows)
            self._audit(
                c,
                actor,
                "layers_import",
                None,
                {
                    "layer": [None, layer.name],
                    "kind": [None, layer.kind],
                    "features": [len(removed), len(rows)],
                    "file_sha256": [None, layer.file_sha256],
                    "attribution": [None, layer.attribution],
                },
                self._digest_ref(c, TABLE, added, removed),
            )
        return len(rows)

    def reference_layers(self) -> list[dict]:
        """One dict per imported layer: name, kind, attribution, features, imported_at (by name)."""
        with self.connect() as c:
            rows = c.execute(
                f"SELECT layer, kind, attribution, max(imported_at) AS imported_at, count(*) AS features "
                f"FROM {TABLE} GROUP BY layer, kind, attribution ORDER BY layer"
            ).fetchall()
        return [
            {
                "name": r["layer"],
                "kind": r["kind"],
                "attribution": r["attribution"],
                "features": int(r["features"]),
                "imported_at": r["imported_at"],
            }
            for r in rows
        ]

    def reference_features(self, name: str) -> gpd.GeoDataFrame | None:
        """The features of layer ``name`` (WGS84: label, attrs_json, geometry); None when no such layer."""
        with self.connect() as c:
            rows = [
                dict(r)
                for r in c.execute(f"SELECT geom, label, attrs_json FROM {TABLE} WHERE layer = ? ORDER BY fid", (name,))
            ]
        if not rows:
            return None
        geoms = [self.dialect.g_out(r.pop("geom")) for r in rows]
        return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=gpd.GeoSeries(geoms, crs=4326), crs=4326)
