"""Exports of direct mercury analysers (thermal decomposition – amalgamation – AAS, EPA Method 7473), such as
the Milestone DMA-80 used by laboratories in Madre de Dios for total Hg in fish, hair and sediment.

What is assumed: the instrument software exports one row per measurement with a sample name, the sample
weight, usually the absorbance, the Hg mass found (ng), the concentration and sometimes a type (sample,
blank, standard), as CSV (``,`` or ``;``, decimal point or comma) or XLSX, possibly after a few preamble
lines. The header names of such a *typical* layout are data in ``dma_formats.yaml`` (format ``dma80``,
English and Spanish aliases); no real export was available when this was written, so it is not a
byte-for-byte vendor specification. A laboratory whose export differs adds a format in YAML, no code.

Each measurement is joined to the sample register (the lab template with the samples' metadata: site,
matrix, basis, batch, chain of custody, donor), and the joined rows go through the same validation as a
template file (:func:`centinela.mercury.ingest.check_frame`), so the result has exactly the columns of
:func:`~centinela.mercury.ingest.read_results` and the store and QA/QC code accept it. In the export:

* the first reading of a sample is its result; later readings ("P-001" again, "P-001 R2") become
  ``duplicate`` rows pointing at it, so QA/QC computes their RPD;
* blanks, certified reference materials and calibration checks are recognised by the Type column or by
  name patterns; a known CRM gets its certified value from the YAML (converted to the export's unit);
* "ND", "<x" and values under the format's detection limit are censored at the limit (never LOD/2);
* any problem (a name not in the register, a negative weight, a missing result, a number that cannot be
  read...) is reported as ``file:line: field 'header' = value: expected ...`` and nothing is imported.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..errors import InputError
from .fields import cell as _cell
from .fields import decode as _decode
from .fields import norm as _norm
from .fields import parse_date as _parse_date
from .ingest import COLUMNS, _read, check_frame, raise_problems
from .units import SOLID

WEIGHT_UNITS = {"g": 1.0, "mg": 1e-3}  # → g
HG_UNITS = {"ng": 1.0, "pg": 1e-3, "ug": 1e3}  # → ng
CONC_UNITS = {k.replace("µ", "u"): v for k, v in SOLID.items()}  # → mg/kg
FIELD_UNITS = {"weight": WEIGHT_UNITS, "hg": HG_UNITS, "result": CONC_UNITS}
# Order in which fields claim header cells: a cell taken by one field is not offered to the next, so a plain
# "Hg" is the Hg mass while "Hg (ng/g)", whose unit is a concentration, falls through to the result.
FIELDS = ("sample_name", "type", "position", "datetime", "date", "weight", "hg", "result", "signal")
# Fields that describe the measurement, taken from the export and the format, never from the register.
RESULT_FIELDS = ("analyte", "value", "unit", "lod", "loq", "qc_type", "certified_value", "duplicate_of", "method")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_UNIT_IN_HEADER = re.compile(r"^(.*?)\s*[(\[]\s*([^)\]]*?)\s*[)\]]\s*$")


def load_formats(path: str | Path | None = None) -> dict:
    """The packaged formats and CRM table, with those of ``path`` (a lab's own YAML) added or replacing."""
    lib = yaml.safe_load((files(__package__) / "dma_formats.yaml").read_text(encoding="utf-8"))
    if path is not None:
        try:
            extra = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(f"{path}: cannot read the formats YAML ({exc})") from exc
        for section in ("formats", "crm"):
            lib[section] = {**(lib.get(section) or {}), **(extra.get(section) or {})}
    return lib


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def get_format(fmt: str | dict = "dma80", formats: str | Path | None = None) -> dict:
    """A format spec with ``extends`` resolved, regexes compiled and the CRM table attached."""
    lib = load_formats(formats)
    spec = fmt if isinstance(fmt, dict) else (lib.get("formats") or {}).get(fmt)
    if spec is None:
        raise InputError(
            f"unknown DMA export format {fmt!r}; known: {', '.join(lib.get('formats') or {})} "
            "(add one in dma_formats.yaml or your own YAML, passed as formats=)"
        )
    seen = []
    while spec.get("extends"):
        parent = spec["extends"]
        if parent in seen or parent not in lib["formats"]:
            raise InputError(f"format {fmt!r}: cannot extend {parent!r} (unknown or circular)")
        seen.append(parent)
        spec = _merge(
            {k: v for k, v in lib["formats"][parent].items()}, {k: v for k, v in spec.items() if k != "extends"}
        )
    spec = dict(spec)
    cols = spec.get("columns") or {}
    if not cols.get("sample_name") or not (cols.get("result") or cols.get("hg")):
        raise InputError(f"format {fmt!r}: columns need sample_name and result (or hg with weight) aliases")
    try:
        spec["_names"] = {
            k: [re.compile(p, re.IGNORECASE) for p in (spec.get("names") or {}).get(k) or []]
            for k in ("skip", "blank", "crm", "calibration")
        }
        spec["_replicate"] = re.compile(spec["replicate"], re.IGNORECASE) if spec.get("replicate") else None
        spec["_crm"] = [
            (cid, e, [re.compile(p, re.IGNORECASE) for p in e.get("names") or [cid]])
            for cid, e in {**(lib.get("crm") or {}), **(spec.get("crm") or {})}.items()
        ]
    except re.error as exc:
        raise InputError(f"format {fmt!r}: bad regular expression ({exc})") from exc
    for field, table in FIELD_UNITS.items():
        if spec.get(f"{field}_unit") is not None and _unit_key(str(spec[f"{field}_unit"])) not in table:
            raise InputError(f"format {fmt!r}: {field}_unit must be one of {', '.join(table)}")
    for which, lim in (spec.get("limits") or {}).items():
        if lim and lim.get("value") is not None and _unit_key(str(lim.get("unit", ""))) not in CONC_UNITS:
            raise InputError(f"format {fmt!r}: limits.{which} needs a unit among {', '.join(CONC_UNITS)}")
    spec["_types"] = {_norm(v): kind for kind, vals in (spec.get("types") or {}).items() for v in vals}
    spec["_nd"] = {_norm_token(v) for v in spec.get("not_detected") or []}
    return spec


def _norm_token(text: str) -> str:
    return re.sub(r"\s+", "", str(text)).casefold()


def _unit_key(unit: str) -> str:
    # Both micro signs (U+00B5, U+03BC) become "u" so "µg/g", "μg/g" and "ug/g" are the same unit.
    return unit.strip().lower().replace(" ", "").replace("µ", "u").replace("μ", "u")


def _key(name: str) -> str:
    """Register lookup key: instrument operators type names with stray spaces or another case."""
    return " ".join(str(name).split()).casefold()


def _fmt(x: float) -> str:
    # No exponent: the template reader reads "<0.00002" as censored, not "<2e-05".
    s = f"{x:.6g}"
    return f"{float(s):.15f}".rstrip("0").rstrip(".") if "e" in s else s


def _name(cell) -> str:
    if isinstance(cell, float):  # an Excel cell holding a numeric sample code such as 1001
        return str(int(cell)) if cell.is_integer() else repr(cell)
    return str(cell).strip()


def _convert_conc(x: float, unit: str, to: str) -> float:
    return x * CONC_UNITS[_unit_key(unit)] / CONC_UNITS[_unit_key(to)]


# --- reading the table --------------------------------------------------------------------------------------


def _tables(path: Path, spec: dict) -> list[list[tuple[int, list]]]:
    """Candidate tables (rows as (line, cells)): one per plausible CSV separator, or the first sheet."""
    if not path.exists():
        raise InputError(f"{path}: file not found")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(path, data_only=True)
        except Exception as exc:  # openpyxl raises many types for damaged files
            raise InputError(f"{path}: cannot be read as Excel ({exc})") from exc
        ws = wb[spec["sheet"]] if spec.get("sheet") in wb.sheetnames else wb.worksheets[0]
        return [
            [(i, [_cell(v) for v in row]) for i, row in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1)]
        ]
    if suffix == ".xls":
        raise InputError(f"{path}: old .xls files are not read; save the export as .xlsx or CSV")
    text = _decode(path.read_bytes())
    out = []
    for sep in (spec.get("separator"),) if spec.get("separator") else (";", "\t", ","):
        reader = csv.reader(io.StringIO(text), delimiter=sep)
        try:
            out.append([(reader.line_num, [c.strip() for c in row]) for row in reader])
        except csv.Error as exc:
            raise InputError(f"{path}: cannot be read as CSV ({exc})") from exc
    return out


def _map_header(cells: list, spec: dict) -> tuple[dict, list[str]]:
    """field → (column index, header text, unit key or None) for one candidate header row, and unit problems."""
    split = []
    for c in cells:
        text = c if isinstance(c, str) else ""
        m = _UNIT_IN_HEADER.match(text)
        split.append((text, _norm(m.group(1)) if m else _norm(text), m.group(2) if m else None))
    used, mapping, problems = set(), {}, []
    for field in FIELDS:
        table = FIELD_UNITS.get(field)
        for alias in spec["columns"].get(field) or []:
            a = _norm(alias)
            for i, (text, base, unit) in enumerate(split):
                if i in used or not base or base != a:
                    continue
                if table is not None and unit is not None and _unit_key(unit) not in table:
                    if not any(_unit_key(unit) in t for t in FIELD_UNITS.values()):
                        problems.append(
                            f"column '{text}': unit '{unit}' not understood; expected one of {', '.join(table)}"
                        )
                    continue  # e.g. "Hg (ng/g)" is not a mass: leave it to the result
                default = spec.get(f"{field}_unit")
                mapping[field] = (
                    i,
                    text,
                    _unit_key(unit) if unit is not None else (_unit_key(default) if default else None),
                )
                used.add(i)
                break
            if field in mapping:
                break
    return mapping, problems


def _find_header(tables: list, spec: dict, path: Path):
    best = None
    for rows in tables:
        for pos, (line, cells) in enumerate(rows[: int(spec.get("header_search_rows", 30))]):
            mapping, problems = _map_header(cells, spec)
            if "sample_name" in mapping and ("result" in mapping or {"hg", "weight"} <= set(mapping)):
                if best is None or len(mapping) > len(best[1]):
                    best = (rows, mapping, problems, pos, line)
                break  # the first header-like row of a table is its header; later rows are data
    if best is None:
        cols = spec["columns"]
        raise InputError(
            f"{path}: no header row found in the first {spec.get('header_search_rows', 30)} lines; expected "
            f"a sample name column ({', '.join(cols['sample_name'][:4])}...) and a result column "
            f"({', '.join((cols.get('result') or [])[:4])}...) or Hg mass and weight "
            "(see dma_formats.yaml; add a format for your instrument)"
        )
    rows, mapping, problems, pos, line = best
    if problems:
        raise InputError(f"{path}:{line}: " + "; ".join(problems))
    return rows[pos + 1 :], mapping


# --- parsing cells ------------------------------------------------------------------------------------------


def _number(cell, decimal: str) -> float:
    """A number written with the file's decimal separator; ValueError otherwise (no thousands separators)."""
    if isinstance(cell, float):
        if not math.isfinite(cell):
            raise ValueError
        return cell
    t = cell.strip()
    wrong = "." if decimal == "," else ","
    if wrong in t:
        raise ValueError
    t = t.replace(",", ".")
    if not _NUMBER.match(t):
        raise ValueError
    return float(t)


def _typical_weight(rows: list, mapping: dict, decimal: str) -> float | None:
    """Median positive aliquot mass (g) in the export, or None."""
    if "weight" not in mapping:
        return None
    i, scale = mapping["weight"][0], WEIGHT_UNITS[mapping["weight"][2]]
    found = []
    for _, cells in rows:
        try:
            w = _number(cells[i], decimal) * scale if i < len(cells) and cells[i] != "" else None
        except ValueError:
            w = None
        if w and w > 0:
            found.append(w)
    return float(np.median(found)) if found else None


def _limit(limit: dict | None, weight_g: float | None, unit: str) -> float | None:
    """A format's LOD/LOQ in the result unit: a concentration, or an Hg mass divided by this row's weight."""
    if not limit:
        return None
    if limit.get("value") is not None:
        return _convert_conc(float(limit["value"]), limit.get("unit", unit), unit)
    if limit.get("hg_ng") is not None and weight_g:
        return _convert_conc(float(limit["hg_ng"]) / weight_g, "ng/g", unit)
    return None


def _decimal(rows: list, mapping: dict, spec: dict) -> str:
    if spec.get("decimal", "auto") in (".", ","):
        return spec["decimal"]
    idx = [mapping[f][0] for f in ("weight", "hg", "result") if f in mapping]
    for _, cells in rows:
        for i in idx:
            if i < len(cells) and isinstance(cells[i], str) and "," in cells[i]:
                return ","
    return "."


# --- the register --------------------------------------------------------------------------------------------


def _load_register(register, aliases: dict[str, str] | None = None) -> tuple[dict, set, list[str], bool, dict]:
    """(valid samples by key, every key listed, problems, donor ids already pseudonymised?, the check's attrs:
    warnings and unknown fish names). ``aliases``: the user's species map for names the table does not know."""
    if isinstance(register, pd.DataFrame):
        raw, where = register, "register"
        hashed = "value_canonical" in raw.columns  # read_results output: donor ids are pseudonyms already
    else:
        where = Path(register)
        raw, hashed = _read(where), False
    spanish = {v: k for k, v in COLUMNS.items()}
    raw = raw.rename(columns=lambda c: spanish.get(str(c).strip(), str(c).strip()))
    frame, errors = check_frame(raw, where, register=True, pseudonymise=False, aliases=aliases)
    listed = (
        {_key(s) for s in raw["sample_id"].fillna("").astype(str) if str(s).strip()} if "sample_id" in raw else set()
    )
    valid: dict[str, dict] = {}
    for row in frame.to_dict("records"):
        k = _key(row["sample_id"])
        if k in valid:
            errors.append(
                f"{where}:{row['source_line']}: field 'sample_id' = {row['sample_id']!r}: expected a name that "
                f"differs from {valid[k]['sample_id']!r} by more than case or spaces (instruments lose the difference)"
            )
        valid[k] = row
    return valid, listed, errors, hashed, frame.attrs


# --- the export ----------------------------------------------------------------------------------------------


def read_dma_export(
    path: str | Path,
    register,
    fmt: str | dict = "dma80",
    salt: str | None = None,
    *,
    batch: str | None = None,
    formats: str | Path | None = None,
    aliases: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Validated results (the columns of ``read_results``) from a direct mercury analyser export.

    ``register``: the samples' metadata in the lab template format, as a path or a DataFrame (raw template
    columns, or the output of ``read_results``). ``fmt``: a format name in ``dma_formats.yaml`` (or in
    ``formats``, a lab's own YAML), or a format dict. ``batch``: the QA/QC batch of every row; by default the
    register's batch of the samples in the export (which must then be one batch, so blanks and CRMs belong
    to it), or the export's file name when the register gives none. ``aliases``: the user's species map.
    """
    path = Path(path)
    spec = get_format(fmt, formats)
    reg, listed, errors, hashed, reg_checked = _load_register(register, aliases)
    rows, mapping = _find_header(_tables(path, spec), spec, path)
    decimal = _decimal(rows, mapping, spec)
    analyte = spec.get("analyte", "THg")
    limits = spec.get("limits") or {}

    def bad(line, field, cell, expected):
        header = mapping[field][1] if field in mapping else field
        errors.append(f"{path}:{line}: field '{header}' = {cell!r}: expected {expected}")

    typical_weight = _typical_weight(rows, mapping, decimal)
    records = []
    for line, cells in rows:

        def get(field, cells=cells):
            i = mapping[field][0] if field in mapping else None
            return cells[i] if i is not None and i < len(cells) else ""

        if all(c == "" for c in cells):
            continue
        name = _name(get("sample_name"))
        in_register = _key(name) in listed
        kind = None
        if "type" in mapping and get("type") != "":
            kind = spec["_types"].get(_norm(get("type")))
            if kind is None:
                bad(
                    line,
                    "type",
                    get("type"),
                    "a type of the format (" + ", ".join(spec.get("types") or {}) + "; see types in dma_formats.yaml)",
                )
                continue
        if not in_register and (
            kind == "skip" or (kind in (None, "sample") and any(p.search(name) for p in spec["_names"]["skip"]))
        ):
            continue  # cleaning cycles and statistics lines are not measurements
        if not name:
            bad(line, "sample_name", name, "a sample name")
            continue
        rec = {"line": line, "name": name, "key": _key(name)}
        n_errors = len(errors)

        # Classify: a register sample (or one of its replicates), else blank / CRM / calibration check.
        if rec["key"] in listed and rec["key"] not in reg:
            continue  # that register row is wrong and already reported; do not add an "unknown sample" error
        crm = next(((cid, e) for cid, e, pats in spec["_crm"] if any(p.search(name) for p in pats)), None)
        if rec["key"] in reg:
            r = reg[rec["key"]]
            reg_qc = r["qc_type"] if r["qc_type"] not in ("", "sample") else None
            if kind not in (None, "sample") and reg_qc is None:
                bad(line, "type", get("type"), f"sample: '{name}' is a sample in the register")
                continue
            rec.update(kind=reg_qc or "reading", base=rec["key"])
        elif kind in ("blank", "crm", "calibration"):
            rec["kind"] = kind
        elif any(p.search(name) for p in spec["_names"]["blank"]):
            rec["kind"] = "blank"
        elif crm is not None or any(p.search(name) for p in spec["_names"]["crm"]):
            rec["kind"] = "crm"
        elif any(p.search(name) for p in spec["_names"]["calibration"]):
            rec["kind"] = "calibration"
        else:
            m = spec["_replicate"].match(name) if spec["_replicate"] else None
            base = _key(m.group("base")) if m else None
            if base in reg and reg[base]["qc_type"] in ("", "sample"):
                rec.update(kind="reading", base=base)
            elif base in listed:
                continue  # replicate of a register row that is already reported as wrong
            else:
                src = register if not isinstance(register, pd.DataFrame) else "the register"
                bad(
                    line,
                    "sample_name",
                    name,
                    f"a sample_id of {src}, or a blank / CRM / standard name "
                    "(see the names patterns in dma_formats.yaml)",
                )
                continue
        rec["crm"] = crm if rec["kind"] in ("crm", "calibration") else None

        # Numbers.
        def num(field, line=line, get=get):
            cell = get(field)
            if cell == "":
                return None
            try:
                return _number(cell, decimal)
            except ValueError:
                sep = "a decimal comma" if decimal == "," else "a decimal point"
                bad(line, field, cell, f"a number (with {sep}, as in the rest of this file)")
                return None

        weight = num("weight")
        if weight is not None:
            weight *= WEIGHT_UNITS[mapping["weight"][2]]
            if weight < 0 or (weight == 0 and rec["kind"] != "blank"):
                bad(line, "weight", get("weight"), "a positive sample mass")
                weight = None
        hg = num("hg")
        if hg is not None:
            hg *= HG_UNITS[mapping["hg"][2]]
        unit = mapping["result"][2] if "result" in mapping else "ng/g"
        # An empty-boat blank has no mass: its mercury is put per typical sample mass of this export, which is
        # the concentration it would add to a sample, so it compares with the sample LOD/LOQ.
        empty_blank = rec["kind"] == "blank" and weight == 0 and typical_weight is not None and hg is not None
        if empty_blank:
            weight = typical_weight
        lod, loq = _limit(limits.get("lod"), weight, unit), _limit(limits.get("loq"), weight, unit)
        value = None
        if empty_blank:
            conc = _convert_conc(max(hg, 0.0) / weight, "ng/g", unit)
            value = f"<{_fmt(lod)}" if lod is not None and conc < lod else _fmt(conc)
        elif "result" in mapping:
            cell = get("result")
            text = cell.strip() if isinstance(cell, str) else cell
            if text == "":
                bad(line, "result", cell, "a result (this measurement has none)")
            elif isinstance(text, str) and _norm_token(text) in spec["_nd"]:
                if lod is None:
                    bad(
                        line,
                        "result",
                        cell,
                        "a number: 'not detected' needs a detection limit (limits.lod in the "
                        "format, as a concentration or, with the weight, an Hg mass)",
                    )
                else:
                    value = f"<{_fmt(lod)}"
            elif isinstance(text, str) and text.startswith(">"):
                bad(line, "result", cell, "a number within the calibration range (re-run with less sample)")
            elif isinstance(text, str) and text.startswith("<"):
                try:
                    value = f"<{_fmt(_number(text[1:], decimal))}"
                except ValueError:
                    bad(line, "result", cell, "a number after '<'")
            else:
                x = num("result")
                if x is not None and x < 0:
                    # Baseline correction can give slightly negative readings: they are below detection.
                    if lod is None:
                        bad(
                            line,
                            "result",
                            cell,
                            "a non-negative number (a negative reading is below detection: "
                            "configure limits.lod in the format)",
                        )
                    else:
                        value = f"<{_fmt(lod)}"
                elif x is not None:
                    value = cell.strip().replace(",", ".") if isinstance(cell, str) else _fmt(x)
                    check = spec.get("mass_check_factor")
                    if check and hg and weight and hg > 0:
                        expected = _convert_conc(hg / weight, "ng/g", unit)
                        if x > 0 and not 1 / float(check) <= x / expected <= float(check):
                            bad(
                                line,
                                "result",
                                cell,
                                f"about {_fmt(expected)} {unit} (Hg {_fmt(hg)} ng / weight "
                                f"{_fmt(weight)} g): check the unit of '{mapping['result'][1]}' and of the weight",
                            )
        elif hg is None or not weight:
            bad(line, "hg", get("hg"), "the Hg mass and a positive weight (this format has no result column)")
        elif hg < 0:
            if lod is None:
                bad(
                    line,
                    "hg",
                    get("hg"),
                    "a non-negative Hg mass (a negative reading is below detection: configure "
                    "limits.lod in the format)",
                )
            else:
                value = f"<{_fmt(lod)}"
        else:
            value = _fmt(hg / weight)
        date_cell = get("datetime") if "datetime" in mapping else get("date")
        analysed = None
        if date_cell != "":
            try:
                analysed = _parse_date(date_cell, bool(spec.get("dayfirst", True))).isoformat()
            except ValueError:
                bad(
                    line,
                    "datetime" if "datetime" in mapping else "date",
                    date_cell,
                    "a date (YYYY-MM-DD, or " + ("DD/MM/YYYY" if spec.get("dayfirst", True) else "MM/DD/YYYY") + ")",
                )
        if len(errors) > n_errors:
            continue
        rec.update(value=value, unit=unit, lod=lod, loq=loq, analysed=analysed)
        records.append(rec)

    if not records and not errors:
        errors.append(f"{path}: no measurements found under the header")

    # Batch: one analytical run's blanks and CRMs check the samples measured with them.
    sample_batches = {reg[r["base"]]["batch"] for r in records if r["kind"] == "reading" and reg[r["base"]]["batch"]}
    run_batch = batch or (next(iter(sample_batches)) if len(sample_batches) == 1 else None)
    if run_batch is None and not sample_batches:
        run_batch = path.stem
    if run_batch is None and any(r["kind"] != "reading" for r in records):
        errors.append(
            f"{path}: the samples belong to several batches ({', '.join(sorted(sample_batches))}); "
            "blanks and CRMs cannot be assigned to one: pass batch=... or split the export"
        )
    matrices = Counter(reg[r["base"]]["matrix"] for r in records if r["kind"] == "reading")
    run_matrix = matrices.most_common(1)[0][0] if matrices else spec.get("default_matrix", "fish")

    out, lines, used, readings, repeats = [], [], set(), Counter(), Counter()
    for rec in records:
        if rec["kind"] != "reading" and not (batch or run_batch):
            continue  # reported above: its batch is unknown
        row = {k: "" for k in COLUMNS}
        if rec["kind"] == "reading" or rec["key"] in reg:
            r = reg[rec["base"] if rec["kind"] == "reading" else rec["key"]]
            row.update({k: "" if r.get(k) is None else str(r[k]) for k in COLUMNS if k not in RESULT_FIELDS})
        row_batch = batch or row["batch"] or run_batch or ""
        if rec["kind"] == "reading":
            readings[rec["base"]] += 1
            n = readings[rec["base"]]
            if n == 1:
                sid, qc, dup = r["sample_id"], "sample", ""
            else:
                sid, qc, dup = rec["name"], "duplicate", r["sample_id"]
                while sid in used or _key(sid) == rec["base"]:
                    sid = f"{r['sample_id']} R{n}"
                    n += 1
            certified = ""
        else:
            qc, dup = rec["kind"], ""
            if rec["key"] in reg:  # a QC material listed in the register (its certified value in its own unit)
                base_id = reg[rec["key"]]["sample_id"]
                certified = ""
                if r.get("certified_value"):
                    if not r.get("unit") or _unit_key(r["unit"]) not in CONC_UNITS:
                        errors.append(
                            f"{path}:{rec['line']}: register row of '{base_id}': field 'unit' = {r.get('unit')!r}: "
                            "expected the unit of its certified_value (mg/kg, ng/g...)"
                        )
                    else:
                        certified = _fmt(_convert_conc(float(r["certified_value"]), r["unit"], rec["unit"]))
            else:
                base_id = f"{row_batch}/{rec['name']}" if row_batch else rec["name"]
                _, entry = rec["crm"] or (None, {})
                row.update(
                    matrix=entry.get("matrix") or run_matrix,
                    basis=entry.get("basis") or ("dry" if rec["kind"] == "crm" else ""),
                )
                cert = entry.get(analyte) if entry else None
                certified = (
                    _fmt(_convert_conc(float(cert["value"]), cert.get("unit", "mg/kg"), rec["unit"]))
                    if cert and cert.get("value") is not None
                    else ""
                )
            repeats[base_id] += 1
            sid = base_id if repeats[base_id] == 1 else f"{base_id} #{repeats[base_id]}"
        used.add(sid)
        row.update(
            sample_id=sid,
            analyte=analyte,
            value=rec["value"],
            unit=rec["unit"],
            lod=_fmt(rec["lod"]) if rec["lod"] is not None else "",
            loq=_fmt(rec["loq"]) if rec["loq"] is not None else "",
            method=spec.get("method", "EPA 7473"),
            batch=row_batch,
            qc_type=qc,
            certified_value=certified,
            duplicate_of=dup,
            analysed_at=rec["analysed"] or row["analysed_at"],
        )
        out.append(row)
        lines.append(rec["line"])

    frame, problems = check_frame(
        pd.DataFrame(out, columns=list(COLUMNS)), path, salt, lines=lines, pseudonymise=not hashed
    )
    raise_problems(errors + problems, unknown=reg_checked.get("unknown_species") or None)
    frame.attrs["warnings"] = [*reg_checked.get("warnings", ()), *frame.attrs.get("warnings", ())]
    return frame
