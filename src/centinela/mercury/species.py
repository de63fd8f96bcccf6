"""Fish species as data (``species.yaml``): scientific name, the local names and spellings people use, trophic
guild and the source of each entry. Laboratory files name fish as their collectors heard them ("Boca Chico",
"BOCA CHICO", "Yuarachi", "YAHUARACHI"); ingestion matches every spelling to one species so results, standards
and guides refer to the same fish.

A name the table does not know is not guessed: the import lists it with the closest known names, and the user
maps it once in a species map (CSV ``name,scientific``, or ``nombre,cientifico``) passed with
``--species-map``; :func:`write_species_map` writes that file ready to fill in.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import yaml

from ..errors import InputError

GUILDS = ("piscivore", "omnivore", "insectivore", "detritivore", "herbivore", "planktivore")
MAP_NAME = ("name", "nombre")  # accepted headers of a species map, compared with key()
MAP_SCIENTIFIC = ("scientific", "cientifico", "scientific name", "nombre cientifico")


@dataclass(frozen=True)
class Species:
    scientific: str  # accepted scientific name, the key results are stored under
    names_es: tuple[str, ...]  # local (Spanish) names, the preferred one first
    names_other: tuple[str, ...]  # indigenous and other local usage, where published
    names_en: tuple[str, ...]  # English common names, when one exists
    guild: str  # piscivore, omnivore, detritivore, herbivore, insectivore, planktivore
    family: str
    source: str
    synonyms: tuple[str, ...] = ()  # other scientific names it is recorded under (matched like names)
    names_shared: tuple[str, ...] = ()  # local names of its group: shown to readers, not matched
    note: str = ""

    @property
    def predatory(self) -> bool:
        return self.guild == "piscivore"

    def local_name(self, lang: str = "es") -> str:
        """The name a reader of ``lang`` knows the fish by: the local name first (that is what people say in
        Madre de Dios whatever language the guide is in), else the English or scientific name."""
        if self.names_es:
            return self.names_es[0]
        if self.names_shared:
            return self.names_shared[0]
        return self.names_en[0] if lang == "en" and self.names_en else self.scientific

    def names(self) -> tuple[str, ...]:
        """Every name this entry is matched by."""
        return (self.scientific, *self.synonyms, *self.names_es, *self.names_other, *self.names_en)


class UnknownSpecies(InputError):
    """An import that stopped (also) on fish names the table does not know.

    ``names`` maps each unknown name, as written, to the scientific name of its closest match ('' if none), so a
    caller can write a species map for the user to check (:func:`write_species_map`)."""

    def __init__(self, message: str, names: dict[str, str]):
        super().__init__(message)
        self.names = names


def key(name: str) -> str:
    """How names are compared: case, accents, hyphens, dots and spacing do not count ("sp." = "spp.")."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", " ", text.casefold()).strip()
    return re.sub(r" spp?$", " spp", text)


def _names(s: dict, field: str) -> tuple[str, ...]:
    value = s.get(field) or ()
    return (value,) if isinstance(value, str) else tuple(str(v) for v in value)


def load_species(path: str | Path | None = None) -> tuple[Species, ...]:
    text = (
        (files(__package__) / "species.yaml").read_text(encoding="utf-8")
        if path is None
        else Path(path).read_text(encoding="utf-8")
    )
    where = "species.yaml" if path is None else str(path)
    out = []
    for i, s in enumerate(yaml.safe_load(text)["species"]):
        try:
            sp = Species(
                s["scientific"],
                _names(s, "names_es"),
                _names(s, "names_other"),
                _names(s, "names_en"),
                s["guild"],
                s.get("family", ""),
                s["source"],
                _names(s, "synonyms"),
                _names(s, "names_shared"),
                str(s.get("note") or ""),
            )
        except KeyError as exc:
            raise InputError(f"{where}: species entry {i + 1} lacks the field {exc}") from exc
        if sp.guild not in GUILDS:
            raise InputError(f"{where}: {sp.scientific}: guild {sp.guild!r} is not one of {', '.join(GUILDS)}")
        out.append(sp)
    matched = {key(n) for sp in out for n in sp.names_es}
    for sp in out:
        for n in sp.names_shared:
            if key(n) not in matched:
                raise InputError(
                    f"{where}: {sp.scientific}: shared name {n!r} is no entry's names_es; add the group entry "
                    "(e.g. a genus 'spp.') that the name is matched to"
                )
    return tuple(out)


@lru_cache(maxsize=4)
def _index(path: str | None) -> dict[str, Species]:
    index: dict[str, Species] = {}
    for s in load_species(path):
        for name in s.names():
            k = key(name)
            if k in index and index[k] is not s:
                raise InputError(
                    f"species table: the name {name!r} is given to {index[k].scientific} and {s.scientific}"
                )
            index[k] = s
    return index


def _lookup(k: str, index: dict[str, Species]) -> Species | None:
    if k in index:
        return index[k]
    # Plurals ("carachamas", "palometas", "bagres"): a lab's list of what was caught.
    for suffix in ("s", "es"):
        if len(k) > 4 and k.endswith(suffix) and k[: -len(suffix)] in index:
            return index[k[: -len(suffix)]]
    return None


def match(name: str, aliases: dict[str, str] | None = None, path: str | Path | None = None) -> Species | None:
    """The species a written name refers to, or None. ``aliases`` maps names the table does not know (a lab's own
    spellings, mapped once by the user) to a name it does."""
    index = _index(None if path is None else str(path))
    k = key(name)
    found = _lookup(k, index)
    if found is not None:
        return found
    for written, meant in (aliases or {}).items():
        if key(written) == k:
            return _lookup(key(meant), index)
    return None


def suggest(name: str, n: int = 3, path: str | Path | None = None) -> list[tuple[str, Species]]:
    """Up to ``n`` (known name, species) closest to ``name``, best first: the genus entry when the genus is
    known ("Brycon amazonicus" → Brycon spp.), then by spelling (difflib on the comparison keys)."""
    index = _index(None if path is None else str(path))
    k = key(name)
    out: list[tuple[str, Species]] = []
    genus = k.split(" ")[0] + " spp" if k else ""
    if genus in index and " " in k:
        out.append((index[genus].scientific, index[genus]))
    display = {key(nm): nm for s in set(index.values()) for nm in s.names()}
    out += [(display[c], index[c]) for c in difflib.get_close_matches(k, list(index), n=n + 3, cutoff=0.6)]
    seen, unique = set(), []
    for nm, s in out:  # one suggestion per species: the closest spelling of it
        if s.scientific not in seen:
            seen.add(s.scientific)
            unique.append((nm, s))
    return unique[:n]


def describe_unknown(name: str, path: str | Path | None = None) -> str:
    """What an import says about a name the table does not know: the closest names and how to map it."""
    close = suggest(name, path=path)
    hint = (
        "closest known: " + "; ".join(nm if nm == s.scientific else f"{nm} ({s.scientific})" for nm, s in close)
        if close
        else "no close name in the table"
    )
    return (
        f"a fish of the species table; {hint}. Map it once in a species map (CSV with columns name,scientific) "
        "and re-run with --species-map"
    )


def read_species_map(path: str | Path, table: str | Path | None = None) -> dict[str, str]:
    """A user's species map: {name as written: scientific name}. Every row must name a species the table knows;
    a bad row is reported with its line and nothing is used."""
    from .readers import read_table

    path = Path(path)
    raw = read_table(path)
    cols = {key(c): c for c in raw.columns}
    name_col = next((cols[h] for h in MAP_NAME if h in cols), None)
    sci_col = next((cols[key(h)] for h in MAP_SCIENTIFIC if key(h) in cols), None)
    if name_col is None or sci_col is None:
        raise InputError(
            f"{path}: a species map needs the columns name,scientific (or nombre,cientifico); found "
            f"{', '.join(map(str, raw.columns)) or 'none'}"
        )
    lines = raw.attrs.get("source_lines") or list(range(2, len(raw) + 2))
    aliases, errors = {}, []
    for line, written, meant in zip(lines, raw[name_col], raw[sci_col], strict=True):
        written, meant = str(written).strip(), str(meant).strip()
        if not written:
            continue
        if not meant:
            errors.append(f"{path}:{line}: field '{sci_col}' is empty for {written!r}: expected the scientific name")
        elif match(meant, path=table) is None:
            errors.append(f"{path}:{line}: field '{sci_col}' = {meant!r}: expected {describe_unknown(meant, table)}")
        else:
            aliases[written] = meant
    if errors:
        raise InputError(f"{len(errors)} problem(s) in the species map, nothing imported:\n" + "\n".join(errors))
    return aliases


def write_species_map(path: str | Path, unknown: dict[str, str], known: dict[str, str] | None = None) -> Path:
    """Write a species map to fill in: the rows of ``known`` (a map already in use), then one row per unknown
    name with its closest match pre-filled (check it: a suggestion is only a spelling match)."""
    path = Path(path)
    rows = dict(known or {})
    for name, best in unknown.items():
        rows.setdefault(name, best)
    with path.open("w", encoding="utf-8-sig", newline="") as f:  # the BOM tells Excel the accents are UTF-8
        w = csv.writer(f)
        w.writerow(["name", "scientific", "closest_names"])
        for name, sci in rows.items():
            close = "" if name in (known or {}) else "; ".join(f"{nm} ({s.scientific})" for nm, s in suggest(name))
            w.writerow([name, sci, close])
    return path


FISH_SAMPLES = ("sample", "duplicate", "")  # QC materials (CRM, blanks) carry no species to match


def resolve(
    row: dict, where: str, aliases: dict[str, str] | None = None, table: str | Path | None = None
) -> tuple[list[str], list[str], str | None]:
    """Match the species of a fish row in place: (problems, warnings, the name if the table does not know it).

    ``species`` becomes the scientific name and ``species_as_written`` keeps what the lab wrote; a blank
    ``fish_group`` is filled from the guild (piscivore → predatory), a given one that contradicts the table is a
    warning (kept as given if accepted)."""
    written = str(row.get("species") or "").strip()
    row["species_as_written"] = written
    if not written or row.get("matrix") != "fish" or row.get("qc_type", "") not in FISH_SAMPLES:
        return [], [], None
    sp = match(written, aliases, table)
    if sp is None:
        return [f"{where}: field 'species' = {written!r}: expected {describe_unknown(written, table)}"], [], written
    row["species"] = sp.scientific
    group = "predatory" if sp.predatory else "non_predatory"
    if not row.get("fish_group"):
        row["fish_group"] = group
        return [], [], None
    if row["fish_group"] in ("predatory", "non_predatory") and row["fish_group"] != group:
        return (
            [],
            [
                f"{where}: field 'fish_group' = {row['fish_group']!r}: the species table lists {sp.scientific} "
                f"({written}) as {sp.guild}, i.e. {group}; check the species or the group"
            ],
            None,
        )
    return [], [], None


def best_guess(name: str, table: str | Path | None = None) -> str:
    """The scientific name a species map is pre-filled with: the closest known name's species, or ''."""
    close = suggest(name, n=1, path=table)
    return close[0][1].scientific if close else ""
