"""Notifications: one digest per subscriber of the new alerts that match, by email (SMTP) or webhook.

Digests go through the store's outbox first, so a failed delivery is kept and retried on the next run
and never blocks or loses the monitoring run itself. Webhook bodies are signed with HMAC-SHA256
(``X-Centinela-Signature: sha256=<hex>``) when the subscription has a secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import smtplib
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage

import geopandas as gpd

log = logging.getLogger(__name__)
RETRIES = 3
TIMEOUT_S = 10.0


@dataclass(frozen=True)
class DeliveryReport:
    queued: int
    delivered: int
    failed: int


def matching(alerts: gpd.GeoDataFrame, sub: dict, zones=None) -> gpd.GeoDataFrame:
    a = alerts
    if sub.get("min_confidence") == "high":
        a = a[a.confidence == "high"]
    kinds = [k for k in (sub.get("zone_kinds") or "").split(",") if k]
    if kinds and zones is not None and len(a):
        z = zones.zones[zones.zones.kind.isin(kinds)]
        a = a[a.to_crs(4326).intersects(z.union_all())] if len(z) else a.iloc[:0]
    return a


def _number(v):
    return None if v is None or v != v else round(float(v), 3)


def _text(v):
    return None if v is None or v != v else str(v)


def digest(area: str, alerts: gpd.GeoDataFrame) -> dict:
    rows = []
    for r in alerts.to_crs(4326).itertuples():
        rows.append(
            {
                "alert_id": r.alert_id,
                "first_seen": str(r.first_seen),
                "cause": r.cause,
                "confidence": r.confidence,
                "area_ha": float(r.area_ha),
                "lat": float(r.lat),
                "lon": float(r.lon),
                "mining_prob": _number(getattr(r, "mining_prob", None)),
                "grew_from": _text(getattr(r, "parent_id", None)),
            }
        )
    return {"area": area, "count": len(rows), "alerts": rows}


def _email_text(d: dict) -> tuple[str, str]:
    subject = f"Centinela: {d['count']} nuevas alertas en {d['area']} / {d['count']} new alerts in {d['area']}"
    lines = [
        f"{a['alert_id']}  {a['first_seen']}  {a['cause']}"
        + (f" (P {a['mining_prob']:.2f})" if a.get("mining_prob") is not None else "")
        + f"  {a['confidence']}  {a['area_ha']:.2f} ha  {a['lat']:.5f}, {a['lon']:.5f}"
        + (f"  ← {a['grew_from']}" if a.get("grew_from") else "")
        for a in d["alerts"]
    ]
    body = (
        "Nuevas alertas de pérdida de bosque / New forest-loss alerts\n\n"
        + "\n".join(lines)
        + "\n\nVerifique en campo antes de actuar. / Verify in the field before acting.\n"
    )
    return subject, body


def send_email(target: str, d: dict) -> None:
    host, _, port = (os.environ.get("CENTINELA_SMTP") or "localhost:25").partition(":")
    msg = EmailMessage()
    msg["Subject"], body = _email_text(d)
    msg["From"] = os.environ.get("CENTINELA_MAIL_FROM", "centinela@localhost")
    msg["To"] = target
    msg.set_content(body)
    with smtplib.SMTP(host, int(port or 25), timeout=TIMEOUT_S) as smtp:
        smtp.send_message(msg)


def send_webhook(target: str, d: dict, secret: str | None) -> None:
    body = json.dumps(d, sort_keys=True, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json", "User-Agent": "centinela"}
    if secret:
        headers["X-Centinela-Signature"] = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    req = urllib.request.Request(target, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
        if resp.status >= 300:
            raise OSError(f"HTTP {resp.status}")


def deliver_pending(store, retries: int = RETRIES, backoff_s: float = 0.5) -> tuple[int, int]:
    """Try every undelivered digest (oldest first); returns (delivered, failed). Never raises."""
    delivered = failed = 0
    for item in store.pending():
        payload = json.loads(item["payload"])
        error = None
        for attempt in range(retries):
            try:
                if item["channel"] == "email":
                    send_email(item["target"], payload)
                else:
                    send_webhook(item["target"], payload, item["secret"])
                error = None
                break
            except (OSError, smtplib.SMTPException, urllib.error.URLError) as exc:  # network faults are expected
                error = f"{type(exc).__name__}: {exc}"
                time.sleep(backoff_s * (2**attempt))
        store.mark_delivery(item["id"], error)
        if error:
            failed += 1
            log.warning("delivery %s to %s failed after %d tries: %s", item["id"], item["channel"], retries, error)
        else:
            delivered += 1
    return delivered, failed


def digests_for(
    area: str, subscriptions: list[dict], new_alerts: gpd.GeoDataFrame, zones=None
) -> list[tuple[int, dict]]:
    """(subscription id, digest) for every subscriber with matching new alerts; nothing is written."""
    out = []
    for sub in subscriptions:
        hits = matching(new_alerts, sub, zones)
        if len(hits):
            out.append((sub["id"], digest(area, hits)))
    return out


def notify(
    store, area: str, new_alerts: gpd.GeoDataFrame, zones=None, retries: int = RETRIES, backoff_s: float = 0.5
) -> DeliveryReport:
    """Queue one digest per matching subscriber, then deliver everything pending (this run's and older).

    A monitoring run queues its digests in the transaction that stores its alerts instead
    (``store.ingest_run`` with :func:`digests_for`), then calls :func:`deliver_pending`.
    """
    queued = digests_for(area, store.subscriptions(area), new_alerts, zones)
    for subscription_id, payload in queued:
        store.enqueue(subscription_id, payload)
    delivered, failed = deliver_pending(store, retries, backoff_s)
    return DeliveryReport(len(queued), delivered, failed)
