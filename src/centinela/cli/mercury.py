"""Mercury commands (first part of issue #6): meals calculator, checks against standards, the standards table."""

# No `from __future__ import annotations`: Typer evaluates the Annotated help texts built in register().
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..i18n import t


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
        store: Annotated[Optional[str], typer.Option("--store", help=t("opt.store", lang), envvar="CENTINELA_STORE")] = None,
    ) -> None:
        from ..mercury.ingest import read_results
        from ..mercury.results import save_results
        from .common import _store

        results = read_results(file)
        n = save_results(results, _store(store))
        typer.echo(t("hg.ingested", lang, n=n, file=file, censored=int(results.censored.sum())))

    @hg.command("qc", help=t("cmd.hg_qc", lang))
    def qc(
        store: Annotated[Optional[str], typer.Option("--store", help=t("opt.store", lang), envvar="CENTINELA_STORE")] = None,
        limits: Annotated[Optional[Path], typer.Option(help=t("opt.hg_limits", lang))] = None,
    ) -> None:
        from ..mercury.qc import check_batches, load_limits
        from ..mercury.results import load_results, save_flags
        from .common import _store

        results = load_results(_store(store))
        table, flagged = check_batches(results, load_limits(limits))
        save_flags(flagged, _store(store))
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
        typer.echo(t("hg.meals", lang, n=n, conc=concentration, bw=body_weight, meal=meal_g,
                     basis=t("hg.basis_epa" if basis == "epa" else "hg.basis_jecfa", lang)))
        if n < 1:
            typer.echo(t("hg.less_than_one", lang, weeks=1 / n))

    @hg.command("check", help=t("cmd.hg_check", lang))
    def check(
        value: float,
        unit: Annotated[str, typer.Option(help=t("opt.hg_unit", lang))],
        matrix: Annotated[str, typer.Option(help=t("opt.hg_matrix", lang))],
        basis: Annotated[str, typer.Option(help=t("opt.hg_wetdry", lang))] = "none",
        moisture: Annotated[Optional[float], typer.Option(help=t("opt.hg_moisture", lang))] = None,
        group: Annotated[Optional[str], typer.Option(help=t("opt.hg_group", lang))] = None,
    ) -> None:
        from ..mercury.standards import evaluate

        for v in evaluate(value, unit, matrix, basis, moisture, group):
            mark = t("hg.exceeds", lang) if v.exceeds else t("hg.below", lang)
            flag = f" [{t('hg.unverified', lang)}]" if v.unverified else f" [{v.standard.status}]"
            typer.echo(f"{mark:10s} {v.ratio:6.2f}×  {v.standard.id:26s} {v.standard.instrument}{flag}")
