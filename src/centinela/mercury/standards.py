"""Mercury standards kept as data (``standards.yaml``), and results judged against every standard that applies.

A fish standard covers either the species its instrument lists (EU Reg. 2023/915 3.3.1.2: pike, tuna, sharks…),
every fish except those listed elsewhere (the general limit, 3.3.1.1), a trophic guild (the Codex guideline
levels for "predatory fish"), or every fish. Which one a result is judged against follows from its species, not
from a guild a lab typed: a piraña is predatory, but the EU 1.0 mg/kg limit does not list it, so it is judged
against the general 0.5 mg/kg one. Every verdict says why its standard applies (or, on request, why not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import yaml

from ..errors import InputError
from . import species as species_table
from .units import to_canonical, wet_to_dry

STATUSES = ("V", "V2", "U")
GUILDS = ("predatory", "non_predatory")  # fish groups a standard may be defined by (ingest's fish_group values)


@dataclass(frozen=True)
class Standard:
    id: str
    matrix: str
    analyte: str
    value: float  # in the matrix's canonical unit
    basis: str  # wet, dry or none
    group: str
    jurisdiction: str
    instrument: str
    status: str
    source: str
    species: tuple[str, ...] = ()  # the fish it covers, as the instrument lists them; empty: not defined by species
    excludes: tuple[str, ...] = ()  # ids of standards whose listed fish this one does not cover (a general limit)
    species_source: str = ""
    taxa: tuple[tuple[str, ...], ...] = ()  # parsed ``species``: one tuple of taxa per entry


@dataclass(frozen=True)
class Fish:
    """What is known of the fish a result comes from."""

    name: str  # as given
    scientific: str  # the scientific name ("" when the name could not be resolved)
    family: str  # from the species table ("" when unknown)
    guild: str | None  # predatory / non_predatory, or None when unknown
    guild_from: str  # "table" (species table) or "group" (given by the user or the lab file); "" when unknown


@dataclass(frozen=True)
class Verdict:
    standard: Standard
    exceeds: bool
    ratio: float
    unverified: bool
    applies: bool | None = True  # None: depends on the species or guild, which is not known
    reason: str = "all"  # why it applies or not (see ``applicability``)
    detail: str = ""  # the list entry that matched, the excluding standards, or the guild
    guild_from: str = ""  # where the fish's guild came from: "table" or "group"
    fish: str = ""  # the scientific name the species given resolved to


def _entry_taxa(entry: str, groups: dict[str, tuple[str, ...]], where: str) -> tuple[str, ...]:
    """ "Pike (Esox species)" → ("Esox species",); "Shark (all species)" → the families of taxon_groups["Shark"]."""
    m = re.fullmatch(r"\s*(.*?)\s*\((.*)\)\s*", entry)
    if not m:
        raise InputError(f"{where}: species entry {entry!r} must read 'Common name (taxa, …)'")
    name, inner = m.group(1), m.group(2)
    if inner.strip().casefold() == "all species":
        if name not in groups:
            raise InputError(f"{where}: {entry!r} needs its families under taxon_groups: {name}")
        return groups[name]
    return tuple(t.strip() for t in inner.split(",") if t.strip())


def load_standards(path=None) -> tuple[Standard, ...]:
    text = (
        (files(__package__) / "standards.yaml").read_text(encoding="utf-8")
        if path is None
        else open(path, encoding="utf-8").read()
    )
    doc = yaml.safe_load(text)
    groups = {k: tuple(v) for k, v in (doc.get("taxon_groups") or {}).items()}
    out, seen = [], set()
    for s in doc["standards"]:
        if s["id"] in seen:
            raise InputError(f"standards: duplicate id {s['id']}")
        if s["status"] not in STATUSES:
            raise InputError(f"standards: {s['id']}: status must be one of {STATUSES}")
        seen.add(s["id"])
        listed = tuple(s.get("species") or ())
        out.append(
            Standard(
                s["id"],
                s["matrix"],
                s["analyte"],
                to_canonical(s["value"], s["unit"], s["matrix"]),
                s["basis"],
                s["group"],
                s["jurisdiction"],
                s["instrument"],
                s["status"],
                s["source"],
                listed,
                tuple(s.get("excludes") or ()),
                s.get("species_source", ""),
                tuple(_entry_taxa(e, groups, f"standards: {s['id']}") for e in listed),
            )
        )
    for st in out:
        for other in st.excludes:
            if other not in seen:
                raise InputError(f"standards: {st.id} excludes {other!r}, which is not a standard in the file")
    return tuple(out)


def _words(name: str) -> list[str]:
    return species_table.key(name).split()


def _taxon_covers(taxon: str, fish: Fish) -> bool:
    """A binomial (or trinomial) matches that name; "Genus species"/"Genus spp."/"Genus" any species of the genus;
    a family name (…idae) any fish whose family the species table gives."""
    t = _words(taxon)
    name = _words(fish.scientific)
    if not t or not name:
        return False
    if len(t) == 1 and t[0].endswith("idae"):
        return bool(fish.family) and species_table.key(fish.family) == t[0]
    if len(t) == 1 or t[-1] in ("species", "spp", "sp"):
        return name[0] == t[0]
    return name[: len(t)] == t


def listed_entry(standard: Standard, fish: Fish) -> str | None:
    """The entry of ``standard``'s species list that covers ``fish``, or None."""
    for entry, taxa in zip(standard.species, standard.taxa, strict=True):
        if any(_taxon_covers(t, fish) for t in taxa):
            return entry
    return None


def resolve_fish(
    name: str | None, group: str | None = None, table: str | Path | None = None, strict: bool = True
) -> Fish:
    """The fish a name refers to: looked up in the species table (local names and spellings included), else taken
    as a scientific name when it reads like one ("Genus species"). ``group`` (predatory / non_predatory) stands in
    for the guild only when the table does not know the fish. ``strict``: an unknown name that is not a scientific
    name raises; otherwise it is kept as given and matches no list."""
    g = group if group in GUILDS else None
    if not name or not str(name).strip():
        return Fish("", "", "", g, "group" if g else "")
    sp = species_table.match(name, path=table)
    if sp is not None:
        return Fish(name, sp.scientific, sp.family, "predatory" if sp.predatory else "non_predatory", "table")
    words = str(name).split()
    # A scientific name as written by convention ("Pygocentrus nattereri"): "Boca Chico" or "BOCA CHICO" is not one.
    if (
        2 <= len(words) <= 3
        and re.fullmatch(r"[A-Z][a-z]+", words[0])
        and all(re.fullmatch(r"[a-z]+", w) for w in words[1:])
    ):
        # Not in the table: its family is that of a tabled fish of the same genus, when there is one.
        family = next((t.family for t in species_table.load_species(table) if t.scientific.split()[0] == words[0]), "")
        return Fish(name, " ".join(words), family, g, "group" if g else "")
    if strict:
        raise InputError(
            f"species {name!r}: not in the species table (species.yaml) and not a scientific name (Genus species); "
            "give the scientific name, or add the local name to the species table"
        )
    return Fish(name, "", "", g, "group" if g else "")


def applicability(standard: Standard, fish: Fish | None, by_id: dict[str, Standard]) -> tuple[bool | None, str, str]:
    """Whether ``standard`` covers ``fish`` (True, False, or None when the species or guild needed is unknown),
    with a reason code and a detail:

    listed / not_in_list          the standard lists its fish; the detail is the entry that matched
    not_listed / excluded_listed  a general limit; the fish is (not) on the lists of the standards it excludes
    guild / other_guild           defined by guild; the detail is the fish's guild
    species_unknown_listed, species_unknown_general, guild_unknown   no species (or guild) to decide with
    all                           covers every result of its matrix
    """
    known = fish is not None and bool(fish.scientific)
    if standard.species:
        if not known:
            return None, "species_unknown_listed", ""
        entry = listed_entry(standard, fish)
        return (True, "listed", entry) if entry else (False, "not_in_list", "")
    if standard.excludes:
        if not known:
            return None, "species_unknown_general", ", ".join(standard.excludes)
        hits = [i for i in standard.excludes if listed_entry(by_id[i], fish)]
        return (
            (False, "excluded_listed", ", ".join(hits)) if hits else (True, "not_listed", ", ".join(standard.excludes))
        )
    if standard.group in GUILDS:
        if fish is None or fish.guild is None:
            return None, "guild_unknown", standard.group
        return (True, "guild", fish.guild) if fish.guild == standard.group else (False, "other_guild", fish.guild)
    return True, "all", ""


def evaluate(
    value: float,
    unit: str,
    matrix: str,
    basis: str = "none",
    moisture: float | None = None,
    group: str | None = None,
    standards: tuple[Standard, ...] | None = None,
    species: str | None = None,
    species_table_path: str | Path | None = None,
    include_excluded: bool = False,
) -> list[Verdict]:
    """Judge one result against every standard of its matrix that applies to it.

    Fish: ``species`` (a local or scientific name) decides which standards cover the result; ``group``
    (predatory / non_predatory) is used only for standards defined by guild and only when the species table does
    not give the fish's guild. Without a species, standards that depend on it are returned with ``applies=None``.
    Other matrices: ``group`` keeps the standards of that use (drinking, irrigation…) and those for any use.
    ``include_excluded`` also returns the standards that do not apply (``applies=False``), to say why.

    Bases must match: a wet-weight fish result is compared with wet-weight limits; a wet sediment result
    needs ``moisture`` to be put on the dry basis of sediment guidelines. Unverified (U) standards are
    reported with ``unverified=True`` so no one mistakes them for verified limits.
    """
    standards = standards or load_standards()
    by_id = {s.id: s for s in standards}
    fish = resolve_fish(species, group, species_table_path) if matrix == "fish" else None
    v = to_canonical(value, unit, matrix)
    out = []
    for s in standards:
        if s.matrix != matrix:
            continue
        if fish is None and group and s.group not in (group, "any"):
            continue
        applies, reason, detail = applicability(s, fish, by_id) if fish is not None else (True, "all", "")
        if applies is False and not include_excluded:
            continue
        x = v
        if s.basis in ("wet", "dry") and basis != s.basis:
            if basis == "wet" and s.basis == "dry" and moisture is not None:
                x = wet_to_dry(v, moisture)
            else:
                raise InputError(
                    f"{matrix} result on a '{basis}' basis cannot be compared with {s.id} ({s.basis} basis)"
                    + (" without its moisture" if s.basis == "dry" else "")
                )
        guild_from, sci = (fish.guild_from, fish.scientific) if fish is not None else ("", "")
        out.append(Verdict(s, x > s.value, x / s.value, s.status == "U", applies, reason, detail, guild_from, sci))
    return out


def explain(v: Verdict, species: str | None, lang: str) -> str:
    """Why ``v``'s standard applies to the result (or not), in the reader's language; "" for standards that cover
    every result of their matrix."""
    from ..i18n import t

    if v.reason == "all":
        return ""
    name = species or t("hg.the_fish", lang)
    if species and v.fish and species_table.key(v.fish) != species_table.key(species):
        name = f"{species} ({v.fish})"
    guilds = {g: t(f"hg.guild_{g}", lang) for g in GUILDS}
    return t(
        f"hg.why_{v.reason}",
        lang,
        species=name,
        detail=v.detail,
        needed=guilds.get(v.standard.group, v.standard.group),
        guild=guilds.get(v.detail, v.detail),
        source=t(f"hg.guild_from_{v.guild_from}", lang) if v.guild_from else "",
    )
