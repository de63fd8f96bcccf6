"""Laboratory results in: CSV or Excel with Spanish or English headers, checked row by row, all or nothing.

Every bad row is reported with file, row, field and what was expected; a file with any error imports
nothing. Values below the detection limit stay censored (value = the limit, ``censored = True``) and are
never replaced by LOD/2. Hair donors are kept only as a salted pseudonym.

Each row also carries the sample's chain of custody (collection date and time, collector, container,
preservative, custody seal, hand-overs, receipt, lab report, analysis date), following the data model of
``shared/reference/mercury-methods.md`` §5, and for hair the donor fields that group summaries need (sex,
age, fish meals per week, community).

Privacy note for anyone building maps, exports or reports on these results: age, sex and community
together can identify a person in a small village even when ``donor_id`` is a pseudonym. Hair results
must be aggregated to community level (and small groups suppressed) before they leave the store; never
map or export one donor's row.

The row validation is shared: :func:`check_frame` / :func:`ingest_frame` take a DataFrame already in the
template's columns, so instrument-export parsers (``dma.py``) reuse it without writing temporary files.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from ..errors import InputError
from .fields import COLUMNS, DATE_FIELDS, RESULT_COLUMNS
from .fields import NUMERIC_FIELDS as _NUMERIC
from .fields import text as _text
from .units import MATRIX_KIND, canonical_unit, to_canonical

REQUIRED = ("sample_id", "matrix", "analyte", "value", "unit", "batch", "qc_type")
REGISTER_REQUIRED = ("sample_id", "matrix")  # a sample register holds metadata, results come later
QC_TYPES = ("sample", "blank", "duplicate", "crm", "calibration")
ANALYTES = ("THg", "MeHg")
_CENSORED = re.compile(r"^\s*<\s*([0-9.]+)\s*$")

# Accepted spellings (compared case-insensitively) → stored value.
SEX = {"f": "F", "m": "M", "female": "F", "male": "M", "mujer": "F", "hombre": "M", "femenino": "F", "masculino": "M"}
YES_NO = {
    "yes": "yes",
    "y": "yes",
    "sí": "yes",
    "si": "yes",
    "s": "yes",
    "true": "yes",
    "1": "yes",
    "1.0": "yes",
    "no": "no",
    "n": "no",
    "false": "no",
    "0": "no",
    "0.0": "no",
}
FISH_GROUPS = {
    "predatory": "predatory",
    "non_predatory": "non_predatory",
    "nonpredatory": "non_predatory",
    "depredador": "predatory",
    "no_depredador": "non_predatory",
}
# Excel hands dates over as "2024-08-12 00:00:00"; the time part is accepted and split off.
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?)?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")  # Excel time cells come as HH:MM:SS
_RANGES = {  # field → (accepts, expected)
    "lat": (lambda x: -90 <= x <= 90, "a latitude in degrees (−90 to 90)"),
    "lon": (lambda x: -180 <= x <= 180, "a longitude in degrees (−180 to 180)"),
    "moisture": (lambda x: 0 <= x < 1, "a fraction from 0 to 1 (not a percentage)"),
    "age_years": (lambda x: 0 <= x <= 120, "an age in years from 0 to 120"),
    "fish_meals_week": (lambda x: 0 <= x < 50, "fish meals per week, at least 0 and under 50"),
    **{
        f: (lambda x: x >= 0, "a non-negative number")
        for f in ("lod", "loq", "length_cm", "weight_g", "certified_value")
    },
}


def template(out: str | Path) -> list[Path]:
    """Empty templates: CSV and Excel, with English and with Spanish headers."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    # One fish sample; the donor fields (sex, age, fish meals, community) stay empty because they belong to hair.
    example = {
        "sample_id": "P-001",
        "site_id": "S-01",
        "lat": -12.95,
        "lon": -69.70,
        "matrix": "fish",
        "collected_at": "2024-08-12",
        "collected_time": "07:30",
        "collected_by": "J. Quispe",
        "container": "double zip bag, labelled",
        "preservative": "ice, then frozen at -20 C",
        "custody_seal": "yes",
        "transferred": "2024-08-12 J. Quispe to R. Mamani (boat); 2024-08-14 R. Mamani to Lab CAMEP",
        "received_at": "2024-08-14",
        "received_by": "Lab CAMEP",
        "condition": "frozen, sealed",
        "species": "Pseudoplatystoma fasciatum",
        "fish_group": "predatory",
        "length_cm": 54,
        "weight_g": 1800,
        "donor_id": "",
        "sex": "",
        "age_years": "",
        "fish_meals_week": "",
        "community": "",
        "analyte": "THg",
        "value": 0.42,
        "unit": "mg/kg",
        "basis": "wet",
        "moisture": "",
        "method": "EPA 7473",
        "lod": 0.005,
        "loq": 0.015,
        "batch": "B-2024-08-1",
        "qc_type": "sample",
        "certified_value": "",
        "duplicate_of": "",
        "lab_report": "CAMEP-2024-117",
        "analysed_at": "2024-08-20",
    }
    paths = []
    for lang, names in (("en", list(COLUMNS)), ("es", list(COLUMNS.values()))):
        frame = pd.DataFrame([[example[k] for k in COLUMNS]], columns=names)
        for suffix in ("csv", "xlsx"):
            p = out / f"mercury_template_{lang}.{suffix}"
            frame.to_csv(p, index=False) if suffix == "csv" else frame.to_excel(p, index=False)
            paths.append(p)
    return paths


def _read(path: Path) -> pd.DataFrame:
    """Every cell as text, with the line of each row in ``attrs`` (encodings, separators: ``readers.py``)."""
    from .readers import read_table

    return read_table(path)


def pseudonym(donor_id: str, salt: str | None = None) -> str:
    salt = salt if salt is not None else os.environ.get("CENTINELA_PSEUDONYM_SALT", "")
    return "D-" + hashlib.sha256((salt + "|" + donor_id.strip()).encode()).hexdigest()[:12]


def _iso_date(text: str) -> tuple[date, str | None] | None:
    """(date, "HH:MM" when a non-midnight time came with it) or None when ``text`` is not YYYY-MM-DD."""
    m = _DATE.match(text)
    if not m:
        return None
    try:
        d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    hh, mm = m.group(4), m.group(5)
    clock = f"{int(hh):02d}:{mm}" if hh is not None and (int(hh), int(mm)) != (0, 0) else None
    return d, clock


def _clock(text: str) -> str | None:
    m = _TIME.match(text)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        return None
    return f"{int(m.group(1)):02d}:{m.group(2)}"


# The words a Spanish-speaking laboratory writes for the coded fields (compared without case or accents), and the
# English codes themselves: a file keeps its own language, the store keeps one vocabulary.
VOCABULARY = {
    "matrix": {
        **{m: m for m in MATRIX_KIND},
        "pez": "fish",
        "pescado": "fish",
        "peces": "fish",
        "cabello": "hair",
        "pelo": "hair",
        "sedimento": "sediment",
        "suelo": "soil",
        "agua": "water",
        "aire": "air",
        "particulas en suspension": "suspended_particles",
        "solidos suspendidos": "suspended_particles",
    },
    "qc_type": {
        **{q: q for q in QC_TYPES},
        "muestra": "sample",
        "blanco": "blank",
        "blanco de metodo": "blank",
        "duplicado": "duplicate",
        "mrc": "crm",
        "material de referencia": "crm",
        "material de referencia certificado": "crm",
        "calibracion": "calibration",
        "verificacion de calibracion": "calibration",
    },
    "basis": {
        "wet": "wet",
        "dry": "dry",
        "none": "none",
        "humeda": "wet",
        "peso humedo": "wet",
        "fresco": "wet",
        "seca": "dry",
        "peso seco": "dry",
        "ninguna": "none",
    },
}


def _word(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[_\-]+", " ", plain.casefold()).split())


def _translate_codes(row: dict) -> None:
    """Coded fields written in Spanish (or another case) become the store's codes; unknown words stay for the
    row check to report as written."""
    for field, words in VOCABULARY.items():
        if row[field]:
            row[field] = words.get(_word(row[field]), row[field])


def _check_row(row: dict, where: str, register: bool) -> tuple[dict, list[str]]:
    """Problems of one row (messages ``where: field 'x' = value: expected ...``) and the normalised row.

    In ``register`` mode the result fields (value, unit, analyte, LOD…) are not checked: a sample register
    describes samples before they are measured.
    """
    problems: list[str] = []
    raw = dict(row)  # messages quote what the user wrote, not the normalised value

    def bad(field: str, expected: str) -> None:
        problems.append(f"{where}: field '{field}' = {raw.get(field)!r}: expected {expected}")

    _translate_codes(row)
    if not row["sample_id"]:
        bad("sample_id", "a sample identifier")
    if row["matrix"] not in MATRIX_KIND:
        bad("matrix", f"one of {', '.join(MATRIX_KIND)} (pez, cabello, sedimento, suelo, agua, aire)")
    if (not register or row["analyte"]) and row["analyte"] not in ANALYTES:
        bad("analyte", "THg or MeHg")
    if (not register or row["qc_type"]) and row["qc_type"] not in QC_TYPES:
        bad("qc_type", f"one of {', '.join(QC_TYPES)} (muestra, blanco, duplicado, mrc, calibracion)")
    if not register and not row["batch"]:
        bad("batch", "the laboratory batch (QA/QC is checked per batch)")
    is_sample = row["qc_type"] == "sample" or (register and row["qc_type"] == "")
    if row["qc_type"] == "duplicate" and not row["duplicate_of"]:
        bad("duplicate_of", "the sample_id of the original of this duplicate")

    # Chain of custody.
    dates: dict[str, date] = {}
    for f in DATE_FIELDS:
        if row[f]:
            parsed = _iso_date(row[f])
            if parsed is None:
                bad(f, "a date YYYY-MM-DD")
                continue
            dates[f], clock = parsed
            row[f] = dates[f].isoformat()
            if f == "collected_at" and clock and not row["collected_time"]:
                row["collected_time"] = clock  # a date-time in the date cell still tells the hour
    if "collected_at" in dates and "received_at" in dates and dates["received_at"] < dates["collected_at"]:
        bad("received_at", f"a date on or after collected_at ({dates['collected_at']}): received before collected?")
    if "analysed_at" in dates:
        before, name = (
            (dates.get("received_at"), "received_at")
            if "received_at" in dates
            else (dates.get("collected_at"), "collected_at")
        )
        if before is not None and dates["analysed_at"] < before:
            bad("analysed_at", f"a date on or after {name} ({before}): analysed before the sample arrived?")
    if row["collected_time"]:
        clock = _clock(row["collected_time"])
        if clock is None:
            bad("collected_time", "a time HH:MM (00:00 to 23:59)")
        else:
            row["collected_time"] = clock
    for f, choices, expected in (
        ("custody_seal", YES_NO, "yes or no (sí/si/no, true/false, 1/0)"),
        ("sex", SEX, "F or M (mujer/hombre, female/male)"),
    ):
        if row[f]:
            key = row[f].strip().casefold()
            if key in choices:
                row[f] = choices[key]
            else:
                bad(f, expected)
    if row["fish_group"]:
        key = re.sub(r"[\s-]+", "_", row["fish_group"].strip().casefold())
        if key in FISH_GROUPS:
            row["fish_group"] = FISH_GROUPS[key]
        else:
            bad("fish_group", "predatory or non_predatory (depredador / no_depredador)")

    numbers: dict[str, float] = {}
    for f in _NUMERIC:
        if row[f]:
            try:
                x = float(row[f])
                if not math.isfinite(x):
                    raise ValueError
                numbers[f] = x
            except ValueError:
                bad(f, "a number")
    for f, x in numbers.items():
        ok, expected = _RANGES.get(f, (None, None))
        if ok is not None and not ok(x):
            bad(f, expected)
    if row["basis"] not in ("", "wet", "dry", "none"):
        bad("basis", "wet, dry or none (humeda, seca, ninguna)")
    if not problems and row["matrix"] in ("fish", "sediment", "soil") and is_sample and row["basis"] in ("", "none"):
        bad("basis", f"wet or dry for a {row['matrix']} result")
    if row["matrix"] == "hair" and is_sample and not row["donor_id"] and not row["community"]:
        bad(
            "donor_id",
            "a donor_id or a community for a hair sample (hair results are aggregated by donor and community)",
        )

    value, censored, canonical = None, False, None
    if not register:
        m = _CENSORED.match(row["value"])
        try:
            value = float(m.group(1)) if m else float(row["value"])
            censored = bool(m)
            if value < 0 or not math.isfinite(value):
                raise ValueError
        except ValueError:
            value = None
            bad("value", "a non-negative number, or '<LOD' for a result below the detection limit")
        if value is not None and row["matrix"] in MATRIX_KIND:
            try:
                canonical = to_canonical(value, row["unit"], row["matrix"])
            except InputError as exc:
                bad("unit", str(exc).split(";")[-1].strip())
        if not problems and "lod" in numbers and not censored and value < numbers["lod"]:
            censored, value = True, numbers["lod"]  # a number under the LOD is reported as censored at the LOD
            canonical = to_canonical(value, row["unit"], row["matrix"])
    row.update(
        value=value,
        value_canonical=canonical,
        censored=censored,
        canonical_unit=canonical_unit(row["matrix"]) if row["matrix"] in MATRIX_KIND else None,
    )
    return row, problems


def check_frame(
    raw: pd.DataFrame,
    path: str | Path,
    salt: str | None = None,
    *,
    lines: Sequence[int] | None = None,
    register: bool = False,
    pseudonymise: bool = True,
    aliases: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Validate rows in the template's columns (English or Spanish headers): (valid rows, problems).

    ``lines`` gives the line of each row in ``path`` for the messages (default: the lines ``read_table`` noted
    in ``raw.attrs``, else row i is line i + 2, under a header). Only rows without problems are returned;
    callers import nothing when problems is non-empty. The plausibility warnings (``plausible.py``, unknown
    columns, a fish_group against the species table) are in ``frame.attrs["warnings"]``, the fish names the
    species table does not know in ``frame.attrs["unknown_species"]`` ({name: closest scientific name}).
    ``register=True`` checks a sample register (metadata only, one row per sample_id);
    ``pseudonymise=False`` leaves donor_id as given (for a register joined later, or ids already hashed);
    ``aliases``: the user's species map ({name as written: a name the species table knows}).
    """
    from .plausible import check_row as plausible
    from .readers import prepare
    from .species import best_guess, resolve

    if lines is None:
        lines = raw.attrs.get("source_lines")
    required = REGISTER_REQUIRED if register else REQUIRED
    raw, errors, warnings, reported = prepare(raw, path, lines, required)
    missing = [c for c in required if c not in raw.columns]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {missing}; expected the template's headers (see `centinela mercury template`)"
        )
    if lines is not None and len(lines) != len(raw):
        raise ValueError("lines must give one line number per row")
    present = [k for k in COLUMNS if k in raw.columns]
    rows, unknown = [], {}
    for pos, values in enumerate(raw[present].itertuples(index=False, name=None)):
        line = lines[pos] if lines is not None else pos + 2  # header is line 1
        cells = dict(zip(present, values, strict=True))
        row = {k: _text(cells.get(k)) for k in COLUMNS}
        written = dict(row)
        row, problems = _check_row(row, f"{path}:{line}", register)
        problems = [p for p in problems if (line, _field_of(p)) not in reported]  # already named by prepare()
        more, warned, name = resolve(row, f"{path}:{line}", aliases)
        if name is not None and name not in unknown:
            unknown[name] = best_guess(name)
        wrong, odd = plausible(row, written, f"{path}:{line}")
        problems += more + wrong
        warnings += warned + odd
        errors.extend(problems)
        if not problems:
            if row["donor_id"] and pseudonymise:
                row["donor_id"] = pseudonym(row["donor_id"], salt)
            row.update(source_file=str(path), source_line=line)
            rows.append(row)
    frame = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    if len(frame):
        key_cols = ["sample_id"] if register else ["sample_id", "analyte", "qc_type"]
        key = frame[key_cols].astype(str).agg("|".join, axis=1)
        for k in key[key.duplicated()].unique():
            what = "sample listed twice in the register:" if register else "duplicate result for sample/analyte/qc_type"
            errors.append(f"{path}: {what} {k.replace('|', ' / ')}")
    frame.attrs.update(warnings=warnings, unknown_species=unknown)
    return frame, errors


def _field_of(problem: str) -> str:
    m = re.search(r": field '(\w+)'", problem)
    return m.group(1) if m else ""


def _listing(items: list[str]) -> str:
    more = f"\n(+{len(items) - 50} more)" if len(items) > 50 else ""
    return "\n".join(items[:50]) + more


def raise_problems(errors: list[str], warnings: Sequence[str] = (), *, unknown: dict[str, str] | None = None) -> None:
    """Raise one InputError listing every problem (the first 50), saying that nothing was imported, and the
    warnings that will need accepting too; ``species.UnknownSpecies`` (with the names) when fish names were
    not in the species table."""
    if errors:
        text = f"{len(errors)} problem(s), nothing imported:\n" + _listing(errors)
        if warnings:
            text += f"\n{len(warnings)} warning(s) as well, to check (accepted only with --accept-warnings):\n"
            text += _listing(list(warnings))
        if unknown:
            from .species import UnknownSpecies

            raise UnknownSpecies(text, unknown)
        raise InputError(text)


def raise_warnings(warnings: Sequence[str]) -> None:
    """Stop an import on warnings the user has not accepted, listing them."""
    if warnings:
        raise InputError(
            f"{len(warnings)} warning(s), nothing imported; check each one, then fix the file or re-run with "
            "--accept-warnings to import it as it is:\n" + _listing(list(warnings))
        )


def ingest_frame(
    raw: pd.DataFrame,
    path: str | Path,
    salt: str | None = None,
    *,
    lines: Sequence[int] | None = None,
    aliases: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Validated results from a DataFrame in the template's columns; raises listing every problem. Warnings do
    not raise here: they are in ``attrs["warnings"]`` for the import step to stop on (``raise_warnings``) unless
    the user accepts them."""
    frame, errors = check_frame(raw, path, salt, lines=lines, aliases=aliases)
    raise_problems(errors, frame.attrs["warnings"], unknown=frame.attrs["unknown_species"])
    return frame


def read_results(
    path: str | Path,
    salt: str | None = None,
    *,
    species_map: str | Path | dict[str, str] | None = None,
) -> pd.DataFrame:
    """Validated results in canonical units (``value_canonical`` in mg/kg, µg/L or µg/m³); plausibility warnings
    in ``attrs["warnings"]``. ``species_map``: a CSV (name,scientific) or dict mapping fish names the species
    table does not know to ones it does."""
    from .species import read_species_map

    path = Path(path)
    aliases = read_species_map(species_map) if isinstance(species_map, (str, Path)) else species_map
    return ingest_frame(_read(path), path, salt, aliases=aliases)
