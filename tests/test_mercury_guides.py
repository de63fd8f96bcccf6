"""Fish guides a family can act on, checked by reading the rendered page: local names first, the statistic named
in words, few samples warned and capped, wholly in the reader's language, and what to do said plainly."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from centinela.mercury.risk import fish_advice, load_populations
from centinela.mercury.species import match
from centinela.reports.fish_guide import MIN_SAMPLES, TEXT, write_guide

COMMUNITY = "Tres Islas"
# Madre de Dios fish at the Martinez et al. 2018 species means (mercury-figures.md A1), fixed spreads so the
# test does not hang on a random draw: boquichico and carachama well sampled and low, chambira well sampled
# and high, bagre with 3 samples, palometa with a single very low one (which alone would allow every day).
SAMPLES = {
    "Prochilodus nigricans": [0.07, 0.08, 0.09, 0.10, 0.10, 0.11, 0.12, 0.13],
    "Squaliforma emarginata": [0.015, 0.018, 0.02, 0.02, 0.022, 0.025],
    "Cynodon gibbus": [0.45, 0.60, 0.70, 0.72, 0.80, 0.95],
    "Pimelodus blochii": [0.11, 0.13, 0.15],
    "Mylossoma aureum": [0.02],
}
# Words that betray the other language (names of fish, places and sources excepted).
ENGLISH = {
    "the",
    "and",
    "with",
    "every",
    "week",
    "times",
    "fish",
    "average",
    "mean",
    "samples",
    "sample",
    "limit",
    "upper",
    "confidence",
    "women",
    "children",
    "meal",
    "avoid",
    "choose",
    "eat",
    "not",
    "enough",
    "body",
    "weight",
    "values",
    "few",
    "ucl",
    "ucl95",
    "once",
    "up",
    "to",
}
SPANISH = {
    "de",
    "la",
    "el",
    "los",
    "las",
    "por",
    "semana",
    "veces",
    "pescado",
    "pescados",
    "muestras",
    "comer",
    "niños",
    "mujeres",
    "promedio",
    "límite",
    "con",
    "para",
    "una",
    "valores",
    "peso",
    "vez",
    "pocas",
    "hasta",
    "días",
}


def results() -> pd.DataFrame:
    rows = []
    for species, values in SAMPLES.items():
        for i, v in enumerate(values):
            rows.append(
                dict(
                    sample_id=f"{species.split()[0][:3].upper()}-{i + 1}",
                    qc_type="sample",
                    qc_flag="ok",
                    matrix="fish",
                    analyte="THg",
                    basis="wet",
                    species=species,
                    value_canonical=v,
                    censored=False,
                    community=COMMUNITY,
                    fish_group="",
                    batch="B-2024-07",
                )
            )
    return pd.DataFrame(rows)


class _Text(HTMLParser):
    """The text a reader sees: no style sheet, cells and list items on their own lines."""

    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], False

    def handle_starttag(self, tag, attrs):
        self.skip = tag in ("style", "script")
        if tag in ("tr", "li", "p", "div", "h1", "h2", "br", "td", "th"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        self.skip = False

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def page_text(path) -> str:
    p = _Text()
    p.feed(path.read_text(encoding="utf-8"))
    return re.sub(r"[ \t\u00a0]+", " ", "".join(p.parts))


def fish_names(lang) -> set[str]:
    out = set()
    for s in SAMPLES:
        sp = match(s)
        out |= {s, sp.local_name(lang), sp.scientific} if sp else {s}
    return out


def words_of(text: str, lang: str) -> set[str]:
    for name in sorted(fish_names(lang) | {COMMUNITY}, key=len, reverse=True):
        text = text.replace(name, " ")
    return {w.casefold() for w in re.findall(r"\w+", text)}


def local(scientific: str, lang: str = "es") -> str:
    sp = match(scientific)
    return sp.local_name(lang) if sp else scientific


def row_of(text: str, scientific: str, lang: str = "es") -> str:
    """The table row of a species: from its local name in the table to the next other species' name."""
    table = text[text.index(TEXT[lang]["table"]) :]
    start = table.index(local(scientific, lang))
    others = {n for s in SAMPLES if s != scientific for n in (s, local(s, lang))}
    nxt = [i for i in (table.find(o, start) for o in others) if i > 0]
    return table[start : min(nxt)] if nxt else table[start:]


@pytest.fixture(scope="module")
def guides(tmp_path_factory):
    out = tmp_path_factory.mktemp("guides")
    pops = load_populations()
    made = {}
    for statistic in ("mean", "ucl95"):
        advice = fish_advice(results(), pops, statistic=statistic)
        for lang in ("es", "en"):
            made[statistic, lang] = write_guide(
                COMMUNITY, advice, None, pops, out / statistic, lang, True, statistic=statistic
            )
    return made


def test_spanish_guide_names_local_fish_first_and_is_wholly_spanish(guides):
    g = guides["ucl95", "es"]
    assert g.pdf.exists() and g.pdf.stat().st_size > 10_000
    text = page_text(g.html)
    assert "boquichico" in text and text.index("boquichico") < text.index("Prochilodus"), "local name first"
    assert "[U]" not in text and "[V2]" not in text and "[V]" not in text, "no internal status codes"
    english = words_of(text, "es") & ENGLISH
    assert not english, f"English words in the Spanish guide: {sorted(english)}"
    assert "0,1" in text and "0.1 " not in text, "decimal comma in Spanish"


def test_english_guide_is_wholly_english(guides):
    text = page_text(guides["ucl95", "en"].html)
    assert text.index("boquichico") < text.index("Prochilodus"), "local names first in English too"
    spanish = words_of(text, "en") & SPANISH
    assert not spanish, f"Spanish words in the English guide: {sorted(spanish)}"
    assert "[U]" not in text and "UCL95" not in text.upper().replace(" ", "")


def test_the_figure_the_advice_rests_on_is_named_in_words(guides):
    ucl_es = page_text(guides["ucl95", "es"].html)
    assert "límite superior de confianza del 95 %" in ucl_es.lower()
    assert "ucl" not in ucl_es.lower(), "no UCL95 jargon"
    assert "upper 95 % confidence limit" in page_text(guides["ucl95", "en"].html).lower()
    mean_es = page_text(guides["mean", "es"].html)
    assert "límite superior" not in mean_es.lower() and "Mercurio promedio" in mean_es
    # palometa has one sample: no confidence limit exists, the page says the average stands in.
    assert "‡" in row_of(ucl_es, "Mylossoma aureum")


def test_few_samples_are_warned_and_never_advised_every_day(guides):
    for statistic in ("mean", "ucl95"):
        text = page_text(guides[statistic, "es"].html)
        one = row_of(text, "Mylossoma aureum")
        assert "todos los días" not in one, "a single low sample never gives 'every day'"
        assert "como máximo" in one and "pocas muestras" in one
        assert f"Menos de {MIN_SAMPLES} muestras" in text
        # The cap is a rule for small samples, not a blanket one: carachama (6 samples, 0.02 mg/kg) keeps it.
        assert "todos los días" in row_of(text, "Squaliforma emarginata")
    en = page_text(guides["mean", "en"].html)
    assert "every day" not in row_of(en, "Mylossoma aureum", "en")
    assert "every day" in row_of(en, "Squaliforma emarginata", "en")
    assert f"Fewer than {MIN_SAMPLES} samples" in en


def test_what_to_do_names_the_fish_and_the_meals_for_children_and_women(guides):
    text = page_text(guides["mean", "es"].html)
    todo = text[text.index(TEXT["es"]["todo"]) : text.index(TEXT["es"]["table"])]
    choose, avoid = todo.split("Evite")
    assert local("Squaliforma emarginata") in choose and local("Prochilodus nigricans") in choose
    assert "elíjalos primero" in choose
    assert local("Mylossoma aureum") not in choose, "a one-sample fish is not recommended"
    assert local("Cynodon gibbus") in avoid.splitlines()[0], "the high-mercury fish is named to avoid"
    pops = {p.key: p for p in load_populations()}
    kids = next(line for line in todo.splitlines() if line.startswith(pops["children"].es))
    women = next(line for line in todo.splitlines() if line.startswith(pops["women_childbearing"].es))
    # carachama at ~0.02 mg/kg: 0.1 µg/kg/day × 20 kg × 7 / (0.02 mg/kg × 57 g) ≈ 12 meals, i.e. every day
    assert local("Squaliforma emarginata") in kids and "57 g" in kids and "todos los días" in kids
    assert local("Squaliforma emarginata") in women and "227 g" in women and "gestantes" in women


def test_share_above_half_a_milligram_when_the_advice_has_it(tmp_path):
    pops = load_populations()
    advice = fish_advice(results(), pops)
    if "share_above_0_5" not in advice:  # until risk.fish_advice gives it: the share of samples, for the page
        share = {s: sum(v > 0.5 for v in vals) / len(vals) for s, vals in SAMPLES.items()}
        advice["share_above_0_5"] = advice.species.map(share)
        advice["share_above_0_5_lo"] = advice.share_above_0_5 * 0.5
        advice["share_above_0_5_hi"] = (advice.share_above_0_5 * 1.2).clip(upper=1)
    g = write_guide(COMMUNITY, advice, None, pops, tmp_path, "es", True)
    text = page_text(g.html)
    assert "más de 0,5 mg/kg" in text and "Codex" in text
    chambira = row_of(text, "Cynodon gibbus")
    expected = advice.set_index("species").loc["Cynodon gibbus", "share_above_0_5"]
    assert f"{100 * expected:.0f} %" in chambira
    # Without the column the page has no such column and no empty promise.
    plain = write_guide(
        COMMUNITY,
        advice.drop(columns=[c for c in advice if c.startswith("share_above_0_5")]),
        None,
        pops,
        tmp_path / "plain",
        "es",
        True,
    )
    assert "más de 0,5 mg/kg" not in page_text(plain.html)


def test_names_from_files_are_escaped_in_the_page(tmp_path):
    """A community name comes from a laboratory's file: it is shown as text, never run as markup."""
    pops = load_populations()
    g = write_guide("<script>alert(1)</script>", fish_advice(results(), pops), None, pops, tmp_path, "es", True)
    html = g.html.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
