"""Mercury results in the store: added row by row in one audited transaction, on both backends; a kill at
any point of an import loses none of the results already there; a schema-4 file keeps every result."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sqlite3
import subprocess
import sys
import time

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from centinela.errors import InputError
from centinela.mercury.ingest import read_results
from centinela.mercury.qc import check_batches
from centinela.mercury.synthetic import synthetic_results, write_csv
from centinela.store import embedded_store, open_store
from centinela.store.mercury import COLUMNS, KEY, _rows, content_hash
from centinela.store.schema import MIGRATIONS
from support import kill_after_steps

RIVER = shapely.LineString([(-70.0, -12.5), (-69.5, -12.7)])

LATEST = max(v for v, _ in MIGRATIONS)  # the schema a store opened by this version has


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """Two laboratory files of the same campaign: an earlier one already in the store, a new one to add."""
    tmp = tmp_path_factory.mktemp("lab")
    frame, _ = synthetic_results(RIVER, seed=3, n_fish=60, n_donors=40)
    first = frame.iloc[: len(frame) // 2]
    second = frame.iloc[len(frame) // 2 :]
    return read_results(write_csv(first, tmp / "first.csv")), read_results(write_csv(second, tmp / "second.csv"))


@pytest.fixture(scope="module")
def second_csv(lab, tmp_path_factory):
    frame, _ = synthetic_results(RIVER, seed=3, n_fish=60, n_donors=40)
    return write_csv(frame.iloc[len(frame) // 2 :], tmp_path_factory.mktemp("csv") / "second.csv")


@pytest.fixture(params=["gpkg", "postgis"])
def target(request, tmp_path):
    """How to open the store under test: a GeoPackage path or a PostgreSQL URL."""
    if request.param == "gpkg":
        return str(tmp_path / "s.gpkg")
    return request.getfixturevalue("pg_url")


def _keys(frame: pd.DataFrame) -> list[tuple]:
    return sorted(map(tuple, frame[list(KEY)].astype(str).to_numpy()))


def test_results_round_trip_refuse_duplicates_and_are_audited(lab, target):
    first, second = lab
    st = open_store(target)
    assert st.add_results(first, "lab", source="first.csv") == len(first)
    back = st.results()
    assert list(back.columns) == list(COLUMNS) and len(back) == len(first)
    for col in ("sample_id", "value_canonical", "censored", "donor_id", "collected_at", "lod", "source_line"):
        assert back[col].tolist() == first[col].tolist(), col
    assert set(back.qc_flag) == {"unchecked"}
    with pytest.raises(InputError, match="already in"):
        st.add_results(pd.concat([second, first.iloc[:1]]), "lab")
    assert len(st.results()) == len(first), "a refused import adds nothing, not even its new rows"
    with pytest.raises(InputError, match="twice in the file"):
        st.add_results(pd.concat([second, second.iloc[:1]]), "lab")

    _, flagged = check_batches(pd.concat([st.results(), second]))
    with pytest.raises(Exception, match="not in the store"):
        st.set_qc_flags(flagged, "lab")
    _, flagged = check_batches(st.results())
    assert st.set_qc_flags(flagged, "lab") == len(first)
    assert st.set_qc_flags(flagged, "lab") == 0, "nothing changed: nothing written, nothing audited"
    assert set(st.results().qc_flag) <= {"ok", "batch_failed_qc"}

    log = st.audit()
    assert [e["action"] for e in log] == ["mercury_ingest", "mercury_qc"]
    assert f'"sha256": [null, "{content_hash(_rows(first))}"]' in log[0]["detail"]
    assert st.verify().ok


def test_the_embedded_table_is_a_point_layer_gdal_reads(lab, tmp_path):
    first, _ = lab
    st = embedded_store(tmp_path / "s.gpkg")
    st.add_results(first, "lab")
    layers = dict(pyogrio.list_layers(st.path))
    assert layers["mercury_results"] == "Point"
    g = gpd.read_file(st.path, layer="mercury_results")
    assert len(g) == len(first) and g.crs.to_epsg() == 4326
    located = g[g.lon != ""]
    assert located.geometry.x.round(6).tolist() == located.lon.astype(float).round(6).tolist()
    with sqlite3.connect(st.path) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_schema_4_file_keeps_every_result(lab, tmp_path):
    """Up to schema 4 the results were a layer GDAL rewrote whole; opening such a file moves every row into
    the table (in one transaction) and the old layer's index and counters go."""
    first, _ = lab
    path = tmp_path / "old.gpkg"
    embedded_store(path)
    with sqlite3.connect(path) as c:  # back to schema 4, as Centinela up to c7c673a left a store
        c.execute("DROP TABLE mercury_results")
        c.execute("DELETE FROM gpkg_contents WHERE table_name = 'mercury_results'")
        c.execute("DELETE FROM gpkg_geometry_columns WHERE table_name = 'mercury_results'")
        c.execute("DELETE FROM schema_migrations WHERE version IN (5, 11)")  # 11 adds columns to the table
    old = gpd.GeoDataFrame(
        first.assign(qc_flag="ok"),
        geometry=gpd.points_from_xy(pd.to_numeric(first.lon), pd.to_numeric(first.lat)),
        crs=4326,
    )
    old.to_file(path, layer="mercury_results", driver="GPKG")
    assert "rtree_mercury_results_geom" in {
        n for (n,) in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")
    }

    st = embedded_store(path)
    assert st.schema_version() == LATEST
    back = st.results()
    assert _keys(back) == _keys(first) and set(back.qc_flag) == {"ok"}
    assert back.set_index(list(KEY)).value_canonical.sort_index().tolist() == pytest.approx(
        first.set_index(list(KEY)).value_canonical.sort_index().tolist()
    )
    names = {n for (n,) in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    assert "rtree_mercury_results_geom" not in names
    assert len(gpd.read_file(path, layer="mercury_results")) == len(first)


def _killed_import(target: str, frame: pd.DataFrame, after: int) -> None:
    kill_after_steps(target, after)
    open_store(target).add_results(frame, "lab", source="second.csv")
    os._exit(0)


@pytest.mark.slow
def test_an_import_killed_at_any_point_loses_nothing(lab, target):
    first, second = lab
    st = open_store(target)
    st.add_results(first, "lab", source="first.csv")
    before = _keys(st.results())
    ctx = mp.get_context("fork")
    outcomes = []
    pg = target.startswith("postgresql")  # ~80 statements for this import; ~1,700 SQLite steps
    points = range(1, 400, 6) if pg else (1, 3, 10, 30, 60, 100, 200, 400, 700, 1000, 1300, 1600, 2000, 5000)
    for after in points:
        proc = ctx.Process(target=_killed_import, args=(target, second, after))
        proc.start()
        proc.join(60)
        outcomes.append(proc.exitcode)
        now = open_store(target)
        keys = _keys(now.results())
        if proc.exitcode == -signal.SIGKILL:
            assert keys == before, f"killed after {after} steps: the earlier results are exactly as they were"
        else:
            assert proc.exitcode == 0 and keys == sorted(before + _keys(second))
            break
        assert now.verify().ok
    assert outcomes.count(-signal.SIGKILL) >= 8, outcomes
    st = open_store(target)
    if len(st.results()) == len(first):  # every try was killed: the re-run adds the file once
        st.add_results(second, "lab", source="second.csv")
    assert _keys(st.results()) == sorted(_keys(first) + _keys(second))
    assert [e["action"] for e in st.audit()] == ["mercury_ingest", "mercury_ingest"]


@pytest.mark.slow
def test_the_cli_killed_mid_import_keeps_the_lab_results(lab, second_csv, tmp_path):
    """The measurement of issue #15, as a user would meet it: `mercury ingest` killed at random moments."""
    first, second = lab
    path = tmp_path / "s.gpkg"
    embedded_store(path).add_results(first, "lab")
    cmd = [sys.executable, "-m", "centinela.cli", "mercury", "ingest", str(second_csv), "--store", str(path)]
    for delay in (0.4, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.5):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        n = len(embedded_store(path).results())
        assert n in (len(first), len(first) + len(second)), f"killed at {delay} s: {n} results"
        if n > len(first):
            break
    if len(embedded_store(path).results()) == len(first):
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    assert len(embedded_store(path).results()) == len(first) + len(second)
