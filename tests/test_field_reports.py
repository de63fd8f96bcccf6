"""Field reports (issue #19, point 5): a ranger files a verdict, notes and photos for an alert; a re-send is the
same report (never a duplicate), the same id with other content is 409; photos come back byte for byte (EXIF
included) and their hashes are in the audit log; disagreeing reports are kept and flagged; viewers may not file
and never see reports of alerts in sensitive areas; the evidence package carries the photos and their hashes."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from centinela.errors import InputError
from centinela.store import embedded_store, open_store
from centinela.store import field as F
from test_web_api import A, alerts, login, seed

JPEG_GPS = (-12.9501389, -69.6916667)  # (lat, lon) written in the test photo's EXIF


def jpeg(colour=(120, 80, 40)) -> bytes:
    """A small JPEG with EXIF time and GPS, as a phone camera writes them."""
    exif = Image.Exif()
    exif[306] = "2026:07:03 14:22:10"
    exif.get_ifd(0x8769)[36867] = "2026:07:03 14:22:10"
    exif.get_ifd(0x8825).update({1: "S", 2: (12.0, 57.0, 0.5), 3: "W", 4: (69.0, 41.0, 30.0)})
    buf = io.BytesIO()
    Image.new("RGB", (24, 16), colour).save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def fields(report_id: str, verdict: str = "mining_active", **more) -> dict:
    base = {
        "report_id": report_id,
        "verdict": verdict,
        "notes": "dos dragas y pozas nuevas",
        "observed_at": "2026-07-03T14:30:00Z",
        "lon": "-69.695",
        "lat": "-12.955",
        "accuracy_m": "8",
    }
    return base | more


# --- the store, on both backends --------------------------------------------------------------------------


@pytest.fixture(params=["gpkg", "postgis"])
def store(request, tmp_path):
    target = str(tmp_path / "s.gpkg") if request.param == "gpkg" else request.getfixturevalue("pg_url")
    st = open_store(target)
    st.ingest(alerts(("CEN-A", "2024-03-05", "mining", A)), actor="detector")
    return st


def test_store_keeps_photos_byte_for_byte_and_a_resend_is_the_same_report(store):
    data = jpeg()
    photo = F.make_photo(data, "IMG_0001.JPG", "image/jpeg")
    assert (photo.exif_lat, photo.exif_lon) == JPEG_GPS and photo.exif_time == "2026-07-03T14:22:10"
    rid = str(uuid.uuid4())
    report = F.make_report(
        rid, "CEN-A", "mining_active", "pozas", "2026-07-03T09:30:00-05:00", -69.695, -12.955, 8.0, [photo]
    )
    stored, created = store.add_field_report(report, "ranger")
    assert created and stored["observed_at"] == "2026-07-03T14:30:00+00:00" and stored["status"] == "current"
    entries = len(store.audit())
    again, created = store.add_field_report(report, "ranger")
    assert not created and again == stored and len(store.audit()) == entries, "a re-send writes nothing"
    with pytest.raises(F.ReportConflict, match=rid):
        store.add_field_report(F.make_report(rid, "CEN-A", "not_mining"), "ranger")
    meta, back = store.field_photo(rid, photo.sha256)
    assert back == data and meta["content_type"] == "image/jpeg"
    entry = [e for e in store.audit() if e["action"] == "field_report"]
    assert len(entry) == 1 and json.loads(entry[0]["detail"])["photos_sha256"][1] == [hashlib.sha256(data).hexdigest()]
    # The same person again on the same alert supersedes (kept, marked); another person disagreeing is a conflict.
    later = str(uuid.uuid4())
    store.add_field_report(F.make_report(later, "CEN-A", "mining_abandoned"), "ranger")
    other = str(uuid.uuid4())
    store.add_field_report(F.make_report(other, "CEN-A", "not_mining"), "analyst")
    reports = {r["report_id"]: r for r in store.field_reports("CEN-A")}
    assert reports[rid]["status"] == "superseded" and reports[rid]["superseded_by"] == later
    assert F.summary(list(reports.values()))["field_conflict"] is True
    store.mark_standing(other, "analyst")
    s = F.summary(store.field_reports("CEN-A"))
    assert s["field_conflict"] is False and s["field_standing"] == other and len(s["field_reports"]) == 3
    assert store.verify().ok, store.verify().message
    with store.connect(write=True) as c:  # an edit outside Centinela is found
        c.execute("UPDATE field_reports SET verdict = 'not_mining' WHERE report_id = ?", (later,))
    assert "field_reports:" + later in store.verify().message


def test_photo_and_report_checks_name_the_problem(tmp_path):
    with pytest.raises(InputError, match="notes.txt.*not a JPEG, PNG or HEIC"):
        F.make_photo(b"hello", "notes.txt", "text/plain")
    with pytest.raises(InputError, match="at most 20 MB"):
        F.make_photo(b"\xff\xd8\xff" + b"0" * F.MAX_PHOTO_BYTES, "big.jpg")
    with pytest.raises(InputError, match="verdict 'maybe'"):
        F.make_report(str(uuid.uuid4()), "CEN-A", "maybe")
    with pytest.raises(InputError, match="offset"):
        F.make_report(str(uuid.uuid4()), "CEN-A", "not_mining", observed_at="2026-07-03T14:30:00")
    heic = b"\x00\x00\x00\x18ftypheic" + b"\x00" * 40
    assert F.make_photo(heic, "IMG.HEIC").content_type == "image/heic"


# --- the API ----------------------------------------------------------------------------------------------


@pytest.fixture
def web(tmp_path):
    st = embedded_store(tmp_path / "centinela.gpkg")
    return seed(st, tmp_path), st


def post(client, h, alert_id, data, photos=()):
    files = [("photos", (name, body, kind)) for name, body, kind in photos]
    return client.post(f"/api/alerts/{alert_id}/reports", data=data, files=files or None, headers=h)


def test_api_files_a_report_once_and_serves_the_photo_unchanged(web):
    app, st = web
    ranger = TestClient(app)
    h = login(ranger, "ranger")
    data = jpeg()
    rid = str(uuid.uuid4())
    r = post(ranger, h, "CEN-A", fields(rid), [("IMG_0001.JPG", data, "image/jpeg")])
    assert r.status_code == 201, r.text
    sha = hashlib.sha256(data).hexdigest()
    assert r.json()["photos"][0]["sha256"] == sha and r.json()["photos"][0]["exif_lat"] == JPEG_GPS[0]
    entries = len(st.audit())
    again = post(ranger, h, "CEN-A", fields(rid), [("IMG_0001.JPG", data, "image/jpeg")])
    assert again.status_code == 200 and again.json()["report_id"] == rid
    assert len(st.audit()) == entries and len(st.field_reports("CEN-A")) == 1
    changed = post(ranger, h, "CEN-A", fields(rid, "not_mining"))
    assert changed.status_code == 409 and rid in changed.json()["detail"]
    photo = ranger.get(f"/api/reports/{rid}/photos/{sha}")
    assert photo.status_code == 200 and photo.content == data and photo.headers["content-type"] == "image/jpeg"
    logged = [json.loads(e["detail"]) for e in st.audit() if e["action"] == "field_report"]
    assert logged == [logged[0]] and logged[0]["photos_sha256"][1] == [sha]
    listed = ranger.get("/api/alerts/CEN-A/reports").json()
    assert listed["field_reports"][0]["photos"][0]["url"] == f"/api/reports/{rid}/photos/{sha}"
    # Without the CSRF header a browser session may not file; bad photos are a clear 422.
    assert post(ranger, {}, "CEN-A", fields(str(uuid.uuid4()))).status_code == 403
    bad = post(ranger, h, "CEN-A", fields(str(uuid.uuid4())), [("notes.txt", b"hello", "text/plain")])
    assert bad.status_code == 422 and "notes.txt" in bad.json()["detail"]
    many = [(f"p{i}.jpg", jpeg((i * 20, 0, 0)), "image/jpeg") for i in range(F.MAX_PHOTOS + 1)]
    assert post(ranger, h, "CEN-A", fields(str(uuid.uuid4())), many).status_code == 422


def test_an_oversized_report_is_refused_before_it_is_read(web, monkeypatch):
    app, st = web
    anonymous = TestClient(app)
    monkeypatch.setattr("centinela.web.reports.MAX_BODY", 2000)
    r = post(
        anonymous, {}, "CEN-A", fields(str(uuid.uuid4())), [("big.jpg", b"\xff\xd8\xff" + b"0" * 3000, "image/jpeg")]
    )
    assert r.status_code == 413 and "at most" in r.json()["detail"], "refused before login is even checked"
    assert post(anonymous, {}, "CEN-A", fields(str(uuid.uuid4()))).status_code == 401, "small bodies reach the login"


def test_conflict_is_flagged_and_resolved_visibly_and_viewers_neither_file_nor_see_hidden_ones(web):
    app, st = web
    ranger, analyst, viewer = TestClient(app), TestClient(app), TestClient(app)
    hr, ha, hv = login(ranger, "ranger"), login(analyst, "analyst"), login(viewer, "viewer")
    one, two = str(uuid.uuid4()), str(uuid.uuid4())
    assert post(ranger, hr, "CEN-A", fields(one, "mining_active")).status_code == 201
    assert post(analyst, ha, "CEN-A", fields(two, "not_mining")).status_code == 201
    detail = ranger.get("/api/alerts/CEN-A").json()["properties"]
    assert detail["field_conflict"] is True and {r["report_id"] for r in detail["field_reports"]} == {one, two}
    assert ranger.post(f"/api/reports/{one}/stands", headers=hr).status_code == 403, "analysts decide"
    r = analyst.post(f"/api/reports/{one}/stands", headers=ha)
    assert r.status_code == 200 and r.json()["field_conflict"] is False and r.json()["field_standing"] == one
    assert len(ranger.get("/api/alerts/CEN-A").json()["properties"]["field_reports"]) == 2, "nothing overwritten"
    # Viewers read but may not file.
    assert post(viewer, hv, "CEN-A", fields(str(uuid.uuid4()))).status_code == 403
    assert viewer.get("/api/alerts/CEN-A/reports").status_code == 200
    # CEN-B lies in a sensitive area: its reports and photos are 404 to a viewer, as the alert is.
    hidden, data = str(uuid.uuid4()), jpeg((0, 90, 0))
    assert post(ranger, hr, "CEN-B", fields(hidden), [("a.jpg", data, "image/jpeg")]).status_code == 201
    sha = hashlib.sha256(data).hexdigest()
    assert ranger.get(f"/api/reports/{hidden}/photos/{sha}").content == data
    assert viewer.get(f"/api/reports/{hidden}/photos/{sha}").status_code == 404
    assert viewer.get("/api/alerts/CEN-B/reports").status_code == 404
    assert post(ranger, hr, "CEN-Z", fields(str(uuid.uuid4()))).status_code == 404


# --- the evidence package -----------------------------------------------------------------------------------


def no_pdf(*args, **kw):
    from centinela.errors import MissingExtraError

    raise MissingExtraError("PDFs left out of this test")


def test_evidence_package_carries_the_photos_and_their_hashes(tmp_path, monkeypatch):
    import geopandas as gpd

    from centinela.jobs import evidence as J
    from test_evidence_package import ALERT, DATES, alert_row, cube, half_cloud_nearest

    st = embedded_store(tmp_path / "store" / "centinela.gpkg")
    row = alert_row()
    keep = {k: v for k, v in row.items() if k not in ("geometry", "notes", "history", "status", "mining_prob")}
    st.ingest(gpd.GeoDataFrame([{"reasons": "test"} | keep], geometry=[ALERT], crs=4326), actor="detector")
    monkeypatch.setattr(J, "alert_cube", lambda a, catalog: cube(DATES, half_cloud_nearest))
    monkeypatch.setattr("centinela.reports.evidence_pdf.write_pdf", no_pdf)  # the HTML says the same, faster
    aid, data = row["alert_id"], jpeg()
    photo = F.make_photo(data, "IMG_0001.JPG")
    st.add_field_report(F.make_report(str(uuid.uuid4()), aid, "mining_active", "dragas", photos=[photo]), "ranger")
    first = J.read_inputs(st, aid, "unused", "es", None).key()
    st.add_field_report(F.make_report(str(uuid.uuid4()), aid, "not_mining"), "analyst")
    assert J.read_inputs(st, aid, "unused", "es", None).key() != first, "a new report makes a new package"
    folder, zpath = J.evidence_for(st, aid, tmp_path / "out", "unused", "es", actor="analyst")
    name = f"photos/{photo.sha256}.jpg"
    with zipfile.ZipFile(zpath) as z:
        assert z.read(f"{aid}/{name}") == data, "the photo as received, EXIF included"
        manifest = z.read(f"{aid}/MANIFEST.sha256").decode()
        facts = json.loads(z.read(f"{aid}/facts.json"))
    assert f"{photo.sha256}  {name}" in manifest.splitlines()
    reports = {r["verdict"]: r for r in facts["field_reports"]}
    assert reports["mining_active"]["photos"][0]["exif_lat"] == JPEG_GPS[0]
    assert reports["mining_active"]["author"] == "ranger" and reports["not_mining"]["author"] == "analyst"
    html_es = (folder / "informe_es.html").read_text(encoding="utf-8")
    html_en = (folder / "report_en.html").read_text(encoding="utf-8")
    assert "Informes de campo" in html_es and "minería activa" in html_es and photo.sha256 in html_es
    assert "Field reports" in html_en and "disagree" in html_en and "-12.95014" in html_en
    assert J.verify_package(zpath).ok, J.verify_package(zpath).problems
    with zipfile.ZipFile(zpath) as z, zipfile.ZipFile(tmp_path / "bad.zip", "w") as out:
        for info in z.infolist():
            out.writestr(info, z.read(info)[:-2] + b"\x00\x00" if info.filename.endswith(name) else z.read(info))
    assert any(name in p for p in J.verify_package(tmp_path / "bad.zip").problems), "an altered photo is found"


def test_cli_lists_the_reports_with_their_hashes_and_the_conflict(tmp_path, capsys):
    from centinela.cli import main

    st = embedded_store(tmp_path / "s.gpkg")
    st.ingest(alerts(("CEN-A", "2024-03-05", "mining", A)), actor="detector")
    photo = F.make_photo(jpeg(), "IMG_0001.JPG")
    st.add_field_report(F.make_report(str(uuid.uuid4()), "CEN-A", "mining_active", photos=[photo]), "ana")
    st.add_field_report(F.make_report(str(uuid.uuid4()), "CEN-A", "not_mining"), "luis")
    with pytest.raises(SystemExit) as exc:
        main(["--lang", "es", "alerts", "reports", "CEN-A", "--store", str(st.path)])
    out = capsys.readouterr().out
    assert exc.value.code == 0 and "minería activa" in out and "no es minería" in out
    assert photo.sha256 in out and "-12.95014" in out and "no coinciden" in out
