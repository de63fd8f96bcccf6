"""The template's fields and how one cell of a laboratory file reads: the lowest layer of the mercury import,
shared by the template reader (``ingest``), the file reader (``readers``) and analyser exports (``dma``)."""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time

import pandas as pd

COLUMNS = {  # canonical name → Spanish header
    "sample_id": "id_muestra",
    "site_id": "id_sitio",
    "lat": "latitud",
    "lon": "longitud",
    "matrix": "matriz",
    "collected_at": "fecha_colecta",
    "collected_time": "hora_colecta",
    "collected_by": "colectado_por",
    "container": "envase",
    "preservative": "preservante",
    "custody_seal": "precinto",
    "transferred": "transferencias",
    "received_at": "fecha_recepcion",
    "received_by": "recibido_por",
    "condition": "estado_muestra",
    "species": "especie",
    "fish_group": "grupo_pez",
    "length_cm": "longitud_cm",
    "weight_g": "peso_g",
    "donor_id": "id_donante",
    "sex": "sexo",
    "age_years": "edad_anios",
    "fish_meals_week": "comidas_pescado_semana",
    "community": "comunidad",
    "analyte": "analito",
    "value": "valor",
    "unit": "unidad",
    "basis": "base",
    "moisture": "humedad",
    "method": "metodo",
    "lod": "ld",
    "loq": "lc",
    "batch": "lote",
    "qc_type": "tipo_qc",
    "certified_value": "valor_certificado",
    "duplicate_of": "duplicado_de",
    "lab_report": "informe_lab",
    "analysed_at": "fecha_analisis",
}
# Columns of a validated results frame, in this order (the store and QA/QC code rely on the names).
# ``species_as_written``: the fish name as the lab wrote it; ``species`` then holds the matched scientific name.
RESULT_COLUMNS = [
    *COLUMNS,
    "value_canonical",
    "censored",
    "canonical_unit",
    "source_file",
    "source_line",
    "species_as_written",
]
DATE_FIELDS = ("collected_at", "received_at", "analysed_at")
NUMERIC_FIELDS = (
    "lat",
    "lon",
    "lod",
    "loq",
    "moisture",
    "length_cm",
    "weight_g",
    "certified_value",
    "age_years",
    "fish_meals_week",
)
NUMBER_FIELDS = (*NUMERIC_FIELDS, "value")  # where a decimal comma is a decimal separator (never in free text)


def text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def norm(text: str) -> str:
    """Header/alias comparison key: no accents, case, spaces or punctuation ("Posición" = "posicion")."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", str(text)) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9%]", "", plain.casefold())


def decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")  # instrument PCs often run Windows code pages; latin-1 never fails


def cell(v) -> str | float:
    """Excel cell → text, or a float for numeric cells (they need no decimal-separator guessing)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, (date, time)):
        return v.isoformat()
    return str(v).strip()


def parse_date(cell, dayfirst: bool) -> date:
    t = cell.strip() if isinstance(cell, str) else ""  # a bare number is no date (Excel serials need a date cell)
    m = re.match(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:$|[ T])", t)
    if m:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.match(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:$|[ T,])", t)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        day, month = (a, b) if dayfirst else (b, a)
        return date(int(m.group(3)), month, day)
    raise ValueError
