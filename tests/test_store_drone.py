"""Drone flights in the store, on both backends: ingest, list, compare by id; an ingest killed at any point
of its write leaves no flight or one, never a broken store; flights GDAL appended before schema 8 stay."""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
import signal
import sqlite3

import pyogrio
import pytest

from centinela.drone.compare import compare_flights
from centinela.drone.flights import flight_record, ingest, list_flights, open_flight
from centinela.errors import InputError
from centinela.sim.drone import simulate_drone
from centinela.store import embedded_store, open_store
from support import kill_after_steps


@pytest.fixture(scope="module")
def flights(tmp_path_factory):
    return simulate_drone(
        tmp_path_factory.mktemp("sim") / "sim", seed=6, dates=(dt.date(2024, 7, 15), dt.date(2025, 7, 20)), size_m=40
    )


@pytest.fixture(params=["gpkg", "postgis"])
def target(request, tmp_path, monkeypatch):
    monkeypatch.setenv("CENTINELA_WORK", str(tmp_path / "work"))  # a server store's files folder
    if request.param == "gpkg":
        return str(tmp_path / "s.gpkg")
    return request.getfixturevalue("pg_url")


def test_flights_work_on_both_backends(flights, target, tmp_path):
    st = open_store(target)
    a = ingest(flights.orthos[0], st, sites=flights.sites, actor="pilot")
    b = ingest(flights.orthos[1], st, actor="pilot")
    assert a.cog.exists() and a.cog.is_relative_to(st.files_dir() / "drone")
    assert ingest(flights.orthos[0], st).already, "the same file again is recognised"
    g = list_flights(st)
    assert list(g.flight_id) == [a.flight_id, b.flight_id] and g.simulated.all()
    assert g.geometry.iloc[0].geom_type == "MultiPolygon" and g.geometry.iloc[0].area > 0
    rec = flight_record(st, a.flight_id)
    assert rec["sha256"] == a.record["sha256"] and rec["count"] == a.record["count"]
    change = compare_flights(open_flight(a.flight_id, st), open_flight(b.flight_id, st), tmp_path / "change")
    assert change.files["csv"].exists()
    with pytest.raises(InputError, match="already in"):
        st.add_flight(a.record, "pilot")
    log = [e for e in st.audit() if e["action"] == "drone_ingest"]
    assert len(log) == 2 and a.record["sha256"] in log[0]["detail"] and log[0]["actor"] == "pilot"
    assert st.verify().ok


def test_the_embedded_table_is_a_layer_and_old_flights_stay(flights, tmp_path):
    st = embedded_store(tmp_path / "s.gpkg")
    a = ingest(flights.orthos[0], st)
    assert dict(pyogrio.list_layers(st.path))["drone_flights"] == "MultiPolygon"
    old = list_flights(st)
    # Back to schema 7, where ingest appended the row through GDAL: the migration keeps it.
    with sqlite3.connect(st.path) as c:
        c.execute("DROP TABLE drone_flights")
        c.execute("DELETE FROM gpkg_contents WHERE table_name = 'drone_flights'")
        c.execute("DELETE FROM gpkg_geometry_columns WHERE table_name = 'drone_flights'")
        c.execute("DELETE FROM schema_migrations WHERE version = 8")
    pyogrio.write_dataframe(old, st.path, layer="drone_flights", driver="GPKG", append=True, promote_to_multi=True)
    again = embedded_store(st.path)
    back = list_flights(again)
    assert list(back.flight_id) == [a.flight_id] and back.sha256.iloc[0] == a.record["sha256"]
    assert bool(back.simulated.iloc[0]) and back.geometry.iloc[0].equals(old.geometry.iloc[0])
    assert open_flight(a.flight_id, again).path == a.cog


def _killed_ingest(target: str, ortho, after: int) -> None:
    kill_after_steps(target, after)
    ingest(ortho, open_store(target), actor="pilot")
    os._exit(0)


@pytest.mark.slow
def test_an_ingest_killed_at_any_point_leaves_no_flight_or_one(flights, target):
    open_store(target)  # created (and migrated) before the first kill
    pg = target.startswith("postgresql")
    kills = 0
    for after in range(1, 30) if pg else (1, 5, 20, 50, 100, 150, 200, 300, 400, 600, 2000):
        proc = mp.get_context("fork").Process(target=_killed_ingest, args=(target, flights.orthos[0], after))
        proc.start()
        proc.join(120)
        n = len(list_flights(open_store(target)))
        assert open_store(target).verify().ok
        if proc.exitcode == -signal.SIGKILL:
            kills += 1
            assert n == 0, f"killed after {after} steps"
        else:
            assert proc.exitcode == 0 and n == 1
            break
    assert kills >= 3
    res = ingest(flights.orthos[0], open_store(target))
    assert len(list_flights(open_store(target))) == 1 and res.cog.exists()
