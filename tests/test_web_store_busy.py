"""A store locked by another process: the API answers 503 with Retry-After quickly, and names no file."""

from __future__ import annotations

import sqlite3
import time

from fastapi.testclient import TestClient

from centinela.errors import StoreUnavailableError
from centinela.store import embedded_store
from test_web_api import seed


def test_locked_store_is_a_quick_503_without_paths(tmp_path):
    store = embedded_store(tmp_path / "centinela.gpkg")
    app = seed(store, tmp_path)
    token = store.create_token("analyst", "script", actor="test")
    auth = {"Authorization": f"Bearer {token}"}
    client = TestClient(app)
    assert client.get("/api/alerts", headers=auth).status_code == 200

    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another process holds the write lock and is writing: readers wait too
    try:
        t0 = time.monotonic()
        r = client.get("/api/alerts", headers=auth)
        waited = time.monotonic() - t0
        assert r.status_code == 503, r.text
        assert int(r.headers["Retry-After"]) > 0
        assert waited < 10  # the web waits Settings.store_timeout_s (2 s), not the command line's 30 s
        assert str(tmp_path) not in r.text and "gpkg" not in r.text
        assert "try again" in r.json()["detail"]
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert client.get("/api/alerts", headers=auth).status_code == 200


def test_locked_store_is_a_store_unavailable_error_for_the_command_line(tmp_path):
    store = embedded_store(tmp_path / "s.gpkg", timeout_s=0.2)
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        try:
            store.set_status("CEN-X", "under_review", actor="test")
        except StoreUnavailableError as e:
            assert "locked" in str(e) and "try again" in str(e)
        else:
            raise AssertionError("a locked store must raise StoreUnavailableError")
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_postgis_store_locked_by_a_writer_is_a_quick_503(tmp_path, pg_url):
    import psycopg

    from centinela.store import open_store

    store = open_store(pg_url)
    app = seed(store, tmp_path)
    token = store.create_token("analyst", "script", actor="test")
    auth = {"Authorization": f"Bearer {token}"}
    client = TestClient(app)
    with psycopg.connect(pg_url) as other:  # a transaction, as a long write by another process would hold
        other.execute("LOCK TABLE audit_log IN ACCESS EXCLUSIVE MODE")
        t0 = time.monotonic()
        r = client.post("/api/alerts/CEN-A/status", json={"status": "under_review"}, headers=auth)
        assert r.status_code == 503, r.text
        assert time.monotonic() - t0 < 10 and int(r.headers["Retry-After"]) > 0
        assert "127.0.0.1" not in r.text and "postgres" not in r.text
    r = client.post("/api/alerts/CEN-A/status", json={"status": "under_review"}, headers=auth)
    assert r.status_code == 200, r.text
