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
        from ..jobs import mercury as job
        from ..store import open_store
        from ..store.core import default_actor

        if instrument and register is None:
            raise InputError(t("hg.need_register", lang))
        results = job.ingest(open_store(store), file, actor or default_actor(), instrument, register, batch, formats)
        typer.echo(t("hg.ingested", lang, n=len(results), file=file, censored=int(results.censored.sum())))

    @hg.command("qc", help=t("cmd.hg_qc", lang))
    def qc(
        store: Annotated[
            str | None, typer.Option("--store", help=t("opt.store", lang), envvar="CENTINELA_STORE")
        ] = None,
        limits: Annotated[Path | None, typer.Option(help=t("opt.hg_limits", lang))] = None,
        actor: Annotated[str | None, actor_option(lang)] = None,
    ) -> None:
        from ..jobs import mercury as job
        from ..store import open_store
        from ..store.core import default_actor

        table = job.qc(open_store(store), actor or default_actor(), limits)
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
    """Run the risk step and say what it wrote; returns the guide files."""
    from ..jobs import mercury as job

    r = job.risk(store, out, communities, statistic, populations, simulated)
    typer.echo(job.risk_line(r, lang))
    for g in r.guides:
        typer.echo(f"  {g.pdf}")
    return r.guides


def _map(store, out: Path, matrix: str, rivers, mining, max_km: float, lateral_m: float, seed: int, lang: str):
    """Run the map step and report it: files, cross-validation, upstream correlation, notes."""
    from ..jobs import mercury as job

    res = job.hg_map(store, out, matrix, rivers, mining, max_km, lateral_m, seed, lang)
    typer.echo(job.map_line(res, matrix, lang))
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
