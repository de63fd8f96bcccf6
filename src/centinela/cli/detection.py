"""The detect command."""

# No `from __future__ import annotations`: Typer evaluates the Annotated help texts built in register().
from pathlib import Path
from typing import Annotated

import typer

from ..i18n import t
from .common import _date, actor_option, progress_bar, store_option


def register(app: typer.Typer, lang: str) -> None:
    store_opt, actor_opt = store_option(lang), actor_option(lang)  # noqa: F841

    @app.command(help=t("cmd.detect", lang))
    def detect(
        catalog: Annotated[str, typer.Option(help=t("opt.catalog", lang))],
        aoi: Annotated[Path, typer.Option(help=t("opt.aoi", lang))],
        out: Annotated[Path, typer.Option(help=t("opt.alerts_out", lang))],
        start: Annotated[str | None, typer.Option(help=t("opt.start", lang))] = None,
        end: Annotated[str | None, typer.Option(help=t("opt.end", lang))] = None,
        mmu_ha: Annotated[float, typer.Option("--mmu-ha", min=0.01, max=1000.0, help=t("opt.mmu", lang))] = 0.3,
        state: Annotated[Path | None, typer.Option(help=t("opt.state", lang))] = None,
        history_days: Annotated[int, typer.Option(min=0, max=3650, help=t("opt.history", lang))] = 365,
        dask_scheduler: Annotated[str | None, typer.Option(help=t("opt.dask_scheduler", lang))] = None,
        threads: Annotated[int | None, typer.Option(min=1, max=512, help=t("opt.threads", lang))] = None,
        known_mining: Annotated[str | None, typer.Option(help=t("opt.known_mining", lang))] = None,
        model: Annotated[Path | None, typer.Option(help=t("opt.model", lang))] = None,
    ) -> None:
        res = _detect(
            catalog,
            aoi,
            out,
            _date(start, "--start") if start else None,
            _date(end, "--end") if end else None,
            mmu_ha,
            state,
            history_days,
            lang,
            scheduler=dask_scheduler,
            threads=threads,
            known_mining=known_mining,
            model=model,
        )
        from ..jobs.detect import summary

        typer.echo(summary(res, lang))

    attribution_app = typer.Typer(help=t("cmd.attribution", lang), no_args_is_help=True)
    app.add_typer(attribution_app, name="attribution")

    @attribution_app.command("train", help=t("cmd.attribution_train", lang))
    def attribution_train(
        out: Annotated[Path, typer.Option(help=t("opt.model_out", lang))],
        base: Annotated[Path | None, typer.Option(help=t("opt.model", lang))] = None,
        store: Annotated[str | None, store_opt] = None,
    ) -> None:
        from ..detect.attribution import load_model
        from ..detect.training import train, write_model
        from ..store import open_store

        model, refit, before = train(open_store(store).verdicts(), load_model(base))
        write_model(model, out, refit, before)
        n = model.trained_on
        typer.echo(t("attr.trained", lang, n=n["verdicts"], yes=n["verified_mining"], no=n["not_mining"], out=out))
        for name, s in (("before", before), ("after", refit)):
            typer.echo(t("attr.scores_" + name, lang, acc=s.accuracy, brier=s.brier, ll=s.log_loss))


def _detect(
    catalog,
    aoi,
    out,
    start,
    end,
    mmu_ha,
    state,
    history_days,
    lang,
    scheduler=None,
    threads=None,
    known_mining=None,
    model=None,
):
    from ..detect import detect as run_detect
    from ..detect.attribution import load_model
    from ..detect.context import known_mining as mapped_mining
    from ..imagery import read_aoi

    geom = read_aoi(aoi)
    mapped = None if known_mining == "none" else mapped_mining(geom, known_mining)
    state_dir = Path(state) if state else Path(out).with_name(Path(out).name + ".state")
    with progress_bar(t("det.progress", lang)) as (set_total, advance):
        return run_detect(
            catalog,
            geom,
            out,
            start,
            end,
            mmu_ha=mmu_ha,
            history_days=history_days,
            state_dir=state_dir,
            progress=advance,
            on_total=set_total,
            scheduler=scheduler,
            threads=threads,
            model=load_model(model),
            known_mining=mapped,
        )
