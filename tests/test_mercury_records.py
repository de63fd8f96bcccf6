"""A laboratory's record: results are corrected by new rows, never overwritten. A re-analysis supersedes the
earlier result (kept and visible in the sample's history), a passing CRM re-run clears a failed batch, a result
can be retracted; a blank with no LOD still fails; risk says what it left out and why. Both backends."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal

import pandas as pd
import pytest

from centinela.cli import main
from centinela.errors import InputError
from centinela.mercury.ingest import read_results
from centinela.mercury.qc import check_batches
from centinela.mercury.results import usable
from centinela.store import open_store
from support import kill_after_steps

HEAD = (
    "sample_id,site_id,lat,lon,matrix,collected_at,species,analyte,value,unit,basis,lod,batch,qc_type,"
    "certified_value,duplicate_of,analysed_at"
)
# DORM-4 (NRC fish protein CRM) is certified at 0.412 mg/kg total mercury: 0.300 is a 73 % recovery (fails the
# 80–120 % window of qc_limits.yaml), 0.405 a 98 % one.
BATCH1 = """\
P-1,S-01,-12.95,-69.70,fish,2024-08-12,Prochilodus nigricans,THg,0.041,mg/kg,wet,0.005,B1,sample,,,2024-08-20
P-2,S-01,-12.95,-69.70,fish,2024-08-12,Prochilodus nigricans,THg,0.062,mg/kg,wet,0.005,B1,sample,,,2024-08-20
P-3,S-02,-12.97,-69.66,fish,2024-08-12,Prochilodus nigricans,THg,0.055,mg/kg,wet,0.005,B1,sample,,,2024-08-20
B1-BLK,,,,fish,,,THg,<0.005,mg/kg,wet,0.005,B1,blank,,,2024-08-20
B1-CRM,,,,fish,,,THg,0.300,mg/kg,wet,0.005,B1,crm,0.412,,2024-08-20"""
CRM_RERUN = "B1-CRM,,,,fish,,,THg,0.405,mg/kg,wet,0.005,B1,crm,0.412,,2024-08-21"
REANALYSIS = """\
P-2,S-01,-12.95,-69.70,fish,2024-08-12,Prochilodus nigricans,THg,0.058,mg/kg,wet,0.005,B2,sample,,,2024-09-02
B2-BLK,,,,fish,,,THg,<0.005,mg/kg,wet,0.005,B2,blank,,,2024-09-02
B2-CRM,,,,fish,,,THg,0.410,mg/kg,wet,0.005,B2,crm,0.412,,2024-09-02"""


def csv(tmp_path, name: str, body: str):
    p = tmp_path / name
    p.write_text(HEAD + "\n" + body + "\n", encoding="utf-8")
    return p


def run(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--lang", "en", *args])
    out = capsys.readouterr()
    return exc.value.code, out.out + out.err


@pytest.fixture(params=["gpkg", "postgis"])
def target(request, tmp_path):
    if request.param == "gpkg":
        return str(tmp_path / "s.gpkg")
    return request.getfixturevalue("pg_url")


def test_a_lab_session_failed_crm_rerun_reanalysis_retract(target, tmp_path, capsys):
    first = csv(tmp_path, "batch1.csv", BATCH1)
    assert run(["mercury", "ingest", str(first), "--store", target], capsys)[0] == 0
    code, out = run(["mercury", "qc", "--store", target], capsys)
    assert code == 4 and "CRM B1-CRM recovery 72.8%" in out
    assert "its 3 sample result(s) are left out of risk" in out, "qc says what happens to the batch's samples"
    code, out = run(["mercury", "risk", "--store", target, "--out", str(tmp_path / "risk")], capsys)
    assert "3 result(s) from batches that failed QA/QC left out (B1)" in out

    # The CRM re-run is the same control again: refused as a duplicate unless it supersedes, with a reason.
    rerun = csv(tmp_path, "rerun.csv", CRM_RERUN)
    code, out = run(["mercury", "ingest", str(rerun), "--store", target], capsys)
    assert code != 0 and "already in" in out and "--supersede" in out
    code, out = run(["mercury", "ingest", str(rerun), "--store", target, "--supersede"], capsys)
    assert code != 0 and "needs a reason" in out
    args = [
        "mercury",
        "ingest",
        str(rerun),
        "--store",
        target,
        "--supersede",
        "--reason",
        "CRM re-run after recalibration",
    ]
    assert run(args, capsys)[0] == 0
    code, out = run(["mercury", "qc", "--store", target], capsys)
    assert code == 0 and "FAILED" not in out, "a passing CRM re-run clears the batch"
    st = open_store(target)
    assert set(st.results().qc_flag) == {"ok"}
    crm = st.result_history("B1-CRM")
    assert crm.value.tolist() == [0.300, 0.405], "the failed run is kept, not overwritten"
    assert crm.record_status.tolist() == ["superseded", "current"]
    assert crm.replaced_by.iloc[0] == crm.fid.iloc[1] and crm.record_reason.iloc[0] == "CRM re-run after recalibration"

    # P-2 re-analysed in a new batch: the new value is current, the old one stays in the history.
    second = csv(tmp_path, "batch2.csv", REANALYSIS)
    code, out = run(["mercury", "ingest", str(second), "--store", target], capsys)
    assert code != 0 and "P-2 THg sample, batch B1" in out, "the refusal names the result already there"
    args = [
        "mercury",
        "ingest",
        str(second),
        "--store",
        target,
        "--supersede",
        "--reason",
        "re-analysis (duplicate RPD)",
    ]
    assert run(args, capsys)[0] == 0
    now = open_store(target).results().set_index("sample_id")
    assert now.loc["P-2", "value"] == 0.058 and now.loc["P-2", "batch"] == "B2"
    assert len(open_store(target).results(all_versions=True)) == len(now) + 2
    code, out = run(["mercury", "history", "P-2", "--store", target], capsys)
    assert code == 0 and "superseded → #" in out and "current" in out and "0.062" in out and "0.058" in out

    # Retract: gone from use, still in the record; a second retraction finds nothing current.
    code, out = run(["mercury", "retract", "P-3", "--reason", "sample thawed in transit", "--store", target], capsys)
    assert code == 0 and "retracted" in out
    assert "P-3" not in set(open_store(target).results().sample_id)
    code, out = run(["mercury", "history", "P-3", "--store", target], capsys)
    assert "retracted" in out and "sample thawed in transit" in out
    with pytest.raises(InputError, match="no current THg result"):
        open_store(target).retract_result("P-3", "THg", "sample", "lab", "again")

    st = open_store(target)
    assert st.verify().ok, "every change is bound in the audit chain"
    actions = [e["action"] for e in st.audit()]
    assert actions.count("mercury_retract") == 1 and actions.count("mercury_ingest") == 3
    entry = next(e for e in st.audit() if "superseded" in e["detail"] and "P-2" in e["detail"])
    assert "re-analysis (duplicate RPD)" in entry["detail"]


def test_a_blank_without_an_lod_still_fails(tmp_path):
    body = BATCH1.replace("B1-BLK,,,,fish,,,THg,<0.005,mg/kg,wet,0.005", "B1-BLK,,,,fish,,,THg,0.2,mg/kg,wet,")
    body = body.replace("B1-CRM,,,,fish,,,THg,0.300", "B1-CRM,,,,fish,,,THg,0.405")
    r = read_results(csv(tmp_path, "b.csv", body))
    table, _ = check_batches(r)
    assert not table.passed.iloc[0] and "above the batch's LOD 0.005" in table.reasons.iloc[0]
    # With no LOD anywhere in the batch the limits file's ceiling (0.01 mg/kg) is the limit.
    nolod = pd.read_csv(csv(tmp_path, "c.csv", body), dtype=str, keep_default_na=False).assign(lod="")
    nolod.to_csv(tmp_path / "d.csv", index=False)
    table, _ = check_batches(read_results(tmp_path / "d.csv"))
    assert not table.passed.iloc[0] and "above 0.01 mg/kg (no LOD stated in the batch)" in table.reasons.iloc[0]
    clean = nolod.assign(value=nolod.value.where(nolod.sample_id != "B1-BLK", "0.004"))
    clean.to_csv(tmp_path / "e.csv", index=False)
    table, _ = check_batches(read_results(tmp_path / "e.csv"))
    assert table.passed.iloc[0], table.reasons.iloc[0]


def test_unchecked_batches_are_used_with_a_warning(tmp_path):
    r = read_results(csv(tmp_path, "b.csv", BATCH1)).assign(qc_flag="unchecked")
    notes: list[str] = []
    assert len(usable(r, notes)) == 3
    assert notes == [
        "3 result(s) from batches never checked by QA/QC used with caution (B1); run `centinela mercury qc`"
    ]
    notes = []
    usable(r, notes, "es")
    assert "aún sin control de calidad" in notes[0]


def _killed_supersede(target: str, frame: pd.DataFrame, after: int) -> None:
    kill_after_steps(target, after)
    open_store(target).add_results(frame, "lab", source="rerun.csv", supersede=True, reason="re-run")
    os._exit(0)


@pytest.mark.slow
def test_a_supersede_killed_at_any_point_is_all_or_nothing(target, tmp_path):
    st = open_store(target)
    st.add_results(read_results(csv(tmp_path, "batch1.csv", BATCH1)), "lab", source="batch1.csv")
    rerun = read_results(csv(tmp_path, "rerun.csv", CRM_RERUN))
    ctx = mp.get_context("fork")
    kills = 0
    for after in range(1, 60, 3) if target.startswith("postgresql") else (1, 5, 20, 60, 120, 200, 400, 800, 5000):
        proc = ctx.Process(target=_killed_supersede, args=(target, rerun, after))
        proc.start()
        proc.join(60)
        history = open_store(target).result_history("B1-CRM")
        if proc.exitcode == -signal.SIGKILL:
            kills += 1
            assert history.value.tolist() == [0.300] and history.record_status.tolist() == ["current"]
        else:
            assert proc.exitcode == 0 and history.record_status.tolist() == ["superseded", "current"]
            break
        assert open_store(target).verify().ok
    assert kills >= 3


def test_coded_fields_in_the_labs_own_spanish(tmp_path):
    """A laboratory in Puerto Maldonado writes 'pez', 'muestra', 'húmeda', 'blanco', 'MRC': the store keeps one
    vocabulary; a word it does not know is still an error naming the field and the accepted words."""
    body = BATCH1.replace(",fish,", ",Pez,").replace(",wet,", ",húmeda,")
    body = body.replace(",sample,", ",muestra,").replace(",blank,", ",Blanco,").replace(",crm,", ",MRC,")
    r = read_results(csv(tmp_path, "es.csv", body))
    assert set(r.matrix) == {"fish"} and set(r.basis) == {"wet"}
    assert sorted(set(r.qc_type)) == ["blank", "crm", "sample"]
    with pytest.raises(InputError, match=r"b.csv:2: field 'matrix' = 'pezz': expected one of .*\(pez, cabello"):
        read_results(csv(tmp_path, "b.csv", body.replace(",Pez,", ",pezz,", 1)))
