"""Drone orthomosaics (issue #9, part 4): the simulator's drone mode, validation with clear errors, indices,
cover against the simulator's truth, ingestion into the store, two-flight change against truth, web tiles,
the command line and the demo step.

Small simulated sites (80 m at 0.1 m and 0.12 m) are made once for the module; every number checked against
truth comes from the simulator's vectors, drawn on the same pixels, not from the classifier's own output.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from rasterio.enums import ColorInterp
from rasterio.io import MemoryFile
from rasterio.windows import Window

from centinela.drone import cover as C
from centinela.drone import indices as ix
from centinela.drone.compare import compare_flights as compare
from centinela.drone.compare import phase_correlation, robust_shift
from centinela.drone.flights import (
    LAYER,
    flight_record,
    ingest,
    list_flights,
    open_flight,
)
from centinela.drone.ortho import open_ortho
from centinela.drone.tiles import render_ortho_tile
from centinela.errors import InputError, RasterReadError
from centinela.sim import drone as SD
from centinela.store import embedded_store

A_DATE, B_DATE = dt.date(2024, 7, 15), dt.date(2025, 7, 20)
SIZE_M = 80.0
GPS_ERROR = (0.6, -0.4)
pytestmark = [
    pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning"),
    # Writing ungeoreferenced test files, and decoding PNG tiles, is meant to be ungeoreferenced.
    pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning"),
]


# --- fixtures and helpers -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """Two RGB flights a year apart; B at 0.12 m on another grid, its georeference 0.72 m off."""
    return SD.simulate_drone(
        tmp_path_factory.mktemp("drone") / "sim",
        seed=4,
        dates=(A_DATE, B_DATE),
        res=(0.1, 0.12),
        size_m=SIZE_M,
        geo_error_m=GPS_ERROR,
    )


@pytest.fixture(scope="module")
def multi(tmp_path_factory):
    """The same kind of site flown with a multispectral camera (uint16 reflectance, NIR)."""
    return SD.simulate_drone(
        tmp_path_factory.mktemp("drone_ms") / "sim", seed=5, dates=(A_DATE,), size_m=SIZE_M, multispectral=True
    )


@pytest.fixture(scope="module")
def stored(pair, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("store")
    store = embedded_store(tmp / "centinela.gpkg")
    a = ingest(pair.orthos[0], store, out=tmp / "out", sites=pair.sites, lang="en")
    b = ingest(pair.orthos[1], store, out=tmp / "out", sites=pair.sites, lang="en")
    return store, a, b


def read1(path: Path) -> np.ndarray:
    with rasterio.open(path) as src:
        return src.read(1)


def fractions(classes: np.ndarray, valid: np.ndarray) -> dict[int, float]:
    return {c: float((classes[valid] == c).mean()) for c in (1, 2, 3)}


def write_tif(path: Path, data: np.ndarray, **profile) -> Path:
    prof = dict(driver="GTiff", width=data.shape[2], height=data.shape[1], count=data.shape[0], dtype=data.dtype.name)
    prof.update(profile)
    with rasterio.open(path, "w", **prof) as dst:
        dst.write(data)
    return path


def small_rgb(n: int = 64) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(40, 200, size=(3, n, n), dtype=np.uint8)


UTM = Affine(0.1, 0, 391000.0, 0, -0.1, 8568000.0)


# --- the simulator's drone mode -------------------------------------------------------------------


def test_simulated_flight_is_an_odm_like_cog(pair):
    with rasterio.open(pair.orthos[0]) as src:
        assert src.crs.to_epsg() == 32719 and src.count == 4 and src.dtypes[0] == "uint8"
        assert tuple(src.colorinterp) == (ColorInterp.red, ColorInterp.green, ColorInterp.blue, ColorInterp.alpha)
        assert src.res == pytest.approx((0.1, 0.1))
        assert src.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG" and src.overviews(1)
        assert src.tags()["CENTINELA_SIMULATED"] == "true"
        alpha = src.read(4)
    assert 0 < (alpha == 0).mean() < 0.25, "ragged unflown border, like ODM's"
    truth = read1(pair.truths[0])
    assert ((truth == 0) == (alpha == 0)).all(), "truth is nodata exactly where the photo is"
    with rasterio.open(pair.orthos[1]) as src:
        assert src.res == pytest.approx((0.12, 0.12))


def test_truth_codes_are_the_cover_classes():
    assert (SD.NODATA, SD.VEGETATION, SD.BARE, SD.WATER) == (C.NODATA, C.VEGETATION, C.BARE, C.WATER)


def test_truth_is_a_function_of_place_so_windows_join(pair):
    site, f = pair.site, pair.flights[0]
    whole = SD.truth_on_grid(site, f.day, f.transform, Window(0, 0, 300, 200))
    part = SD.truth_on_grid(site, f.day, f.transform, Window(120, 50, 100, 90))
    assert (whole[50:140, 120:220] == part).all()


def test_site_story_changes_between_flights(pair):
    site = pair.site
    assert (
        site.ponds[0].drained_day is not None
        and A_DATE < SD.dt.date.fromordinal(SD.dt.date(1970, 1, 1).toordinal() + site.ponds[0].drained_day) < B_DATE
    )
    assert site.clearing.area > 5 and not site.clearing.intersects(site.mined.buffer(-0.5))


# --- indices and classification on plain values ---------------------------------------------------


def test_indices_on_known_pixels():
    # Pure green, grey, a Souza green-vegetation sRGB-ish pixel and bright sand (R, G, B)
    r, g, b = np.array([0, 100, 73, 226.0]), np.array([200, 100, 120, 201.0]), np.array([0, 100, 61, 176.0])
    assert ix.exg(r, g, b) == pytest.approx([2.0, 0.0, 2 * 120 / 254 - 134 / 254, (402 - 402) / 603], abs=1e-5)
    assert ix.exgr(r, g, b)[1] == pytest.approx(-0.4 / 3, abs=1e-6)  # grey: 3/3 − 2.4/3 − 1/3
    assert ix.exgr(r, g, b)[2] > 0 > ix.exgr(r, g, b)[3], "canopy above zero, sand below (Meyer & Camargo Neto)"
    v = ix.vari(r, g, b)
    assert v[0] == pytest.approx(1.0) and v[2] == pytest.approx((120 - 73) / (120 + 73 - 61), abs=1e-5)
    assert np.isnan(ix.vari([50], [50], [100])[0]), "G + R − B = 0: undefined, not infinite"
    assert ix.ndvi([0.6], [0.05])[0] == pytest.approx(0.55 / 0.65) and ix.ndwi([0.1], [0.03])[0] > 0
    assert np.isnan(ix.exg([0], [0], [0])[0])


def test_local_cv_is_independent_of_illumination():
    rng = np.random.default_rng(1)
    tex = 0.5 * (1 + 0.1 * rng.standard_normal((40, 40)))
    assert np.nanmedian(ix.local_cv(tex, 9)) == pytest.approx(np.nanmedian(ix.local_cv(0.3 * tex, 9)), rel=1e-4)


def test_classify_rules_on_a_synthetic_block():
    rng = np.random.default_rng(2)
    h, w = 60, 90
    red = np.empty((h, w), np.float32)
    green, blue = red.copy(), red.copy()
    # left third: calm brown water; middle: textured sand; right: textured green canopy
    red[:, :30], green[:, :30], blue[:, :30] = 150, 135, 105
    sand = 1 + 0.1 * rng.standard_normal((h, 30))
    red[:, 30:60], green[:, 30:60], blue[:, 30:60] = 220 * sand, 200 * sand, 170 * sand
    leaf = 1 + 0.25 * rng.standard_normal((h, 30))
    red[:, 60:], green[:, 60:], blue[:, 60:] = 70 * leaf, 120 * leaf, 60 * leaf
    red[:, :30] += rng.normal(0, 1, (h, 30))  # sensor noise only
    red[5:8, 75:78] = green[5:8, 75:78] = blue[5:8, 75:78] = 8  # a dark canopy gap
    valid = np.ones((h, w), bool)
    valid[-3:, :] = False
    th = C.Thresholds(majority_m=0.0)
    cls = C.classify({"red": red, "green": green, "blue": blue}, valid, 0.1, th, linear=False, full_scale=255.0)
    core = slice(10, 50)
    assert (cls[core, 2:25] == C.WATER).mean() > 0.99
    assert (cls[core, 38:55] == C.BARE).mean() > 0.95
    assert (cls[core, 68:88] == C.VEGETATION).mean() > 0.9
    assert (cls[5:8, 75:78] == C.SHADOW).all() and (cls[-3:] == C.NODATA).all()


def test_majority_filter_removes_speckle_and_keeps_edges():
    cls = np.full((20, 20), C.BARE, np.uint8)
    cls[:, 10:] = C.VEGETATION
    cls[4, 4] = C.VEGETATION  # a lone pixel
    out = C.majority(cls, np.ones_like(cls, bool), 3)
    assert out[4, 4] == C.BARE and (out[:, 10:] == C.VEGETATION).all() and (out[:, :10] == C.BARE).all()


def test_bundled_thresholds_have_sources_and_bad_ones_are_named(tmp_path):
    th = C.load_thresholds()
    assert th.exgr_min == 0 and th.ndwi_min == 0 and th.window_px(0.1) == 11 and th.majority_px(0.1) == 3
    text = (Path(C.__file__).parent / "cover.yaml").read_text(encoding="utf-8")
    assert "Meyer & Camargo Neto 2008" in text and "McFeeters 1996" in text and "ESTIMATE" in text
    bad = tmp_path / "t.yaml"
    bad.write_text("water_rgb:\n  cv_max: -1\n")
    with pytest.raises(InputError, match=r"water_rgb\.cv_max"):
        C.load_thresholds(bad)
    with pytest.raises(InputError, match="not found"):
        C.load_thresholds(tmp_path / "missing.yaml")


# --- validation: clear errors naming the file and what was expected -------------------------------


@pytest.mark.parametrize(
    "case, exc, words",
    [
        ("missing", InputError, ["file not found", "odm_orthophoto"]),
        ("no_crs", InputError, ["not georeferenced", "EPSG:32719"]),
        ("gcps", InputError, ["ground control points", "gdalwarp"]),
        ("geographic", InputError, ["geographic", "--reproject"]),
        ("web_mercator", InputError, ["Mercator", "1.05", "--reproject"]),
        ("coarse", InputError, ["1.00 m", "0.5 m", "centinela detect"]),
        ("degrees_as_metres", InputError, ["implausibly small"]),
        ("two_bands", InputError, ["2 band(s)", "at least red, green and blue", "--bands"]),
        ("rotated", InputError, ["rotated", "north-up"]),
        ("garbage", RasterReadError, ["cannot be read as a raster"]),
        ("folder", InputError, ["is a folder"]),
    ],
)
def test_bad_orthomosaics_are_refused_clearly(tmp_path, case, exc, words):
    p = tmp_path / f"{case}.tif"
    rgb = small_rgb()
    if case == "no_crs":
        write_tif(p, rgb)
    elif case == "gcps":
        from rasterio.control import GroundControlPoint

        gcps = [
            GroundControlPoint(0, 0, 391000, 8568000),
            GroundControlPoint(0, 64, 391006, 8568000),
            GroundControlPoint(64, 0, 391000, 8567994),
        ]
        write_tif(p, rgb)
        with rasterio.open(p, "r+") as d:  # ground control points, but no geotransform nor dataset CRS
            d.gcps = (gcps, rasterio.crs.CRS.from_epsg(32719))
    elif case == "geographic":
        write_tif(p, rgb, crs="EPSG:4326", transform=Affine(1e-6, 0, -70.0, 0, -1e-6, -12.95))
    elif case == "web_mercator":
        write_tif(p, rgb, crs="EPSG:3857", transform=Affine(0.1, 0, -7792364.0, 0, -0.1, -1454000.0))
    elif case == "coarse":
        write_tif(p, rgb, crs="EPSG:32719", transform=Affine(1.0, 0, 391000, 0, -1.0, 8568000))
    elif case == "degrees_as_metres":
        write_tif(p, rgb, crs="EPSG:32719", transform=Affine(1e-6, 0, 391000, 0, -1e-6, 8568000))
    elif case == "two_bands":
        write_tif(p, rgb[:2], crs="EPSG:32719", transform=UTM)
    elif case == "rotated":
        write_tif(p, rgb, crs="EPSG:32719", transform=Affine(0.1, 0.01, 391000, 0.01, -0.1, 8568000))
    elif case == "garbage":
        p.write_bytes(b"II*\x00" + bytes(range(256)) * 20)
    elif case == "folder":
        p.mkdir()
    with pytest.raises(exc) as info:
        open_ortho(p)
    msg = str(info.value)
    assert str(p) in msg or case == "missing" and p.name in msg
    for w in words:
        assert w in msg, (w, msg)


def test_truncated_ortho_fails_with_the_file_named(pair, tmp_path):
    p = tmp_path / "cut.tif"
    data = pair.orthos[0].read_bytes()
    p.write_bytes(data[: int(len(data) * 0.6)])  # the overviews survive (a COG keeps them first), full tiles do not
    with pytest.raises(RasterReadError, match="corrupt or truncated") as info:
        C.compute_cover(open_ortho(p))
    assert str(p) in str(info.value)


def test_band_names_from_descriptions_position_or_option(tmp_path):
    bgr = small_rgb()
    p = write_tif(tmp_path / "plain.tif", bgr, crs="EPSG:32719", transform=UTM, photometric="MINISBLACK")
    assert dict(open_ortho(p).bands) == {"red": 1, "green": 2, "blue": 3}, "nothing says otherwise: 1-2-3"
    assert dict(open_ortho(p, bands="blue,green,red").bands) == {"blue": 1, "green": 2, "red": 3}
    with pytest.raises(InputError, match="unknown band name 'yellow'"):
        open_ortho(p, bands="red,yellow,blue")
    ms = np.concatenate([bgr, bgr[:1]])
    q = write_tif(tmp_path / "ms.tif", ms.astype(np.uint16), crs="EPSG:32719", transform=UTM)
    with rasterio.open(q, "r+") as d:
        for i, name in enumerate(("Blue-444", "Green-560", "Red-650", "NIR-842"), start=1):
            d.set_band_description(i, name)
    info = open_ortho(q, date="2024-01-02")
    assert dict(info.bands) == {"blue": 1, "green": 2, "red": 3, "nir": 4} and info.multispectral
    assert info.flight_date == dt.date(2024, 1, 2) and info.date_source == "option"


def test_geographic_needs_explicit_reproject_and_then_measures_the_same(pair, tmp_path):
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    src_path = pair.orthos[0]
    geo = tmp_path / "flight_2024-07-15_wgs84.tif"
    with rasterio.open(src_path) as src:
        t, w, h = calculate_default_transform(src.crs, "EPSG:4326", src.width, src.height, *src.bounds)
        prof = src.profile | {"driver": "GTiff", "crs": "EPSG:4326", "transform": t, "width": w, "height": h}
        with rasterio.open(geo, "w", **prof) as dst:
            for i in range(1, 5):
                reproject(rasterio.band(src, i), rasterio.band(dst, i), resampling=Resampling.nearest)
            dst.colorinterp = src.colorinterp
    store = embedded_store(tmp_path / "c.gpkg")
    with pytest.raises(InputError, match="geographic.*--reproject"):
        ingest(geo, store)
    res = ingest(geo, store, reproject=True)
    assert res.record["crs"] == "EPSG:32719" and res.record["reprojected_from"] == "EPSG:4326"
    assert res.record["flight_date"] == "2024-07-15" and res.record["date_source"] == "filename"
    direct = C.compute_cover(open_ortho(src_path)).whole()
    assert res.cover.whole()["vegetation_frac"] == pytest.approx(direct["vegetation_frac"], abs=0.02)


# --- cover against the simulator's truth ----------------------------------------------------------


def test_rgb_cover_matches_truth_within_a_few_percent(pair, tmp_path):
    info = open_ortho(pair.orthos[0])
    res = C.compute_cover(info, out=tmp_path)
    truth = read1(pair.truths[0])
    valid = truth > 0
    got, want = fractions(read1(res.files["classes"]), valid), fractions(truth, valid)
    # Vegetation a little lower: leafless crowns (dry season) read as bare, deep gaps as shadow.
    for c, tol in ((1, 0.04), (2, 0.03), (3, 0.01)):
        assert got[c] == pytest.approx(want[c], abs=tol), (c, got, want)
    assert (read1(res.files["classes"])[valid] == truth[valid]).mean() > 0.93
    whole = res.whole()
    assert whole["covered_ha"] == pytest.approx(valid.sum() * 0.01 / 1e4, rel=1e-6)
    assert sum(whole[f"{c}_frac"] for c in ("vegetation", "bare", "water", "shadow")) == pytest.approx(1.0)
    with rasterio.open(res.files["indices"]) as src:
        assert src.descriptions == ("ExG", "VARI") and src.dtypes[0] == "float32"
    with rasterio.open(res.files["classes"]) as src:
        assert src.colormap(1)[C.WATER][:3] == C.CLASS_COLOURS[C.WATER][:3], "QGIS shows the classes in colour"


def test_multispectral_cover_uses_nir_and_matches_truth(multi):
    info = open_ortho(multi.orthos[0])
    assert info.multispectral and info.dtype == "uint16" and info.band_set == ("red", "green", "blue", "nir")
    res = C.compute_cover(info)
    truth = read1(multi.truths[0])
    want = fractions(truth, truth > 0)
    whole = res.whole()
    assert whole["vegetation_frac"] == pytest.approx(want[1], abs=0.03)
    assert whole["bare_frac"] == pytest.approx(want[2], abs=0.03)
    assert whole["water_frac"] == pytest.approx(want[3], abs=0.01)
    assert whole["shadow_frac"] == 0, "no shadow class on linear data"
    assert whole["ndvi_mean"] > 0.3


def test_cover_per_site_against_truth_and_sites_not_covered(pair):
    import geopandas as gpd

    sites = gpd.read_file(pair.sites)
    far = gpd.GeoDataFrame({"site": ["elsewhere"]}, geometry=[shapely.box(0, 0, 10, 10)], crs=sites.crs)
    res = C.compute_cover(
        open_ortho(pair.orthos[0]),
        sites=gpd.GeoDataFrame(
            {"site": [*sites.site, "elsewhere"]}, geometry=[*sites.geometry, *far.geometry], crs=sites.crs
        ),
    )
    assert res.not_covered == ("elsewhere",)
    row = res.table.set_index("site").loc["replanted_plot"]
    truth = read1(pair.truths[0])
    with rasterio.open(pair.truths[0]) as src:
        from rasterio import features

        inside = features.geometry_mask([pair.site.replant], truth.shape, src.transform, invert=True) & (truth > 0)
    assert row.vegetation_frac == pytest.approx((truth[inside] == 1).mean(), abs=0.04)
    assert row.covered_frac == pytest.approx(1.0, abs=0.02)


def test_window_by_window_memory_and_progress(pair, monkeypatch):
    monkeypatch.setattr(C, "BLOCK", 128)
    info = open_ortho(pair.orthos[0])
    calls = []
    tracemalloc.start()
    small = C.compute_cover(info, progress=lambda d, n: calls.append((d, n)))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    n = int(np.ceil(info.width / 128)) * int(np.ceil(info.height / 128))
    assert calls[-1] == (n, n) and len(calls) == n
    one_band = info.width * info.height * 4
    assert peak < 2 * one_band, f"peak {peak / 1e6:.1f} MB: blocks, not the whole image, are held"
    monkeypatch.setattr(C, "BLOCK", 1024)
    big = C.compute_cover(info)
    assert small.whole()["vegetation_ha"] == pytest.approx(big.whole()["vegetation_ha"], rel=1e-9), (
        "blocks join seamlessly"
    )


# --- ingestion and the store ----------------------------------------------------------------------


def test_ingest_records_the_flight_and_is_idempotent(stored, pair):
    store, a, b = stored
    assert not a.already and a.cog.exists() and a.cog.parent == store.path.parent / "drone"
    with rasterio.open(a.cog) as src:
        assert src.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        with rasterio.open(pair.orthos[0]) as orig:
            assert (
                src.read(1, window=Window(300, 300, 64, 64)) == orig.read(1, window=Window(300, 300, 64, 64))
            ).all(), "lossless copy"
    rec = flight_record(store, a.flight_id)
    assert a.flight_id == f"20240715-{rec['sha256'][:8]}"
    assert rec["crs"] == "EPSG:32719" and rec["res_m"] == pytest.approx(0.1) and rec["bands"] == "red,green,blue"
    assert rec["flight_date"] == "2024-07-15" and bool(rec["simulated"]) and not bool(rec["multispectral"])
    assert {s["site"] for s in json.loads(rec["sites_json"])} == {"replanted_plot", "mined_area", "whole_site"}
    assert rec["geometry"].contains(shapely.Point(*_lonlat_centre(pair)))
    for key in ("png", "csv", "classes", "indices"):
        assert a.files[key].exists() and a.files[key].parent.name == a.flight_id
    again = ingest(pair.orthos[0], store)
    assert again.already and again.flight_id == a.flight_id
    assert list(list_flights(store).flight_id) == [a.flight_id, b.flight_id]


def test_store_stays_a_working_alert_store(stored):
    from centinela.store import embedded_store

    store = stored[0]
    s = embedded_store(store.path)  # the alert store opens (and migrates) a file that holds drone flights
    assert len(s.alerts()) == 0
    import pyogrio

    assert LAYER in {n for n, _ in pyogrio.list_layers(store.path)} and len(list_flights(store)) == 2


def _lonlat_centre(pair):
    from pyproj import Transformer

    x0, y0, x1, y1 = pair.site.bounds
    return Transformer.from_crs(pair.site.crs, 4326, always_xy=True).transform((x0 + x1) / 2, (y0 + y1) / 2)


def test_flight_ids_are_checked(stored):
    store = stored[0]
    with pytest.raises(InputError, match="expected letters"):
        flight_record(store, "../../etc/passwd")
    with pytest.raises(InputError, match="no drone flight 'nodate-00000000'"):
        open_flight("nodate-00000000", store)


# --- two flights ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def change(stored, tmp_path_factory):
    store, a, b = stored
    return compare(
        open_flight(a.flight_id, store),
        open_flight(b.flight_id, store),
        tmp_path_factory.mktemp("change"),
        align=True,
        lang="en",
    )


def test_offset_between_flights_is_found_and_removed(change):
    sh = change.shift
    assert (
        sh.applied
        and sh.east_m == pytest.approx(GPS_ERROR[0], abs=0.06)
        and sh.north_m == pytest.approx(GPS_ERROR[1], abs=0.06)
    )
    assert sh.agreement > 0.6


def test_change_areas_match_truth(change, pair):
    code = read1(change.files["tif"])
    with rasterio.open(change.files["tif"]) as src:
        t, crs = src.transform, src.crs
    assert crs.to_epsg() == 32719 and t.a == pytest.approx(0.1), "A's grid"
    win = Window(0, 0, code.shape[1], code.shape[0])
    ta = SD.truth_on_grid(pair.site, SD.day_number(A_DATE), t, win)
    tb = SD.truth_on_grid(pair.site, SD.day_number(B_DATE), t, win)
    valid = code > 0
    px_ha = 0.01 / 1e4

    def truth_ha(i, j):
        return float(((ta == i) & (tb == j) & valid).sum() * px_ha)

    s = change.summary
    assert s["bare_to_vegetation_ha"] == pytest.approx(truth_ha(2, 1), rel=0.15)
    assert s["ha_by_code"].get("32", 0) == pytest.approx(truth_ha(3, 2), rel=0.25, abs=0.002), "the drained pond"
    assert s["vegetation_to_bare_ha"] == pytest.approx(truth_ha(1, 2), abs=0.01), "the new clearing"
    agree = ((ta * 10 + tb)[valid] == code[valid]).mean()
    assert agree > 0.9
    assert s["overlap_ha"] == pytest.approx(valid.sum() * px_ha)
    table = change.transitions
    assert set(table.columns) == {"from", "to", "code", "pixels", "ha"} and table.ha.sum() == pytest.approx(
        s["overlap_ha"]
    )
    for k in ("png", "csv", "json"):
        assert change.files[k].exists()
    assert json.loads(change.files["json"].read_text())["simulated"] is True


def test_unaligned_flights_get_a_warning(stored, tmp_path):
    store, a, b = stored
    res = compare(open_flight(a.flight_id, store), open_flight(b.flight_id, store), None)
    assert not res.shift.applied and any("--align" in n for n in res.notes)
    assert res.files == {}


def test_phase_correlation_and_robust_shift_on_plain_arrays():
    from scipy import ndimage

    rng = np.random.default_rng(3)
    img = ndimage.gaussian_filter(rng.random((160, 160)), 2)
    moved = ndimage.shift(img, (2.3, -1.6), order=3, mode="wrap")
    si, sj, peak = phase_correlation(img[16:-16, 16:-16], moved[16:-16, 16:-16])
    assert (si, sj) == pytest.approx((2.3, -1.6), abs=0.25) and peak > 0.2
    changed = moved.copy()
    changed[40:90, 40:90] = changed[40:90, 40:90].mean() + 0.2  # something changed in B
    si, sj, keep = robust_shift(img[16:-16, 16:-16], changed[16:-16, 16:-16])
    assert (si, sj) == pytest.approx((2.3, -1.6), abs=0.1) and 0.5 < keep < 0.95


def test_pairs_that_cannot_be_compared(pair, multi, tmp_path):
    a, b = open_ortho(pair.orthos[0]), open_ortho(pair.orthos[1])
    with pytest.raises(InputError, match="bands red,green,blue but .* has red,green,blue,nir"):
        compare(a, open_ortho(multi.orthos[0]), None)
    with pytest.raises(InputError, match="later than .* give the earlier flight first"):
        compare(b, a, None)
    far = tmp_path / "flight_20250801_far.tif"
    with rasterio.open(pair.orthos[1]) as src:
        prof = src.profile | {"driver": "GTiff", "transform": Affine.translation(5000, 0) @ src.transform}
        with rasterio.open(far, "w", **prof) as dst:
            dst.write(src.read())
            dst.colorinterp = src.colorinterp
    with pytest.raises(InputError, match="do not overlap") as info:
        compare(a, open_ortho(far), None)
    assert str(far) in str(info.value) and str(a.path) in str(info.value)


# --- web tiles ------------------------------------------------------------------------------------


def _tile_of(lon: float, lat: float, z: int):
    from rio_tiler.constants import WEB_MERCATOR_TMS

    t = WEB_MERCATOR_TMS.tile(lon, lat, z)
    return t.z, t.x, t.y


def _decode(png: bytes) -> np.ndarray:
    with MemoryFile(png) as m, m.open() as src:
        return src.read()


def test_tiles_of_a_stored_ortho(stored, pair, multi, tmp_path):
    a = stored[1]
    lon, lat = _lonlat_centre(pair)
    z, x, y = _tile_of(lon, lat, 20)
    img = _decode(render_ortho_tile(a.cog, z, x, y))
    assert img.shape == (4, 256, 256) and (img[3] == 255).mean() > 0.9 and img[:3].std() > 5
    z, x, y = _tile_of(lon + 0.01, lat, 20)  # a kilometre away
    assert (_decode(render_ortho_tile(a.cog, z, x, y))[3] == 0).all()
    with pytest.raises(InputError, match="zoom 25"):
        render_ortho_tile(a.cog, 25, 0, 0)
    with pytest.raises(InputError, match="x and y"):
        render_ortho_tile(a.cog, 3, 8, 0)
    ms = ingest(multi.orthos[0], embedded_store(tmp_path / "ms.gpkg"))
    rec = ms.record
    lo = [float(v) for v in rec["display_min"].split(",")]
    hi = [float(v) for v in rec["display_max"].split(",")]
    assert all(h > l_ for l_, h in zip(lo, hi, strict=True)) and max(hi) < 10000
    mlon, mlat = _lonlat_centre(multi)
    z, x, y = _tile_of(mlon, mlat, 19)
    img = _decode(render_ortho_tile(ms.cog, z, x, y, rgb=(1, 2, 3), display_min=lo, display_max=hi))
    assert (img[3] == 255).mean() > 0.5 and 30 < img[:3][:, img[3] == 255].mean() < 220


def test_web_routes_list_and_tile_with_auth_and_sensitive_areas(pair, tmp_path):
    from fastapi.testclient import TestClient

    from centinela.store import embedded_store
    from centinela.web import Settings, create_app
    from centinela.web.auth import current_user_dependency
    from centinela.web.drone import drone_router

    store = embedded_store(tmp_path / "centinela.gpkg")
    for role in ("viewer", "ranger"):
        store.add_user(role, "correct horse battery", role, actor="test")
    fid = ingest(pair.orthos[0], store).flight_id
    app = create_app(Settings(store=str(store.path), work_dir=tmp_path / "web"))
    app.include_router(drone_router(app.state.ctx, current_user_dependency(store)))
    client = TestClient(app)
    assert client.get("/api/drone/flights").status_code == 401
    assert (
        client.post("/api/login", json={"username": "viewer", "password": "correct horse battery"}).status_code == 200
    )
    flights = client.get("/api/drone/flights").json()
    assert [f["flight_id"] for f in flights] == [fid] and flights[0][
        "tiles"
    ] == f"/tiles/drone/{fid}/{{z}}/{{x}}/{{y}}.png"
    assert flights[0]["simulated"] and 0 < flights[0]["cover"]["vegetation"] < 1
    lon, lat = _lonlat_centre(pair)
    z, x, y = _tile_of(lon, lat, 19)
    r = client.get(f"/tiles/drone/{fid}/{z}/{x}/{y}.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert client.get(f"/tiles/drone/nodate-12345678/{z}/{x}/{y}.png").status_code == 404
    assert client.get(f"/tiles/drone/{fid}/25/0/0.png").status_code == 422
    assert client.get(f"/tiles/drone/{fid}/3/9/0.png").status_code == 422
    assert client.get(f"/tiles/drone/bad%20id/{z}/{x}/{y}.png").status_code == 422
    # The site lies in an area marked sensitive: a viewer no longer sees the flight; a ranger does.
    store.mark_sensitive(
        "Comunidad", shapely.box(lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01), "asked", actor="test"
    )
    assert client.get("/api/drone/flights").json() == []
    assert client.get(f"/tiles/drone/{fid}/{z}/{x}/{y}.png").status_code == 404
    ranger = TestClient(app)
    ranger.post("/api/login", json={"username": "ranger", "password": "correct horse battery"})
    assert ranger.get(f"/tiles/drone/{fid}/{z}/{x}/{y}.png").status_code == 200


# --- command line and demo ------------------------------------------------------------------------


@pytest.fixture
def cli(monkeypatch, capsys):
    """``centinela`` with the drone group registered (main.py adds it; this works before and after)."""
    mod = importlib.import_module("centinela.cli.main")
    from centinela.cli import drone

    real = mod.build_app

    def build(lang):
        app = real(lang)
        if not any(g.name == "drone" for g in app.registered_groups):
            drone.register(app, lang)
        return app

    monkeypatch.setattr(mod, "build_app", build)

    def run(*args):
        with pytest.raises(SystemExit) as exc:
            mod.main(["--lang", "en", *map(str, args)])
        out = capsys.readouterr()
        return exc.value.code, out.out + out.err

    return run


def test_cli_simulate_ingest_list_compare(cli, tmp_path):
    code, text = cli("drone", "simulate", "--out", tmp_path / "sim", "--size-m", 50, "--seed", 2)
    assert code == 0 and "SIMULATED" in text
    store = tmp_path / "c.gpkg"
    a, b = (tmp_path / "sim" / f"flight_{d:%Y%m%d}_odm_orthophoto.tif" for d in (A_DATE, B_DATE))
    code, text = cli(
        "drone",
        "ingest",
        a,
        "--store",
        store,
        "--out",
        tmp_path / "out",
        "--sites",
        f"{tmp_path / 'sim' / 'sites.gpkg'}#sites",
    )
    assert code == 0 and "ingested" in text and "replanted_plot: vegetation" in text, text
    code, text = cli("drone", "ingest", b, "--store", store)
    assert code == 0
    code, text = cli("drone", "list", "--store", store)
    assert code == 0 and text.count("[SIM]") == 2
    fid = list_flights(embedded_store(store)).flight_id.iloc[1]
    code, text = cli("drone", "compare", a, fid, "--store", store, "--out", tmp_path / "change")
    assert code == 0 and "vegetation gained" in text and (tmp_path / "change" / "change.png").exists(), text


def test_cli_errors_are_one_line_not_tracebacks(cli, tmp_path):
    p = write_tif(tmp_path / "photo.tif", small_rgb())
    code, text = cli("drone", "ingest", p, "--store", tmp_path / "c.gpkg")
    assert code == 2 and "not georeferenced" in text and str(p) in text and "Traceback" not in text
    code, text = cli("drone", "compare", tmp_path / "nope.tif", p, "--out", tmp_path / "x")
    assert code == 2 and "file not found" in text


def test_demo_step_writes_under_out_drone(tmp_path):
    from centinela.jobs.demo_drone import demo_drone

    res = demo_drone(tmp_path, "es", size_m=50)
    assert len(res.flight_ids) == 2 and all(Path(p).exists() for p in res.files.values())
    assert all(str(p).startswith(str(tmp_path / "drone")) for p in res.files.values())
    assert any("vegetación ganada" in line for line in res.lines) and any("corregido" in line for line in res.lines)
    assert len(list_flights(embedded_store(tmp_path / "centinela.gpkg"))) == 2
