"""A mercury campaign, step by step as a laboratory runs it: results in, QA/QC, exposure advice and guides,
maps and hotspots. Each step is one function the command line and the demo call; the store keeps the results."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..i18n import t


def ingest(
    store,
    file: Path,
    actor: str,
    instrument: str | None = None,
    register: Path | None = None,
    batch: str | None = None,
    formats: Path | None = None,
    *,
    supersede: bool = False,
    reason: str = "",
    species_map: Path | None = None,
    accept_warnings: bool = False,
) -> pd.DataFrame:
    """Check a laboratory file (or an analyser export with its sample register) and add its results to the
    store, all or nothing; returns the results added. With ``supersede`` a result for a sample and analyte
    already in the store (a re-analysis, a corrected value) replaces it as current; the earlier one is kept.

    ``species_map``: the user's CSV (name,scientific) for fish names the species table does not know. When
    names are unknown, a map to fill in is written to ``<file stem>.species-map.csv`` in the working folder and
    the raised ``UnknownSpecies`` carries its path (``map_path``). Plausibility warnings stop the import unless
    ``accept_warnings``; accepted ones are in the returned frame's ``attrs["warnings"]``."""
    from ..mercury.ingest import raise_warnings, read_results
    from ..mercury.species import UnknownSpecies, read_species_map, write_species_map

    aliases = read_species_map(species_map) if species_map else None
    try:
        if instrument:
            from ..mercury.dma import read_dma_export

            if register is None:
                raise InputError(f"{file}: an analyser export needs --register, the sample register it refers to")
            results = read_dma_export(file, register, instrument, batch=batch, formats=formats, aliases=aliases)
        else:
            results = read_results(file, species_map=aliases)
    except UnknownSpecies as exc:
        target = Path.cwd() / f"{Path(file).stem}.species-map.csv"
        exc.map_path = write_species_map(target, exc.names, aliases)
        raise
    if not accept_warnings:
        raise_warnings(results.attrs.get("warnings", ()))
    store.add_results(results, actor, source=str(file), supersede=supersede, reason=reason)
    return results


def qc(store, actor: str, limits: Path | None = None) -> pd.DataFrame:
    """QA/QC of every batch in the store; the flags are saved; returns the batch table (pass/fail, reasons)."""
    from ..mercury.qc import check_batches, load_limits

    table, flagged = check_batches(store.results(), load_limits(limits))
    store.set_qc_flags(flagged, actor)
    return table


@dataclass(frozen=True)
class RiskOutputs:
    advice: pd.DataFrame
    hair: pd.DataFrame | None
    guides: list  # reports.fish_guide.GuideFiles, one per community and language
    notes: tuple[str, ...] = ()  # results left out or used with caution, and why (in the reader's language)


def risk(
    store,
    out: Path,
    communities: list[str] | None = None,
    statistic: str = "mean",
    populations: Path | None = None,
    simulated: bool = False,
    lang: str = "en",
) -> RiskOutputs:
    """Fish advice, hair summaries (CSV) and one guide per community and language."""
    from ..mercury.results import usable
    from ..mercury.risk import fish_advice, hair_summary, load_populations
    from ..reports.fish_guide import write_guide

    if statistic not in ("mean", "ucl95"):
        raise InputError(f"--statistic must be mean or ucl95; got {statistic!r}")
    results = store.results()
    notes: list[str] = []
    kept = usable(results, notes, lang)  # the advice uses the same rows; this says what was left out
    if notes and not (kept.matrix == "fish").any():
        raise InputError(t("hg.no_usable_fish", lang, why="; ".join(notes)))
    pops = load_populations(populations)
    out.mkdir(parents=True, exist_ok=True)
    advice = fish_advice(results, pops, statistic=statistic)
    advice.to_csv(out / "fish_advice.csv", index=False)
    try:
        hair = hair_summary(results)
        hair.to_csv(out / "hair_summary.csv", index=False)
    except InputError:
        hair = None
    names = set(results.get("community", []).astype(str)) - {""} if "community" in results else set()
    names = sorted(communities or names) or ["Madre de Dios"]
    guides = []
    for name in names:
        local = "community" in results and ((results.community == name) & (results.matrix == "fish")).any()
        local_advice = fish_advice(results, pops, community=name, statistic=statistic) if local else advice
        for lg in ("es", "en"):
            guides.append(
                write_guide(
                    name, local_advice, hair, pops, out / "guides", lg, bool(local), simulated, statistic=statistic
                )
            )
    return RiskOutputs(advice, hair, guides, tuple(notes))


def _local(species: str, lang: str) -> str:
    """A fish by the name people use for it (the stored name is the scientific one)."""
    from ..mercury.species import match

    found = match(str(species))
    return found.local_name(lang) if found else str(species)


def risk_line(r: RiskOutputs, lang: str) -> str:
    """What the risk step did, for a person: species advised, communities with hair results."""
    communities = 0 if r.hair is None else r.hair.community.nunique()
    line = t("hg.risk_done", lang, species=len(r.advice), communities=communities)
    lines = [line, *(t("hg.note", lang, text=n) for n in r.notes)]
    from ..reports.fish_guide import MIN_SAMPLES

    few = r.advice[r.advice.n < MIN_SAMPLES] if "n" in r.advice else r.advice.iloc[:0]
    if len(few):  # the guides cap and mark these; the person running the step should know which
        names = ", ".join(f"{_local(s, lang)} (n = {n})" for s, n in zip(few.species, few.n, strict=True))
        lines.append(t("hg.note", lang, text=t("hg.risk_few", lang, n=len(few), min=MIN_SAMPLES, names=names)))
    return "\n".join(lines)


def map_line(res, matrix: str, lang: str) -> str:
    """What the map step found, for a person: sites (of which fish, for a fish map), hot and cold spots."""
    spots = res.sites["hotspot"] if "hotspot" in res.sites else pd.Series(dtype=object)
    hot, cold = int(spots.eq("hot").sum()), int(spots.eq("cold").sum())
    subject = getattr(res, "subject", "") or matrix
    if subject != matrix:  # a fish map of one guild or species: "6 sites of fish (fish-eaters)"
        return t("hg.map_done_subject", lang, sites=len(res.sites), subject=subject, hot=hot, cold=cold)
    return t("hg.map_done", lang, sites=len(res.sites), matrix=matrix, hot=hot, cold=cold)


def hg_map(
    store,
    out: Path,
    matrix: str = "sediment",
    rivers: str | Path | None = None,
    mining: str | Path | None = None,
    max_km: float = 50.0,
    lateral_m: float = 3000.0,
    seed: int = 0,
    lang: str = "es",
    *,
    species: str | None = None,
    guild: str | None = None,
    standard_length: float | None = None,
    strict_sites: bool = False,
):
    """Interpolated map, hotspots and mining upstream of each site; returns mercury.mapping's result with the
    figure added to its files. Fish are mapped per ``species`` or per ``guild`` (one is required), optionally
    at a ``standard_length`` (cm); co-located site ids are merged unless ``strict_sites``."""
    from ..mercury.mapping import make_map
    from ..reports.mercury_figure import map_figure
    from ..zones.layers import read_vector

    results = store.results()
    river_gdf = read_vector(rivers) if rivers else None
    if mining is not None:
        mining_gdf = read_vector(mining)
        if "cause" in mining_gdf:
            mining_gdf = mining_gdf[mining_gdf.cause == "mining"]
    elif river_gdf is not None:
        mining_gdf = store.alerts(cause="mining")
    else:
        mining_gdf = None
    res = make_map(
        results,
        out,
        matrix,
        river_gdf,
        mining_gdf,
        max_km,
        lateral_m,
        seed,
        species=species,
        guild=guild,
        standard_length=standard_length,
        strict_sites=strict_sites,
        lang=lang,
    )
    # The figure titles what is mapped: for fish, the guild or species in the reader's words.
    shown = replace(res, matrix=res.subject) if res.subject and res.subject != matrix else res
    res.files["figure"] = map_figure(shown, river_gdf, mining_gdf, out / "mercury_map.png", lang)
    return res
