"""Imported zones in the store: a layer replaced in one audited transaction on both backends; a kill at any
point of an import leaves the previous zones; a schema-5 file keeps every zone."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sqlite3

import geopandas as gpd
import pyogrio
import pytest
import shapely

from centinela.errors import InputError
from centinela.store import embedded_store, open_store
from centinela.store.schema import MIGRATIONS
from centinela.zones import load_zones
from centinela.zones.layers import prepare_layer
from support import kill_after_steps

BOX_A = shapely.box(-70.00, -13.00, -69.98, -12.98)
BOX_B = shapely.box(-69.98, -13.00, -69.96, -12.98)
HOLED = shapely.MultiPolygon(
    [shapely.box(-69.9, -13.0, -69.8, -12.9).difference(shapely.box(-69.86, -12.96, -69.84, -12.94))]
)

LATEST = max(v for v, _ in MIGRATIONS)  # the schema a store opened by this version has


def _layer(kind, geoms, names, layer):
    frame = gpd.GeoDataFrame({"nombre": names}, geometry=geoms, crs=4326)
    return prepare_layer(frame, layer, kind, "nombre", "SERNANP", "CC-BY 4.0", "abc123", layer, False)


@pytest.fixture(params=["gpkg", "postgis"])
def target(request, tmp_path):
    if request.param == "gpkg":
        return str(tmp_path / "s.gpkg")
    return request.getfixturevalue("pg_url")


def test_a_layer_is_replaced_by_name_and_audited(target):
    st = open_store(target)
    assert st.import_zones(_layer("mining_corridor", [BOX_A], ["C1"], "corridor"), "ranger") == 1
    assert st.import_zones(_layer("mining_corridor", [BOX_A, BOX_B], ["C1", "C2"], "corridor"), "ranger") == 2
    st.import_zones(_layer("buffer_zone", [HOLED], ["ZA"], "za"), "ranger")
    zs = load_zones(st)
    assert len(zs.of_kind("mining_corridor")) == 2 and len(zs.of_kind("buffer_zone")) == 1
    assert len(zs.of_kind("protected_area")) == 3, "bundled layers stay"
    za = zs.find("za")
    assert za.geometry.iloc[0].equals(HOLED) and za.source.iloc[0] == "SERNANP" and za.licence.iloc[0] == "CC-BY 4.0"
    with pytest.raises(InputError, match="no zone named"):
        zs.find("Narnia")
    log = st.audit()
    assert [e["action"] for e in log] == ["zones_import"] * 3
    assert '"zones": [1, 2]' in log[1]["detail"] and "abc123" in log[1]["detail"]
    assert st.verify().ok


def test_the_embedded_table_is_a_layer_gdal_reads(tmp_path):
    st = embedded_store(tmp_path / "s.gpkg")
    st.import_zones(_layer("buffer_zone", [BOX_A, HOLED], ["ZA", "ZB"], "za"), "ranger")
    assert dict(pyogrio.list_layers(st.path))["zones"] == "MultiPolygon"
    g = gpd.read_file(st.path, layer="zones")
    assert len(g) == 2 and g.crs.to_epsg() == 4326 and g.geometry.iloc[1].equals(HOLED)
    assert len(load_zones(st.path).of_kind("buffer_zone")) == 2, "a --zones FILE reads the same layer"


def test_a_schema_5_file_keeps_every_zone(tmp_path):
    path = tmp_path / "old.gpkg"
    embedded_store(path)
    with sqlite3.connect(path) as c:  # back to schema 5: zones were a layer GDAL rewrote whole
        c.execute("DROP TABLE zones")
        c.execute("DELETE FROM gpkg_contents WHERE table_name = 'zones'")
        c.execute("DELETE FROM gpkg_geometry_columns WHERE table_name = 'zones'")
        c.execute("DELETE FROM schema_migrations WHERE version = 6")
    old = _layer("mining_corridor", [BOX_A, BOX_B], ["C1", "C2"], "corridor")
    frame = old.zones.copy()
    for k in ("source", "licence", "file_sha256", "imported_at", "repaired"):
        frame[k] = getattr(old, k)
    frame.to_file(path, layer="zones", driver="GPKG")
    st = embedded_store(path)
    assert st.schema_version() == LATEST
    back = st.zones()
    assert sorted(back.name) == ["C1", "C2"] and set(back.kind) == {"mining_corridor"}
    assert set(back.file_sha256) == {"abc123"} and all(g.geom_type == "MultiPolygon" for g in back.geometry)
    assert back.geometry.iloc[0].equals(shapely.MultiPolygon([BOX_A]))


def _killed_import(target: str, after: int) -> None:
    kill_after_steps(target, after)
    open_store(target).import_zones(_layer("mining_corridor", [BOX_B, HOLED], ["N1", "N2"], "corridor"), "ranger")
    os._exit(0)


@pytest.mark.slow
def test_an_import_killed_at_any_point_keeps_the_previous_zones(target):
    st = open_store(target)
    st.import_zones(_layer("mining_corridor", [BOX_A], ["C1"], "corridor"), "ranger")
    st.import_zones(_layer("buffer_zone", [BOX_B], ["ZA"], "za"), "ranger")
    before = sorted(st.zones().name)
    pg = target.startswith("postgresql")
    kills = 0
    for after in range(1, 60) if pg else (1, 3, 10, 30, 60, 100, 150, 200, 300, 400, 600, 900, 2000):
        proc = mp.get_context("fork").Process(target=_killed_import, args=(target, after))
        proc.start()
        proc.join(60)
        names = sorted(open_store(target).zones().name)
        if proc.exitcode == -signal.SIGKILL:
            kills += 1
            assert names == before, f"killed after {after} steps: the zones are as they were"
        else:
            assert proc.exitcode == 0 and names == ["N1", "N2", "ZA"]
            break
    assert kills >= 5
    st = open_store(target)
    if sorted(st.zones().name) == before:
        st.import_zones(_layer("mining_corridor", [BOX_B, HOLED], ["N1", "N2"], "corridor"), "ranger")
    assert sorted(st.zones().name) == ["N1", "N2", "ZA"] and st.verify().ok
