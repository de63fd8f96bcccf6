"""Mercury laboratory results in the store: one row per result, written row by row in one transaction with
its audit entry, never by rewriting the table.

The table is a GeoPackage point layer (``mercury_results``, points where a site has coordinates) in the
embedded store, so QGIS shows results beside the alerts, and a PostGIS table on a server. Hair donors
are only ever stored as pseudonyms (the ingest step replaces the id before anything reaches here).
"""

from __future__ import annotations

import hashlib
import json
import math

import pandas as pd
import shapely

from ..errors import InputError, StoreError

TABLE = "mercury_results"
KEY = ("sample_id", "analyte", "qc_type")
NUMBERS = ("value", "value_canonical")
TEXTS = (
    "sample_id",
    "site_id",
    "lat",
    "lon",
    "matrix",
    "collected_at",
    "collected_time",
    "collected_by",
    "container",
    "preservative",
    "custody_seal",
    "transferred",
    "received_at",
    "received_by",
    "condition",
    "species",
    "fish_group",
    "length_cm",
    "weight_g",
    "donor_id",
    "sex",
    "age_years",
    "fish_meals_week",
    "community",
    "analyte",
    "unit",
    "basis",
    "moisture",
    "method",
    "lod",
    "loq",
    "batch",
    "qc_type",
    "certified_value",
    "duplicate_of",
    "lab_report",
    "analysed_at",
    "canonical_unit",
    "source_file",
)
"""Fields kept as the laboratory wrote them (text: '' when blank, '<0.005'-style values already parsed into
``value`` and ``censored``), so a result reads back exactly as it was checked."""
LATE = ("species_as_written", "record_status", "replaced_by", "record_reason")
"""Columns added by schema 11 (empty in rows stored before it, so their audited hashes still hold):
``species_as_written`` is the fish name as the laboratory wrote it (``species`` holds the matched scientific
name); ``record_status`` is empty for the current result of a sample and analyte, 'superseded' or 'retracted'
otherwise, with ``replaced_by`` (the fid of the result that superseded it) and ``record_reason``. A laboratory's
record is never overwritten: a corrected or re-analysed result is a new row and the old one stays, marked."""
V5_COLUMNS = (*TEXTS, *NUMBERS, "censored", "source_line", "qc_flag")  # the table as schema 5 made it
COLUMNS = (*V5_COLUMNS, *LATE)
CURRENT = "record_status IS NULL"


def _ddl(types: dict[str, str]) -> str:
    cols = [f"{c} {types['text']}{' NOT NULL' if c in KEY else ''}" for c in TEXTS]
    cols += [f"{c} {types['real']}" for c in NUMBERS]
    cols += [f"censored {types['int']} NOT NULL", f"source_line {types['int']}", f"qc_flag {types['text']} NOT NULL"]
    return ", ".join(cols)


def migrate(store, c) -> None:
    """Schema 5: the results table; on a GeoPackage it keeps every row of the layer that Centinela up to schema 4
    rewrote whole through GDAL (its columns are this table's)."""
    d = store.dialect
    old = d.take_over_layer(c, TABLE)
    d.feature_table(c, TABLE, "POINT", _ddl(d.TYPES), "Mercury laboratory results (Centinela)")
    c.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {TABLE}_key ON {TABLE}({', '.join(KEY)})")
    c.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_batch ON {TABLE}(batch)")
    if old:
        store._insert_rows(c, TABLE, V5_COLUMNS, [_from_old(r) for r in old], geoms_ready=True)


def _from_old(row: dict) -> dict:
    out = {c: row.get(c) for c in V5_COLUMNS}
    for c in TEXTS:
        out[c] = "" if out[c] is None else str(out[c])
    out["censored"] = int(bool(out["censored"]))
    out["qc_flag"] = out["qc_flag"] or "unchecked"
    out["geom"] = row.get("geom")
    return out


def _text(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return ""
    return str(v)


def _number(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _rows(results: pd.DataFrame) -> list[dict]:
    missing = [c for c in (*KEY, "matrix", "value", "unit", "censored") if c not in results.columns]
    if missing:
        raise InputError(
            f"mercury results lack the field(s) {', '.join(missing)}; expected the checked import's columns"
        )
    rows = []
    for rec in results.to_dict("records"):
        row = {c: _text(rec.get(c)) for c in TEXTS}
        row.update({c: _number(rec.get(c)) for c in NUMBERS})
        row["censored"] = int(bool(rec.get("censored")))
        line = _number(rec.get("source_line"))
        row["source_line"] = None if line is None else int(line)
        row["qc_flag"] = _text(rec.get("qc_flag")) or "unchecked"
        row["species_as_written"] = _text(rec.get("species_as_written")) or row["species"]
        row.update(record_status=None, replaced_by=None, record_reason=None)
        lon, lat = _number(rec.get("lon")), _number(rec.get("lat"))
        row["geom"] = shapely.Point(lon, lat) if lon is not None and lat is not None else None
        rows.append(row)
    return rows


def content_hash(rows: list[dict]) -> str:
    """SHA-256 of the results' fields (not the geometry, which follows from lat/lon), in order."""
    fields = [c for c in COLUMNS if c != "qc_flag" and c not in LATE[1:]]
    body = json.dumps([[r[c] for c in fields] for r in rows], ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class MercuryTables:
    """The store's mercury methods (mixed into the store class, which brings ``connect`` and ``_audit``)."""

    def add_results(
        self,
        results: pd.DataFrame,
        actor: str,
        source: str | None = None,
        supersede: bool = False,
        reason: str = "",
    ) -> int:
        """Add checked results: one insert per result, all in one transaction with one audit entry.

        A result whose sample, analyte and QC type already has a current result in the store is refused (nothing
        is added) unless ``supersede``: then it is a re-analysis or a correction, the earlier result stays in the
        table marked 'superseded' (with the new one's fid and ``reason``) and the new one becomes current."""
        rows = _rows(results)
        if not rows:
            return 0
        keys = [tuple(r[k] for k in KEY) for r in rows]
        seen, twice = set(), []
        for k in keys:
            if k in seen:
                twice.append(k)
            seen.add(k)
        if twice:
            raise InputError(
                f"{len(twice)} result(s) appear twice in the file (e.g. {' '.join(twice[0])}); nothing imported"
            )
        if supersede and not reason.strip():
            raise InputError("superseding results needs a reason (e.g. 're-analysis after a failed CRM')")
        with self.connect(write=True) as c:
            known = self._current_rows(c, {k[0] for k in keys})
            dup = [k for k in keys if k in known]
            if dup and not supersede:
                k = dup[0]
                raise InputError(
                    f"{len(dup)} result(s) already in {self.label()} (e.g. {k[0]} {k[1]} {k[2]}, batch "
                    f"{known[k]['batch']}); nothing imported. If this is a re-analysis or a correction, import it "
                    "with --supersede --reason '...': the earlier result is kept, marked superseded"
                )
            old = [known[k] for k in dup]
            before = [self._hash_row(r) for r in old]
            if old:  # the earlier results stop being current first, so the new ones may take their place
                c.executemany(
                    f"UPDATE {TABLE} SET record_status = 'superseded', record_reason = ? WHERE fid = ?",
                    [(reason, r["fid"]) for r in old],
                )
            added = self._add_rows(c, TABLE, COLUMNS, rows)
            after = []
            if old:
                fids = self._current_rows(c, {k[0] for k in dup})
                c.executemany(
                    f"UPDATE {TABLE} SET replaced_by = ? WHERE fid = ?",
                    [(fids[tuple(r[k] for k in KEY)]["fid"], r["fid"]) for r in old],
                )
                after = self._row_hashes(
                    c, TABLE, f"WHERE fid IN ({', '.join('?' * len(old))})", [r["fid"] for r in old]
                )
            detail = {
                "source": [None, source],
                "results": [None, len(rows)],
                "batches": [None, sorted({r["batch"] for r in rows})],
                "sha256": [None, content_hash(rows)],
            }
            if old:
                detail["superseded"] = [
                    None,
                    [f"{r['sample_id']} {r['analyte']} {r['qc_type']} ({r['batch']})" for r in old],
                ]
                detail["reason"] = [None, reason]
            self._audit(c, actor, "mercury_ingest", None, detail, self._digest_ref(c, TABLE, [*added, *after], before))
        return len(rows)

    def retract_result(self, sample_id: str, analyte: str, qc_type: str, actor: str, reason: str) -> dict:
        """Mark the current result of a sample and analyte retracted (it stays in the table, no longer used);
        returns the row as it was."""
        if not reason.strip():
            raise InputError("retracting a result needs a reason")
        key = (sample_id, analyte, qc_type)
        with self.connect(write=True) as c:
            row = self._current_rows(c, {sample_id}).get(key)
            if row is None:
                raise InputError(
                    f"no current {analyte} result of type {qc_type} for sample {sample_id!r} in {self.label()}"
                )
            before = self._hash_row(row)
            c.execute(
                f"UPDATE {TABLE} SET record_status = 'retracted', record_reason = ? WHERE fid = ?", (reason, row["fid"])
            )
            after = self._row_hashes(c, TABLE, "WHERE fid = ?", (row["fid"],))
            detail = {"result": [f"{sample_id} {analyte} {qc_type} ({row['batch']})", None], "reason": [None, reason]}
            self._audit(c, actor, "mercury_retract", None, detail, self._digest_ref(c, TABLE, after, [before]))
        return row

    def result_history(self, sample_id: str) -> pd.DataFrame:
        """Every result ever stored for a sample, oldest first; ``record_status`` says current, superseded or
        retracted."""
        cols = ["fid", *COLUMNS]
        with self.connect() as c:
            rows = [
                dict(r)
                for r in c.execute(
                    f"SELECT {', '.join(cols)} FROM {TABLE} WHERE sample_id = ? ORDER BY fid", (sample_id,)
                )
            ]
        if not rows:
            raise InputError(f"{self.label()}: no results for sample {sample_id!r}")
        frame = pd.DataFrame(rows, columns=cols)
        frame["record_status"] = frame.record_status.fillna("current")
        return frame

    def _current_rows(self, c, sample_ids: set[str]) -> dict[tuple[str, ...], dict]:
        """The current rows of these samples, by (sample, analyte, QC type)."""
        known: dict[tuple[str, ...], dict] = {}
        ids = sorted(sample_ids)
        for i in range(0, len(ids), 500):  # SQLite limits a statement's parameters
            part = ids[i : i + 500]
            sql = f"SELECT * FROM {TABLE} WHERE {CURRENT} AND sample_id IN ({', '.join('?' * len(part))})"
            known |= {tuple(r[k] for k in KEY): dict(r) for r in c.execute(sql, part)}
        return known

    def results(self, all_versions: bool = False) -> pd.DataFrame:
        """The current results (every version with ``all_versions``), in the order they were added, text fields
        as imported ('' when blank)."""
        where = "" if all_versions else f" WHERE {CURRENT}"
        with self.connect() as c:
            rows = [dict(r) for r in c.execute(f"SELECT {', '.join(COLUMNS)} FROM {TABLE}{where} ORDER BY fid")]
        if not rows:
            raise InputError(f"{self.label()}: no mercury results yet (use `centinela mercury ingest FILE`)")
        frame = pd.DataFrame(rows, columns=list(COLUMNS))
        frame["censored"] = frame.censored.astype(bool)
        frame["source_line"] = frame.source_line.astype("Int64")
        frame["species_as_written"] = frame.species_as_written.fillna(frame.species)
        return frame

    def set_qc_flags(self, flagged: pd.DataFrame, actor: str) -> int:
        """Record each result's QA/QC flag (``qc_flag`` by sample, analyte and QC type); only changed rows are
        written, with one audit entry counting them. Returns how many changed."""
        if "qc_flag" not in flagged.columns:
            raise InputError("QA/QC output lacks the qc_flag field")
        want = {tuple(_text(r[k]) for k in KEY): _text(r["qc_flag"]) for r in flagged.to_dict("records")}
        with self.connect(write=True) as c:
            have = {tuple(r[k] for k in KEY): dict(r) for r in c.execute(f"SELECT * FROM {TABLE} WHERE {CURRENT}")}
            unknown = [k for k in want if k not in have]
            if unknown:
                raise StoreError(f"QA/QC flags for result(s) not in the store (e.g. {' '.join(unknown[0])})")
            changed = [(flag, *k) for k, flag in want.items() if have[k]["qc_flag"] != flag]
            c.executemany(
                f"UPDATE {TABLE} SET qc_flag = ? WHERE {' AND '.join(f'{k} = ?' for k in KEY)} AND {CURRENT}", changed
            )
            if changed:
                counts = pd.Series([f for f, *_ in changed]).value_counts().sort_index().to_dict()
                # The rows after the update differ from those read only by the flag: their hashes follow.
                before = [self._hash_row(have[tuple(k)]) for _, *k in changed]
                after = [self._hash_row({**have[tuple(k)], "qc_flag": flag}) for flag, *k in changed]
                self._audit(
                    c, actor, "mercury_qc", None, {"qc_flag": [None, counts]}, self._digest_ref(c, TABLE, after, before)
                )
        return len(changed)
