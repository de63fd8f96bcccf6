"""The embedded store: merging detections without duplicates, lifecycle, audit chain, exports, faults."""

from __future__ import annotations

import json
import multiprocessing as mp
import sqlite3

import geopandas as gpd
import pytest
import shapely

from centinela.cli import main
from centinela.errors import InputError, NotFoundError
from centinela.store import StoreError, embedded_store, export, open_store, store_path
from centinela.store.schema import MIGRATIONS

LATEST = max(v for v, _ in MIGRATIONS)  # the schema a store opened by this version has


def alerts(*rows):
    """rows: (alert_id, first_seen, cause, polygon in lon/lat)."""
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
    utm = g.to_crs(32719)
    g["area_ha"] = (utm.area / 1e4).round(4)
    p = g.geometry.representative_point()
    g["lon"], g["lat"] = p.x, p.y
    return g


A = shapely.box(-69.70, -12.96, -69.69, -12.95)
A_GROWN = shapely.box(-69.70, -12.96, -69.685, -12.95)
B = shapely.box(-69.60, -12.90, -69.595, -12.895)


@pytest.fixture(params=["gpkg", "postgis"])
def store(request, tmp_path):
    """Each generic store test runs on both backends: the embedded GeoPackage and PostgreSQL/PostGIS."""
    if request.param == "gpkg":
        return embedded_store(tmp_path / "centinela.gpkg")
    return open_store(request.getfixturevalue("pg_url"))


@pytest.fixture()
def gpkg_store(tmp_path):
    return embedded_store(tmp_path / "centinela.gpkg")


def test_ingest_is_idempotent_and_a_growing_front_stays_one_alert(store):
    first = alerts(("CEN-1", "2024-03-01", "mining", A), ("CEN-2", "2024-04-01", "other", B))
    assert store.ingest(first, "t").created == 2
    again = store.ingest(first, "t")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    grown = store.ingest(alerts(("CEN-1", "2024-03-01", "mining", A_GROWN)), "t")
    assert grown.updated == 1
    other_id = store.ingest(alerts(("CEN-9", "2024-03-01", "mining", A_GROWN.buffer(0.001))), "t")
    assert other_id.merged == 1 and other_id.created == 0, "same ground, new id: merged, not duplicated"
    g = store.alerts()
    assert len(g) == 2 and g.set_index("alert_id").loc["CEN-1", "version"] == 3
    hist = store.alert("CEN-1")["history"]
    assert [h["action"] for h in hist] == ["created", "updated", "updated"]
    assert "CEN-9" in hist[-1]["detail"]


def test_growth_beside_an_alert_is_news_in_its_front_even_after_review(store):
    """Growth reported beside an alert (detection names its parent) is a new alert in the same front, never
    merged into the old one, even when that one is already verified and referred."""
    store.ingest(alerts(("CEN-1", "2024-03-01", "mining", A)), "t")
    store.set_status("CEN-1", "verified_mining", "ranger")
    store.set_status("CEN-1", "referred", "analyst")
    beside = shapely.box(-69.69, -12.96, -69.685, -12.95)  # touches A along its eastern edge
    grow = alerts(("CEN-2", "2024-06-01", "mining", beside)).assign(parent_id="CEN-1")
    r = store.ingest(grow, "t")
    assert (r.created, r.merged, r.created_ids) == (1, 0, ("CEN-2",))
    again = alerts(("CEN-3", "2024-08-01", "mining", shapely.box(-69.685, -12.96, -69.68, -12.95)))
    store.ingest(again.assign(parent_id="CEN-2"), "t")
    g = store.alerts().set_index("alert_id")
    assert g.loc["CEN-2", "parent_id"] == "CEN-1" and g.loc["CEN-3", "parent_id"] == "CEN-2"
    assert set(g.front_id) == {"CEN-1"} and g.loc["CEN-1", "status"] == "referred"
    assert "grew_from" in store.alert("CEN-3")["history"][0]["detail"] and store.verify().ok


def test_a_provisional_cause_revised_to_mining_is_news(store):
    """An alert first reported as other, then called mining by a later run: updated in place (history kept) and
    named among the run's news so its subscribers hear of it."""
    store.add_area("Zona", shapely.box(-69.8, -13.0, -69.5, -12.8), "catalog.json", "2024-01-01", "admin")
    store.subscribe("Zona", "webhook", "http://127.0.0.1:9/x", actor="admin")
    first = alerts(("CEN-1", "2024-03-01", "other", A)).assign(mining_prob=0.3)
    seen = []

    def digests(subs, ids):
        seen.append(ids)
        return [(s["id"], {"ids": list(ids)}) for s in subs] if ids else []

    store.ingest_run("Zona", first, {"alerts": 1}, "t", digests)
    later = alerts(("CEN-1", "2024-03-01", "mining", A)).assign(mining_prob=0.8)
    r = store.ingest_run("Zona", later, {"alerts": 1}, "t", digests)
    assert r.became_mining_ids == ("CEN-1",) and seen == [("CEN-1",), ("CEN-1",)]
    assert [json.loads(p["payload"]) for p in store.pending()] == [{"ids": ["CEN-1"]}, {"ids": ["CEN-1"]}]
    hist = store.alert("CEN-1")["history"]
    assert json.loads(hist[-1]["detail"])["cause"] == ["other", "mining"]
    assert store.alerts(min_prob=0.5).alert_id.tolist() == ["CEN-1"] and len(store.alerts(min_prob=0.9)) == 0


def test_store_is_a_geopackage_gdal_and_qgis_read(gpkg_store):
    store = gpkg_store
    store.ingest(alerts(("CEN-1", "2024-03-01", "mining", A), ("CEN-2", "2024-04-01", "other", B)), "t")
    g = gpd.read_file(store.path, layer="alerts")
    assert len(g) == 2 and g.crs.to_epsg() == 4326 and g.geometry.iloc[0].area == pytest.approx(A.area)
    with sqlite3.connect(store.path) as c:
        assert c.execute("SELECT count(*) FROM rtree_alerts_geom").fetchone()[0] == 2
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert store.schema_version() == LATEST
    assert embedded_store(store.path).schema_version() == LATEST, "reopening migrates nothing twice"


def test_lifecycle_transitions_and_bad_input_change_nothing(store):
    store.ingest(alerts(("CEN-1", "2024-03-01", "mining", A)), "t")
    store.set_status("CEN-1", "under_review", "ana", note="visit planned")
    store.set_status("CEN-1", "verified_mining", "ana")
    store.assign("CEN-1", "Juan (SERNANP)", "ana")
    n = len(store.audit())
    with pytest.raises(InputError, match="cannot go from 'verified_mining' to 'new'.*referred"):
        store.set_status("CEN-1", "new", "ana")
    with pytest.raises(InputError, match="unknown status 'fixed'"):
        store.set_status("CEN-1", "fixed", "ana")
    with pytest.raises(NotFoundError, match="no alert 'CEN-404'"):
        store.set_status("CEN-404", "under_review", "ana")
    assert len(store.audit()) == n and store.alert("CEN-1")["status"] == "verified_mining"
    store.set_status("CEN-1", "referred", "fiscal")
    a = store.alert("CEN-1")
    assert a["status"] == "referred" and a["assignee"] == "Juan (SERNANP)" and a["notes"][0]["text"] == "visit planned"


def test_audit_is_append_only_and_tampering_is_detected(store):
    store.ingest(alerts(("CEN-1", "2024-03-01", "mining", A)), "t")
    store.set_status("CEN-1", "under_review", "ana")
    store.add_note("CEN-1", "ok", "ana")
    assert store.verify().ok and store.verify().entries == 3
    if store.path is not None:
        with sqlite3.connect(store.path) as c, pytest.raises(sqlite3.DatabaseError, match="append-only"):
            c.execute("UPDATE audit_log SET actor='mallory' WHERE seq=2")
        with sqlite3.connect(store.path) as c:  # someone with file access drops the guard and edits
            c.execute("DROP TRIGGER audit_log_no_update")
            c.execute("UPDATE audit_log SET actor='mallory' WHERE seq=2")
    else:
        import psycopg

        with psycopg.connect(store.url, autocommit=True) as c:
            with pytest.raises(psycopg.Error, match="append-only"):
                c.execute("UPDATE audit_log SET actor='mallory' WHERE seq=2")
            c.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")  # a database owner goes around it
            c.execute("UPDATE audit_log SET actor='mallory' WHERE seq=2")
    v = store.verify()
    assert not v.ok and v.first_bad == 2 and "edited" in v.message


def test_exports_for_gis_and_gps(store, tmp_path):
    store.ingest(alerts(("CEN-1", "2024-03-01", "mining", A), ("CEN-2", "2024-04-01", "other", B)), "t")
    a = store.alerts()
    for fmt in ("geojson", "gpkg", "kml", "kmz", "gpx", "csv"):
        assert export(a, tmp_path / f"out.{fmt}").exists()
    assert len(gpd.read_file(tmp_path / "out.gpx", layer="waypoints")) == 2
    assert len(gpd.read_file(tmp_path / "out.kml")) == 2
    assert len(gpd.read_file(f"/vsizip/{tmp_path / 'out.kmz'}/doc.kml")) == 2
    assert len(gpd.read_file(tmp_path / "out.geojson")) == 2
    csv = (tmp_path / "out.csv").read_text().splitlines()
    assert len(csv) == 3 and "lat" in csv[0] and "lon" in csv[0]
    with pytest.raises(InputError, match="unknown export format"):
        export(a, tmp_path / "out.shp")


def test_corrupt_and_locked_store_give_clear_errors(tmp_path, gpkg_store):
    store = gpkg_store
    bad = tmp_path / "bad.gpkg"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="bad.gpkg"):
        embedded_store(bad)
    store.ingest(alerts(("CEN-1", "2024-03-01", "mining", A)), "t")
    locker = sqlite3.connect(store.path, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    try:
        slow = embedded_store(store.path, timeout_s=0.3)
        with pytest.raises(StoreError, match="locked"):
            slow.set_status("CEN-1", "under_review", "ana")
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert store.alert("CEN-1")["status"] == "new"
    with pytest.raises(InputError, match="expected a GeoPackage path"):
        store_path("mysql://localhost/centinela")


def _writer(where, who, n):
    s = open_store(where) if "://" in where else embedded_store(where)
    for i in range(n):
        s.add_note("CEN-1", f"{who} {i}", who)


def test_concurrent_writers_lose_nothing(store):
    store.ingest(alerts(("CEN-1", "2024-03-01", "mining", A)), "t")
    ctx = mp.get_context("spawn")
    where = str(store.path) if store.path is not None else store.url
    procs = [ctx.Process(target=_writer, args=(where, w, 15)) for w in ("ana", "luis")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    a = store.alert("CEN-1")
    assert len(a["notes"]) == 30
    v = store.verify()
    assert v.ok and v.entries == 31


def test_alerts_commands(tmp_path, capsys, monkeypatch):
    path = tmp_path / "det.gpkg"
    alerts(("CEN-1", "2024-03-01", "mining", A), ("CEN-2", "2024-04-01", "other", B)).to_file(path, layer="alerts")
    monkeypatch.setenv("CENTINELA_STORE", f"sqlite:///{tmp_path / 'store.gpkg'}")
    monkeypatch.setenv("CENTINELA_USER", "ranger")

    def run(*args):
        with pytest.raises(SystemExit) as exc:
            main(["--lang", "en", *args])
        out = capsys.readouterr()
        return exc.value.code, out.out, out.err

    assert run("alerts", "ingest", str(path))[0] == 0
    code, out, _ = run("alerts", "list", "--format", "csv")
    assert code == 0 and len(out.strip().splitlines()) == 3
    code, out, _ = run("alerts", "list", "--format", "geojson", "--cause", "mining")
    assert len(json.loads(out)["features"]) == 1
    assert run("alerts", "set-status", "CEN-1", "under_review", "--note", "go")[0] == 0
    code, _, err = run("alerts", "set-status", "CEN-1", "closed")
    assert code == 2 and "cannot go from 'under_review' to 'closed'" in err
    assert run("alerts", "assign", "CEN-1", "Juan")[0] == 0
    code, out, _ = run("alerts", "show", "CEN-1")
    assert "under_review" in out and "ranger" in out and "Juan" in out
    code, out, _ = run("alerts", "export", "--out", str(tmp_path / "field.gpx"), "--status", "under_review")
    assert code == 0 and "1 alerts exported" in out
    code, out, _ = run("audit", "verify")
    assert code == 0 and "chain intact" in out


def test_database_down_is_a_clear_error_without_secrets():
    with pytest.raises(StoreError, match="cannot be reached") as exc:
        open_store("postgresql://ranger:hunter2@127.0.0.1:9/centinela")
    assert "hunter2" not in str(exc.value) and "ranger:***@" in str(exc.value)


def test_alerts_commands_on_postgis(tmp_path, capsys, monkeypatch, pg_url):
    path = tmp_path / "det.gpkg"
    alerts(("CEN-1", "2024-03-01", "mining", A)).to_file(path, layer="alerts")
    monkeypatch.setenv("CENTINELA_STORE", pg_url)
    for args in (
        ["alerts", "ingest", str(path)],
        ["alerts", "set-status", "CEN-1", "under_review"],
        ["audit", "verify"],
    ):
        with pytest.raises(SystemExit) as exc:
            main(["--lang", "en", *args])
        assert exc.value.code == 0
    assert "chain intact" in capsys.readouterr().out


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "kml", "kmz", "gpx", "csv"])
def test_an_export_of_no_alerts_is_an_empty_file_not_an_error(tmp_path, fmt):
    """A filter that matches nothing (found by the web fuzzer: GET /api/export?format=gpx was a 500)."""
    empty = alerts(("CEN-1", "2024-03-01", "mining", A)).iloc[:0]
    path = export(empty, tmp_path / f"none.{fmt}")
    assert path.exists() and path.stat().st_size > 0
