"""The drone demo step: two SIMULATED flights a year apart over a mined site being replanted, ingested,
their cover measured per site, and compared.

:func:`demo_drone` is what ``centinela demo`` calls; it writes everything under ``out/drone/`` and records
the flights in the demo's store, so the web map of the demo can show them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..i18n import t

FIRST, SECOND = dt.date(2024, 7, 15), dt.date(2025, 7, 20)
"""Two dry-season flights, a year apart: planting ~10 months before the first."""
GPS_ERROR_M = (0.8, -0.5)
"""The second flight's georeference is off by this much (GPS only, no ground control), as real repeat
flights often are; the comparison estimates and removes it (``align``)."""


@dataclass(frozen=True)
class DroneDemo:
    """What the demo step wrote (label → path) and lines to print (in the demo's language)."""

    files: dict[str, Path]
    lines: list[str] = field(default_factory=list)
    flight_ids: tuple[str, ...] = ()


def demo_drone(out: Path, lang: str = "es", store=None, seed: int = 3, size_m: float = 200.0) -> DroneDemo:
    """Simulate two flights (0.1 m and 0.12 m, ~200 × 200 m), ingest both into ``store`` (default
    ``out/centinela.gpkg``; a store object or a GeoPackage path) with the site polygons, and compare them with
    alignment."""
    from ..drone.compare import compare_flights
    from ..drone.flights import ingest, open_flight
    from ..drone.text import change_lines, cover_lines
    from ..sim.drone import simulate_drone
    from ..store import embedded_store

    root = Path(out) / "drone"
    if store is None or isinstance(store, (str, Path)):
        store = embedded_store(Path(store) if store is not None else Path(out) / "centinela.gpkg")
    sim = simulate_drone(
        root / "sim", seed=seed, dates=(FIRST, SECOND), res=(0.1, 0.12), size_m=size_m, geo_error_m=GPS_ERROR_M
    )
    lines, files, ids = [], {}, []
    for label, ortho in zip(("A", "B"), sim.orthos, strict=True):
        res = ingest(ortho, store, out=root, sites=sim.sites, lang=lang, actor="demo")
        ids.append(res.flight_id)
        lines.append(
            t(
                "drone.already" if res.already else "drone.ingested",
                lang,
                id=res.flight_id,
                file=ortho.name,
                res=float(res.record["res_m"]),
                bands=res.record["bands"],
                date=res.record["flight_date"],
                cog=res.cog,
            )
        )
        lines.extend(f"  {x}" for x in cover_lines(res.cover.table, lang))
        files[f"drone flight {label} / vuelo {label}"] = ortho
        files[f"drone cover {label} / cobertura {label}"] = res.files["png"]
    change = compare_flights(
        open_flight(ids[0], store), open_flight(ids[1], store), root / "change", align=True, lang=lang
    )
    lines.extend(change_lines(change, lang))
    files["drone change / cambio (PNG)"] = change.files["png"]
    files["drone change / cambio (GeoTIFF)"] = change.files["tif"]
    files["drone change areas / áreas (CSV)"] = change.files["csv"]
    return DroneDemo(files, lines, tuple(ids))
