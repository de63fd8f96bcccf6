"""The web API as a client sees it: login and tokens, roles, sensitive areas, CSRF, rate limits, filters,
status changes in the audit log, exports, and clear 4xx answers to bad input (never a 500)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from fastapi.testclient import TestClient

from centinela.store import embedded_store, open_store
from centinela.store import users as U
from centinela.web import Settings, create_app

PASSWORD = "correct horse battery"
A = shapely.box(-69.70, -12.96, -69.69, -12.95)  # inside Tambopata's surroundings
B = shapely.box(-69.60, -12.90, -69.595, -12.895)  # inside the sensitive area below
C = shapely.box(-70.40, -12.97, -70.39, -12.96)


def alerts(*rows):
    g = gpd.GeoDataFrame(
        {
            "alert_id": [r[0] for r in rows],
            "first_seen": [r[1] for r in rows],
            "confirmed": [None] * len(rows),
            "cause": [r[2] for r in rows],
            "confidence": "high",
            "reasons": "test",
        },
        geometry=[r[3] for r in rows],
        crs=4326,
    )
    g["area_ha"] = (g.to_crs(32719).area / 1e4).round(4)
    p = g.geometry.representative_point()
    g["lon"], g["lat"] = p.x, p.y
    return g


def seed(store, tmp_path):
    store.ingest(
        alerts(
            ("CEN-A", "2024-03-05", "mining", A),
            ("CEN-B", "2024-07-20", "mining", B),
            ("CEN-C", "2024-08-02", "other", C),
        ),
        actor="detector",
    )
    for role in U.ROLES:
        store.add_user(role, PASSWORD, role, actor="test")
    store.mark_sensitive(
        "Comunidad sensible", shapely.box(-69.61, -12.91, -69.59, -12.89), "asked by the community", actor="test"
    )
    return create_app(
        Settings(
            store=str(store.path) if store.path else store.url,
            work_dir=tmp_path / "web",
            login_attempts=3,
            login_window_s=60,
        )
    )


@pytest.fixture
def app(tmp_path):
    store = embedded_store(tmp_path / "centinela.gpkg")
    return seed(store, tmp_path), store


def login(client, user):
    r = client.post("/api/login", json={"username": user, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"X-CSRF-Token": r.json()["csrf_token"]}


def ids(r):
    return sorted(f["properties"]["alert_id"] for f in r.json()["features"])


def test_anonymous_sees_nothing_but_the_page_and_the_schema(app):
    client = TestClient(app[0])
    assert client.get("/api/health").status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"] == "Centinela"
    assert client.get("/").status_code == 200
    for path in ("/api/alerts", "/api/alerts/CEN-A", "/api/zones", "/api/me", "/api/stats/monthly"):
        assert client.get(path).status_code == 401, path
    r = client.get("/api/health")
    assert (
        r.headers["X-Content-Type-Options"] == "nosniff"
        and "default-src 'self'" in r.headers["Content-Security-Policy"]
    )


def test_login_rate_limit_and_logout(app):
    client = TestClient(app[0])
    for _ in range(3):
        assert client.post("/api/login", json={"username": "ranger", "password": "wrong password"}).status_code == 401
    r = client.post("/api/login", json={"username": "ranger", "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0, "even the right password waits after 3 failures"
    other = TestClient(app[0])
    h = login(other, "analyst")
    assert other.get("/api/me").json()["role"] == "analyst"
    assert "centinela_session" in other.cookies
    assert other.post("/api/logout", headers=h).status_code == 204
    assert other.get("/api/me").status_code == 401


def test_viewer_never_sees_alerts_in_sensitive_areas(app):
    client = TestClient(app[0])
    h = login(client, "viewer")
    assert ids(client.get("/api/alerts")) == ["CEN-A", "CEN-C"]
    assert client.get("/api/alerts/CEN-B").status_code == 404, "hidden, and its existence not revealed"
    assert client.get("/api/stats/monthly").json() and all(
        r["month"] != "2024-07" for r in client.get("/api/stats/monthly").json()
    )
    assert client.post("/api/alerts/CEN-A/status", json={"status": "under_review"}, headers=h).status_code == 403
    csv = client.get("/api/export?format=csv")  # a viewer may take alerts to a GPS, but only those it sees
    assert csv.status_code == 200 and "CEN-A" in csv.text and "CEN-B" not in csv.text
    assert client.get("/api/alerts/CEN-A").json()["properties"]["allowed_transitions"] == []
    analyst = TestClient(app[0])
    login(analyst, "analyst")
    assert ids(analyst.get("/api/alerts")) == ["CEN-A", "CEN-B", "CEN-C"]
    zones = analyst.get("/api/zones").json()
    assert zones["type"] == "FeatureCollection" and {f["properties"]["kind"] for f in zones["features"]} >= {
        "protected_area"
    }


def test_ranger_changes_status_with_csrf_and_the_audit_log_has_it(app):
    web, store = app
    client = TestClient(web)
    h = login(client, "ranger")
    detail = client.get("/api/alerts/CEN-A").json()["properties"]
    assert set(detail["allowed_transitions"]) == {"under_review", "verified_mining", "verified_other", "false_positive"}
    assert detail["legal_status"] and "history" in detail
    assert client.post("/api/alerts/CEN-A/status", json={"status": "verified_mining"}).status_code == 403, (
        "no CSRF header"
    )
    r = client.post(
        "/api/alerts/CEN-A/status", json={"status": "verified_mining", "note": "seen from the river"}, headers=h
    )
    assert r.status_code == 200 and r.json()["properties"]["status"] == "verified_mining"
    r = client.post("/api/alerts/CEN-A/status", json={"status": "referred"}, headers=h)
    assert r.status_code == 403 and "ranger" in r.json()["detail"], "referring is for analysts"
    assert client.post("/api/alerts/CEN-A/notes", json={"text": "pits and a dredge"}, headers=h).status_code == 200
    log = [(e["actor"], e["action"], e["alert_id"]) for e in store.audit()]
    assert ("ranger", "status", "CEN-A") in log and ("ranger", "note", "CEN-A") in log
    assert store.verify().ok
    r = client.post("/api/alerts/CEN-A/status", json={"status": "nonsense"}, headers=h)
    assert r.status_code == 422


def test_filters_paging_exports_and_tokens(app, tmp_path):
    web, store = app
    client = TestClient(web)
    login(client, "analyst")
    assert ids(client.get("/api/alerts?cause=mining")) == ["CEN-A", "CEN-B"]
    assert ids(client.get("/api/alerts?since=2024-07-01&until=2024-07-31")) == ["CEN-B"]
    assert ids(client.get("/api/alerts?bbox=-69.75,-13.0,-69.65,-12.9")) == ["CEN-A"]
    page = client.get("/api/alerts?limit=2").json()
    assert page["numberMatched"] == 3 and page["numberReturned"] == 2 and page["links"][0]["rel"] == "next"
    for fmt in ("geojson", "gpkg", "kml", "kmz", "gpx", "csv"):
        r = client.get(f"/api/export?format={fmt}&cause=mining")
        assert r.status_code == 200 and len(r.content) > 100, fmt
    assert "CEN-B" in client.get("/api/export?format=csv").text
    token = store.create_token("viewer", "qgis", actor="test")
    bearer = TestClient(web)
    assert ids(bearer.get("/api/alerts", headers={"Authorization": f"Bearer {token}"})) == ["CEN-A", "CEN-C"]
    assert bearer.get("/api/alerts", headers={"Authorization": "Bearer cnt_not-a-token"}).status_code == 401
    store.disable_user("viewer", actor="test")
    assert bearer.get("/api/alerts", headers={"Authorization": f"Bearer {token}"}).status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/api/alerts?bbox=a,b,c,d",
        "/api/alerts?bbox=10,10,5,5",
        "/api/alerts?bbox=1,2,3",
        "/api/alerts?since=2024-13-01",
        "/api/alerts?since=2024-08-01&until=2024-01-01",
        "/api/alerts?limit=0",
        "/api/alerts?limit=100000",
        "/api/alerts?status=gone",
        "/api/alerts?offset=-1",
        "/api/alerts/..%2Fetc",
        "/api/alerts/CEN-Z",
        "/api/alerts/%00",
        "/tiles/2024-07-01/30/0/0.png",
        "/tiles/2024-07-01/3/9/0.png",
        "/tiles/not-a-date/3/1/1.png",
        "/api/zones?kind=volcano",
        "/api/export?format=exe",
        "/api/imagery/dates",
        "/api/alerts?zone=No%20such%20zone",
    ],
)
def test_bad_input_is_a_clear_4xx(app, path):
    client = TestClient(app[0], raise_server_exceptions=False)
    login(client, "analyst")
    r = client.get(path)
    assert 400 <= r.status_code < 500, (path, r.status_code, r.text)
    assert r.json()["detail"]


def test_same_api_on_postgis(tmp_path, pg_url):
    store = open_store(pg_url)
    web = seed(store, tmp_path)
    client = TestClient(web)
    h = login(client, "ranger")
    assert ids(client.get("/api/alerts")) == ["CEN-A", "CEN-B", "CEN-C"], "rangers work alerts in sensitive areas too"
    r = client.post("/api/alerts/CEN-C/status", json={"status": "under_review"}, headers=h)
    assert r.status_code == 200
    assert ("ranger", "status", "CEN-C") in [(e["actor"], e["action"], e["alert_id"]) for e in store.audit()]
    viewer = TestClient(web)
    login(viewer, "viewer")
    assert ids(viewer.get("/api/alerts")) == ["CEN-A", "CEN-C"]


def test_a_weak_link_gets_compressed_and_cacheable_files(app):
    """The map bundle travels gzip-compressed and, named by its hash in the page, is kept by the phone; the page
    itself and unversioned files revalidate; API answers are never cached."""
    import re

    client = TestClient(app[0])
    page = client.get("/")
    assert page.headers["cache-control"] == "no-cache"
    bundle = re.search(r'src="(/static/app\.js\?v=[0-9a-f]+)"', page.text).group(1)
    r = client.get(bundle, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert r.num_bytes_downloaded < len(r.content) / 2, "the bundle shrinks to under half on the wire"
    assert "immutable" in r.headers["cache-control"]
    assert client.get("/static/app.js").headers["cache-control"] == "no-cache"
    login(client, "viewer")
    assert client.get("/api/alerts").headers["cache-control"] == "no-store"
