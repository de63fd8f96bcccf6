"""A whole store copied to PostGIS and back: every row of every table, the audit chain and the rows it binds
verify on the new backend; a non-empty destination is refused and left untouched."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import geopandas as gpd
import pytest
import shapely

from centinela.cli import main
from centinela.drone.flights import ingest, list_flights, stored_path
from centinela.errors import InputError
from centinela.mercury.ingest import read_results
from centinela.mercury.synthetic import synthetic_results, write_csv
from centinela.sim.drone import simulate_drone
from centinela.store import embedded_store, open_store
from centinela.store import field as F
from centinela.store import users as U
from centinela.store.copy import TABLES, copy_store
from centinela.store.layers import read_reference_file
from centinela.zones.layers import prepare_layer
from test_store import A, B, alerts


@pytest.fixture()
def full_store(tmp_path):
    """An embedded store with a row in every table a user can fill."""
    st = embedded_store(tmp_path / "field" / "centinela.gpkg")
    st.add_area("Zona", shapely.box(-69.8, -13.0, -69.5, -12.8), "catalog.json", dt.date(2024, 1, 1), "admin")
    st.subscribe("Zona", "webhook", "http://127.0.0.1:9/x", secret="s3cret", actor="admin")
    st.ingest(alerts(("CEN-1", "2024-03-01", "mining", A), ("CEN-2", "2024-04-01", "other", B)), "analyst")
    st.set_status("CEN-1", "under_review", "analyst", note="boat on Monday")
    st.enqueue(1, {"alerts": ["CEN-1"]})
    st.add_user("ana", "correct horse battery", "ranger", actor="admin")
    st.create_token("ana", "qgis", actor="admin")
    st.open_session(U.User("ana", "ranger", False))
    st.mark_sensitive("CN Tres Islas", shapely.box(-69.7, -12.9, -69.6, -12.8), "asked", actor="admin")
    frame = gpd.GeoDataFrame({"nombre": ["ZA"]}, geometry=[shapely.box(-69.8, -13.0, -69.6, -12.9)], crs=4326)
    st.import_zones(prepare_layer(frame, "za", "buffer_zone", "nombre", "SERNANP", "CC0", "f" * 64, "za"), "admin")
    lab, _ = synthetic_results(shapely.LineString([(-69.8, -12.86), (-69.56, -12.97)]), seed=2, n_fish=10, n_donors=5)
    st.add_results(read_results(write_csv(lab, tmp_path / "lab.csv")), "lab")
    sim = simulate_drone(tmp_path / "sim", seed=2, dates=(dt.date(2024, 7, 15),), size_m=40)
    ingest(sim.orthos[0], st, actor="pilot")
    site = {"site_id": ["P1"], "status": ["recovering"], "n_looks": [12], "ndvi_recent": [0.61]}
    st.record_sites(gpd.GeoDataFrame(site, geometry=[shapely.box(-69.7, -12.95, -69.69, -12.94)], crs=4326), "s", "a")
    photo = F.make_photo(b"\xff\xd8\xff" + bytes(range(256)), "IMG_0001.JPG")  # a field report and its photo
    report = F.make_report("0b7dd3a4-6a0e-4f3c-9c43-2b1f5f0e7a11", "CEN-1", "mining_active", "", None, -69.7, -12.9)
    st.add_field_report(dataclasses.replace(report, photos=(photo,)), "ana")
    towns = tmp_path / "towns.geojson"  # a reference layer (issue #19: change)
    point = {"type": "Point", "coordinates": [-69.58, -12.7]}
    towns.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Laberinto"}, "geometry": point}]}))  # fmt: skip
    st.import_reference_layer(read_reference_file(towns, "towns", "poblados", "INEI 2017"), "admin")
    assert st.verify().ok
    return st


def _rows(st) -> dict[str, int]:
    with st.connect() as c:
        return {t: c.execute(f"SELECT count(*) AS n FROM {t}").fetchone()["n"] for t in TABLES}


def test_a_store_copied_to_postgis_and_back_keeps_every_row_and_verifies(full_store, pg_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CENTINELA_WORK", str(tmp_path / "server"))
    src = full_store
    before = _rows(src)
    assert all(before.values()), before
    pg = open_store(pg_url)
    counts = copy_store(src, pg, "admin")
    assert counts == before
    v = pg.verify()
    assert v.ok, v.message
    assert pg.alert("CEN-1")["notes"][0]["text"] == "boat on Monday" and pg.alert("CEN-1")["status"] == "under_review"
    assert pg.alerts().geometry.iloc[0].equals(src.alerts().geometry.iloc[0])
    assert pg.results().equals(src.results()) and list(pg.zones().name) == ["ZA"]
    assert pg.authenticate("ana", "correct horse battery") is not None
    assert list(list_flights(pg).flight_id) == list(list_flights(src).flight_id)
    assert stored_path(pg, list_flights(pg).iloc[0].to_dict()).exists(), "the orthomosaic came along"
    log = pg.audit()
    assert [e["hash"] for e in log[:-1]] == [e["hash"] for e in src.audit()] and log[-1]["action"] == "store_copied"
    # New writes on the server continue the ids and the chain.
    pg.add_note("CEN-2", "checked from the server", "analyst")
    assert pg.verify().ok and len(pg.alert("CEN-2")["notes"]) == 1

    back = embedded_store(tmp_path / "back.gpkg")
    copy_store(pg, back, "admin")
    assert back.verify().ok and _rows(back)["alert_notes"] == before["alert_notes"] + 1


def test_every_table_keeps_the_file_a_valid_geopackage(full_store, pg_url, tmp_path):
    """GDAL's own GeoPackage validator (validate_gpkg.py, requirements of OGC 12-128) passes on a store with a row
    in every table, and on one copied back from PostGIS."""
    import subprocess
    import sys

    back = embedded_store(tmp_path / "back.gpkg")
    copy_store(full_store, open_store(pg_url), "admin")
    copy_store(open_store(pg_url), back, "admin")
    for path in (full_store.path, back.path):
        run = subprocess.run(
            [sys.executable, "-m", "osgeo_utils.samples.validate_gpkg", str(path)], capture_output=True, text=True
        )
        assert run.returncode == 0 and not run.stdout.strip() and "Traceback" not in run.stderr, run.stdout + run.stderr
    assert set(gpd.list_layers(full_store.path).name) >= {"alerts", "areas", "zones", "mercury_results"} | {
        "drone_flights",
        "restoration_sites",
    }


def test_a_non_empty_destination_is_refused_untouched(full_store, tmp_path, capsys):
    dst = embedded_store(tmp_path / "other.gpkg")
    dst.ingest(alerts(("CEN-9", "2024-05-01", "mining", B)), "x")
    with pytest.raises(InputError, match="not empty"):
        copy_store(full_store, dst, "admin")
    assert list(dst.alerts().alert_id) == ["CEN-9"] and len(dst.audit()) == 1

    with pytest.raises(SystemExit) as exc:
        main(["--lang", "en", "store", "copy", "--store", str(full_store.path), "--to", str(tmp_path / "new.gpkg")])
    out = capsys.readouterr().out
    assert exc.value.code == 0 and "Copied" in out and out.strip().splitlines()[-1].startswith("OK")
