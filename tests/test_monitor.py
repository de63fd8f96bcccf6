"""Monitoring runs: resumable and idempotent, even when killed with SIGKILL part-way."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from centinela.imagery import read_aoi
from centinela.jobs.monitor import area_folder, monitor
from centinela.sim import simulate
from centinela.store import embedded_store

SPAN = dict(start=dt.date(2024, 3, 1), end=dt.date(2024, 10, 31), revisit=5)


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    from test_detect_run import _mining_seed

    return simulate(tmp_path_factory.mktemp("mon") / "s", seed=_mining_seed(192), size=192, **SPAN)


def _new_store(path, scene):
    from centinela.store import open_store

    st = open_store(path) if isinstance(path, str) and "://" in path else embedded_store(path)
    st.add_area("Zona piloto", read_aoi(scene.aoi), str(scene.catalog), dt.date(2024, 5, 15), "test")
    return st


def _snapshot(st):
    a = st.alerts()
    return sorted(zip(a.alert_id, a.first_seen, a.cause, a.area_ha.round(2), strict=True))


@pytest.mark.parametrize("backend", ["gpkg", "postgis"])
def test_monitor_merges_and_a_second_run_changes_nothing(scene, tmp_path, backend, request, monkeypatch):
    monkeypatch.setenv("CENTINELA_WORK", str(tmp_path / "work"))  # detection state beside a server store
    st = _new_store(tmp_path / "s.gpkg" if backend == "gpkg" else request.getfixturevalue("pg_url"), scene)
    first = monitor(st, "Zona piloto", history_days=75, actor="test", block=96)
    assert first.dates_processed > 0 and first.ingest.created == first.alerts > 0
    second = monitor(st, "Zona piloto", history_days=75, actor="test", block=96)
    assert second.dates_processed == 0 and second.ingest.created == 0 and second.ingest.updated == 0
    assert st.area("Zona piloto")["last_run"] is not None and st.verify().ok


def test_a_later_run_reports_growth_as_new_alerts_linked_to_their_front(scene, tmp_path, monkeypatch):
    """Monitoring in steps: ground cleared after a run, beside an alert it reported, arrives as new alerts
    naming their parent; the alerts already reported keep their outline instead of swallowing the news."""
    monkeypatch.setenv("CENTINELA_WORK", str(tmp_path / "work"))
    st = _new_store(tmp_path / "s.gpkg", scene)
    monitor(st, "Zona piloto", until=dt.date(2024, 7, 15), history_days=75, actor="test", block=96)
    before = st.alerts().set_index("alert_id")
    later = monitor(st, "Zona piloto", history_days=75, actor="test", block=96)
    after = st.alerts().set_index("alert_id")
    grown = after[after.parent_id.notna()]
    assert later.ingest.created >= len(grown) > 0, "the scene's mining fronts expand after mid-July"
    assert later.growth == len(grown)
    assert set(grown.parent_id) <= set(after.index) and (grown.front_id != grown.index).all()
    assert (after.loc[before.index].area_ha <= before.area_ha + 0.3 + 1e-6).all(), "old alerts grew by < the MMU"
    again = monitor(st, "Zona piloto", history_days=75, actor="test", block=96)
    assert (again.ingest.created, again.ingest.updated) == (0, 0), "each alert keeps its own ground on re-runs"
    assert st.verify().ok


def test_an_area_whose_state_an_older_version_made_is_rebuilt_without_duplicates(scene, tmp_path, monkeypatch, caplog):
    """After an upgrade that changed the method's parameters, monitor rebuilds the area's detection state from
    the imagery instead of refusing the area; the alerts keep their ids, so nothing is duplicated."""
    import json
    import logging

    monkeypatch.setenv("CENTINELA_WORK", str(tmp_path / "work"))
    st = _new_store(tmp_path / "s.gpkg", scene)
    first = monitor(st, "Zona piloto", history_days=75, actor="test", block=96)
    manifest = next((tmp_path / "s.gpkg").parent.rglob("state/manifest.json"))
    old = json.loads(manifest.read_text())
    del old["grid"]["params"]["scrub_ndvi"]  # as a version before mining on scrub was detected wrote it
    manifest.write_text(json.dumps(old))
    with caplog.at_level(logging.WARNING):
        again = monitor(st, "Zona piloto", history_days=75, actor="test", block=96)
    assert "rebuilding the detection state" in caplog.text and "params.scrub_ndvi: none → 0.5" in caplog.text
    assert again.dates_processed == first.dates_processed and again.ingest.created == 0
    assert len(st.alerts()) == first.alerts and not (manifest.parent.with_name("state.replaced")).exists()
    assert "scrub_ndvi" in json.loads(manifest.read_text())["grid"]["params"] and st.verify().ok


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["gpkg", "postgis"])
def test_killed_monitor_resumes_without_losing_or_duplicating(scene, tmp_path, backend, request, monkeypatch):
    monkeypatch.setenv("CENTINELA_WORK", str(tmp_path / "work"))  # a server store's detection state
    ref = _new_store(tmp_path / "ref.gpkg", scene)
    monitor(ref, "Zona piloto", history_days=75, actor="test", block=64)
    expected = _snapshot(ref)
    assert expected

    st = _new_store(tmp_path / "k.gpkg" if backend == "gpkg" else request.getfixturevalue("pg_url"), scene)
    state = area_folder(st, "Zona piloto") / "state"
    cmd = [
        sys.executable,
        "-m",
        "centinela.cli",
        "--lang",
        "en",
        "monitor",
        "--area",
        "Zona piloto",
        "--history-days",
        "75",
        "--block",
        "64",
        "--store",
        str(st.path) if backend == "gpkg" else st.url,
        "--actor",
        "test",
    ]
    killed = 0
    for kill_after_blocks in (2, 6):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None:
            if state.exists() and len(list(state.glob("block_*.state"))) >= kill_after_blocks:
                break
            time.sleep(0.05)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        killed += proc.wait(30) == -signal.SIGKILL
    assert killed >= 1, "the run was really interrupted"
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert _snapshot(st) == expected, "same alerts as an uninterrupted run"
    assert len(st.alerts()) == len(set(st.alerts().alert_id))
    assert st.verify().ok
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "0 new dates read" in again.stdout and "(0 new, of which 0 growth" in again.stdout
    assert "0 updated in the store; 0 now judged mining" in again.stdout


@pytest.mark.slow
def test_evidence_package_is_complete_and_byte_identical(scene, tmp_path, capsys):
    import hashlib
    import json as _json

    from centinela.cli import main

    st = _new_store(tmp_path / "e.gpkg", scene)
    monitor(st, "Zona piloto", history_days=75, actor="test", block=96)
    alert = st.alerts(cause="mining").sort_values("area_ha").alert_id.iloc[-1]
    zips = []
    for run in ("one", "two"):
        with pytest.raises(SystemExit) as exc:
            main(["--lang", "en", "evidence", alert, "--out", str(tmp_path / run), "--store", str(st.path)])
        assert exc.value.code == 0
        zips.append((tmp_path / run / f"{alert}.zip").read_bytes())
    # Same inputs, same bytes: only the audit log's head differs (the first package's creation is in the log).
    heads = [
        _json.loads((tmp_path / run / alert / "facts.json").read_text())["audit_log_head"] for run in ("one", "two")
    ]
    assert heads[1]["seq"] == heads[0]["seq"] + 1
    for p in (tmp_path / "one" / alert).iterdir():
        # The report prints the audit head and who made the package when: it differs as facts.json does.
        if p.name not in ("facts.json", "LEAME_README.txt", "MANIFEST.sha256") and not p.name.startswith(
            ("informe_es.", "report_en.")
        ):
            assert p.read_bytes() == (tmp_path / "two" / alert / p.name).read_bytes(), p.name
    made = [e for e in st.audit() if e["action"] == "evidence_created"]
    assert [_json.loads(e["detail"])["zip_sha256"][1] for e in made] == [hashlib.sha256(z).hexdigest() for z in zips]
    assert heads[1]["sha256"] in (tmp_path / "two" / alert / "LEAME_README.txt").read_text()
    folder = tmp_path / "one" / alert
    names = {p.name for p in folder.iterdir()}
    assert {
        "polygon.geojson",
        "polygon.kml",
        "facts.json",
        "index_timeseries.png",
        "index_timeseries.csv",
        "LEAME_README.txt",
        "MANIFEST.sha256",
    } <= names
    assert sum(n.startswith("before_") for n in names) == 2 and sum(n.startswith("after_") for n in names) == 2
    for line in (folder / "MANIFEST.sha256").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    facts = _json.loads((folder / "facts.json").read_text())
    assert (
        facts["point_utm19s"]["epsg"] == 32719
        and facts["dates_used"]["before"] < facts["first_seen"] <= facts["dates_used"]["after"]
    )
    assert len(facts["scenes"]) == 2 and facts["software"]["name"] == "centinela"


@pytest.mark.parametrize("backend", ["gpkg", "postgis"])
def test_a_run_killed_while_queueing_digests_stores_nothing_and_the_rerun_notifies(
    scene, tmp_path, backend, request, monkeypatch
):
    """Alerts, the run's record and the digests of its new alerts are one transaction: no alert lands
    without its notifications (before, a kill after the alerts' commit lost the digests for good)."""
    monkeypatch.setenv("CENTINELA_WORK", str(tmp_path / "work"))
    st = _new_store(tmp_path / "s.gpkg" if backend == "gpkg" else request.getfixturevalue("pg_url"), scene)
    st.subscribe("Zona piloto", "webhook", "http://127.0.0.1:9/dead", actor="test")  # nothing listens on port 9
    real = type(st)._enqueue

    def killed(self, c, subscription_id, payload):
        raise KeyboardInterrupt("killed while queueing the digest")

    monkeypatch.setattr(type(st), "_enqueue", killed)
    with pytest.raises(KeyboardInterrupt):
        monitor(st, "Zona piloto", history_days=75, actor="test", block=96, notify_backoff_s=0)
    assert len(st.alerts()) == 0 and st.pending() == [] and st.area("Zona piloto")["last_run"] is None

    monkeypatch.setattr(type(st), "_enqueue", real)
    run = monitor(st, "Zona piloto", history_days=75, actor="test", block=96, notify_backoff_s=0)
    assert run.ingest.created == len(st.alerts()) > 0
    assert run.delivery.queued == 1 and run.delivery.failed == 1  # the digest waits in the outbox
    (waiting,) = st.pending()
    assert len(json.loads(waiting["payload"])["alerts"]) == run.ingest.created
    assert st.verify().ok
