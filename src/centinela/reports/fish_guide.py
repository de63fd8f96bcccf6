"""A printable fish-consumption guide for one community, in Spanish or English (HTML and PDF).

Inputs are tables already computed by :mod:`centinela.mercury.risk`; this module only words and draws.
Advice is phrased as how often, not as decimals: "up to 2 times a week", "once every 3 weeks", "do not eat".

What a family reads first is what to do: which local fish to choose, and how many meals a week for children
and for women who are or may become pregnant. Fish are named as people call them (the species table's local
name), the scientific name small beside it. The page says in words which figure the advice rests on (the
average, or the upper 95 % confidence limit of the average), and a species with fewer than
:data:`MIN_SAMPLES` samples is marked and never advised more than once a week: one low result says little
about the next fish. Every word comes from :data:`TEXT` in the reader's language; codes from the data files
(verification status, standard ids) stay out of the page.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader

from .pdf import write_pdf

MIN_SAMPLES = 5  # below this a species' figure is too uncertain to advise more than the cautious tier
CAUTIOUS_MEALS = 1.0  # a week: the EPA/FDA 2017 "good choice" tier (mercury-methods.md §2)
ABOVE = 0.5  # mg/kg: the share of fish above this is shown (Codex guideline level, non-predatory fish)
CHILDREN, WOMEN = "children", "women_childbearing"  # population keys of mercury/populations.yaml

TEXT = {
    "es": {
        "title": "Guía de consumo de pescado",
        "community": "Comunidad",
        "generated": "Elaborada el",
        "simulated": "DEMOSTRACIÓN CON DATOS SIMULADOS — no usar para aconsejar a nadie",
        "key": "El pescado es un buen alimento. Elija los pescados con poco mercurio. Mujeres que están o pueden "
        "quedar embarazadas, madres que dan de lactar, niñas y niños: sigan sus columnas, porque el mercurio daña el "
        "cerebro en formación.",
        "todo": "Qué hacer",
        "choose_1": "El pescado con menos mercurio entre los muestreados es {fish}: elíjalo primero.",
        "choose_n": "Los pescados con menos mercurio entre los muestreados son {fish}: elíjalos primero.",
        "choose_few": "Ningún pescado tiene todavía {n} muestras o más. Entre los muestreados, el de menos mercurio "
        "es {fish}, pero hacen falta más muestras para confirmarlo.",
        "avoid_list": "Evite, o coma muy rara vez: {fish}.",
        "for_pop": "{who}: con {fish}, {how} (una comida = {g} g de pescado cocido).",
        "mixing": "Las veces valen para comer un solo tipo de pescado. Si en la semana come varios, cuente juntas "
        "todas las comidas de pescado y no pase de las veces del pescado que menos veces permite.",
        "and": "y",
        "table": "¿Cuántas veces por semana se puede comer cada pescado?",
        "species": "Pescado",
        "used_mean": "Mercurio promedio (mg/kg)",
        "used_ucl": "Límite superior de confianza del 95 % del promedio de mercurio (mg/kg)",
        "mean": "Promedio (mg/kg)",
        "samples": "Muestras",
        "above": "Pescados con más de 0,5 mg/kg",
        "few_badge": "pocas muestras †",
        "data_here": "Pescado muestreado en esta comunidad.",
        "data_region": "No hay pescado muestreado en esta comunidad: se usan todas las muestras de la región.",
        "meal": "Una comida = {g} g de pescado cocido para {who}.",
        "basis_mean": "La cifra de mercurio de cada pescado es el promedio de sus muestras.",
        "basis_ucl": "La cifra de mercurio usada para aconsejar es el límite superior de confianza del 95 % del "
        "promedio: un valor prudente, algo mayor que el promedio, que tiene en cuenta cuántas muestras hay y "
        "cuánto varían. El promedio se muestra al lado.",
        "fallback": "‡ Con tan pocas muestras no se puede calcular ese límite: se usa el promedio.",
        "few_warn": "† Menos de {n} muestras: la cifra es poco segura. Hasta tener más muestras aconsejamos como "
        "máximo 1 vez por semana, aunque la cifra permitiría más.",
        "above_note": "Pescados con más de 0,5 mg/kg: qué parte de las muestras pasa de 0,5 mg/kg, el nivel guía "
        "del Codex (FAO/OMS) para pescado no depredador; entre paréntesis, su intervalo de confianza del 95 %.",
        "hair": "Mercurio en cabello en la comunidad",
        "hair_note": "Solo grupos de {n} o más personas; nadie puede "
        "ser identificado. 1 µg/g de cabello corresponde a la dosis de referencia de la EPA.",
        "group": "Grupo",
        "people": "Personas",
        "median": "Mediana (µg/g)",
        "above1": "% sobre 1 µg/g",
        "how": "Cómo se calculó",
        "how_text": "El promedio de cada pescado es el promedio de Kaplan–Meier de sus muestras (los resultados "
        "bajo el límite de detección no se reemplazan por la mitad del límite). Las veces por semana mantienen la "
        "ingesta en la dosis de referencia de la EPA para metilmercurio (0,1 µg por kg de peso al día): veces = "
        "0,1 × peso × 7 / (mercurio × tamaño de la comida). Los pescados más grandes y carnívoros suelen tener "
        "más mercurio que el promedio de su especie.",
        "every_day": "todos los días",
        "times": "hasta {n} veces por semana",
        "once": "1 vez por semana",
        "at_most_once": "1 vez por semana como máximo †",
        "every_n": "1 vez cada {n} semanas",
        "avoid": "no comer",
        "groups": {
            "all": "Todas las personas",
            "women_childbearing": "Mujeres 15–49 años",
            "children": "Niñas y niños",
            "men": "Hombres",
            "other": "Otras personas",
        },
        "sources": "Fuentes y supuestos",
        "src_rfd": "Dosis de referencia de la EPA de EE. UU. para metilmercurio: 0,1 µg por kg de peso al día "
        "(IRIS, 2001); guía de la EPA para avisos de consumo de pescado (EPA, 2000, volumen 2).",
        "src_tiers": "Cortes de 0,15 y 0,46 mg/kg entre mejores opciones, buenas opciones y pescados a evitar: "
        "consejo de la EPA y la FDA de EE. UU. (2017).",
        "src_codex": "0,5 mg/kg: nivel guía del Codex Alimentarius (FAO/OMS) para metilmercurio en pescado no "
        "depredador (CXS 193-1995).",
        "src_pop": "{who}: {bw} kg de peso, comida de {g} g de pescado ({status}).",
        "status_V": "valores de la fuente publicada",
        "status_U": "valores supuestos, por confirmar en la comunidad",
    },
    "en": {
        "title": "Fish consumption guide",
        "community": "Community",
        "generated": "Issued on",
        "simulated": "DEMONSTRATION WITH SIMULATED DATA — do not use to advise anyone",
        "key": "Fish is good food. Choose the fish low in mercury. Women who are or may become pregnant, "
        "breastfeeding mothers and children: follow your columns, because mercury harms the developing brain.",
        "todo": "What to do",
        "choose_1": "The fish with the least mercury among those sampled is {fish}: choose it first.",
        "choose_n": "The fish with the least mercury among those sampled are {fish}: choose them first.",
        "choose_few": "No fish has {n} samples or more yet. Among those sampled, the one with the least mercury "
        "is {fish}, but more samples are needed to confirm it.",
        "avoid_list": "Avoid, or eat very rarely: {fish}.",
        "for_pop": "{who}: with {fish}, {how} (one meal = {g} g of cooked fish).",
        "mixing": "The times are for eating one kind of fish. If you eat several kinds in a week, count all fish "
        "meals together and keep to the times of the kind that allows the fewest.",
        "and": "and",
        "table": "How many times a week can each fish be eaten?",
        "species": "Fish",
        "used_mean": "Average mercury (mg/kg)",
        "used_ucl": "Upper 95 % confidence limit of the average mercury (mg/kg)",
        "mean": "Average (mg/kg)",
        "samples": "Samples",
        "above": "Fish with more than 0.5 mg/kg",
        "few_badge": "few samples †",
        "data_here": "Fish sampled in this community.",
        "data_region": "No fish was sampled in this community: all samples from the region are used.",
        "meal": "One meal = {g} g of cooked fish for {who}.",
        "basis_mean": "The mercury figure of each fish is the average of its samples.",
        "basis_ucl": "The mercury figure used for the advice is the upper 95 % confidence limit of the average: a "
        "cautious value, somewhat above the average, that allows for how many samples there are and how much "
        "they vary. The average is shown beside it.",
        "fallback": "‡ With so few samples that limit cannot be worked out: the average is used.",
        "few_warn": "† Fewer than {n} samples: the figure is uncertain. Until more samples are analysed we advise "
        "at most once a week, even where the figure would allow more.",
        "above_note": "Fish with more than 0.5 mg/kg: the share of samples above 0.5 mg/kg, the Codex (FAO/WHO) "
        "guideline level for non-predatory fish; in brackets, its 95 % confidence interval.",
        "hair": "Hair mercury in the community",
        "hair_note": "Only groups of {n} or more people; no one can be "
        "identified. 1 µg/g in hair corresponds to the US EPA reference dose.",
        "group": "Group",
        "people": "People",
        "median": "Median (µg/g)",
        "above1": "% above 1 µg/g",
        "how": "How this was worked out",
        "how_text": "The average of each fish is the Kaplan–Meier average of its samples (results below the "
        "detection limit are not replaced by half the limit). Times per week keep intake at the US EPA reference "
        "dose for methylmercury (0.1 µg per kg body weight per day): times = 0.1 × weight × 7 / (mercury × meal size). "
        "Larger, fish-eating fish usually carry more mercury than their species' average.",
        "every_day": "every day",
        "times": "up to {n} times a week",
        "once": "once a week",
        "at_most_once": "once a week at most †",
        "every_n": "once every {n} weeks",
        "avoid": "do not eat",
        "groups": {
            "all": "Everyone",
            "women_childbearing": "Women 15–49",
            "children": "Children",
            "men": "Men",
            "other": "Others",
        },
        "sources": "Sources and assumptions",
        "src_rfd": "US EPA reference dose for methylmercury: 0.1 µg per kg body weight per day (IRIS, 2001); EPA "
        "guidance for fish consumption advisories (EPA, 2000, volume 2).",
        "src_tiers": "Cut-offs of 0.15 and 0.46 mg/kg between best choices, good choices and fish to avoid: US EPA "
        "and FDA advice (2017).",
        "src_codex": "0.5 mg/kg: Codex Alimentarius (FAO/WHO) guideline level for methylmercury in non-predatory "
        "fish (CXS 193-1995).",
        "src_pop": "{who}: {bw} kg body weight, {g} g fish meal ({status}).",
        "status_V": "values from the published source",
        "status_U": "assumed values, to be confirmed in the community",
    },
}


def number(x: float, digits: int, lang: str) -> str:
    """A number as the reader writes it: decimal comma in Spanish."""
    text = f"{x:.{digits}f}"
    return text.replace(".", ",") if lang == "es" else text


def how_often(meals_per_week: float, lang: str) -> tuple[str, str]:
    """(phrase, colour class) for a number of safe meals per week."""
    T = TEXT[lang]
    m = meals_per_week
    if not math.isfinite(m) or m >= 7:
        return T["every_day"], "green"
    if m >= 2:
        return T["times"].format(n=int(m)), "green"
    if m >= 1:
        return T["once"], "yellow"
    if m >= 0.25:
        return T["every_n"].format(n=math.ceil(1 / m)), "orange"
    return T["avoid"], "red"


def advised(meals_per_week: float, n: int, lang: str) -> tuple[str, str]:
    """How often, capped at :data:`CAUTIOUS_MEALS` when the species has fewer than :data:`MIN_SAMPLES` samples:
    a few low results cannot show that a fish is safe every day, while a few high ones are warning enough."""
    if n < MIN_SAMPLES and not meals_per_week < CAUTIOUS_MEALS:
        return TEXT[lang]["at_most_once"], "yellow"
    return how_often(meals_per_week, lang)


def _listing(names: list[str], lang: str) -> str:
    """'a, b and c' in the reader's language."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} {TEXT[lang]['and']} {names[-1]}"


def _fish_names(stored: str, lang: str) -> tuple[str, str]:
    """(local name, scientific name) of a stored species name; the scientific name is '' when the species
    table does not know it (the stored name is then shown as it is)."""
    from ..mercury.species import match

    sp = match(stored)
    if sp is None:
        return stored, ""
    name = sp.local_name(lang)
    return name, "" if name == sp.scientific else sp.scientific


def _share(r, lang: str) -> str | None:
    """'35 % (20–52 %)' from the share_above_0_5 columns, or None when there are none for this row."""
    share = getattr(r, "share_above_0_5", None)
    if share is None or pd.isna(share):
        return None
    lo, hi = getattr(r, "share_above_0_5_lo", None), getattr(r, "share_above_0_5_hi", None)
    text = f"{100 * share:.0f}\u00a0%"  # no-break spaces: "35 %" and "(20–52 %)" never split across lines
    if lo is not None and hi is not None and pd.notna(lo) and pd.notna(hi):
        text += f"\u00a0({100 * lo:.0f}–{100 * hi:.0f}\u00a0%)"
    return text


@dataclass(frozen=True)
class GuideFiles:
    html: Path
    pdf: Path


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "community"


def _rows(advice: pd.DataFrame, pops, lang: str, statistic: str) -> list[dict]:
    rows = []
    for r in advice.sort_values("used_mg_kg").itertuples():
        local, scientific = _fish_names(str(r.species), lang)
        n = int(r.n)
        ucl = getattr(r, "ucl95_mg_kg", None)
        # fish_advice falls back to the mean where the UCL cannot be computed (too few samples): say so.
        fallback = statistic == "ucl95" and not (ucl is not None and pd.notna(ucl) and r.used_mg_kg == ucl)
        meals = {p.key: float(getattr(r, f"meals_week_{p.key}")) for p in pops}
        rows.append(
            dict(
                local=local,
                scientific=scientific,
                used=float(r.used_mg_kg),
                conc=number(r.used_mg_kg, 3, lang),
                mean=number(getattr(r, "mean_mg_kg", r.used_mg_kg), 3, lang),
                n=n,
                few=n < MIN_SAMPLES,
                fallback=fallback,
                above=_share(r, lang),
                meals=meals,
                cells=[advised(meals[p.key], n, lang) for p in pops],
            )
        )
    return rows


def _todo(rows: list[dict], pops, lang: str) -> list[str]:
    """What to do, in sentences: which fish to choose, what to avoid, how often for children and women."""
    T = TEXT[lang]
    if not rows:
        return []
    reliable = [r for r in rows if not r["few"]]
    out = []
    if reliable:
        best = [r for r in reliable if r["used"] <= 0.15][:3] or reliable[:1]  # EPA/FDA "best choice" cut-off
        key = "choose_1" if len(best) == 1 else "choose_n"
        out.append(T[key].format(fish=_listing([r["local"] for r in best], lang)))
    else:
        best = rows[:1]
        out.append(T["choose_few"].format(n=MIN_SAMPLES, fish=best[0]["local"]))
    worst = [r["local"] for r in rows if min(r["meals"].values()) < 0.25]
    if worst:
        out.append(T["avoid_list"].format(fish=_listing(worst, lang)))
    first = best[0]
    for key in (CHILDREN, WOMEN):
        p = next((p for p in pops if p.key == key), None)
        if p is None:
            continue
        how, _ = advised(first["meals"][key], first["n"], lang)
        out.append(
            T["for_pop"].format(
                who=getattr(p, lang), fish=first["local"], how=how.rstrip(" †"), g=number(p.meal_g, 0, lang)
            )
        )
    out.append(T["mixing"])
    return out


def write_guide(
    community: str,
    advice: pd.DataFrame,
    hair: pd.DataFrame | None,
    populations,
    out: Path,
    lang: str,
    local_fish: bool,
    simulated: bool = False,
    min_group: int = 5,
    statistic: str = "mean",
) -> GuideFiles:
    """Write the guide's HTML and PDF; ``statistic`` is the one ``advice`` was computed with (mean or ucl95)."""
    T = TEXT[lang]
    out.mkdir(parents=True, exist_ok=True)
    pops = list(populations)
    rows = _rows(advice, pops, lang, statistic)
    hair_rows = []
    if hair is not None and len(hair):
        for r in hair[(hair.community == community) & (hair.n >= min_group)].itertuples():
            share = getattr(r, "share_above_1", None)
            hair_rows.append(
                dict(
                    group=T["groups"].get(r.group, r.group),
                    n=r.n,
                    median=number(r.median_ug_g, 2, lang),
                    above1="—" if share is None or pd.isna(share) else f"{100 * share:.0f}",
                )
            )
    # Always escape: zone, community and fish names come from users' files, and select_autoescape() would not
    # match these templates (they end in .html.j2).
    env = Environment(loader=PackageLoader("centinela.reports", "templates"), autoescape=True)
    html = env.get_template("fish_guide.html.j2").render(
        T=T,
        lang=lang,
        community=community,
        generated=dt.date.today(),
        simulated=simulated,
        todo=_todo(rows, pops, lang),
        rows=rows,
        ucl=statistic == "ucl95",
        any_few=any(r["few"] for r in rows),
        any_fallback=any(r["fallback"] for r in rows),
        any_above=any(r["above"] is not None for r in rows),
        few_warn=T["few_warn"].format(n=MIN_SAMPLES),
        pops=[
            dict(
                label=getattr(p, lang),
                meal=T["meal"].format(g=number(p.meal_g, 0, lang), who=getattr(p, lang).lower()),
                source=T["src_pop"].format(
                    who=getattr(p, lang),
                    bw=number(p.body_weight_kg, 0, lang),
                    g=number(p.meal_g, 0, lang),
                    status=T["status_V"] if p.status in ("V", "V2") else T["status_U"],
                ),
            )
            for p in pops
        ],
        data_note=T["data_here"] if local_fish else T["data_region"],
        hair=hair_rows,
        hair_note=T["hair_note"].format(n=min_group),
    )
    stem = f"fish_guide_{slug(community)}_{lang}"
    html_path = out / f"{stem}.html"
    html_path.write_text(html, encoding="utf-8")
    pdf_path = write_pdf(html, out, out / f"{stem}.pdf")
    return GuideFiles(html_path, pdf_path)
