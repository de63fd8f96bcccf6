"""Mercury laboratory data: ingestion with clear errors, QA/QC per batch, censored statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from centinela.errors import InputError
from centinela.mercury.censored import summarise
from centinela.mercury.ingest import COLUMNS, read_results, template
from centinela.mercury.qc import check_batches, rpd
from centinela.store import embedded_store

BASE = {
    "sample_id": "P-1",
    "site_id": "S1",
    "lat": "-12.95",
    "lon": "-69.70",
    "matrix": "fish",
    "analyte": "THg",
    "value": "0.42",
    "unit": "mg/kg",
    "basis": "wet",
    "method": "EPA 7473",
    "lod": "0.005",
    "loq": "0.015",
    "batch": "B1",
    "qc_type": "sample",
}


def write(tmp_path, rows, spanish=False, name="r.csv"):
    frame = pd.DataFrame([{**{k: "" for k in COLUMNS}, **r} for r in rows])
    if spanish:
        frame = frame.rename(columns=COLUMNS)
    path = tmp_path / name
    frame.to_excel(path, index=False) if name.endswith(".xlsx") else frame.to_csv(path, index=False)
    return path


def test_templates_round_trip(tmp_path):
    paths = template(tmp_path)
    assert {p.name for p in paths} == {
        "mercury_template_en.csv",
        "mercury_template_en.xlsx",
        "mercury_template_es.csv",
        "mercury_template_es.xlsx",
    }
    for p in paths:
        r = read_results(p)
        assert len(r) == 1 and r.value_canonical.iloc[0] == pytest.approx(0.42)


def test_spanish_excel_units_censoring_and_pseudonyms(tmp_path):
    rows = [
        BASE,
        {**BASE, "sample_id": "P-2", "value": "<0.005"},
        {**BASE, "sample_id": "P-3", "value": "420", "unit": "ng/g"},
        {**BASE, "sample_id": "P-4", "value": "0.002"},  # under the LOD: censored at the LOD, not kept as 0.002
        {
            **BASE,
            "sample_id": "H-1",
            "matrix": "hair",
            "unit": "µg/g",
            "value": "3.1",
            "basis": "none",
            "donor_id": "María Q.",
        },
    ]
    r = read_results(write(tmp_path, rows, spanish=True, name="r.xlsx"), salt="s").set_index("sample_id")
    assert r.loc["P-2", "censored"] and r.loc["P-2", "value"] == 0.005
    assert r.loc["P-3", "value_canonical"] == pytest.approx(0.42)
    assert r.loc["P-4", "censored"] and r.loc["P-4", "value"] == 0.005
    assert r.loc["H-1", "donor_id"].startswith("D-") and "María" not in r.loc["H-1", "donor_id"]


def test_every_bad_row_is_named_and_nothing_is_imported(tmp_path):
    rows = [
        BASE,
        {**BASE, "sample_id": "P-2", "value": "abc"},
        {**BASE, "sample_id": "P-3", "unit": "mg/L"},
        {**BASE, "sample_id": "P-4", "moisture": "70"},
        {**BASE, "sample_id": "P-5", "basis": ""},
        BASE,
    ]
    path = write(tmp_path, rows)
    with pytest.raises(InputError) as exc:
        read_results(path)
    msg = str(exc.value)
    assert "nothing imported" in msg
    assert f"{path}:3: field 'value'" in msg and "non-negative number" in msg
    assert f"{path}:4: field 'unit'" in msg and f"{path}:5: field 'moisture'" in msg and "not a percentage" in msg
    assert f"{path}:6: field 'basis'" in msg and "duplicate result for sample/analyte/qc_type P-1 / THg / sample" in msg
    (tmp_path / "bad.csv").write_text("foo,bar\n1,2\n")
    with pytest.raises(InputError, match="missing column"):
        read_results(tmp_path / "bad.csv")


def test_store_refuses_duplicates(tmp_path):
    store = tmp_path / "s.gpkg"
    res = read_results(write(tmp_path, [BASE]))
    assert embedded_store(store).add_results(res, "test") == 1
    with pytest.raises(InputError, match="already in"):
        embedded_store(store).add_results(res, "test")
    assert len(embedded_store(store).results()) == 1


def test_qc_blanks_duplicates_crm(tmp_path):
    rows = [
        BASE,
        {**BASE, "sample_id": "P-1d", "qc_type": "duplicate", "duplicate_of": "P-1", "value": "0.45"},
        {**BASE, "sample_id": "CRM-1", "qc_type": "crm", "value": "2.5", "certified_value": "2.64"},
        {**BASE, "sample_id": "BLK-1", "qc_type": "blank", "value": "<0.005"},
        {**BASE, "sample_id": "Q-1", "batch": "B2"},
        {**BASE, "sample_id": "Q-1d", "batch": "B2", "qc_type": "duplicate", "duplicate_of": "Q-1", "value": "0.70"},
        {**BASE, "sample_id": "CRM-2", "batch": "B2", "qc_type": "crm", "value": "1.9", "certified_value": "2.64"},
        {**BASE, "sample_id": "BLK-2", "batch": "B2", "qc_type": "blank", "value": "0.05"},
    ]
    table, flagged = check_batches(read_results(write(tmp_path, rows)))
    t = table.set_index("batch")
    assert t.loc["B1", "passed"] and not t.loc["B2", "passed"]
    assert (
        "RPD" in t.loc["B2", "reasons"]
        and "recovery 72.0%" in t.loc["B2", "reasons"]
        and "blank BLK-2" in t.loc["B2", "reasons"]
    )
    assert set(flagged[flagged.batch == "B2"].qc_flag) == {"batch_failed_qc"} and set(
        flagged[flagged.batch == "B1"].qc_flag
    ) == {"ok"}
    assert rpd(0.42, 0.45) == pytest.approx(6.897, rel=1e-3)


def test_censored_statistics_recover_the_truth():
    """Synthetic hair data with known distribution, two detection limits, ~30 % censored: no LOD/2."""
    rng = np.random.default_rng(7)
    true = rng.lognormal(np.log(2.0), 0.8, 3000)
    dl = np.where(rng.random(3000) < 0.5, 1.0, 1.5)
    cens = true < dl
    obs = np.where(cens, dl, true)
    s = summarise(obs, cens)
    assert 0.2 < cens.mean() < 0.4
    assert s.median == pytest.approx(np.median(true), rel=0.05)
    assert s.p90 == pytest.approx(np.quantile(true, 0.9), rel=0.05)
    half = np.where(cens, dl / 2, true)  # what substitution would give, for contrast
    assert abs(s.mean - true.mean()) < abs(half.mean() - true.mean()) + 0.1
    exact = summarise(obs, cens, threshold=2.0)
    assert exact.share_above == pytest.approx((true > 2.0).mean(), abs=0.01)
