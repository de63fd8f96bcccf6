"""The bulletin's mercury section: what was sampled, how much exceeds the standards, fish advice at a glance
and hair by community — only when the store holds mercury results, and never below community level."""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..errors import InputError  # noqa: E402
from ..mercury.censored import share_above  # noqa: E402
from ..mercury.results import usable  # noqa: E402
from ..mercury.risk import MIN_GROUP, fish_advice, hair_summary  # noqa: E402

WORDS = {
    "es": {
        "title": "Mercurio",
        "matrix": "Matriz",
        "samples": "Muestras",
        "censored": "Bajo el límite de detección",
        "dates": "Colecta",
        "over": "Sobre el valor guía",
        "guide": "Valor guía",
        "failed": "resultados de lotes que no pasaron el control de calidad quedan fuera",
        "fish": "Pescado por especie (mg/kg, media Kaplan–Meier)",
        "hair": "Cabello por comunidad (mediana, µg/g)",
        "species": "Especie",
        "conc": "mg/kg",
        "women": "Comidas/semana, mujeres 15–49",
        "children": "Comidas/semana, niñas y niños",
        "community": "Comunidad",
        "people": "Personas",
        "median": "Mediana µg/g",
        "above1": "% > 1 µg/g",
        "note": "Los valores bajo el límite de detección se tratan como censurados (Kaplan–Meier), "
        "no como la mitad del límite. Guías de consumo por comunidad: centinela mercury risk.",
        "names": {
            "fish": "pescado",
            "hair": "cabello",
            "sediment": "sedimento",
            "soil": "suelo",
            "water": "agua",
            "suspended_particles": "partículas en suspensión",
            "air": "aire",
        },
    },
    "en": {
        "title": "Mercury",
        "matrix": "Matrix",
        "samples": "Samples",
        "censored": "Below detection limit",
        "dates": "Collected",
        "over": "Above the guideline",
        "guide": "Guideline",
        "failed": "results from batches that failed QA/QC are left out",
        "fish": "Fish by species (mg/kg, Kaplan–Meier mean)",
        "hair": "Hair by community (median, µg/g)",
        "species": "Species",
        "conc": "mg/kg",
        "women": "Meals/week, women 15–49",
        "children": "Meals/week, children",
        "community": "Community",
        "people": "People",
        "median": "Median µg/g",
        "above1": "% > 1 µg/g",
        "note": "Values below the detection limit are treated as censored (Kaplan–Meier), not "
        "as half the limit. Community fish guides: centinela mercury risk.",
        "names": {
            "fish": "fish",
            "hair": "hair",
            "sediment": "sediment",
            "soil": "soil",
            "water": "water",
            "suspended_particles": "suspended particles",
            "air": "air",
        },
    },
}
# The guideline each matrix is summarised against (ids in mercury/standards.yaml; all V or V2).
GUIDE = {
    "fish": ("EPA-2001-tissue", 0.3),
    "hair": ("HAIR-1", 1.0),
    "sediment": ("CCME-PEL", 0.486),
    "water": ("PE-ECA-water-3D1", 1.0),
}


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _figure(advice: pd.DataFrame | None, hair: pd.DataFrame | None, W: dict) -> str:
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    ax = axes[0]
    if advice is not None and len(advice):
        a = advice.sort_values("used_mg_kg")
        colours = ["#2e7d32" if t == "best" else "#f9a825" if t == "good" else "#c62828" for t in a.tier]
        ax.barh(a.species, a.used_mg_kg, color=colours)
        for x, ls in ((0.3, ":"), (0.5, "--")):
            ax.axvline(x, color="black", ls=ls, lw=0.8)
        ax.set_title(W["fish"], fontsize=9)
        ax.tick_params(labelsize=7)
    else:
        ax.set_axis_off()
    ax = axes[1]
    if hair is not None and len(hair):
        h = hair.sort_values("median_ug_g")
        ax.barh(h.community.astype(str), h.median_ug_g, color="#1565c0")
        ax.axvline(1.0, color="#b71c1c", ls="--", lw=0.8)
        ax.set_title(W["hair"], fontsize=9)
        ax.tick_params(labelsize=7)
    else:
        ax.set_axis_off()
    fig.tight_layout()
    return _png(fig)


def mercury_section(results: pd.DataFrame, lang: str, until=None) -> dict | None:
    """Numbers, tables and a figure for the bulletin; None when there is nothing to show."""
    W = WORDS[lang]
    notes: list[str] = []
    r = results
    if until is not None and "collected_at" in r:
        d = pd.to_datetime(r.collected_at, errors="coerce")
        r = r[d.isna() | (d.dt.date <= until)]
    samples = usable(r, notes, lang)
    if samples.empty:
        return None
    rows = []
    for matrix, m in samples.groupby("matrix"):
        v, c = pd.to_numeric(m.value_canonical).to_numpy(float), m.censored.astype(bool).to_numpy()
        gid, limit = GUIDE.get(matrix, ("", None))
        share = share_above(v, c, limit) if limit is not None else None
        dates = pd.to_datetime(m.get("collected_at"), errors="coerce").dropna()
        rows.append(
            dict(
                matrix=W["names"].get(matrix, matrix),
                n=len(m),
                censored=int(c.sum()),
                dates=f"{dates.min():%Y-%m-%d} – {dates.max():%Y-%m-%d}" if len(dates) else "—",
                guide=f"{gid} ({limit:g})" if limit else "—",
                over="—" if share is None else f"{100 * share:.0f} %",
            )
        )
    try:
        advice = fish_advice(r)
    except InputError:
        advice = None
    try:
        hair = hair_summary(r, by_group=False)
        hair = hair[hair.n >= MIN_GROUP]
    except InputError:
        hair = None
    fish_rows = (
        []
        if advice is None
        else [
            dict(
                species=a.species,
                conc=f"{a.used_mg_kg:.3f}",
                women=_meals(a.meals_week_women_childbearing),
                children=_meals(a.meals_week_children),
            )
            for a in advice.itertuples()
        ]
    )
    hair_rows = (
        []
        if hair is None
        else [
            dict(
                community=h.community,
                n=h.n,
                median=f"{h.median_ug_g:.2f}",
                above1="—" if h.share_above_1 is None or pd.isna(h.share_above_1) else f"{100 * h.share_above_1:.0f}",
            )
            for h in hair.itertuples()
        ]
    )
    return dict(W=W, matrices=rows, fish=fish_rows, hair=hair_rows, image=_figure(advice, hair, W), notes=notes)


def _meals(x: float) -> str:
    return "7+" if not np.isfinite(x) or x >= 7 else f"{x:.1f}"
