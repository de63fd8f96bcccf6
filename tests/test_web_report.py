"""A field report written with no signal (issue #19, point 5), in Debian's Chromium driven by Playwright: a
ranger opens an alert, the phone goes offline, the report with a photo waits in the phone's outbox, the
connection comes back and it is sent, and the store holds it exactly once with the photo byte for byte."""

from __future__ import annotations

import hashlib

import pytest

from browsers import ARTIFACTS, Server, chromium, log_in
from centinela.store import embedded_store
from test_field_reports import jpeg
from test_web_api import PASSWORD, seed


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("web-report")
    store = embedded_store(tmp / "centinela.gpkg")
    with Server(seed(store, tmp)) as srv:
        yield srv.url, store


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


def test_a_report_written_offline_is_sent_once_when_the_signal_returns(server, browser):
    base, store = server
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": -12.9551, "longitude": -69.6952, "accuracy": 12},
        permissions=["geolocation"],
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, base, "ranger", PASSWORD)
    page.evaluate("window.centinela.selectAlert('CEN-A')")
    page.wait_for_selector("#report-form", state="visible", timeout=10_000)
    page.wait_for_selector("#report-position >> text=/-12.955/", timeout=10_000)

    context.set_offline(True)
    photo = jpeg()
    page.check("#report-verdict-mining_active")
    page.fill("#report-notes", "dos dragas en la poza norte")
    page.set_input_files("#report-photos", files=[{"name": "IMG_0001.JPG", "mimeType": "image/jpeg", "buffer": photo}])
    page.click("#report-submit")
    pending = page.wait_for_selector("#report-outbox li[data-state='pending']", timeout=10_000)
    report_id = pending.get_attribute("data-report-id")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report_pending_phone.png"), full_page=True)
    assert store.field_reports("CEN-A") == [], "nothing reached the server while offline"

    context.set_offline(False)  # the page hears `online` and sends what waits
    page.wait_for_selector(f"#report-list li[data-report-id='{report_id}'][data-state='sent']", timeout=20_000)
    page.wait_for_selector("#report-outbox", state="hidden", timeout=5_000)
    page.screenshot(path=str(ARTIFACTS / "report_sent_phone.png"), full_page=True)
    page.evaluate("window.dispatchEvent(new Event('online'))")  # a second nudge sends nothing more
    page.wait_for_timeout(500)

    reports = store.field_reports("CEN-A")
    assert [r["report_id"] for r in reports] == [report_id], "exactly once"
    r = reports[0]
    assert r["verdict"] == "mining_active" and r["author"] == "ranger" and r["notes"] == "dos dragas en la poza norte"
    assert abs(r["lat"] - -12.9551) < 1e-6 and abs(r["lon"] - -69.6952) < 1e-6 and r["observed_at"]
    sha = hashlib.sha256(photo).hexdigest()
    assert r["photos"][0]["sha256"] == sha and store.field_photo(report_id, sha)[1] == photo
    assert sum(e["action"] == "field_report" for e in store.audit()) == 1
    assert not errors, errors
    context.close()
