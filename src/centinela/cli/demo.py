"""The demo: the main job on the embedded default."""

# No `from __future__ import annotations`: Typer evaluates the Annotated help texts built in register().
import os
from pathlib import Path
from typing import Annotated

import typer

from ..i18n import t
from .common import actor_option, progress_bar, store_option
from .common import DEMO_CENTER, DEMO_END, DEMO_HISTORY, DEMO_START
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
    ) -> None:
        from .. import data
        from ..sim import simulate as run_simulation

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
    from ..zones import load_zones, normalise_events, save_layer, split_by_zones, zone_table
    from ..zones.illustrative import illustrative_layers
    from ..zones.io import write_stats

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


