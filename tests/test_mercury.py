"""Mercury: units, standards as data, exposure — checked against the worked examples of the methods note."""

from __future__ import annotations

import pytest

from centinela.cli import main
from centinela.errors import InputError
from centinela.mercury.exposure import (
    edi,
    hair_to_blood_ug_l,
    hair_to_intake,
    hazard_quotient,
    intake_to_hair,
    safe_meals_per_week,
)
from centinela.mercury.standards import evaluate, load_standards
from centinela.mercury.units import dry_to_wet, to_canonical, wet_to_dry


def test_units_are_explicit():
    assert (
        to_canonical(1, "ppm", "fish") == to_canonical(1, "µg/g", "fish") == to_canonical(1000, "ng/g", "fish") == 1.0
    )
    assert to_canonical(0.001, "mg/L", "water") == pytest.approx(1.0)  # µg/L
    assert to_canonical(250, "ng/L", "water") == pytest.approx(0.25)
    assert wet_to_dry(0.3, 0.7) == pytest.approx(1.0) and dry_to_wet(1.0, 0.7) == pytest.approx(0.3)
    with pytest.raises(InputError, match="unit 'mg/L' does not fit a fish"):
        to_canonical(1, "mg/L", "fish")
    with pytest.raises(InputError, match="percentage"):
        wet_to_dry(1.0, 70)
    with pytest.raises(InputError, match="unknown matrix"):
        to_canonical(1, "mg/kg", "blood")


def test_safe_meals_worked_example():
    # mercury-methods.md §2: BW 60 kg, C 0.5 µg/g, MS 227 g → 0.37 (RfD) and 0.85 (PTWI) meals per week
    assert safe_meals_per_week(0.5, 60) == pytest.approx(0.37, abs=0.005)
    assert safe_meals_per_week(0.5, 60, basis="jecfa") == pytest.approx(0.85, abs=0.005)
    child = safe_meals_per_week(0.5, 20, meal_g=85)
    assert child == pytest.approx(0.1 * 20 * 7 / (0.5 * 85))
    with pytest.raises(InputError):
        safe_meals_per_week(0.5, 0)


def test_intake_and_hazard_quotients():
    d = edi(0.5, 100, 60)  # 100 g fish a day at 0.5 µg/g
    assert d == pytest.approx(0.8333, rel=1e-3)
    assert hazard_quotient(d, "epa") == pytest.approx(8.333, rel=1e-3)
    assert hazard_quotient(d, "jecfa") == pytest.approx(7 * d / 1.6)


def test_hair_biomarker_conversions_match_the_references():
    assert hair_to_blood_ug_l(1.0) == pytest.approx(4.0)
    assert intake_to_hair(0.1) == pytest.approx(1.0, abs=0.05), "the RfD corresponds to ~1 µg/g hair"
    assert hair_to_intake(11.0) == pytest.approx(1.1, abs=0.05), "EPA: 11 ppm hair ↔ 1.1 µg/kg/day (Stern)"
    assert intake_to_hair(hair_to_intake(3.7)) == pytest.approx(3.7)


def test_standards_table_and_evaluation():
    stds = load_standards()
    ids = {s.id for s in stds}
    assert {"EU-2023-915-fish", "EPA-2001-tissue", "HAIR-1", "PE-ECA-water-3D1", "CCME-PEL"} <= ids
    fish = {v.standard.id: v for v in evaluate(0.6, "µg/g", "fish", "wet")}
    assert (
        fish["EU-2023-915-fish"].exceeds and not fish["EU-2023-915-listed"].exceeds and fish["EPA-2001-tissue"].exceeds
    )
    assert fish["EU-2023-915-fish"].ratio == pytest.approx(1.2)
    # A guild alone decides only the guild-defined (Codex) levels; the EU limits wait for the species
    # (tests/test_mercury_standards.py judges them by species).
    pred = {v.standard.id: v.applies for v in evaluate(0.6, "mg/kg", "fish", "wet", group="predatory")}
    assert pred["CODEX-193-predatory"] is True and "CODEX-193-fish" not in pred
    assert pred["EPA-2001-tissue"] is pred["FDA-action"] is True
    assert pred["EU-2023-915-fish"] is None and pred["EU-2023-915-listed"] is None
    sed = {v.standard.id: v for v in evaluate(150, "ng/g", "sediment", "wet", moisture=0.5)}
    assert sed["CCME-PEL"].ratio == pytest.approx(0.3 / 0.486) and sed["CCME-ISQG"].unverified
    with pytest.raises(InputError, match="without its moisture"):
        evaluate(150, "ng/g", "sediment", "wet")
    water = {v.standard.id: v for v in evaluate(2, "µg/L", "water")}
    assert water["PE-ECA-water-3D1"].exceeds and not water["PE-ECA-water-3D2"].exceeds


def test_meals_command(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--lang", "es", "mercury", "meals", "--concentration", "0.5", "--body-weight", "60"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "0.37 raciones de 227 g por semana" in out and "cada 2.7 semanas" in out
