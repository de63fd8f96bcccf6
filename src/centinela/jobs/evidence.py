"""An alert's evidence package: read the alert, its imagery and zones, write the package, record it in the
audit log with the zip's SHA-256 (the package prints the log's head, so it anchors the chain)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import shapely

from ..alerts.evidence import UTM, sha256, write_evidence
from ..errors import InputError
from ..imagery import load_cube
from ..zones import assess, load_rules, load_zones


def evidence_for(
    store,
    alert_id: str,
    out: str | Path,
    catalog: str | None = None,
    lang: str = "es",
    zones_path: Path | None = None,
    progress=None,
    actor: str | None = None,
) -> tuple[Path, Path]:
    """Read what the package needs (the alert, imagery 180 days before to 120 after, its zones) and write it."""
    a = store.alert(alert_id)
    if catalog is None:
        if not a.get("area_name"):
            raise InputError(f"alert {alert_id} has no monitored area to take imagery from; give a catalog")
        catalog = store.area(a["area_name"])["catalog"]
    first = dt.date.fromisoformat(a["first_seen"])
    bbox = shapely.box(*gpd.GeoSeries([a["geometry"]], crs=4326).to_crs(UTM).buffer(1000).to_crs(4326).total_bounds)
    ds = load_cube(catalog, bbox, first - dt.timedelta(days=180), first + dt.timedelta(days=120))
    if progress:
        progress()
    one = gpd.GeoDataFrame(
        [{k: v for k, v in a.items() if k not in ("geometry", "notes", "history")}], geometry=[a["geometry"]], crs=4326
    )
    judged = assess(one, load_zones(zones_path if zones_path is not None else store), load_rules(), lang).iloc[0]
    head = store.head()  # the audit log as it stood when the package was made: anchors the package to the chain
    folder, zpath = write_evidence(
        a, ds, out, judged["zones"], f"{judged['legal_label']}: {judged['legal_reasons']}", audit_head=head
    )
    store.log_event(
        actor or "centinela",
        "evidence_created",
        alert_id,
        {"zip": [None, zpath.name], "zip_sha256": [None, sha256(zpath)], "audit_head": [None, head and head[0]]},
    )
    if progress:
        progress()
    return folder, zpath
