"""Zone statistics and the bulletin through the command line, as a user runs them."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from centinela import data
from centinela.cli import main

# Two mining alerts: one inside Tambopata National Reserve (generalised layer), one outside; one other loss.
ALERTS = [
    ("CEN-20240311-A", "2024-03-11", "mining", shapely.Point(-69.72, -12.97).buffer(0.004)),
    ("CEN-20240702-B", "2024-07-02", "mining", shapely.Point(-70.05, -12.80).buffer(0.003)),
    ("CEN-20240802-C", "2024-08-02", "other", shapely.Point(-70.06, -12.81).buffer(0.002)),
]


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    return exc.value.code, out.out + out.err


@pytest.fixture()
def alerts_file(tmp_path):
    g = gpd.GeoDataFrame(
        {
            "alert_id": [a[0] for a in ALERTS],
            "first_seen": [a[1] for a in ALERTS],
            "confirmed": [a[1] for a in ALERTS],
            "cause": [a[2] for a in ALERTS],
            "confidence": "high",
        },
        geometry=[a[3] for a in ALERTS],
        crs=4326,
    ).to_crs(32719)
    g["area_ha"] = g.area / 1e4
    c = g.geometry.representative_point().to_crs(4326)
    g["lon"], g["lat"] = c.x, c.y
    path = tmp_path / "alerts.gpkg"
    g.to_file(path, layer="alerts", driver="GPKG")
    return path


def test_zones_import_list_and_stats(tmp_path, capsys, alerts_file):
    store = tmp_path / "store.gpkg"
    corridor = tmp_path / "corredor.geojson"
    gpd.GeoDataFrame(
        {"nombre": ["Corredor minero"]}, geometry=[shapely.box(-70.2, -13.0, -69.9, -12.7)], crs=4326
    ).to_file(corridor)
    code, text = run(
        capsys,
        "--lang",
        "en",
        "zones",
        "import",
        str(corridor),
        "--kind",
        "mining_corridor",
        "--name-field",
        "nombre",
        "--source",
        "test",
        "--licence",
        "CC0",
        "--store",
        str(store),
    )
    assert code == 0 and "1 zones of kind mining_corridor" in text
    code, text = run(capsys, "zones", "list", "--store", str(store))
    assert "corredor" in text and "protected_areas_generalized" in text
    code, text = run(
        capsys, "zones", "stats", "--alerts", str(alerts_file), "--out", str(tmp_path / "st"), "--store", str(store)
    )
    assert code == 0
    t = pd.read_csv(tmp_path / "st" / "zone_stats.csv")
    assert {"zone_kind", "zone_layer", "zone_name", "period_type", "period", "cause", "hectares"} <= set(t.columns)
    pa = t[(t.zone_kind == "protected_area") & (t.period_type == "year") & ~t.zone_name.str.startswith("(")]
    assert pa.zone_name.tolist() == ["Reserva Nacional Tambopata"] and pa.hectares.iloc[0] > 10
    pieces = gpd.read_file(tmp_path / "st" / "zone_pieces.gpkg", layer="zone_pieces")
    assert len(pieces) > 3
    code, text = run(
        capsys,
        "zones",
        "stats",
        "--alerts",
        str(alerts_file),
        "--footprint",
        str(alerts_file),
        "--out",
        str(tmp_path / "x"),
    )
    assert code != 0
    code, text = run(capsys, "alerts", "ingest", str(alerts_file), "--store", str(store))
    code, text = run(capsys, "zones", "stats", "--out", str(tmp_path / "fromstore"), "--store", str(store))
    assert code == 0
    from_store = pd.read_csv(tmp_path / "fromstore" / "zone_stats.csv")
    assert from_store.hectares.sum() == pytest.approx(t.hectares.sum(), rel=1e-3), (
        "store alerts give the same statistics"
    )
    code, text = run(
        capsys,
        "report",
        "--from",
        "2024-01-01",
        "--to",
        "2024-12-31",
        "--lang",
        "en",
        "--out",
        str(tmp_path / "r"),
        "--store",
        str(store),
    )
    assert code == 0 and "CEN-20240311-A" in (tmp_path / "r" / "bulletin_2024-01-01_2024-12-31_en.html").read_text()


def test_footprint_history_stats(tmp_path, capsys):
    amw = gpd.read_file(data.path(data.AMW_MINING))
    sub = tmp_path / "amw.gpkg"
    amw[amw.period.isin([202300, 202502])].groupby("period").head(30).to_file(sub)
    code, _ = run(
        capsys,
        "zones",
        "stats",
        "--footprint",
        str(sub),
        "--out",
        str(tmp_path / "fp"),
        "--store",
        str(tmp_path / "s.gpkg"),
    )
    assert code == 0
    t = pd.read_csv(tmp_path / "fp" / "zone_stats.csv")
    assert {"2023", "2025"} <= set(t[t.period_type == "year"].period.astype(str)) and "2025-Q2" in set(t.period)


def test_report_html_and_pdf(tmp_path, capsys, alerts_file):
    code, text = run(
        capsys,
        "report",
        "--from",
        "2024-01-01",
        "--to",
        "2024-12-31",
        "--alerts",
        str(alerts_file),
        "--lang",
        "es",
        "--out",
        str(tmp_path / "rep"),
        "--store",
        str(tmp_path / "s.gpkg"),
    )
    assert code == 0 and "Boletín escrito" in text
    html = (tmp_path / "rep" / "bulletin_2024-01-01_2024-12-31_es.html").read_text()
    assert "Boletín de vigilancia de la minería aurífera" in html and "CEN-20240311-A" in html
    assert "Prohibida" in html and "Reserva Nacional Tambopata" in html
    assert "No determinable" in html, "without a corridor layer, the alert outside the reserve cannot be judged"
    pdf = (tmp_path / "rep" / "bulletin_2024-01-01_2024-12-31_es.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 30_000
    assessed = gpd.read_file(tmp_path / "rep" / "alerts_assessed.gpkg", layer="alerts").set_index("alert_id")
    assert assessed.loc["CEN-20240311-A", "legal_status"] == "prohibited"
    assert assessed.loc["CEN-20240802-C", "legal_status"] == "not_mining"
    code, text = run(
        capsys,
        "report",
        "--from",
        "2024-01-01",
        "--to",
        "2024-12-31",
        "--alerts",
        str(alerts_file),
        "--lang",
        "en",
        "--out",
        str(tmp_path / "rep2"),
        "--area",
        "Reserva Nacional Tambopata",
        "--store",
        str(tmp_path / "s.gpkg"),
    )
    assert code == 0
    html = (tmp_path / "rep2" / "bulletin_2024-01-01_2024-12-31_en.html").read_text()
    assert "Gold-mining monitoring bulletin" in html and "CEN-20240311-A" in html and "CEN-20240702-B" not in html


def test_report_bad_input(tmp_path, capsys, alerts_file):
    code, text = run(
        capsys,
        "--lang",
        "en",
        "report",
        "--from",
        "2024-12-01",
        "--to",
        "2024-01-01",
        "--alerts",
        str(alerts_file),
        "--out",
        str(tmp_path / "r"),
        "--store",
        str(tmp_path / "s.gpkg"),
    )
    assert code == 2 and "before" in text
    code, text = run(
        capsys,
        "--lang",
        "en",
        "report",
        "--from",
        "2024-01-01",
        "--to",
        "2024-12-31",
        "--alerts",
        str(tmp_path / "no.gpkg"),
        "--out",
        str(tmp_path / "r"),
        "--store",
        str(tmp_path / "s.gpkg"),
    )
    assert code == 2 and "no.gpkg" in text
