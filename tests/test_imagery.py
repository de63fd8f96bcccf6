"""Reading imagery through STAC: a lazy, scaled, masked cube, and clear errors on bad input."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import dask.array as da
import numpy as np
import pystac
import pytest
import shapely

from centinela.errors import AOIOutsideDataError, CatalogError, InputError, MissingBandError, NoImageryError
from centinela.imagery import canonical, load_cube, read_aoi, resolve_assets, scale_offset, search_items

ALIASES = {"blue": "B02", "green": "B03", "red": "B04", "nir": "B08", "swir16": "B11", "swir22": "B12", "scl": "SCL"}


@pytest.fixture(scope="module")
def cube(catalog):
    return load_cube(catalog)


def test_cube_is_lazy_metric_and_scaled(cube, sim_scene):
    assert cube.attrs["crs"] == "EPSG:32719"
    assert cube.sizes["x"] == cube.sizes["y"] == 128
    assert float(cube.x[1] - cube.x[0]) == 10.0
    assert isinstance(cube.red.data, da.Array) and isinstance(cube.clear.data, da.Array)
    assert cube.red.dtype == np.float32 and cube.clear.dtype == bool and cube.scl.dtype == np.uint8
    assert cube.sizes["time"] == sim_scene.n_dates
    nir = np.nanmedian(cube.nir.where(cube.clear).values)
    assert 0.2 < float(nir) < 0.45


def test_clear_mask_is_scl_vegetation_bare_water_and_valid_pixels(cube):
    sl = cube.isel(time=slice(0, 8)).compute()
    expected = np.isin(sl.scl.values, (4, 5, 6)) & np.isfinite(sl.red.values)
    np.testing.assert_array_equal(sl.clear.values, expected)
    assert np.isnan(sl.red.values[sl.scl.values == 0]).all(), "nodata is NaN, not -0.1"


def test_grid_matches_the_simulated_pixels(cube, sim_scene):
    import rasterio

    item = sorted(pystac.read_file(str(sim_scene.catalog)).get_items(recursive=True), key=lambda i: i.datetime)[3]
    with rasterio.open(item.assets["nir"].get_absolute_href()) as src:
        dn = src.read(1)
        x0 = src.transform.c
    assert float(cube.x[0]) == x0 + 5.0
    got = cube.nir.isel(time=3).values
    want = np.where(dn == 0, np.nan, dn * 1e-4 - 0.1)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_aoi_and_dates_subset(catalog, sim_scene):
    aoi = read_aoi(sim_scene.aoi)
    small = shapely.box(*aoi.centroid.buffer(0.003).bounds)
    ds = load_cube(catalog, small, dt.date(2024, 6, 1), dt.date(2024, 6, 30))
    assert ds.sizes["x"] < 128 and ds.sizes["y"] < 128
    times = ds.time.values.astype("datetime64[D]")
    assert times.min() >= np.datetime64("2024-06-01") and times.max() <= np.datetime64("2024-06-30")


def _renamed_catalog(src_out, dst, mutate):
    shutil.copytree(src_out / "stac", dst / "stac")
    shutil.copytree(src_out / "cogs", dst / "cogs")
    for path in (dst / "stac").rglob("*.json"):
        d = json.loads(path.read_text())
        if d.get("type") == "Feature":
            mutate(d)
            path.write_text(json.dumps(d))
    return dst / "stac" / "catalog.json"


def test_planetary_computer_style_band_names_load_the_same(tmp_path, sim_scene, cube):
    """Assets named B04/B08/SCL with no raster:bands: names resolve and scaling follows the baseline."""

    def mutate(d):
        d["assets"] = {ALIASES[k]: v for k, v in d["assets"].items()}
        for a in d["assets"].values():
            a.pop("raster:bands", None)

    cat = _renamed_catalog(sim_scene.out, tmp_path, mutate)
    other = load_cube(cat, bands=["B04", "nir"]).isel(time=slice(0, 4)).compute()
    assert set(other.data_vars) == {"red", "nir", "scl", "clear"}
    np.testing.assert_allclose(other.red.values, cube.red.isel(time=slice(0, 4)).values, equal_nan=True)
    np.testing.assert_array_equal(other.clear.values, cube.clear.isel(time=slice(0, 4)).values)


def test_earth_search_offset_already_applied_is_not_applied_twice(tmp_path, sim_scene, cube):
    def mutate(d):
        d["properties"]["earthsearch:boa_offset_applied"] = True

    cat = _renamed_catalog(sim_scene.out, tmp_path, mutate)
    other = load_cube(cat, bands=["red"]).red.isel(time=2).values
    np.testing.assert_allclose(other, cube.red.isel(time=2).values + 0.1, rtol=1e-5, equal_nan=True)


def _item(props=None, raster=None, assets=("B04",)):
    it = pystac.Item("x", None, None, dt.datetime(2024, 1, 1), props or {})
    for key in assets:
        extra = {"raster:bands": [raster]} if raster else {}
        it.add_asset(key, pystac.Asset("x.tif", extra_fields=extra))
    return it


def test_scale_offset_rules():
    assert scale_offset(_item(raster={"scale": 0.0001, "offset": -0.1}), "B04") == (0.0001, -0.1)
    assert scale_offset(_item({"s2:processing_baseline": "05.10"}), "B04") == (0.0001, -0.1)
    assert scale_offset(_item({"s2:processing_baseline": "03.01"}), "B04") == (0.0001, 0.0)
    assert scale_offset(_item({"earthsearch:boa_offset_applied": True}, {"scale": 0.0001, "offset": -0.1}), "B04") == (
        0.0001,
        0.0,
    )


def test_band_aliases():
    assert canonical("B04") == "red" and canonical("b8a") == "nir08" and canonical("SCL") == "scl"
    assert resolve_assets(_item(assets=("B04", "B08")), ["red", "B08"]) == {"red": "B04", "nir": "B08"}


def test_missing_band_names_item_band_and_assets(catalog):
    item = search_items(catalog)[0]
    with pytest.raises(MissingBandError) as exc:
        resolve_assets(item, ["rededge1"], "cat.json")
    msg = str(exc.value)
    assert "rededge1" in msg and item.id in msg and "B05" in msg and "swir16" in msg
    with pytest.raises(MissingBandError):
        load_cube(catalog, bands=["red", "coastal"])


def test_aoi_outside_the_data(catalog):
    far = shapely.box(-75.0, -10.0, -74.9, -9.9)
    with pytest.raises(AOIOutsideDataError, match="outside the data"):
        load_cube(catalog, far)


def test_empty_and_reversed_date_ranges(catalog):
    with pytest.raises(NoImageryError, match="no item between 2019-01-01 and 2019-02-01"):
        load_cube(catalog, None, dt.date(2019, 1, 1), dt.date(2019, 2, 1))
    with pytest.raises(InputError, match="empty"):
        load_cube(catalog, None, dt.date(2024, 8, 1), dt.date(2024, 7, 1))


def test_geographic_crs_and_huge_or_empty_aoi_are_refused(catalog):
    with pytest.raises(InputError, match="metric"):
        load_cube(catalog, crs="EPSG:4326")
    with pytest.raises(InputError, match="km²"):
        load_cube(catalog, shapely.box(-80, -15, -65, 0))
    with pytest.raises(InputError, match="empty"):
        load_cube(catalog, shapely.Polygon())


def test_unreadable_catalogs(tmp_path):
    with pytest.raises(CatalogError, match="not found"):
        search_items(tmp_path / "nope" / "catalog.json")
    bad = tmp_path / "catalog.json"
    bad.write_text("{ not json")
    with pytest.raises(CatalogError, match="catalog.json"):
        search_items(bad)


def test_corrupt_raster_names_the_file(tmp_path, sim_scene):
    cat = _renamed_catalog(sim_scene.out, tmp_path, lambda d: None)
    item = sorted(pystac.read_file(str(cat)).get_items(recursive=True), key=lambda i: i.datetime)[0]
    victim = item.assets["red"].get_absolute_href()
    with open(victim, "r+b") as f:
        f.seek(200)
        f.write(b"\0" * 4000)
    with pytest.raises(Exception) as exc:
        load_cube(cat, bands=["red"]).red.isel(time=0).compute()
    assert "red.tif" in str(exc.value) or "red.tif" in repr(exc.value.__cause__)


def test_read_aoi_errors(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_aoi(tmp_path / "missing.geojson")
    empty = tmp_path / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(InputError, match="no features"):
        read_aoi(empty)


def test_stac_api_detection_accepts_release_candidates():
    from centinela.imagery.stac import is_stac_api

    assert is_stac_api({"conformsTo": ["https://api.stacspec.org/v1.0.0/item-search"]})
    assert is_stac_api({"conformsTo": ["https://api.stacspec.org/v1.0.0-rc.2/item-search"]})
    assert not is_stac_api({"conformsTo": ["https://api.stacspec.org/v1.0.0/core"]})
    assert not is_stac_api({"type": "Catalog"})
