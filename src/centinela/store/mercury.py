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
COLUMNS = (*TEXTS, *NUMBERS, "censored", "source_line", "qc_flag")


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
        store._insert_rows(c, TABLE, COLUMNS, [_from_old(r) for r in old], geoms_ready=True)


def _from_old(row: dict) -> dict:
    out = {c: row.get(c) for c in COLUMNS}
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
        lon, lat = _number(rec.get("lon")), _number(rec.get("lat"))
        row["geom"] = shapely.Point(lon, lat) if lon is not None and lat is not None else None
        rows.append(row)
    return rows


def content_hash(rows: list[dict]) -> str:
    """SHA-256 of the results' fields (not the geometry, which follows from lat/lon), in order."""
    body = json.dumps([[r[c] for c in COLUMNS if c != "qc_flag"] for r in rows], ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class MercuryTables:
    """The store's mercury methods (mixed into the store class, which brings ``connect`` and ``_audit``)."""

    def add_results(self, results: pd.DataFrame, actor: str, source: str | None = None) -> int:
        """Add checked results: one insert per result, all in one transaction with one audit entry. A result
        already in the store (same sample, analyte and QC type) is an error and nothing is added."""
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
        with self.connect(write=True) as c:
            known = self._known_keys(c, {k[0] for k in keys})
            dup = [k for k in keys if k in known]
            if dup:
                raise InputError(
                    f"{len(dup)} result(s) already in {self.label()} (e.g. {dup[0][0]} {dup[0][1]}); nothing imported"
                )
            added = self._add_rows(c, TABLE, COLUMNS, rows)
            self._audit(
                c,
                actor,
                "mercury_ingest",
                None,
                {
                    "source": [None, source],
                    "results": [None, len(rows)],
                    "batches": [None, sorted({r["batch"] for r in rows})],
                    "sha256": [None, content_hash(rows)],
                },
                self._digest_ref(c, TABLE, added),
            )
        return len(rows)

    def _known_keys(self, c, sample_ids: set[str]) -> set[tuple[str, ...]]:
        known: set[tuple[str, ...]] = set()
        ids = sorted(sample_ids)
        for i in range(0, len(ids), 500):  # SQLite limits a statement's parameters
            part = ids[i : i + 500]
            sql = f"SELECT {', '.join(KEY)} FROM {TABLE} WHERE sample_id IN ({', '.join('?' * len(part))})"
            known |= {tuple(r[k] for k in KEY) for r in c.execute(sql, part)}
        return known

    def results(self) -> pd.DataFrame:
        """Every result, in the order they were added, with text fields as imported ('' when blank)."""
        with self.connect() as c:
            rows = [dict(r) for r in c.execute(f"SELECT {', '.join(COLUMNS)} FROM {TABLE} ORDER BY fid")]
        if not rows:
            raise InputError(f"{self.label()}: no mercury results yet (use `centinela mercury ingest FILE`)")
        frame = pd.DataFrame(rows, columns=list(COLUMNS))
        frame["censored"] = frame.censored.astype(bool)
        frame["source_line"] = frame.source_line.astype("Int64")
        return frame

    def set_qc_flags(self, flagged: pd.DataFrame, actor: str) -> int:
        """Record each result's QA/QC flag (``qc_flag`` by sample, analyte and QC type); only changed rows are
        written, with one audit entry counting them. Returns how many changed."""
        if "qc_flag" not in flagged.columns:
            raise InputError("QA/QC output lacks the qc_flag field")
        want = {tuple(_text(r[k]) for k in KEY): _text(r["qc_flag"]) for r in flagged.to_dict("records")}
        with self.connect(write=True) as c:
            have = {tuple(r[k] for k in KEY): dict(r) for r in c.execute(f"SELECT * FROM {TABLE}")}
            unknown = [k for k in want if k not in have]
            if unknown:
                raise StoreError(f"QA/QC flags for result(s) not in the store (e.g. {' '.join(unknown[0])})")
            changed = [(flag, *k) for k, flag in want.items() if have[k]["qc_flag"] != flag]
            c.executemany(f"UPDATE {TABLE} SET qc_flag = ? WHERE {' AND '.join(f'{k} = ?' for k in KEY)}", changed)
            if changed:
                counts = pd.Series([f for f, *_ in changed]).value_counts().sort_index().to_dict()
                # The rows after the update differ from those read only by the flag: their hashes follow.
                before = [self._hash_row(have[tuple(k)]) for _, *k in changed]
                after = [self._hash_row({**have[tuple(k)], "qc_flag": flag}) for flag, *k in changed]
                self._audit(
                    c, actor, "mercury_qc", None, {"qc_flag": [None, counts]}, self._digest_ref(c, TABLE, after, before)
                )
        return len(changed)
