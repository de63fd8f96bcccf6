"""The installable app and offline areas (issue #19, point 2): the service worker and manifest as served, and in
Debian's Chromium driven by Playwright a ranger who saves an area, loses the signal, reloads, reads an alert
from the phone's copy, gets the signal back, and logs out (which deletes the copy). Screenshots go to
``outputs/test-artifacts/``."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from types import SimpleNamespace

import pytest
import shapely
from fastapi.testclient import TestClient

from browsers import ARTIFACTS, Server, chromium, log_in
from centinela.store import embedded_store
from test_web_api import PASSWORD, login, seed

AREA = "Zona piloto"  # a monitored area around the three seeded alerts
DAY = "2024-07-01"  # the one clear imagery date of the stub catalog


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (256, 256), (120, 90, 60)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("offline")
    store = embedded_store(tmp / "centinela.gpkg")
    app = seed(store, tmp)
    store.add_area(AREA, shapely.box(-70.5, -13.0, -69.5, -12.8), "catalog.json", "2024-01-01", "test")
    # Imagery without a STAC catalog: a stub date list and a plain tile, so the page saves tiles in seconds.
    ctx = app.state.ctx
    ctx.settings = dataclasses.replace(ctx.settings, catalog=str(tmp / "stub-catalog.json"))
    tile, calls = png(), []
    with pytest.MonkeyPatch.context() as mp:
        import centinela.imagery.composite as composite
        import centinela.imagery.tiles as tiles
        import centinela.jobs.evidence as evidence

        mp.setattr(tiles, "acquisition_dates", lambda *a, **k: [SimpleNamespace(date=DAY, cloud_cover=5.0)])
        mp.setattr(tiles, "render_tile", lambda catalog, date, z, x, y, *a, **k: tile)
        mp.setattr(composite, "render_composite_tile", lambda cat, until, z, x, y, *a: calls.append((z, x, y)) or tile)
        mp.setattr(evidence, "imagery_pair", lambda *a, **k: {"before": None, "after": None})
        yield app, store, calls


@pytest.fixture(scope="module")
def server(app):
    with Server(app[0]) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


def test_service_worker_and_manifest_are_served_for_an_installable_app(app):
    client = TestClient(app[0])
    page = client.get("/").text
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page

    sw = client.get("/sw.js")
    assert sw.status_code == 200 and sw.headers["content-type"].startswith("text/javascript")
    assert sw.headers["service-worker-allowed"] == "/" and sw.headers["cache-control"] == "no-cache"
    assert "__VERSION__" not in sw.text and "/*__SHELL__*/" not in sw.text, "the build wrote the shell into sw.js"
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", sw.text).group(1))
    # Every file the page asks for, with the exact ?v= address, so the page opens with no signal.
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page):
        assert asset in shell or asset.endswith(".png"), asset  # icons are for installing, not for the page
    assert "/" in shell and any(u.startswith("/static/mapkit-") for u in shell), shell
    for url in shell:
        assert client.get(url).status_code == 200, url

    m = client.get("/manifest.webmanifest")
    assert m.status_code == 200 and m.headers["content-type"].startswith("application/manifest+json")
    manifest = m.json()
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone" and manifest["lang"] == "es"
    assert manifest["short_name"] == "Centinela" and "minería" in manifest["name"]
    sizes = {i["sizes"] for i in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        r = client.get(icon["src"])
        assert r.status_code == 200 and r.headers["content-type"] == "image/png"
        assert r.content[16:24] == int(icon["sizes"].split("x")[0]).to_bytes(4, "big") * 2, "PNG size as declared"

    login(client, "ranger")
    areas = client.get("/api/areas").json()
    assert [a["bbox"] for a in areas if a["name"] == AREA] == [[-70.5, -13.0, -69.5, -12.8]]


def saved_on_phone(page) -> dict:
    """What this origin keeps for offline use: areas and details in IndexedDB, tile caches, remembered user."""
    return page.evaluate(
        """async () => {
            const db = await new Promise((ok, ko) => { const r = indexedDB.open('centinela-offline', 1);
                r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error); });
            const all = (name) => new Promise((ok) => { const r = db.transaction(name).objectStore(name).getAll();
                r.onsuccess = () => ok(r.result); });
            const out = { areas: (await all('areas')).map((a) => [a.user, a.name, a.alerts.length]),
                details: (await all('details')).length,
                tiles: (await caches.keys()).filter((n) => n.startsWith('centinela-tiles:')),
                tileDates: (await all('areas')).map((a) => a.tiles && [a.tiles.date, a.tiles.count]),
                user: localStorage.getItem('centinela.offline.user') };
            db.close();
            return out;
        }"""
    )


def test_ranger_saves_an_area_and_reads_it_with_no_signal(server, app, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    log_in(page, server.url, "ranger", PASSWORD)
    # The worker controls the page once it has installed the shell.
    assert page.evaluate(
        """() => navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller ? true
            : new Promise((ok) => navigator.serviceWorker.addEventListener('controllerchange', () => ok(true))))"""
    )

    page.click("#offline-summary")
    page.wait_for_selector(f"#offline-target option[value='area:{AREA}']", state="attached", timeout=10_000)
    assert "Salir" in page.inner_text("#offline-logout-note"), "the page says logout deletes the saved data"
    page.select_option("#offline-target", f"area:{AREA}")
    page.click("#offline-save")
    page.wait_for_selector(f"#offline-areas li[data-area-id='area:{AREA}']", timeout=20_000)
    kept = saved_on_phone(page)
    assert kept["areas"] == [["ranger", AREA, 3]] and kept["details"] == 3, kept
    # Tiles of the map's background (the clear composite up to the latest date), a few zoom levels, under the cap.
    saved_tiles = kept["tileDates"][0][1]
    assert kept["tiles"] == ["centinela-tiles:ranger:area%3AZona%20piloto"] and kept["tileDates"][0][0] == DAY, kept
    assert 10 <= saved_tiles <= 400 and len({c[0] for c in app[2]}) >= 3, (saved_tiles, sorted(app[2])[:5])
    page.locator("#offline-section").screenshot(path=str(ARTIFACTS / "offline_areas_es.png"))
    assert json.loads(kept["user"]) == {"user": "ranger", "role": "ranger"}, "who, never a password or token"

    # No signal: the server is gone and the browser says it is offline.
    server.stop()
    context.set_offline(True)
    try:
        page.reload()
        page.wait_for_selector("body[data-ready='1']", timeout=20_000)
        page.wait_for_selector("#offline-banner", state="visible", timeout=10_000)
        banner = page.inner_text("#offline-banner")
        assert re.search(rf"Datos sin conexión del \d{{4}}-\d\d-\d\d \d\d:\d\d · área {AREA}", banner), banner
        assert page.is_hidden("#login-view"), "no login form while the last user has saved areas"
        assert page.get_attribute("#map", "data-alerts-count") == "3"
        assert page.locator("#alert-list .alert-item").count() == 3
        assert DAY in page.inner_text("#legend"), "the saved imagery date is the map's background"
        # The service worker answers saved tiles from the phone (also for another composite range of the same
        # place); a single date's tile is never replaced by another image, and unsaved places fail as offline.
        fetched = page.evaluate(
            """async () => {
                const cache = await caches.open('centinela-tiles:ranger:area%3AZona%20piloto');
                const saved = new URL((await cache.keys())[0].url);
                const status = async (url) => { try { return (await fetch(url)).status; } catch { return 'failed'; } };
                return [saved.search, await status(saved.href),
                    await status(saved.pathname + '?until=2024-06-01&weeks=6&style=true'),
                    await status(saved.pathname.replace('composite', '2024-07-01') + '?style=true'),
                    await status('/tiles/composite/16/0/0.png?until=2024-07-01&weeks=6&style=true')];
            }"""
        )
        assert fetched == [f"?until={DAY}&weeks=6&style=true", 200, 200, "failed", "failed"], fetched

        page.evaluate("window.centinela.selectAlert('CEN-A')")
        page.wait_for_selector("#alert-offline", state="visible", timeout=10_000)
        assert "CEN-A" in page.inner_text("#alert-id")
        assert page.locator("#status-select").count() == 0, "read-only with no signal"
        page.screenshot(path=str(ARTIFACTS / "offline_desktop.png"))
    finally:
        server.start()
        context.set_offline(False)

    # Signal again: /api/me decides, the banner goes and the alert can be changed again.
    page.wait_for_selector("#offline-banner", state="hidden", timeout=15_000)
    page.wait_for_selector("#status-select", state="attached", timeout=10_000)
    assert page.locator("#alert-offline").count() == 0
    page.click("#lang-toggle")  # English, on a phone-sized screen
    page.set_viewport_size({"width": 390, "height": 844})
    page.click("#offline-summary")
    assert page.inner_text("#offline-summary") == "Offline areas" and "Sign out" in page.inner_text("#offline-body")
    page.locator("#offline-section").screenshot(path=str(ARTIFACTS / "offline_areas_en_phone.png"))

    # A second area, the map's view zoomed on CEN-A (one alert, few tiles); deleting it leaves the first whole.
    page.evaluate("window.centinela.map.jumpTo({ center: [-69.695, -12.955], zoom: 14 })")
    page.select_option("#offline-target", "view")
    page.click("#offline-save")
    page.wait_for_selector("#offline-areas li[data-area-id^='view:']", timeout=20_000)
    kept = saved_on_phone(page)
    assert sorted(a[2] for a in kept["areas"]) == [1, 3] and kept["details"] == 4 and len(kept["tiles"]) == 2, kept
    page.click("#offline-areas li[data-area-id^='view:'] .offline-delete")
    page.wait_for_selector("#offline-areas li[data-area-id^='view:']", state="detached")
    kept = saved_on_phone(page)
    assert kept["areas"] == [["ranger", AREA, 3]] and kept["details"] == 3 and len(kept["tiles"]) == 1, kept

    # Logging out deletes this user's saved areas from the phone.
    page.click("#logout")
    page.wait_for_selector("#login-view", state="visible")
    kept = saved_on_phone(page)
    assert kept["areas"] == [] and kept["details"] == 0 and kept["tiles"] == [] and kept["user"] is None, kept
    assert not errors, errors
    context.close()
