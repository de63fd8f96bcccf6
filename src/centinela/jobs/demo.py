"""The demo, the main job on the embedded default: every stage on a simulated scene at the edge of Tambopata
National Reserve, into one GeoPackage store — quick-look, detection, alert map, a simulated mercury
campaign, illustrative zones and the bulletin, web users, restoration and drone steps."""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from ..i18n import t
from .detect import summary

DEMO_CENTER = (-12.9425, -69.7014)
"""At the edge of Tambopata National Reserve, 33 km east of La Pampa, where Amazon Mining Watch maps 2024
mining inside the reserve and in the forest around it."""
DEMO_HISTORY, DEMO_START, DEMO_END = dt.date(2023, 7, 1), dt.date(2024, 1, 1), dt.date(2024, 12, 31)
"""Half a year of history (with the 2023 dry season) before the year the demo reports on."""

Bar = Callable[[str], AbstractContextManager]
"""``bar(label)`` → a context giving ``(set_total, advance)``: how a caller shows a step's progress."""


def _no_bar(label: str) -> AbstractContextManager:
    return nullcontext((lambda n: None, lambda k=1: None))


@dataclass
class DemoResult:
    store: Path
    catalog: Path
    files: list[tuple[str, Path]] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    login_file: Path | None = None


def run_demo(
    out: Path, size: int = 512, workers: int = 1, lang: str = "es", bar: Bar = _no_bar, say=lambda line: None
) -> DemoResult:
    """Run every step into ``out`` (the store is ``out/centinela.gpkg``, made fresh); ``say`` gets the lines a
    person reads as the steps finish."""
    from .. import data
    from ..detect import detect
    from ..imagery import load_cube, read_aoi
    from ..reports.alertmap import write_alert_map
    from ..reports.quicklook import write_quicklook
    from ..sim import simulate

    out = Path(out)
    with bar(t("sim.progress", lang)) as (set_total, advance):
        scene = simulate(
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
    catalog, aoi = str(scene.catalog), read_aoi(scene.aoi)
    with bar(t("ql.progress", lang)) as (set_total, advance):
        set_total(2)
        ds = load_cube(catalog, aoi, DEMO_START, DEMO_END)
        advance()
        quick = write_quicklook(ds, out / "quicklook", None, simulated=True)
        advance()
    state = out / "alerts.gpkg.state"
    if state.exists():
        shutil.rmtree(state)  # the scene was simulated again, so old detection state would not match it
    with bar(t("det.progress", lang)) as (set_total, advance):
        found = detect(
            catalog,
            aoi,
            out / "alerts.gpkg",
            DEMO_START,
            DEMO_END,
            mmu_ha=0.3,
            history_days=(DEMO_START - DEMO_HISTORY).days,
            state_dir=state,
            progress=advance,
            on_total=set_total,
        )
    alert_map = write_alert_map(ds, found.alerts, out / "alerts_map.png", simulated=True)
    say(summary(found, lang))
    result = DemoResult(out / "centinela.gpkg", scene.catalog)
    hg = _mercury(out, scene.truth, found, lang, say)
    stats_csv, bulletin = _zones_and_report(out, found, catalog, lang, bar)
    _web_users(out, found, result)
    from .demo_drone import demo_drone
    from .demo_restore import demo_restore

    rs = demo_restore(out, scene.catalog, found.out, result.store, lang)
    say(rs["summary"])
    dd = demo_drone(out, lang)
    for line in dd.lines:
        say(line)
    result.files = [
        ("STAC", scene.catalog),
        ("truth / verdad", scene.truth),
        ("quick-look", quick.panel),
        ("cloud cover / nubosidad", quick.cloud_plot),
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
    ]
    return result


def _mercury(out: Path, truth: Path, found, lang: str, say) -> dict:
    """Synthetic laboratory results along the demo river (labelled simulated), through the same steps a lab
    would take: ingest, QA/QC, exposure and guides, maps and hotspots with the detected mining upstream."""
    import geopandas as gpd

    from ..mercury.synthetic import synthetic_results, write_csv
    from ..store import embedded_store
    from . import mercury as job

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
    st = embedded_store(store)
    job.ingest(st, lab, "demo")
    job.qc(st, "demo")
    risk = job.risk(st, out / "mercury", simulated=True)
    say(job.risk_line(risk, lang))
    res = job.hg_map(st, out / "mercury" / "map", "sediment", f"{truth}#river", found.out, seed=7, lang=lang)
    say(job.map_line(res, "sediment", lang))
    return {"lab": lab, "map": res.files["figure"], "guide": risk.guides[0].pdf}


def _zones_and_report(out: Path, found, catalog: str, lang: str, bar: Bar):
    """Illustrative corridor and buffer zones (labelled so) into the demo's store, zone statistics, bulletin."""
    from ..reports.make import make_bulletin
    from ..store import embedded_store
    from ..zones import load_zones, normalise_events, split_by_zones, zone_table
    from ..zones.illustrative import illustrative_layers
    from ..zones.io import write_stats

    st = embedded_store(out / "centinela.gpkg")  # made fresh by the mercury step just before
    zones = load_zones(None)
    extent = tuple(found.alerts.to_crs(4326).total_bounds) if len(found.alerts) else (-70.1, -13.0, -69.6, -12.8)
    for layer in illustrative_layers(extent, zones.of_kind("protected_area")):
        st.import_zones(layer, "demo")
    events = normalise_events(found.alerts.assign(first_seen=found.alerts.first_seen.astype(str)), str(found.out))
    pieces = split_by_zones(events, load_zones(st))
    csv, _ = write_stats(pieces, zone_table(pieces), out / "zones")
    with bar(t("report.progress", lang)) as (set_total, advance):
        set_total(1)
        bulletin, _ = make_bulletin(found.out, DEMO_START, DEMO_END, out / "report", lang, st, None, catalog)
        advance()
    return csv, bulletin


def _web_users(out: Path, found, result: DemoResult) -> None:
    """The detected alerts into the demo store, and one demo user per role with a fresh random password,
    written to a file only its owner can read (never a fixed password, even for a demo)."""
    from ..store import embedded_store
    from ..store import users as U
    from ..zones.io import read_polygons

    store = embedded_store(result.store)
    store.ingest(read_polygons(found.out, "alerts"), actor="demo")
    password = "demo-" + secrets.token_urlsafe(9)
    existing = {u["username"] for u in store.list_users()}
    for role in U.ROLES:
        if role not in existing:
            store.add_user(role, password, role, actor="demo")
        else:
            store.set_password(role, password, actor="demo")
    file = out / "web_login.txt"
    file.write_text("".join(f"{role}  {password}\n" for role in U.ROLES), encoding="utf-8")
    file.chmod(0o600)
    result.users, result.login_file = list(U.ROLES), file
