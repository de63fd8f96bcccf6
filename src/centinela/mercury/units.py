"""Units of mercury results, converted explicitly: solids to mg/kg, water to µg/L, air to µg/m³."""

from __future__ import annotations

from ..errors import InputError

SOLID = {"mg/kg": 1.0, "ug/g": 1.0, "µg/g": 1.0, "ppm": 1.0, "ng/g": 1e-3, "ppb": 1e-3, "ug/kg": 1e-3, "µg/kg": 1e-3}
WATER = {"ug/l": 1.0, "µg/l": 1.0, "mg/l": 1e3, "ng/l": 1e-3}
AIR = {"ug/m3": 1.0, "µg/m3": 1.0, "µg/m³": 1.0, "ng/m3": 1e-3, "ng/m³": 1e-3, "mg/m3": 1e3, "mg/m³": 1e3}
MATRIX_KIND = {
    "fish": SOLID,
    "hair": SOLID,
    "sediment": SOLID,
    "soil": SOLID,
    "suspended_particles": SOLID,
    "water": WATER,
    "air": AIR,
}
CANONICAL = {id(SOLID): "mg/kg", id(WATER): "µg/L", id(AIR): "µg/m³"}


def canonical_unit(matrix: str) -> str:
    return CANONICAL[id(_table(matrix))]


def _table(matrix: str) -> dict:
    try:
        return MATRIX_KIND[matrix]
    except KeyError:
        raise InputError(f"unknown matrix '{matrix}'; expected one of {', '.join(MATRIX_KIND)}") from None


def to_canonical(value: float, unit: str, matrix: str) -> float:
    """``value`` in ``unit`` → the matrix's canonical unit (mg/kg = µg/g = ppm; µg/L; µg/m³)."""
    table = _table(matrix)
    key = unit.strip().lower().replace(" ", "")
    if key not in table:
        raise InputError(
            f"unit '{unit}' does not fit a {matrix} result; expected one of {', '.join(sorted(set(table)))}"
        )
    return float(value) * table[key]


def wet_to_dry(value_ww: float, moisture: float) -> float:
    """Wet-weight concentration → dry weight, ``moisture`` as a fraction of wet mass (0–1)."""
    if not 0 <= moisture < 1:
        raise InputError(f"moisture must be a fraction in [0, 1); got {moisture} (did you give a percentage?)")
    return value_ww / (1.0 - moisture)


def dry_to_wet(value_dw: float, moisture: float) -> float:
    if not 0 <= moisture < 1:
        raise InputError(f"moisture must be a fraction in [0, 1); got {moisture} (did you give a percentage?)")
    return value_dw * (1.0 - moisture)
