"""Restoration commands (issue #9, parts 1–3): recovery tracking, inventory of mined land, alternative land uses."""

# No `from __future__ import annotations`: Typer evaluates the Annotated help texts built in register().
from pathlib import Path
from typing import Annotated

import typer

from ..i18n import t
from .common import _as_date, actor_option, progress_bar, store_option


def register(app: typer.Typer, lang: str) -> None:
    rs = typer.Typer(help=t("cmd.restore", lang), no_args_is_help=True)
    app.add_typer(rs, name="restore")
    store_opt, actor_opt = store_option(lang), actor_option(lang)

    @rs.command("track", help=t("cmd.rs_track", lang))
    def track(
        sites: Annotated[Path, typer.Option(help=t("opt.rs_sites", lang))],
        catalog: Annotated[str, typer.Option(help=t("opt.catalog", lang))],
        out: Annotated[Path, typer.Option(help=t("opt.out", lang))] = Path("outputs/restore"),
        start: Annotated[str | None, typer.Option(help=t("opt.rs_start", lang))] = None,
        end: Annotated[str | None, typer.Option(help=t("opt.end", lang))] = None,
        store: Annotated[str | None, typer.Option("--store", help=t("opt.rs_store_alerts", lang))] = None,
        id_field: Annotated[str | None, typer.Option(help=t("opt.rs_id_field", lang))] = None,
        planting_field: Annotated[str | None, typer.Option(help=t("opt.rs_planting_field", lang))] = None,
        actor: Annotated[str | None, actor_opt] = None,
    ) -> None:
        _track(
            sites,
            catalog,
            out,
            _as_date(start, "--start"),
            _as_date(end, "--end"),
            store,
            id_field,
            planting_field,
            actor,
            lang,
        )

    @rs.command("inventory", help=t("cmd.rs_inventory", lang))
    def inventory(
        catalog: Annotated[str, typer.Option(help=t("opt.catalog", lang))],
        out: Annotated[Path, typer.Option(help=t("opt.out", lang))] = Path("outputs/restore"),
        alerts: Annotated[Path | None, typer.Option(help=t("opt.rs_alerts", lang))] = None,
        store: Annotated[str | None, store_opt] = None,
        footprints: Annotated[str | None, typer.Option(help=t("opt.rs_footprints", lang))] = None,
        start: Annotated[str | None, typer.Option(help=t("opt.start", lang))] = None,
        end: Annotated[str | None, typer.Option(help=t("opt.end", lang))] = None,
        as_of: Annotated[str | None, typer.Option(help=t("opt.rs_as_of", lang))] = None,
        months: Annotated[int, typer.Option(min=1, max=600, help=t("opt.rs_months", lang))] = 12,
        roads: Annotated[str | None, typer.Option(help=t("opt.rs_roads", lang))] = None,
        rivers: Annotated[str | None, typer.Option(help=t("opt.rs_rivers", lang))] = None,
        communities: Annotated[str | None, typer.Option(help=t("opt.rs_communities", lang))] = None,
        refine: Annotated[bool, typer.Option(help=t("opt.rs_refine", lang))] = True,
    ) -> None:
        _inventory(
            catalog,
            out,
            alerts,
            store,
            footprints,
            _as_date(start, "--start"),
            _as_date(end, "--end"),
            _as_date(as_of, "--as-of"),
            months,
            {"roads": roads, "rivers": rivers, "communities": communities},
            refine,
            lang,
        )

    @rs.command("suitability", help=t("cmd.rs_suitability", lang))
    def suitability(
        inventory: Annotated[Path, typer.Option(help=t("opt.rs_inventory", lang))],
        out: Annotated[Path, typer.Option(help=t("opt.out", lang))] = Path("outputs/restore"),
        rules: Annotated[Path | None, typer.Option(help=t("opt.rs_rules", lang))] = None,
        store: Annotated[
            str | None, typer.Option("--store", help=t("opt.rs_store_hg", lang), envvar="CENTINELA_STORE")
        ] = None,
        rivers: Annotated[str | None, typer.Option(help=t("opt.rs_rivers", lang))] = None,
        catalog: Annotated[str | None, typer.Option(help=t("opt.catalog_bg", lang))] = None,
    ) -> None:
        _suitability(inventory, out, rules, store, rivers, catalog, lang)

    @rs.command("rules", help=t("cmd.rs_rules", lang))
    def rules(out: Annotated[Path, typer.Option(help=t("opt.rs_rules_out", lang))] = Path("suitability.yaml")) -> None:
        from ..restore.suitability import rules_text

        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(rules_text(), encoding="utf-8")
        typer.echo(t("rs.rules_written", lang, path=out))


def _counts(series, keys) -> dict:
    vc = series.value_counts()
    return {k: int(vc.get(k, 0)) for k in keys}


def _track(sites_path, catalog, out, start, end, store, id_field, planting_field, actor, lang):
    from ..jobs.restore import track_sites
    from ..restore.io import read_sites

    sites = read_sites(sites_path, id_field, planting_field)
    with progress_bar(t("rs.progress", lang)) as (set_total, advance):
        res = track_sites(
            sites, catalog, out, start, end, store, actor, what=str(sites_path), progress=advance, on_total=set_total
        )
    c = _counts(
        res.result.sites.status,
        ("recovering", "recovered", "stalled", "re-disturbed", "insufficient_data", "outside_imagery"),
    )
    typer.echo(
        t(
            "rs.track_done",
            lang,
            n=len(res.result.sites),
            recovering=c["recovering"],
            recovered=c["recovered"],
            stalled=c["stalled"],
            redisturbed=c["re-disturbed"],
            other=c["insufficient_data"] + c["outside_imagery"],
        )
    )
    for _, s in res.result.sites.iterrows():
        typer.echo(
            f"  {s.site_id:24s} {t('rs.status.' + s.status, lang):24s} "
            + (
                f"NDVI {s.ndvi_recent:.2f}  {s.ndvi_slope_per_yr:+.3f}/yr"
                if s.get("ndvi_recent") == s.get("ndvi_recent") and s.get("ndvi_recent") is not None
                else ""
            )
        )
    if res.recorded is not None:
        r = res.recorded
        typer.echo(
            t(
                "rs.alerts",
                lang,
                created=len(r.created),
                updated=len(r.updated),
                unchanged=len(r.unchanged),
                noted=len(r.noted),
                store=store,
            )
        )
    elif len(res.alerts):
        typer.echo(t("rs.alerts_no_store", lang, n=len(res.alerts)))
    if res.sites_recorded is not None:
        typer.echo(t("rs.sites_recorded", lang, store=store, **res.sites_recorded))
    for n in res.result.notes:
        typer.echo(t("rs.note", lang, text=n))
    for p in res.files.values():
        typer.echo(f"  {p}")
    return res


def _inventory(catalog, out, alerts, store, footprints, start, end, as_of, months, layer_specs, refine, lang):
    from ..jobs.restore import inventory_sites, mining_polygons
    from ..restore.inventory import InventoryParams
    from ..restore.io import read_alerts_file, read_layer

    if alerts is not None:
        alert_gdf = read_alerts_file(alerts)
    else:
        from ..store import open_store

        alert_gdf = open_store(store).alerts(cause="mining")
        alert_gdf = alert_gdf[~alert_gdf.status.isin(["false_positive", "verified_other"])]  # reviewed as not mining
    polys = mining_polygons(alert_gdf, read_layer(footprints, "footprints"))
    layers = {k: read_layer(v, k) for k, v in layer_specs.items()}
    with progress_bar(t("rs.progress", lang)) as (set_total, advance):
        res = inventory_sites(
            polys,
            catalog,
            out,
            start,
            end,
            as_of,
            layers,
            InventoryParams(months=months, refine=refine),
            progress=advance,
            on_total=set_total,
        )
    s = res.result.sites
    c = _counts(s.status, ("abandoned", "active", "undetermined"))
    typer.echo(
        t(
            "rs.inv_done",
            lang,
            n=len(s),
            abandoned=c["abandoned"],
            active=c["active"],
            undetermined=c["undetermined"],
            ha=float(s.area_ha.sum()),
            ponds=int(s.pond_count.sum()),
            as_of=res.result.as_of,
        )
    )
    for n in res.result.notes:
        typer.echo(t("rs.note", lang, text=n))
    for p in res.files.values():
        typer.echo(f"  {p}")
    return res


def _suitability(inventory_path, out, rules, store, rivers, catalog, lang):
    import pyogrio

    from ..errors import InputError
    from ..jobs.restore import load_mercury, suitability_sites
    from ..restore.io import read_layer

    path = Path(inventory_path)
    if not path.exists():
        raise InputError(f"{path}: inventory not found (make it with `centinela restore inventory`)")
    layers = {n for n, _ in pyogrio.list_layers(path)}
    if "sites" not in layers:
        raise InputError(
            f"{path}: no 'sites' layer; expected the inventory.gpkg written by `centinela restore inventory`"
        )
    sites = read_layer(f"{path}#sites", "inventory sites")
    ponds = (
        read_layer(f"{path}#ponds", "ponds")
        if "ponds" in layers and pyogrio.read_info(path, layer="ponds")["features"]
        else None
    )
    notes: list[str] = []
    hg = load_mercury(store, notes)
    stack = None
    if catalog:
        import datetime as dt

        import pandas as pd

        from ..restore.pixels import load_stack

        # The background shows the half year before the inventory's date (recovered from its last_active +
        # months since).
        as_of = (pd.to_datetime(sites.last_active) + pd.to_timedelta(sites.months_since_active * 30.44, unit="D")).max()
        end = as_of.date() if pd.notna(as_of) else None
        start = end - dt.timedelta(days=183) if end else None
        with progress_bar(t("rs.progress", lang)) as (set_total, advance):
            stack = load_stack(
                catalog, sites.geometry, start, end, what=str(path), progress=advance, on_total=set_total
            )
    res = suitability_sites(sites, out, rules, hg, ponds, read_layer(rivers, "rivers"), stack)
    best = res.sites.best_option.replace("", "-").value_counts()
    labels = {k: o.label.get(lang, k) for k, o in res.rules.options.items()}
    summary = ", ".join(
        f"{labels.get(k, t('rs.none', lang)) if k != '-' else t('rs.none', lang)}: {v}" for k, v in best.items()
    )
    typer.echo(t("rs.suit_done", lang, n=len(res.sites), summary=summary or "-"))
    flagged = [c for c in res.sites.columns if c.startswith("hg_flag_")]
    if flagged:
        n_hg = int(res.sites[flagged].any(axis=1).sum())
        if n_hg:
            typer.echo(t("rs.hg_flagged", lang, n=n_hg))
    for n in [*notes, *res.notes]:
        typer.echo(t("rs.note", lang, text=n))
    for p in res.files.values():
        typer.echo(f"  {p}")
    return res
