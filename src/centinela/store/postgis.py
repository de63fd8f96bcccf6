"""The server store: the same alerts, lifecycle, audit and outbox on PostgreSQL with PostGIS.

Only the dialect differs from :class:`~centinela.store.embedded.EmbeddedStore` (which holds the logic):
geometry as PostGIS ``geometry(MultiPolygon, 4326)`` with a GiST index, parameters as ``%s``, writers
serialised with a table lock taken at the start of each write transaction, and the audit log guarded by a
trigger that refuses UPDATE and DELETE.
"""

from __future__ import annotations

import math
import re
from contextlib import contextmanager

import shapely

from ..errors import StoreError, StoreUnavailableError
from ..extras import optional
from .drone import PG_DDL as DRONE_DDL
from .embedded import EmbeddedStore
from .mercury import PG_DDL as MERCURY_DDL
from .zones import PG_DDL as ZONES_DDL

PG_MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE EXTENSION IF NOT EXISTS postgis;
        CREATE TABLE IF NOT EXISTS alerts (
            fid SERIAL PRIMARY KEY, geom geometry(MultiPolygon, 4326), alert_id TEXT UNIQUE NOT NULL, first_seen TEXT,
            confirmed TEXT, cause TEXT, confidence TEXT, area_ha DOUBLE PRECISION, reasons TEXT, lon DOUBLE PRECISION,
            lat DOUBLE PRECISION, status TEXT, assignee TEXT, area_name TEXT, created_at TEXT, updated_at TEXT,
            version BIGINT);
        CREATE INDEX IF NOT EXISTS alerts_geom ON alerts USING GIST (geom);
        CREATE INDEX IF NOT EXISTS alerts_status ON alerts(status);
        CREATE TABLE IF NOT EXISTS alert_notes (
            id SERIAL PRIMARY KEY, alert_id TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL, text TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS audit_log (
            seq BIGINT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, alert_id TEXT,
            detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
        CREATE OR REPLACE FUNCTION centinela_audit_append_only() RETURNS trigger AS
            $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql;
        DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log;
        CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION centinela_audit_append_only();
    """,
    ),
    (
        2,
        """
        CREATE TABLE IF NOT EXISTS areas (
            fid SERIAL PRIMARY KEY, geom geometry(MultiPolygon, 4326), name TEXT UNIQUE NOT NULL, catalog TEXT,
            since TEXT,
            created_at TEXT, last_run TEXT, last_result TEXT);
    """,
    ),
    (
        3,
        """
        CREATE TABLE IF NOT EXISTS subscriptions (
            id SERIAL PRIMARY KEY, area TEXT NOT NULL, channel TEXT NOT NULL, target TEXT NOT NULL,
            min_confidence TEXT, zone_kinds TEXT, secret TEXT, created_at TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS outbox (
            id SERIAL PRIMARY KEY, subscription_id INTEGER NOT NULL, created_at TEXT NOT NULL, payload TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, delivered_at TEXT);
    """,
    ),
    (
        4,
        """
        CREATE TABLE IF NOT EXISTS users (
            username TEXT PRIMARY KEY, password_hash TEXT, role TEXT NOT NULL, see_sensitive INTEGER NOT NULL DEFAULT 0,
            disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS api_tokens (
            token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, label TEXT, created_at TEXT NOT NULL,
            revoked INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS sessions (
            session_hash TEXT PRIMARY KEY, username TEXT NOT NULL, csrf TEXT NOT NULL, created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS sensitive_areas (
            name TEXT PRIMARY KEY, wkb BYTEA NOT NULL, reason TEXT, created_at TEXT NOT NULL);
    """,
    ),
    (5, MERCURY_DDL),
    (6, ZONES_DDL),
    (7, lambda store, c: store._bind_rows(c)),
    (8, DRONE_DDL),
]

_PARAM = re.compile(r"\?")


class _Conn:
    """A psycopg connection that speaks the embedded store's SQL (``?`` parameters, dict rows)."""

    def __init__(self, conn):
        self.conn = conn

    def execute(self, sql: str, args=()):
        return self.conn.execute(_PARAM.sub("%s", sql.replace("%", "%%")), tuple(args))

    def executemany(self, sql: str, rows):
        with self.conn.cursor() as cur:
            cur.executemany(_PARAM.sub("%s", sql.replace("%", "%%")), [tuple(r) for r in rows])


class PostgisStore(EmbeddedStore):
    """Alerts, lifecycle, audit and outbox in a PostgreSQL/PostGIS database given by URL."""

    G = "ST_GeomFromWKB(?, 4326)"

    def __init__(self, url: str, timeout_s: float = 30.0):
        self.url = url
        self.path = None  # no file; zones for reports stay in a GeoPackage
        self.timeout_s = timeout_s
        self._migrate()

    def migrations(self):
        return PG_MIGRATIONS

    def _after_explicit_ids(self, c, table: str, column: str) -> None:
        """After rows were inserted with their ids (a copy): move the serial's sequence past them."""
        c.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), (SELECT max({column}) FROM {table}))")

    def _g_in(self, geom):
        return shapely.to_wkb(geom, byte_order=1)

    def _g_out(self, value):
        if value is None:
            return None
        return shapely.from_wkb(bytes.fromhex(value) if isinstance(value, str) else bytes(value))

    def _near(self, c, bounds, cause):
        x0, y0, x1, y1 = bounds
        return c.execute(
            "SELECT * FROM alerts WHERE geom && ST_MakeEnvelope(?, ?, ?, ?, 4326) AND cause = ? AND status != 'closed'",
            (x0, y0, x1, y1, cause),
        ).fetchall()

    def _create_if_missing(self) -> None:  # tables come from the migrations
        pass

    def _apply(self, c, sql: str) -> None:
        c.conn.execute(sql)  # PostgreSQL runs a whole script, function bodies included

    def label(self) -> str:
        return re.sub(r"://([^:@/]+):[^@/]*@", r"://\1:***@", self.url)  # never print a password

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
