"""Tamper evidence: every case measured in issue #15 is caught by `audit verify` (with a checkpoint where the
chain alone cannot tell), on both backends; checkpoints are signed with a key kept outside the store."""

from __future__ import annotations

import json
import sqlite3

import pytest

from centinela.cli import main
from centinela.store import embedded_store, gpkg, open_store
from centinela.store.audit import GENESIS, entry_hash, make_checkpoint, new_key, record_of
from centinela.store.schema import MIGRATIONS
from test_store import A, B, alerts

LATEST = max(v for v, _ in MIGRATIONS)  # the schema a store opened by this version has


@pytest.fixture(params=["gpkg", "postgis"])
def target(request, tmp_path):
    if request.param == "gpkg":
        return str(tmp_path / "s.gpkg")
    return request.getfixturevalue("pg_url")


def _sql(target: str, *statements: str) -> None:
    """Edit the store behind Centinela's back, as someone with the file or a database login could."""
    if target.startswith("postgresql"):
        import psycopg

        with psycopg.connect(target, autocommit=True) as c:
            for s in statements:
                c.execute(s)
        return
    with sqlite3.connect(target) as c:
        gpkg.register(c)  # what GDAL/QGIS bring: the R-tree triggers' functions
        for s in statements:
            c.execute(s)


def _unguard(target: str) -> str:
    """SQL that removes the append-only guard of the audit log (the owner of the file or database can)."""
    if target.startswith("postgresql"):
        return "DROP TRIGGER audit_log_append_only ON audit_log"
    return "DROP TRIGGER audit_log_no_delete"


def _store(target):
    st = open_store(target)
    st.ingest(alerts(("CEN-1", "2024-03-01", "mining", A), ("CEN-2", "2024-04-01", "other", B)), "analyst")
    st.set_status("CEN-1", "under_review", "analyst", note="to the field on Monday")
    assert st.verify().ok
    return st


def _with_people(target):
    import shapely

    st = _store(target)
    st.add_user("ana", "correct horse battery", "ranger", actor="admin")
    st.add_user("beto", "correct horse battery", "analyst", actor="admin")
    st.create_token("beto", "qgis", actor="admin")
    st.mark_sensitive("CN Tres Islas", shapely.box(-69.7, -12.9, -69.6, -12.8), "asked", actor="admin")
    st.disable_user("beto", actor="admin")
    assert st.verify().ok, st.verify().message
    return st


@pytest.mark.parametrize(
    "edit, finding",
    [
        ("UPDATE alerts SET status = 'referred' WHERE alert_id = 'CEN-2'", "alerts:CEN-2: changed outside"),
        ("UPDATE alerts SET area_ha = 0.1 WHERE alert_id = 'CEN-1'", "alerts:CEN-1: changed outside"),
        ("DELETE FROM alerts WHERE alert_id = 'CEN-2'", "alerts:CEN-2: deleted outside"),
        (
            "INSERT INTO alerts (alert_id, status, cause, version) VALUES ('CEN-666', 'new', 'other', 1)",
            "alerts:CEN-666: no audit entry",
        ),
        (
            "INSERT INTO alert_notes (alert_id, at, actor, text) VALUES ('CEN-1', '2024-05-01', 'ranger', 'forged')",
            "no audit entry records it",
        ),
        ("UPDATE alert_notes SET text = 'not seen' WHERE alert_id = 'CEN-1'", "changed outside Centinela"),
        ("DELETE FROM alert_notes", "deleted outside Centinela"),
        ("UPDATE users SET role = 'admin' WHERE username = 'ana'", "users:ana: changed outside"),
        ("UPDATE users SET disabled = 0 WHERE username = 'beto'", "users:beto: changed outside"),
        (
            "INSERT INTO users (username, password_hash, role, see_sensitive, disabled, created_at) "
            "VALUES ('mallory', NULL, 'admin', 1, 0, '2024-01-01')",
            "users:mallory: no audit entry",
        ),
        ("UPDATE api_tokens SET revoked = 0", "changed outside"),
        (
            "INSERT INTO api_tokens (token_hash, username, label, created_at, revoked) "
            "VALUES ('ab12', 'ana', 'backdoor', '2024-01-01', 0)",
            "api_tokens:ab12: no audit entry",
        ),
        ("DELETE FROM sensitive_areas", "sensitive_areas:CN Tres Islas: deleted outside"),
    ],
)
def test_direct_edits_of_bound_rows_are_caught(target, edit, finding):
    """Alerts, notes, who may do what and which places are hidden: each direct edit is named by verify."""
    st = _with_people(target)
    _sql(target, edit)
    v = st.verify()
    assert not v.ok and finding in v.message, v.message


def test_a_middle_edit_of_the_log_is_caught_by_the_chain(target):
    st = _store(target)
    guard = "DROP TRIGGER audit_log_append_only ON audit_log" if "postgresql" in target else None
    _sql(
        target,
        *([guard] if guard else ["DROP TRIGGER audit_log_no_update"]),
        "UPDATE audit_log SET actor = 'x' WHERE seq = 2",
    )
    v = st.verify()
    assert not v.ok and "entry 2" in v.message and "edited" in v.message


def test_deleting_the_newest_entries_is_caught_with_a_checkpoint(target):
    st = _store(target)
    st.log_event("prosecutor", "evidence_downloaded", "CEN-1", {"sha256": [None, "ab" * 32]})
    private, public = new_key()
    cp = make_checkpoint(st.label(), st.head(), private)
    assert st.verify(cp, public).ok
    _sql(target, _unguard(target), "DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)")
    assert st.verify().ok, "the chain alone cannot tell that its tail is gone"
    v = st.verify(cp, public)
    assert not v.ok and "is gone" in v.message


def test_a_rewritten_chain_is_caught_with_a_checkpoint(target):
    st = _store(target)
    private, public = new_key()
    cp = make_checkpoint(st.label(), st.head(), private)
    # Change who made a status change, and recompute every hash after it so the chain is whole again.
    log = st.audit()
    prev, fixed = GENESIS, []
    for e in log:
        if e["action"] == "status":
            e["actor"] = "someone else"
        e["prev_hash"], e["hash"] = prev, entry_hash(prev, record_of(e))
        prev = e["hash"]
        fixed.append(e)
    updates = [
        f"UPDATE audit_log SET actor = '{e['actor']}', prev_hash = '{e['prev_hash']}', hash = '{e['hash']}' "
        f"WHERE seq = {e['seq']}"
        for e in fixed
    ]
    guard = (
        ["DROP TRIGGER audit_log_append_only ON audit_log"]
        if "postgresql" in target
        else ["DROP TRIGGER audit_log_no_update"]
    )
    _sql(target, *guard, *updates)
    assert st.verify().ok, "a recomputed chain passes on its own"
    v = st.verify(cp, public)
    assert not v.ok and "rewritten" in v.message


def test_an_altered_or_foreign_checkpoint_fails_its_signature(tmp_path):
    st = _store(str(tmp_path / "s.gpkg"))
    private, public = new_key()
    cp = make_checkpoint(st.label(), st.head(), private)
    forged = {**cp, "seq": 1, "hash": st.audit()[0]["hash"]}
    assert "signature is not valid" in st.verify(forged, public).message
    _, other_public = new_key()
    assert "signature is not valid" in st.verify(cp, other_public).message
    assert st.verify(cp, public).ok


def test_audit_commands_keygen_checkpoint_verify(tmp_path, capsys):
    st = _store(str(tmp_path / "s.gpkg"))
    keys, cp = tmp_path / "keys", tmp_path / "away" / "checkpoint.json"

    def run(args):
        with pytest.raises(SystemExit) as exc:
            main(["--lang", "en", "audit", *args])
        got = capsys.readouterr()
        return exc.value.code, got.out + got.err

    code, out = run(["keygen", "--out", str(keys)])
    assert code == 0 and (keys / "audit_key.pem").stat().st_mode & 0o077 == 0
    assert run(["keygen", "--out", str(keys)])[0] != 0, "a key is never overwritten"
    code, out = run(["checkpoint", "--out", str(cp), "--key", str(keys / "audit_key.pem"), "--store", str(st.path)])
    assert code == 0 and "signed" in out and "NOT" not in out
    doc = json.loads(cp.read_text())
    assert (doc["seq"], doc["hash"]) == st.head() and "PRIVATE" not in cp.read_text()
    ok = ["verify", "--store", str(st.path), "--checkpoint", str(cp), "--public-key", str(keys / "audit_key.pub.pem")]
    code, out = run(ok)
    assert code == 0 and out.startswith("OK") and "checkpoint entry" in out and "bound rows" in out
    _sql(str(st.path), "UPDATE alerts SET status = 'closed' WHERE alert_id = 'CEN-1'")
    code, out = run(ok)
    assert code == 3 and "TAMPERED" in out and "alerts:CEN-1" in out
    cp.write_text("{not json")
    code, out = run(ok)
    assert code != 0 and "checkpoint.json" in out


def test_bulletins_print_the_head(tmp_path):
    import datetime as dt

    from centinela.reports.make import make_bulletin

    st = _store(str(tmp_path / "s.gpkg"))
    files, _ = make_bulletin(None, dt.date(2024, 1, 1), dt.date(2024, 12, 31), tmp_path / "b", "en", st)
    html = files.html.read_text(encoding="utf-8")
    seq, h = st.head()
    assert h in html and f"{seq} · SHA-256" in html


def test_no_audit_entry_for_an_unchanged_store_and_fresh_stores_have_no_baseline(tmp_path):
    st = embedded_store(tmp_path / "s.gpkg")
    assert st.audit() == [] and st.head() is None and st.verify().ok


def test_a_schema_4_store_keeps_every_row_and_its_tampering_is_caught(tmp_path):
    """A store made by Centinela at 362fd1b (tests/data/make_store_schema4.py): opening it migrates to the
    current schema in one go, keeping every alert, note, zone and mercury result; the rows already there are
    bound by one baseline entry, so an edit afterwards is caught like any other."""
    import shutil
    from pathlib import Path

    path = tmp_path / "old.gpkg"
    shutil.copy(Path(__file__).parent / "data" / "store_schema4.gpkg", path)
    with sqlite3.connect(path) as c:
        assert c.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == 4
        old_log = c.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    st = embedded_store(path)
    assert st.schema_version() == LATEST
    assert sorted(st.alerts().alert_id) == ["CEN-1", "CEN-2"] and st.alert("CEN-1")["status"] == "under_review"
    assert [n["text"] for n in st.alert("CEN-2")["notes"]] == ["river bank, not mining"]
    assert list(st.zones().name) == ["ZA Tambopata (test)"]
    results = st.results()
    assert len(results) == 47 and set(results.qc_flag) <= {"ok", "batch_failed_qc"}
    log = st.audit()
    assert len(log) == old_log + 3
    assert [e["action"] for e in log[-3:]] == ["row_hashes_baseline", "table_recorded", "table_recorded"]
    v = st.verify()
    assert v.ok, v.message
    _sql(str(path), "UPDATE alerts SET status = 'closed' WHERE alert_id = 'CEN-2'")
    assert "alerts:CEN-2: changed outside" in st.verify().message
    _sql(str(path), "UPDATE mercury_results SET value = 0.001 WHERE fid = 1")
    assert "table:mercury_results: rows edited" in st.verify().message


def _killed_status_change(target: str, after: int) -> None:
    import os

    from support import kill_after_steps

    kill_after_steps(target, after)
    open_store(target).set_status("CEN-2", "under_review", "analyst", note="river bank: check by boat")
    os._exit(0)


@pytest.mark.slow
def test_a_status_change_killed_at_any_point_is_all_or_nothing(target):
    """`alerts set-status` with a note is one transaction: a kill leaves the old status, no note and no entry,
    or all three; the log verifies either way and a re-run completes it once."""
    import multiprocessing as mp
    import signal

    st = _store(target)
    before = (st.alert("CEN-2")["status"], len(st.audit()))
    pg = target.startswith("postgresql")
    kills = 0
    for after in range(1, 40) if pg else (1, 3, 10, 20, 40, 80, 120, 160, 200, 300, 500, 2000):
        proc = mp.get_context("fork").Process(target=_killed_status_change, args=(target, after))
        proc.start()
        proc.join(60)
        a, n = open_store(target).alert("CEN-2"), len(open_store(target).audit())
        assert open_store(target).verify().ok
        if proc.exitcode == -signal.SIGKILL:
            kills += 1
            assert (a["status"], n) == before and a["notes"] == [], f"killed after {after} steps"
        else:
            assert proc.exitcode == 0 and a["status"] == "under_review" and len(a["notes"]) == 1
            assert n == before[1] + 2  # the status entry and the note's
            break
    assert kills >= 5


@pytest.mark.parametrize(
    "edit, finding",
    [
        ("UPDATE mercury_results SET value_canonical = 0.01 WHERE fid = 2", "table:mercury_results: rows edited"),
        ("UPDATE mercury_results SET qc_flag = 'ok'", "table:mercury_results"),
        ("DELETE FROM mercury_results WHERE fid = 3", "table:mercury_results"),
        ("DELETE FROM zones", "table:zones"),
        ("UPDATE zones SET kind = 'mining_corridor'", "table:zones"),
    ],
)
def test_direct_edits_of_lab_results_and_zones_are_caught(target, tmp_path, edit, finding):
    """Tables written by the batch are bound by a digest of the whole table in each change's entry: a direct
    edit, insertion or deletion of a laboratory result or a zone is caught, and legitimate changes verify."""
    import geopandas as gpd
    import shapely

    from centinela.mercury.ingest import read_results
    from centinela.mercury.qc import check_batches
    from centinela.mercury.synthetic import synthetic_results, write_csv
    from centinela.zones.layers import prepare_layer

    st = _store(target)
    lab, _ = synthetic_results(shapely.LineString([(-69.8, -12.86), (-69.56, -12.97)]), seed=4, n_fish=10, n_donors=5)
    st.add_results(read_results(write_csv(lab.iloc[:20], tmp_path / "a.csv")), "lab")
    st.add_results(read_results(write_csv(lab.iloc[20:], tmp_path / "b.csv")), "lab")
    _, flagged = check_batches(st.results())
    flagged.loc[flagged.index[:4], "qc_flag"] = "batch_failed_qc"
    st.set_qc_flags(flagged, "lab")
    frame = gpd.GeoDataFrame({"n": ["ZA", "ZB"]}, geometry=[A.buffer(0.01), B.buffer(0.01)], crs=4326)
    st.import_zones(prepare_layer(frame, "za", "buffer_zone", "n", "s", "l", "f" * 64, "za"), "admin")
    st.import_zones(prepare_layer(frame.iloc[:1], "za", "buffer_zone", "n", "s", "l", "e" * 64, "za"), "admin")
    v = st.verify()
    assert v.ok, v.message
    _sql(target, edit)
    v = st.verify()
    assert not v.ok and finding in v.message, v.message
