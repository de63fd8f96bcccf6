"""Real catalogs as users have them: CDSE (STAC 1.1), Planetary Computer, Earth Search v0/v1/c1.

Item documents are small copies of the providers' own (tests/fixtures/stac_sources/SOURCES.md), served
by the loopback STAC API of tests/stac_server.py; no network. Credentials, SAS tokens and refusals are
exercised against that loopback server too.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pystac
import pytest
import shapely

from centinela.cli import main
from centinela.errors import MissingBandError, RasterReadError
from centinela.imagery import REFLECTANCE_BANDS, load_cube, resolve_assets, scale_offset, search_items, sources
from centinela.imagery import credentials as cred
from centinela.imagery.credentials import CredentialsError
from centinela.imagery.cube import load_raw
from stac_server import RangeRequestHandler, serve

FIXTURES = Path(__file__).parent / "fixtures" / "stac_sources"
CDSE = "cdse_sentinel-2-l2a_T33UWP_N0511.json"
PC = "pc_sentinel-2-l2a_T06VVN_N0212.json"
ES_V0 = "es_v0_sentinel-s2-l2a-cogs_T28QCH_N0214.json"
ES_V1 = "es_v1_sentinel-2-l2a_T19LDF_N0510.json"
ES_V1_OLD = "es_v1_sentinel-2-l2a_T19LDF_N0213.json"
ES_C1 = "es_c1_sentinel-2-c1-l2a_T19LDF_N0510.json"
SECRET_KEY = "s3cr3t-Very-Private-Key"
TOKEN = "eyJhbGciOi.token-Very-Private"


def doc(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def item(name: str) -> pystac.Item:
    return pystac.Item.from_dict(doc(name))


def aoi_of(it: pystac.Item) -> shapely.Geometry:
    """A ~2 km box inside the item's footprint."""
    c = shapely.geometry.shape(it.geometry).representative_point()
    return shapely.box(c.x - 0.01, c.y - 0.01, c.x + 0.01, c.y + 0.01)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    """No credentials, no proxies, no user sources file, a fresh SAS token cache."""
    for var in (
        cred.ENV_S3_ACCESS,
        cred.ENV_S3_SECRET,
        cred.ENV_TOKEN,
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_S3_ENDPOINT",
        "PC_SDK_SUBSCRIPTION_KEY",
    ):
        monkeypatch.delenv(var, raising=False)
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv(cred.CONFIG_ENV, str(tmp_path / "no-sources.toml"))
    import planetary_computer.sas

    planetary_computer.sas.TOKEN_CACHE.clear()
    yield
    planetary_computer.sas.TOKEN_CACHE.clear()


# --- a loopback server with a SAS token endpoint and bearer-protected files -------------------------


class SourceHandler(RangeRequestHandler):
    """The test server's files and STAC API, plus ``/sas/{account}/{container}`` (Planetary Computer's
    token API) and, when ``server.bearer`` is set, files that answer 401 without that bearer token."""

    def do_GET(self):
        path = urlsplit(self.path).path
        if path.startswith("/sas/"):
            expiry = self.server.sas_expiries.pop(0) if self.server.sas_expiries else dt.timedelta(hours=1)
            se = (dt.datetime.now(dt.UTC) + expiry).strftime("%Y-%m-%dT%H:%M:%SZ")
            n = self.server.requests["/sas"]
            body = {
                "msft:expiry": se,
                "token": f"st=2024-01-01T00%3A00%3A00Z&se={se}&sp=rl&sv=2021-06-08&sr=c&sig=SIG{n}",
            }
            self.server.record("GET", "/sas", 200)
            self._status = 200
            self._json(HTTPStatus.OK, body, head=False)
            return
        super().do_GET()

    def _file(self, path: str, head: bool) -> None:
        bearer = getattr(self.server, "bearer", None)
        if bearer and path.endswith(".tif"):
            got = self.headers.get("Authorization")
            self.server.auth_seen.append(got)
            if got != f"Bearer {bearer}":
                self._plain(HTTPStatus.UNAUTHORIZED, "token missing or expired\n", head)
                return
        super()._file(path, head)


def _catalog(root: Path, names: list[str]) -> Path:
    """A static catalog of fixture items (one collection per collection id) under ``root``."""
    cat = pystac.Catalog("fixtures", "provider items")
    cols: dict[str, pystac.Collection] = {}
    for name in names:
        it = item(name)
        cid = it.collection_id or "sentinel-2-l2a"
        if cid not in cols:
            ext = pystac.Extent(pystac.SpatialExtent([[-180, -90, 180, 90]]), pystac.TemporalExtent([[None, None]]))
            cols[cid] = pystac.Collection(cid, cid, ext)
            cat.add_child(cols[cid])
        it.set_collection(None)
        it.clear_links()
        cols[cid].add_item(it)
    cat.normalize_hrefs(str(root / "stac"))
    cat.save(pystac.CatalogType.SELF_CONTAINED)
    return root / "stac" / "catalog.json"


@pytest.fixture()
def api(tmp_path):
    """serve(names) → base URL of a loopback STAC API over those fixture items (with a SAS endpoint)."""
    servers = []

    def start(*names, root=None, catalog=None):
        cm = serve(root or tmp_path, catalog or _catalog(tmp_path, list(names)))
        base = cm.__enter__()
        base.server.RequestHandlerClass = SourceHandler
        base.server.sas_expiries = []
        base.server.auth_seen = []
        servers.append(cm)
        return base

    yield start
    for cm in servers:
        cm.__exit__(None, None, None)


@pytest.fixture()
def sas(monkeypatch, api):
    """Planetary Computer's SAS token API on loopback; returns the server (``requests['/sas']`` counts)."""
    import planetary_computer

    base = api(PC)
    monkeypatch.setattr(planetary_computer.settings.Settings.get(), "sas_url", base + "/sas")
    return base


# --- band mapping ---------------------------------------------------------------------------------

EXPECTED = {
    CDSE: {
        "blue": "B02_10m",
        "green": "B03_10m",
        "red": "B04_10m",
        "nir": "B08_10m",
        "swir16": "B11_20m",
        "swir22": "B12_20m",
        "scl": "SCL_20m",
    },
    PC: {"blue": "B02", "green": "B03", "red": "B04", "nir": "B08", "swir16": "B11", "swir22": "B12", "scl": "SCL"},
    ES_V0: {"blue": "B02", "green": "B03", "red": "B04", "nir": "B08", "swir16": "B11", "swir22": "B12", "scl": "SCL"},
    ES_V1: {b: b for b in (*REFLECTANCE_BANDS, "scl")},
    ES_C1: {b: b for b in (*REFLECTANCE_BANDS, "scl")},
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_provider_maps_the_detection_bands(name):
    assert resolve_assets(item(name), [*REFLECTANCE_BANDS, "scl"], name) == EXPECTED[name]


def test_cdse_takes_each_band_at_its_native_resolution_whatever_the_asset_order():
    d = doc(CDSE)
    d["assets"] = dict(reversed(list(d["assets"].items())))  # 60 m copies first
    it = pystac.Item.from_dict(d)
    got = resolve_assets(it, ["B02", "swir16", "scl", "rededge1"])
    assert got == {"blue": "B02_10m", "swir16": "B11_20m", "scl": "SCL_20m", "rededge1": "B05_20m"}
    del it.assets["B11_20m"]  # only a resampled copy left: taken rather than failing
    assert resolve_assets(it, ["swir16"]) == {"swir16": "B11_60m"}


def test_stac_11_common_names_are_found_when_keys_are_unknown():
    """Keys a reader cannot guess still resolve through STAC 1.1 ``bands[].eo:common_name``, native gsd first."""
    d = doc(CDSE)
    d["assets"] = {f"asset{i}": a for i, a in enumerate(reversed(list(d["assets"].values())))}
    it = pystac.Item.from_dict(d)
    got = resolve_assets(it, ["blue", "swir16"])
    assert it.assets[got["blue"]].extra_fields["gsd"] == 10 and "B02_10m" in it.assets[got["blue"]].href
    assert "B11_20m" in it.assets[got["swir16"]].href
    with pytest.raises(MissingBandError, match="eo:common_name 'scl'"):
        resolve_assets(it, ["scl"])  # SCL declares no common name


# --- scale and offset -----------------------------------------------------------------------------


def _with(name, props=None, drop_raster=False) -> pystac.Item:
    d = doc(name)
    d["properties"].update(props or {})
    if drop_raster:
        for a in d["assets"].values():
            for k in ("raster:scale", "raster:offset", "raster:bands"):
                a.pop(k, None)
    return pystac.Item.from_dict(d)


def test_scale_and_offset_per_provider_and_baseline():
    # CDSE declares them on the asset (STAC 1.1 raster:scale/raster:offset)
    assert scale_offset(item(CDSE), "B04_10m") == (0.0001, -0.1)
    # ... and without them its baseline is in processing:version
    assert scale_offset(_with(CDSE, drop_raster=True), "B04_10m") == (0.0001, -0.1)
    assert scale_offset(_with(CDSE, {"processing:version": "03.01"}, True), "B04_10m") == (0.0001, 0.0)
    # per-band raster:offset inside STAC 1.1 bands wins over the asset's
    d = doc(CDSE)
    d["assets"]["B04_10m"]["bands"][0]["raster:offset"] = -0.2
    assert scale_offset(pystac.Item.from_dict(d), "B04_10m") == (0.0001, -0.2)
    # Planetary Computer: no declared scale; the baseline decides
    assert scale_offset(item(PC), "B04") == (0.0001, 0.0)
    assert scale_offset(_with(PC, {"s2:processing_baseline": "05.10"}), "B04") == (0.0001, -0.1)
    # Earth Search v0: the baseline only in sentinel:product_id
    assert scale_offset(item(ES_V0), "B04") == (0.0001, 0.0)
    v0_new = _with(ES_V0, {"sentinel:product_id": "S2A_MSIL2A_20220714T115221_N0400_R123_T28QCH_20220714T191310"})
    assert scale_offset(v0_new, "B04") == (0.0001, -0.1)
    # Earth Search v1: offset removed in the files (flag true), or never there (flag false, baseline < 04.00)
    assert scale_offset(item(ES_V1), "red") == (0.0001, 0.0)
    assert scale_offset(item(ES_V1_OLD), "red") == (0.0001, 0.0)
    assert scale_offset(_with(ES_V1, {"earthsearch:boa_offset_applied": False}), "red") == (0.0001, -0.1)
    # Earth Search c1: the declared offset, applied once
    assert scale_offset(item(ES_C1), "red") == (0.0001, -0.1)


# --- search and cube planning over the loopback API -----------------------------------------------

PLANS = {
    CDSE: ("sentinel-2-l2a", "EPSG:32633", -0.1),
    PC: ("sentinel-2-l2a", "EPSG:32606", 0.0),
    ES_V0: ("sentinel-s2-l2a-cogs", "EPSG:32628", 0.0),
    ES_V1: ("sentinel-2-l2a", "EPSG:32719", 0.0),
    ES_C1: ("sentinel-2-c1-l2a", "EPSG:32719", -0.1),
}


@pytest.mark.parametrize("name", list(PLANS))
def test_search_and_cube_planning_accept_real_items(name, api, sas, monkeypatch):
    monkeypatch.setenv(cred.ENV_S3_ACCESS, "AKIA-test")
    monkeypatch.setenv(cred.ENV_S3_SECRET, SECRET_KEY)
    collection, crs, offset = PLANS[name]
    base = sas if name == PC else api(name)
    it = item(name)
    t = it.datetime.date()
    rc = load_raw(base + "/api/", aoi_of(it), t, t, collection=collection)
    assert [i.id for i in rc.items] == [it.id]
    assert rc.assets == EXPECTED[name]
    assert rc.crs.to_string() == crs
    assert rc.raw.sizes["time"] == 1 and set(rc.raw.data_vars) == {*REFLECTANCE_BANDS, "scl"}
    assert rc.factors["red"] == (0.0001, offset)
    if name == PC:  # found items come back signed, through the SAS endpoint
        href = rc.items[0].assets["B04"].href
        assert "sig=" in href and "se=" in href and href.startswith("https://sentinel2l2a01.blob.core.windows.net/")
        assert sas.requests["/sas"] >= 1


def test_a_collection_url_searches_that_collection(api):
    base = api(ES_V1, ES_C1)
    t = dt.date(2024, 7, 15)
    found = search_items(base + "/api/collections/sentinel-2-c1-l2a", None, t, t)
    assert [i.id for i in found] == ["S2A_T19LDF_20240715T144731_L2A"]
    found = search_items(base + "/api/", None, t, t)  # the default collection
    assert [i.id for i in found] == ["S2A_19LDF_20240715_0_L2A"]


# --- Planetary Computer signing -------------------------------------------------------------------


def test_sas_tokens_are_renewed_before_they_expire(sas):
    bare = item(PC).assets["B04"].href
    sas.server.sas_expiries[:] = [dt.timedelta(minutes=3), dt.timedelta(hours=1)]
    first = sources.sign_href(bare)
    assert "sig=SIG0" in first and sas.requests["/sas"] == 1
    exp = sources.token_expiry(first)
    assert exp is not None and dt.timedelta(minutes=2) < exp - dt.datetime.now(dt.UTC) < dt.timedelta(minutes=4)
    # 3 minutes left is within the refresh margin: a read starting now gets a new token
    second = sources.fresh_href(first)
    assert "sig=SIG1" in second and sas.requests["/sas"] == 2
    assert sources.token_expiry(second) - dt.datetime.now(dt.UTC) > dt.timedelta(minutes=50)
    # a token with an hour left is kept, and other hosts are never signed
    assert sources.fresh_href(second) == second and sas.requests["/sas"] == 2
    other = "https://sentinel-cogs.s3.us-west-2.amazonaws.com/x/B04.tif"
    assert sources.fresh_href(other) == other and sources.sign_href(other) == other


def test_odc_reader_driver_re_signs_at_read_time(sas):
    from odc.loader.types import RasterSource

    sas.server.sas_expiries[:] = [dt.timedelta(minutes=1), dt.timedelta(hours=1)]
    stale = sources.sign_href(item(PC).assets["B04"].href)
    reader = sources.SourceDriver().open(RasterSource(stale), None)
    assert "sig=SIG1" in reader._src.uri and "sig=SIG0" in stale


# --- CDSE credentials -----------------------------------------------------------------------------

S3_HREF = item(CDSE).assets["B04_10m"].href


def test_cdse_credentials_from_environment_or_sources_file(monkeypatch, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    assert cred.gdal_options(S3_HREF) == {}
    conf = tmp_path / "sources.toml"
    conf.write_text(f'[cdse]\ns3_access_key = "AKIA-file"\ns3_secret_key = "{SECRET_KEY}"\ntoken = "{TOKEN}"\n')
    monkeypatch.setenv(cred.CONFIG_ENV, str(conf))
    opts = cred.gdal_options(S3_HREF)
    assert opts == {
        "AWS_ACCESS_KEY_ID": "AKIA-file",
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_S3_ENDPOINT": "eodata.dataspace.copernicus.eu",
        "AWS_VIRTUAL_HOSTING": "FALSE",
        "AWS_HTTPS": "YES",
    }
    https = item(CDSE).assets["B04_10m"].extra_fields["alternate"]["https"]["href"]
    assert cred.gdal_options(https) == {"GDAL_HTTP_AUTH": "BEARER", "GDAL_HTTP_BEARER": TOKEN}
    # the environment wins over the file; no other host ever gets them
    monkeypatch.setenv(cred.ENV_S3_ACCESS, "AKIA-env")
    assert cred.gdal_options(S3_HREF)["AWS_ACCESS_KEY_ID"] == "AKIA-env"
    for other in (item(PC).assets["B04"].href, item(ES_V1).assets["red"].href, "s3://sentinel-cogs/x.tif"):
        assert cred.gdal_options(other) == {}
    c = cred.cdse_credentials()
    assert SECRET_KEY not in repr(c) and TOKEN not in str(c) and "set" in repr(c)
    assert SECRET_KEY not in caplog.text and TOKEN not in caplog.text


def test_token_only_reads_the_https_alternates(monkeypatch):
    monkeypatch.setenv(cred.ENV_TOKEN, TOKEN)
    it = sources.prepare_item(item(CDSE))
    assert it.assets["B04_10m"].href.startswith("https://zipper.dataspace.copernicus.eu/odata/v1/Products(")
    monkeypatch.setenv(cred.ENV_S3_ACCESS, "AKIA")
    monkeypatch.setenv(cred.ENV_S3_SECRET, SECRET_KEY)
    assert sources.prepare_item(item(CDSE)).assets["B04_10m"].href == S3_HREF  # S3 preferred when there are keys


def test_missing_cdse_credentials_say_what_to_set(api):
    base = api(CDSE)
    it = item(CDSE)
    with pytest.raises(CredentialsError) as exc:
        load_raw(base + "/api/", aoi_of(it), it.datetime.date(), it.datetime.date())
    msg = str(exc.value)
    assert "Copernicus Data Space Ecosystem" in msg and "CDSE_S3_ACCESS_KEY" in msg and "CDSE_S3_SECRET_KEY" in msg
    assert "CENTINELA_SOURCES" in msg and "[cdse]" in msg and "s3://eodata/" in msg
    assert "Defina CDSE_S3_ACCESS_KEY" in exc.value.localized("es")


def _run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    return exc.value.code, out.out + out.err


def test_detect_with_missing_credentials_says_exactly_what_to_set(api, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("CENTINELA_LANG", raising=False)
    base = api(CDSE)
    aoi = tmp_path / "aoi.geojson"
    aoi.write_text(
        json.dumps({"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(aoi_of(item(CDSE)))})
    )
    args = [
        "detect",
        "--catalog",
        base + "/api/",
        "--aoi",
        str(aoi),
        "--out",
        str(tmp_path / "a.gpkg"),
        "--start",
        "2025-03-30",
        "--end",
        "2025-03-30",
        "--known-mining",
        "none",
    ]
    code, text = _run(capsys, *args)
    assert code == 2
    assert "CDSE_S3_ACCESS_KEY" in text and "CDSE_S3_SECRET_KEY" in text and "Defina" in text and "[cdse]" in text
    code, text = _run(capsys, "--lang", "en", *args)
    assert code == 2 and "Set CDSE_S3_ACCESS_KEY and CDSE_S3_SECRET_KEY" in text
    assert not (tmp_path / "a.gpkg").exists()


# --- credentials reach GDAL, refusals are not "corrupt files", secrets stay out of logs --------------


@pytest.fixture()
def protected(api, sim_scene, tmp_path, monkeypatch):
    """The simulated scene over loopback HTTP, its files behind a bearer token, the host taken for CDSE's."""
    shutil.copytree(sim_scene.out / "stac", tmp_path / "scene" / "stac")
    shutil.copytree(sim_scene.out / "cogs", tmp_path / "scene" / "cogs")
    base = api(root=tmp_path / "scene", catalog=tmp_path / "scene" / "stac" / "catalog.json")
    base.server.bearer = TOKEN
    monkeypatch.setattr(cred, "CDSE_HTTPS_HOSTS", ("127.0.0.1",))
    return base


def test_bearer_token_reaches_gdal_for_both_read_paths(protected, monkeypatch, caplog, sim_scene):
    from centinela.imagery.dn import load_dn

    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(cred.ENV_TOKEN, TOKEN)
    start = end = None
    cube = load_cube(protected + "/api/", None, start, end, bands=["red"])
    red = cube.red.isel(time=2).values  # odc-stac path
    assert np.isfinite(red).mean() > 0.5
    dn = load_dn(protected + "/api/", None, start, end, bands=["red"], chunks=64)
    out, scl = np.zeros((1, 64, 64), np.uint16), np.zeros((64, 64), np.uint8)
    with dn.reader() as rd:  # direct rasterio path
        rd.read(2, 0, 0, out, scl)
    assert out.any() and scl.any()
    assert f"Bearer {TOKEN}" in protected.server.auth_seen
    assert TOKEN not in caplog.text


def test_refused_token_is_a_credentials_error_not_a_corrupt_file(protected, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(cred.ENV_TOKEN, "expired-" + TOKEN)
    cube = load_cube(protected + "/api/", None, None, None, bands=["red"])
    with pytest.raises(CredentialsError) as exc:
        cube.red.isel(time=0).compute()
    msg = str(exc.value)
    assert "CDSE_TOKEN" in msg and "expired" in msg and "corrupt" not in msg
    assert TOKEN not in msg and TOKEN not in caplog.text
    # without any token the run stops before reading, naming the variable
    monkeypatch.delenv(cred.ENV_TOKEN)
    with pytest.raises(CredentialsError, match="CDSE_TOKEN"):
        load_cube(protected + "/api/", None, None, None, bands=["red"])


def test_read_errors_tell_refusals_from_damage():
    pc_href = item(PC).assets["B04"].href + "?se=2024-01-01T00%3A00%3A00Z&sig=SECRETSIG"
    e = cred.read_error(pc_href, OSError("HTTP response code: 403 - AuthenticationFailed"), "cannot be read")
    assert isinstance(e, CredentialsError) and "Planetary Computer" in str(e) and "SECRETSIG" not in str(e)
    e = cred.read_error(S3_HREF, OSError("HTTP response code: 403 ... AccessDenied"), "cannot be read")
    assert isinstance(e, CredentialsError) and "CDSE_S3_SECRET_KEY" in str(e)
    e = cred.read_error("https://example.org/a.tif", OSError("HTTP response code: 401"), "cannot be read")
    assert isinstance(e, CredentialsError) and "not a corrupt file" in str(e)
    e = cred.read_error("/data/a.tif", OSError("TIFFReadEncodedTile() failed"), "the file is corrupt or truncated")
    assert isinstance(e, RasterReadError) and not isinstance(e, CredentialsError) and "corrupt" in str(e)
