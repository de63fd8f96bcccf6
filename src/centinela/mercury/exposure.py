"""Exposure to methylmercury from fish, and hair biomarkers (formulas in shared/reference/mercury-methods.md).

Fish measured as total Hg is treated as methylmercury (conservative: MeHg is most of the Hg in muscle).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InputError

RFD = 0.1  # µg/kg bw/day, US EPA reference dose for methylmercury (verified)
PTWI = 1.6  # µg/kg bw/week, JECFA provisional tolerable weekly intake for methylmercury (verified)
HAIR_BLOOD = 250.0  # µg/g hair per mg/L blood (ATSDR)
MEAL_G = 227.0  # 8 oz adult meal (EPA 2000 fish-advisory guidance)


@dataclass(frozen=True)
class OneCompartment:
    """WHO 1990 / EPA 2001 steady-state model; values as in the methods note (t½ ≈ 50 days)."""

    absorbed: float = 0.95
    blood_fraction: float = 0.05
    elimination_per_day: float = 0.014
    blood_volume_l: float = 5.0
    body_weight_kg: float = 60.0


def _positive(**kw) -> None:
    for k, v in kw.items():
        if v is None or v <= 0:
            raise InputError(f"{k} must be positive; got {v}")


def edi(concentration_ug_g: float, intake_g_day: float, body_weight_kg: float) -> float:
    """Estimated daily intake, µg/kg bw/day."""
    _positive(body_weight_kg=body_weight_kg)
    return concentration_ug_g * intake_g_day / body_weight_kg


def hazard_quotient(edi_ug_kg_day: float, basis: str = "epa") -> float:
    """EDI against the EPA RfD, or the weekly intake against the JECFA PTWI."""
    if basis == "epa":
        return edi_ug_kg_day / RFD
    if basis == "jecfa":
        return 7 * edi_ug_kg_day / PTWI
    raise InputError(f"basis must be epa or jecfa; got {basis!r}")


def safe_meals_per_week(
    concentration_ug_g: float, body_weight_kg: float, meal_g: float = MEAL_G, basis: str = "epa"
) -> float:
    """Meals per week that keep intake at the reference: EPA ``RfD·BW·7/(C·MS)`` or JECFA ``PTWI·BW/(C·MS)``."""
    _positive(concentration_ug_g=concentration_ug_g, body_weight_kg=body_weight_kg, meal_g=meal_g)
    if basis == "epa":
        return RFD * body_weight_kg * 7 / (concentration_ug_g * meal_g)
    if basis == "jecfa":
        return PTWI * body_weight_kg / (concentration_ug_g * meal_g)
    raise InputError(f"basis must be epa or jecfa; got {basis!r}")


def hair_to_blood_ug_l(hair_ug_g: float, ratio: float = HAIR_BLOOD) -> float:
    return hair_ug_g * 1000.0 / ratio


def intake_to_hair(intake_ug_kg_day: float, m: OneCompartment = OneCompartment(), ratio: float = HAIR_BLOOD) -> float:
    """Steady-state hair Hg (µg/g) for a daily intake (µg/kg bw/day)."""
    blood = (
        intake_ug_kg_day * m.absorbed * m.blood_fraction * m.body_weight_kg / (m.elimination_per_day * m.blood_volume_l)
    )
    return blood * ratio / 1000.0


def hair_to_intake(hair_ug_g: float, m: OneCompartment = OneCompartment(), ratio: float = HAIR_BLOOD) -> float:
    """Daily intake (µg/kg bw/day) that would give ``hair_ug_g`` at steady state."""
    blood = hair_to_blood_ug_l(hair_ug_g, ratio)
    return blood * m.elimination_per_day * m.blood_volume_l / (m.absorbed * m.blood_fraction * m.body_weight_kg)
