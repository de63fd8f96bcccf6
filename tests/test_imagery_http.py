"""Imagery over HTTP: a static catalog served by URL and a STAC API, both on a loopback test server.

Remote users give ``load_cube`` a catalog URL or an API root; pixels are then read by GDAL through
``/vsicurl`` with HTTP range requests. These tests take that path end to end and check that the cube
is the same as the one read from local files.
"""

from __future__ import annotations

import datetime as dt
import math
import urllib.error
import urllib.request

import numpy as np
import pytest
from shapely import affinity

from centinela.errors import AOIOutsideDataError, NoImageryError
from centinela.imagery import load_cube, read_aoi, search_items
from stac_server import serve

BANDS = ("red", "nir", "swir16")
START, END = dt.date(2024, 6, 1), dt.date(2024, 7, 15)
AOI_SHRINK_DEG = -0.002  # ~220 m in from each side of the 1.28 km scene


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """Loopback requests must not go through a proxy that the environment may declare (requests, curl)."""
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(var, "127.0.0.1,localhost")


@pytest.fixture(scope="module")
def server(sim_scene):
    """One server for the module: files of the simulated scene plus a STAC API over its catalog."""
    with serve(sim_scene.out, api_catalog=sim_scene.catalog) as base:
        yield base


@pytest.fixture(scope="module")
def aoi(sim_scene):
    return read_aoi(sim_scene.aoi).buffer(AOI_SHRINK_DEG)


@pytest.fixture(scope="module")
def local_cube(sim_scene):
    return load_cube(sim_scene.catalog, bands=BANDS)


@pytest.fixture(scope="module")
def local_subset(sim_scene, aoi):
    return load_cube(sim_scene.catalog, aoi=aoi, start=START, end=END, bands=BANDS)


def assert_same_cube(got, want, n_time: int | None = 3):
    """Same grid, times and items; same values (NaN where NaN) and clear mask on the first ``n_time`` dates."""
    np.testing.assert_array_equal(got.time.values, want.time.values)
    np.testing.assert_array_equal(got.x.values, want.x.values)
    np.testing.assert_array_equal(got.y.values, want.y.values)
    assert got.attrs["crs"] == want.attrs["crs"]
    assert got.attrs["items"] == want.attrs["items"]
    assert set(got.data_vars) == set(want.data_vars) == {*BANDS, "scl", "clear"}
    sel = dict(time=slice(0, n_time))
    got_v, want_v = got.isel(sel).compute(), want.isel(sel).compute()
    for band in BANDS:
        assert got_v[band].dtype == np.float32
        np.testing.assert_array_equal(got_v[band].values, want_v[band].values, err_msg=band)
    np.testing.assert_array_equal(got_v["scl"].values, want_v["scl"].values)
    np.testing.assert_array_equal(got_v["clear"].values, want_v["clear"].values)
    assert np.isfinite(got_v[BANDS[0]].values).any(), "nothing was read"


# --- the server itself --------------------------------------------------------------------------------


def test_range_requests(server, sim_scene):
    cog = next((sim_scene.out / "cogs").glob("*/red.tif"))
    rel = cog.relative_to(sim_scene.out).as_posix()
    data = cog.read_bytes()
    size = len(data)
    url = f"{server}/{rel}"

    def get(range_header=None, method="GET"):
        headers = {"Range": range_header} if range_header else {}
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers, method=method), timeout=10) as r:
            return r.status, r.headers, r.read()

    status, headers, body = get("bytes=0-15")
    assert status == 206
    assert headers["Content-Range"] == f"bytes 0-15/{size}"
    assert headers["Accept-Ranges"] == "bytes"
    assert body == data[:16] and body[:4] in (b"II*\x00", b"MM\x00*")  # a TIFF header
    status, headers, body = get(f"bytes={size - 100}-")
    assert (status, body) == (206, data[-100:])
    assert headers["Content-Range"] == f"bytes {size - 100}-{size - 1}/{size}"
    status, _, body = get("bytes=-7")
    assert (status, body) == (206, data[-7:])
    status, headers, body = get(f"bytes=10-{size + 1000}")  # clipped to the end of the file
    assert (status, body, headers["Content-Range"]) == (206, data[10:], f"bytes 10-{size - 1}/{size}")
    status, headers, body = get()
    assert (status, body, headers["Accept-Ranges"]) == (200, data, "bytes")
    status, headers, body = get(method="HEAD")
    assert (status, body, int(headers["Content-Length"])) == (200, b"", size)

    with pytest.raises(urllib.error.HTTPError) as err:
        get(f"bytes={size}-")
    assert err.value.code == 416
    assert err.value.headers["Content-Range"] == f"bytes */{size}"
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{server}/cogs/no-such.tif", timeout=10)
    assert err.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as err:  # nothing outside the served folder
        urllib.request.urlopen(f"{server}/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/hostname", timeout=10)
    assert err.value.code == 404
    assert server.requests[f"/{rel}"] >= 7


# --- a static catalog by URL ------------------------------------------------------------------------


def test_static_catalog_over_http_equals_local(server, local_cube):
    before = sum(n for p, n in server.requests.items() if p.endswith(".tif"))
    remote = load_cube(f"{server}/stac/catalog.json", bands=BANDS)
    assert remote.attrs["source"].startswith("http://127.0.0.1:")
    assert_same_cube(remote, local_cube)
    assert server.requests["/stac/catalog.json"] >= 1
    assert not any(p.startswith("/api") for p in server.requests), "the static catalog must not use the API"
    cog_log = [(m, p, s) for m, p, s in server.log if p.endswith(".tif")]
    assert len(cog_log) > before, "pixels were not read over HTTP"
    assert any(s == 206 for _, _, s in cog_log[before:]), "GDAL did not read the COGs by ranges"


# --- a STAC API ---------------------------------------------------------------------------------------


def test_api_load_with_aoi_and_dates_equals_local(server, aoi, local_subset):
    searches = server.requests["/api/search"]
    remote = load_cube(server + "/api/", aoi=aoi, start=START, end=END, bands=BANDS)
    assert server.requests["/api/search"] > searches, "the STAC API search endpoint was not used"
    times = remote.time.values
    assert len(times) > 0
    assert times.min() >= np.datetime64(START) and times.max() < np.datetime64(END + dt.timedelta(days=1))
    assert all(
        item.split("_")[3] >= f"{START:%Y%m%d}" and item.split("_")[3] <= f"{END:%Y%m%d}"
        for item in remote.attrs["items"]
    )
    assert_same_cube(remote, local_subset, n_time=None)
    # the AOI was applied: a smaller grid than the full scene
    assert remote.sizes["x"] < 128 and remote.sizes["y"] < 128


def test_api_search_pages_through_all_items(sim_scene):
    local = search_items(sim_scene.catalog)
    with serve(sim_scene.out, api_catalog=sim_scene.catalog, default_limit=4) as base:
        found = search_items(base + "/api/")
        pages = base.requests["/api/search"]
        in_range = search_items(base + "/api/", start=START, end=END)
    ids = [it.id for it in found]
    assert len(ids) == len(set(ids)) == len(local) == sim_scene.n_dates
    assert ids == [it.id for it in local]
    assert pages >= math.ceil(len(ids) / 4), "no paging happened"
    assert all(it.assets["red"].href.startswith(base + "/cogs/") for it in found)
    want = [it.id for it in search_items(sim_scene.catalog, start=START, end=END)]
    assert [it.id for it in in_range] == want and len(want) > 4


def test_api_get_search_with_client_limit(server, sim_scene, aoi):
    """The GET form, with bbox and a client-side limit, pages with tokens in the next links."""
    from pystac_client import Client

    client = Client.open(server + "/api/")
    search = client.search(
        method="GET",
        collections=["sentinel-2-l2a"],
        bbox=list(aoi.bounds),
        datetime=f"{START}/{END}",
        limit=3,
    )
    pages = list(search.pages_as_dicts())
    ids = [f["id"] for page in pages for f in page["features"]]
    want = [it.id for it in search_items(sim_scene.catalog, aoi, START, END)]
    assert len(pages) == math.ceil(len(want) / 3) > 1
    assert sorted(ids) == sorted(want) and len(set(ids)) == len(ids)
    open_end = client.search(method="GET", collections=["sentinel-2-l2a"], datetime=f"{START}/..", limit=50)
    assert {it.id for it in open_end.items()} == {it.id for it in search_items(sim_scene.catalog, start=START)}
    assert client.get_collection("sentinel-2-l2a").id == "sentinel-2-l2a"


def test_api_aoi_outside_data(server, aoi):
    far = affinity.translate(aoi, xoff=1.0)
    searches = server.requests["/api/search"]
    with pytest.raises(AOIOutsideDataError):
        search_items(server + "/api/", far, START, END)
    with pytest.raises(AOIOutsideDataError):
        load_cube(server + "/api/", aoi=far, start=START, end=END, bands=BANDS)
    assert server.requests["/api/search"] > searches


def test_api_dates_without_items(server, aoi):
    with pytest.raises(NoImageryError) as err:
        search_items(server + "/api/", aoi, dt.date(2023, 1, 1), dt.date(2023, 1, 31))
    assert not isinstance(err.value, AOIOutsideDataError)
    with pytest.raises(NoImageryError) as err:
        load_cube(server + "/api/", start=dt.date(2024, 9, 1), end=dt.date(2024, 9, 30), bands=BANDS)
    assert not isinstance(err.value, AOIOutsideDataError)
