"""Shared fixtures: small simulated scenes, made once per test session (no network, no real imagery)."""

from __future__ import annotations

import datetime as dt
import os
import socket
from pathlib import Path

import pytest

from centinela import data
from centinela.sim import SimulationResult, simulate
from support import unavailable

SMALL = dict(size=128, start=dt.date(2024, 5, 1), end=dt.date(2024, 8, 31), revisit=5)


@pytest.fixture(scope="session")
def sim_scene(tmp_path_factory) -> SimulationResult:
    """A 128 px random-event scene over four months of the 2024 dry season (seed 11)."""
    return simulate(tmp_path_factory.mktemp("sim") / "scene", seed=11, **SMALL)


@pytest.fixture(scope="session")
def amw_scene(tmp_path_factory) -> SimulationResult:
    """A 256 px scene near La Pampa with mining events from the bundled Amazon Mining Watch layer."""
    return simulate(
        tmp_path_factory.mktemp("amw") / "scene",
        seed=5,
        size=256,
        start=dt.date(2024, 3, 1),
        end=dt.date(2024, 10, 31),
        revisit=10,
        center=(-12.864, -70.092),
        events_from=data.path(data.AMW_MINING),
    )


@pytest.fixture(scope="session")
def catalog(sim_scene) -> Path:
    return sim_scene.catalog


@pytest.fixture(scope="session", autouse=True)
def no_network():
    """Fail loudly if a test tries to reach anything but loopback."""
    real = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1")):
            raise RuntimeError(f"network access attempted in a test: {address}")
        return real(self, address)

    socket.socket.connect = guarded
    yield
    socket.socket.connect = real


@pytest.fixture(scope="session")
def pg_admin_url():
    """The throw-away PostGIS cluster `make test` starts (scripts/pg-test-cluster.sh). In CI it must be there."""
    url = os.environ.get("CENTINELA_TEST_PG")
    if not url:
        unavailable("no PostGIS test cluster: CENTINELA_TEST_PG is not set (`make test` starts one)")
    return url


@pytest.fixture()
def pg_url(pg_admin_url):
    """A fresh database with PostGIS for one test, dropped afterwards."""
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    url = pg_admin_url.rsplit("/", 1)[0] + "/" + name
    yield url
    with psycopg.connect(pg_admin_url, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
