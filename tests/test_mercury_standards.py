"""Standards applied by species, not by guild (issue #17, point 3): the EU 1.0 mg/kg limit covers only the fish
Reg. (EU) 2023/915 Annex I 3.3.1.2 lists; every other fish is judged against the general 0.5 mg/kg of 3.3.1.1.
Also the per-species shares above 0.3 and 0.5 mg/kg in the fish advice, and the hair hazard quotient that the
KM median feeds."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from centinela.cli import main
from centinela.errors import InputError
from centinela.mercury.censored import exceedance, proportion_ci
from centinela.mercury.exposure import hair_to_intake, hazard_quotient
from centinela.mercury.risk import fish_advice, hair_summary
from centinela.mercury.standards import evaluate, load_standards, resolve_fish

# A species table of the form of mercury/species.yaml, kept here so the test does not move with the real one.
TABLE = """
species:
  - {scientific: Pygocentrus nattereri, names_es: [piraña roja, paña roja], guild: piscivore,
     family: Serrasalmidae, source: test}
  - {scientific: Prochilodus nigricans, names_es: [boquichico, boca chico], guild: detritivore,
     family: Prochilodontidae, source: test}
  - {scientific: Carcharhinus leucas, names_es: [tiburón toro], guild: piscivore, family: Carcharhinidae,
     source: test}
"""


@pytest.fixture()
def table(tmp_path):
    path = tmp_path / "species.yaml"
    path.write_text(TABLE, encoding="utf-8")
    return path


def verdicts(value, species, table=None, group=None):
    return {
        v.standard.id: v
        for v in evaluate(value, "mg/kg", "fish", "wet", group=group, species=species, species_table_path=table)
    }


def test_the_eu_lists_are_the_regulations():
    """3.3.1.2 as read at foodsafetyportal.eu/r915 (entry B3.3.1.2): 26 entries, tuna and pike among them."""
    std = {s.id: s for s in load_standards()}
    listed = std["EU-2023-915-listed"]
    assert len(listed.species) == 26 and listed.value == 1.0 and listed.status == "V"
    assert "Pike (Esox species)" in listed.species
    assert "Tuna (Thunnus species, Euthynnus species, Katsuwonus pelamis)" in listed.species
    general = std["EU-2023-915-fish"]
    assert general.value == 0.5 and general.excludes == ("EU-2023-915-listed", "EU-2023-915-low")
    assert std["EU-2023-915-low"].status == "U"  # the 0.30 list was not read in full


def test_pirana_at_0_86_exceeds_the_general_limit_not_judged_against_1_0(table):
    """The issue's case: with fish_group=predatory a piraña at 0.86 mg/kg was reported "below" 1.0. The
    regulation does not list Pygocentrus, so the general 0.5 applies: 0.86 / 0.5 = 1.72, exceeded."""
    for name in ("Pygocentrus nattereri", "piraña roja", "PAÑA ROJA"):
        v = verdicts(0.86, name, table, group="predatory")
        assert "EU-2023-915-listed" not in v, name
        eu = v["EU-2023-915-fish"]
        assert eu.applies is True and eu.exceeds and eu.ratio == pytest.approx(1.72) and eu.reason == "not_listed"
        assert v["EPA-2001-tissue"].exceeds and not v["FDA-action"].exceeds
        # Codex's guideline levels are defined by guild: the table says piscivore, so "predatory fish" (1.0).
        assert v["CODEX-193-predatory"].applies is True and "CODEX-193-fish" not in v
    # Asked to, evaluate also says why the 1.0 limit does not apply.
    every = {x.standard.id: x for x in evaluate(0.86, "mg/kg", "fish", "wet", species="Pygocentrus nattereri",
                                                 species_table_path=table, include_excluded=True)}  # fmt: skip
    assert every["EU-2023-915-listed"].applies is False and every["EU-2023-915-listed"].reason == "not_in_list"


@pytest.mark.parametrize(
    ("name", "entry"),
    [
        ("Thunnus albacares", "Tuna (Thunnus species, Euthynnus species, Katsuwonus pelamis)"),
        ("Katsuwonus pelamis", "Tuna (Thunnus species, Euthynnus species, Katsuwonus pelamis)"),
        ("Esox lucius", "Pike (Esox species)"),
        ("Xiphias gladius", "Swordfish (Xiphias gladius)"),
        ("tiburón toro", "Shark (all species)"),  # a shark through its family in the species table
    ],
)
def test_listed_fish_get_the_1_0_limit(table, name, entry):
    v = verdicts(0.86, name, table)
    listed = v["EU-2023-915-listed"]
    assert listed.applies is True and listed.detail == entry and not listed.exceeds
    assert "EU-2023-915-fish" not in v  # the general limit is for the fish not listed
    assert verdicts(1.2, name, table)["EU-2023-915-listed"].exceeds


def test_species_decides_and_group_is_only_a_fallback(table):
    # Without a species the EU limits cannot be decided, whatever the guild: they come back as "depends".
    v = verdicts(0.86, None, group="predatory")
    assert v["EU-2023-915-fish"].applies is None and v["EU-2023-915-listed"].applies is None
    assert v["CODEX-193-predatory"].applies is True and v["CODEX-193-predatory"].guild_from == "group"
    # A scientific name the table does not know: lists decide; the guild falls back to the group given.
    v = verdicts(0.7, "Brachyplatystoma rousseauxii", table, group="predatory")
    assert v["EU-2023-915-fish"].applies is True and v["CODEX-193-predatory"].guild_from == "group"
    assert verdicts(0.7, "Brachyplatystoma rousseauxii", table)["CODEX-193-predatory"].applies is None
    # The table's guild wins over a wrong group: boquichico is not predatory.
    v = verdicts(0.6, "boquichico", table, group="predatory")
    assert v["CODEX-193-fish"].applies is True and "CODEX-193-predatory" not in v
    with pytest.raises(InputError, match="not a scientific name"):
        evaluate(0.6, "mg/kg", "fish", "wet", species="Boca Loca", species_table_path=table)
    assert resolve_fish("Boca Loca", strict=False).scientific == ""


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    return exc.value.code, out.out + out.err


def test_check_command_with_species(capsys):
    code, out = run(
        capsys, "--lang", "en", "mercury", "check", "0.86", "--unit", "mg/kg", "--matrix", "fish", "--basis", "wet",
        "--group", "predatory", "--species", "Pygocentrus nattereri",
    )  # fmt: skip
    assert code == 0, out
    lines = out.splitlines()
    eu = next(i for i, line in enumerate(lines) if "EU-2023-915-fish" in line)
    assert lines[eu].startswith("EXCEEDS") and "1.72×" in lines[eu]
    assert "not on the lists of EU-2023-915-listed" in lines[eu + 1]
    listed = next(i for i, line in enumerate(lines) if "EU-2023-915-listed " in line)
    assert lines[listed].startswith("n/a") and "does not list Pygocentrus nattereri" in lines[listed + 1]
    code, out = run(
        capsys, "--lang", "es", "mercury", "check", "0.86", "--unit", "mg/kg", "--matrix", "fish", "--basis", "wet",
        "--species", "Thunnus obesus",
    )  # fmt: skip
    assert code == 0 and "se aplica: la norma incluye Thunnus obesus en su lista (Tuna (Thunnus species" in out
    assert next(line for line in out.splitlines() if "EU-2023-915-listed " in line).startswith("debajo")
    assert "no se aplica: Thunnus obesus figura en la lista de EU-2023-915-listed" in out
    code, out = run(capsys, "--lang", "es", "mercury", "check", "0.86", "--unit", "mg/kg", "--matrix", "fish",
                    "--basis", "wet")  # fmt: skip
    assert code == 0 and "SUPERA?" in out and "indique --species para decidir" in out


def fish_rows(species, values, censored=None, group="predatory"):
    censored = censored or [False] * len(values)
    return [
        {"qc_type": "sample", "qc_flag": "ok", "batch": "B1", "matrix": "fish", "analyte": "THg", "basis": "wet",
         "species": species, "fish_group": group, "value_canonical": v, "censored": c}
        for v, c in zip(values, censored, strict=True)
    ]  # fmt: skip


def test_fish_advice_applies_standards_by_species_and_reports_shares():
    frame = pd.DataFrame(
        fish_rows("Pygocentrus nattereri", [0.80, 0.86, 0.92, 0.86])
        + fish_rows("Thunnus albacares", [0.80, 0.86, 0.92, 0.86])
        + fish_rows("Prochilodus nigricans", [0.05, 0.08, 0.5, 0.12, 0.35], [False, False, True, False, False],
                    "non_predatory")
    )  # fmt: skip
    advice = fish_advice(frame).set_index("species")
    piranha, tuna, boqui = (
        advice.loc[s] for s in ("Pygocentrus nattereri", "Thunnus albacares", "Prochilodus nigricans")
    )
    assert piranha.mean_mg_kg == pytest.approx(0.86)
    assert "EU-2023-915-fish" in piranha.exceeds.split(", ") and "EU-2023-915-listed" not in piranha.standards
    assert "EU-2023-915-fish=not_listed" in piranha.standards
    assert "EU-2023-915-listed=listed" in tuna.standards and "EU-2023-915-" not in tuna.exceeds
    # All four piranhas above 0.5: 4 of 4, Wilson lower bound n/(n + z²) = 4/7.841459 = 0.510109.
    assert piranha.share_above_0_5 == 1.0 and piranha.share_above_0_5_lo == pytest.approx(0.510109, abs=1e-6)
    assert piranha.share_above_0_5_method == "count"
    # Boquichico: 0.05 0.08 <0.5 0.12 0.35. Above 0.5 a count (the "<0.5" is known not above): 0 of 5. Above 0.3
    # the "<0.5" is ambiguous: KM. The one detect above 0.3 is 0.35, with 4 results known to be ≤ it (0.05, 0.08,
    # 0.12, 0.35; not the "<0.5") → P(X ≤ 0.3) = 3/4, share 1/4 (the counts would only bound it: 1/5 to 2/5).
    assert boqui.share_above_0_5 == 0.0 and boqui.share_above_0_5_hi == pytest.approx(proportion_ci(0, 5)[1])
    assert boqui.share_above_0_3_method == "km" and boqui.share_above_0_3 == pytest.approx(0.25)
    v, c = [0.05, 0.08, 0.5, 0.12, 0.35], [False, False, True, False, False]
    e = exceedance(v, c, 0.3)
    assert (boqui.share_above_0_3_lo, boqui.share_above_0_3_hi) == pytest.approx((e.lo, e.hi))
    assert boqui.share_above_0_3_lo < 0.25 < boqui.share_above_0_3_hi


def test_hair_hazard_quotient_uses_the_midpoint_median():
    """Six people, no censoring: the KM median is the ordinary one, (1.8 + 2.4)/2 = 2.1 µg/g, not 1.8 as the
    previous rule (smallest value with P(X ≤ x) ≥ 0.5) gave; the implied intake and its hazard quotient follow."""
    hair = [0.9, 1.2, 1.8, 2.4, 3.1, 6.0]
    frame = pd.DataFrame(
        [{"qc_type": "sample", "qc_flag": "ok", "batch": "H1", "matrix": "hair", "analyte": "THg", "basis": "none",
          "value_canonical": v, "censored": False, "community": "Boca Colorado", "sex": "F", "age_years": 30}
         for v in hair]
    )  # fmt: skip
    row = hair_summary(frame, by_group=False).iloc[0]
    assert row.median_ug_g == pytest.approx(2.1)
    assert row.implied_intake_ug_kg_day == pytest.approx(hair_to_intake(2.1))
    assert row.implied_hq == pytest.approx(hazard_quotient(hair_to_intake(2.1)))
    assert math.isclose(row.share_above_1, 5 / 6)
