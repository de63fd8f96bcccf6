"""A printable fish-consumption guide for one community, in Spanish or English (HTML and PDF).

Inputs are tables already computed by :mod:`centinela.mercury.risk`; this module only words and draws.
Advice is phrased as how often, not as decimals: "up to 2 times a week", "once every 3 weeks", "avoid".
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from .pdf import write_pdf

TEXT = {
    "es": {
        "title": "Guía de consumo de pescado",
        "community": "Comunidad",
        "generated": "Elaborada el",
        "simulated": "DEMOSTRACIÓN CON DATOS SIMULADOS — no usar para aconsejar a nadie",
        "key": "El pescado es un buen alimento. Elija las especies con poco mercurio. Mujeres que están o pueden "
        "quedar embarazadas, madres que dan de lactar, niñas y niños: sigan sus columnas, porque el mercurio daña el "
        "cerebro en formación.",
        "table": "¿Cuántas veces por semana se puede comer cada pescado?",
        "species": "Pescado (especie)",
        "mercury": "Mercurio promedio (mg/kg)",
        "samples": "Muestras",
        "how_often": "Veces por semana",
        "data_here": "Pescado muestreado en esta comunidad.",
        "data_region": "No hay pescado muestreado en esta comunidad: se usan todas las muestras de la región.",
        "meal": "Una comida = {g:.0f} g de pescado cocido para {who}.",
        "hair": "Mercurio en cabello en la comunidad",
        "hair_note": "Solo grupos de {n} o más personas; nadie puede "
        "ser identificado. 1 µg/g de cabello corresponde a la dosis de referencia de la EPA.",
        "group": "Grupo",
        "people": "Personas",
        "median": "Mediana (µg/g)",
        "above1": "% sobre 1 µg/g",
        "how": "Cómo se calculó",
        "how_text": "Para cada especie se usa el promedio de Kaplan–Meier de las muestras "
        "(los resultados bajo el límite de detección no se reemplazan por la mitad del límite). Las veces por semana "
        "mantienen la ingesta en la dosis de referencia de la EPA para metilmercurio (0,1 µg por kg de peso al día): "
        "veces = 0,1 × peso × 7 / (mercurio × tamaño de la comida). Los pescados más grandes y carnívoros suelen "
        "tener más mercurio que el promedio de su especie.",
        "every_day": "todos los días",
        "times": "hasta {n} veces por semana",
        "once": "1 vez por semana",
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
    },
    "en": {
        "title": "Fish consumption guide",
        "community": "Community",
        "generated": "Issued on",
        "simulated": "DEMONSTRATION WITH SIMULATED DATA — do not use to advise anyone",
        "key": "Fish is good food. Choose the species low in mercury. Women who are or may become pregnant, "
        "breastfeeding mothers and children: follow your columns, because mercury harms the developing brain.",
        "table": "How many times a week can each fish be eaten?",
        "species": "Fish (species)",
        "mercury": "Average mercury (mg/kg)",
        "samples": "Samples",
        "how_often": "Times per week",
        "data_here": "Fish sampled in this community.",
        "data_region": "No fish was sampled in this community: all samples from the region are used.",
        "meal": "One meal = {g:.0f} g of cooked fish for {who}.",
        "hair": "Hair mercury in the community",
        "hair_note": "Only groups of {n} or more people; no one can be "
        "identified. 1 µg/g in hair corresponds to the US EPA reference dose.",
        "group": "Group",
        "people": "People",
        "median": "Median (µg/g)",
        "above1": "% above 1 µg/g",
        "how": "How this was worked out",
        "how_text": "Each species uses the Kaplan–Meier mean of its samples (results "
        "below the detection limit are not replaced by half the limit). Times per week keep intake at the US EPA "
        "reference dose for methylmercury (0.1 µg per kg body weight per day): times = 0.1 × weight × 7 / (mercury × "
        "meal size). Larger, fish-eating fish usually carry more mercury than their species' average.",
        "every_day": "every day",
        "times": "up to {n} times a week",
        "once": "once a week",
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
    },
}


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


@dataclass(frozen=True)
class GuideFiles:
    html: Path
    pdf: Path


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "community"


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
) -> GuideFiles:
    T = TEXT[lang]
    out.mkdir(parents=True, exist_ok=True)
    pops = [p for p in populations]
    rows = []
    for r in advice.sort_values("used_mg_kg").itertuples():
        cells = [how_often(getattr(r, f"meals_week_{p.key}"), lang) for p in pops]
        rows.append(dict(species=r.species, conc=f"{r.used_mg_kg:.3f}", n=r.n, cells=cells))
    hair_rows = []
    if hair is not None and len(hair):
        for r in hair[(hair.community == community) & (hair.n >= min_group)].itertuples():
            share = getattr(r, "share_above_1", None)
            hair_rows.append(
                dict(
                    group=T["groups"].get(r.group, r.group),
                    n=r.n,
                    median=f"{r.median_ug_g:.2f}",
                    above1="—" if share is None or pd.isna(share) else f"{100 * share:.0f}",
                )
            )
    env = Environment(loader=PackageLoader("centinela.reports", "templates"), autoescape=select_autoescape())
    html = env.get_template("fish_guide.html.j2").render(
        T=T,
        lang=lang,
        community=community,
        generated=dt.date.today(),
        simulated=simulated,
        rows=rows,
        pops=[
            dict(
                label=getattr(p, lang),
                meal=T["meal"].format(g=p.meal_g, who=getattr(p, lang).lower()),
                source=p.source,
                status=p.status,
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
