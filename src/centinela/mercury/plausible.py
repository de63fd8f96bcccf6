"""Plausibility checks on imported results: values that are valid numbers and dates but cannot be right.

Each check gives a row **error** (the file must be fixed: nothing is imported) or a **warning** (it may be right;
the import stops until the user accepts the warnings with ``--accept-warnings``). Messages follow the import's
form ``file:line: field 'x' = value: ...`` and say what to do.

Errors: a date in the future or before 1950; latitude and longitude swapped, or their minus signs dropped
(when the swapped or negated pair falls in Peru and the pair as given does not); a value more than
``ERROR_FACTOR`` times the highest published Madre de Dios value for its matrix (a unit slip: fish at
420 mg/kg is 420 ng/g); a "<x" result more than ``ERROR_FACTOR`` times the stated LOD/LOQ; an LOQ under the LOD.

Warnings: coordinates outside a generous box around Peru; a value more than ``WARN_FACTOR`` times the highest
published value; a "<x" that is neither the LOD nor the LOQ (a sample-specific limit can be right).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from .units import SOLID

EARLIEST = date(1950, 1, 1)  # no mercury result in a lab's record predates this; an earlier year is a typo

# Peru spans about 0.0°S to 18.35°S and 68.65°W to 81.33°W (national boundary, Natural Earth). The box adds
# about 0.25° on every side, so points on the border, on the Bolivian and Brazilian banks of the border rivers
# and with rounding errors pass; a point outside it is not in Peru.
PERU = {"lat": (-18.6, 0.25), "lon": (-81.6, -68.4)}
PERU_TEXT = "a generous box around Peru: latitude −18.6 to 0.25, longitude −81.6 to −68.4"

WARN_FACTOR = 2.0  # × the highest published value: unusual, possibly right (a new hotspot): the user accepts it
ERROR_FACTOR = 10.0  # × the highest published value: not a measurement of that matrix, a unit or typing slip


@dataclass(frozen=True)
class Bound:
    highest: float  # highest published value in Madre de Dios, in the matrix's canonical unit (mg/kg = µg/g)
    source: str
    error_at: float | None = None  # errors from here; default ERROR_FACTOR × highest


# Highest published values (shared/reference/mercury-figures.md; status V/D as there). Water and air have no
# published Madre de Dios figure in the references, so they are not bounded.
BOUNDS = {
    # A2: chambira up to 3.75 ppm ww (El Niño study, D); the Nanay River's Pseudoplatystoma reach 3.66 mg/kg
    # (Del Águila Chávez et al., Sustainability 18:552, V abstract). Warning above 7.5, error above 37.5 mg/kg.
    "fish": Bound(3.75, "mercury-figures.md A2 (chambira, El Niño study)"),
    # C.4 / B: observed hair maxima in Madre de Dios ~20–45 µg/g (CAMEP 27.4, Boca Manu 30.9). Warning above
    # 90, error above 450 µg/g (beyond the Iraq and Minamata poisoning range, i.e. not a hair result).
    "hair": Bound(45.0, "mercury-figures.md B and C.4 (hair maxima 20–45 µg/g)"),
    # A3 / A5: river sediments 0.005–0.113 mg/kg dw (Diringer 2015, D), suspended matter ~0.4 mg/kg (Moreno-Brush
    # 2016, V abstract). Soils and sediments at amalgam-burning and tailings sites can be far higher and no
    # Madre de Dios maximum for them is in the references, so above 2 × 0.4 it is only a warning, and an error
    # from 1000 mg/kg (0.1 % mercury by mass: droplets of metallic mercury or amalgam, or µg/kg typed as mg/kg).
    "sediment": Bound(0.4, "mercury-figures.md A3, A5 (river sediment, suspended matter)", error_at=1000.0),
    "soil": Bound(0.4, "mercury-figures.md A3, A5 (no published soil maximum; river sediment used)", error_at=1000.0),
    "suspended_particles": Bound(0.4, "mercury-figures.md A5 (suspended matter ~0.4 mg/kg)", error_at=1000.0),
}
BOUNDED_QC = ("sample", "duplicate", "crm", "")  # blanks are judged by QA/QC; calibration standards are not samples
LIMIT_TOLERANCE = 0.1  # "<0.005" for an LOD of 0.0048: written to the shown digits, still the limit


def _float(text) -> float | None:
    try:
        x = float(str(text).strip())
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _date(text) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def _in_peru(lat: float, lon: float) -> bool:
    return PERU["lat"][0] <= lat <= PERU["lat"][1] and PERU["lon"][0] <= lon <= PERU["lon"][1]


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def check_row(row: dict, written: dict, where: str, today: date | None = None) -> tuple[list[str], list[str]]:
    """(errors, warnings) of one row already normalised by the import (ISO dates, ``value`` a float,
    ``value_canonical`` in the canonical unit); ``written`` holds the cells as the user wrote them (after
    decimal commas became points), quoted in the messages. Fields that did not parse are left to the import's
    own checks."""
    today = today or date.today()
    errors: list[str] = []
    warnings: list[str] = []

    def say(into: list, field: str, text: str) -> None:
        into.append(f"{where}: field '{field}' = {written.get(field)!r}: {text}")

    for f in ("collected_at", "received_at", "analysed_at"):
        d = _date(row.get(f)) if row.get(f) else None
        if d is not None and d > today:
            say(errors, f, f"expected a date not after today ({today}); a date in the future is a typing slip")
        elif d is not None and d < EARLIEST:
            say(errors, f, f"expected a date from {EARLIEST.year} on; check the year")

    lat, lon = _float(row.get("lat")), _float(row.get("lon"))
    if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180 and not _in_peru(lat, lon):
        pair = f"lat {_fmt(lat)}, lon {_fmt(lon)}"
        if _in_peru(lon, lat):
            say(errors, "lat", f"latitude and longitude seem swapped ({pair}); swapped they fall in Peru: swap them")
        elif _in_peru(-abs(lat), -abs(lon)):
            say(errors, "lat", f"the minus signs seem lost ({pair}); in Peru both are negative (south and west)")
        else:
            say(warnings, "lat", f"({pair}) is outside {PERU_TEXT}; check the coordinates and their datum")

    lod, loq = _float(row.get("lod")), _float(row.get("loq"))
    if lod is not None and loq is not None and loq < lod:
        say(errors, "loq", f"expected a limit of quantification at or above the detection limit (LOD {_fmt(lod)})")

    text = str(written.get("value") or "").strip()
    if text.startswith("<") and isinstance(row.get("value"), float) and (lod or loq):
        errors_or_warnings = _censored(row["value"], lod, loq)
        if errors_or_warnings:
            into, message = errors_or_warnings
            say(errors if into == "error" else warnings, "value", message)

    bound = BOUNDS.get(row.get("matrix"))
    value = row.get("value_canonical")
    if bound is not None and isinstance(value, float) and row.get("qc_type", "") in BOUNDED_QC:
        unit = row.get("canonical_unit") or "mg/kg"
        error_at = bound.error_at or ERROR_FACTOR * bound.highest
        warn_at = WARN_FACTOR * bound.highest
        published = f"the highest published in Madre de Dios is {_fmt(bound.highest)} {unit} ({bound.source})"
        if value > error_at:
            say(
                errors,
                "value",
                f"expected a {row['matrix']} result under {_fmt(error_at)} {unit}; {published}. "
                + _unit_hint(value, row.get("unit", ""), warn_at, unit),
            )
        elif value > warn_at:
            say(
                warnings,
                "value",
                f"{_fmt(value)} {unit} is over {_fmt(warn_at)} {unit}, twice {published}; check the value and its unit",
            )
    return errors, warnings


def _censored(value: float, lod: float | None, loq: float | None) -> tuple[str, str] | None:
    """A "<x" result should be censored at the lab's limit: x = LOD (or LOQ, for labs that report below it)."""
    limits = [x for x in (lod, loq) if x]
    if any(abs(value - lim) <= LIMIT_TOLERANCE * lim for lim in limits):
        return None
    stated = " / ".join(f"{n} {_fmt(x)}" for n, x in (("LOD", lod), ("LOQ", loq)) if x)
    top = max(limits)
    if value > ERROR_FACTOR * top:
        # Censoring at a limit far above the lab's own hides results that were measurable and drags means
        # computed from censored data upwards, so it is not accepted: report the measured value or the limit.
        return (
            "error",
            f"expected '<{_fmt(limits[0])}' (a result below detection is reported at the stated limit, {stated}); "
            f"'<{_fmt(value)}' is {value / limits[0]:.0f}× the {'LOD' if lod else 'LOQ'}: if the sample was "
            "measured, report the value; if the limit is wrong, correct lod/loq",
        )
    if value < min(limits):
        return (
            "warning",
            f"a result cannot be below a limit lower than the stated {stated}; expected '<{_fmt(limits[0])}'",
        )
    return (
        "warning",
        f"'<{_fmt(value)}' is neither the stated {stated}; a sample-specific limit (e.g. from a small aliquot) "
        f"can be right, otherwise report '<{_fmt(limits[0])}'",
    )


def _unit_hint(value: float, unit: str, plausible: float, canonical: str) -> str:
    """Which unit the number was probably measured in (e.g. 420 written as mg/kg but meant as ng/g)."""
    as_written = SOLID.get(unit.strip().lower().replace(" ", ""))
    if canonical == "mg/kg" and as_written == 1.0 and value * SOLID["ng/g"] <= plausible:
        return f"as ng/g (= µg/kg) it would be {_fmt(value * SOLID['ng/g'])} mg/kg: check the unit (was it ng/g?)"
    return "check the value and its unit"
