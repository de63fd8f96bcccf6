"""The demo: the main job on the embedded default."""

# No `from __future__ import annotations`: Typer evaluates the Annotated help texts built in register().
import os
from pathlib import Path
from typing import Annotated

import typer

from ..i18n import t
from .common import DEMO_CENTER, DEMO_END, DEMO_HISTORY, DEMO_START, actor_option, progress_bar, store_option
from .detection import _alert_map, _detect, _detect_summary
from .imagery import _quicklook
from .zones import _report


def register(app: typer.Typer, lang: str) -> None:
    store_opt, actor_opt = store_option(lang), actor_option(lang)  # noqa: F841

    @app.command(help=t("cmd.demo", lang))
    def demo(
        out: Annotated[Path, typer.Option(help=t("opt.out", lang))] = Path("outputs/demo"),
        size: Annotated[int, typer.Option(help=t("opt.size", lang))] = 512,
        workers: Annotated[int, typer.Option(min=1, max=64, help=t("opt.workers", lang))] = min(2, os.cpu_count() or 1),
        serve: Annotated[bool, typer.Option(help=t("opt.demo_serve", lang))] = False,
        port: Annotated[int, typer.Option(min=1, max=65535, help=t("opt.port", lang))] = 8000,
    ) -> None:
        from .. import data
        from ..sim import simulate as run_simulation

        with progress_bar(t("sim.progress", lang)) as (set_total, advance):
            res = run_simulation(
                out / "scene",
                seed=7,
                size=size,
                center=DEMO_CENTER,
                start=DEMO_HISTORY,
                end=DEMO_END,
                events_from=data.path(data.AMW_MINING),
                workers=workers,
                overwrite=True,
                progress=advance,
                on_total=set_total,
            )
        files = _quicklook(str(res.catalog), out / "quicklook", res.aoi, DEMO_START, DEMO_END, None, lang)
        found = _detect(
            str(res.catalog),
            res.aoi,
            out / "alerts.gpkg",
            DEMO_START,
            DEMO_END,
            0.3,
            None,
            (DEMO_START - DEMO_HISTORY).days,
            lang,
            fresh=True,
        )
        alert_map = _alert_map(str(res.catalog), res.aoi, found.alerts, out / "alerts_map.png", DEMO_START, DEMO_END)
        typer.echo(_detect_summary(found, lang))
        hg = _demo_mercury(out, res.truth, found, lang)
        stats_csv, bulletin = _demo_zones_and_report(out, found, str(res.catalog), lang)
        login = _demo_web(out, found)
        from ..jobs.demo_restore import demo_restore

        rs = demo_restore(out, res.catalog, found.out, out / "centinela.gpkg", lang)
        typer.echo(rs["summary"])
        from ..jobs.demo_drone import demo_drone

        dd = demo_drone(out, lang)
        for line in dd.lines:
            typer.echo(line)
        typer.echo(t("demo.done", lang))
        for label, p in (
            ("STAC", res.catalog),
            ("truth / verdad", res.truth),
            ("quick-look", files.panel),
            ("cloud cover / nubosidad", files.cloud_plot),
            ("alerts / alertas", found.out),
            ("alerts map / mapa", alert_map),
            ("zone stats / por zona", stats_csv),
            ("bulletin / boletín (HTML)", bulletin.html),
            ("bulletin / boletín (PDF)", bulletin.pdf),
            ("mercury lab file / laboratorio", hg["lab"]),
            ("mercury map / mapa Hg", hg["map"]),
            ("fish guide / guía", hg["guide"]),
            *rs["files"].items(),
            *dict(dd.files).items(),
        ):
            typer.echo(f"  {label:26s} {Path(p).absolute()}")
        url = f"http://127.0.0.1:{port}/"
        typer.echo(t("demo.web", lang, url=url, users=", ".join(login["users"]), file=login["file"]))
        if serve:
            from .web import _serve

            _serve(str(out / "centinela.gpkg"), "127.0.0.1", port, str(res.catalog), None, False, lang)
        else:
            typer.echo(t("demo.serve_hint", lang, out=out, catalog=res.catalog, port=port))

    return app


def _demo_mercury(out: Path, truth: Path, found, lang: str) -> dict:
    """Synthetic laboratory results along the demo river (labelled simulated), through the same steps a lab
    would take: ingest, QA/QC, exposure and guides, maps and hotspots with the detected mining upstream."""
    import geopandas as gpd

    from ..jobs import mercury as job
    from ..mercury.synthetic import synthetic_results, write_csv
    from ..store import EmbeddedStore
    from .mercury import _map, _risk

    store = out / "centinela.gpkg"
    river = gpd.read_file(truth, layer="river")
    line = river.to_crs(4326).geometry.iloc[0]
    mining = found.alerts[found.alerts.cause == "mining"]
    hotspot_at = None
    if len(mining):  # the sediment hotspot sits just below the detected mining, as it would in a real river
        centre = mining.to_crs(river.crs).union_all().centroid
        hotspot_at = min(0.9, river.geometry.iloc[0].project(centre, normalized=True) + 0.03)
    frame, _ = synthetic_results(line, seed=7, communities=6, hotspot_at=hotspot_at)
    lab = write_csv(frame, out / "mercury" / "lab_results_SIMULATED.csv")
    if store.exists():
        store.unlink()
    st = EmbeddedStore(store)
    job.ingest(st, lab, "demo")
    job.qc(st, "demo")
    guides = _risk(st, out / "mercury", None, "mean", None, True, lang)
    res = _map(st, out / "mercury" / "map", "sediment", f"{truth}#river", found.out, 50.0, 3000.0, 7, lang)
    return {"lab": lab, "map": res.files["figure"], "guide": guides[0].pdf}


def _demo_web(out: Path, found) -> dict:
    """The detected alerts into the demo store, and one demo user per role with a fresh random password,
    written to a file only its owner can read (never a fixed password, even for a demo)."""
    import secrets

    from ..store import EmbeddedStore
    from ..store import users as U

    store = EmbeddedStore(out / "centinela.gpkg")
    from ..zones.io import read_polygons

    store.ingest(read_polygons(found.out, "alerts"), actor="demo")
    password = "demo-" + secrets.token_urlsafe(9)
    existing = {u["username"] for u in U.list_users(store)}
    for role in U.ROLES:
        if role not in existing:
            U.add_user(store, role, password, role, actor="demo")
        else:
            U.set_password(store, role, password, actor="demo")
    file = out / "web_login.txt"
    file.write_text("".join(f"{role}  {password}\n" for role in U.ROLES), encoding="utf-8")
    file.chmod(0o600)
    return {"users": list(U.ROLES), "file": file}


def _demo_zones_and_report(out: Path, found, catalog: str, lang: str):
    """Illustrative corridor and buffer zones (labelled so) into the demo's store, zone statistics, bulletin."""
    from ..store import EmbeddedStore
    from ..zones import load_zones, normalise_events, split_by_zones, zone_table
    from ..zones.illustrative import illustrative_layers
    from ..zones.io import write_stats

    store = out / "centinela.gpkg"  # made fresh by the mercury step just before
    zones = load_zones(None)
    extent = tuple(found.alerts.to_crs(4326).total_bounds) if len(found.alerts) else (-70.1, -13.0, -69.6, -12.8)
    st = EmbeddedStore(store)
    for layer in illustrative_layers(extent, zones.of_kind("protected_area")):
        st.import_zones(layer, "demo")
    zones = load_zones(st)
    events = normalise_events(found.alerts.assign(first_seen=found.alerts.first_seen.astype(str)), str(found.out))
    pieces = split_by_zones(events, zones)
    csv, _ = write_stats(pieces, zone_table(pieces), out / "zones")
    bulletin = _report(found.out, DEMO_START, DEMO_END, out / "report", lang, str(store), None, catalog)
    return csv, bulletin
