"""A mercury campaign, step by step as a laboratory runs it: results in, QA/QC, exposure advice and guides,
maps and hotspots. Each step is one function the command line and the demo call; the store keeps the results."""

from __future__ import annotations

from dataclasses import dataclass
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
) -> pd.DataFrame:
    """Check a laboratory file (or an analyser export with its sample register) and add its results to the
    store, all or nothing; returns the results added."""
    from ..mercury.ingest import read_results

    if instrument:
        from ..mercury.dma import read_dma_export

        if register is None:
            raise InputError(f"{file}: an analyser export needs --register, the sample register it refers to")
        results = read_dma_export(file, register, instrument, batch=batch, formats=formats)
    else:
        results = read_results(file)
    store.add_results(results, actor, source=str(file))
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


def risk(
    store,
    out: Path,
    communities: list[str] | None = None,
    statistic: str = "mean",
    populations: Path | None = None,
    simulated: bool = False,
) -> RiskOutputs:
    """Fish advice, hair summaries (CSV) and one guide per community and language."""
    from ..mercury.risk import fish_advice, hair_summary, load_populations
    from ..reports.fish_guide import write_guide

    if statistic not in ("mean", "ucl95"):
        raise InputError(f"--statistic must be mean or ucl95; got {statistic!r}")
    results = store.results()
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
            guides.append(write_guide(name, local_advice, hair, pops, out / "guides", lg, bool(local), simulated))
    return RiskOutputs(advice, hair, guides)


def risk_line(r: RiskOutputs, lang: str) -> str:
    """What the risk step did, for a person: species advised, communities with hair results."""
    communities = 0 if r.hair is None else r.hair.community.nunique()
    return t("hg.risk_done", lang, species=len(r.advice), communities=communities)


def map_line(res, matrix: str, lang: str) -> str:
    """What the map step found, for a person: sites, hot and cold spots."""
    spots = res.sites["hotspot"] if "hotspot" in res.sites else pd.Series(dtype=object)
    hot, cold = int(spots.eq("hot").sum()), int(spots.eq("cold").sum())
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
):
    """Interpolated map, hotspots and mining upstream of each site; returns mercury.mapping's result with the
    figure added to its files."""
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
    res = make_map(results, out, matrix, river_gdf, mining_gdf, max_km, lateral_m, seed)
    res.files["figure"] = map_figure(res, river_gdf, mining_gdf, out / "mercury_map.png", lang)
    return res
