"""Issue #19 in the field: what is new (the summary per zone, from what each user may see), go there (UTM with the
zone a GPS shows, readable GPX/KML names, CSV columns) and one truth (the API's monthly totals, the bulletin's
figures and the page's chart give the same hectares for an alert that meets two zones, in the same colours).
One short browser test checks the page's default view, its panel and its chart."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from fastapi.testclient import TestClient
from pyproj import Transformer
from shapely.affinity import translate

from browsers import ARTIFACTS, Server, chromium, log_in
from centinela.palette import CAUSE_COLOURS
from centinela.reports.bulletin import CAUSE_COLOUR, monthly_hectares
from centinela.store import embedded_store
from centinela.zones import load_zones, normalise_events, split_by_zones, zone_table
from centinela.zones.layers import prepare_layer
from test_web_api import PASSWORD, alerts, login

# Alert W (mining, ~17 ha, July 2026) lies in a buffer zone AND a mining concession: two zone layers. The place
# (south of Puerto Maldonado) meets no bundled zone but the administrative ones.
_MOVE = dict(xoff=0.3, yoff=-0.1)
W = translate(shapely.box(-69.9000, -12.6000, -69.8963, -12.5959), **_MOVE)
Z = translate(shapely.box(-69.8900, -12.6000, -69.8885, -12.5985), **_MOVE)  # mining, buffer only, sensitive area
X = shapely.box(-70.3000, -12.3000, -70.2930, -12.2930)  # other cause, outside the imported zones, the largest
Y = translate(shapely.box(-69.8950, -12.5900, -69.8945, -12.5895), **_MOVE)  # mining, already verified: not "new"
BUFFER = translate(shapely.box(-69.95, -12.65, -69.85, -12.55), **_MOVE)
CONCESSION = translate(shapely.box(-69.905, -12.605, -69.895, -12.59), **_MOVE)
BUFFER_NAME = "RN Tambopata (amortiguamiento)"


def _layer(kind, geom, name, layer):
    frame = gpd.GeoDataFrame({"nombre": [name]}, geometry=[geom], crs=4326)
    return prepare_layer(frame, layer, kind, "nombre", "test", "CC-BY 4.0", "abc123", layer, False)


def make_store(tmp: Path):
    from centinela.store import users as U
    from centinela.web import Settings, create_app

    store = embedded_store(tmp / "centinela.gpkg")
    store.import_zones(_layer("buffer_zone", BUFFER, BUFFER_NAME, "za_test"), actor="test")
    store.import_zones(_layer("mining_concession", CONCESSION, "Concesión Oro Fino", "concesiones_test"), actor="test")
    store.ingest(
        alerts(
            ("CEN-W", "2026-07-14", "mining", W),
            ("CEN-Z", "2026-07-02", "mining", Z),
            ("CEN-X", "2026-07-20", "other", X),
            ("CEN-Y", "2026-06-05", "mining", Y),
        ),
        actor="detector",
    )
    store.set_status("CEN-Z", "under_review", actor="test")
    store.set_status("CEN-Y", "under_review", actor="test")
    store.set_status("CEN-Y", "verified_mining", actor="test")
    for role in U.ROLES:
        store.add_user(role, PASSWORD, role, actor="test")
    store.mark_sensitive("Comunidad sensible", Z.buffer(0.001), "asked by the community", actor="test")
    app = create_app(Settings(store=str(store.path), work_dir=tmp / "web"))
    return app, store


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    return make_store(tmp_path_factory.mktemp("whatsnew"))


def client_for(app, user):
    c = TestClient(app)
    login(c, user)
    return c


def test_summary_counts_unreviewed_arrivals_per_zone_from_what_the_user_sees(seeded):
    app, _ = seeded
    analyst = client_for(app, "analyst")
    s = analyst.get("/api/alerts/summary").json()
    # W and Z are unreviewed (new, under review) and arrived now; Y is verified; X is new but not mining.
    assert (s["total"], s["mining"], s["by_status"]) == (3, 2, {"new": 2, "under_review": 1})
    zones = {z["zone"]: (z["n"], z["mining"]) for z in s["zones"]}
    assert zones[BUFFER_NAME] == (2, 2) and zones["Concesión Oro Fino"] == (1, 1)
    assert s["zones"][0]["zone"] == BUFFER_NAME, "the zone with most new mining comes first"
    # The same filters as /api/alerts apply, and a time after every arrival leaves nothing new.
    assert analyst.get("/api/alerts/summary?cause=other").json()["total"] == 1
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    assert analyst.get("/api/alerts/summary", params={"new_since": later}).json()["total"] == 0
    # A viewer never counts what lies in a sensitive area (Z), not even as a number.
    v = client_for(app, "viewer").get("/api/alerts/summary").json()
    assert (v["total"], {z["zone"]: z["n"] for z in v["zones"]}[BUFFER_NAME]) == (2, 1)
    assert analyst.get("/api/alerts/summary?new_since=yesterday").status_code == 422


def test_alert_detail_gives_utm_as_a_gps_shows_it(seeded):
    app, _ = seeded
    p = client_for(app, "viewer").get("/api/alerts/CEN-W").json()["properties"]
    e, n = Transformer.from_crs(4326, 32719, always_xy=True).transform(p["lon"], p["lat"])
    assert p["utm"] == {
        "zone": "19L",
        "zone_number": 19,
        "hemisphere": "S",
        "epsg": 32719,
        "easting": round(e),
        "northing": round(n),
    }
    assert re.fullmatch(r"12°\d\d'\d\d\.\d\"S 69°\d\d'\d\d\.\d\"W", p["dms"]), p["dms"]


def test_gpx_kml_csv_have_readable_names_utm_and_ids_for_a_viewer(seeded):
    app, _ = seeded
    viewer = client_for(app, "viewer")
    utm = viewer.get("/api/alerts/CEN-W").json()["properties"]["utm"]
    gpx = viewer.get("/api/export?format=gpx")
    assert gpx.status_code == 200
    names = re.findall(r"<name>(.*?)</name>", gpx.text)
    w_name = next(x for x in names if "2026-07-14" in x)
    assert re.fullmatch(
        rf"Minería · \d+,\d ha · {re.escape(BUFFER_NAME)} \(zona de amortiguamiento\) · 2026-07-14", w_name
    )
    assert not any(x.startswith("CEN-") for x in names), "names are for people; ids stay in the description"
    assert "alert_id: CEN-W" in gpx.text and f"UTM 19L (EPSG:32719) E {utm['easting']} N {utm['northing']}" in gpx.text
    assert "CEN-Z" not in gpx.text, "a viewer exports only what it sees"
    kml = viewer.get("/api/export?format=kml&lang=en").text
    assert re.search(rf"<name>Mining · \d+\.\d ha · {re.escape(BUFFER_NAME)} \(buffer zone\) · 2026-07-14</name>", kml)
    rows = csv.DictReader(io.StringIO(viewer.get("/api/export?format=csv").text))
    row = next(r for r in rows if r["alert_id"] == "CEN-W")
    got = {k: row[k] for k in ("utm_zone", "utm_epsg", "utm_easting", "utm_northing")}
    assert got == {
        "utm_zone": "19L",
        "utm_epsg": "32719",
        "utm_easting": str(utm["easting"]),
        "utm_northing": str(utm["northing"]),
    }


def test_one_truth_api_bulletin_and_chart_agree_for_an_alert_in_two_zones(seeded):
    app, store = seeded
    analyst = client_for(app, "analyst")
    start, end = dt.date(2026, 6, 1), dt.date(2026, 7, 31)
    rows = analyst.get("/api/stats/monthly", params={"since": str(start), "until": str(end)}).json()
    totals = {(r["month"], r["cause"]): r["hectares"] for r in rows if r["total"]}
    listed = analyst.get("/api/alerts", params={"since": str(start), "until": str(end)}).json()["features"]
    by_alerts: dict = {}
    for f in listed:
        key = (f["properties"]["first_seen"][:7], f["properties"]["cause"])
        by_alerts[key] = by_alerts.get(key, 0) + f["properties"]["area_ha"]
    assert totals == pytest.approx(by_alerts, abs=1e-3), "the API's totals are the alerts' area_ha sums"
    # The old chart stacked the zone rows: W (buffer zone + concession) counted twice, as in the ~34 ha report.
    w_ha = next(f["properties"]["area_ha"] for f in listed if f["properties"]["alert_id"] == "CEN-W")
    inside = [r for r in rows if not r["total"] and r["zone_kind"] in ("buffer_zone", "mining_concession")]
    stacked = sum(r["hectares"] for r in inside if r["month"] == "2026-07" and r["cause"] == "mining")
    assert stacked > 1.8 * w_ha, "the zone breakdown overlaps: it must never be the total"
    # The bulletin: its monthly figure's numbers and its zone table, from the same store.
    a = store.alerts(since=start, until=end)
    bulletin = monthly_hectares(a, start, end)
    for (month, cause), ha in totals.items():
        assert bulletin.loc[month, cause] == pytest.approx(ha, abs=1e-3), (month, cause)
    table = zone_table(split_by_zones(normalise_events(a, "store"), load_zones(store)))
    t = table[(table.period_type == "month") & (table.zone_kind != "admin") & ~table.zone_name.str.startswith("(")]
    api_zones = {(r["month"], r["zone"], r["cause"]): r["hectares"] for r in rows if not r["total"]}
    for r in t.itertuples():
        assert api_zones[(r.period, r.zone_name, r.cause)] == pytest.approx(r.hectares, abs=1e-3)
    # One palette: the page gets the bulletin's colours.
    assert analyst.get("/api/config").json()["cause_colors"] == CAUSE_COLOUR == CAUSE_COLOURS


# --- the page ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page_server(seeded):
    with Server(seeded[0]) as srv:
        yield srv.url


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_page_default_view_whats_new_mining_first_go_there_and_chart(seeded, browser, page_server):
    app, _ = seeded
    # The phone stands ~1.1 km north of alert W: the panel must say the alert lies 1.1 km to the south.
    here = {"latitude": W.centroid.y + 0.01, "longitude": W.centroid.x}
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, geolocation=here, permissions=["geolocation"]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, page_server, "ranger", PASSWORD)
    # Default view: unreviewed alerts that arrived in the last 30 days (no last visit on this device).
    assert page.input_value("#filter-status") == "unreviewed" and page.is_checked("#filter-new")
    page.wait_for_selector("#whatsnew .whatsnew-line strong", timeout=10_000)
    line = page.inner_text("#whatsnew")
    assert "3 sin revisar" in line and f"2 nuevas dentro de {BUFFER_NAME}" in line, line
    page.wait_for_selector("#map[data-alerts-count='3']", state="attached", timeout=10_000)
    page.click("#alert-list-details summary")
    order = page.eval_on_selector_all("#alert-list .alert-item", "els => els.map(e => e.dataset.alertId)")
    assert order == ["CEN-W", "CEN-Z", "CEN-X"], "mining first, then the largest; verified Y is not new"
    assert page.get_attribute("#export-gpx", "href").startswith("/api/export?")
    # Go there: UTM as a GPS shows it, and links that open the phone's maps apps.
    page.evaluate("window.centinela.selectAlert('CEN-W')")
    page.wait_for_selector("#alert-utm", timeout=10_000)
    assert page.inner_text("#alert-utm").startswith("19L E ")
    assert re.fullmatch(
        r"geo:-12\.\d{6},-69\.\d{6}\?q=-12\.\d{6},-69\.\d{6}\(.*CEN-W\)",
        page.get_attribute("#geo-link", "href"),
    )
    assert page.get_attribute("#apple-link", "href").startswith("https://maps.apple.com/?ll=-12.")
    page.click("#locate-me")
    page.wait_for_selector("#alert-distance >> text=/km hacia el sur/", timeout=10_000)
    assert re.match(r"1[.,]1\d km hacia el sur \(180°\)", page.inner_text("#alert-distance"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "whatsnew_desktop.png"), full_page=True)
    # One truth: the chart's July total is the API's (W once, not once per zone), in the bulletin's colours.
    page.wait_for_selector("#chart[data-totals]", state="attached")
    chart = json.loads(page.get_attribute("#chart", "data-totals"))
    api = client_for(app, "ranger").get("/api/stats/monthly", params={"since": "2026-06-01", "until": "2026-07-31"})
    july = sum(r["hectares"] for r in api.json() if r["total"] and r["month"] == "2026-07")
    assert chart["2026-07"] == pytest.approx(july, abs=1e-3)
    swatch = page.eval_on_selector("#chart .swatch[data-cause='mining']", "e => getComputedStyle(e).backgroundColor")
    assert swatch == _rgb(CAUSE_COLOURS["mining"])
    assert not errors, errors
