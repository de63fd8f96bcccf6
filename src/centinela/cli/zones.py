"""Zones and the bulletin: zones import|list|stats, report."""

# No `from __future__ import annotations`: Typer evaluates the Annotated help texts built in register().
from pathlib import Path
from typing import Annotated

import typer

from ..i18n import LANGS, t
from ..store.url import is_server
from .common import _date, _store, actor_option, progress_bar, store_option


def register(app: typer.Typer, lang: str) -> None:
    store_opt, actor_opt = store_option(lang), actor_option(lang)  # noqa: F841

    zones_app = typer.Typer(help=t("cmd.zones", lang), no_args_is_help=True)
    app.add_typer(zones_app, name="zones")

    @zones_app.command("import", help=t("cmd.zones_import", lang))
    def zones_import(
        file: Annotated[Path, typer.Argument(help=t("opt.zone_file", lang))],
        kind: Annotated[str, typer.Option(help=t("opt.kind", lang))],
        name_field: Annotated[str | None, typer.Option(help=t("opt.name_field", lang))] = None,
        source: Annotated[str | None, typer.Option(help=t("opt.source", lang))] = None,
        licence: Annotated[str | None, typer.Option(help=t("opt.licence", lang))] = None,
        layer: Annotated[str | None, typer.Option(help=t("opt.layer", lang))] = None,
        illustrative: Annotated[bool, typer.Option(help=t("opt.illustrative", lang))] = False,
        store: Annotated[str | None, store_opt] = None,
        actor: Annotated[str | None, actor_option(lang)] = None,
    ) -> None:
        from ..store import open_store
        from ..store.core import default_actor
        from ..zones import read_zone_file

        lyr = read_zone_file(file, kind, name_field, source, licence, layer, illustrative)
        st = open_store(store)
        n = st.import_zones(lyr, actor or default_actor())
        typer.echo(t("zones.imported", lang, n=n, layer=lyr.layer, kind=kind, repaired=lyr.repaired, store=st.label()))

    @zones_app.command("list", help=t("cmd.zones_list", lang))
    def zones_list(store: Annotated[str | None, store_opt] = None) -> None:
        from ..store import open_store
        from ..zones import load_zones

        layers = load_zones(open_store(store)).layers()
        for r in layers.itertuples():
            flag = " [ILUSTRATIVO/ILLUSTRATIVE]" if r.illustrative else ""
            typer.echo(f"{r.layer:32s} {r.kind:18s} {r.zones:5d}  {r.source} · {r.licence}{flag}")

    @zones_app.command("stats", help=t("cmd.zones_stats", lang))
    def zones_stats(
        out: Annotated[Path, typer.Option(help=t("opt.out", lang))],
        alerts: Annotated[Path | None, typer.Option(help=t("opt.alerts_in", lang))] = None,
        footprint: Annotated[Path | None, typer.Option(help=t("opt.footprint", lang))] = None,
        store: Annotated[str | None, store_opt] = None,
    ) -> None:
        from ..zones import load_zones, normalise_events, split_by_zones, zone_table
        from ..zones.io import read_polygons, write_stats

        if alerts is not None and footprint is not None:
            raise typer.BadParameter("give one of --alerts or --footprint (or neither, for the store's alerts)")
        if alerts is None and footprint is None:  # the alerts kept in the store
            from ..store import open_store

            events = normalise_events(open_store(store).alerts(), "store")
        else:
            src = alerts or footprint
            events = normalise_events(read_polygons(src, "alerts" if alerts else None), str(src))
        from ..store import open_store

        pieces = split_by_zones(events, load_zones(open_store(store)))
        csv, gpkg = write_stats(pieces, zone_table(pieces), out)
        typer.echo(t("zones.stats_done", lang, csv=csv, gpkg=gpkg))

    @app.command(help=t("cmd.report", lang))
    def report(
        from_: Annotated[str, typer.Option("--from", help=t("opt.from", lang))],
        to: Annotated[str, typer.Option("--to", help=t("opt.to", lang))],
        out: Annotated[Path, typer.Option(help=t("opt.out", lang))],
        alerts: Annotated[Path | None, typer.Option(help=t("opt.alerts_in_or_store", lang))] = None,
        area: Annotated[str | None, typer.Option(help=t("opt.area", lang))] = None,
        report_lang: Annotated[str, typer.Option("--lang", help=t("opt.report_lang", lang))] = lang,
        catalog: Annotated[str | None, typer.Option(help=t("opt.catalog_bg", lang))] = None,
        store: Annotated[str | None, store_opt] = None,
    ) -> None:
        files = _report(alerts, _date(from_, "--from"), _date(to, "--to"), out, report_lang, store, area, catalog)
        typer.echo(t("report.done", lang, html=files.html, pdf=files.pdf))


def _report(alerts, start, end, out, lang, store, area, catalog):
    from ..reports.make import make_bulletin

    if lang not in LANGS:
        raise typer.BadParameter(f"--lang must be one of {', '.join(LANGS)}; got {lang!r}")
    with progress_bar(t("report.progress", lang)) as (set_total, advance):
        set_total(1)
        from ..store import open_store

        # The store's zones and mercury results when there is a store (none is created for a bulletin).
        st = open_store(store) if is_server(store) or _store(store).exists() else None
        files, _ = make_bulletin(alerts, start, end, out, lang, st, area, catalog)
        advance()
    return files
