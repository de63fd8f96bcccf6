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
        supersede: Annotated[bool, typer.Option(help=t("opt.hg_supersede", lang))] = False,
        reason: Annotated[str, typer.Option(help=t("opt.hg_reason", lang))] = "",
        species_map: Annotated[Path | None, typer.Option(help=t("opt.hg_species_map", lang))] = None,
        accept_warnings: Annotated[bool, typer.Option(help=t("opt.hg_accept_warnings", lang))] = False,
    ) -> None:
        from ..errors import InputError
        from ..jobs import mercury as job
        from ..mercury.species import UnknownSpecies
        from ..store import open_store
        from ..store.core import default_actor

        if instrument and register is None:
            raise InputError(t("hg.need_register", lang))
        try:
            results = job.ingest(
                open_store(store),
                file,
                actor or default_actor(),
                instrument,
                register,
                batch,
                formats,
                supersede=supersede,
                reason=reason,
                species_map=species_map,
                accept_warnings=accept_warnings,
            )
        except UnknownSpecies as exc:  # say where the map to fill in is, in the reader's language
            written = getattr(exc, "map_path", None)
            if written is None:
                raise
            raise InputError(f"{exc}\n{t('hg.species_map_written', lang, path=written)}") from None
        accepted = results.attrs.get("warnings") or []
        if accepted:
            typer.echo(t("hg.warnings_accepted", lang, n=len(accepted)))
            for w in accepted:
                typer.echo(f"  {w}")
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
            if not r.passed:
                typer.echo("    " + t("hg.qc_left_out", lang, n=r.n_samples))
        if len(table) and not table.passed.all():
            raise typer.Exit(4)

    @hg.command("retract", help=t("cmd.hg_retract", lang))
    def retract(
        sample: str,
        reason: Annotated[str, typer.Option(help=t("opt.hg_reason", lang))],
        analyte: Annotated[str, typer.Option(help=t("opt.hg_analyte", lang))] = "THg",
        qc_type: Annotated[str, typer.Option(help=t("opt.hg_qc_type", lang))] = "sample",
        store: Annotated[
            str | None, typer.Option("--store", help=t("opt.store", lang), envvar="CENTINELA_STORE")
        ] = None,
        actor: Annotated[str | None, actor_option(lang)] = None,
    ) -> None:
        from ..store import open_store
        from ..store.core import default_actor

        row = open_store(store).retract_result(sample, analyte, qc_type, actor or default_actor(), reason)
        typer.echo(t("hg.retracted", lang, sample=sample, analyte=analyte, batch=row["batch"]))

    @hg.command("history", help=t("cmd.hg_history", lang))
    def history(
        sample: str,
        store: Annotated[
            str | None, typer.Option("--store", help=t("opt.store", lang), envvar="CENTINELA_STORE")
        ] = None,
    ) -> None:
        import pandas as pd

        from ..store import open_store

        for r in open_store(store).result_history(sample).itertuples():
            state = t(f"hg.state_{r.record_status}", lang)
            value = ("<" if r.censored else "") + f"{r.value:g} {r.unit}"
            line = f"#{r.fid:<5d} {r.analyte:5s} {r.qc_type:10s} {r.batch:16s} {value:16s} {r.qc_flag:16s} {state}"
            if pd.notna(r.replaced_by):
                line += " → #" + str(int(r.replaced_by))
            if isinstance(r.record_reason, str) and r.record_reason:
                line += f" ({r.record_reason})"
            typer.echo(line)

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
        species: Annotated[str | None, typer.Option(help=t("opt.hg_check_species", lang))] = None,
    ) -> None:
        from ..mercury.standards import evaluate, explain

        for v in evaluate(value, unit, matrix, basis, moisture, group, species=species, include_excluded=True):
            mark = t("hg.exceeds", lang) if v.exceeds else t("hg.below", lang)
            mark = t("hg.not_applicable", lang) if v.applies is False else mark + ("?" if v.applies is None else "")
            flag = f" [{t('hg.unverified', lang)}]" if v.unverified else f" [{v.standard.status}]"
            ratio = " " * 7 if v.applies is False else f"{v.ratio:6.2f}×"
            typer.echo(f"{mark:10s} {ratio}  {v.standard.id:26s} {v.standard.instrument}{flag}")
            if why := explain(v, species, lang):
                typer.echo(f"{'':12s}→ {why}")

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
        species: Annotated[str | None, typer.Option(help=t("opt.hg_species", lang))] = None,
        guild: Annotated[str | None, typer.Option(help=t("opt.hg_guild", lang))] = None,
        standard_length: Annotated[float | None, typer.Option(help=t("opt.hg_standard_length", lang))] = None,
        strict_sites: Annotated[bool, typer.Option(help=t("opt.hg_strict_sites", lang))] = False,
    ) -> None:
        from ..store import open_store

        fish = dict(species=species, guild=guild, standard_length=standard_length, strict_sites=strict_sites)
        _map(open_store(store), out, matrix, rivers, mining, max_km, lateral_m, seed, lang, **fish)


def _risk(store, out: Path, communities, statistic: str, populations, simulated: bool, lang: str):
    """Run the risk step and say what it wrote; returns the guide files."""
    from ..jobs import mercury as job

    r = job.risk(store, out, communities, statistic, populations, simulated, lang=lang)
    typer.echo(job.risk_line(r, lang))
    for g in r.guides:
        typer.echo(f"  {g.pdf}")
    return r.guides


def _map(store, out: Path, matrix: str, rivers, mining, max_km: float, lateral_m: float, seed: int, lang: str, **fish):
    """Run the map step and report it: files, cross-validation, upstream correlation, notes. ``fish``: species,
    guild, standard_length, strict_sites (see jobs.mercury.hg_map)."""
    from ..jobs import mercury as job

    res = job.hg_map(store, out, matrix, rivers, mining, max_km, lateral_m, seed, lang, **fish)
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
