"""Laboratory results in: CSV or Excel with Spanish or English headers, checked row by row, all or nothing.

Every bad row is reported with file, row, field and what was expected; a file with any error imports
nothing. Values below the detection limit stay censored (value = the limit, ``censored = True``) and are
never replaced by LOD/2. Hair donors are kept only as a salted pseudonym.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from pathlib import Path

import pandas as pd

from ..errors import InputError
from .units import MATRIX_KIND, canonical_unit, to_canonical

COLUMNS = {  # canonical name → Spanish header
    "sample_id": "id_muestra", "site_id": "id_sitio", "lat": "latitud", "lon": "longitud", "matrix": "matriz",
    "collected_at": "fecha_colecta", "collected_by": "colectado_por", "received_at": "fecha_recepcion",
    "received_by": "recibido_por", "condition": "estado_muestra", "species": "especie", "length_cm": "longitud_cm",
    "weight_g": "peso_g", "donor_id": "id_donante", "community": "comunidad", "analyte": "analito", "value": "valor",
    "unit": "unidad", "basis": "base", "moisture": "humedad", "method": "metodo", "lod": "ld", "loq": "lc",
    "batch": "lote", "qc_type": "tipo_qc", "certified_value": "valor_certificado", "duplicate_of": "duplicado_de",
}
REQUIRED = ("sample_id", "matrix", "analyte", "value", "unit", "batch", "qc_type")
QC_TYPES = ("sample", "blank", "duplicate", "crm", "calibration")
ANALYTES = ("THg", "MeHg")
_CENSORED = re.compile(r"^\s*<\s*([0-9.]+)\s*$")


def template(out: str | Path) -> list[Path]:
    """Empty templates: CSV and Excel, with English and with Spanish headers."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    example = {"sample_id": "P-001", "site_id": "S-01", "lat": -12.95, "lon": -69.70, "matrix": "fish", "collected_at": "2024-08-12",
               "collected_by": "J. Quispe", "received_at": "2024-08-14", "received_by": "Lab CAMEP", "condition": "frozen, sealed",
               "species": "Pseudoplatystoma fasciatum", "length_cm": 54, "weight_g": 1800, "donor_id": "", "community": "",
               "analyte": "THg", "value": 0.42, "unit": "mg/kg", "basis": "wet", "moisture": "", "method": "EPA 7473",
               "lod": 0.005, "loq": 0.015, "batch": "B-2024-08-1", "qc_type": "sample", "certified_value": "", "duplicate_of": ""}
    paths = []
    for lang, names in (("en", list(COLUMNS)), ("es", list(COLUMNS.values()))):
        frame = pd.DataFrame([list(example.values())], columns=names)
        for suffix in ("csv", "xlsx"):
            p = out / f"mercury_template_{lang}.{suffix}"
            frame.to_csv(p, index=False) if suffix == "csv" else frame.to_excel(p, index=False)
            paths.append(p)
    return paths


def _read(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise InputError(f"{path}: file not found")
    try:
        if path.suffix.lower() in (".xlsx", ".xls"):
            return pd.read_excel(path, dtype=str)
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:  # pandas raises many types for malformed files
        raise InputError(f"{path}: cannot be read as CSV/Excel ({exc})") from exc


def pseudonym(donor_id: str, salt: str | None = None) -> str:
    salt = salt if salt is not None else os.environ.get("CENTINELA_PSEUDONYM_SALT", "")
    return "D-" + hashlib.sha256((salt + "|" + donor_id.strip()).encode()).hexdigest()[:12]


def read_results(path: str | Path, salt: str | None = None) -> pd.DataFrame:
    """Validated results in canonical units (``value_canonical`` in mg/kg, µg/L or µg/m³)."""
    path = Path(path)
    raw = _read(path)
    spanish = {v: k for k, v in COLUMNS.items()}
    raw = raw.rename(columns=lambda c: spanish.get(str(c).strip(), str(c).strip()))
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {missing}; expected the template's headers (see `centinela mercury template`)")
    errors, rows = [], []
    for i, r in raw.fillna("").iterrows():
        line = i + 2  # header is line 1
        where = f"{path}:{line}"
        row = {k: (str(r[k]).strip() if k in r else "") for k in COLUMNS}
        problems: list[str] = []

        def bad(field, expected, row=row, where=where, problems=problems):
            problems.append(f"{where}: field '{field}' = {row.get(field)!r}: expected {expected}")

        if not row["sample_id"]:
            bad("sample_id", "a sample identifier")
        if row["matrix"] not in MATRIX_KIND:
            bad("matrix", f"one of {', '.join(MATRIX_KIND)}")
        if row["analyte"] not in ANALYTES:
            bad("analyte", "THg or MeHg")
        if row["qc_type"] not in QC_TYPES:
            bad("qc_type", f"one of {', '.join(QC_TYPES)}")
        censored = False
        m = _CENSORED.match(row["value"])
        try:
            value = float(m.group(1)) if m else float(row["value"])
            censored = bool(m)
            if value < 0 or math.isnan(value):
                raise ValueError
        except ValueError:
            value = None
            bad("value", "a non-negative number, or '<LOD' for a result below the detection limit")
        if row["basis"] not in ("", "wet", "dry", "none"):
            bad("basis", "wet, dry or none")
        for f in ("lat", "lon", "lod", "loq", "moisture", "length_cm", "weight_g", "certified_value"):
            if row[f]:
                try:
                    float(row[f])
                except ValueError:
                    bad(f, "a number")
        if row["lat"] and not problems and not -90 <= float(row["lat"]) <= 90:
            bad("lat", "a latitude in degrees (−90 to 90)")
        if row["moisture"] and not problems and not 0 <= float(row["moisture"]) < 1:
            bad("moisture", "a fraction from 0 to 1 (not a percentage)")
        if not problems and row["matrix"] in ("fish", "sediment", "soil") and row["qc_type"] == "sample" and row["basis"] in ("", "none"):
            bad("basis", f"wet or dry for a {row['matrix']} result")
        if not problems and value is not None:
            try:
                row["value_canonical"] = to_canonical(value, row["unit"], row["matrix"])
            except InputError as exc:
                bad("unit", str(exc).split(";")[-1].strip())
        if not problems and row["lod"] and not censored and value is not None and value < float(row["lod"]):
            censored, value = True, float(row["lod"])  # a number under the LOD is reported as censored at the LOD
            row["value_canonical"] = to_canonical(value, row["unit"], row["matrix"])
        errors.extend(problems)
        if not problems:
            row.update(value=value, censored=censored, canonical_unit=canonical_unit(row["matrix"]), source_file=str(path),
                       source_line=line)
            if row["donor_id"]:
                row["donor_id"] = pseudonym(row["donor_id"], salt)
            rows.append(row)
    dup = pd.DataFrame(rows)
    if len(dup):
        key = dup[["sample_id", "analyte", "qc_type"]].astype(str).agg("|".join, axis=1)
        for k in key[key.duplicated()].unique():
            errors.append(f"{path}: duplicate result for sample/analyte/qc_type {k.replace('|', ' / ')}")
    if errors:
        more = f" (+{len(errors) - 50} more)" if len(errors) > 50 else ""
        raise InputError(f"{len(errors)} problem(s), nothing imported:\n" + "\n".join(errors[:50]) + more)
    return dup
