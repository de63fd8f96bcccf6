"""The store's schema, once for both dialects: the alert and area layers' columns, and the one list of
migrations every store goes through (a GeoPackage file or a PostGIS database alike).

Column types are abstract (``text``, ``real``, ``int``, ``bigint``, ``blob``, ``id``) and each dialect names
them (:attr:`~centinela.store.dialect.GeoPackage.TYPES`). A migration is a function of the store and the open
write transaction; versions already applied are recorded in ``schema_migrations`` and never re-run, so a
killed migration leaves the previous schema and the next open finishes it.
"""

from __future__ import annotations

from collections.abc import Callable

from . import drone, field, layers, mercury, restore, users, zones
from .ddl import add_columns

ALERTS = {
    "alert_id": "text",
    "first_seen": "text",
    "confirmed": "text",
    "cause": "text",
    "confidence": "text",
    "area_ha": "real",
    "reasons": "text",
    "lon": "real",
    "lat": "real",
    "status": "text",
    "assignee": "text",
    "area_name": "text",
    "created_at": "text",
    "updated_at": "text",
    "version": "bigint",
}
AREAS = {
    "name": "text",
    "catalog": "text",
    "since": "text",
    "created_at": "text",
    "last_run": "text",
    "last_result": "text",
}
"""Monitored areas: a layer of the store, so QGIS shows them beside the alerts."""
FIRST_LAYERS = {"alerts": ALERTS, "areas": AREAS}
"""Layers a new GeoPackage file is created with (by GDAL, so their metadata and R-tree are GDAL's own)."""


def columns(spec: dict[str, str], types: dict[str, str]) -> str:
    return ", ".join(f"{name} {types[kind]}" for name, kind in spec.items())


def _v1_alerts(store, c) -> None:
    d = store.dialect
    t = d.TYPES
    d.feature_table(c, "alerts", "MULTIPOLYGON", columns(ALERTS, t), "Centinela alerts")
    c.execute("CREATE UNIQUE INDEX IF NOT EXISTS alerts_alert_id ON alerts(alert_id)")
    c.execute("CREATE INDEX IF NOT EXISTS alerts_status ON alerts(status)")
    c.execute(
        f"CREATE TABLE IF NOT EXISTS alert_notes (id {t['id']}, alert_id TEXT NOT NULL, at TEXT NOT NULL, "
        "actor TEXT NOT NULL, text TEXT NOT NULL)"
    )
    c.execute(
        f"CREATE TABLE IF NOT EXISTS audit_log (seq {t['bigint']} PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, "
        "action TEXT NOT NULL, alert_id TEXT, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)"
    )
    d.append_only(c, "audit_log")


def _v2_areas(store, c) -> None:
    store.dialect.feature_table(c, "areas", "MULTIPOLYGON", columns(AREAS, store.dialect.TYPES), "Monitored areas")
    c.execute("CREATE UNIQUE INDEX IF NOT EXISTS areas_name ON areas(name)")


def _v3_outbox(store, c) -> None:
    t = store.dialect.TYPES
    c.execute(
        f"CREATE TABLE IF NOT EXISTS subscriptions (id {t['id']}, area TEXT NOT NULL, channel TEXT NOT NULL, "
        "target TEXT NOT NULL, min_confidence TEXT, zone_kinds TEXT, secret TEXT, created_at TEXT NOT NULL)"
    )
    c.execute(
        f"CREATE TABLE IF NOT EXISTS outbox (id {t['id']}, subscription_id INTEGER NOT NULL, "
        "created_at TEXT NOT NULL, payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, "
        "delivered_at TEXT)"
    )


def _v4_users(store, c) -> None:
    t = store.dialect.TYPES
    for sql in (
        "users (username TEXT PRIMARY KEY, password_hash TEXT, role TEXT NOT NULL, "
        "see_sensitive INTEGER NOT NULL DEFAULT 0, disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL)",
        "api_tokens (token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, label TEXT, created_at TEXT NOT NULL, "
        "revoked INTEGER NOT NULL DEFAULT 0)",
        "sessions (session_hash TEXT PRIMARY KEY, username TEXT NOT NULL, csrf TEXT NOT NULL, "
        "created_at TEXT NOT NULL, expires_at TEXT NOT NULL)",
        f"sensitive_areas (name TEXT PRIMARY KEY, wkb {t['blob']} NOT NULL, reason TEXT, created_at TEXT NOT NULL)",
    ):
        c.execute(f"CREATE TABLE IF NOT EXISTS {sql}")


def _v10_fronts(store, c) -> None:
    t = store.dialect.TYPES
    new = {"mining_prob": t["real"], "land_before": t["text"], "parent_id": t["text"], "front_id": t["text"]}
    new["evidence"] = t["text"]
    add_columns(c, "alerts", new)
    c.execute("CREATE INDEX IF NOT EXISTS alerts_front_id ON alerts(front_id)")


def _v11_mercury_corrections(store, c) -> None:
    """Schema 11: results can be superseded and retracted. One sample and analyte may now have several rows (its
    analyses over time); at most one is current, which a partial unique index enforces."""
    t = store.dialect.TYPES
    add_columns(c, mercury.TABLE, {"species_as_written": t["text"], "record_status": t["text"]})
    add_columns(c, mercury.TABLE, {"replaced_by": t["int"], "record_reason": t["text"]})
    c.execute(f"DROP INDEX IF EXISTS {mercury.TABLE}_key")
    table, key = mercury.TABLE, ", ".join(mercury.KEY)
    c.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {table}_current ON {table}({key}) WHERE {mercury.CURRENT}")
    c.execute(f"CREATE INDEX IF NOT EXISTS {mercury.TABLE}_sample ON {mercury.TABLE}(sample_id)")


MIGRATIONS: list[tuple[int, Callable]] = [
    (1, _v1_alerts),
    (2, _v2_areas),
    (3, _v3_outbox),  # subscriptions and the notification outbox
    (4, _v4_users),  # web users, tokens, sessions, sensitive areas
    (5, mercury.migrate),  # mercury results: a table written row by row (was a layer rewritten whole)
    (6, zones.migrate),  # imported zones: likewise
    (7, lambda store, c: store._bind_rows(c)),  # audit entries bind the rows they change
    (8, drone.migrate),  # drone flights: a table with audited inserts (was a layer GDAL appended to)
    (9, restore.migrate),  # restoration sites and their latest tracking
    (10, _v10_fronts),  # a probability of mining; growth beside a reported alert is an alert of its own, in a front
    (11, _v11_mercury_corrections),  # mercury results superseded or retracted, never overwritten; species as written
    (12, users.migrate),  # API tokens expire (existing ones get 90 days), each re-recorded in the audit chain
    (13, field.migrate),  # field reports from rangers and their photos (bytes as received, EXIF kept)
    (14, layers.migrate),  # reference layers (rivers, roads, towns) imported for the map
]
