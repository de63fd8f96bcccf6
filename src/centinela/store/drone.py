"""Drone flights in the store: one row per ingested orthomosaic (where it came from, its SHA-256, the managed
COG's path relative to the store's files folder, its cover), added in one transaction with its audit entry.

A GeoPackage multipolygon layer (``drone_flights``, the flight's valid footprint) in the embedded store, a
PostGIS table on a server. The orthomosaics themselves are files: beside the GeoPackage, or in the server
store's working folder (``CENTINELA_WORK``), under ``drone/``.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from ..errors import InputError
from . import gpkg

TABLE = "drone_flights"
TEXTS = (
    "flight_id",
    "file_name",
    "source_path",
    "sha256",
    "cog",
    "crs",
    "dtype",
    "bands",
    "band_index",
    "flight_date",
    "date_source",
    "reprojected_from",
    "ingested_at",
    "sites_json",
    "thresholds_json",
    "display_min",
    "display_max",
)
COVER = ("vegetation", "bare", "water", "shadow")
REALS = (
    "res_m",
    "valid_ha",
    *(f"{c}_ha" for c in COVER),
    *(f"{c}_frac" for c in COVER),
    "exg_mean",
    "vari_mean",
    "ndvi_mean",
    "minx",
    "miny",
    "maxx",
    "maxy",
)
INTS = ("width", "height", "count", "alpha")
BOOLS = ("multispectral", "simulated")
COLUMNS = (*TEXTS, *REALS, *INTS, *BOOLS)
_REQUIRED = ("flight_id", "sha256", "cog")


def _ddl(text: str, real: str, integer: str) -> str:
    return ", ".join(
        [
            *(f"{c} {text}{' NOT NULL' if c in _REQUIRED else ''}" for c in TEXTS),
            *(f"{c} {real}" for c in REALS),
            *(f'"{c}" {integer}' if c == "count" else f"{c} {integer}" for c in (*INTS, *BOOLS)),
        ]
    )


_QUOTED = ", ".join(f'"{c}"' for c in COLUMNS)


def _multi(geom):
    if geom is None or geom.is_empty:
        return None
    parts = shapely.get_parts(shapely.make_valid(geom))
    polys = [q for p in parts for q in shapely.get_parts(p) if q.geom_type == "Polygon"]
    return shapely.MultiPolygon(polys) if polys else None


def _row(record: dict) -> dict:
    missing = [c for c in _REQUIRED if not record.get(c)]
    if missing:
        raise InputError(f"drone flight record lacks {', '.join(missing)}")
    row = {c: record.get(c) for c in COLUMNS}
    for c in (*INTS, *BOOLS):
        row[c] = None if row[c] is None else int(row[c])
    for c in REALS:
        row[c] = None if row[c] is None else float(row[c])
    return row


def migrate(store, c) -> None:
    """Schema 8: the flights table; on a GeoPackage it keeps every flight GDAL appended up to schema 7."""
    d = store.dialect
    old = d.take_over_layer(c, TABLE)
    t = d.TYPES
    d.feature_table(
        c, TABLE, "MULTIPOLYGON", _ddl(t["text"], t["real"], t["int"]), "Drone orthomosaics ingested into Centinela"
    )
    c.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {TABLE}_flight_id ON {TABLE}(flight_id)")
    c.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {TABLE}_sha256 ON {TABLE}(sha256)")
    rows = [{**_row(r), "geom": _multi(gpkg.from_blob(r["geom"]))} for r in old]  # old layers: GeoPackage blobs
    store._insert_rows(c, TABLE, COLUMNS, rows)
    store._record_table(c, TABLE)


class DroneTables:
    """The store's drone-flight methods (mixed into the store class, which brings ``connect`` and ``_audit``)."""

    def files_dir(self) -> Path:
        """Where the store's files live (managed orthomosaics under ``drone/``): beside the GeoPackage, or the
        working folder of a server store (``CENTINELA_WORK``, default ``centinela_work``)."""
        if getattr(self, "path", None):
            return Path(self.path).absolute().parent
        return Path(os.environ.get("CENTINELA_WORK", "centinela_work")).absolute()

    def add_flight(self, record: dict, actor: str) -> None:
        """Record an ingested flight (its managed COG already in place) with its audit entry, in one
        transaction. The same file (SHA-256) or flight id twice is an error."""
        row = _row(record)
        with self.connect(write=True) as c:
            dup = c.execute(
                f"SELECT flight_id FROM {TABLE} WHERE sha256 = ? OR flight_id = ?", (row["sha256"], row["flight_id"])
            ).fetchone()
            if dup is not None:
                raise InputError(f"drone flight {row['flight_id']} ({row['file_name']}) is already in {self.label()}")
            added = self._add_rows(c, TABLE, COLUMNS, [{**row, "geom": _multi(record.get("geometry"))}])
            self._audit(
                c,
                actor,
                "drone_ingest",
                None,
                {
                    "flight_id": [None, row["flight_id"]],
                    "file": [None, row["file_name"]],
                    "sha256": [None, row["sha256"]],
                    "flight_date": [None, row["flight_date"]],
                },
                self._digest_ref(c, TABLE, added),
            )

    def flights(self) -> gpd.GeoDataFrame:
        """Every ingested flight, oldest first (then by id); empty when there is none."""
        with self.connect() as c:
            rows = [dict(r) for r in c.execute(f"SELECT geom, {_QUOTED} FROM {TABLE}")]
        geoms = [self.dialect.g_out(r.pop("geom")) for r in rows]
        frame = pd.DataFrame(rows, columns=list(COLUMNS))
        for col in BOOLS:
            frame[col] = frame[col].astype(bool)
        g = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=4326), crs=4326)
        return g.sort_values(["flight_date", "flight_id"], na_position="last").reset_index(drop=True)
