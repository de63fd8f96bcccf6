"""Mercury commands (first part of issue #6): meals calculator, checks against standards, the standards table."""

# No `from __future__ import annotations`: Typer evaluates the Annotated help texts built in register().
from pathlib import Path
from typing import Annotated

import typer

from ..i18n import t
from .common import actor_option


def register(app: typer.Typer, lang: str) -> None:
    hg = typer.Typer(help=t("cmd.mercury", lang), no_args_is_help=True)
    app.add_typer(hg, name="mercury")

    @hg.command("template", help=t("cmd.hg_template", lang))
    def template(out: Annotated[Path, typer.Option(help=t("opt.out", lang))]) -> None:
        from ..mercury.ingest import template as write_template

        for p in write_template(out):
            typer.echo(str(p))

    @hg.command("ingest", help=t("cmd.hg_ingest", lang))
    def ingest(
        file: Path,
        store: Annotated[
            str | None, typer.Option("--store", help=t("opt.store", lang), envvar="CENTINELA_STORE")
        ] = None,
        instrument: Annotated[str | None, typer.Option(help=t("opt.hg_instrument", lang))] = None,
        register: Annotated[Path | None, typer.Option(help=t("opt.hg_register", lang))] = None,
        batch: Annotated[str | None, typer.Option(help=t("opt.hg_batch", lang))] = None,
        formats: Annotated[Path | None, typer.Option(help=t("opt.hg_formats", lang))] = None,
        actor: Annotated[str | None, actor_option(lang)] = None,
    ) -> None:
        from ..errors import InputError
        from ..mercury.ingest import read_results
        from ..store import open_store
        from ..store.embedded import default_actor

        if instrument:
            from ..mercury.dma import read_dma_export

            if register is None:
                raise InputError(t("hg.need_register", lang))
            results = read_dma_export(file, register, instrument, batch=batch, formats=formats)
        else:
            results = read_results(file)
        n = open_store(store).add_results(results, actor or default_actor(), source=str(file))
        typer.echo(t("hg.ingested", lang, n=n, file=file, censored=int(results.censored.sum())))

    @hg.command("qc", help=t("cmd.hg_qc", lang))
    def qc(
        store: Annotated[
            str | None, typer.Option("--store", help=t("opt.store", lang), envvar="CENTINELA_STORE")
        ] = None,
        limits: Annotated[Path | None, typer.Option(help=t("opt.hg_limits", lang))] = None,
        actor: Annotated[str | None, actor_option(lang)] = None,
    ) -> None:
        from ..mercury.qc import check_batches, load_limits
        from ..store import open_store
        from ..store.embedded import default_actor

        st = open_store(store)
        table, flagged = check_batches(st.results(), load_limits(limits))
        st.set_qc_flags(flagged, actor or default_actor())
        for r in table.itertuples():
            typer.echo(f"{r.batch:20s} {'OK' if r.passed else t('hg.qc_fail', lang):10s} {r.reasons}")
        if len(table) and not table.passed.all():
            raise typer.Exit(4)

    @hg.command("meals", help=t("cmd.hg_meals", lang))
    def meals(
        concentration: Annotated[float, typer.Option(help=t("opt.hg_conc", lang))],
        body_weight: Annotated[float, typer.Option(help=t("opt.hg_bw", lang))],
        meal_g: Annotated[float, typer.Option(help=t("opt.hg_meal", lang))] = 227.0,
        basis: Annotated[str, typer.Option(help=t("opt.hg_basis", lang))] = "epa",
    ) -> None:
        from ..mercury.exposure import safe_meals_per_week

        n = safe_meals_per_week(concentration, body_weight, meal_g, basis)
        typer.echo(
            t(
                "hg.meals",
                lang,
                n=n,
                conc=concentration,
                bw=body_weight,
                meal=meal_g,
                basis=t("hg.basis_epa" if basis == "epa" else "hg.basis_jecfa", lang),
            )
        )
        if n < 1:
            typer.echo(t("hg.less_than_one", lang, weeks=1 / n))

    @hg.command("check", help=t("cmd.hg_check", lang))
    def check(
        value: float,
        unit: Annotated[str, typer.Option(help=t("opt.hg_unit", lang))],
        matrix: Annotated[str, typer.Option(help=t("opt.hg_matrix", lang))],
        basis: Annotated[str, typer.Option(help=t("opt.hg_wetdry", lang))] = "none",
        moisture: Annotated[float | None, typer.Option(help=t("opt.hg_moisture", lang))] = None,
        group: Annotated[str | None, typer.Option(help=t("opt.hg_group", lang))] = None,
    ) -> None:
        from ..mercury.standards import evaluate

        for v in evaluate(value, unit, matrix, basis, moisture, group):
            mark = t("hg.exceeds", lang) if v.exceeds else t("hg.below", lang)
            flag = f" [{t('hg.unverified', lang)}]" if v.unverified else f" [{v.standard.status}]"
            typer.echo(f"{mark:10s} {v.ratio:6.2f}×  {v.standard.id:26s} {v.standard.instrument}{flag}")

    @hg.command("risk", help=t("cmd.hg_risk", lang))
    def risk(
        store: Annotated[
            str | None, typer.Option("--store", help=t("opt.store", lang), envvar="CENTINELA_STORE")
        ] = None,
        out: Annotated[Path, typer.Option(help=t("opt.out", lang))] = Path("outputs/mercury"),
        community: Annotated[list[str] | None, typer.Option(help=t("opt.hg_community", lang))] = None,
        statistic: Annotated[str, typer.Option(help=t("opt.hg_statistic", lang))] = "mean",
        populations: Annotated[Path | None, typer.Option(help=t("opt.hg_populations", lang))] = None,
        simulated: Annotated[bool, typer.Option(help=t("opt.simulated", lang))] = False,
    ) -> None:
        from ..store import open_store

        _risk(open_store(store), out, community, statistic, populations, simulated, lang)

    @hg.command("map", help=t("cmd.hg_map", lang))
    def map_(
        store: Annotated[
            str | None, typer.Option("--store", help=t("opt.store", lang), envvar="CENTINELA_STORE")
        ] = None,
        out: Annotated[Path, typer.Option(help=t("opt.out", lang))] = Path("outputs/mercury/map"),
        matrix: Annotated[str, typer.Option(help=t("opt.hg_map_matrix", lang))] = "sediment",
        rivers: Annotated[Path | None, typer.Option(help=t("opt.hg_rivers", lang))] = None,
        mining: Annotated[Path | None, typer.Option(help=t("opt.hg_mining", lang))] = None,
        max_km: Annotated[float, typer.Option(help=t("opt.hg_max_km", lang))] = 50.0,
        lateral_m: Annotated[float, typer.Option(help=t("opt.hg_lateral", lang))] = 3000.0,
        seed: Annotated[int, typer.Option(help=t("opt.seed", lang))] = 0,
    ) -> None:
        from ..store import open_store

        _map(open_store(store), out, matrix, rivers, mining, max_km, lateral_m, seed, lang)


def _risk(store, out: Path, communities, statistic: str, populations, simulated: bool, lang: str):
    """Fish advice, hair summaries and one guide per community and language; returns the guide files."""
    from ..errors import InputError
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
    typer.echo(
        t("hg.risk_done", lang, species=len(advice), communities=0 if hair is None else hair.community.nunique())
    )
    for g in guides:
        typer.echo(f"  {g.pdf}")
    return guides


def _map(store, out: Path, matrix: str, rivers, mining, max_km: float, lateral_m: float, seed: int, lang: str):
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
    hot = int(res.sites.get("hotspot", []).eq("hot").sum()) if "hotspot" in res.sites else 0
    cold = int(res.sites.get("hotspot", []).eq("cold").sum()) if "hotspot" in res.sites else 0
    typer.echo(t("hg.map_done", lang, sites=len(res.sites), matrix=matrix, hot=hot, cold=cold))
    for p in res.files.values():
        typer.echo(f"  {p}")
    if len(res.scores):
        typer.echo(t("hg.cv", lang))
        for s in res.scores.itertuples():
            typer.echo(
                f"  {s.method:22s} RMSE {s.rmse_log10:.3f}  MAE {s.mae_log10:.3f}  bias {s.bias_log10:+.3f}"
                + (f"  RMSSE {s.rmsse:.2f}" if s.rmsse == s.rmsse and s.rmsse is not None else "")
                + ("  ←" if s.chosen else "")
            )
    if res.spearman:
        typer.echo(t("hg.spearman", lang, rho=res.spearman[0], p=res.spearman[1], n=res.spearman[2]))
    for n in res.notes:
        typer.echo(t("hg.note", lang, text=n))
    return res
