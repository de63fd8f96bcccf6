"""What the simulator writes: COGs with the L2A conventions, a STAC catalog, truth, resumable runs."""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import numpy as np
import pystac
import pytest
import rasterio

from centinela import data
from centinela.errors import InputError, SimulationError
from centinela.sim import simulate
from centinela.sim.io import period_range, read_footprints
from centinela.sim.landscape import CAUSES
from centinela.sim.render import CLOUDY_SCL
from conftest import SMALL


def _items(catalog):
    return sorted(pystac.read_file(str(catalog)).get_items(recursive=True), key=lambda i: i.datetime)


def test_cogs_follow_the_l2a_conventions(sim_scene):
    item = _items(sim_scene.catalog)[0]
    for key in ("blue", "green", "red", "nir", "swir16", "swir22", "scl"):
        href = item.assets[key].get_absolute_href()
        with rasterio.open(href) as src:
            assert src.crs.to_epsg() == 32719
            assert src.res == (10.0, 10.0)
            assert src.nodata == 0
            assert src.dtypes[0] == ("uint8" if key == "scl" else "uint16")
            assert src.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"


def test_reflectance_of_forest_is_plausible(sim_scene):
    """DN × 0.0001 − 0.1 gives forest-like values on clear vegetation pixels."""
    for item in _items(sim_scene.catalog):
        if item.properties["eo:cloud_cover"] < 15:
            break
    with rasterio.open(item.assets["scl"].get_absolute_href()) as s:
        scl = s.read(1)
    vals = {}
    for b in ("red", "nir", "swir16"):
        with rasterio.open(item.assets[b].get_absolute_href()) as s:
            vals[b] = s.read(1).astype(float) * 1e-4 - 0.1
    veg = scl == 4
    assert veg.mean() > 0.3
    assert 0.2 < np.median(vals["nir"][veg]) < 0.45
    assert 0.01 < np.median(vals["red"][veg]) < 0.06
    ndvi = (vals["nir"] - vals["red"]) / (vals["nir"] + vals["red"])
    assert np.median(ndvi[veg]) > 0.75


def test_stac_items_declare_what_readers_need(sim_scene):
    items = _items(sim_scene.catalog)
    assert len(items) == sim_scene.n_dates
    it = items[0]
    assert it.properties["proj:code"] == "EPSG:32719"
    assert it.properties["centinela:simulated"] is True
    assert set(it.assets) >= {"blue", "green", "red", "nir", "swir16", "swir22", "scl"}
    rb = it.assets["red"].extra_fields["raster:bands"][0]
    assert rb["scale"] == 0.0001 and rb["offset"] == -0.1 and rb["nodata"] == 0
    assert it.assets["swir16"].extra_fields["raster:bands"][0]["spatial_resolution"] == 20
    assert it.assets["nir"].extra_fields["eo:bands"][0]["common_name"] == "nir"
    assert it.assets["red"].href.startswith("../")  # self-contained: relative hrefs


def test_cloud_cover_matches_the_scl(sim_scene):
    for it in _items(sim_scene.catalog)[:6]:
        with rasterio.open(it.assets["scl"].get_absolute_href()) as s:
            scl = s.read(1)
        valid = scl > 0
        expected = 100 * np.isin(scl[valid], CLOUDY_SCL).mean()
        assert it.properties["eo:cloud_cover"] == pytest.approx(expected, abs=0.05)


def test_partial_swath_is_nodata_in_every_band_and_in_the_footprint(sim_scene):
    items = _items(sim_scene.catalog)
    full_area = max(_area(i) for i in items)
    partial = [i for i in items if _area(i) < 0.95 * full_area]
    assert partial, "some dates come from the edge of a swath"
    it = partial[0]
    with rasterio.open(it.assets["scl"].get_absolute_href()) as s:
        nodata = s.read(1) == 0
    assert 0.05 < nodata.mean() < 0.6
    for b in ("blue", "swir22"):
        with rasterio.open(it.assets[b].get_absolute_href()) as s:
            assert (s.read(1)[nodata] == 0).all()
            assert (s.read(1)[~nodata] > 0).all()


def _area(item):
    import shapely

    return shapely.geometry.shape(item.geometry).area


def test_swir_is_sampled_at_20m(sim_scene):
    """SWIR has little power beyond the 20 m Nyquist frequency; the 10 m bands do."""
    items = _items(sim_scene.catalog)
    full = max(_area(i) for i in items)
    it = min((i for i in items if _area(i) > 0.99 * full), key=lambda i: i.properties["eo:cloud_cover"])

    def fine_power(b):
        with rasterio.open(it.assets[b].get_absolute_href()) as s:
            a = s.read(1).astype(float)
        p = np.abs(np.fft.fft2(a - a.mean())) ** 2
        f = np.fft.fftfreq(a.shape[0])
        fr = np.hypot(*np.meshgrid(f, f))
        return p[fr > 0.35].sum() / p[(fr > 0.05) & (fr < 0.2)].sum()

    assert fine_power("swir16") < 0.6 * fine_power("nir")
    assert fine_power("swir22") < 0.6 * fine_power("red")


def test_truth_layers_and_fields(sim_scene):
    ev = gpd.read_file(sim_scene.truth, layer="events")
    assert ev.crs.to_epsg() == 32719
    assert {"event_id", "event_date", "cause", "area_ha", "group_id", "stage"} <= set(ev.columns)
    assert set(ev.cause) <= set(CAUSES)
    assert ev.event_id.is_unique
    np.testing.assert_allclose(ev.area_ha, ev.geometry.area / 1e4, rtol=1e-3)
    dates = ev.event_date.astype(str)
    assert dates.min() >= "2023-01-01" and dates.max() <= str(SMALL["end"])
    assert "mining" in set(ev.cause)
    scene = gpd.read_file(sim_scene.truth, layer="scene")
    assert bool(scene.simulated.iloc[0])


def test_river_erosion_is_in_the_truth(tmp_path):
    res = simulate(tmp_path / "r", seed=4, size=128, start=dt.date(2023, 6, 1), end=dt.date(2024, 9, 30), revisit=30)
    ev = gpd.read_file(res.truth, layer="events")
    river = ev[ev.cause == "river_change"]
    assert len(river) > 0 and river.area_ha.sum() > 0.05


def test_events_from_amazon_mining_watch(amw_scene):
    ev = gpd.read_file(amw_scene.truth, layer="events")
    mining = ev[ev.cause == "mining"]
    assert len(mining) > 0
    assert set(mining.source) == {"amw_mining_madre_de_dios_2018-2025Q3.geojson"}
    amw = gpd.read_file(data.path(data.AMW_MINING)).to_crs(32719)
    footprint = amw.union_all().buffer(1.0)
    assert mining.geometry.within(footprint).all(), "real shapes at their real places"
    assert len(gpd.read_file(amw_scene.truth, layer="baseline_mining")) >= 1, (
        "mining visible before 2024 is already there"
    )
    # AMW patches overstate mined area 2-4x; the simulator clears only the mined share.
    assert mining.area_ha.sum() < amw.clip(mining.total_bounds).area.sum() / 1e4


def test_amw_period_codes():
    assert period_range(202400) == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert period_range(202502) == (dt.date(2025, 4, 1), dt.date(2025, 6, 30))
    with pytest.raises(ValueError):
        period_range(202507)


def test_events_file_without_dates_is_refused(tmp_path):
    bad = tmp_path / "bad.geojson"
    gpd.GeoDataFrame({"name": ["x"]}, geometry=gpd.points_from_xy([-70.0], [-12.95]).buffer(0.01), crs=4326).to_file(
        bad
    )
    with pytest.raises(InputError, match=r"bad\.geojson.*'period'.*'event_date'.*name"):
        read_footprints(bad, "EPSG:32719", (390000, 8560000, 400000, 8570000))


def test_rerun_resumes_and_refuses_foreign_folders(tmp_path):
    out = tmp_path / "s"
    args = dict(seed=2, size=64, start=dt.date(2024, 7, 1), end=dt.date(2024, 7, 31), revisit=10)
    first = simulate(out, **args)
    items = _items(first.catalog)
    victim = out / "cogs" / items[1].id
    (victim / "done.json").unlink()  # as if killed while writing this date
    (victim / "red.tif").unlink()
    kept = (out / "cogs" / items[0].id / "red.tif").stat().st_mtime_ns
    second = simulate(out, **args)
    assert (out / "cogs" / items[0].id / "red.tif").stat().st_mtime_ns == kept, "finished dates are not redone"
    assert (victim / "red.tif").exists()
    assert len(_items(second.catalog)) == len(items)
    assert json.loads((out / "simulation.json").read_text())["complete"] is True
    with pytest.raises(SimulationError, match="--overwrite"):
        simulate(out, **{**args, "seed": 3})
    simulate(out, **{**args, "seed": 3}, overwrite=True)


def test_parallel_workers_write_the_same_scene(tmp_path):
    args = dict(seed=8, size=64, start=dt.date(2024, 7, 1), end=dt.date(2024, 7, 21), revisit=10)
    one = simulate(tmp_path / "one", workers=1, **args)
    two = simulate(tmp_path / "two", workers=2, **args)
    for a, b in zip(_items(one.catalog), _items(two.catalog), strict=True):
        assert a.id == b.id and a.properties["eo:cloud_cover"] == b.properties["eo:cloud_cover"]
        for key in ("red", "swir22", "scl"):
            with (
                rasterio.open(a.assets[key].get_absolute_href()) as sa,
                rasterio.open(b.assets[key].get_absolute_href()) as sb,
            ):
                np.testing.assert_array_equal(sa.read(1), sb.read(1))


def test_relative_output_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = simulate("rel/scene", seed=1, size=64, start=dt.date(2024, 7, 1), end=dt.date(2024, 7, 11), revisit=10)
    item = _items(res.catalog)[0]
    with rasterio.open(item.assets["red"].get_absolute_href()) as src:
        assert src.width == 64
