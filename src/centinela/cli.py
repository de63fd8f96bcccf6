"""The ``centinela`` command line: a thin Typer layer over the library, in Spanish and English.

Help texts are chosen when the app is built, so ``--lang`` / ``CENTINELA_LANG`` is read from the
command line before Typer parses it (:func:`main`).
"""

# No `from __future__ import annotations`: Typer evaluates the Annotated help texts built in build_app.
import datetime as dt
import logging
import os
import sys
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from . import __version__
from .errors import CentinelaError
from .i18n import LANGS, resolve_lang, t

err = Console(stderr=True)
DEMO_CENTER = (-12.9425, -69.7014)
"""At the edge of Tambopata National Reserve, 33 km east of La Pampa, where Amazon Mining Watch maps 2024
mining inside the reserve and in the forest around it."""
DEMO_HISTORY, DEMO_START, DEMO_END = dt.date(2023, 7, 1), dt.date(2024, 1, 1), dt.date(2024, 12, 31)
"""Half a year of history (with the 2023 dry season) before the year the demo reports on."""


@contextmanager
def progress_bar(label: str):
    """A progress bar on stderr; yields (set_total, advance)."""
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TimeRemainingColumn(), console=err, transient=False,
    ) as prog:
        task = prog.add_task(label, total=None)
        yield (lambda n: prog.update(task, total=n)), (lambda k=1: prog.advance(task, k))


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{option} expects a date as YYYY-MM-DD; got {value!r}") from exc


def _as_date(value, option: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return _date(value, option)


def _center(value: str) -> tuple[float, float]:
    try:
        lat, lon = (float(v) for v in value.split(","))
    except ValueError as exc:
        raise typer.BadParameter(f"expected LAT,LON in degrees such as -12.95,-70.0; got {value!r}") from exc
    return lat, lon


def build_app(lang: str) -> typer.Typer:
    """The Typer application with every help text in ``lang``."""
    app = typer.Typer(help=t("app.help", lang), add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)

    @app.callback()
    def root(
        lang_: Annotated[str, typer.Option("--lang", help=t("opt.lang", lang), envvar="CENTINELA_LANG")] = lang,
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help=t("opt.verbose", lang))] = False,
    ) -> None:
        if lang_ not in LANGS:
            raise typer.BadParameter(f"--lang must be one of {', '.join(LANGS)}; got {lang_!r}")
        logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    @app.command(help=t("cmd.version", lang))
    def version() -> None:
        typer.echo(f"centinela {__version__}")

    @app.command(help=t("cmd.simulate", lang))
    def simulate(
        out: Annotated[Path, typer.Option(help=t("opt.out", lang))],
        seed: Annotated[int, typer.Option(help=t("opt.seed", lang))] = 1,
        size: Annotated[int, typer.Option(help=t("opt.size", lang))] = 512,
        start: Annotated[str, typer.Option(help=t("opt.start", lang))] = "2024-01-01",
        end: Annotated[str, typer.Option(help=t("opt.end", lang))] = "2024-12-31",
        center: Annotated[str, typer.Option(help=t("opt.center", lang))] = "-12.95,-70.0",
        events_from: Annotated[Optional[Path], typer.Option(help=t("opt.events_from", lang))] = None,
        revisit: Annotated[int, typer.Option(min=1, max=60, help=t("opt.revisit", lang))] = 5,
        workers: Annotated[int, typer.Option(min=1, max=64, help=t("opt.workers", lang))] = 1,
        overwrite: Annotated[bool, typer.Option(help=t("opt.overwrite", lang))] = False,
        changes: Annotated[bool, typer.Option("--changes/--no-changes", help=t("opt.changes", lang))] = True,
    ) -> None:
        from .sim import simulate as run_simulation

        with progress_bar(t("sim.progress", lang)) as (set_total, advance):
            res = run_simulation(
                out, seed=seed, size=size, start=_date(start, "--start"), end=_date(end, "--end"), center=_center(center), revisit=revisit,
                events_from=events_from, workers=workers, overwrite=overwrite, changes=changes, progress=advance, on_total=set_total,
            )
        typer.echo(t("sim.done", lang, n=res.n_dates, size=size, catalog=res.catalog, truth=res.truth))

    @app.command(help=t("cmd.quicklook", lang))
    def quicklook(
        catalog: Annotated[str, typer.Option(help=t("opt.catalog", lang))],
        out: Annotated[Path, typer.Option(help=t("opt.out", lang))],
        aoi: Annotated[Optional[Path], typer.Option(help=t("opt.aoi", lang))] = None,
        start: Annotated[Optional[str], typer.Option(help=t("opt.start", lang))] = None,
        end: Annotated[Optional[str], typer.Option(help=t("opt.end", lang))] = None,
        date: Annotated[Optional[list[str]], typer.Option(help=t("opt.dates", lang))] = None,
    ) -> None:
        files = _quicklook(catalog, out, aoi, start, end, date, lang)
        typer.echo(t("ql.done", lang, files=", ".join(str(p) for p in (files.panel, files.cloud_plot))))

    @app.command(help=t("cmd.detect", lang))
    def detect(
        catalog: Annotated[str, typer.Option(help=t("opt.catalog", lang))],
        aoi: Annotated[Path, typer.Option(help=t("opt.aoi", lang))],
        out: Annotated[Path, typer.Option(help=t("opt.alerts_out", lang))],
        start: Annotated[Optional[str], typer.Option(help=t("opt.start", lang))] = None,
        end: Annotated[Optional[str], typer.Option(help=t("opt.end", lang))] = None,
        mmu_ha: Annotated[float, typer.Option("--mmu-ha", min=0.01, max=1000.0, help=t("opt.mmu", lang))] = 0.3,
        state: Annotated[Optional[Path], typer.Option(help=t("opt.state", lang))] = None,
        history_days: Annotated[int, typer.Option(min=0, max=3650, help=t("opt.history", lang))] = 365,
    ) -> None:
        res = _detect(catalog, aoi, out, _date(start, "--start") if start else None, _date(end, "--end") if end else None,
                      mmu_ha, state, history_days, lang)
        typer.echo(_detect_summary(res, lang))

    zones_app = typer.Typer(help=t("cmd.zones", lang), no_args_is_help=True)
    app.add_typer(zones_app, name="zones")
    store_opt = typer.Option("--store", help=t("opt.store", lang), envvar="CENTINELA_STORE")

    @zones_app.command("import", help=t("cmd.zones_import", lang))
    def zones_import(
        file: Annotated[Path, typer.Argument(help=t("opt.zone_file", lang))],
        kind: Annotated[str, typer.Option(help=t("opt.kind", lang))],
        name_field: Annotated[Optional[str], typer.Option(help=t("opt.name_field", lang))] = None,
        source: Annotated[Optional[str], typer.Option(help=t("opt.source", lang))] = None,
        licence: Annotated[Optional[str], typer.Option(help=t("opt.licence", lang))] = None,
        layer: Annotated[Optional[str], typer.Option(help=t("opt.layer", lang))] = None,
        illustrative: Annotated[bool, typer.Option(help=t("opt.illustrative", lang))] = False,
        store: Annotated[Optional[str], store_opt] = None,
    ) -> None:
        from .zones import read_zone_file, save_layer

        lyr = read_zone_file(file, kind, name_field, source, licence, layer, illustrative)
        n = save_layer(_store(store), lyr)
        typer.echo(t("zones.imported", lang, n=n, layer=lyr.layer, kind=kind, repaired=lyr.repaired, store=_store(store)))

    @zones_app.command("list", help=t("cmd.zones_list", lang))
    def zones_list(store: Annotated[Optional[str], store_opt] = None) -> None:
        from .zones import load_zones

        layers = load_zones(_store(store)).layers()
        for r in layers.itertuples():
            flag = " [ILUSTRATIVO/ILLUSTRATIVE]" if r.illustrative else ""
            typer.echo(f"{r.layer:32s} {r.kind:18s} {r.zones:5d}  {r.source} · {r.licence}{flag}")

    @zones_app.command("stats", help=t("cmd.zones_stats", lang))
    def zones_stats(
        out: Annotated[Path, typer.Option(help=t("opt.out", lang))],
        alerts: Annotated[Optional[Path], typer.Option(help=t("opt.alerts_in", lang))] = None,
        footprint: Annotated[Optional[Path], typer.Option(help=t("opt.footprint", lang))] = None,
        store: Annotated[Optional[str], store_opt] = None,
    ) -> None:
        from .zones import load_zones, normalise_events, split_by_zones, zone_table
        from .zones.io import read_polygons, write_stats

        if (alerts is None) == (footprint is None):
            raise typer.BadParameter("give exactly one of --alerts or --footprint")
        src = alerts or footprint
        events = normalise_events(read_polygons(src, "alerts" if alerts else None), str(src))
        pieces = split_by_zones(events, load_zones(_store(store)))
        csv, gpkg = write_stats(pieces, zone_table(pieces), out)
        typer.echo(t("zones.stats_done", lang, csv=csv, gpkg=gpkg))

    alerts_app = typer.Typer(help=t("cmd.alerts", lang), no_args_is_help=True)
    app.add_typer(alerts_app, name="alerts")
    audit_app = typer.Typer(help=t("cmd.audit", lang), no_args_is_help=True)
    app.add_typer(audit_app, name="audit")
    actor_opt = typer.Option("--actor", help=t("opt.actor", lang), envvar="CENTINELA_USER")

    @alerts_app.command("ingest", help=t("cmd.alerts_ingest", lang))
    def alerts_ingest(
        file: Annotated[Path, typer.Argument(help=t("opt.alerts_in", lang))],
        store: Annotated[Optional[str], store_opt] = None,
        actor: Annotated[Optional[str], actor_opt] = None,
    ) -> None:
        from .store import open_store
        from .zones.io import read_polygons

        res = open_store(store).ingest(read_polygons(file, "alerts"), actor)
        typer.echo(t("alerts.ingested", lang, created=res.created, updated=res.updated, unchanged=res.unchanged, merged=res.merged))

    @alerts_app.command("list", help=t("cmd.alerts_list", lang))
    def alerts_list(
        status: Annotated[Optional[str], typer.Option(help=t("opt.f_status", lang))] = None,
        cause: Annotated[Optional[str], typer.Option(help=t("opt.f_cause", lang))] = None,
        confidence: Annotated[Optional[str], typer.Option(help=t("opt.f_confidence", lang))] = None,
        since: Annotated[Optional[str], typer.Option(help=t("opt.start", lang))] = None,
        until: Annotated[Optional[str], typer.Option(help=t("opt.end", lang))] = None,
        min_area: Annotated[Optional[float], typer.Option("--min-area-ha", help=t("opt.f_area", lang))] = None,
        zone: Annotated[Optional[str], typer.Option(help=t("opt.area", lang))] = None,
        fmt: Annotated[str, typer.Option("--format", help=t("opt.format", lang))] = "table",
        store: Annotated[Optional[str], store_opt] = None,
    ) -> None:
        a = _select(store, status, cause, confidence, since, until, min_area, zone)
        if fmt == "geojson":
            typer.echo(a.to_json(drop_id=True))
        elif fmt == "csv":
            p = a.geometry.representative_point()
            typer.echo(a.drop(columns="geometry").assign(lat=p.y.round(6), lon=p.x.round(6)).to_csv(index=False), nl=False)
        elif fmt == "table":
            cols = ["alert_id", "first_seen", "cause", "confidence", "area_ha", "status", "assignee"]
            typer.echo(a[cols].fillna("—").to_string(index=False) if len(a) else t("alerts.none", lang))
        else:
            raise typer.BadParameter(f"--format must be table, csv or geojson; got {fmt!r}")

    @alerts_app.command("show", help=t("cmd.alerts_show", lang))
    def alerts_show(alert_id: str, store: Annotated[Optional[str], store_opt] = None) -> None:
        from .store import open_store

        a = open_store(store).alert(alert_id)
        for k in ("alert_id", "status", "assignee", "first_seen", "confirmed", "cause", "confidence", "area_ha", "lat", "lon", "reasons"):
            typer.echo(f"{k:12s} {a[k]}")
        typer.echo(t("alerts.history", lang))
        for h in a["history"]:
            typer.echo(f"  #{h['seq']} {h['at']} {h['actor']}: {h['action']} {h['detail']}")
        for n in a["notes"]:
            typer.echo(f"  ✎ {n['at']} {n['actor']}: {n['text']}")

    @alerts_app.command("set-status", help=t("cmd.alerts_status", lang))
    def alerts_set_status(alert_id: str, status: str, note: Annotated[Optional[str], typer.Option(help=t("opt.note", lang))] = None,
                          store: Annotated[Optional[str], store_opt] = None, actor: Annotated[Optional[str], actor_opt] = None) -> None:
        from .store import open_store

        open_store(store).set_status(alert_id, status, actor, note)
        typer.echo(t("alerts.changed", lang, alert_id=alert_id))

    @alerts_app.command("assign", help=t("cmd.alerts_assign", lang))
    def alerts_assign(alert_id: str, assignee: str, store: Annotated[Optional[str], store_opt] = None,
                      actor: Annotated[Optional[str], actor_opt] = None) -> None:
        from .store import open_store

        open_store(store).assign(alert_id, assignee, actor)
        typer.echo(t("alerts.changed", lang, alert_id=alert_id))

    @alerts_app.command("note", help=t("cmd.alerts_note", lang))
    def alerts_note(alert_id: str, text: str, store: Annotated[Optional[str], store_opt] = None,
                    actor: Annotated[Optional[str], actor_opt] = None) -> None:
        from .store import open_store

        open_store(store).add_note(alert_id, text, actor)
        typer.echo(t("alerts.changed", lang, alert_id=alert_id))

    @alerts_app.command("export", help=t("cmd.alerts_export", lang))
    def alerts_export(
        out: Annotated[Path, typer.Option(help=t("opt.export_out", lang))],
        fmt: Annotated[Optional[str], typer.Option("--format", help=t("opt.export_format", lang))] = None,
        status: Annotated[Optional[str], typer.Option(help=t("opt.f_status", lang))] = None,
        cause: Annotated[Optional[str], typer.Option(help=t("opt.f_cause", lang))] = None,
        confidence: Annotated[Optional[str], typer.Option(help=t("opt.f_confidence", lang))] = None,
        since: Annotated[Optional[str], typer.Option(help=t("opt.start", lang))] = None,
        until: Annotated[Optional[str], typer.Option(help=t("opt.end", lang))] = None,
        min_area: Annotated[Optional[float], typer.Option("--min-area-ha", help=t("opt.f_area", lang))] = None,
        zone: Annotated[Optional[str], typer.Option(help=t("opt.area", lang))] = None,
        store: Annotated[Optional[str], store_opt] = None,
    ) -> None:
        from .store import export

        a = _select(store, status, cause, confidence, since, until, min_area, zone)
        path = export(a, out, fmt)
        typer.echo(t("alerts.exported", lang, n=len(a), path=path))

    areas_app = typer.Typer(help=t("cmd.areas", lang), no_args_is_help=True)
    app.add_typer(areas_app, name="areas")

    @areas_app.command("add", help=t("cmd.areas_add", lang))
    def areas_add(
        name: str,
        aoi_file: Annotated[Path, typer.Argument(help=t("opt.aoi", lang))],
        catalog: Annotated[str, typer.Option(help=t("opt.catalog", lang))] = "https://earth-search.aws.element84.com/v1",
        since: Annotated[Optional[str], typer.Option(help=t("opt.since", lang))] = None,
        store: Annotated[Optional[str], store_opt] = None,
        actor: Annotated[Optional[str], actor_opt] = None,
    ) -> None:
        from .imagery import read_aoi
        from .store import open_store

        start = _as_date(since, "--since") or dt.date.today()
        open_store(store).add_area(name, read_aoi(aoi_file), catalog, start, actor)
        typer.echo(t("areas.added", lang, name=name, since=start))

    @areas_app.command("list", help=t("cmd.areas_list", lang))
    def areas_list(store: Annotated[Optional[str], store_opt] = None) -> None:
        from .store import open_store

        for a in open_store(store).areas():
            typer.echo(f"{a['name']:24s} {a['since']}  {a['catalog']}  {a['last_run'] or '—'}")

    @app.command(help=t("cmd.monitor", lang))
    def monitor(
        area: Annotated[str, typer.Option(help=t("opt.area_name", lang))],
        catalog: Annotated[Optional[str], typer.Option(help=t("opt.catalog", lang))] = None,
        until: Annotated[Optional[str], typer.Option(help=t("opt.end", lang))] = None,
        history_days: Annotated[int, typer.Option(min=0, max=3650, help=t("opt.history", lang))] = 365,
        block: Annotated[int, typer.Option(min=64, max=4096, hidden=True)] = 512,
        store: Annotated[Optional[str], store_opt] = None,
        actor: Annotated[Optional[str], actor_opt] = None,
    ) -> None:
        from .store import open_store
        from .store.monitor import monitor as run_monitor

        with progress_bar(t("det.progress", lang)) as (set_total, advance):
            r = run_monitor(open_store(store), area, catalog, _as_date(until, "--until"), history_days, actor, advance, set_total, block)
        typer.echo(t("monitor.done", lang, area=area, dates=r.dates_processed, alerts=r.alerts, created=r.ingest.created,
                     updated=r.ingest.updated))
        if r.delivery and (r.delivery.queued or r.delivery.failed):
            typer.echo(t("monitor.notified", lang, queued=r.delivery.queued, delivered=r.delivery.delivered, failed=r.delivery.failed))

    @app.command(help=t("cmd.subscribe", lang))
    def subscribe(
        area: str,
        email: Annotated[Optional[str], typer.Option(help=t("opt.email", lang))] = None,
        webhook: Annotated[Optional[str], typer.Option(help=t("opt.webhook", lang))] = None,
        min_confidence: Annotated[Optional[str], typer.Option(help=t("opt.f_confidence", lang))] = None,
        zones: Annotated[Optional[str], typer.Option(help=t("opt.sub_zones", lang))] = None,
        secret: Annotated[Optional[str], typer.Option(help=t("opt.secret", lang), envvar="CENTINELA_WEBHOOK_SECRET")] = None,
        store: Annotated[Optional[str], store_opt] = None,
        actor: Annotated[Optional[str], actor_opt] = None,
    ) -> None:
        from .store import open_store

        if (email is None) == (webhook is None):
            raise typer.BadParameter("give exactly one of --email or --webhook")
        kinds = [k.strip() for k in zones.split(",")] if zones else None
        sid = open_store(store).subscribe(area, "email" if email else "webhook", email or webhook, min_confidence, kinds, secret, actor)
        typer.echo(t("subscribed", lang, id=sid, area=area))

    @app.command(help=t("cmd.evidence", lang))
    def evidence(
        alert_id: str,
        out: Annotated[Path, typer.Option(help=t("opt.out", lang))],
        catalog: Annotated[Optional[str], typer.Option(help=t("opt.catalog", lang))] = None,
        store: Annotated[Optional[str], store_opt] = None,
    ) -> None:
        folder, zpath = _evidence(alert_id, out, catalog, store, lang)
        typer.echo(t("evidence.done", lang, folder=folder, zip=zpath))

    @audit_app.command("verify", help=t("cmd.audit_verify", lang))
    def audit_verify(store: Annotated[Optional[str], store_opt] = None) -> None:
        from .store import open_store

        v = open_store(store).verify()
        typer.echo(("OK: " if v.ok else "ALTERADO / TAMPERED: ") + v.message)
        if not v.ok:
            raise typer.Exit(3)

    @app.command(help=t("cmd.report", lang))
    def report(
        from_: Annotated[str, typer.Option("--from", help=t("opt.from", lang))],
        to: Annotated[str, typer.Option("--to", help=t("opt.to", lang))],
        out: Annotated[Path, typer.Option(help=t("opt.out", lang))],
        alerts: Annotated[Path, typer.Option(help=t("opt.alerts_in", lang))] = Path("alerts.gpkg"),
        area: Annotated[Optional[str], typer.Option(help=t("opt.area", lang))] = None,
        report_lang: Annotated[str, typer.Option("--lang", help=t("opt.report_lang", lang))] = lang,
        catalog: Annotated[Optional[str], typer.Option(help=t("opt.catalog_bg", lang))] = None,
        store: Annotated[Optional[str], store_opt] = None,
    ) -> None:
        files = _report(alerts, _date(from_, "--from"), _date(to, "--to"), out, report_lang, store, area, catalog)
        typer.echo(t("report.done", lang, html=files.html, pdf=files.pdf))

    @app.command(help=t("cmd.demo", lang))
    def demo(
        out: Annotated[Path, typer.Option(help=t("opt.out", lang))] = Path("outputs/demo"),
        size: Annotated[int, typer.Option(help=t("opt.size", lang))] = 512,
        workers: Annotated[int, typer.Option(min=1, max=64, help=t("opt.workers", lang))] = min(2, os.cpu_count() or 1),
    ) -> None:
        from . import data
        from .sim import simulate as run_simulation

        with progress_bar(t("sim.progress", lang)) as (set_total, advance):
            res = run_simulation(
                out / "scene", seed=7, size=size, center=DEMO_CENTER, start=DEMO_HISTORY, end=DEMO_END,
                events_from=data.path(data.AMW_MINING), workers=workers, overwrite=True, progress=advance, on_total=set_total,
            )
        files = _quicklook(str(res.catalog), out / "quicklook", res.aoi, DEMO_START, DEMO_END, None, lang)
        found = _detect(str(res.catalog), res.aoi, out / "alerts.gpkg", DEMO_START, DEMO_END, 0.3, None,
                        (DEMO_START - DEMO_HISTORY).days, lang, fresh=True)
        alert_map = _alert_map(str(res.catalog), res.aoi, found.alerts, out / "alerts_map.png", DEMO_START, DEMO_END)
        typer.echo(_detect_summary(found, lang))
        stats_csv, bulletin = _demo_zones_and_report(out, found, str(res.catalog), lang)
        typer.echo(t("demo.done", lang))
        for label, p in (
            ("STAC", res.catalog), ("truth / verdad", res.truth), ("quick-look", files.panel),
            ("cloud cover / nubosidad", files.cloud_plot), ("alerts / alertas", found.out), ("alerts map / mapa", alert_map),
            ("zone stats / por zona", stats_csv), ("bulletin / boletín (HTML)", bulletin.html), ("bulletin / boletín (PDF)", bulletin.pdf),
        ):
            typer.echo(f"  {label:26s} {Path(p).absolute()}")

    return app


def _demo_zones_and_report(out: Path, found, catalog: str, lang: str):
    """Illustrative corridor and buffer zones (labelled so) into the demo's store, zone statistics, bulletin."""
    from .zones import load_zones, normalise_events, save_layer, split_by_zones, zone_table
    from .zones.illustrative import illustrative_layers
    from .zones.io import write_stats

    store = out / "centinela.gpkg"
    if store.exists():
        store.unlink()
    zones = load_zones(None)
    extent = tuple(found.alerts.to_crs(4326).total_bounds) if len(found.alerts) else (-70.1, -13.0, -69.6, -12.8)
    for layer in illustrative_layers(extent, zones.of_kind("protected_area")):
        save_layer(store, layer)
    zones = load_zones(store)
    events = normalise_events(found.alerts.assign(first_seen=found.alerts.first_seen.astype(str)), str(found.out))
    pieces = split_by_zones(events, zones)
    csv, _ = write_stats(pieces, zone_table(pieces), out / "zones")
    bulletin = _report(found.out, DEMO_START, DEMO_END, out / "report", lang, str(store), None, catalog)
    return csv, bulletin


def _evidence(alert_id, out, catalog, store, lang):
    import geopandas as gpd
    import shapely

    from .alerts.evidence import write_evidence
    from .imagery import load_cube
    from .store import open_store
    from .zones import assess, load_rules, load_zones

    st = open_store(store)
    a = st.alert(alert_id)
    if catalog is None:
        if not a.get("area_name"):
            raise typer.BadParameter("this alert has no monitored area; give --catalog")
        catalog = st.area(a["area_name"])["catalog"]
    first = dt.date.fromisoformat(a["first_seen"])
    bbox = shapely.box(*gpd.GeoSeries([a["geometry"]], crs=4326).to_crs(32719).buffer(1000).to_crs(4326).total_bounds)
    with progress_bar(t("ql.progress", lang)) as (set_total, advance):
        set_total(2)
        ds = load_cube(catalog, bbox, first - dt.timedelta(days=180), first + dt.timedelta(days=120))
        advance()
        one = gpd.GeoDataFrame([{k: v for k, v in a.items() if k not in ("geometry", "notes", "history")}],
                               geometry=[a["geometry"]], crs=4326)
        judged = assess(one, load_zones(st.path), load_rules(), lang).iloc[0]
        result = write_evidence(a, ds, out, judged["zones"], f"{judged['legal_label']}: {judged['legal_reasons']}")
        advance()
    return result


def _select(store, status, cause, confidence, since, until, min_area, zone):
    from .store import open_store
    from .zones import load_zones

    st = open_store(store)
    within = load_zones(st.path).find(zone).union_all() if zone else None
    return st.alerts(status, cause, confidence, _as_date(since, "--since"), _as_date(until, "--until"), min_area, within)


def _store(value: str | None) -> Path:
    from .store import store_path

    return store_path(value)


def _report(alerts, start, end, out, lang, store, area, catalog):
    from .reports.make import make_bulletin

    if lang not in LANGS:
        raise typer.BadParameter(f"--lang must be one of {', '.join(LANGS)}; got {lang!r}")
    with progress_bar(t("report.progress", lang)) as (set_total, advance):
        set_total(1)
        files, _ = make_bulletin(alerts, start, end, out, lang, _store(store), area, catalog)
        advance()
    return files


def _detect(catalog, aoi, out, start, end, mmu_ha, state, history_days, lang, fresh=False):
    import shutil

    from .detect import detect as run_detect
    from .imagery import read_aoi

    geom = read_aoi(aoi)
    state_dir = Path(state) if state else Path(out).with_name(Path(out).name + ".state")
    if fresh and state_dir.exists():
        shutil.rmtree(state_dir)  # the demo re-simulates its scene, so old state would not match it
    with progress_bar(t("det.progress", lang)) as (set_total, advance):
        return run_detect(catalog, geom, out, start, end, mmu_ha=mmu_ha, history_days=history_days, state_dir=state_dir,
                          progress=advance, on_total=set_total)


def _detect_summary(res, lang) -> str:
    a = res.alerts
    mining = a[a.cause == "mining"]
    return t("det.done", lang, n=len(a), n_mining=len(mining), ha_mining=float(mining.area_ha.sum()),
             n_high=int((a.confidence == "high").sum()), out=res.out)


def _alert_map(catalog, aoi, alerts, path, start, end):
    from .imagery import load_cube, read_aoi
    from .reports.alertmap import write_alert_map

    ds = load_cube(catalog, read_aoi(aoi), start, end)
    return write_alert_map(ds, alerts, path, simulated="SIM" in " ".join(ds.attrs.get("items", [])[:1]))


def _quicklook(catalog, out, aoi, start, end, dates, lang):
    from .imagery import load_cube, read_aoi
    from .reports.quicklook import write_quicklook

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


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point: pick the language, build the app, map our errors to a clean message."""
    argv = list(sys.argv[1:] if argv is None else argv)
    lang = resolve_lang(argv)
    app = build_app(lang)
    try:
        rc = app(args=argv, prog_name="centinela", standalone_mode=False)
    except CentinelaError as exc:
        err.print(f"[bold red]{t('error', lang)}:[/] {exc}", highlight=False, soft_wrap=True)
        raise SystemExit(2) from None
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except (typer.Abort, KeyboardInterrupt):
        raise SystemExit(130) from None
    except typer.TyperException as exc:  # usage errors: wrong option, bad value
        exc.show() if hasattr(exc, "show") else err.print(str(exc))
        raise SystemExit(getattr(exc, "exit_code", 2)) from None
    raise SystemExit(rc if isinstance(rc, int) else 0)

if __name__ == "__main__":
    main()
