"""A monitoring run: detection for a saved area from where it stopped, merged into the store.

Safe to kill at any point (kill -9): detection state is saved block by block atomically and the merge
into the store is one transaction, so a re-run resumes and never loses or duplicates an alert.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .embedded import EmbeddedStore, IngestResult


@dataclass(frozen=True)
class MonitorResult:
    area: str
    dates_processed: int
    dates_total: int
    alerts: int
    ingest: IngestResult
    delivery: object = None  # centinela.alerts.notify.DeliveryReport


def area_folder(store: EmbeddedStore, name: str) -> Path:
    """Working files of an area (detection state, last alerts), next to the store file."""
    import os

    from ..zones.layers import slug

    base = (
        store.path.with_name(store.path.stem + "_work")
        if store.path
        else Path(os.environ.get("CENTINELA_WORK", "centinela_work"))
    )
    return base / slug(name)


def monitor(
    store: EmbeddedStore,
    name: str,
    catalog: str | None = None,
    until: dt.date | None = None,
    history_days: int = 365,
    actor: str | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    block: int = 512,
    notify_backoff_s: float = 0.5,
    scheduler: str | None = None,
    threads: int | None = None,
) -> MonitorResult:
    from ..detect import detect

    area = store.area(name)
    folder = area_folder(store, name)
    source = catalog or area["catalog"]
    since = dt.date.fromisoformat(area["since"])
    res = detect(
        source,
        area["geometry"],
        folder / "alerts.gpkg",
        start=since,
        end=until or dt.date.today(),
        history_days=history_days,
        state_dir=folder / "state",
        progress=progress,
        on_total=on_total,
        block=block,
        scheduler=scheduler,
        threads=threads,
    )
    merged = store.ingest(res.alerts, actor, area_name=name)
    store.record_run(
        name,
        {
            "dates_processed": res.dates_processed,
            "alerts": len(res.alerts),
            "created": merged.created,
            "updated": merged.updated,
        },
        actor,
    )
    # Notifications after the alerts are safe in the store: a failed delivery waits in the outbox.
    from ..alerts.notify import notify
    from ..zones import load_zones

    new = res.alerts[res.alerts.alert_id.isin(merged.created_ids)]
    delivery = notify(store, name, new, load_zones(store.path), backoff_s=notify_backoff_s)  # path None: bundled zones
    return MonitorResult(name, res.dates_processed, res.dates_total, len(res.alerts), merged, delivery)
