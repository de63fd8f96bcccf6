"""Notifications through a real local SMTP server and a real HTTP receiver on loopback."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import geopandas as gpd
import pytest
import shapely
from aiosmtpd.controller import Controller

from centinela.alerts.notify import notify
from centinela.store import embedded_store
from centinela.zones import ZoneSet, prepare_layer


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture()
def smtp(monkeypatch):
    import socket

    with socket.socket() as s:  # aiosmtpd needs a concrete port: take a free one on loopback
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    monkeypatch.setenv("CENTINELA_SMTP", f"127.0.0.1:{port}")
    yield inbox
    ctl.stop()


@pytest.fixture()
def receiver():
    got, fail_first = [], {"n": 1}

    class H(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if fail_first["n"] > 0:
                fail_first["n"] -= 1
                self.send_response(500)
                self.end_headers()
                return
            got.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/hook", got
    srv.shutdown()


def _alerts():
    polys = [shapely.box(-69.70, -12.96, -69.69, -12.95), shapely.box(-69.60, -12.90, -69.595, -12.895)]
    g = gpd.GeoDataFrame(
        {
            "alert_id": ["CEN-1", "CEN-2"],
            "first_seen": ["2024-03-01", "2024-03-06"],
            "cause": "mining",
            "confidence": ["high", "low"],
            "area_ha": [12.0, 3.0],
            "lat": [-12.955, -12.8975],
            "lon": [-69.695, -69.5975],
        },
        geometry=polys,
        crs=4326,
    )
    return g


@pytest.mark.parametrize("backend", ["gpkg", "postgis"])
def test_digests_by_email_and_signed_webhook_with_retry_and_a_dead_endpoint(tmp_path, smtp, receiver, backend, request):
    url, got = receiver
    if backend == "gpkg":
        st = embedded_store(tmp_path / "s.gpkg")
    else:
        from centinela.store import open_store

        st = open_store(request.getfixturevalue("pg_url"))
    st.add_area(
        "Tambopata", shapely.box(-70, -13, -69.5, -12.8), "catalog.json", __import__("datetime").date(2024, 1, 1), "t"
    )
    st.subscribe("Tambopata", "email", "guardaparque@example.org", actor="t")
    st.subscribe("Tambopata", "webhook", url, min_confidence="high", secret="s3cret", actor="t")
    st.subscribe("Tambopata", "webhook", "http://127.0.0.1:9/nobody", actor="t")
    report = notify(st, "Tambopata", _alerts(), backoff_s=0.01)
    assert (report.queued, report.delivered, report.failed) == (3, 2, 1), "the dead endpoint does not block the others"
    ((to, mail),) = smtp.messages
    assert to == ["guardaparque@example.org"] and "2 nuevas alertas en Tambopata" in mail and "CEN-2" in mail
    ((headers, body),) = got  # delivered on the retry after a 500
    payload = json.loads(body)
    assert payload["count"] == 1 and payload["alerts"][0]["alert_id"] == "CEN-1", (
        "min-confidence high filters CEN-2 out"
    )
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Centinela-Signature"] == expected
    pending = st.pending()
    assert len(pending) == 1 and pending[0]["target"].endswith("/nobody") and pending[0]["attempts"] == 1
    assert "s3cret" not in json.dumps(st.audit()), "secrets never reach the audit log"
    again = notify(st, "Tambopata", _alerts().iloc[:0], backoff_s=0.01)  # the next run retries what is pending
    assert (again.queued, again.failed) == (0, 1) and st.pending()[0]["attempts"] == 2


def test_zone_filter(tmp_path, smtp):
    st = embedded_store(tmp_path / "s.gpkg")
    st.add_area("A", shapely.box(-70, -13, -69.5, -12.8), "c", __import__("datetime").date(2024, 1, 1), "t")
    st.subscribe("A", "email", "fenamad@example.org", zone_kinds=["indigenous_land"], actor="t")
    zones = ZoneSet.from_layers(
        [
            prepare_layer(
                gpd.GeoDataFrame({"n": ["CN X"]}, geometry=[shapely.box(-69.61, -12.91, -69.59, -12.89)], crs=4326),
                "t",
                "indigenous_land",
                "n",
                "s",
                "l",
                "",
                "cn",
            )
        ]
    )
    notify(st, "A", _alerts(), zones, backoff_s=0.01)
    ((_, mail),) = smtp.messages
    assert "CEN-2" in mail and "CEN-1" not in mail
