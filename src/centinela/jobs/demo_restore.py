"""The restoration step of ``centinela demo``: inventory of the scene's mined land, recovery tracking of the
abandoned sites, alternative land uses with the demo's mercury campaign, all under ``out/restore/``.

Sites come from what a user would have: the detected mining alerts and the Amazon Mining Watch footprints
(bundled, CC BY 4.0) dated before the imagery ends. The imagery is read once and shared by the three steps.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import shapely

from ..i18n import t
from ..imagery import search_items
from ..restore.io import read_alerts_file
from ..restore.pixels import load_stack
from .restore import inventory_sites, load_mercury, mining_polygons, suitability_sites, track_sites

log = logging.getLogger(__name__)


def _footprints(bbox: tuple[float, float, float, float], until) -> gpd.GeoDataFrame | None:
    from .. import data
    from ..restore.inventory import activity_dates

    try:
        amw = gpd.read_file(data.path(data.AMW_MINING), bbox=bbox)
    except FileNotFoundError:
        return None
    if amw.empty:
        return None
    dates = activity_dates(amw)
    return amw[[d is not None and d <= until for d in dates]]


def _communities(bbox: tuple[float, float, float, float]) -> gpd.GeoDataFrame | None:
    """Native communities affected by mining (Amazon Mining Watch, CC BY 4.0) within ~1° of the scene: a biased
    subset (only communities already affected), enough to show the distance criterion at work."""
    from .. import data

    try:
        g = gpd.read_file(
            data.path("indigenous-territories/amw_impacted_territories_peru.geojson"),
            bbox=(bbox[0] - 1, bbox[1] - 1, bbox[2] + 1, bbox[3] + 1),
        )
    except FileNotFoundError:
        return None
    return g if len(g) else None


def demo_restore(out: Path, scene_catalog, alerts_path, store_path, lang: str = "es") -> dict:
    """Run inventory → tracking → suitability on the demo scene; returns {"files": {label: path}, "summary": text}."""
    out = Path(out) / "restore"
    items = search_items(str(scene_catalog))
    bbox = tuple(shapely.union_all([shapely.box(*it.bbox) for it in items]).bounds)
    first, last = items[0].datetime.date(), items[-1].datetime.date()
    alerts = read_alerts_file(alerts_path) if alerts_path and Path(alerts_path).exists() else None
    polys = mining_polygons(alerts, _footprints(bbox, last))
    polys = polys[polys.intersects(shapely.box(*bbox))]
    stack = load_stack(str(scene_catalog), polys.geometry, first, last, what="demo mining sites")
    truth = Path(scene_catalog).parent.parent / "truth.gpkg"
    rivers = gpd.read_file(truth, layer="river") if truth.exists() else None
    inv = inventory_sites(
        polys,
        str(scene_catalog),
        out,
        as_of=last,
        layers={"rivers": rivers, "communities": _communities(bbox)},
        stack=stack,
    )
    sites = inv.result.sites
    chosen = sites[sites.status.isin(["abandoned", "undetermined"])]
    chosen = chosen if len(chosen) else sites
    tracked = track_sites(
        chosen[["site_id", "geometry"]].assign(planting_date=None),
        str(scene_catalog),
        out,
        store=str(store_path) if store_path else None,
        actor="demo",
        stack=stack,
    )
    notes: list[str] = []
    hg = load_mercury(str(store_path) if store_path else None, notes)
    suit = suitability_sites(sites, out, None, hg, inv.result.ponds, rivers, stack)
    statuses = tracked.result.sites.status
    summary = t(
        "rs.demo_done",
        lang,
        n_inv=len(sites),
        abandoned=int((sites.status == "abandoned").sum()),
        n_track=len(chosen),
        recovering=int(statuses.isin(["recovering", "recovered"]).sum()),
        redisturbed=int((statuses == "re-disturbed").sum()),
        hg=int(suit.sites[[c for c in suit.sites.columns if c.startswith("hg_flag_")]].any(axis=1).sum())
        if any(c.startswith("hg_flag_") for c in suit.sites.columns)
        else 0,
    )
    files = {
        "restoration inventory / inventario": inv.files["gpkg"],
        "recovery / recuperación": tracked.files["figure"],
        "land-use map / mapa de usos": suit.files["map"],
        "land-use table / tabla de usos": suit.files["csv"],
    }
    return {
        "files": files,
        "summary": summary,
        "inventory": inv,
        "tracking": tracked,
        "suitability": suit,
        "notes": notes,
    }
