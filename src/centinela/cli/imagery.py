"""Commands that make and look at imagery: simulate, quicklook."""

# No `from __future__ import annotations`: Typer evaluates the Annotated help texts built in register().
from pathlib import Path
from typing import Annotated

import typer

from ..i18n import t
from .common import _as_date, _center, _date, actor_option, progress_bar, store_option


def register(app: typer.Typer, lang: str) -> None:
    store_opt, actor_opt = store_option(lang), actor_option(lang)  # noqa: F841

    @app.command(help=t("cmd.simulate", lang))
    def simulate(
        out: Annotated[Path, typer.Option(help=t("opt.out", lang))],
        seed: Annotated[int, typer.Option(help=t("opt.seed", lang))] = 1,
        size: Annotated[int, typer.Option(help=t("opt.size", lang))] = 512,
        start: Annotated[str, typer.Option(help=t("opt.start", lang))] = "2024-01-01",
        end: Annotated[str, typer.Option(help=t("opt.end", lang))] = "2024-12-31",
        center: Annotated[str, typer.Option(help=t("opt.center", lang))] = "-12.95,-70.0",
        events_from: Annotated[Path | None, typer.Option(help=t("opt.events_from", lang))] = None,
        revisit: Annotated[int, typer.Option(min=1, max=60, help=t("opt.revisit", lang))] = 5,
        workers: Annotated[int, typer.Option(min=1, max=64, help=t("opt.workers", lang))] = 1,
        overwrite: Annotated[bool, typer.Option(help=t("opt.overwrite", lang))] = False,
        changes: Annotated[bool, typer.Option("--changes/--no-changes", help=t("opt.changes", lang))] = True,
    ) -> None:
        from ..sim import simulate as run_simulation

        with progress_bar(t("sim.progress", lang)) as (set_total, advance):
            res = run_simulation(
                out,
                seed=seed,
                size=size,
                start=_date(start, "--start"),
                end=_date(end, "--end"),
                center=_center(center),
                revisit=revisit,
                events_from=events_from,
                workers=workers,
                overwrite=overwrite,
                changes=changes,
                progress=advance,
                on_total=set_total,
            )
        typer.echo(t("sim.done", lang, n=res.n_dates, size=size, catalog=res.catalog, truth=res.truth))

    @app.command(help=t("cmd.quicklook", lang))
    def quicklook(
        catalog: Annotated[str, typer.Option(help=t("opt.catalog", lang))],
        out: Annotated[Path, typer.Option(help=t("opt.out", lang))],
        aoi: Annotated[Path | None, typer.Option(help=t("opt.aoi", lang))] = None,
        start: Annotated[str | None, typer.Option(help=t("opt.start", lang))] = None,
        end: Annotated[str | None, typer.Option(help=t("opt.end", lang))] = None,
        date: Annotated[list[str] | None, typer.Option(help=t("opt.dates", lang))] = None,
    ) -> None:
        files = _quicklook(catalog, out, aoi, start, end, date, lang)
        typer.echo(t("ql.done", lang, files=", ".join(str(p) for p in (files.panel, files.cloud_plot))))


def _quicklook(catalog, out, aoi, start, end, dates, lang):
    from ..imagery import load_cube, read_aoi
    from ..reports.quicklook import write_quicklook

    geom = read_aoi(aoi) if aoi else None
    with progress_bar(t("ql.progress", lang)) as (set_total, advance):
        set_total(2)
        ds = load_cube(catalog, geom, _as_date(start, "--start"), _as_date(end, "--end"))
        advance()
        picked = None
        if dates:
            if len(dates) != 2:
                raise typer.BadParameter("give --date exactly twice (before and after)")
            picked = (_date(dates[0], "--date"), _date(dates[1], "--date"))
        simulated = "SIM" in " ".join(ds.attrs.get("items", [])[:1])
        files = write_quicklook(ds, out, picked, simulated=simulated)
        advance()
    return files
