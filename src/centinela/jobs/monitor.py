"""A monitoring run: detection for a saved area from where it stopped, merged into the store.

Safe to kill at any point (kill -9): detection state is saved block by block atomically and the merge
into the store is one transaction, so a re-run resumes and never loses or duplicates an alert.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import StateMismatchError
from ..store.core import IngestResult, Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MonitorResult:
    area: str
    dates_processed: int
    dates_total: int
    alerts: int
    ingest: IngestResult
    delivery: object = None  # centinela.alerts.notify.DeliveryReport
    growth: int = 0  # new alerts that are growth beside an alert reported earlier (in its front)


def area_folder(store: Store, name: str) -> Path:
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
    store: Store,
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
    model=None,
    known_mining: str | None = None,
) -> MonitorResult:
    """Detect what is new in a monitored area since its last run and merge it into the store, queueing and
    delivering the notifications. ``known_mining``: a mapped-mining layer for context (default the bundled
    Amazon Mining Watch footprints; ``"none"`` for none); ``model``: the attribution model."""
    from ..detect import detect
    from ..detect.context import known_mining as mapped_mining

    area = store.area(name)
    folder = area_folder(store, name)
    source = catalog or area["catalog"]
    since = dt.date.fromisoformat(area["since"])
    # What earlier runs reported: growth beyond it becomes alerts of its own (news), not a larger old alert.
    reported = store.alerts(area=name).geometry
    state_dir = folder / "state"
    mapped = mapped_mining(area["geometry"], known_mining) if known_mining != "none" else None

    def run():
        return detect(
            source,
            area["geometry"],
            folder / "alerts.gpkg",
            start=since,
            end=until or dt.date.today(),
            history_days=history_days,
            state_dir=state_dir,
            progress=progress,
            on_total=on_total,
            block=block,
            scheduler=scheduler,
            threads=threads,
            model=model,
            known_mining=mapped,
            reported=reported,
        )

    try:
        res = run()
    except StateMismatchError as exc:
        # The area's state is Centinela's own: after an upgrade that changed the method it is rebuilt from the
        # imagery (its history read again); alerts keep their ids, so the store sees updates, not duplicates.
        log.warning("%s: rebuilding the detection state (%s)", name, exc)
        aside = state_dir.with_name("state.replaced")
        shutil.rmtree(aside, ignore_errors=True)
        state_dir.rename(aside)
        res = run()
        shutil.rmtree(aside, ignore_errors=True)
    from ..alerts.notify import DeliveryReport, deliver_pending, digests_for
    from ..zones import load_zones

    zones = load_zones(store)
    queued: list = []

    def digests(subscriptions, ids):
        new = res.alerts[res.alerts.alert_id.isin(ids)]
        queued[:] = digests_for(name, subscriptions, new, zones)
        return queued

    # Alerts, the run's record and the digests of its new alerts commit together: a run killed at any point
    # leaves all or none of them, and a re-run then creates (and notifies) what this one did not.
    run = {"dates_processed": res.dates_processed, "alerts": len(res.alerts)}
    merged = store.ingest_run(name, res.alerts, run, actor, digests)
    # Delivery after the commit: a failed one waits in the outbox for the next run.
    delivered, failed = deliver_pending(store, backoff_s=notify_backoff_s)
    delivery = DeliveryReport(len(queued), delivered, failed)
    created = res.alerts[res.alerts.alert_id.isin(merged.created_ids)]
    growth = int(created.parent_id.notna().sum()) if "parent_id" in created else 0
    return MonitorResult(name, res.dates_processed, res.dates_total, len(res.alerts), merged, delivery, growth)
