"""Restoration (issue #9, parts 1–3) on a tiny simulated scene with three restoration plots of known fate —
planted early in the year, regrown then mined again half-way through, left bare — and on plain values."""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import yaml

from centinela.errors import AOIOutsideDataError, InputError, NoImageryError
from centinela.restore import alerts as ra
from centinela.restore.inventory import InventoryParams, inventory, pond_stats, status
from centinela.restore.io import read_sites
from centinela.restore.pixels import Thresholds, disturbance_days, load_stack
from centinela.restore.suitability import assess, load_rules, rules_text
from centinela.restore.track import track, trend
from centinela.sim import simulate
from centinela.store import embedded_store

START, END = dt.date(2024, 1, 1), dt.date(2024, 12, 31)


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    """128 px, one year, seed 1: the three plots fit between the river, the highway and the farms."""
    return simulate(tmp_path_factory.mktemp("rest") / "s", seed=1, size=128, start=START, end=END, restoration_plots=3)


@pytest.fixture(scope="module")
def plots(scene):
    base = gpd.read_file(scene.truth, layer="baseline_mining")
    ev = gpd.read_file(scene.truth, layer="events")
    p = base[base.group_id.str.startswith("rest-")].copy()
    planted = ev[ev.event_id.str.endswith("-planted")].set_index("group_id").event_date
    p["site_id"] = p.group_id.str.split("-").str[-1]  # planted, remined, bare
    p["planting_date"] = [pd.Timestamp(planted[g]).date() if g in planted.index else None for g in p.group_id]
    remine = ev[(ev.cause == "mining") & ev.group_id.str.startswith("rest-")].iloc[0]
    return gpd.GeoDataFrame(p[["site_id", "planting_date", "geometry"]].reset_index(drop=True), crs=base.crs), remine


@pytest.fixture(scope="module")
def sites_file(plots, tmp_path_factory):
    sites, _ = plots
    path = tmp_path_factory.mktemp("sites") / "sites.gpkg"
    sites.assign(planting_date=[str(d) if d else None for d in sites.planting_date]).to_file(path)
    return path


@pytest.fixture(scope="module")
def stack(scene, plots):
    return load_stack(str(scene.catalog), plots[0].geometry)


@pytest.fixture(scope="module")
def tracked(plots, stack):
    return track(plots[0], stack)


# --- recovery monitoring ----------------------------------------------------------------------------------------


def test_each_plot_gets_the_status_of_its_true_fate(tracked, plots):
    st = tracked.sites.set_index("site_id")
    assert st.loc["planted", "status"] == "recovering", st.loc["planted"]
    assert st.loc["planted", "ndvi_slope_per_yr"] > 0.05 and st.loc["planted", "p_increase"] < 0.01
    assert st.loc["remined", "status"] == "re-disturbed"
    assert st.loc["bare", "status"] == "stalled", st.loc["bare"]
    assert abs(st.loc["bare", "ndvi_slope_per_yr"]) < 0.05
    # The re-mining is dated and sized like the truth: first seen within a month after it, area within 40 %.
    _, remine = plots
    d = tracked.disturbances.set_index("site_id").loc["remined"]
    lag = (pd.Timestamp(d.first_seen) - pd.Timestamp(remine.event_date)).days
    assert 0 <= lag <= 31, lag
    assert abs(d.area_ha - remine.area_ha) / remine.area_ha < 0.4, (d.area_ha, remine.area_ha)
    assert len(tracked.disturbances) == 1  # nothing on the planted or bare plots
    assert set(tracked.observations.site_id) == {"planted", "remined", "bare"}
    assert tracked.observations.groupby("site_id").size().min() >= 10


def test_redisturbance_is_one_alert_and_a_rerun_adds_nothing(tracked, tmp_path):
    alerts = ra.redisturbance_alerts(tracked)
    assert (
        len(alerts) == 1 and alerts.cause.iloc[0] == "mining" and alerts.alert_id.iloc[0].startswith("CEN-R-remined-")
    )
    assert "re-disturbance" in alerts.reasons.iloc[0] and alerts.crs.to_epsg() == 4326
    store = embedded_store(tmp_path / "s.gpkg")
    first = ra.record(store, alerts, actor="test")
    again = ra.record(store, alerts, actor="test")
    assert first.created == [alerts.alert_id.iloc[0]] and not first.noted
    assert again.unchanged == [alerts.alert_id.iloc[0]] and not again.created
    assert len(store.alerts()) == 1
    assert store.verify().ok


def test_redisturbance_alert_once_in_postgis(tracked, pg_url):
    from centinela.store.core import postgis_store

    store = postgis_store(pg_url)
    alerts = ra.redisturbance_alerts(tracked)
    assert ra.record(store, alerts, actor="test").created and ra.record(store, alerts, actor="test").unchanged
    assert len(store.alerts()) == 1


@pytest.mark.parametrize("backend", ["gpkg", "postgis"])
def test_tracked_sites_are_recorded_once_with_their_status_history(tracked, tmp_path, backend, request):
    """The store keeps each site's latest tracking: a re-run changes nothing, a new result replaces the row and
    its audit entry names the status change, and a direct edit of the table is caught by `audit verify`."""
    from centinela.store import open_store

    target = str(tmp_path / "s.gpkg") if backend == "gpkg" else request.getfixturevalue("pg_url")
    store = open_store(target)
    assert store.record_sites(tracked.sites, "plots.geojson", "test") == {"added": 3, "changed": 0, "unchanged": 0}
    assert store.record_sites(tracked.sites, "plots.geojson", "test") == {"added": 0, "changed": 0, "unchanged": 3}
    kept = store.restoration_sites().set_index("site_id")
    expected = tracked.sites.set_index("site_id")
    assert list(kept.index) == sorted(expected.index) and kept.crs.to_epsg() == 4326
    assert (kept.status == expected.status.loc[kept.index]).all()
    assert kept.n_looks.loc["planted"] == expected.n_looks.loc["planted"] > 0
    assert kept.ndvi_recent.loc["planted"] == pytest.approx(expected.ndvi_recent.loc["planted"], abs=1e-6)
    assert not kept.geometry.is_empty.any() and store.verify().ok

    later = tracked.sites.copy()
    later.loc[later.site_id == "planted", "status"] = "stalled"
    assert store.record_sites(later, "plots.geojson", "test") == {"added": 0, "changed": 1, "unchanged": 2}
    entry = [e for e in store.audit() if e["action"] == "restoration_tracked"][-1]
    assert json.loads(entry["detail"])["status"] == {"planted": [expected.status.loc["planted"], "stalled"]}
    assert store.restoration_sites().set_index("site_id").status.loc["planted"] == "stalled"
    assert len(store.restoration_sites()) == 3 and store.verify().ok

    with store.connect(write=True) as c:  # someone "improves" a site's result behind the store's back
        c.execute("UPDATE restoration_sites SET status = 'recovered' WHERE site_id = 'bare'")
    assert not store.verify().ok


def test_redisturbance_under_an_open_alert_is_noted_once(tracked, plots, tmp_path):
    """An open mining alert already on that ground is not overwritten (the store would merge into it): noted instead."""
    store = embedded_store(tmp_path / "s.gpkg")
    site = plots[0].set_index("site_id").loc[["remined"]]
    old = gpd.GeoDataFrame(
        {
            "alert_id": ["CEN-20210301-OLD"],
            "first_seen": ["2021-03-01"],
            "confirmed": ["2021-03-11"],
            "cause": ["mining"],
            "confidence": ["high"],
            "area_ha": [2.0],
            "reasons": ["old mine"],
            "lon": [0.0],
            "lat": [0.0],
        },
        geometry=list(site.geometry),
        crs=plots[0].crs,
    )
    store.ingest(old, actor="test")
    alerts = ra.redisturbance_alerts(tracked)
    for _ in range(2):
        res = ra.record(store, alerts, actor="test")
        assert res.noted == [(alerts.alert_id.iloc[0], "CEN-20210301-OLD")] and not res.created
    assert len(store.alerts()) == 1
    a = store.alert("CEN-20210301-OLD")
    assert a["first_seen"] == "2021-03-01"  # the older alert's dates are untouched
    assert len(a["notes"]) == 1 and alerts.alert_id.iloc[0] in a["notes"][0]["text"]


def test_kernel_needs_green_looks_and_a_confirmation():
    days = np.arange(8) * 10
    ndvi = np.array([0.8, 0.8, 0.8, 0.2, 0.8, 0.2, 0.2, 0.8], dtype=np.float32)[:, None, None]
    lost = ndvi < 0.35
    first, conf = disturbance_days(ndvi, lost, days, 0, Thresholds())
    assert first[0, 0] == 50 and conf[0, 0] == 60  # day 30 was one bad look, dismissed by the green one after it
    first, conf = disturbance_days(
        ndvi, lost, days, 55, Thresholds()
    )  # counted from a planting on day 55: no green history
    assert conf[0, 0] == 0
    cloudy = np.where(
        np.arange(8)[:, None, None] == 4, np.nan, ndvi
    )  # a cloud between two bare looks does not break them
    _, conf = disturbance_days(cloudy.astype(np.float32), lost, days, 0, Thresholds())
    assert conf[0, 0] == 50


def test_trend_is_theil_sen_with_mann_kendall():
    days = np.arange(0, 365, 10, dtype=float) + 19700
    rng = np.random.default_rng(0)
    up = 0.2 + 0.3 * (days - days[0]) / 365 + rng.normal(0, 0.02, days.size)
    up[[3, 9]] = -0.3  # cloud remnants: Theil–Sen shrugs them off
    tr = trend(days, up)
    assert 0.25 < tr["slope"] < 0.35 and tr["p_increase"] < 0.001
    flat = trend(days, 0.2 + rng.normal(0, 0.02, days.size))
    assert abs(flat["slope"]) < 0.05 and flat["p_increase"] > 0.01


# --- clear errors ---------------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:.crs. was not provided")
def test_sites_file_errors(tmp_path, plots):
    sites, _ = plots
    nocrs = tmp_path / "nocrs.gpkg"
    gpd.GeoDataFrame({"site_id": ["a"]}, geometry=[sites.geometry.iloc[0]]).to_file(nocrs)
    with pytest.raises(InputError, match="coordinate reference system"):
        read_sites(nocrs)
    pts = tmp_path / "points.gpkg"
    gpd.GeoDataFrame({"site_id": ["a"]}, geometry=[shapely.Point(0, 0)], crs=sites.crs).to_file(pts)
    with pytest.raises(InputError, match="no polygon.*Point"):
        read_sites(pts)
    bad = tmp_path / "bad_date.gpkg"
    gpd.GeoDataFrame(
        {"site_id": ["a", "b"], "planting_date": ["2024-02-01", "febrero 2024"]},
        geometry=list(sites.geometry.iloc[:2]),
        crs=sites.crs,
    ).to_file(bad)
    with pytest.raises(InputError, match=r"feature 2 \(site b\), field 'planting_date'.*'febrero 2024'.*YYYY-MM-DD"):
        read_sites(bad)
    dup = tmp_path / "dup.gpkg"
    gpd.GeoDataFrame({"site_id": ["a", "a"]}, geometry=list(sites.geometry.iloc[:2]), crs=sites.crs).to_file(dup)
    with pytest.raises(InputError, match="unique.*a"):
        read_sites(dup)
    ok = tmp_path / "ok.gpkg"
    gpd.GeoDataFrame(
        {"nombre": ["x"], "fecha_plantacion": ["2023-05"]}, geometry=[sites.geometry.iloc[0]], crs=sites.crs
    ).to_file(ok)
    got = read_sites(ok)
    assert got.site_id.tolist() == ["x"] and got.planting_date.tolist() == [dt.date(2023, 5, 1)]


def test_sites_outside_imagery_and_all_cloud(scene, plots):
    far = gpd.GeoSeries([shapely.box(-75.0, -10.0, -74.99, -9.99)], crs=4326)
    with pytest.raises(AOIOutsideDataError, match="no site overlaps the imagery"):
        load_stack(str(scene.catalog), far)
    overcast = [json.loads(p.read_text()) for p in sorted((scene.out / "cogs").glob("*/done.json"))]
    day = next(d for d in overcast if sum(d["scl_counts"][4:7]) == 0)
    when = dt.datetime.strptime(day["id"].split("_")[3], "%Y%m%d").date()
    with pytest.raises(NoImageryError, match="no clear look"):
        load_stack(str(scene.catalog), plots[0].geometry, when, when)


# --- inventory --------------------------------------------------------------------------------------------------------


def test_inventory_of_the_plots(plots, stack):
    sites, remine = plots
    mining = sites.assign(last_active=None, source="footprints")
    res = inventory(mining, stack, as_of=END, params=InventoryParams(months=6))
    got = gpd.sjoin(
        res.sites, sites[["site_id", "geometry"]].rename(columns={"site_id": "plot"}), predicate="intersects"
    )
    by = got.drop_duplicates("site_id").set_index("plot")
    assert set(by.index) == {"planted", "remined", "bare"}
    # Mining came back on the re-mined plot in July: active, dated by the imagery; the others idle all year.
    assert by.loc["remined", "status"] == "active" and by.loc["remined", "last_active_source"] == "imagery"
    assert (
        pd.Timestamp(remine.event_date) <= pd.Timestamp(by.loc["remined", "last_active"]) <= pd.Timestamp("2024-10-15")
    )
    assert by.loc["planted", "status"] == by.loc["bare", "status"] == "abandoned"
    assert by.loc["bare", "age_is_lower_bound"]
    # The bare plot was drawn with 10–60 % ponds: found, counted and measured.
    bare = by.loc["bare"]
    assert bare.pond_count >= 1 and 0.05 < bare.water_frac < 0.7 and bare.pond_ha_max > 0.02
    assert set(res.ponds.site_id) <= set(res.sites.site_id)
    assert 0 < bare.dist_forest_m < 150
    assert np.isnan(bare.dist_road_m)  # no roads layer given


def test_inventory_status_and_ponds_on_plain_values():
    assert status(14.0, False, 12) == "abandoned" and status(3.0, False, 12) == "active"
    assert status(11.0, True, 12) == "undetermined" and status(13.0, True, 12) == "abandoned"
    water = np.zeros((12, 12), dtype=bool)
    water[1:3, 1:3] = True  # 4 px
    water[6:9, 6:9] = True  # 9 px
    water[11, 0] = True  # a puddle
    water[4, 4] = water[5, 5] = True  # diagonal pair: not one 4-connected pond, each too small
    lab, sizes = pond_stats(water, 10.0, 3)
    assert sorted(sizes) == [0.04, 0.09] and lab.max() == 2


# --- suitability ----------------------------------------------------------------------------------------------------

UTM = "EPSG:32719"


def _sites(**cols) -> gpd.GeoDataFrame:
    n = len(next(iter(cols.values())))
    geoms = [shapely.box(400000 + 20000 * i, 8570000, 400200 + 20000 * i, 8570200) for i in range(n)]
    base = {
        "site_id": [f"S{i}" for i in range(n)],
        "status": ["abandoned"] * n,
        "months_since_active": [30.0] * n,
        "dist_road_m": [np.nan] * n,
        "dist_community_m": [np.nan] * n,
        "pond_ha_max": [0.0] * n,
    }
    return gpd.GeoDataFrame({**base, **cols}, geometry=geoms, crs=UTM)


def test_ranking_follows_the_yaml_weights(tmp_path):
    sites = _sites(dist_forest_m=[30.0, 400.0], green_frac=[0.5, 0.0], bare_frac=[0.3, 0.9], water_frac=[0.0, 0.05])
    out, notes = assess(sites)
    assert out.best_option.tolist() == ["natural_regeneration", "active_reforestation"]
    assert out.site_rank_natural_regeneration.tolist() == [1, 2]
    assert "near_forest=1.00×4" in out.explain_natural_regeneration.iloc[0]
    assert any("dist_road_m" in n for n in notes)  # missing layers are said, not hidden
    # Put all of natural regeneration's weight on distance from forest: the ranking of sites flips.
    doc = yaml.safe_load(rules_text())
    doc["options"]["natural_regeneration"]["weights"] = {"far_from_forest": 1}
    custom = tmp_path / "rules.yaml"
    custom.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    out2, _ = assess(sites, load_rules(custom))
    assert out2.site_rank_natural_regeneration.tolist() == [2, 1]
    assert out2.score_natural_regeneration.tolist() == [0.0, 1.0]
    # Active mining gets scores but no recommendation.
    out3, _ = assess(sites.assign(status=["active", "abandoned"]))
    assert out3.best_option.iloc[0] == "" and "enforcement" in out3["flags"].iloc[0]


def test_aquaculture_is_flagged_where_mercury_is_high():
    sites = _sites(
        dist_forest_m=[300.0, 300.0],
        green_frac=[0.0, 0.0],
        bare_frac=[0.3, 0.3],
        water_frac=[0.6, 0.6],
        pond_ha_max=[2.0, 2.0],
        dist_community_m=[800.0, 800.0],
        dist_road_m=[400.0, 400.0],
    )
    near = gpd.GeoSeries([sites.geometry.iloc[0].centroid], crs=UTM).to_crs(4326).iloc[0]  # a sediment site beside S0
    results = pd.DataFrame(
        {
            "sample_id": ["H1", "H2"],
            "site_id": ["P1", "P1"],
            "qc_type": ["sample", "sample"],
            "qc_flag": ["ok", "ok"],
            "matrix": ["sediment", "sediment"],
            "analyte": ["THg", "THg"],
            "lat": [near.y] * 2,
            "lon": [near.x + 0.001] * 2,
            "value_canonical": [1.1, 1.3],
            "basis": ["dry", "dry"],
            "moisture": [np.nan, np.nan],
            "censored": [False, False],
        }
    )
    out, _ = assess(sites, mercury_results=results)
    s0, s1 = out.iloc[0], out.iloc[1]
    assert s0.hg_flag_aquaculture and s0.score_aquaculture == 0 and s0.best_option != "aquaculture"
    assert "CCME-PEL" in s0["flags"] and "ruled out" in s0.explain_aquaculture
    assert s0.hg_sediment_mg_kg == pytest.approx(1.2)
    assert not s1.hg_flag_aquaculture and s1.best_option == "aquaculture"  # 20 km away: no sample within 5 km
    # With no pond big enough, aquaculture is ruled out by the 'requires' rule, and says why.
    out2, _ = assess(sites.assign(pond_ha_max=[0.05, 0.05]))
    assert (out2.score_aquaculture == 0).all() and "no pond" in out2.explain_aquaculture.iloc[1]


def test_fish_mercury_is_judged_per_guild_not_averaged():
    """Fish near a site: the piscivores' mean decides (the detritivores beside them would dilute it to below the
    limit if species of different diets were averaged)."""
    sites = _sites(
        dist_forest_m=[300.0],
        green_frac=[0.0],
        bare_frac=[0.3],
        water_frac=[0.6],
        pond_ha_max=[2.0],
        dist_community_m=[800.0],
        dist_road_m=[400.0],
    )
    near = gpd.GeoSeries([sites.geometry.iloc[0].centroid], crs=UTM).to_crs(4326).iloc[0]
    fish = [("Pygocentrus nattereri", 0.9), ("Pygocentrus nattereri", 0.8)] + [("Prochilodus nigricans", 0.03)] * 4
    results = pd.DataFrame(
        {
            "sample_id": [f"F{i}" for i in range(len(fish))],
            "site_id": "P1",
            "qc_type": "sample",
            "qc_flag": "ok",
            "matrix": "fish",
            "species": [name for name, _ in fish],
            "analyte": "THg",
            "lat": near.y,
            "lon": near.x + 0.001,
            "value_canonical": [v for _, v in fish],
            "basis": "wet",
            "moisture": np.nan,
            "censored": False,
        }
    )
    out, _ = assess(sites, mercury_results=results)
    assert out.iloc[0].hg_fish_mg_kg == pytest.approx(0.85), "the piscivores' mean, not all six fish (0.30)"
    assert out.iloc[0].hg_flag_aquaculture and "EU-2023-915-fish" in out.iloc[0]["flags"]


def test_rules_file_errors(tmp_path):
    doc = yaml.safe_load(rules_text())
    doc["options"]["agroforestry"]["weights"]["soil_magic"] = 2
    p = tmp_path / "r.yaml"
    p.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(InputError, match="agroforestry.*soil_magic"):
        load_rules(p)
    doc = yaml.safe_load(rules_text())
    doc["criteria"]["near_forest"]["points"] = [[300, 0.0], [30, 1.0]]
    p.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(InputError, match="near_forest.*increasing"):
        load_rules(p)
    rules = load_rules()
    assert set(rules.options) == {"natural_regeneration", "active_reforestation", "agroforestry", "aquaculture"}
    assert all(s in rules.sources for c in rules.criteria.values() for s in c.sources)


# --- command line -----------------------------------------------------------------------------------------------------


def _run(args, capsys, monkeypatch, lang="en"):
    """`centinela …` with the restore group registered (added here if cli/main.py does not list it yet)."""
    import importlib

    from centinela.cli import restore as cli_restore

    cli_main = importlib.import_module(
        "centinela.cli.main"
    )  # the module (centinela.cli.main is also the function's name)

    original = cli_main.build_app

    def build(lg):
        app = original(lg)
        if not any(g.name == "restore" for g in app.registered_groups):
            cli_restore.register(app, lg)
        return app

    monkeypatch.setattr(cli_main, "build_app", build)
    with pytest.raises(SystemExit) as exc:
        cli_main.main(["--lang", lang, *args])
    out = capsys.readouterr()
    return exc.value.code, out.out + out.err


@pytest.mark.slow
def test_cli_track_inventory_suitability(scene, sites_file, tmp_path, capsys, monkeypatch):
    store = tmp_path / "store.gpkg"
    args = [
        "restore",
        "track",
        "--sites",
        str(sites_file),
        "--catalog",
        str(scene.catalog),
        "--out",
        str(tmp_path / "t"),
        "--store",
        str(store),
    ]
    code, text = _run(args, capsys, monkeypatch)
    assert code == 0, text
    assert (
        "1 re-disturbed" in text and "1 new" in text and (tmp_path / "t" / "trajectories.png").stat().st_size > 10_000
    )
    code, text = _run(args, capsys, monkeypatch, lang="es")
    assert code == 0 and "0 nuevas" in text and "1 sin cambios" in text, text
    assert len(embedded_store(store).alerts()) == 1

    code, text = _run(
        [
            "restore",
            "inventory",
            "--catalog",
            str(scene.catalog),
            "--footprints",
            str(sites_file),
            "--alerts",
            str(tmp_path / "t" / "tracking.gpkg#alerts"),
            "--months",
            "6",
            "--out",
            str(tmp_path / "i"),
        ],
        capsys,
        monkeypatch,
    )
    assert code == 0, text
    assert "3 mining sites" in text and "2 abandoned" in text and "1 active" in text, text
    code, text = _run(
        [
            "restore",
            "suitability",
            "--inventory",
            str(tmp_path / "i" / "inventory.gpkg"),
            "--store",
            str(tmp_path / "none.gpkg"),
            "--out",
            str(tmp_path / "u"),
        ],
        capsys,
        monkeypatch,
    )
    assert code == 0, text
    got = gpd.read_file(tmp_path / "u" / "suitability.gpkg")
    assert len(got) == 3 and (got.status == "active").sum() == 1 and (tmp_path / "u" / "suitability_map.png").exists()
    assert "no mercury results" in text
    code, text = _run(["restore", "rules", "--out", str(tmp_path / "r.yaml")], capsys, monkeypatch)
    assert code == 0 and load_rules(tmp_path / "r.yaml").options


def test_cli_errors_are_one_line(tmp_path, scene, capsys, monkeypatch):
    pts = tmp_path / "p.geojson"
    gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.Point(-70, -12.95)], crs=4326).to_file(pts)
    code, text = _run(
        ["restore", "track", "--sites", str(pts), "--catalog", str(scene.catalog), "--out", str(tmp_path)],
        capsys,
        monkeypatch,
    )
    assert code == 2 and "no polygon" in text and "Traceback" not in text


def _killed_track(plots, stack, target, out, after):
    import os

    from centinela.jobs.restore import track_sites
    from support import kill_after_steps

    kill_after_steps(target, after)
    track_sites(plots[0], "unused", out, store=target, actor="test", stack=stack)
    os._exit(0)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["gpkg", "postgis"])
def test_restore_track_killed_at_any_point_loses_nothing(plots, stack, tmp_path, backend, request):
    """`restore track` killed during its write to the store: no alert or its whole record; the re-run gives the
    uninterrupted result (one re-disturbance alert, complete output files) and the audit log verifies."""
    import multiprocessing as mp
    import signal

    from centinela.jobs.restore import track_sites
    from centinela.store import open_store

    target = str(tmp_path / "s.gpkg") if backend == "gpkg" else request.getfixturevalue("pg_url")
    open_store(target)
    kills = 0
    points = range(1, 40, 2) if backend == "postgis" else (1, 10, 50, 100, 200, 300, 500, 800, 1200, 3000)
    for after in points:
        proc = mp.get_context("fork").Process(target=_killed_track, args=(plots, stack, target, tmp_path / "o", after))
        proc.start()
        proc.join(120)
        st = open_store(target)
        assert st.verify().ok
        if proc.exitcode == -signal.SIGKILL:
            kills += 1
            assert len(st.alerts()) == 0, f"killed after {after} steps"
            assert len(st.restoration_sites()) in (0, 3), f"killed after {after} steps"
        else:
            assert proc.exitcode == 0 and len(st.alerts()) == 1
            break
    assert kills >= 3
    done = track_sites(plots[0], "unused", tmp_path / "o", store=target, actor="test", stack=stack)
    st = open_store(target)
    assert len(st.alerts()) == 1 and st.alerts().alert_id.iloc[0].startswith("CEN-R-remined-")
    assert len(gpd.read_file(done.files["gpkg"], layer="sites")) == 3 and st.verify().ok
    kept = st.restoration_sites().set_index("site_id").status
    assert kept.to_dict() == done.result.sites.set_index("site_id").status.to_dict()
