"""Mercury from the command line: ingest (template and analyser export), QA/QC, risk with guides, map with
hotspots and mining upstream; and the bulletin's mercury section."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from centinela.cli import main
from centinela.mercury.synthetic import synthetic_results, write_csv
from centinela.store import embedded_store

RIVER = shapely.LineString([(-69.80, -12.86), (-69.72, -12.90), (-69.64, -12.93), (-69.56, -12.97)])  # drawn downstream


def run(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--lang", "en", *args])
    out = capsys.readouterr()
    return exc.value.code, out.out + out.err


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hg")
    frame, truth = synthetic_results(RIVER, seed=3, communities=5, hotspot_at=0.4)
    rivers = gpd.GeoDataFrame({"name": ["river"]}, geometry=[RIVER], crs=4326)
    rivers.to_file(tmp / "rivers.gpkg", layer="rivers")
    # A 40 ha mining patch beside the river just upstream of the true hotspot.
    utm = rivers.estimate_utm_crs()
    line = rivers.to_crs(utm).geometry.iloc[0]
    at = line.interpolate(truth.hotspot_km * 1000 - 1500).buffer(357)
    gpd.GeoDataFrame({"cause": ["mining"]}, geometry=[at], crs=utm).to_file(tmp / "mining.gpkg")
    return tmp, write_csv(frame, tmp / "lab.csv"), truth


@pytest.mark.slow
def test_ingest_qc_risk_map_and_bulletin(lab, capsys):
    tmp, csv, truth = lab
    store = tmp / "store.gpkg"
    code, out = run(["mercury", "ingest", str(csv), "--store", str(store)], capsys)
    assert code == 0 and "results imported" in out
    code, out = run(["mercury", "ingest", str(csv), "--store", str(store)], capsys)
    assert code != 0 and "already in" in out, "a second import of the same file is refused, not duplicated"
    code, out = run(["mercury", "qc", "--store", str(store)], capsys)
    assert code == 0 and "FAILED" not in out
    assert set(embedded_store(store).results().qc_flag) == {"ok"}

    code, out = run(["mercury", "risk", "--store", str(store), "--out", str(tmp / "risk"), "--simulated"], capsys)
    assert code == 0, out
    advice = pd.read_csv(tmp / "risk" / "fish_advice.csv").set_index("species")
    assert (
        advice.loc["Cynodon gibbus", "meals_week_children"] < advice.loc["Prochilodus nigricans", "meals_week_children"]
    )
    assert advice.loc["Prochilodus nigricans", "tier"] == "best" and advice.loc["Cynodon gibbus", "tier"] == "avoid"
    hair = pd.read_csv(tmp / "risk" / "hair_summary.csv")
    everyone = hair[hair.group == "all"].set_index("community")
    assert everyone.median_ug_g.idxmax() == truth.fish_eaters and everyone.median_ug_g.idxmax() != truth.mining_town
    assert (hair.n < 5).sum() == hair.median_ug_g.isna().sum() or not (hair.n < 5).any(), (
        "small groups show no statistics"
    )
    guides = sorted((tmp / "risk" / "guides").glob("*.pdf"))
    assert len(guides) == 2 * len(truth.communities) and all(g.stat().st_size > 10_000 for g in guides)
    html = (tmp / "risk" / "guides" / f"fish_guide_{truth.fish_eaters.lower().replace(' ', '-')}_es.html").read_text()
    assert "Guía de consumo de pescado" in html and "SIMULADOS" in html and "Cynodon gibbus" in html
    assert "D-" not in html, "no donor pseudonym in a printed guide"

    code, out = run(
        [
            "mercury",
            "map",
            "--store",
            str(store),
            "--out",
            str(tmp / "map"),
            "--rivers",
            f"{tmp / 'rivers.gpkg'}#rivers",
            "--mining",
            str(tmp / "mining.gpkg"),
            "--max-km",
            "60",
        ],
        capsys,
    )
    assert code == 0, out
    assert "kriging" in out and "Spearman" in out
    sites = gpd.read_file(tmp / "map" / "mercury_map.gpkg", layer="sites_sediment")
    hot = sites[sites.hotspot == "hot"]
    assert len(hot) >= 2
    hs = gpd.GeoSeries([shapely.Point(truth.hotspot_lonlat)], crs=4326).to_crs(sites.estimate_utm_crs()).iloc[0]
    assert hot.to_crs(sites.estimate_utm_crs()).distance(hs).median() < 5_000, "hotspots sit at the true hotspot"
    assert sites.loc[sites.hotspot == "hot", "upstream_mining_ha"].min() > 30, "hotspot sites have the mining upstream"
    comm = gpd.read_file(tmp / "map" / "mercury_map.gpkg", layer="communities_hair")
    assert "donor_id" not in comm.columns and len(comm) == len(truth.communities)
    cv = pd.read_csv(tmp / "map" / "cross_validation.csv")
    assert set(cv.method) >= {"idw p=2", "kriging spherical", "kriging exponential"} and cv.chosen.sum() == 1
    assert (tmp / "map" / "mercury_map.png").stat().st_size > 30_000

    from centinela.reports.make import _mercury

    section = _mercury(embedded_store(store), dt.date(2030, 1, 1), "es")
    assert section and {m["matrix"] for m in section["matrices"]} == {"pescado", "cabello", "sedimento"}
    assert _mercury(embedded_store(store), dt.date(2000, 1, 1), "es") is None, (
        "nothing collected before the bulletin's end: no section"
    )


def test_analyser_export_through_the_cli(tmp_path, capsys):
    register = tmp_path / "register.csv"
    base = {
        "sample_id": "P-1",
        "site_id": "S1",
        "lat": "-12.95",
        "lon": "-69.70",
        "matrix": "fish",
        "analyte": "THg",
        "value": "",
        "unit": "mg/kg",
        "basis": "wet",
        "method": "EPA 7473",
        "batch": "B1",
        "qc_type": "sample",
        "species": "Prochilodus nigricans",
        "collected_at": "2024-08-01",
        "received_at": "2024-08-02",
    }
    pd.DataFrame([base, {**base, "sample_id": "P-2"}]).to_csv(register, index=False)
    export = tmp_path / "dma.csv"
    export.write_text(
        "Sample ID;Weight (g);Hg (ng);Result (ng/g)\n"
        "Blank;0,000;0,002;ND\nP-1;0,1002;10,1;100,8\nP-2;0,0998;30,2;302,6\nP-2 R2;0,1010;31,0;306,9\n"
        "DORM-4;0,0501;20,4;407,2\n",
        encoding="utf-8",
    )
    store = tmp_path / "s.gpkg"
    code, out = run(["mercury", "ingest", str(export), "--store", str(store), "--instrument", "dma80"], capsys)
    assert code != 0 and "--register" in out
    code, out = run(
        ["mercury", "ingest", str(export), "--store", str(store), "--instrument", "dma80", "--register", str(register)],
        capsys,
    )
    assert code == 0, out
    r = embedded_store(store).results().set_index(["sample_id", "qc_type"])
    assert r.loc[("P-2", "sample"), "value_canonical"] == pytest.approx(0.3026)
    assert ("P-2 R2", "duplicate") in r.index or any(q == "duplicate" for _, q in r.index)
    code, out = run(["mercury", "qc", "--store", str(store)], capsys)
    assert code == 0, out
