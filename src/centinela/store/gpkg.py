"""GeoPackage geometry blobs and the SQL functions GDAL's R-tree triggers call.

Python's sqlite3 cannot load SpatiaLite, so writing features of a GeoPackage through sqlite3 needs the
GeoPackage binary encoding and ``ST_MinX``/``ST_IsEmpty``… registered on each connection (OGC 12-128r18,
§2.1.3 and the RTree Spatial Indexes extension).
"""

from __future__ import annotations

import sqlite3
import struct

import shapely

_ENVELOPE_DOUBLES = {0: 0, 1: 4, 2: 6, 3: 6, 4: 8}


def to_blob(geom: shapely.Geometry | None, srs_id: int = 4326) -> bytes | None:
    """GeoPackage binary: 'GP', version 0, flags (little-endian, xy envelope), srs id, envelope, WKB."""
    if geom is None:
        return None
    if geom.is_empty:
        return b"GP" + bytes([0, 0b00010001]) + struct.pack("<i", srs_id) + shapely.to_wkb(geom, byte_order=1)
    x0, y0, x1, y1 = geom.bounds
    return (
        b"GP"
        + bytes([0, 0b00000011])
        + struct.pack("<i4d", srs_id, x0, x1, y0, y1)
        + shapely.to_wkb(geom, byte_order=1)
    )


def _header(blob: bytes) -> tuple[int, int, tuple[float, ...]]:
    if blob is None or len(blob) < 8 or blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry blob")
    flags = blob[3]
    little = flags & 1
    n = _ENVELOPE_DOUBLES[(flags >> 1) & 0b111]
    fmt = ("<" if little else ">") + "i" + "d" * n
    srs, *env = struct.unpack_from(fmt, blob, 4)
    return 8 + 8 * n, flags, tuple(env)


def from_blob(blob: bytes | None) -> shapely.Geometry | None:
    if blob is None:
        return None
    start, _, _ = _header(blob)
    return shapely.from_wkb(bytes(blob[start:]))


def _bound(i: int):
    def f(blob):
        if blob is None:
            return None
        _, flags, env = _header(blob)
        if flags & 0b00010000:
            return None
        if env:
            return env[i]
        b = from_blob(blob).bounds  # (minx, miny, maxx, maxy) → envelope order (minx, maxx, miny, maxy)
        return (b[0], b[2], b[1], b[3])[i]

    return f


def _is_empty(blob):
    if blob is None:
        return 1
    _, flags, _ = _header(blob)
    return 1 if flags & 0b00010000 else 0


def register(conn: sqlite3.Connection) -> None:
    """Make the GeoPackage R-tree triggers work on this connection."""
    conn.create_function("ST_MinX", 1, _bound(0), deterministic=True)
    conn.create_function("ST_MaxX", 1, _bound(1), deterministic=True)
    conn.create_function("ST_MinY", 1, _bound(2), deterministic=True)
    conn.create_function("ST_MaxY", 1, _bound(3), deterministic=True)
    conn.create_function("ST_IsEmpty", 1, _is_empty, deterministic=True)


def register_table(c: sqlite3.Connection, table: str, geometry_type: str, description: str, srs_id: int = 4326) -> None:
    """Make a table created with SQL a GeoPackage feature layer (gpkg_contents and gpkg_geometry_columns), so
    GDAL and QGIS list it; its geometry column is ``geom``. No spatial index: these layers are read whole."""
    c.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, srs_id) "
        "VALUES (?, 'features', ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?)",
        (table, table, description, srs_id),
    )
    c.execute(
        "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) "
        "VALUES (?, 'geom', ?, ?, 0, 0)",
        (table, geometry_type, srs_id),
    )


def take_over_layer(c: sqlite3.Connection, table: str) -> list[dict]:
    """Remove a layer that GDAL wrote whole (Centinela up to schema 4) and return its rows, geometry as ``geom``,
    so a migration can insert them into the table that replaces it, in the same transaction. Its R-tree, GDAL's
    feature counters and its metadata rows go with it. No layer: no rows."""
    if not c.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone():
        return []
    geom_col = c.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (table,)).fetchone()
    rows = [dict(r) for r in c.execute(f'SELECT * FROM "{table}"')]
    c.execute(f'DROP TABLE "{table}"')
    if geom_col is not None:
        c.execute(f'DROP TABLE IF EXISTS "rtree_{table}_{geom_col[0]}"')
        for row in rows:
            row["geom"] = row.pop(geom_col[0], None)
    for meta in ("gpkg_extensions", "gpkg_geometry_columns", "gpkg_contents", "gpkg_ogr_contents"):
        if c.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (meta,)).fetchone():
            c.execute(f"DELETE FROM {meta} WHERE lower(table_name) = lower(?)", (table,))
    return rows
