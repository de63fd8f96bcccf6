"""Exposure and advice from the store's results: fish advice per species and group, hair summaries per
community and group, and the intake that the diet and the hair each imply.

Fish concentrations per species are Kaplan–Meier means (censored results kept censored) with their UCL95;
advice is computed for each population in ``populations.yaml`` with the EPA reference dose (and the JECFA
weekly intake alongside). Hair is summarised by community and group and only when a group has at least
``MIN_GROUP`` people, so no individual can be picked out of a table.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files

import numpy as np
import pandas as pd
import yaml

from ..errors import InputError
from .censored import exceedance, summarise
from .exposure import edi, hair_to_intake, hazard_quotient, safe_meals_per_week
from .mapping import HAIR_REFERENCE, MIN_GROUP
from .results import usable
from .standards import applicability, load_standards, resolve_fish

HAIR_JECFA = 2.2  # µg/g (standards.yaml HAIR-JECFA, unverified)
TIERS = ((0.15, "best"), (0.46, "good"))  # EPA/FDA 2017 fish advice cut-offs, µg/g (mercury-methods.md §2, V2)
HAIR_GROUPS = ("women_childbearing", "children", "men", "other")
# Fish thresholds whose exceedance share fish_advice reports, mg/kg ww: the EPA tissue criterion and the EU/Codex
# general limit (standards.yaml EPA-2001-tissue, EU-2023-915-fish).
SHARE_THRESHOLDS = (0.3, 0.5)


@dataclass(frozen=True)
class Population:
    key: str
    es: str
    en: str
    body_weight_kg: float
    meal_g: float
    status: str
    source: str


def load_populations(path=None) -> tuple[Population, ...]:
    text = (
        (files(__package__) / "populations.yaml").read_text(encoding="utf-8")
        if path is None
        else open(path, encoding="utf-8").read()
    )
    doc = yaml.safe_load(text)["populations"]
    out = []
    for key, p in doc.items():
        if not (p.get("body_weight_kg", 0) > 0 and p.get("meal_g", 0) > 0):
            raise InputError(f"populations: {key}: body_weight_kg and meal_g must be positive numbers")
        out.append(
            Population(
                key,
                p["es"],
                p["en"],
                float(p["body_weight_kg"]),
                float(p["meal_g"]),
                p.get("status", "U"),
                p.get("source", ""),
            )
        )
    return tuple(out)


def tier(concentration_ug_g: float) -> str:
    for limit, name in TIERS:
        if concentration_ug_g <= limit:
            return name
    return "avoid"


def fish_advice(
    results: pd.DataFrame,
    populations: tuple[Population, ...] | None = None,
    community: str | None = None,
    statistic: str = "mean",
) -> pd.DataFrame:
    """One row per species: n, censored, KM mean/median/UCL95 (mg/kg ww), tier, the standards that apply to the
    species and those its concentration exceeds, the share of fish above 0.3 and 0.5 mg/kg with a 95 % interval
    (``censored.exceedance``), and safe meals per week for every population (EPA RfD) plus the JECFA variant for
    women.

    Standards apply by species (standards.yaml): a standard that lists its fish covers only those, the general
    limit everything else, and a guild-defined one (Codex) follows the species table's guild, else the lab's
    fish_group. Only verified standards (V, V2) are used. ``standards`` says which applied and why
    (``id=reason``)."""
    populations = populations or load_populations()
    r = usable(results, [])
    r = r[(r.matrix == "fish") & r.analyte.isin(["THg", "MeHg"]) & r.basis.isin(["wet", ""])]
    if community is not None and "community" in r and r.community.eq(community).any():
        r = r[r.community == community]
    if r.empty:
        raise InputError("no fish results (wet basis, total Hg or MeHg) in the store")
    every = load_standards()
    by_id = {s.id: s for s in every}
    standards = [s for s in every if s.matrix == "fish" and s.status in ("V", "V2")]
    rows = []
    for species, f in r.groupby("species"):
        v, c = pd.to_numeric(f.value_canonical).to_numpy(float), f.censored.astype(bool).to_numpy()
        s = summarise(v, c)
        conc = s.ucl95 if statistic == "ucl95" and s.ucl95 is not None and np.isfinite(s.ucl95) else s.mean
        group = (
            f.fish_group.dropna().astype(str).iloc[0]
            if "fish_group" in f and f.fish_group.astype(str).ne("").any()
            else None
        )
        fish = resolve_fish(str(species), group, strict=False)
        applied = [(st, applicability(st, fish, by_id)) for st in standards]
        applied = [(st, reason) for st, (applies, reason, _) in applied if applies]
        exceeded = [st.id for st, _ in applied if conc > st.value]
        row = {
            "species": species,
            "n": s.n,
            "n_censored": s.n_censored,
            "mean_mg_kg": s.mean,
            "median_mg_kg": s.median,
            "ucl95_mg_kg": s.ucl95,
            "used_mg_kg": conc,
            "fish_group": group or "",
            "tier": tier(conc),
            "exceeds": ", ".join(exceeded),
            "standards": ", ".join(f"{st.id}={reason}" for st, reason in applied),
        }
        for limit in SHARE_THRESHOLDS:
            e = exceedance(v, c, limit)
            col = f"share_above_{str(limit).replace('.', '_')}"
            row.update(
                {
                    col: np.nan if e.share is None else e.share,
                    f"{col}_lo": np.nan if e.lo is None else e.lo,
                    f"{col}_hi": np.nan if e.hi is None else e.hi,
                    f"{col}_method": e.method,
                }
            )
        for p in populations:
            row[f"meals_week_{p.key}"] = (
                safe_meals_per_week(conc, p.body_weight_kg, p.meal_g, "epa") if conc > 0 else np.inf
            )
        women = next((p for p in populations if p.key == "women_childbearing"), populations[0])
        row["meals_week_jecfa_women"] = (
            safe_meals_per_week(conc, women.body_weight_kg, women.meal_g, "jecfa") if conc > 0 else np.inf
        )
        rows.append(row)
    return pd.DataFrame(rows).sort_values("used_mg_kg", ascending=False).reset_index(drop=True)


def hair_group(sex: str, age) -> str:
    try:
        a = float(age)
    except (TypeError, ValueError):
        a = np.nan
    if np.isfinite(a) and a < 15:
        return "children"
    if str(sex).upper() == "F" and np.isfinite(a) and 15 <= a <= 49:
        return "women_childbearing"
    if str(sex).upper() == "M" and np.isfinite(a):
        return "men"
    return "other"


def hair_summary(results: pd.DataFrame, by_group: bool = True) -> pd.DataFrame:
    """Per community (and group): n, censored, KM median/mean/UCL95, shares above 1 and 2.2 µg/g, the
    steady-state intake the median implies and its hazard quotient. Groups under ``MIN_GROUP`` people are
    kept as a count only."""
    r = usable(results, [])
    r = r[(r.matrix == "hair") & (r.analyte == "THg")].copy()
    if r.empty:
        raise InputError("no hair results in the store")
    r["community"] = (
        r.get("community", pd.Series("", index=r.index)).astype(str).replace("", "(sin comunidad / no community)")
    )
    r["group"] = [
        hair_group(s, a) for s, a in zip(r.get("sex", [""] * len(r)), r.get("age_years", [""] * len(r)), strict=True)
    ]
    groups = [((c, "all"), g) for c, g in r.groupby("community")]
    if by_group:
        groups += list(r.groupby(["community", "group"]))
    rows = []
    for keys, h in groups:
        v, c = pd.to_numeric(h.value_canonical).to_numpy(float), h.censored.astype(bool).to_numpy()
        row = {"community": keys[0], "group": keys[1], "n": len(v)}
        if len(v) >= MIN_GROUP:
            s = summarise(v, c, threshold=HAIR_REFERENCE)
            s22 = summarise(v, c, threshold=HAIR_JECFA)
            intake = hair_to_intake(s.median) if s.median is not None and np.isfinite(s.median) else np.nan
            meals = (
                pd.to_numeric(h.get("fish_meals_week"), errors="coerce")
                if "fish_meals_week" in h
                else pd.Series(dtype=float)
            )
            row.update(
                n_censored=s.n_censored,
                median_ug_g=s.median,
                mean_ug_g=s.mean,
                ucl95_ug_g=s.ucl95,
                max_ug_g=float(v.max()),
                share_above_1=s.share_above,
                share_above_2_2=s22.share_above,
                implied_intake_ug_kg_day=intake,
                implied_hq=hazard_quotient(intake) if np.isfinite(intake) else np.nan,
                median_fish_meals_week=float(meals.median()) if meals.notna().any() else np.nan,
            )
        rows.append(row)
    order = {g: i for i, g in enumerate(("all", *HAIR_GROUPS))}
    out = pd.DataFrame(rows)
    return out.sort_values(["community", "group"], key=lambda s: s.map(order) if s.name == "group" else s).reset_index(
        drop=True
    )


def diet_intake(meals_per_week: float, concentration_ug_g: float, body_weight_kg: float, meal_g: float) -> dict:
    """EDI and hazard quotients (EPA RfD; JECFA PTWI) for a diet of ``meals_per_week`` fish meals."""
    daily_g = meals_per_week * meal_g / 7.0
    e = edi(concentration_ug_g, daily_g, body_weight_kg)
    return {
        "edi_ug_kg_day": e,
        "ewi_ug_kg_week": 7 * e,
        "hq_epa": hazard_quotient(e, "epa"),
        "hq_jecfa": hazard_quotient(e, "jecfa"),
    }
