"""Fast on a weak link (issue #19): the first view of the map page on a phone stays within a byte budget, the
login form works before MapLibre has arrived, and /api/zones?zoom=… sends simplified zones with an ETag.

Bytes are counted where they leave the server (an ASGI wrapper around the app: status line, headers and the
body as sent, i.e. after gzip), so everything the phone downloads counts — the page, its chunks, MapLibre's
worker, the API answers — whoever asked for it (the page, a worker or a service worker).
Timings: benchmarks/field_budget.py (400 kbps / 400 ms).
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter

import pytest
from fastapi.testclient import TestClient

from browsers import Server, chromium
from centinela.store import embedded_store
from test_web_api import PASSWORD, login, seed

# Measured on 2026-12-03 (Debian's Chromium 156, this seeded store: the demo's 257 zones, 3 alerts), service
# workers blocked: the first view (page, CSS, app.js and its shared chunk, MapLibre's chunk and worker, config,
# zones for the view, alerts, chart, the other panels' small answers) moved 452 kB, 371 kB of it MapLibre
# (chunk 249 kB + worker 122 kB, brotli) and 33 kB the zones of the view; Chromium may add the manifest's icons
# (31 kB). Before issue #19 it moved 3.9 MB uncompressed, 1.2 MB of it the whole zones file at every login.
# The budget leaves ~20 % headroom: raise it only for a reason a ranger on 400 kbps would accept (+50 kB is one
# more second there).
FIRST_VIEW_MEASURED = 452_000
FIRST_VIEW_BUDGET = 540_000
# What stands between the phone and the login form: the page, /api/me, the CSS, app.js and the chunk it
# preloads. Measured 41.6 kB (MapLibre alone is 371 kB); budget ~20 % over.
LOGIN_SHELL_MEASURED = 41_600
LOGIN_SHELL_BUDGET = 50_000
SHELL_FILE = r"/static/(app\.js|app\.css|chunk-[A-Z0-9]{8}\.js)"


class ByteCounter:
    """ASGI wrapper that adds up the bytes of every response, per path (after the app's own compression)."""

    def __init__(self, app):
        self.app = app
        self.sent: Counter[str] = Counter()
        self.asked: list[str] = []  # path?query of each request, in order

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        self.asked.append(path + ("?" + scope["query_string"].decode() if scope["query_string"] else ""))

        async def counting(message):
            if message["type"] == "http.response.start":
                # "HTTP/1.1 200 OK\r\n" + "name: value\r\n" per header + "\r\n"
                self.sent[path] += 17 + sum(len(k) + len(v) + 4 for k, v in message.get("headers", [])) + 2
            elif message["type"] == "http.response.body":
                self.sent[path] += len(message.get("body", b""))
            await send(message)

        return await self.app(scope, receive, counting)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("budget")
    store = embedded_store(tmp / "centinela.gpkg")
    counter = ByteCounter(seed(store, tmp))
    with Server(counter) as srv:
        yield srv.url, counter


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


LOGIN_SHOWN = """new MutationObserver((changes, observer) => {
  const view = document.getElementById('login-view');
  if (view && !view.hidden) { window.__loginShownAt = performance.now(); observer.disconnect(); }
}).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['hidden'] });"""


def wait_until_drawn(page, timeout_s: float = 20.0) -> None:
    """The first useful view: alerts fetched and listed (data-ready), and alerts and zones drawn by MapLibre."""
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=timeout_s * 1000)
    script = """() => { const m = window.centinela && window.centinela.map;
        return !!m && m.querySourceFeatures('alerts').length > 0 && m.querySourceFeatures('zones').length > 0; }"""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(script):
        assert time.monotonic() < deadline, "the map did not draw the alerts and zones"
        time.sleep(0.05)


def test_first_view_on_a_phone_stays_within_its_byte_budget(server, browser):
    base, counter = server
    # Service workers blocked: the offline worker's install downloads the app shell in the background, racing the
    # page for the same files, so what it adds depends on timing; the benchmark (field_budget.py) runs with it.
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, service_workers="block"
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # A moderate link (4 Mbit/s, 40 ms), so that requests overlap as on a phone rather than finish at once.
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    link = {"offline": False, "latency": 40, "downloadThroughput": 500_000, "uploadThroughput": 500_000}
    cdp.send("Network.emulateNetworkConditions", link)
    # When the login form first shows (performance.now()), seen from outside the page's code.
    page.add_init_script(LOGIN_SHOWN)
    counter.sent.clear()
    counter.asked.clear()

    page.goto(base + "/")
    page.wait_for_selector("#login-form", state="visible")
    page.fill("#username", "ranger")  # usable: it takes input
    shown_ms = page.evaluate("window.__loginShownAt")
    shell = dict(counter.sent)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    wait_until_drawn(page)
    sent = dict(counter.sent)
    total = sum(sent.values())

    assert int(page.get_attribute("#map", "data-alerts-count")) == 3
    timing = page.evaluate(
        "performance.getEntriesByType('resource').map(e => [e.name, e.startTime, e.responseEnd, e.encodedBodySize])"
    )
    mapkit = [t for t in timing if re.search(r"/static/mapkit-[A-Z0-9]{8}\.js$", t[0])]
    assert len(mapkit) == 1, f"one MapLibre chunk expected, the page loaded: {[t[0] for t in timing]}"
    # The page asks for the chunk as it shows the form; the form must not wait until the chunk is there.
    assert shown_ms is not None and shown_ms < mapkit[0][2], (
        f"the login form showed at {shown_ms} ms, after MapLibre's chunk had arrived ({mapkit[0][2]:.0f} ms): "
        "the form waits for the map again"
    )
    shell_bytes = sum(v for k, v in shell.items() if k in ("/", "/api/me") or re.fullmatch(SHELL_FILE, k))
    assert shell_bytes <= LOGIN_SHELL_BUDGET, (
        f"{shell_bytes} B before the login form (budget {LOGIN_SHELL_BUDGET}, measured {LOGIN_SHELL_MEASURED}): {shell}"
    )
    workers = [a for a in counter.asked if a.startswith("/static/maplibre-gl-worker.js")]
    assert len(workers) == 1, (
        f"MapLibre's worker asked for {len(workers)} times (prefetch and map disagree?): {workers}"
    )
    zones = sum(v for k, v in sent.items() if k == "/api/zones")
    assert 0 < zones < 60_000, f"/api/zones sent {zones} B: the page should ask for the zones of its view"
    assert total <= FIRST_VIEW_BUDGET, (
        f"the first view moved {total} B, over its budget of {FIRST_VIEW_BUDGET} B (measured {FIRST_VIEW_MEASURED}): "
        + ", ".join(f"{k} {v}" for k, v in sorted(sent.items(), key=lambda kv: -kv[1]))
    )
    assert not errors, errors

    # Zoomed in two levels: the page asks for the zones of the new view, simplified for that zoom.
    asked_zooms = [int(re.search(r"zoom=(\d+)", a).group(1)) for a in counter.asked if a.startswith("/api/zones?")]
    assert len(asked_zooms) == 1, counter.asked
    page.evaluate("window.centinela.map.jumpTo({ zoom: window.centinela.map.getZoom() + 2 })")
    deadline = time.monotonic() + 10
    while not [a for a in counter.asked if a.startswith("/api/zones?") and f"zoom={asked_zooms[0] + 2}" in a]:
        assert time.monotonic() < deadline, f"no zones asked for zoom {asked_zooms[0] + 2}: {counter.asked}"
        time.sleep(0.1)

    # A second login in the same browser: the bundles come from the cache and the zones answer 304.
    counter.sent.clear()
    page.click("#logout")
    page.wait_for_selector("#login-form", state="visible")
    page.reload()
    page.fill("#username", "ranger")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=20_000)
    wait_until_drawn(page)
    again = dict(counter.sent)
    assert not any(k.startswith("/static/mapkit-") or "worker" in k for k in again), f"refetched: {again}"
    assert again.get("/api/zones", 0) < 1_000, f"zones sent again in full: {again}"
    context.close()


# --- /api/zones?zoom=… ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("zones")
    return TestClient(seed(embedded_store(tmp / "centinela.gpkg"), tmp))


def coordinates(geometry):
    """Every number of a GeoJSON geometry's coordinates."""

    def walk(c):
        if isinstance(c, (int, float)):
            yield c
        else:
            for x in c:
                yield from walk(x)

    return list(walk(geometry["coordinates"]))


def test_zones_for_a_zoom_are_simplified_rounded_and_cached(client):
    login(client, "ranger")
    full = client.get("/api/zones")
    assert full.status_code == 200 and "etag" not in full.headers, "without zoom: the zones as stored, as before"
    box = "-71,-14,-68.5,-11.5"
    whole = client.get("/api/zones", params={"bbox": box})
    r = client.get("/api/zones", params={"bbox": box, "zoom": 9})
    assert r.status_code == 200, r.text
    simple, exact = r.json(), whole.json()
    # Same zones, same properties (sensitive flags included), fewer and shorter coordinates.
    assert [f["properties"] for f in simple["features"]] == [f["properties"] for f in exact["features"]]
    assert len(r.content) < 0.6 * len(whole.content), (len(r.content), len(whole.content))
    numbers = [x for f in simple["features"] for x in coordinates(f["geometry"])]
    assert numbers and all(round(x, 4) == x for x in numbers), "zoom 9: coordinates rounded to 4 decimals"
    assert sum(map(len, (coordinates(f["geometry"]) for f in simple["features"]))) < sum(
        map(len, (coordinates(f["geometry"]) for f in exact["features"]))
    )
    # Nearer, more detail.
    closer = client.get("/api/zones", params={"bbox": box, "zoom": 14})
    assert len(closer.content) > len(r.content)

    # Strong ETag, kept privately and revalidated: a second login gets 304 and no body.
    etag = r.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert r.headers["cache-control"] == "private, no-cache"
    again = client.get("/api/zones", params={"bbox": box, "zoom": 9}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other = client.get("/api/zones", params={"bbox": box, "zoom": 10}, headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag

    # Bad zooms are refused with a message, not a 500.
    for bad in ("-1", "17", "nine"):
        resp = client.get("/api/zones", params={"zoom": bad})
        assert resp.status_code == 422, (bad, resp.status_code)
        assert "zoom" in json.dumps(resp.json())


def test_zones_etag_changes_with_the_sensitive_flags(tmp_path):
    """The sensitive flags are part of the answer and of its ETag: a kept copy never hides a new flag."""
    store = embedded_store(tmp_path / "centinela.gpkg")
    client = TestClient(seed(store, tmp_path))
    login(client, "ranger")
    params = {"bbox": "-70,-13.2,-69.5,-12.7", "zoom": 8}
    first = client.get("/api/zones", params=params)
    feature = first.json()["features"][0]
    assert feature["properties"]["sensitive"] is False
    import shapely.geometry

    name = feature["properties"]["name"]
    store.mark_sensitive(name, shapely.geometry.shape(feature["geometry"]), "asked by the community", actor="test")
    second = client.get("/api/zones", params=params, headers={"If-None-Match": first.headers["etag"]})
    assert second.status_code == 200 and second.headers["etag"] != first.headers["etag"]
    flagged = [f for f in second.json()["features"] if f["properties"]["name"] == name]
    assert flagged and all(f["properties"]["sensitive"] for f in flagged)
    client.post("/api/logout", headers={"X-CSRF-Token": login(client, "viewer")["X-CSRF-Token"]})
    assert client.get("/api/zones", params=params).status_code == 401, "no zones to a signed-out caller"


# --- the split bundle, brotli and caching --------------------------------------------------------------


def test_bundles_are_split_precompressed_and_cached(client):
    from centinela.web.app import static_dir

    static = static_dir()
    page = client.get("/")
    html = page.text
    assert "<script>" not in html and "maplibre" not in html.lower(), "no inline script; MapLibre is not on the page"
    entry = re.search(r'<script type="module" src="(/static/app\.js\?v=[0-9a-f]{12})"></script>', html).group(1)
    preloads = re.findall(r'<link rel="modulepreload" href="(/static/chunk-[A-Z0-9]{8}\.js)">', html)
    assert preloads, "app.js's shared chunk is preloaded beside it"
    [mapkit] = [p.name for p in static.glob("mapkit-*.js")]
    app_js = (static / "app.js").read_bytes()
    assert mapkit.encode() in app_js, "app.js loads the MapLibre chunk by name (dynamic import)"
    assert len(app_js) < 100_000 < (static / mapkit).stat().st_size, "MapLibre is in its chunk, not in app.js"

    for url in (entry, preloads[0], f"/static/{mapkit}", "/static/maplibre-gl-worker.js?v=x"):
        path = url.split("?")[0]
        with client.stream("GET", url, headers={"Accept-Encoding": "gzip, deflate, br"}) as r:
            body = b"".join(r.iter_raw())
        assert r.status_code == 200 and r.headers["content-encoding"] == "br", url
        assert body == (static / (path.removeprefix("/static/") + ".br")).read_bytes()
        assert r.headers["content-type"].startswith("text/javascript")
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable", url
        assert "default-src 'self'" in r.headers["content-security-policy"]
        again = client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": r.headers["etag"]})
        assert again.status_code == 304, url
        with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as g:
            gz = b"".join(g.iter_raw())
        assert g.headers["content-encoding"] == "gzip" and len(body) < len(gz), url
    plain = client.get(f"/static/{mapkit}", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == (static / mapkit).read_bytes()
