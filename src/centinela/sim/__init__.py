"""The scene simulator: realistic Sentinel-2 L2A time series of Madre de Dios with known truth.

``simulate`` draws a scene (:mod:`.landscape`), renders every date window by window
(:mod:`.render`), and writes COGs, a static STAC catalog and a ground-truth GeoPackage
(:mod:`.io`). Everything is deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .io import (
    build_catalog,
    finish_out,
    prepare_out,
    read_footprints,
    river_truth,
    write_aoi,
    write_rasters,
    write_truth,
)
from .landscape import DEFAULT_CENTER, DEFAULT_CRS, build_scene, scene_grid

__all__ = ["SimulationResult", "simulate"]


@dataclass(frozen=True)
class SimulationResult:
    """Where a simulation wrote its outputs."""

    out: Path
    catalog: Path
    truth: Path
    aoi: Path
    n_dates: int
    n_events: int


def simulate(
    out: str | Path,
    seed: int = 1,
    size: int = 512,
    start: dt.date = dt.date(2024, 1, 1),
    end: dt.date = dt.date(2024, 12, 31),
    center: tuple[float, float] = DEFAULT_CENTER,
    revisit: int = 5,
    events_from: str | Path | None = None,
    workers: int = 1,
    overwrite: bool = False,
    changes: bool = True,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    restoration_plots: int = 0,
) -> SimulationResult:
    """Simulate a scene and write it to ``out``; re-running an interrupted call resumes it.

    ``restoration_plots`` adds old mine scars with known restoration trajectories (planted, re-mined, left
    bare; see :func:`centinela.sim.landscape.restoration_plots_for`) for testing recovery monitoring.
    """
    out = Path(out).absolute()  # asset hrefs are made relative to the catalog from absolute paths
    params = {
        "seed": seed,
        "size": size,
        "start": str(start),
        "end": str(end),
        "center": list(center),
        "revisit": revisit,
        "events_from": str(events_from) if events_from else None,
        "changes": changes,
    }
    if restoration_plots:  # only when asked, so the parameters of every other run stay as they were
        params["restoration_plots"] = restoration_plots
    footprints = None
    if events_from:
        t = scene_grid(center, size, DEFAULT_CRS)
        bounds = (t.c, t.f - size * 10.0, t.c + size * 10.0, t.f)
        footprints = read_footprints(events_from, DEFAULT_CRS, bounds)
    scene = build_scene(
        seed,
        size,
        start,
        end,
        center,
        revisit,
        footprints,
        Path(events_from).name if events_from else "random",
        changes=changes,
        restoration_plots=restoration_plots,
    )
    prepare_out(out, params, overwrite)
    if on_total:
        on_total(len(scene.acquisitions))
    stats = write_rasters(scene, out / "cogs", workers=workers, progress=progress)
    catalog = build_catalog(scene, stats, out)
    events = sorted([*scene.events, *river_truth(scene)], key=lambda e: (e.day, e.event_id))
    truth = write_truth(scene, events, out / "truth.gpkg")
    aoi = write_aoi(scene, out / "aoi.geojson")
    finish_out(
        out, params, {"n_dates": len(stats), "n_events": len(events), "catalog": str(catalog), "truth": str(truth)}
    )
    return SimulationResult(out, catalog, truth, aoi, len(stats), len(events))
