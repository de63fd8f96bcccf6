"""The two places a store lives, as dialect objects the one :class:`~centinela.store.core.Store` is given.

A dialect knows only what differs between SQLite over a GeoPackage file and PostgreSQL/PostGIS: how to
connect and lock for a write, how a geometry goes in and out, column types, how a feature table is made
(a registered GeoPackage layer, or a ``geometry`` column with a GiST index), the bounding-box query, and how
a migration script runs. Every table, query and audit rule is the store's, written once.

SQL is written with ``?`` parameters; the PostGIS dialect rewrites them to psycopg's ``%s`` outside quoted
literals, so a ``?`` inside a string or identifier is never taken for a parameter.
"""

from __future__ import annotations

import math
import re
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from ..errors import StoreError, StoreUnavailableError
from ..extras import optional
from . import gpkg

SRS = 4326


def pandas_dtype(kind: str) -> str:
    """The pandas dtype GDAL turns into the column type ``kind`` (``text``, ``real``…) when it creates a layer."""
    return {"text": "object", "real": "float64", "int": "int64", "bigint": "int64"}[kind]


class GeoPackage:
    """SQLite over one GeoPackage file, written through sqlite3 with the GeoPackage functions registered."""

    name = "geopackage"
    G = "?"  # how a geometry parameter enters SQL
    TYPES = {
        "text": "TEXT",
        "real": "REAL",
        "int": "INTEGER",
        "bigint": "INTEGER",
        "blob": "BLOB",
        "id": "INTEGER PRIMARY KEY",
    }

    def __init__(self, path: str | Path, timeout_s: float = 30.0):
        self.path = Path(path)
        self.timeout_s = timeout_s

    def label(self) -> str:
        return str(self.path)

    def prepare(self, layers: dict[str, dict[str, str]]) -> None:
        """Create the file with its first layers ({name: {column: SQL type}}) through GDAL, so the GeoPackage
        metadata, spatial reference rows and R-tree are exactly what QGIS expects; an existing file is checked."""
        existing = set()
        if self.path.exists():
            try:
                existing = {n for n, _ in pyogrio.list_layers(self.path)}
            except Exception as exc:  # GDAL says "not a GeoPackage" in several ways
                raise StoreError(f"{self.path}: not a readable GeoPackage store ({exc})") from exc
        for name, columns in layers.items():
            if name in existing:
                continue
            empty = gpd.GeoDataFrame(
                {k: pd.Series(dtype=pandas_dtype(t)) for k, t in columns.items()},
                geometry=gpd.GeoSeries([], crs=SRS),
                crs=SRS,
            )
            self.path.parent.mkdir(parents=True, exist_ok=True)
            pyogrio.write_dataframe(
                empty, self.path, layer=name, driver="GPKG", geometry_type="MultiPolygon", append=self.path.exists()
            )

    @contextmanager
    def connect(self, write: bool = False):
        try:
            conn = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open the store ({exc})") from exc
        gpkg.register(conn)
        conn.row_factory = sqlite3.Row
        try:
            if write:
                conn.execute("BEGIN IMMEDIATE")  # take the write lock now: writers queue, none is lost
            yield conn
            if write:
                conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if write and conn.in_transaction:
                conn.execute("ROLLBACK")
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreUnavailableError(
                    f"{self.path}: the store is locked by another process (waited {self.timeout_s:.0f} s); try again"
                ) from exc
            raise StoreError(f"{self.path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            if write and conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StoreError(f"{self.path}: the store file is damaged or not a store ({exc})") from exc
        except BaseException:
            if write and conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    def run_script(self, c, sql: str) -> None:
        """Run several statements (sqlite3 executes one at a time; executescript would commit first)."""
        for stmt in filter(str.strip, _split_sql(sql)):
            c.execute(stmt)

    def g_in(self, geom):
        return gpkg.to_blob(geom, SRS)

    def g_out(self, value):
        return gpkg.from_blob(value)

    def feature_table(self, c, table: str, geometry: str, columns: str, description: str) -> None:
        """A table with ``fid`` and ``geom`` (``geometry``: MULTIPOLYGON, POINT…) that GDAL and QGIS list as a
        layer; a layer GDAL made when the file was created is kept as it is."""
        if c.execute("SELECT 1 FROM gpkg_contents WHERE table_name = ?", (table,)).fetchone():
            return
        c.execute(f"CREATE TABLE {table} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom {geometry}, {columns})")
        gpkg.register_table(c, table, geometry, description, SRS)

    def take_over_layer(self, c, table: str) -> list[dict]:
        """Rows of a layer GDAL wrote whole (Centinela up to schema 4), the layer removed; none on a new file."""
        return gpkg.take_over_layer(c, table)

    def near(self, c, bounds, where: str, args=()):
        """Rows of ``alerts`` whose bounding box meets ``bounds`` (through the GeoPackage R-tree) and ``where``."""
        x0, y0, x1, y1 = bounds
        return c.execute(
            "SELECT a.* FROM alerts a JOIN rtree_alerts_geom r ON a.fid = r.id "
            f"WHERE r.maxx >= ? AND r.minx <= ? AND r.maxy >= ? AND r.miny <= ? AND {where}",
            (x0, x1, y0, y1, *args),
        ).fetchall()

    def append_only(self, c, table: str) -> None:
        for op in ("UPDATE", "DELETE"):
            c.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )

    def after_explicit_ids(self, c, table: str, column: str) -> None:
        """After rows were inserted with their ids (a copy): SQLite's AUTOINCREMENT follows by itself."""

    def lock_for_write(self, c) -> None:
        """BEGIN IMMEDIATE already holds the whole file's write lock."""


class Postgis:
    """A PostgreSQL database with PostGIS, given by URL (the optional ``postgis`` extra: psycopg)."""

    name = "postgis"
    G = "ST_GeomFromWKB(?, 4326)"
    TYPES = {
        "text": "TEXT",
        "real": "DOUBLE PRECISION",
        "int": "INTEGER",
        "bigint": "BIGINT",
        "blob": "BYTEA",
        "id": "SERIAL PRIMARY KEY",
    }

    def __init__(self, url: str, timeout_s: float = 30.0):
        self.url = url
        self.path = None  # no file
        self.timeout_s = timeout_s

    def label(self) -> str:
        return re.sub(r"://([^:@/]+):[^@/]*@", r"://\1:***@", self.url)  # never print a password

    def prepare(self, layers: dict[str, dict[str, str]]) -> None:
        """Nothing to create outside a transaction: tables come from the migrations."""

    @contextmanager
    def connect(self, write: bool = False):
        psycopg = optional("psycopg", "postgis", "A PostgreSQL/PostGIS store")
        dict_row = optional("psycopg.rows", "postgis", "A PostgreSQL/PostGIS store").dict_row

        safe = self.label()
        try:
            conn = psycopg.connect(
                self.url, row_factory=dict_row, autocommit=True, connect_timeout=max(1, math.ceil(self.timeout_s))
            )
        except psycopg.OperationalError as exc:
            raise StoreUnavailableError(f"{safe}: the database cannot be reached ({str(exc).splitlines()[0]})") from exc
        c = _Conn(conn)
        try:
            # Reads wait for locks too (a writer's LOCK TABLE blocks them): bound every wait, not only writes'.
            conn.execute(f"SET lock_timeout = '{max(1, int(self.timeout_s * 1000))}ms'")
            if write:
                conn.execute("BEGIN")
                if self._has_audit(conn):  # one writer at a time: the audit chain and versions stay linear
                    conn.execute("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")
            yield c
            if write:
                conn.execute("COMMIT")
        except psycopg.errors.LockNotAvailable as exc:
            conn.execute("ROLLBACK")
            raise StoreUnavailableError(
                f"{safe}: the store is locked by another writer (waited {self.timeout_s:.0f} s); try again"
            ) from exc
        except psycopg.Error as exc:
            if write:
                conn.execute("ROLLBACK")
            raise StoreError(f"{safe}: {str(exc).splitlines()[0]}") from exc
        except BaseException:
            if write:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    @staticmethod
    def _has_audit(conn) -> bool:
        return conn.execute("SELECT to_regclass('audit_log') IS NOT NULL AS ok").fetchone()["ok"]

    def run_script(self, c, sql: str) -> None:
        c.conn.execute(sql)  # PostgreSQL runs a whole script, function bodies included

    def g_in(self, geom):
        return shapely.to_wkb(geom, byte_order=1)

    def g_out(self, value):
        if value is None:
            return None
        return shapely.from_wkb(bytes.fromhex(value) if isinstance(value, str) else bytes(value))

    def feature_table(self, c, table: str, geometry: str, columns: str, description: str) -> None:
        kind = {"MULTIPOLYGON": "MultiPolygon", "POINT": "Point", "GEOMETRY": "Geometry"}[geometry]
        c.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        c.execute(
            f"CREATE TABLE IF NOT EXISTS {table} (fid SERIAL PRIMARY KEY, geom geometry({kind}, {SRS}), {columns})"
        )
        c.execute(f"CREATE INDEX IF NOT EXISTS {table}_geom ON {table} USING GIST (geom)")
        c.execute(f"COMMENT ON TABLE {table} IS '{description.replace(chr(39), chr(39) * 2)}'")

    def take_over_layer(self, c, table: str) -> list[dict]:
        return []  # PostGIS stores never held GDAL-written layers

    def near(self, c, bounds, where: str, args=()):
        x0, y0, x1, y1 = bounds
        return c.execute(
            f"SELECT * FROM alerts WHERE geom && ST_MakeEnvelope(?, ?, ?, ?, {SRS}) AND {where}",
            (x0, y0, x1, y1, *args),
        ).fetchall()

    def append_only(self, c, table: str) -> None:
        self.run_script(
            c,
            f"""
            CREATE OR REPLACE FUNCTION centinela_{table}_append_only() RETURNS trigger AS
                $$ BEGIN RAISE EXCEPTION '{table} is append-only'; END; $$ LANGUAGE plpgsql;
            DROP TRIGGER IF EXISTS {table}_append_only ON {table};
            CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION centinela_{table}_append_only();
            """,
        )

    def after_explicit_ids(self, c, table: str, column: str) -> None:
        """After rows were inserted with their ids (a copy): move the serial's sequence past them."""
        c.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), (SELECT max({column}) FROM {table}))")


_LITERAL_OR_MARK = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?|%")


def to_psycopg(sql: str) -> str:
    """``?`` parameters → ``%s``, a literal ``%`` → ``%%``; quoted strings and identifiers are left alone."""

    def sub(m: re.Match) -> str:
        token = m.group(0)
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        return token.replace("%", "%%")

    return _LITERAL_OR_MARK.sub(sub, sql)


class _Conn:
    """A psycopg connection that takes the store's SQL (``?`` parameters, dict rows)."""

    def __init__(self, conn):
        self.conn = conn

    def execute(self, sql: str, args=()):
        return self.conn.execute(to_psycopg(sql), tuple(args))

    def executemany(self, sql: str, rows):
        with self.conn.cursor() as cur:
            cur.executemany(to_psycopg(sql), [tuple(r) for r in rows])


def _split_sql(sql: str) -> list[str]:
    """Split on ';' outside trigger bodies (BEGIN … END)."""
    out, buf, depth = [], [], 0
    for token in sql.replace(";", ";\n").splitlines(keepends=True):
        buf.append(token)
        up = token.upper()
        depth += up.count("BEGIN ") + up.count("BEGIN\n")
        if token.rstrip().endswith(";") and depth == 0:
            out.append("".join(buf))
            buf = []
        if "END;" in up and depth:
            depth -= 1
            if depth == 0:
                out.append("".join(buf))
                buf = []
    if "".join(buf).strip():
        out.append("".join(buf))
    return out
