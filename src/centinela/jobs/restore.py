"""The three restoration jobs end to end — read, compute, write files and figures, record alerts — as the
command line and the demo run them. Computation lives in :mod:`.track`, :mod:`.inventory` and
:mod:`.suitability`; files are read and written through :mod:`.io` and :mod:`centinela.reports.restore_figures`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..errors import AOIOutsideDataError, InputError
from ..restore import io
from ..restore.alerts import RecordResult, record, redisturbance_alerts
from ..restore.inventory import InventoryParams, InventoryResult, activity_dates, candidate_sites, inventory
from ..restore.pixels import Stack, load_stack
from ..restore.suitability import Rules, assess, load_rules
from ..restore.track import OBS_COLUMNS, TrackParams, TrackResult, track

log = logging.getLogger(__name__)


@dataclass
class TrackOutputs:
    result: TrackResult
    files: dict[str, Path]
    alerts: gpd.GeoDataFrame
    recorded: RecordResult | None = None
    sites_recorded: dict[str, int] | None = None  # added / changed / unchanged sites in the store


@dataclass
class InventoryOutputs:
    result: InventoryResult
    files: dict[str, Path]


@dataclass
class SuitabilityOutputs:
    sites: gpd.GeoDataFrame
    files: dict[str, Path]
    notes: list[str] = field(default_factory=list)
    rules: Rules | None = None


CELL_M = 5000.0
"""Sites are read in groups whose label points share a 5 km cell: one window per group keeps memory bounded when
sites are spread over a whole region (a single bounding box over Madre de Dios would be millions of pixels)."""


def groups(geoms: gpd.GeoSeries, cell_m: float = CELL_M) -> list[list[int]]:
    """Positions of ``geoms`` grouped by the ``cell_m`` cell of their label point (in the local UTM zone)."""
    pts = geoms.to_crs(geoms.estimate_utm_crs()).representative_point()
    keys = list(zip((pts.x // cell_m).astype(int), (pts.y // cell_m).astype(int), strict=True))
    out: dict[tuple, list[int]] = {}
    for i, k in enumerate(keys):
        out.setdefault(k, []).append(i)
    return [out[k] for k in sorted(out)]


class _Progress:
    """One progress bar over several windows: totals add up as each window announces its own."""

    def __init__(self, progress, on_total):
        self.progress, self.on_total, self.total = progress, on_total, 0

    def add_total(self, n: int) -> None:
        self.total += n
        if self.on_total:
            self.on_total(self.total)


def default_start(sites: gpd.GeoDataFrame, margin_days: int = 180) -> dt.date | None:
    """Half a year before the earliest planting date, so the trend sees the ground before planting; else None."""
    dates = [d for d in sites.get("planting_date", pd.Series(dtype=object)) if d is not None and not pd.isna(d)]
    return min(dates) - dt.timedelta(days=margin_days) if dates else None


def track_sites(
    sites: gpd.GeoDataFrame,
    catalog: str,
    out: Path,
    start: dt.date | None = None,
    end: dt.date | None = None,
    store: str | None = None,
    actor: str | None = None,
    params: TrackParams = TrackParams(),  # noqa: B008 (frozen dataclass; ruff does not resolve ..restore)
    stack: Stack | None = None,
    what: str = "sites",
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> TrackOutputs:
    """Track ``sites`` (from :func:`io.read_sites`) in the imagery; write ``tracking.gpkg`` (layers ``sites``,
    ``observations``, ``redisturbance``), two CSVs and ``trajectories.png`` under ``out``; re-disturbance
    becomes an alert in ``store`` when given."""
    from ..reports.restore_figures import trajectories_figure

    if stack is not None:
        result = track(sites, stack, params)
    else:
        bar = _Progress(progress, on_total)
        parts = []
        for idx in groups(sites.geometry):
            sub = sites.iloc[idx]
            try:
                st = load_stack(
                    catalog,
                    sub.geometry,
                    start or default_start(sites),
                    end,
                    what=what,
                    progress=progress,
                    on_total=bar.add_total,
                )
            except AOIOutsideDataError:
                if len(idx) == len(sites):
                    raise
                parts.append(_outside(sub, sites.crs))  # this group only: the others may still be covered
                continue
            parts.append(track(sub, st, params))
        result = _merge_tracks(parts)
    if (result.sites.status == "outside_imagery").all():
        raise AOIOutsideDataError(f"{what}: every site lies outside the imagery of {catalog}")
    alerts = redisturbance_alerts(result)
    out = Path(out)
    files = {
        "gpkg": io.write_layers(
            out / "tracking.gpkg",
            {
                "sites": result.sites,
                "observations": result.observations,
                "redisturbance": result.disturbances,
                **({"alerts": alerts} if len(alerts) else {}),
            },
        ),
        "sites_csv": io.write_csv(result.sites, out / "tracking_sites.csv"),
        "observations_csv": io.write_csv(result.observations, out / "tracking_observations.csv"),
        "figure": trajectories_figure(result.sites, result.observations, out / "trajectories.png", result.simulated),
    }
    recorded = sites_recorded = None
    if store is not None:
        from ..store import open_store
        from ..store.core import default_actor

        st = open_store(store)
        # The sites first: a run killed before its alerts leaves the sites' new state, and the re-run adds the alerts.
        sites_recorded = st.record_sites(result.sites, what, actor or default_actor())
        if len(alerts):
            recorded = record(st, alerts, actor=actor)
    return TrackOutputs(result, files, alerts, recorded, sites_recorded)


def _outside(sites: gpd.GeoDataFrame, crs) -> TrackResult:
    rows = sites.assign(
        status="outside_imagery", n_looks=0, area_ha=sites.to_crs(sites.estimate_utm_crs()).area.round(0) / 1e4
    )
    return TrackResult(
        gpd.GeoDataFrame(rows, geometry="geometry", crs=crs),
        pd.DataFrame(columns=list(OBS_COLUMNS)),
        gpd.GeoDataFrame(geometry=[], crs=crs),
        [f"site {s}: outside the imagery" for s in sites.site_id],
    )


def _merge_tracks(parts: list[TrackResult]) -> TrackResult:
    if len(parts) == 1:
        return parts[0]
    crs = next((p.sites.crs for p in parts if p.sites.crs is not None), None)
    sites = gpd.GeoDataFrame(
        pd.concat([p.sites.to_crs(crs) for p in parts], ignore_index=True), geometry="geometry", crs=crs
    )
    dist = [p.disturbances.to_crs(crs) for p in parts if len(p.disturbances)]
    dist = (
        gpd.GeoDataFrame(pd.concat(dist, ignore_index=True), geometry="geometry", crs=crs)
        if dist
        else parts[0].disturbances.to_crs(crs)
    )
    obs = (
        pd.concat([p.observations for p in parts if len(p.observations)], ignore_index=True)
        if any(len(p.observations) for p in parts)
        else parts[0].observations
    )
    return TrackResult(sites, obs, dist, [n for p in parts for n in p.notes], any(p.simulated for p in parts))


def mining_polygons(alerts: gpd.GeoDataFrame | None, footprints: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Mining alerts (cause ``mining``) and footprints together, each with its latest known activity date."""
    parts = []
    if alerts is not None and len(alerts):
        a = alerts[alerts.cause == "mining"] if "cause" in alerts.columns else alerts
        if len(a):
            parts.append(
                gpd.GeoDataFrame(
                    {"last_active": activity_dates(a).to_list(), "source": "alerts"},
                    geometry=a.geometry.values,
                    crs=a.crs,
                ).to_crs(4326)
            )
    if footprints is not None and len(footprints):
        parts.append(
            gpd.GeoDataFrame(
                {"last_active": activity_dates(footprints).to_list(), "source": "footprints"},
                geometry=footprints.geometry.values,
                crs=footprints.crs,
            ).to_crs(4326)
        )
    if not parts:
        raise InputError(
            "no mining polygons: give mining alerts (--alerts FILE, or a --store holding them) and/or "
            "--footprints FILE (e.g. Amazon Mining Watch)"
        )
    polys = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=4326)
    polys = polys[polys.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polys.empty:
        raise InputError("the mining alerts and footprints hold no polygon")
    return polys


def inventory_sites(
    polygons: gpd.GeoDataFrame,
    catalog: str,
    out: Path,
    start: dt.date | None = None,
    end: dt.date | None = None,
    as_of: dt.date | None = None,
    layers: dict[str, gpd.GeoDataFrame | None] | None = None,
    params: InventoryParams = InventoryParams(),  # noqa: B008 (frozen dataclass)
    stack: Stack | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> InventoryOutputs:
    """Inventory of mined land; writes ``inventory.gpkg`` (layers ``sites`` and ``ponds``) and ``inventory.csv``."""
    if stack is not None:
        result = inventory(polygons, stack, as_of, layers, params)
    else:
        # Merge first (so a site cut by a cell edge stays one), then read one window per group of sites.
        cands = candidate_sites(polygons, polygons.estimate_utm_crs().to_string(), params.gap_m)
        bar = _Progress(progress, on_total)
        parts = []
        for idx in groups(cands.geometry):
            sub = cands.iloc[idx].rename(columns={"sources": "source"})
            try:
                st = load_stack(
                    catalog, sub.geometry, start, end, what="mining polygons", progress=progress, on_total=bar.add_total
                )
            except AOIOutsideDataError:
                if len(idx) == len(cands):
                    raise
                continue
            parts.append(inventory(sub, st, as_of, layers, params))
        result = _merge_inventories(parts)
    out = Path(out)
    files = {
        "gpkg": io.write_layers(out / "inventory.gpkg", {"sites": result.sites, "ponds": result.ponds}),
        "csv": io.write_csv(result.sites, out / "inventory.csv"),
    }
    return InventoryOutputs(result, files)


def _merge_inventories(parts: list[InventoryResult]) -> InventoryResult:
    if len(parts) == 1:
        return parts[0]
    crs = parts[0].sites.crs

    def cat(frames):
        return gpd.GeoDataFrame(
            pd.concat([f.to_crs(crs) for f in frames], ignore_index=True), geometry="geometry", crs=crs
        )

    return InventoryResult(
        cat([p.sites for p in parts]),
        cat([p.ponds for p in parts]),
        [n for p in parts for n in p.notes],
        any(p.simulated for p in parts),
        parts[0].as_of,
    )


def suitability_sites(
    sites: gpd.GeoDataFrame,
    out: Path,
    rules: str | Path | Rules | None = None,
    mercury_results: pd.DataFrame | None = None,
    ponds: gpd.GeoDataFrame | None = None,
    rivers: gpd.GeoDataFrame | None = None,
    stack: Stack | None = None,
    simulated: bool = False,
) -> SuitabilityOutputs:
    """Score and rank the inventory's sites; write ``suitability.gpkg``, ``suitability.csv`` and
    ``suitability_map.png``.
    """
    from ..reports.restore_figures import suitability_map

    rules = rules if isinstance(rules, Rules) else load_rules(rules)
    assessed, notes = assess(sites, rules, mercury_results)
    out = Path(out)
    rgb = bounds = None
    if stack is not None:
        t = stack.transform
        h, w = stack.shape
        bounds = (t.c, t.f + h * t.e, t.c + w * t.a, t.f)
        rgb = stack.rgb
        assessed = assessed.to_crs(stack.crs)
        simulated = simulated or stack.simulated
    files = {
        "gpkg": io.write_layers(out / "suitability.gpkg", {"suitability": assessed}),
        "csv": io.write_csv(assessed, out / "suitability.csv"),
        "map": suitability_map(
            assessed,
            out / "suitability_map.png",
            {k: o.label for k, o in rules.options.items()},
            ponds,
            rgb,
            bounds,
            rivers,
            simulated,
        ),
    }
    return SuitabilityOutputs(assessed, files, notes, rules)


def load_mercury(store: str | None, notes: list[str]) -> pd.DataFrame | None:
    """Mercury results of the store, or None (with a note) when there are none."""
    from ..store import open_store

    try:
        return open_store(store).results()
    except InputError as exc:
        notes.append(f"no mercury results ({exc}): aquaculture and agroforestry are not checked for mercury")
        return None
