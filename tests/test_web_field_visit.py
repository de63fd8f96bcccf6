"""A whole field visit (issue #19, "Done when"), in Debian's Chromium driven by Playwright, on a phone in Spanish
and on a desktop in English: a ranger signs in with signal and saves an area, loses the signal (server gone and
the browser offline), RELOADS the page, opens an alert from the phone's copy, writes a field report with a photo
(it waits in the phone's outbox), gets the signal back, and sees it sent; the store then holds that report
exactly once, the photo byte for byte, and an audit entry with the photo's SHA-256. Screenshots go to
``outputs/test-artifacts/field_visit_{phone,desktop}_*.png``."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from types import SimpleNamespace

import pytest
import shapely

from browsers import ARTIFACTS, Server, chromium, log_in
from centinela.store import embedded_store
from test_field_reports import jpeg
from test_web_api import PASSWORD, seed
from test_web_offline import AREA, DAY, png

SIZES = {
    # name: (context options, page language, alert visited, texts the page shows in that language, whether the
    # session expires while offline: then the report waits for the next sign-in, and the login form says so)
    "phone": (
        {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
        "es",
        "CEN-A",
        {"offline": "Datos sin conexión", "pending": "Pendiente de envío"},
        False,
    ),
    "desktop": (
        {"viewport": {"width": 1280, "height": 800}},
        "en",
        "CEN-B",
        {"offline": "Offline data", "pending": "Waiting to be sent", "waiting": "1 field report(s) by ranger"},
        True,
    ),
}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("field-visit")
    store = embedded_store(tmp / "centinela.gpkg")
    app = seed(store, tmp)
    store.add_area(AREA, shapely.box(-70.5, -13.0, -69.5, -12.8), "catalog.json", "2024-01-01", "test")
    # Imagery without a STAC catalog (as in test_web_offline): saving an area's tiles takes seconds.
    ctx = app.state.ctx
    ctx.settings = dataclasses.replace(ctx.settings, catalog=str(tmp / "stub-catalog.json"))
    tile = png()
    with pytest.MonkeyPatch.context() as mp:
        import centinela.imagery.composite as composite
        import centinela.imagery.tiles as tiles

        mp.setattr(tiles, "acquisition_dates", lambda *a, **k: [SimpleNamespace(date=DAY, cloud_cover=5.0)])
        mp.setattr(tiles, "render_tile", lambda *a, **k: tile)
        mp.setattr(composite, "render_composite_tile", lambda *a: tile)
        yield app, store


@pytest.fixture(scope="module")
def server(app):
    with Server(app[0]) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


@pytest.mark.parametrize("size", list(SIZES))
def test_an_offline_field_visit_ends_with_the_report_in_the_store_once(size, server, app, browser):
    options, lang, alert_id, texts, expire = SIZES[size]
    store = app[1]
    shot = lambda name: str(ARTIFACTS / f"field_visit_{size}_{name}.png")  # noqa: E731
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        **options,
        geolocation={"latitude": -12.9551, "longitude": -69.6952, "accuracy": 12},
        permissions=["geolocation"],
    )
    context.add_init_script(f"localStorage.setItem('centinela.lang', '{lang}')")
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # With signal: sign in, wait for the service worker, save the area around the alerts.
    log_in(page, server.url, "ranger", PASSWORD)
    assert page.evaluate(
        """() => navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller ? true
            : new Promise((ok) => navigator.serviceWorker.addEventListener('controllerchange', () => ok(true))))"""
    )
    if page.get_attribute("#side", "data-sheet") == "closed":  # a phone starts with the map, the sheet folded
        page.click("#sheet-toggle")
    page.click("#offline-summary")
    page.wait_for_selector(f"#offline-target option[value='area:{AREA}']", state="attached", timeout=10_000)
    page.select_option("#offline-target", f"area:{AREA}")
    page.click("#offline-save")
    page.wait_for_selector(f"#offline-areas li[data-area-id='area:{AREA}']", timeout=20_000)

    # No signal, and the page reloaded: it opens from the phone's copy.
    server.stop()
    context.set_offline(True)
    photo = jpeg()
    try:
        page.reload()
        page.wait_for_selector("body[data-ready='1']", timeout=20_000)
        page.wait_for_selector("#offline-banner", state="visible", timeout=10_000)
        assert texts["offline"] in page.inner_text("#offline-banner")
        assert page.is_hidden("#login-view")
        page.evaluate(f"window.centinela.selectAlert('{alert_id}')")
        page.wait_for_selector("#alert-offline", state="visible", timeout=10_000)
        assert page.inner_text("#alert-id") == alert_id
        page.screenshot(path=shot("offline"))

        # The report, with a photo, goes into the phone's outbox.
        page.wait_for_selector("#report-form", state="visible", timeout=5_000)
        page.check("#report-verdict-mining_active")
        page.fill("#report-notes", f"visita de campo {size}")
        page.set_input_files(
            "#report-photos", files=[{"name": "IMG_0001.JPG", "mimeType": "image/jpeg", "buffer": photo}]
        )
        page.click("#report-submit")
        pending = page.wait_for_selector("#report-outbox li[data-state='pending']", timeout=10_000)
        report_id = pending.get_attribute("data-report-id")
        assert texts["pending"] in pending.inner_text()
        # Scrolled in the page in one step: the panel may redraw the outbox meanwhile (a locator would be detached).
        page.evaluate("document.querySelector('#report-outbox')?.scrollIntoView()")
        page.screenshot(path=shot("pending"))
        assert store.field_reports(alert_id) == [], "nothing reached the server while offline"
        if expire:  # the session ends while the ranger is away (12 h in the forest)
            with store.connect(write=True) as c:
                c.execute("UPDATE sessions SET expires_at = '2000-01-01T00:00:00+00:00' WHERE username = 'ranger'")
    finally:
        # Signal again: the same server (same port, same store) and the browser online.
        server.start()
        context.set_offline(False)

    if expire:
        # The login form comes back and says the report is still on the phone; it goes once signed in again.
        page.wait_for_selector("#login-outbox", state="visible", timeout=15_000)
        assert texts["waiting"] in page.inner_text("#login-outbox")
        assert store.field_reports(alert_id) == []
        page.screenshot(path=shot("signin"))
        page.fill("#username", "ranger")
        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("#app-view", state="visible")
        page.evaluate(f"window.centinela.selectAlert('{alert_id}')")

    page.wait_for_selector(f"#report-list li[data-report-id='{report_id}'][data-state='sent']", timeout=20_000)
    page.wait_for_selector("#offline-banner", state="hidden", timeout=15_000)
    page.wait_for_selector("#report-outbox", state="hidden", timeout=5_000)
    page.evaluate(f"document.querySelector(\"#report-list li[data-report-id='{report_id}']\")?.scrollIntoView()")
    page.screenshot(path=shot("sent"))
    page.evaluate("window.dispatchEvent(new Event('online'))")  # a second nudge sends nothing more
    page.wait_for_timeout(300)

    reports = store.field_reports(alert_id)
    assert [r["report_id"] for r in reports] == [report_id], "exactly once"
    r = reports[0]
    assert r["author"] == "ranger" and r["verdict"] == "mining_active" and r["notes"] == f"visita de campo {size}"
    sha = hashlib.sha256(photo).hexdigest()
    assert [p["sha256"] for p in r["photos"]] == [sha]
    assert hashlib.sha256(store.field_photo(report_id, sha)[1]).hexdigest() == sha, "the photo byte for byte"
    entries = [e for e in store.audit() if e["action"] == "field_report" and report_id in e["detail"]]
    assert len(entries) == 1 and json.loads(entries[0]["detail"])["photos_sha256"] == [None, [sha]], entries
    assert not errors, errors
    context.close()
