"""The evidence package a prosecutor receives (issue #18): no 500 without a clear image, cached by content and
built once under concurrent requests, dates chosen by the clear share over the alert, a report in Spanish and
English, a signed manifest that `centinela evidence verify` checks, and one navigation point inside the alert."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import xarray as xr
from fastapi.testclient import TestClient

from centinela.alerts.evidence import id_point, navigation_point, write_evidence
from centinela.imagery.render import choose_pair, clear_shares, footprint_mask
from centinela.store import embedded_store
from centinela.store.checkpoint import write_key_pair

PASSWORD = "Evidencia-para-la-fiscalia-2024"
ALERT = shapely.box(-69.7000, -12.9600, -69.6986, -12.9586)  # ~150 m a side
FIRST = "2024-07-20"
FOREST = {"blue": 0.03, "green": 0.05, "red": 0.03, "nir": 0.30, "swir16": 0.15, "swir22": 0.07}
BARE = {"blue": 0.08, "green": 0.11, "red": 0.14, "nir": 0.20, "swir16": 0.32, "swir22": 0.26}


def cube(dates, cloud, geom=ALERT, n=80):
    """A small synthetic cube around ``geom``: forest, bare inside the alert from FIRST on; ``cloud(i, xx, yy)``
    gives the cloudy pixels of date i (xx, yy: metres east/north of the alert's centre)."""
    c = gpd.GeoSeries([geom], crs=4326).to_crs(32719).centroid.iloc[0]
    cx, cy = round(c.x / 10) * 10, round(c.y / 10) * 10
    xs = cx - 10 * n / 2 + 5 + 10 * np.arange(n)
    ys = cy + 10 * n / 2 - 5 - 10 * np.arange(n)
    xx, yy = np.meshgrid(xs - cx, ys - cy)
    inside = footprint_mask(
        xr.Dataset(coords={"x": xs, "y": ys}, attrs={"crs": "EPSG:32719", "resolution": 10.0}), geom, 0.0
    )
    t = pd.to_datetime(dates)
    data = {}
    for b in FOREST:
        v = np.full((len(dates), n, n), FOREST[b], "float32")
        for i, d in enumerate(dates):
            if d >= FIRST:
                v[i][inside] = BARE[b]
        data[b] = (("time", "y", "x"), v)
    clear = np.stack([~cloud(i, xx, yy) for i in range(len(dates))])
    data["clear"] = (("time", "y", "x"), clear)
    data["scl"] = (("time", "y", "x"), np.where(clear, 4, 9).astype("uint8"))
    items = [f"S2A_SIM_19L_{d.replace('-', '')}_0_L2A" for d in dates]
    return xr.Dataset(
        data,
        coords={"time": t, "y": ys, "x": xs},
        attrs={"crs": "EPSG:32719", "resolution": 10.0, "items": items, "source": "test", "cloud_cover": []},
    )


def alert_row(geom=ALERT, aid="CEN-20240720-12.9620S-69.7020W"):
    p = geom.representative_point()
    return {
        "alert_id": aid,
        "first_seen": FIRST,
        "confirmed": "2024-07-30",
        "cause": "mining",
        "confidence": "high",
        "mining_prob": 0.93,
        "area_ha": 2.4,
        "status": "new",
        "lon": p.x,
        "lat": p.y,
        "geometry": geom,
        "notes": [],
        "history": [],
    }


DATES = ["2024-06-20", "2024-07-10", "2024-07-15", "2024-07-25", "2024-08-04"]


def half_cloud_nearest(i, xx, yy):
    """2024-07-15, the date nearest the break before it, is cloudy over the west half; the others are clear."""
    return (xx < 0) if DATES[i] == "2024-07-15" else np.zeros_like(xx, bool)


def test_dates_chosen_by_the_clear_share_over_the_alert_not_the_nearest():
    ds = cube(DATES, half_cloud_nearest)
    shares = dict(clear_shares(ds, footprint_mask(ds, ALERT)))
    assert 0.3 < shares["2024-07-15"] < 0.7 and shares["2024-07-10"] == 1.0
    pair = choose_pair(list(shares.items()), FIRST)
    # The old rule (the newest date before the break with >= 30 % clear) took the half-cloudy 2024-07-15.
    assert (pair.before, pair.after) == ("2024-07-10", "2024-07-25")
    # Equally clear dates: the nearest the break wins; a date outside the window never does.
    assert choose_pair([("2024-01-01", 1.0), ("2024-07-01", 0.99), ("2024-07-19", 0.6)], FIRST).before == "2024-07-01"
    assert choose_pair([("2023-01-01", 1.0)], FIRST).before is None


def test_package_uses_the_clear_date_labels_simulated_and_gives_a_point_inside(tmp_path):
    ds = cube(DATES, half_cloud_nearest)
    folder, zpath = write_evidence(alert_row(), ds, tmp_path)
    facts = json.loads((folder / "facts.json").read_text())
    assert facts["dates_used"] == {"before": "2024-07-10", "after": "2024-07-25"}
    assert facts["simulated"] is True and "SIMULATED" in (folder / "LEAME_README.txt").read_text()
    p = shapely.Point(facts["point_wgs84"]["lon"], facts["point_wgs84"]["lat"])
    assert ALERT.buffer(1e-6).contains(p)
    # The id's coordinates (the first pixel detected) lie outside this alert: the package says how far.
    assert facts["id_point"]["metres_from_point"] > 100
    assert zipfile.ZipFile(zpath).namelist()  # sealed: a zip beside the folder


def test_navigation_point_is_inside_even_when_the_stored_point_is_not():
    u = shapely.Polygon([(0, 0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3)])  # a U: centroid outside
    row = {"geometry": u, "lon": u.centroid.x, "lat": u.centroid.y}
    assert not u.contains(u.centroid) and u.contains(navigation_point(row))
    assert id_point("CEN-20240720-12.9620S-69.7020W") == (-12.962, -69.702)


def test_no_clear_image_after_still_makes_the_package_and_says_why(tmp_path):
    ds = cube(DATES, lambda i, xx, yy: np.full_like(xx, DATES[i] >= FIRST, bool))  # all cloud from the break on
    folder, _ = write_evidence(alert_row(), ds, tmp_path)
    facts = json.loads((folder / "facts.json").read_text())
    assert facts["dates_used"] == {"before": "2024-07-15"} and facts["imagery_note"]["missing"] == ["after"]
    readme = (folder / "LEAME_README.txt").read_text()
    assert "No hay imagen despejada después" in readme and "No clear image after" in readme
    assert not any(p.name.startswith("after_") for p in folder.iterdir())


# --- through the web: no 500, cached, built once ----------------------------------------------------------


@pytest.fixture
def web(tmp_path, monkeypatch):
    from centinela.jobs import evidence as J
    from centinela.web import Settings, create_app

    (tmp_path / "store").mkdir()
    store = embedded_store(tmp_path / "store" / "centinela.gpkg")  # the signing key lives outside its folder
    row = alert_row()
    g = gpd.GeoDataFrame(
        [
            {"reasons": "test"}
            | {k: v for k, v in row.items() if k not in ("geometry", "notes", "history", "status", "mining_prob")}
        ],
        geometry=[ALERT],
        crs=4326,
    )
    store.ingest(g, actor="detector")
    store.add_user("analista", PASSWORD, "analyst", actor="test")
    state = {"cloud": lambda i, xx, yy: np.full_like(xx, DATES[i] >= FIRST, bool), "builds": 0}
    monkeypatch.setattr(J, "alert_cube", lambda a, catalog: cube(DATES, state["cloud"]))
    real = J.build_package

    def counted(*args, **kw):
        state["builds"] += 1
        return real(*args, **kw)

    monkeypatch.setattr(J, "build_package", counted)
    keys = write_key_pair(tmp_path / "keys")
    monkeypatch.setenv("CENTINELA_EVIDENCE_KEY", str(keys[0]))
    app = create_app(Settings(store=str(store.path), work_dir=tmp_path / "web", catalog="unused"))
    client = TestClient(app)
    r = client.post("/api/login", json={"username": "analista", "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client, store, state, row["alert_id"], keys


def test_web_download_without_clear_imagery_is_200_with_the_reason_then_cached(web, tmp_path):
    client, store, state, aid, _ = web
    r = client.get(f"/api/alerts/{aid}/evidence.zip")
    assert r.status_code == 200, r.text  # was 500: "no clear observation before and after"
    assert r.headers["x-evidence-note"] == "no clear image after the first detection"
    with zipfile.ZipFile(__import__("io").BytesIO(r.content)) as z:
        facts = json.loads(z.read(f"{aid}/facts.json"))
        assert "No clear image after" in facts["imagery_note"]["en"]
        assert {f"{aid}/informe_es.pdf", f"{aid}/report_en.pdf", f"{aid}/MANIFEST.sig.json"} <= set(z.namelist())
    again = client.get(f"/api/alerts/{aid}/evidence.zip")
    assert again.status_code == 200 and again.content == r.content
    assert state["builds"] == 1  # the second download came from the cache
    logged = [e for e in store.audit() if e["action"] in ("evidence_created", "evidence_downloaded")]
    assert [e["action"] for e in logged] == ["evidence_created", "evidence_downloaded", "evidence_downloaded"]
    digest = __import__("hashlib").sha256(r.content).hexdigest()
    assert all(json.loads(e["detail"])["sha256"][1] == digest for e in logged[1:])
    # A note changes the alert's content: the next download is a new package.
    store.add_note(aid, "visita de campo programada", actor="analista")
    assert client.get(f"/api/alerts/{aid}/evidence.zip").status_code == 200 and state["builds"] == 2


def test_concurrent_downloads_build_once(web):
    client, _, state, aid, _ = web
    codes = []

    def get():
        codes.append(client.get(f"/api/alerts/{aid}/evidence.zip").status_code)

    threads = [threading.Thread(target=get) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert codes == [200] * 6 and state["builds"] == 1


def test_web_pair_is_the_package_pair(web):
    client, _, state, aid, _ = web
    state["cloud"] = half_cloud_nearest
    r = client.get(f"/api/alerts/{aid}/imagery")
    assert r.status_code == 200, r.text
    assert r.json()["before"]["date"] == "2024-07-10" and r.json()["after"]["date"] == "2024-07-25"


# --- the report and the signed manifest --------------------------------------------------------------------


@pytest.fixture
def package(web, tmp_path):
    from centinela.jobs.evidence import evidence_for

    client, store, state, aid, keys = web
    state["cloud"] = half_cloud_nearest
    store.set_status(aid, "under_review", actor="analista", note="revisar")
    store.set_status(aid, "verified_mining", actor="guardaparque", note="dragas vistas en campo")
    store.add_note(aid, "pozas nuevas junto al río", actor="analista")
    store.add_note(aid, '<img src="http://example.invalid/x.png"> ver foto', actor="analista")
    folder, zpath = evidence_for(store, aid, tmp_path / "out", "unused", "es", actor="analista", key=keys[0])
    return folder, zpath, keys, store


def test_report_in_both_languages_has_every_section(package):
    folder, _, _, store = package
    for stem, words in (
        (
            "informe_es",
            [
                "Punto de navegación",
                "Antes",
                "Serie temporal",
                "Situación legal",
                "Fuente legal",
                "Historial",
                "Notas",
                "Verificaciones de campo",
                "Hecho por",
                "Cabeza del registro",
            ],
        ),
        (
            "report_en",
            [
                "Navigation point",
                "Before",
                "Index time series",
                "Legal status",
                "Legal source",
                "History of the alert",
                "Notes",
                "Field checks",
                "Made by",
                "Audit log head",
            ],
        ),
    ):
        assert (folder / f"{stem}.pdf").read_bytes()[:5] == b"%PDF-"
        html = (folder / f"{stem}.html").read_text()
        for w in words:
            assert w in html, (stem, w)
        assert "2024-07-10" in html and "2024-07-25" in html and "locator.png" in html
        assert "100.0%" in html and "object at 0x" not in html  # the clear share of each date, printed
        assert "pozas nuevas junto al río" in html and "dragas vistas en campo" in html
        assert "&lt;img src=" in html and '<img src="http' not in html  # users' text is escaped
        assert "SIMULA" in html  # simulated imagery said on the first page
        if shutil.which("pdftotext"):  # the PDF itself, where poppler is installed
            text = subprocess.run(
                ["pdftotext", str(folder / f"{stem}.pdf"), "-"], capture_output=True, text=True, check=True
            ).stdout
            for w in words:
                assert w in " ".join(text.split()), (stem, "pdf", w)
    # The history reads in the report's language: actions, fields and statuses, the stored code beside a status.
    es = (folder / "informe_es.html").read_text()
    assert "cambio de estado" in es and "estado: en revisión (under_review) → verificada: minería" in es
    assert "status changed" in (folder / "report_en.html").read_text() and "status changed" not in es
    facts = json.loads((folder / "facts.json").read_text())
    head = facts["audit_log_head"]
    assert head["sha256"] in (folder / "report_en.html").read_text()
    assert facts["made_by"] == "analista"


def test_signed_manifest_verifies_and_tampering_is_refused(package, tmp_path):
    from centinela.cli import main
    from centinela.store.checkpoint import write_checkpoint

    folder, zpath, keys, store = package

    def verify(*args):
        with pytest.raises(SystemExit) as exc:
            main(["--lang", "en", "evidence", "verify", *map(str, args)])
        return exc.value.code

    assert verify(zpath, "--public-key", keys[1]) == 0
    assert verify(folder, "--public-key", keys[1]) == 0
    cp = tmp_path / "cp.json"
    write_checkpoint(store, cp)
    assert verify(zpath, "--public-key", keys[1], "--checkpoint", cp, "--store", store.path) == 0
    # Another key: refused.
    other = write_key_pair(tmp_path / "other")
    assert verify(zpath, "--public-key", other[1]) == 3
    # A file altered: refused, naming the file.
    png = next(folder.glob("before_*_true.png"))
    png.write_bytes(png.read_bytes() + b"x")
    from centinela.jobs.evidence import verify_package
    from centinela.store.checkpoint import read_key

    v = verify_package(folder, read_key(keys[1]))
    assert not v.ok and any(p.startswith(png.name) for p in v.problems)
    assert verify(folder, "--public-key", keys[1]) == 3
    # The manifest rewritten to match the altered file: the signature refuses it.
    import hashlib

    m = folder / "MANIFEST.sha256"
    lines = [
        f"{hashlib.sha256(png.read_bytes()).hexdigest()}  {png.name}" if line.endswith(png.name) else line
        for line in m.read_text().splitlines()
    ]
    m.write_text("\n".join(lines) + "\n")
    v = verify_package(folder, read_key(keys[1]))
    assert not v.ok and any(p.startswith("MANIFEST.sha256") for p in v.problems)
    assert verify(folder, "--public-key", keys[1]) == 3
    # A checkpoint of another chain head for the same entry: refused.
    facts = json.loads((zpath.parent / zpath.stem / "facts.json").read_text())
    bad = {"format": "centinela-audit-checkpoint/1", "seq": facts["audit_log_head"]["seq"], "hash": "0" * 64}
    cp.write_text(json.dumps(bad))
    assert verify(zpath, "--public-key", keys[1], "--checkpoint", cp) == 3


def test_signing_key_inside_the_store_folder_is_refused(tmp_path):
    from centinela.errors import InputError
    from centinela.jobs.evidence import signing_key

    store = embedded_store(tmp_path / "s.gpkg")
    keys = write_key_pair(tmp_path / "keys")  # tmp_path is the store's folder
    with pytest.raises(InputError, match="store's folder"):
        signing_key(keys[0], store)
