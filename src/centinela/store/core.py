"""The store: every table Centinela keeps, its transactions and its audit chain, written once for both dialects.

Every change runs in one write transaction with its audit entry (the dialect takes the write lock when the
transaction begins), so concurrent writers queue instead of losing updates, and a killed process leaves all of
a change or none of it. Where the tables live — a GeoPackage file QGIS opens, or PostgreSQL/PostGIS — is the
store's :mod:`dialect <.dialect>`.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import InputError, NotFoundError, StoreError, StoreUnavailableError
from .audit import (
    BASELINE,
    GENESIS,
    Verification,
    digest_of,
    digest_update,
    entry_hash,
    record_of,
    row_hash,
    verify_chain,
    verify_rows,
)
from .dialect import SRS, GeoPackage, Postgis
from .drone import DroneTables
from .field import FieldTables
from .layers import LayerTables
from .lifecycle import STATUSES, check_transition
from .mercury import LATE as MERCURY_LATE
from .mercury import MercuryTables
from .restore import RestoreTables
from .schema import ALERTS, FIRST_LAYERS, MIGRATIONS
from .users import UserTables
from .zones import ZoneTables

LATE_COLUMNS = ("mining_prob", "land_before", "parent_id", "front_id", "evidence", *MERCURY_LATE)
"""Columns added to existing tables by a migration: left empty they are not hashed, so rows audited before
they existed still verify (a migration must not rewrite history, nor bless an earlier tampering)."""
TRACKED = (
    "first_seen",
    "confirmed",
    "cause",
    "mining_prob",
    "land_before",
    "confidence",
    "area_ha",
    "reasons",
    "evidence",
    "lon",
    "lat",
)


@dataclass(frozen=True)
class IngestResult:
    created: int
    updated: int
    unchanged: int
    merged: int
    created_ids: tuple[str, ...] = ()
    became_mining_ids: tuple[str, ...] = ()  # alerts reported before whose provisional cause is now mining


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def default_actor() -> str:
    return os.environ.get("CENTINELA_USER") or getpass.getuser()


class Store(MercuryTables, ZoneTables, DroneTables, UserTables, RestoreTables, FieldTables, LayerTables):
    """Alerts, their lifecycle and audit, monitored areas and notifications, imported zones, mercury results,
    drone flights, restoration sites and web users, in one store; where it lives is its ``dialect`` (:mod:`.dialect`).

    Open one with :func:`~centinela.store.url.open_store` (a path or URL), or :func:`embedded_store` /
    :func:`postgis_store`.
    """

    def __init__(self, dialect):
        self.dialect = dialect
        dialect.prepare(FIRST_LAYERS)
        self._migrate()

    @property
    def path(self) -> Path | None:
        """The GeoPackage file; None for a server store."""
        return self.dialect.path

    @property
    def url(self) -> str | None:
        """The database URL of a server store; None for a GeoPackage."""
        return getattr(self.dialect, "url", None)

    def connect(self, write: bool = False):
        """A connection (``?`` parameters, rows by column name); ``write``: one transaction holding the write
        lock, committed when the block ends and rolled back if it raises."""
        return self.dialect.connect(write)

    def label(self) -> str:
        """How messages name this store (never with a password)."""
        return self.dialect.label()

    def _migrate(self) -> None:
        """Bring the store to this version's schema; a store already there is only read (opening one never
        waits for another process's write)."""
        known = {v for v, _ in MIGRATIONS}
        if self._applied() == known:
            return
        with self.connect(write=True) as c:
            c.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            done = {r["version"] for r in c.execute("SELECT version FROM schema_migrations")}
            if done - known:
                raise StoreError(
                    f"{self.label()}: made by a newer Centinela (schema versions {sorted(done - known)}); "
                    "upgrade Centinela"
                )
            for version, step in MIGRATIONS:
                if version not in done:
                    step(self, c)
                    c.execute("INSERT INTO schema_migrations VALUES (?, ?)", (version, _now()))

    def _applied(self) -> set[int] | None:
        """Schema versions applied so far; None when the store has no schema yet (or cannot say)."""
        try:
            with self.connect() as c:
                return {r["version"] for r in c.execute("SELECT version FROM schema_migrations")}
        except StoreUnavailableError:
            raise
        except StoreError:
            return None

    def schema_version(self) -> int:
        with self.connect() as c:
            return int(c.execute("SELECT max(version) AS v FROM schema_migrations").fetchone()["v"])

    def _audit(
        self,
        c: sqlite3.Connection,
        actor: str,
        action: str,
        alert_id: str | None,
        detail: dict,
        row: tuple[str, str] | None = None,
    ) -> None:
        """Append an entry to the chain; ``row``: (row_ref, row_hash) of the row this change leaves behind."""
        last = c.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (last["seq"] + 1, last["hash"]) if last else (1, GENESIS)
        record = {
            "seq": seq,
            "at": _now(),
            "actor": actor,
            "action": action,
            "alert_id": alert_id,
            "detail": json.dumps(detail, sort_keys=True, ensure_ascii=False, default=str),
            "row_ref": row[0] if row else None,
            "row_hash": row[1] if row else None,
        }
        c.execute(
            "INSERT INTO audit_log (seq, at, actor, action, alert_id, detail, row_ref, row_hash, prev_hash, hash) "
            "VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                *record.values(),
                prev,
                entry_hash(prev, record_of(record)),
            ),
        )

    # --- what audit entries bind: the rows whose edit would change a judgement or someone's power ------
    BOUND_TABLES = {
        "alerts": "alert_id",
        "alert_notes": "id",
        "users": "username",
        "api_tokens": "token_hash",
        "sensitive_areas": "name",
    }
    BOUND = tuple(f"{t}:" for t in BOUND_TABLES)

    def _hash_row(self, row: dict) -> str:
        """A row's content hash, the same whichever backend holds it (geometry as WKB hex, blobs as hex)."""
        out = {}
        for k, v in row.items():
            if k == "fid" or (k in LATE_COLUMNS and v is None):
                continue
            if k == "geom":
                geom = self.dialect.g_out(v)
                v = None if geom is None else shapely.to_wkb(geom, hex=True, byte_order=1)
            elif isinstance(v, (bytes, memoryview)):
                v = bytes(v).hex()
            out[k] = v
        return row_hash(out)

    def _ref(self, c, table: str, key) -> tuple[str, str]:
        """(row_ref, row_hash) of one bound row as it is now, inside the writing transaction."""
        row = c.execute(f"SELECT * FROM {table} WHERE {self.BOUND_TABLES[table]} = ?", (key,)).fetchone()
        return f"{table}:{key}", self._hash_row(dict(row))

    def _alert_ref(self, c, alert_id: str) -> tuple[str, str]:
        return self._ref(c, "alerts", alert_id)

    def _bound_rows(self, c) -> dict[str, str]:
        return {
            f"{table}:{r[key]}": self._hash_row(dict(r))
            for table, key in self.BOUND_TABLES.items()
            for r in c.execute(f"SELECT * FROM {table}")
        }

    def _bind_rows(self, c) -> None:
        """Schema 7: audit entries get the row they change; the rows already there are recorded in one entry,
        and each digest-bound table already holding rows in one entry of its own."""
        for col in ("row_ref", "row_hash"):
            c.execute(f"ALTER TABLE audit_log ADD COLUMN {col} TEXT")
        c.execute("CREATE INDEX audit_log_row_ref ON audit_log(row_ref)")
        rows = self._bound_rows(c)
        if rows:
            self._audit(c, "centinela", BASELINE, None, {"rows": [None, rows]})
        for table in ("mercury_results", "zones"):  # drone_flights come at schema 8
            self._record_table(c, table)

    # --- tables bound as a whole, by a digest in the entry of each change (see audit.py) --------------
    DIGEST_TABLES = ("mercury_results", "zones", "drone_flights", "restoration_sites", "reference_features")

    def _row_hashes(self, c, table: str, where: str = "", args=()) -> list[str]:
        return [self._hash_row(dict(r)) for r in c.execute(f"SELECT * FROM {table} {where}", args)]

    def _last_fid(self, c, table: str) -> int:
        """The highest feature id so far (0: none): rows inserted after it are ``WHERE fid > last``."""
        return c.execute(f"SELECT coalesce(max(fid), 0) AS n FROM {table}").fetchone()["n"]

    def _add_rows(self, c, table: str, columns, rows: list[dict]) -> list[str]:
        """Insert ``rows`` (shapely ``geom``) into a digest-bound table; returns the content hashes of the rows as
        stored, for the change's table digest (:meth:`_digest_ref`)."""
        last = self._last_fid(c, table)
        self._insert_rows(c, table, columns, rows)
        return self._row_hashes(c, table, "WHERE fid > ?", (last,))

    def _insert_rows(self, c, table: str, columns, rows: list[dict], geoms_ready: bool = False) -> None:
        """Insert ``rows`` (dicts with ``geom`` and ``columns``) into a feature table; ``geom`` is a shapely
        geometry, or already in this backend's form when ``geoms_ready`` (rows a migration moves)."""
        quoted = ", ".join(f'"{k}"' for k in columns)
        marks = ", ".join((self.dialect.G, *("?" * len(columns))))
        c.executemany(
            f"INSERT INTO {table} (geom, {quoted}) VALUES ({marks})",
            [(r["geom"] if geoms_ready else self.dialect.g_in(r["geom"]), *(r[k] for k in columns)) for r in rows],
        )

    def _table_digest_entry(self, c, table: str) -> tuple[str | None, int | None]:
        """(digest, entry) the log last recorded for ``table``; (None, None) if it never did."""
        row = c.execute(
            "SELECT seq, row_hash FROM audit_log WHERE row_ref = ? ORDER BY seq DESC LIMIT 1", (f"table:{table}",)
        ).fetchone()
        return (row["row_hash"], row["seq"]) if row else (None, None)

    def _table_digest(self, c, table: str) -> str | None:
        return self._table_digest_entry(c, table)[0]

    def _digest_ref(self, c, table: str, added=(), removed=()) -> tuple[str, str]:
        """(row_ref, row_hash) for an entry that changes ``table``: the digest after the change."""
        return f"table:{table}", digest_update(self._table_digest(c, table), list(added), list(removed))

    def _record_table(self, c, table: str) -> None:
        """One entry recording a table's digest as it is (its rows came in by a migration)."""
        hashes = self._row_hashes(c, table)
        if hashes:
            self._audit(
                c,
                "centinela",
                "table_recorded",
                None,
                {"table": [None, table], "rows": [None, len(hashes)]},
                (f"table:{table}", digest_of(hashes)),
            )

    def log_event(self, actor: str, action: str, alert_id: str | None = None, detail: dict | None = None) -> None:
        """Record an event that changes no table but belongs in the chain of custody (e.g. an evidence download)."""
        with self.connect(write=True) as c:
            self._audit(c, actor, action, alert_id, detail or {})

    def _row(self, c, alert_id: str) -> sqlite3.Row:
        row = c.execute("SELECT * FROM alerts WHERE alert_id = ?", (alert_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no alert '{alert_id}' in this store")
        return row

    # --- alerts in --------------------------------------------------------------------------------
    def ingest(self, alerts: gpd.GeoDataFrame, actor: str | None = None, area_name: str | None = None) -> IngestResult:
        """Merge detection output into the store: new alerts are created, known ones (same id, or the same
        ground: a growing front) are updated, identical ones are left alone. One transaction."""
        with self.connect(write=True) as c:
            return self._ingest(c, alerts, actor or default_actor(), area_name)

    def ingest_run(
        self,
        area_name: str,
        alerts: gpd.GeoDataFrame,
        result: dict,
        actor: str | None = None,
        digests: Callable[[list[dict], tuple[str, ...]], list[tuple[int, dict]]] | None = None,
    ) -> IngestResult:
        """A monitoring run's commit: merge its alerts, record the run and queue the digests of its new alerts,
        in one transaction. A crash leaves none of it or all of it, so a new alert never lands without its
        notifications (a re-run would see it as known and notify nobody).

        ``digests(subscriptions, ids)`` turns the area's subscriptions and the ids this run created, or whose cause
        it revised to mining, into ``(subscription_id, payload)`` pairs to queue in the outbox.
        """
        actor = actor or default_actor()
        with self.connect(write=True) as c:
            merged = self._ingest(c, alerts, actor, area_name)
            self._record_run(c, area_name, {**result, "created": merged.created, "updated": merged.updated}, actor)
            if digests is not None:
                subs = [
                    dict(r) for r in c.execute("SELECT * FROM subscriptions WHERE area = ? ORDER BY id", (area_name,))
                ]
                for subscription_id, payload in digests(subs, merged.created_ids + merged.became_mining_ids):
                    self._enqueue(c, subscription_id, payload)
        return merged

    def _ingest(self, c, alerts: gpd.GeoDataFrame, actor: str, area_name: str | None) -> IngestResult:
        if alerts.crs is None:
            raise InputError("alerts have no CRS")
        a = alerts.to_crs(SRS)
        created = updated = unchanged = merged = 0
        created_ids, became_mining = [], []
        for r in a.itertuples():
            geom = (
                shapely.MultiPolygon(shapely.get_parts(r.geometry)) if r.geometry.geom_type == "Polygon" else r.geometry
            )
            new = {k: _clean(getattr(r, k, None)) for k in TRACKED}
            row = c.execute("SELECT * FROM alerts WHERE alert_id = ?", (r.alert_id,)).fetchone()
            parent = _clean(getattr(r, "parent_id", None))
            if row is None and parent is None:  # growth beside a reported alert is news, never merged into it
                row = self._same_ground(c, geom)
                if row is not None:
                    merged += 1
                    geom = shapely.union_all([self.dialect.g_out(row["geom"]), geom])
                    geom = geom if geom.geom_type == "MultiPolygon" else shapely.MultiPolygon(shapely.get_parts(geom))
            if row is None:
                front = self._front_of(c, parent)
                c.execute(
                    "INSERT INTO alerts (geom, alert_id, status, assignee, area_name, created_at, updated_at, "
                    "version, parent_id, front_id, "
                    + ", ".join(TRACKED)
                    + f") VALUES ({self.dialect.G},?,?,?,?,?,?,?,?,?,"
                    + ",".join("?" * len(TRACKED))
                    + ")",
                    (
                        self.dialect.g_in(geom),
                        r.alert_id,
                        "new",
                        None,
                        area_name,
                        _now(),
                        _now(),
                        1,
                        parent,
                        front or r.alert_id,
                        *new.values(),
                    ),
                )
                detail = {"status": [None, "new"], "area_ha": [None, new["area_ha"]]}
                if parent:
                    detail["grew_from"] = [None, parent]
                self._audit(c, actor, "created", r.alert_id, detail, self._alert_ref(c, r.alert_id))
                created += 1
                created_ids.append(r.alert_id)
                continue
            old_geom = self.dialect.g_out(row["geom"])
            changes = {k: [row[k], v] for k, v in new.items() if not _same(row[k], v)}
            if not shapely.equals_exact(shapely.normalize(old_geom), shapely.normalize(geom), 1e-9):
                changes["geometry_ha"] = [row["area_ha"], new["area_ha"]]
            if r.alert_id != row["alert_id"]:
                changes["merged_alert_id"] = [None, r.alert_id]
            if not changes:
                unchanged += 1
                continue
            if row["cause"] != "mining" and new["cause"] == "mining":
                became_mining.append(row["alert_id"])
            c.execute(
                f"UPDATE alerts SET geom={self.dialect.G}, updated_at=?, version=version+1, "
                + ", ".join(f"{k}=?" for k in TRACKED)
                + " WHERE alert_id=?",
                (self.dialect.g_in(geom), _now(), *new.values(), row["alert_id"]),
            )
            self._audit(c, actor, "updated", row["alert_id"], changes, self._alert_ref(c, row["alert_id"]))
            updated += 1
        return IngestResult(created, updated, unchanged, merged, tuple(created_ids), tuple(became_mining))

    def _front_of(self, c, parent: str | None) -> str | None:
        """The front a new alert joins: its parent's front (the first alert of the clearing), if it has a parent."""
        if parent is None:
            return None
        row = c.execute("SELECT front_id FROM alerts WHERE alert_id = ?", (parent,)).fetchone()
        return (row["front_id"] or parent) if row else parent

    def _same_ground(self, c, geom: shapely.Geometry):
        """The open alert sharing most ground with ``geom`` (whatever its cause: a provisional cause may change
        between runs, the ground does not), or None."""
        rows = self.dialect.near(c, geom.bounds, "status != 'closed'")
        best, best_area = None, 0.0
        for row in rows:
            area = self.dialect.g_out(row["geom"]).intersection(geom).area
            if area > best_area:
                best, best_area = row, area
        return best

    # --- lifecycle --------------------------------------------------------------------------------
    def set_status(
        self, alert_id: str, status: str, actor: str | None = None, note: str | None = None, role: str | None = None
    ) -> None:
        """``role``: the web user's; without it, a registered user named as ``actor`` keeps their role's
        limits at the command line too (an operator who is no user may make every lifecycle step)."""
        actor = actor or default_actor()
        with self.connect(write=True) as c:
            row = self._row(c, alert_id)
            if role is None:
                user = c.execute("SELECT role FROM users WHERE username = ?", (actor,)).fetchone()
                role = user["role"] if user else None
            check_transition(alert_id, row["status"], status, role)
            c.execute(
                "UPDATE alerts SET status=?, updated_at=?, version=version+1 WHERE alert_id=?",
                (status, _now(), alert_id),
            )
            self._audit(c, actor, "status", alert_id, {"status": [row["status"], status]}, self._alert_ref(c, alert_id))
            if note:
                self._note(c, alert_id, note, actor)

    def assign(self, alert_id: str, assignee: str, actor: str | None = None) -> None:
        actor = actor or default_actor()
        with self.connect(write=True) as c:
            row = self._row(c, alert_id)
            c.execute(
                "UPDATE alerts SET assignee=?, updated_at=?, version=version+1 WHERE alert_id=?",
                (assignee, _now(), alert_id),
            )
            self._audit(
                c, actor, "assign", alert_id, {"assignee": [row["assignee"], assignee]}, self._alert_ref(c, alert_id)
            )

    def add_note(self, alert_id: str, text: str, actor: str | None = None) -> None:
        actor = actor or default_actor()
        if not text.strip():
            raise InputError("a note needs some text")
        with self.connect(write=True) as c:
            self._row(c, alert_id)
            self._note(c, alert_id, text, actor)

    def _note(self, c, alert_id: str, text: str, actor: str) -> None:
        note = c.execute(
            "INSERT INTO alert_notes (alert_id, at, actor, text) VALUES (?,?,?,?) RETURNING *",
            (alert_id, _now(), actor, text),
        ).fetchone()
        self._audit(c, actor, "note", alert_id, {"note": [None, text]}, self._ref(c, "alert_notes", note["id"]))

    # --- monitored areas --------------------------------------------------------------------------
    def add_area(
        self, name: str, aoi: shapely.Geometry, catalog: str, since: dt.date, actor: str | None = None
    ) -> None:
        """Save an area of interest (WGS84) with its imagery source; a name is added once."""
        actor = actor or default_actor()
        geom = shapely.MultiPolygon([p for p in shapely.get_parts(aoi) if p.geom_type == "Polygon"])
        with self.connect(write=True) as c:
            if c.execute("SELECT 1 FROM areas WHERE name = ?", (name,)).fetchone():
                raise InputError(f"an area named '{name}' already exists in {self.label()}")
            c.execute(
                f"INSERT INTO areas (geom, name, catalog, since, created_at) VALUES ({self.dialect.G},?,?,?,?)",
                (self.dialect.g_in(geom), name, catalog, str(since), _now()),
            )
            self._audit(
                c,
                actor,
                "area_added",
                None,
                {"area": [None, name], "catalog": [None, catalog], "since": [None, str(since)]},
            )

    def area(self, name: str) -> dict:
        with self.connect() as c:
            row = c.execute("SELECT * FROM areas WHERE name = ?", (name,)).fetchone()
            if row is None:
                names = [r["name"] for r in c.execute("SELECT name FROM areas ORDER BY name")]
                raise InputError(
                    f"no monitored area '{name}' in {self.label()}; known: {', '.join(names) or 'none (use areas add)'}"
                )
            out = dict(row)
        out["geometry"] = self.dialect.g_out(out.pop("geom"))
        return out

    def areas(self) -> list[dict]:
        with self.connect() as c:
            return [
                {k: v for k, v in dict(r).items() if k != "geom"}
                for r in c.execute("SELECT * FROM areas ORDER BY name")
            ]

    def record_run(self, name: str, result: dict, actor: str | None = None) -> None:
        with self.connect(write=True) as c:
            self._record_run(c, name, result, actor or default_actor())

    def _record_run(self, c, name: str, result: dict, actor: str) -> None:
        c.execute("UPDATE areas SET last_run = ?, last_result = ? WHERE name = ?", (_now(), json.dumps(result), name))
        self._audit(c, actor, "monitor_run", None, {"area": [None, name], **{k: [None, v] for k, v in result.items()}})

    # --- subscriptions and the outbox ----------------------------------------------------------------
    def subscribe(
        self,
        area: str,
        channel: str,
        target: str,
        min_confidence: str | None = None,
        zone_kinds: list[str] | None = None,
        secret: str | None = None,
        actor: str | None = None,
    ) -> int:
        actor = actor or default_actor()
        if channel not in ("email", "webhook"):
            raise InputError(f"unknown channel '{channel}'; expected email or webhook")
        if min_confidence not in (None, "low", "high"):
            raise InputError(f"--min-confidence must be low or high; got {min_confidence!r}")
        self.area(area)  # must exist
        with self.connect(write=True) as c:
            cur = c.execute(
                "INSERT INTO subscriptions (area, channel, target, min_confidence, zone_kinds, secret, created_at) "
                "VALUES (?,?,?,?,?,?,?) RETURNING id",
                (area, channel, target, min_confidence, ",".join(zone_kinds or []) or None, secret, _now()),
            )
            new_id = int(cur.fetchone()["id"])
            # The secret is never written to the audit log.
            self._audit(
                c,
                actor,
                "subscribe",
                None,
                {"area": [None, area], "channel": [None, channel], "target": [None, target]},
            )
            return new_id

    def subscriptions(self, area: str) -> list[dict]:
        with self.connect() as c:
            return [dict(r) for r in c.execute("SELECT * FROM subscriptions WHERE area = ? ORDER BY id", (area,))]

    def enqueue(self, subscription_id: int, payload: dict) -> int:
        with self.connect(write=True) as c:
            return self._enqueue(c, subscription_id, payload)

    def _enqueue(self, c, subscription_id: int, payload: dict) -> int:
        cur = c.execute(
            "INSERT INTO outbox (subscription_id, created_at, payload) VALUES (?,?,?) RETURNING id",
            (subscription_id, _now(), json.dumps(payload, sort_keys=True, ensure_ascii=False)),
        )
        return int(cur.fetchone()["id"])

    def pending(self) -> list[dict]:
        with self.connect() as c:
            return [
                dict(r)
                for r in c.execute(
                    "SELECT o.*, s.channel, s.target, s.secret "
                    "FROM outbox o JOIN subscriptions s ON s.id = o.subscription_id "
                    "WHERE o.delivered_at IS NULL ORDER BY o.id"
                )
            ]

    def mark_delivery(self, outbox_id: int, error: str | None) -> None:
        with self.connect(write=True) as c:
            if error is None:
                c.execute(
                    "UPDATE outbox SET attempts = attempts + 1, delivered_at = ?, last_error = NULL WHERE id = ?",
                    (_now(), outbox_id),
                )
            else:
                c.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?", (error[:500], outbox_id)
                )

    # --- reading ----------------------------------------------------------------------------------
    def alerts(
        self,
        status: str | None = None,
        cause: str | None = None,
        confidence: str | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        min_area_ha: float | None = None,
        within: shapely.Geometry | None = None,
        min_prob: float | None = None,
        area: str | None = None,
    ) -> gpd.GeoDataFrame:
        """Alerts matching every given filter, as a GeoDataFrame in WGS84 (``min_prob``: a probability of mining
        at least this; ``area``: reported by the monitoring of this area)."""
        if status is not None and status not in STATUSES:
            raise InputError(f"unknown status '{status}'; expected one of {', '.join(STATUSES)}")
        where, args = [], []
        for col, val, op in (
            ("status", status, "="),
            ("cause", cause, "="),
            ("confidence", confidence, "="),
            ("first_seen", str(since) if since else None, ">="),
            ("first_seen", str(until) if until else None, "<="),
            ("area_ha", min_area_ha, ">="),
            ("mining_prob", min_prob, ">="),
            ("area_name", area, "="),
        ):
            if val is not None:
                where.append(f"{col} {op} ?")
                args.append(val)
        sql = (
            "SELECT * FROM alerts"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY first_seen, alert_id"
        )
        with self.connect() as c:
            rows = [dict(r) for r in c.execute(sql, args)]
        geoms = [self.dialect.g_out(r.pop("geom")) for r in rows]
        for r in rows:
            r.pop("fid", None)
        gdf = gpd.GeoDataFrame(pd.DataFrame(rows, columns=[*ALERTS, *LATE_COLUMNS]), geometry=geoms, crs=SRS)
        if within is not None and len(gdf):
            gdf = gdf[gdf.intersects(within)].reset_index(drop=True)
        return gdf

    def alert_geometry(self, alert_id: str) -> shapely.Geometry | None:
        """The alert's outline, or None when there is no such alert (one indexed read either way)."""
        with self.connect() as c:
            row = c.execute("SELECT geom FROM alerts WHERE alert_id = ?", (alert_id,)).fetchone()
        return self.dialect.g_out(row["geom"]) if row else None

    def alert(self, alert_id: str) -> dict:
        """One alert with its notes and history (its audit entries)."""
        with self.connect() as c:
            row = dict(self._row(c, alert_id))
            row["geometry"] = self.dialect.g_out(row.pop("geom"))
            row["notes"] = [
                dict(n)
                for n in c.execute("SELECT at, actor, text FROM alert_notes WHERE alert_id=? ORDER BY id", (alert_id,))
            ]
            row["history"] = [
                dict(h)
                for h in c.execute(
                    "SELECT seq, at, actor, action, detail FROM audit_log WHERE alert_id=? ORDER BY seq", (alert_id,)
                )
            ]
        return row

    def audit(self) -> list[dict]:
        with self.connect() as c:
            return [dict(r) for r in c.execute("SELECT * FROM audit_log ORDER BY seq")]

    VERDICTS = ("verified_mining", "verified_other", "false_positive")

    def verdicts(self) -> pd.DataFrame:
        """Each reviewed alert's latest verdict (``verified_mining``, ``verified_other`` or ``false_positive``,
        from the audit log, so a verdict holds after the alert moves on to referred or closed), with who gave it
        and when, and the alert's ``evidence`` and ``area_name``."""
        with self.connect() as c:
            log = c.execute(
                "SELECT alert_id, actor, at, detail FROM audit_log WHERE action = 'status' ORDER BY seq"
            ).fetchall()
            latest = {}
            for e in log:
                new = json.loads(e["detail"]).get("status", [None, None])[1]
                if new in self.VERDICTS:
                    latest[e["alert_id"]] = (new, e["actor"], e["at"])
            alerts = {r["alert_id"]: r for r in c.execute("SELECT alert_id, evidence, area_name FROM alerts")}
            rows = [
                {"alert_id": alert_id, "verdict": v, "by": actor, "at": at, **dict(alerts[alert_id])}
                for alert_id, (v, actor, at) in latest.items()
                if alert_id in alerts
            ]
        return pd.DataFrame(rows, columns=["alert_id", "verdict", "by", "at", "evidence", "area_name"])

    def verify(self, checkpoint: dict | None = None, public_key: bytes | None = None) -> Verification:
        """The chain, then every bound row (alerts, notes, users, tokens, sensitive areas) against the entry that
        last changed it, then each digest-bound table (mercury results, zones, drone flights) against the digest
        its last change recorded, then the checkpoint when given (its entry must still be there, unaltered; its
        signature valid for the key)."""
        from .audit import check_checkpoint

        with self.connect() as c:
            log = [dict(r) for r in c.execute("SELECT * FROM audit_log ORDER BY seq")]
            current = self._bound_rows(c)
            field_problems = self._field_problems(c, log)  # report rows and photo bytes
            tables = {
                t: (digest_of(self._row_hashes(c, t)), self._table_digest_entry(c, t)) for t in self.DIGEST_TABLES
            }
        chain = verify_chain(log)
        if not chain.ok:
            return chain
        problems = verify_rows(log, current, self.BOUND) + field_problems
        for table, (now, (recorded, seq)) in tables.items():
            if recorded is None and now != digest_of([]):
                problems.append(f"table:{table}: holds rows no audit entry records (added outside Centinela)")
            elif recorded is not None and recorded != now:
                problems.append(
                    f"table:{table}: rows edited, added or deleted outside Centinela (differs from audit entry {seq})"
                )
        if checkpoint is not None:
            problems += check_checkpoint(checkpoint, log, public_key)
        if problems:
            more = f" (+{len(problems) - 10} more)" if len(problems) > 10 else ""
            return Verification(False, len(log), None, "; ".join(problems[:10]) + more, chain.head)
        what = f"{len(log)} entries, chain intact, {len(current)} bound rows as recorded"
        if checkpoint is not None:
            what += f", checkpoint entry {checkpoint.get('seq')} present and unaltered"
        return Verification(True, len(log), None, what, chain.head)

    def head(self) -> tuple[int, str] | None:
        """(sequence number, hash) of the newest audit entry, to print in bulletins and evidence packages."""
        with self.connect() as c:
            row = c.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        return (int(row["seq"]), row["hash"]) if row else None


def _clean(v):
    if v is None:
        return None
    if isinstance(v, float) and np.isnan(v):
        return None
    if isinstance(v, (np.floating,)):
        return None if np.isnan(v) else round(float(v), 6)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (dt.date, pd.Timestamp)):
        return str(v)[:10]
    if isinstance(v, float):
        return round(v, 6)
    return str(v) if not isinstance(v, (int, str)) else v


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(float(a) - float(b)) < 1e-6
    return a == b


def embedded_store(path: str | Path, timeout_s: float = 30.0) -> Store:
    """The store in a GeoPackage file (created if missing)."""
    return Store(GeoPackage(path, timeout_s))


def postgis_store(url: str, timeout_s: float = 30.0) -> Store:
    """The store in a PostgreSQL/PostGIS database (its tables created if missing)."""
    return Store(Postgis(url, timeout_s))
