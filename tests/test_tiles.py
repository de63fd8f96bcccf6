"""XYZ imagery tiles (issue #7): PNGs of one date in true or false colour, read with rio-tiler.

One tiny simulated scene (160 px = 1.6 km, seven dates of July 2024) is made for the module. Tiles are
decoded with rasterio (as titiler's tests do) and checked against the scene's own rasters, read for the
same tile with rio-tiler, so what is asserted is the picture, not just a status.
"""

from __future__ import annotations

import datetime as dt
import time
import warnings
from pathlib import Path

import numpy as np
import pystac
import pytest
import rasterio
import shapely
from rasterio.io import MemoryFile
from rio_tiler.io import Reader

from centinela.errors import InputError, NoImageryError, RasterReadError
from centinela.imagery import CLEAR_SCL
from centinela.imagery import tiles as T
from centinela.imagery.tiles import STYLES, acquisition_dates, clear_cache, render_tile
from centinela.sim import simulate
from stac_server import serve

START, END = dt.date(2024, 7, 1), dt.date(2024, 7, 31)
# rasterio.transform.from_bounds (called by rio-tiler) multiplies Affines with `*`; harmless, upstream.
pytestmark = pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")

Z = 15  # ~4.6 m pixels at 13° S: the 1.6 km scene spans about 350 px, over one to four tiles
Z_WHOLE = 14  # ~2.4 km tiles: one tile holds the scene and land outside it


# --- fixtures and helpers -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    return simulate(tmp_path_factory.mktemp("tiles") / "scene", seed=7, size=160, start=START, end=END, revisit=5)


@pytest.fixture(scope="module")
def items(scene) -> dict[dt.date, pystac.Item]:
    found = list(pystac.read_file(str(scene.catalog)).get_items(recursive=True))
    for it in found:
        it.make_asset_hrefs_absolute()
    return {it.datetime.date(): it for it in found}


@pytest.fixture(scope="module")
def clear_day(items) -> dt.date:
    return min(items, key=lambda d: items[d].properties["eo:cloud_cover"])


@pytest.fixture(scope="module")
def cloudy_day(items) -> dt.date:
    return max(items, key=lambda d: items[d].properties["eo:cloud_cover"])


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty search cache (and leaves none behind for other modules)."""
    clear_cache()
    yield
    clear_cache()


def centre(item: pystac.Item) -> shapely.Point:
    return shapely.box(*item.bbox).centroid


def tile_at(item: pystac.Item, z: int):
    c = centre(item)
    return T.TMS.tile(c.x, c.y, z)


def decode(png: bytes) -> np.ndarray:
    """(4, h, w) uint8 RGBA from PNG bytes."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with MemoryFile(png) as mem, mem.open() as ds:
            assert ds.driver == "PNG"
            return ds.read()


def read_asset_tile(item: pystac.Item, key: str, tile, tilesize: int = 256) -> np.ma.MaskedArray:
    """The asset's DN for the tile, read as the module reads it (nearest, nodata 0)."""
    with Reader(item.assets[key].get_absolute_href(), tms=T.TMS) as src:
        return src.tile(tile.x, tile.y, tile.z, tilesize=tilesize, indexes=1, nodata=0).array[0]


def write_catalog(root: Path, items: list[pystac.Item]) -> Path:
    cat = pystac.Catalog(id="tiles-test", description="items made up by test_tiles")
    cat.add_items(items)
    cat.normalize_hrefs(str(root))
    cat.save(catalog_type=pystac.CatalogType.SELF_CONTAINED)
    return root / "catalog.json"


# --- the picture ----------------------------------------------------------------------------------


@pytest.mark.parametrize("tilesize", [256, 512])
def test_tile_is_an_rgba_png_of_the_requested_size(scene, items, clear_day, tilesize):
    t = tile_at(items[clear_day], Z)
    rgba = decode(render_tile(scene.catalog, clear_day, t.z, t.x, t.y, tilesize=tilesize))
    assert rgba.shape == (4, tilesize, tilesize) and rgba.dtype == np.uint8
    assert rgba[:3].std() > 10, "the picture is blank"


def test_opaque_inside_the_scene_transparent_outside(scene, items, clear_day):
    item = items[clear_day]
    t = tile_at(item, Z_WHOLE)
    alpha = decode(render_tile(scene.catalog, clear_day, t.z, t.x, t.y))[3]
    assert set(np.unique(alpha)) <= {0, 255}
    # Where each tile pixel centre falls, by the item's footprint (lon/lat).
    west, south, east, north = T.TMS.bounds(t)
    n = alpha.shape[0]
    lon = west + (np.arange(n) + 0.5) * (east - west) / n
    lat = north - (np.arange(n) + 0.5) * (north - south) / n  # near enough: the tile is 2 km high
    lon, lat = np.meshgrid(lon, lat)
    inside = shapely.contains_xy(shapely.geometry.shape(item.geometry), lon, lat)
    assert 0.05 < inside.mean() < 0.95, "the test tile should hold the scene and land outside it"
    agree = (alpha == 255) == inside
    assert agree.mean() > 0.98, f"alpha follows the footprint on only {agree.mean():.1%} of pixels"


def test_scale_offset_and_fixed_stretch_are_applied(scene, items, clear_day):
    """The red channel of true colour is DN × 1e-4 − 0.1, stretched 0–0.16 with gamma 1.6."""
    item = items[clear_day]
    t = tile_at(item, Z)
    rgba = decode(render_tile(scene.catalog, clear_day, t.z, t.x, t.y, "true"))
    dn = read_asset_tile(item, "red", t)
    ok = ~np.ma.getmaskarray(dn) & (rgba[3] == 255)
    assert ok.mean() > 0.3
    lo, hi = STYLES["true"].ranges[0]
    refl = dn.data[ok] * 1e-4 - 0.1
    want = 255 * np.clip((refl - lo) / (hi - lo), 0, 1) ** (1 / STYLES["true"].gamma)
    got = rgba[0][ok].astype(float)
    assert np.abs(got - want).max() <= 3, "red differs from the scaled, offset and stretched DN"
    # Without the -0.1 offset the forest would be ~0.1 brighter: red would be far above this.
    assert np.median(got) < np.median(255 * np.clip((refl + 0.1 - lo) / (hi - lo), 0, 1) ** (1 / 1.6)) - 30


def test_true_and_false_colour_differ_and_false_colour_shows_forest_green_water_blue(scene, items, clear_day):
    item = items[clear_day]
    t = tile_at(item, Z)
    true = decode(render_tile(scene.catalog, clear_day, t.z, t.x, t.y, "true"))
    false = decode(render_tile(scene.catalog, clear_day, t.z, t.x, t.y, "false"))
    np.testing.assert_array_equal(true[3], false[3])
    assert np.abs(true[:3].astype(int) - false[:3].astype(int)).mean() > 20
    scl = read_asset_tile(item, "scl", t).filled(0)
    r, g, b = (false[i].astype(int) for i in range(3))
    veg, water = (scl == 4) & (false[3] == 255), (scl == 6) & (false[3] == 255)
    assert veg.sum() > 500 and water.sum() > 100
    assert ((g > r) & (g > b))[veg].mean() > 0.9, "forest should be green in SWIR-NIR-red"
    assert ((b > r) & (b > g))[water].mean() > 0.9, "water should be blue in SWIR-NIR-red"


def test_mask_clouds_makes_non_clear_scl_transparent(scene, items, cloudy_day):
    item = items[cloudy_day]
    t = tile_at(item, Z)
    shown = decode(render_tile(scene.catalog, cloudy_day, t.z, t.x, t.y))[3]
    masked = decode(render_tile(scene.catalog, cloudy_day, t.z, t.x, t.y, mask_clouds=True))[3]
    scl = read_asset_tile(item, "scl", t).filled(0)
    cloudy = (shown == 255) & ~np.isin(scl, CLEAR_SCL)
    assert cloudy.sum() > 100, "the cloudiest date should have cloud in the tile"
    assert (masked[cloudy] == 0).all(), "clouds drawn although mask_clouds=True"
    clear = (shown == 255) & np.isin(scl, CLEAR_SCL)
    assert (masked[clear] == 255).all(), "clear pixels hidden by mask_clouds"


def test_same_day_items_are_mosaicked_least_cloudy_first(scene, items, clear_day, tmp_path):
    """Two items on one day: the least cloudy one wins where it has data, the other fills its holes."""
    a_day, b_day = clear_day, next(d for d in sorted(items) if d != clear_day)
    a, b = items[a_day].clone(), items[b_day].clone()
    # A: the left half of every band set to nodata, in new files.
    for key, asset in a.assets.items():
        with rasterio.open(asset.get_absolute_href()) as src:
            data, profile = src.read(), src.profile
        data[..., : data.shape[-1] // 2] = 0
        profile.update(driver="GTiff")
        path = tmp_path / "half" / f"{key}.tif"
        path.parent.mkdir(exist_ok=True)
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(data)
        asset.href = str(path)
    a.id = "A_half"
    b.id, b.datetime = "B_full", a.datetime
    t = tile_at(items[a_day], Z_WHOLE)

    def tile_of(catalog) -> np.ndarray:
        return decode(render_tile(catalog, a_day, t.z, t.x, t.y, "false"))

    a.properties["eo:cloud_cover"], b.properties["eo:cloud_cover"] = 1.0, 50.0
    only_a = tile_of(write_catalog(tmp_path / "a", [a.clone()]))
    only_b = decode(render_tile(scene.catalog, b_day, t.z, t.x, t.y, "false"))
    both = tile_of(write_catalog(tmp_path / "ab", [b.clone(), a.clone()]))
    from_a = only_a[3] == 255
    from_b = ~from_a & (only_b[3] == 255)
    assert from_a.sum() > 1000 and from_b.sum() > 1000
    np.testing.assert_array_equal(both[:, from_a], only_a[:, from_a])
    np.testing.assert_array_equal(both[:, from_b], only_b[:, from_b])
    assert (both[3][~from_a & ~from_b] == 0).all()

    a.properties["eo:cloud_cover"], b.properties["eo:cloud_cover"] = 50.0, 1.0
    b_first = tile_of(write_catalog(tmp_path / "ba", [a.clone(), b.clone()]))
    np.testing.assert_array_equal(b_first[:, only_b[3] == 255], only_b[:, only_b[3] == 255])


# --- where there is nothing -----------------------------------------------------------------------


def test_a_date_without_imagery_is_no_imagery_error(scene, items):
    t = tile_at(next(iter(items.values())), Z)
    with pytest.raises(NoImageryError, match="2024-07-02"):
        render_tile(scene.catalog, dt.date(2024, 7, 2), t.z, t.x, t.y)


def test_a_tile_away_from_the_scene_is_fully_transparent(scene, clear_day):
    t = T.TMS.tile(-77.03, -12.05, Z)  # Lima: the date has imagery, but not there
    rgba = decode(render_tile(scene.catalog, clear_day, t.z, t.x, t.y))
    assert rgba.shape == (4, 256, 256) and (rgba[3] == 0).all()
    # At z=0 the 1.6 km scene is far smaller than one 78 km pixel: a valid, transparent tile.
    assert decode(render_tile(scene.catalog, clear_day, 0, 0, 0, tilesize=512)).shape == (4, 512, 512)


def test_a_missing_cog_is_a_raster_read_error_naming_it(items, clear_day, tmp_path):
    item = items[clear_day].clone()
    item.assets["red"].href = str(tmp_path / "missing-red.tif")
    t = tile_at(item, Z)
    with pytest.raises(RasterReadError, match="missing-red.tif"):
        render_tile(write_catalog(tmp_path / "cat", [item]), clear_day, t.z, t.x, t.y)


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        ((-1, 0, 0), {}, "z=-1"),
        ((23, 0, 0), {}, "z=23"),
        ((3, 8, 0), {}, "x=8"),
        ((3, 0, -1), {}, "y=-1"),
        ((3, 1.5, 0), {}, "x must be an integer"),
        ((3, 0, 0), {"style": "infrared"}, "unknown style"),
        ((3, 0, 0), {"tilesize": 100}, "tilesize"),
        ((3, 0, 0), {"tilesize": 256.0}, "tilesize"),
    ],
)
def test_bad_tile_requests_are_input_errors(scene, clear_day, args, kwargs, message):
    with pytest.raises(InputError, match=message):
        render_tile(scene.catalog, clear_day, *args, **kwargs)


def test_bad_date_is_an_input_error(scene):
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        render_tile(scene.catalog, "2024-13-01", 3, 0, 0)


# --- speed, cache, remote -------------------------------------------------------------------------


def test_tiles_of_a_date_share_one_search_and_render_fast(scene, items, clear_day, monkeypatch):
    calls = []
    real = T.search_items
    monkeypatch.setattr(T, "search_items", lambda *a, **k: calls.append(a) or real(*a, **k))
    t = tile_at(items[clear_day], Z)
    took = []
    for dx, dy in ((0, 0), (1, 0), (0, 1), (-1, -1)):
        t0 = time.perf_counter()
        render_tile(scene.catalog, clear_day, t.z, t.x + dx, t.y + dy, "false")
        took.append(time.perf_counter() - t0)
    assert len(calls) == 1, "each tile searched the catalog again"
    assert max(took[1:]) < 1.0, f"a tile took {max(took[1:]):.2f} s"
    with pytest.raises(NoImageryError):
        render_tile(scene.catalog, dt.date(2024, 7, 2), t.z, t.x, t.y)
    with pytest.raises(NoImageryError):
        render_tile(scene.catalog, dt.date(2024, 7, 2), t.z, t.x + 1, t.y)
    assert len(calls) == 2, "a date without imagery was searched again for the next tile"


@pytest.fixture
def _no_proxy(monkeypatch):
    """Loopback requests must not go through a proxy the environment may declare (GDAL's curl, urllib)."""
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(var, "127.0.0.1,localhost")


@pytest.mark.usefixtures("_no_proxy")
def test_catalog_and_cogs_over_http_give_the_same_tile(scene, items, clear_day):
    t = tile_at(items[clear_day], Z)
    local = decode(render_tile(scene.catalog, clear_day, t.z, t.x, t.y, "false"))
    rel = Path(scene.catalog).relative_to(scene.out).as_posix()
    with serve(scene.out, api_catalog=scene.catalog) as base:
        static = decode(render_tile(f"{base}/{rel}", clear_day, t.z, t.x, t.y, "false"))
        api = decode(render_tile(base + "/api/", clear_day, t.z, t.x, t.y, "false"))
        assert base.requests["/api/search"] > 0
        assert any(p.endswith(".tif") for p in base.requests), "pixels were not read over HTTP"
    np.testing.assert_array_equal(static, local)
    np.testing.assert_array_equal(api, local)


# --- dates for the picker -------------------------------------------------------------------------


def test_acquisition_dates_lists_the_simulated_dates_with_cloud_cover(scene, items):
    acq = acquisition_dates(scene.catalog, shapely.box(*next(iter(items.values())).bbox).bounds)
    assert [a.date for a in acq] == sorted(items)
    assert len(acq) == scene.n_dates
    for a in acq:
        assert a.item_ids == (items[a.date].id,)
        assert a.cloud_cover == pytest.approx(items[a.date].properties["eo:cloud_cover"])


def test_acquisition_dates_filters_by_dates_and_box(scene, items):
    days = sorted(items)
    acq = acquisition_dates(scene.catalog, None, days[1], days[3].isoformat())
    assert [a.date for a in acq] == days[1:4]
    assert acquisition_dates(scene.catalog, (-77.1, -12.1, -77.0, -12.0)) == []
    assert acquisition_dates(scene.catalog, None, dt.date(2023, 1, 1), dt.date(2023, 12, 31)) == []


@pytest.mark.parametrize("bbox", [(10, 0, 5, 1), (0, 0, 1), (0, -100, 1, 1), ("a", 0, 1, 1)])
def test_acquisition_dates_rejects_a_bad_box(scene, bbox):
    with pytest.raises(InputError, match="bbox"):
        acquisition_dates(scene.catalog, bbox)
