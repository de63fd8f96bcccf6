"""Mercury lab data in: chain of custody and donor fields, shared row validation, direct mercury analyser exports."""

from __future__ import annotations

from datetime import datetime, time

import pandas as pd
import pytest

from centinela.errors import InputError
from centinela.mercury.dma import get_format, read_dma_export
from centinela.mercury.ingest import (
    COLUMNS,
    RESULT_COLUMNS,
    ingest_frame,
    read_results,
    template,
)
from centinela.mercury.qc import check_batches
from centinela.store import embedded_store

FISH = {
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
    "batch": "B1",
    "qc_type": "sample",
    "collected_at": "2024-08-12",
    "collected_time": "07:30",
    "collected_by": "J. Quispe",
    "container": "zip bag",
    "preservative": "ice",
    "custody_seal": "yes",
    "transferred": "J. Quispe to Lab",
    "received_at": "2024-08-14",
    "received_by": "Lab",
    "lab_report": "INF-117",
    "analysed_at": "2024-08-20",
    "species": "Pseudoplatystoma fasciatum",
    "fish_group": "predatory",
}
HAIR = {
    **FISH,
    "sample_id": "H-1",
    "matrix": "hair",
    "unit": "µg/g",
    "value": "3.1",
    "basis": "none",
    "species": "",
    "fish_group": "",
    "donor_id": "María Q.",
    "sex": "F",
    "age_years": "27",
    "fish_meals_week": "4",
    "community": "Boca Colorado",
}


def write(tmp_path, rows, spanish=False, name="r.csv"):
    frame = pd.DataFrame([{**{k: "" for k in COLUMNS}, **r} for r in rows])
    if spanish:
        frame = frame.rename(columns=COLUMNS)
    path = tmp_path / name
    frame.to_excel(path, index=False) if name.endswith(".xlsx") else frame.to_csv(path, index=False)
    return path


# --- chain of custody and donor fields ------------------------------------------------------------------------


def test_custody_and_donor_fields_accept_spanish_spellings(tmp_path):
    rows = [
        {**HAIR, "sex": "mujer", "custody_seal": "sí", "collected_time": "7:05"},
        {**HAIR, "sample_id": "H-2", "sex": "Hombre", "custody_seal": "0", "donor_id": "", "age_years": "8"},
        {**FISH, "sample_id": "P-2", "fish_group": "no_depredador", "custody_seal": "true"},
        {**FISH, "sample_id": "P-3", "fish_group": "depredador", "custody_seal": ""},
    ]
    r = read_results(write(tmp_path, rows, spanish=True), salt="s").set_index("sample_id")
    assert r.loc["H-1", "sex"] == "F" and r.loc["H-2", "sex"] == "M"
    assert (
        r.loc["H-1", "custody_seal"],
        r.loc["H-2", "custody_seal"],
        r.loc["P-2", "custody_seal"],
        r.loc["P-3", "custody_seal"],
    ) == ("yes", "no", "yes", "")
    assert r.loc["H-1", "collected_time"] == "07:05"
    assert r.loc["P-2", "fish_group"] == "non_predatory" and r.loc["P-3", "fish_group"] == "predatory"
    assert r.loc["H-1", "donor_id"].startswith("D-") and r.loc["H-2", "donor_id"] == ""  # H-2: community is enough
    assert r.loc["H-1", "age_years"] == "27" and r.loc["H-1", "fish_meals_week"] == "4"


def test_excel_date_and_time_cells_are_normalised(tmp_path):
    row = {**{k: "" for k in COLUMNS}, **FISH}
    row.update(collected_at=datetime(2024, 8, 12), received_at=datetime(2024, 8, 14, 0, 0), collected_time=time(7, 30))
    path = tmp_path / "dates.xlsx"
    pd.DataFrame([row]).to_excel(path, index=False)
    r = read_results(path)
    assert (r.collected_at.iloc[0], r.received_at.iloc[0], r.collected_time.iloc[0]) == (
        "2024-08-12",
        "2024-08-14",
        "07:30",
    )


def test_bad_custody_and_donor_fields_are_named_and_nothing_imported(tmp_path):
    rows = [
        FISH,  # line 2: fine
        {**FISH, "sample_id": "P-2", "collected_at": "12/08/2024"},  # 3
        {**FISH, "sample_id": "P-3", "received_at": "2024-08-10"},  # 4: received before collected
        {**FISH, "sample_id": "P-4", "analysed_at": "2024-08-13"},  # 5: analysed before received
        {**FISH, "sample_id": "P-5", "collected_time": "25:10"},  # 6
        {**HAIR, "age_years": "130"},  # 7
        {**HAIR, "sample_id": "H-2", "fish_meals_week": "50"},  # 8
        {**HAIR, "sample_id": "H-3", "sex": "x"},  # 9
        {**HAIR, "sample_id": "H-4", "donor_id": "", "community": ""},  # 10: cannot be aggregated
        {**FISH, "sample_id": "P-6", "custody_seal": "maybe", "fish_group": "big"},  # 11
        {**FISH, "sample_id": "P-7", "analysed_at": "2024-02-30"},  # 12
        {**FISH, "sample_id": "P-8", "lon": "-269.7"},
    ]  # 13
    path = write(tmp_path, rows)
    with pytest.raises(InputError) as exc:
        read_results(path)
    msg = str(exc.value)
    assert "nothing imported" in msg and f"{path}:2:" not in msg
    assert f"{path}:3: field 'collected_at' = '12/08/2024': expected a date YYYY-MM-DD" in msg
    assert f"{path}:4: field 'received_at' = '2024-08-10': expected a date on or after collected_at (2024-08-12)" in msg
    assert f"{path}:5: field 'analysed_at' = '2024-08-13': expected a date on or after received_at (2024-08-14)" in msg
    assert f"{path}:6: field 'collected_time' = '25:10': expected a time HH:MM" in msg
    assert f"{path}:7: field 'age_years' = '130'" in msg and f"{path}:8: field 'fish_meals_week' = '50'" in msg
    assert f"{path}:9: field 'sex' = 'x': expected F or M" in msg
    assert f"{path}:10: field 'donor_id' = '': expected a donor_id or a community" in msg
    assert f"{path}:11: field 'custody_seal' = 'maybe'" in msg and f"{path}:11: field 'fish_group' = 'big'" in msg
    assert f"{path}:12: field 'analysed_at' = '2024-02-30'" in msg and f"{path}:13: field 'lon'" in msg


def test_spanish_and_english_headers_give_the_same_results(tmp_path):
    rows = [FISH, HAIR]
    en = read_results(write(tmp_path, rows), salt="s")
    es = read_results(write(tmp_path, rows, spanish=True, name="r.xlsx"), salt="s")
    assert list(en.columns) == list(es.columns) == RESULT_COLUMNS
    pd.testing.assert_frame_equal(en.drop(columns="source_file"), es.drop(columns="source_file"), check_dtype=False)
    assert set(COLUMNS.values()) >= {
        "hora_colecta",
        "envase",
        "preservante",
        "precinto",
        "transferencias",
        "informe_lab",
        "fecha_analisis",
        "sexo",
        "edad_anios",
        "comidas_pescado_semana",
        "grupo_pez",
    }


def test_template_has_the_custody_fields_filled(tmp_path):
    for p in template(tmp_path):
        r = read_results(p)
        assert len(r) == 1
        row = r.iloc[0]
        assert row.custody_seal == "yes" and row.collected_time == "07:30" and row.analysed_at == "2024-08-20"
        assert row.fish_group == "predatory" and row.lab_report and row.container and row.transferred


def test_ingest_frame_validates_a_dataframe_with_given_lines():
    raw = pd.DataFrame([{**FISH}, {**FISH, "sample_id": "P-2", "value": "abc"}])
    with pytest.raises(InputError, match=r"lab\.json:11: field 'value' = 'abc'"):
        ingest_frame(raw, "lab.json", lines=[10, 11])
    ok = ingest_frame(raw.iloc[:1], "lab.json", lines=[10])
    assert ok.source_line.iloc[0] == 10 and ok.value_canonical.iloc[0] == pytest.approx(0.42)


# --- direct mercury analyser exports --------------------------------------------------------------------------

REGISTER = [
    {**FISH, "sample_id": "P-001", "value": "", "unit": "", "analyte": "", "qc_type": "", "lod": "", "analysed_at": ""},
    {
        **FISH,
        "sample_id": "P-002",
        "value": "",
        "unit": "",
        "analyte": "",
        "qc_type": "",
        "lod": "",
        "analysed_at": "",
        "fish_group": "non_predatory",
        "species": "Prochilodus nigricans",
    },
    {**HAIR, "sample_id": "H-01", "value": "", "unit": "", "analyte": "", "qc_type": "", "lod": "", "analysed_at": ""},
]

EXPORT_EN = """Instrument: DMA-80 evo
Operator: L. Huaman
Date/Time,Pos,Sample ID,Weight (g),Abs,Hg (ng),Result (ng/g)
2024-08-20 09:01,1,Cleaning,0,0.001,0.001,0
2024-08-20 09:05,2,Blank,0.1000,0.0021,0.004,0.04
2024-08-20 09:10,3,DORM-4,0.0502,0.301,20.4,406.4
2024-08-20 09:15,4,P-001,0.1003,0.512,45.1,449.7
2024-08-20 09:20,5,P-001,0.0998,0.520,46.0,460.9
2024-08-20 09:25,6,h-01 ,0.0101,0.402,30.2,2990.1
2024-08-20 09:30,7,P-002,0.1000,0.0004,,ND
"""

EXPORT_ES = """Fecha;Posición;Muestra;Tipo;Peso (mg);Hg (ng);Conc. (ppb)
20/08/2024;1;Blanco 1;Blanco;100,0;0,003;<0,5
20/08/2024;2;MRC-1;MRC;50,2;20,6;410,4
20/08/2024;3;TORT-3;Muestra;50,0;14,5;290,0
20/08/2024;4;P-001;Muestra;100,3;45,1;449,7
20/08/2024;5;P-001 R2;Muestra;99,8;44,0;440,9
20/08/2024;6;P-002;Muestra;100,0;0,2;2,0
"""


@pytest.fixture
def register(tmp_path):
    return write(tmp_path, REGISTER, spanish=True, name="registro.csv")


def test_dma_export_joins_the_register(tmp_path, register):
    path = tmp_path / "run.csv"
    path.write_text(EXPORT_EN)
    r = read_dma_export(path, register, salt="s")
    assert list(r.columns) == RESULT_COLUMNS == list(read_results(write(tmp_path, [FISH])).columns)
    by = r.set_index("sample_id")
    assert list(r.sample_id) == [
        "B1/Blank",
        "B1/DORM-4",
        "P-001",
        "P-001 R2",
        "H-01",
        "P-002",
    ]  # cleaning cycle skipped
    assert list(r.source_line) == [5, 6, 7, 8, 9, 10]
    assert by.loc["P-001", "qc_type"] == "sample" and by.loc["P-001", "value"] == pytest.approx(449.7)
    assert by.loc["P-001", "value_canonical"] == pytest.approx(0.4497) and by.loc["P-001", "canonical_unit"] == "mg/kg"
    assert by.loc["P-001 R2", "qc_type"] == "duplicate" and by.loc["P-001 R2", "duplicate_of"] == "P-001"
    assert by.loc["P-001 R2", "species"] == "Pseudoplatystoma fasciatum" and by.loc["P-001 R2", "basis"] == "wet"
    assert by.loc["B1/Blank", "qc_type"] == "blank" and by.loc["B1/Blank", "censored"]  # 0.04 ng/g < 0.01 ng / 0.1 g
    assert by.loc["B1/Blank", "value"] == pytest.approx(0.1)
    assert by.loc["B1/DORM-4", "qc_type"] == "crm" and float(by.loc["B1/DORM-4", "certified_value"]) == pytest.approx(
        410
    )
    assert by.loc["P-002", "censored"] and by.loc["P-002", "value"] == pytest.approx(0.1)  # ND at the LOD, not LOD/2
    assert by.loc["H-01", "matrix"] == "hair" and by.loc["H-01", "value_canonical"] == pytest.approx(2.9901)
    assert by.loc["H-01", "donor_id"].startswith("D-") and "María" not in by.loc["H-01", "donor_id"]
    assert set(r.batch) == {"B1"} and set(r.analysed_at) == {"2024-08-20"} and set(r.method) == {"EPA 7473"}
    assert by.loc["P-001", "received_at"] == "2024-08-14" and by.loc["P-001", "custody_seal"] == "yes"

    table, flagged = check_batches(r)
    assert table.set_index("batch").loc["B1", "passed"], table.reasons.tolist()
    assert set(flagged.qc_flag) == {"ok"}
    store = tmp_path / "s.gpkg"
    assert embedded_store(store).add_results(flagged, "test") == 6 and len(embedded_store(store).results()) == 6


def test_dma_export_semicolons_decimal_commas_spanish_headers_and_types(tmp_path, register):
    path = tmp_path / "corrida.csv"
    path.write_text(EXPORT_ES, encoding="cp1252")  # a Windows instrument PC: "Posición" is not UTF-8
    r = read_dma_export(path, register, batch="L-08")
    by = r.set_index("sample_id")
    assert set(r.batch) == {"L-08"} and set(r.unit) == {"ppb"}
    assert by.loc["L-08/Blanco 1", "qc_type"] == "blank" and by.loc["L-08/Blanco 1", "censored"]
    assert by.loc["L-08/Blanco 1", "value"] == pytest.approx(0.5)
    assert by.loc["L-08/MRC-1", "qc_type"] == "crm" and by.loc["L-08/MRC-1", "certified_value"] == ""
    assert by.loc["L-08/TORT-3", "qc_type"] == "crm" and float(
        by.loc["L-08/TORT-3", "certified_value"]
    ) == pytest.approx(292)
    assert by.loc["P-001", "value"] == pytest.approx(449.7) and by.loc["P-001 R2", "duplicate_of"] == "P-001"
    assert by.loc["P-001", "lod"] == "0.0997009"  # 0.01 ng / 0.1003 g, in the export's unit
    assert not by.loc["P-002", "censored"] and by.loc["P-002", "value_canonical"] == pytest.approx(0.002)
    table, _ = check_batches(r)
    assert "CRM L-08/MRC-1 without its certified value" in table.reasons.iloc[0]  # generic "MRC": lab must give it


def test_dma_export_from_excel(tmp_path, register):
    path = tmp_path / "run.xlsx"
    pd.DataFrame(
        {
            "Sample Name": ["DORM-4", "P-001", 1001],
            "Weight (mg)": [50.1, 100.2, 99.0],
            "Hg (ng)": [20.5, 45.0, 1.0],
            "Result (ppm)": [0.4092, 0.4491, 0.0101],
        }
    ).to_excel(path, index=False)
    with pytest.raises(InputError, match=r"run\.xlsx:4: field 'Sample Name' = '1001'"):
        read_dma_export(path, register)  # numeric code read as "1001", not "1001.0", and not in the register
    pd.read_excel(path).iloc[:2].to_excel(path, index=False)
    r = read_dma_export(path, register).set_index("sample_id")
    assert r.loc["P-001", "value_canonical"] == pytest.approx(0.4491)
    assert float(r.loc["B1/DORM-4", "certified_value"]) == pytest.approx(0.41)  # certified value in ppm here


def test_dma_export_problems_are_named_and_nothing_imported(tmp_path, register):
    path = tmp_path / "bad.csv"
    path.write_text(
        "Sample ID;Weight (g);Hg (ng);Result (ng/g);Date\n"
        "P-001;0,1003;45,1;449,7;2024-08-20\n"  # 2: fine
        "X-99;0,1;4,0;40,0;2024-08-20\n"  # 3: not in the register
        "P-002;0,1;4,0;4O,0;2024-08-20\n"  # 4: letter O in a number
        "H-01;-0,01;3,0;300;2024-08-20\n"  # 5: negative weight
        "P-001 R2;0,1;4,0;;2024-08-20\n"  # 6: missing result
        "P-002 R2;0,1;45,0;0,45;2024-08-20\n"  # 7: result unit off by 1000
        "P-002 R3;0,1;4,0;40.0;2024-08-20\n"  # 8: decimal point in a decimal-comma file
        "P-002 R4;0,1;4,0;40,0;2024-08-10\n"
    )  # 9: analysed before the lab received it
    with pytest.raises(InputError) as exc:
        read_dma_export(path, register)
    msg = str(exc.value)
    assert "nothing imported" in msg and f"{path}:2:" not in msg
    assert f"{path}:3: field 'Sample ID' = 'X-99': expected a sample_id of {register}" in msg
    assert f"{path}:4: field 'Result (ng/g)' = '4O,0': expected a number" in msg
    assert f"{path}:5: field 'Weight (g)' = '-0,01': expected a positive sample mass" in msg
    assert f"{path}:6: field 'Result (ng/g)' = '': expected a result" in msg
    assert f"{path}:7: field 'Result (ng/g)' = '0,45': expected about 450 ng/g" in msg
    assert f"{path}:8: field 'Result (ng/g)' = '40.0': expected a number (with a decimal comma" in msg
    assert f"{path}:9: field 'analysed_at' = '2024-08-10': expected a date on or after received_at (2024-08-14)" in msg


def test_register_problems_formats_and_limits(tmp_path, register):
    bad_register = write(tmp_path, [REGISTER[0], {**REGISTER[2], "donor_id": "", "community": ""}], name="reg2.csv")
    path = tmp_path / "run.csv"
    path.write_text(EXPORT_EN)
    with pytest.raises(InputError) as exc:
        read_dma_export(path, bad_register)
    msg = str(exc.value)
    assert msg.startswith("2 problem(s)") and f"{bad_register}:3: field 'donor_id'" in msg
    assert f"{path}:9:" not in msg  # H-01's measurement is not reported again as an unknown sample
    assert f"{path}:10: field 'Sample ID' = 'P-002'" in msg  # P-002 is not in this register

    # A lab's own format: only what differs from dma80, here a concentration LOD of 1 ng/g.
    fmt = {"extends": "dma80", "limits": {"lod": {"value": 1, "unit": "ng/g"}}}
    r = read_dma_export(path, register, fmt=fmt).set_index("sample_id")
    assert r.loc["B1/Blank", "censored"] and r.loc["B1/Blank", "value"] == pytest.approx(1.0)
    assert (r.lod.astype(float) == 1.0).all()
    with pytest.raises(InputError, match="unknown DMA export format 'dma99'"):
        get_format("dma99")
    lab_yaml = tmp_path / "lab.yaml"
    lab_yaml.write_text("formats:\n  milab:\n    extends: dma80\n    columns:\n      sample_name: [Codigo Lab]\n")
    (tmp_path / "lab.csv").write_text("Codigo Lab,Weight (g),Hg (ng),Result (ng/g)\nP-001,0.1,45,450\n")
    out = read_dma_export(tmp_path / "lab.csv", register, fmt="milab", formats=lab_yaml)
    assert list(out.sample_id) == ["P-001"] and out.batch.iloc[0] == "B1"
