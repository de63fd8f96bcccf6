"""Laboratory files as labs make them (issue #17, points 2, 5 and 6): Spanish Excel CSVs and latin-1 files,
fish names as collectors write them matched to one species (or mapped once with --species-map), and the
plausibility checks that stop an import (errors) or ask the user to accept it (warnings)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pandas as pd
import pytest

from centinela.cli import main
from centinela.errors import InputError
from centinela.mercury.ingest import read_results
from centinela.mercury.species import load_species, match, read_species_map
from centinela.store import embedded_store

# One fish sample as a lab in Puerto Maldonado records it (template columns, English names).
FISH = {
    "sample_id": "P-001",
    "site_id": "S-01",
    "lat": "-12.59",
    "lon": "-69.19",
    "matrix": "fish",
    "collected_at": "2024-08-12",
    "collected_by": "J. Quispe",
    "received_at": "2024-08-14",
    "species": "Boquichico",
    "analyte": "THg",
    "value": "0.42",
    "unit": "mg/kg",
    "basis": "wet",
    "method": "EPA 7473",
    "lod": "0.005",
    "loq": "0.015",
    "batch": "B-2024-08-1",
    "qc_type": "sample",
    "analysed_at": "2024-08-20",
}


def write_csv(path, rows, headers=None, sep=",", encoding="utf-8"):
    """Rows (dicts of template fields) → a CSV with ``headers`` ({field: header}) as a lab's software writes it."""
    headers = headers or {k: k for k in rows[0]}
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator="\r\n")
    w.writerow(headers.values())
    for r in rows:
        w.writerow([r.get(k, "") for k in headers])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def stored(store):
    """The store's current results; empty when nothing was ever imported."""
    try:
        return embedded_store(store).results()
    except InputError as exc:
        assert "no mercury results yet" in str(exc)
        return pd.DataFrame()


def run(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--lang", "en", *args])
    out = capsys.readouterr()
    return exc.value.code, out.out + out.err


# --- files as labs make them ------------------------------------------------------------------------------------

SPANISH_HEADERS = {  # as typed in a lab's spreadsheet: capitals, accents, "años"
    "sample_id": "ID_Muestra",
    "site_id": "Id Sitio",
    "lat": "Latitud",
    "lon": "Longitud",
    "matrix": "Matriz",
    "collected_at": "Fecha_Colecta",
    "collected_by": "Colectado_por",
    "transferred": "Transferencias",
    "received_at": "Fecha_Recepción",
    "condition": "Estado_muestra",
    "species": "Especie",
    "weight_g": "Peso_g",
    "community": "Comunidad",
    "age_years": "Edad_años",
    "analyte": "Analito",
    "value": "Valor",
    "unit": "Unidad",
    "basis": "Base",
    "moisture": "Humedad",
    "method": "Método",
    "lod": "LD",
    "loq": "LC",
    "batch": "Lote",
    "qc_type": "Tipo_QC",
    "analysed_at": "Fecha_Análisis",
}


def spanish_excel_rows():
    """Cells as Excel in Spanish saves them: decimal commas, dates day first, free text with commas."""
    fish = {
        **FISH,
        "lat": "-12,5931",
        "lon": "-69,1894",
        "collected_at": "12/08/2024",
        "received_at": "14/08/2024",
        "analysed_at": "20/08/2024 09:15",
        "transferred": "12/08/2024 J. Quispe a R. Mamaní (bote); 14/08/2024 a Lab, sellado",
        "condition": "“congelado” – sellado",
        "species": "Boca Chico",
        "weight_g": "1250",
        "value": "0,42",
    }
    censored = {**fish, "sample_id": "P-002", "species": "YAHUARACHI", "value": "<0,005", "weight_g": "310,5"}
    sediment = {
        **FISH,
        "sample_id": "SD-01",
        "matrix": "sediment",
        "species": "",
        "basis": "dry",
        "value": "0,087",
        "moisture": "0,35",
        "lat": "-12,6012",
        "lon": "-69,2207",
        "collected_at": "13/08/2024",
        "received_at": "14/08/2024",
        "analysed_at": "21/08/2024",
    }
    hair = {
        **FISH,
        "sample_id": "H-01",
        "matrix": "hair",
        "species": "",
        "unit": "µg/g",
        "basis": "none",
        "value": "3,1",
        "community": "Boca Colorado",
        "age_years": "27",
        "collected_at": "13/08/2024",
        "received_at": "14/08/2024",
        "analysed_at": "21/08/2024",
    }
    return [fish, censored, sediment, hair]


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_excel_spanish_csv_imports_with_exact_values(tmp_path, encoding):
    path = write_csv(tmp_path / "resultados.csv", spanish_excel_rows(), SPANISH_HEADERS, sep=";", encoding=encoding)
    assert (b"\x96" in path.read_bytes()) == (encoding == "cp1252"), "the en dash is one cp1252 byte"
    r = read_results(path).set_index("sample_id")
    assert r.loc["P-001", "value"] == 0.42 and r.loc["SD-01", "value"] == 0.087 and r.loc["H-01", "value"] == 3.1
    assert (r.loc["P-001", "lat"], r.loc["P-001", "lon"]) == ("-12.5931", "-69.1894")
    assert r.loc["SD-01", "moisture"] == "0.35" and r.loc["P-002", "weight_g"] == "310.5"
    assert r.loc["P-002", "censored"] and r.loc["P-002", "value"] == 0.005
    assert (r.loc["P-001", "collected_at"], r.loc["P-001", "received_at"]) == ("2024-08-12", "2024-08-14")
    assert r.loc["P-001", "analysed_at"] == "2024-08-20"
    # Free text keeps its commas and dates as written; the cp1252 quotes and dash are read as such.
    assert r.loc["P-001", "transferred"] == "12/08/2024 J. Quispe a R. Mamaní (bote); 14/08/2024 a Lab, sellado"
    assert r.loc["P-001", "condition"] == "“congelado” – sellado"
    assert r.loc["H-01", "age_years"] == "27" and r.loc["H-01", "unit"] == "µg/g"
    assert r.loc["P-001", "species"] == "Prochilodus nigricans" and r.loc["P-001", "species_as_written"] == "Boca Chico"
    assert r.loc["P-002", "species"] == "Potamorhina altamazonica"
    assert r.loc["P-001", "fish_group"] == "non_predatory", "a blank fish_group comes from the species' guild"
    assert list(r.source_line) == [2, 3, 4, 5]
    assert r.attrs["warnings"] == []


def test_latin1_file_is_read(tmp_path):
    rows = [
        {**FISH, "collected_by": "R. Huamán", "species": "Doncella", "transferred": "R. Huamán a Laboratorio Señor"},
        {**FISH, "sample_id": "P-002", "species": "Piraña", "collected_by": "C. Ríos"},
    ]
    path = write_csv(tmp_path / "latin1.csv", rows, encoding="latin-1")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    r = read_results(path).set_index("sample_id")
    assert r.loc["P-001", "collected_by"] == "R. Huamán" and r.loc["P-002", "collected_by"] == "C. Ríos"
    assert r.loc["P-001", "transferred"] == "R. Huamán a Laboratorio Señor"
    assert r.loc["P-001", "species"] == "Pseudoplatystoma fasciatum" and r.loc["P-001", "fish_group"] == "predatory"
    assert (
        r.loc["P-002", "species"] == "Pygocentrus/Serrasalmus spp." and r.loc["P-002", "species_as_written"] == "Piraña"
    )


def test_numbers_that_read_two_ways_are_refused_with_the_line(tmp_path):
    spanish = {**FISH, "lat": "-12,59", "lon": "-69,19", "weight_g": "950"}
    rows = [
        {**spanish, "value": "0,42"},
        {**spanish, "sample_id": "P-002", "value": "0,38", "weight_g": "1.800"},  # 1800 g or 1.8 g?
        {**spanish, "sample_id": "P-003", "value": "1.234,5", "unit": "ng/g"},  # thousands and decimal separators
    ]
    path = write_csv(tmp_path / "mixed.csv", rows, sep=";", encoding="cp1252")
    with pytest.raises(InputError) as exc:
        read_results(path)
    msg = str(exc.value)
    assert "nothing imported" in msg and f"{path}:2:" not in msg
    assert f"{path}:3: field 'weight_g' = '1.800': expected a number that reads one way only" in msg
    assert "1800 (with a thousands separator) or 1.800" in msg
    assert f"{path}:4: field 'value' = '1.234,5': expected a number without thousands separators" in msg
    assert msg.startswith("2 problem(s)"), "each bad cell is named once"

    # A decimal comma in a comma-separated file splits the row: refused with the advice to save with ';'.
    path = tmp_path / "comma.csv"
    path.write_text("sample_id,matrix,analyte,value,unit,basis,batch,qc_type\nP-1,fish,THg,0,42,mg/kg,wet,B1,sample\n")
    with pytest.raises(InputError, match=r"comma\.csv:2: 9 fields but the header has 8: .*save the CSV with ';'"):
        read_results(path)


# --- species names ----------------------------------------------------------------------------------------------

# Fifty spellings met in lab files and community guides, each with the species it must resolve to. The last
# six are typos the table does not know: the user maps them once with --species-map.
SPELLINGS = {
    "Boca Chico": "Prochilodus nigricans",
    "BOCA CHICO": "Prochilodus nigricans",
    "boquichico": "Prochilodus nigricans",
    "BOQUICHICO": "Prochilodus nigricans",
    "boca-chico": "Prochilodus nigricans",
    "Bocachico": "Prochilodus nigricans",
    "boca  chico": "Prochilodus nigricans",
    "Prochilodus nigricans": "Prochilodus nigricans",
    "prochilodus NIGRICANS": "Prochilodus nigricans",
    "Yuarachi": "Potamorhina altamazonica",
    "YAHUARACHI": "Potamorhina altamazonica",
    "yahuarachi": "Potamorhina altamazonica",
    "Yahuárachi": "Potamorhina altamazonica",
    "Llambina": "Potamorhina altamazonica",
    "Potamorhina altamazonica": "Potamorhina altamazonica",
    "Piraña": "Pygocentrus/Serrasalmus spp.",
    "PIRAÑA": "Pygocentrus/Serrasalmus spp.",
    "pirana": "Pygocentrus/Serrasalmus spp.",
    "Paña": "Pygocentrus/Serrasalmus spp.",
    "PAÑA": "Pygocentrus/Serrasalmus spp.",
    "Paña blanca": "Serrasalmus rhombeus",
    "PIRAÑA BLANCA": "Serrasalmus rhombeus",
    "piraña-blanca": "Serrasalmus rhombeus",
    "Huasaco": "Hoplias malabaricus",
    "HUASACO": "Hoplias malabaricus",
    "Fasaco": "Hoplias malabaricus",
    "Shiripira": "Sorubim lima",
    "Pico Pato": "Sorubim lima",
    "pico de pato": "Sorubim lima",
    "Chambira": "Cynodontidae spp.",
    "CHAMBIRA": "Cynodontidae spp.",
    "chambiras": "Cynodontidae spp.",
    "Dorado": "Brachyplatystoma rousseauxii",
    "Zúngaro dorado": "Brachyplatystoma rousseauxii",
    "ZUNGARO DORADO": "Brachyplatystoma rousseauxii",
    "Brachyplatystoma flavicans": "Brachyplatystoma rousseauxii",
    "Doncella": "Pseudoplatystoma fasciatum",
    "Pseudoplatystoma punctifer": "Pseudoplatystoma fasciatum",
    "Corvina": "Plagioscion squamosissimus",
    "CORVINA": "Plagioscion squamosissimus",
    "Carachama": "Loricariidae spp.",
    "carachamas": "Loricariidae spp.",
    "Pristobrycon sp": "Pristobrycon sp.",
    "Pimelodus sp.": "Pimelodus spp.",
    # typos, mapped once
    "Boquichco": "Prochilodus nigricans",
    "Yaurachi": "Potamorhina altamazonica",
    "Chambria": "Cynodontidae spp.",
    "Dorada": "Brachyplatystoma rousseauxii",
    "Doncela": "Pseudoplatystoma fasciatum",
    "Huasacco": "Hoplias malabaricus",
}
TYPOS = ["Boquichco", "Yaurachi", "Chambria", "Dorada", "Doncela", "Huasacco"]


def test_species_table_is_sourced_and_matches_the_guide_spellings():
    table = load_species()
    assert len(table) >= 40 and all(s.source and s.guild and s.family for s in table)
    assert {s.scientific for s in table} >= {
        "Prochilodus nigricans",
        "Potamorhina altamazonica",
        "Calophysus macropterus",
        "Plagioscion squamosissimus",
        "Brachyplatystoma vaillantii",
        "Schizodon fasciatus",
        "Colossoma macropomum",
        "Piaractus brachypomus",
    }
    for name in ("Boca Chico", "BOCA CHICO", "boquichico"):
        assert match(name).scientific == "Prochilodus nigricans"
    for name in ("Yuarachi", "YAHUARACHI"):
        assert match(name).scientific == "Potamorhina altamazonica"
    assert match("Mota").local_name("en") == "mota" and match("manitoa").predatory
    assert match("Rhaphiodon vulpinus").local_name("es") == "chambira", "a species shows its group's local name"
    assert match("chambira").scientific == "Cynodontidae spp.", "but the name alone matches the group"
    assert match("Sapamama") is None


def test_fifty_spellings_resolve_after_mapping_the_typos_once(tmp_path, capsys, monkeypatch):
    assert len(SPELLINGS) == 50
    monkeypatch.chdir(tmp_path)
    rows = [
        {**FISH, "sample_id": f"P-{i:03d}", "species": name, "value": f"0.{i + 10:02d}"}
        for i, name in enumerate(SPELLINGS)
    ]
    path = write_csv(tmp_path / "campania.csv", rows)
    store = tmp_path / "s.gpkg"

    code, out = run(["mercury", "ingest", str(path), "--store", str(store)], capsys)
    assert code == 2 and "nothing imported" in out
    assert f"{path}:46: field 'species' = 'Boquichco': expected a fish of the species table; closest known: " in out
    assert "boquichico (Prochilodus nigricans)" in out and "--species-map" in out
    for typo in TYPOS:
        assert f"field 'species' = '{typo}'" in out
    written = tmp_path / "campania.species-map.csv"
    assert f"A species map to fill in was written: {written}" in out
    assert stored(store).empty, "nothing imported"
    prefilled = pd.read_csv(written, dtype=str).set_index("name")
    assert sorted(prefilled.index) == sorted(TYPOS), "each unknown name once"
    assert {n: prefilled.loc[n, "scientific"] for n in TYPOS} == {n: SPELLINGS[n] for n in TYPOS}

    code, out = run(["mercury", "ingest", str(path), "--store", str(store), "--species-map", str(written)], capsys)
    assert code == 0, out
    r = stored(store)
    assert len(r) == 50
    assert dict(zip(r.species_as_written, r.species, strict=True)) == SPELLINGS


def test_species_map_with_spanish_headers_and_bad_rows(tmp_path):
    good = tmp_path / "mapa.csv"
    good.write_bytes("nombre;científico\nBoquichco;boquichico\nSábalo cola-roja;Brycon spp.\n".encode("cp1252"))
    assert read_species_map(good) == {"Boquichco": "boquichico", "Sábalo cola-roja": "Brycon spp."}
    bad = tmp_path / "malo.csv"
    bad.write_text("name,scientific\nBoquichco,Prochilodus nigricans\nSapamama,\nChambria,Chambiraa\n")
    with pytest.raises(InputError) as exc:
        read_species_map(bad)
    msg = str(exc.value)
    assert f"{bad}:3: field 'scientific' is empty for 'Sapamama'" in msg
    assert f"{bad}:4: field 'scientific' = 'Chambiraa': expected a fish of the species table" in msg
    assert "chambira (Cynodontidae spp.)" in msg


# --- plausibility -----------------------------------------------------------------------------------------------


def test_each_implausible_value_is_a_row_error_naming_file_line_and_field(tmp_path):
    rows = [
        FISH,  # 2: fine
        {**FISH, "sample_id": "P-02", "analysed_at": "2099-05-01"},  # 3: future
        {**FISH, "sample_id": "P-03", "collected_at": "1949-08-12"},  # 4: before 1950
        {**FISH, "sample_id": "P-04", "lat": "-69.19", "lon": "-12.59"},  # 5: swapped
        {**FISH, "sample_id": "P-05", "value": "420"},  # 6: ng/g written as mg/kg
        {**FISH, "sample_id": "P-06", "value": "<0.5"},  # 7: censored at 100 × the LOD
        {**FISH, "sample_id": "P-07", "loq": "0.001"},  # 8: LOQ under the LOD
        {**FISH, "sample_id": "P-08", "lat": "12.59", "lon": "69.19"},  # 9: minus signs lost
    ]
    path = write_csv(tmp_path / "r.csv", rows)
    with pytest.raises(InputError) as exc:
        read_results(path)
    msg = str(exc.value)
    assert "8" not in msg.split(" problem")[0] and msg.startswith("7 problem(s), nothing imported")
    assert f"{path}:2:" not in msg
    assert f"{path}:3: field 'analysed_at' = '2099-05-01': expected a date not after today ({date.today()})" in msg
    assert f"{path}:4: field 'collected_at' = '1949-08-12': expected a date from 1950 on" in msg
    assert f"{path}:5: field 'lat' = '-69.19': latitude and longitude seem swapped" in msg
    assert f"{path}:6: field 'value' = '420': expected a fish result under 37.5 mg/kg" in msg
    assert "as ng/g (= µg/kg) it would be 0.42 mg/kg: check the unit (was it ng/g?)" in msg
    assert f"{path}:7: field 'value' = '<0.5': expected '<0.005'" in msg and "'<0.5' is 100× the LOD" in msg
    assert f"{path}:8: field 'loq' = '0.001': expected a limit of quantification at or above the detection" in msg
    assert f"{path}:9: field 'lat' = '12.59': the minus signs seem lost" in msg


def warning_rows():
    return [
        FISH,  # 2: fine
        {**FISH, "sample_id": "P-02", "lat": "-16.50", "lon": "-68.15"},  # 3: La Paz, Bolivia
        {**FISH, "sample_id": "P-03", "value": "9.1"},  # 4: over twice the highest published fish
        {**FISH, "sample_id": "P-04", "value": "<0.02"},  # 5: neither the LOD nor the LOQ
        {**FISH, "sample_id": "P-05", "species": "Huasaco", "fish_group": "non_predatory"},  # 6: table says predatory
    ]


def test_warnings_stop_the_import_until_accepted(tmp_path, capsys):
    headers = {k: ("espcie" if k == "species" else k) for k in {**FISH, "fish_group": ""}}
    path = write_csv(tmp_path / "w.csv", warning_rows(), headers)
    store = tmp_path / "s.gpkg"
    code, out = run(["mercury", "ingest", str(path), "--store", str(store)], capsys)
    assert code == 2 and "4 warning(s), nothing imported" in out and "--accept-warnings" in out
    assert f"{path}:1: column 'espcie' was ignored: not a template header; did you mean 'especie'?" in out
    assert f"{path}:3: field 'lat' = '-16.50': (lat -16.5, lon -68.15) is outside a generous box around Peru" in out
    assert f"{path}:4: field 'value' = '9.1': 9.1 mg/kg is over 7.5 mg/kg" in out
    assert f"{path}:5: field 'value' = '<0.02': '<0.02' is neither the stated LOD 0.005 / LOQ 0.015" in out
    assert f"{path}:2:" not in out
    assert stored(store).empty

    code, out = run(["mercury", "ingest", str(path), "--store", str(store), "--accept-warnings"], capsys)
    assert code == 0, out
    assert "4 warning(s) accepted with --accept-warnings" in out and "5 results imported" in out
    r = stored(store).set_index("sample_id")
    assert len(r) == 5 and r.loc["P-03", "value_canonical"] == pytest.approx(9.1)
    assert float(r.loc["P-02", "lat"]) == -16.5
    assert set(r.species) == {""}, "the misspelt species column was ignored, as the warning said"


def test_fish_group_against_the_species_table_is_a_warning(tmp_path, capsys):
    path = write_csv(tmp_path / "g.csv", warning_rows()[-1:] + [{**FISH, "sample_id": "P-06", "species": "paco"}])
    r = read_results(path).set_index("sample_id")
    assert r.loc["P-06", "fish_group"] == "non_predatory" and r.loc["P-06", "species"] == "Piaractus brachypomus"
    assert r.loc["P-05", "fish_group"] == "non_predatory", "kept as given once accepted"
    assert r.attrs["warnings"] == [
        f"{path}:2: field 'fish_group' = 'non_predatory': the species table lists Hoplias malabaricus (Huasaco) "
        "as piscivore, i.e. predatory; check the species or the group"
    ]
    code, out = run(["mercury", "ingest", str(path), "--store", str(tmp_path / "s.gpkg")], capsys)
    assert code == 2 and "1 warning(s), nothing imported" in out


def test_excel_sep_line_and_analyser_register_species(tmp_path, capsys, monkeypatch):
    # Some exports start with Excel's "sep=;" line: it sets the separator and is not the header.
    path = tmp_path / "sep.csv"
    path.write_text("sep=;\n" + "\n".join(";".join(r) for r in ([*FISH], [*FISH.values()])) + "\n", encoding="utf-8")
    r = read_results(path)
    assert r.source_line.tolist() == [3] and r.species.iloc[0] == "Prochilodus nigricans"

    # The analyser-export path matches the register's fish names too, and honours --species-map.
    monkeypatch.chdir(tmp_path)
    reg = [
        {**FISH, "value": "", "species": "Boca Chico"},
        {**FISH, "sample_id": "P-002", "value": "", "species": "Doncela"},
    ]
    register = write_csv(tmp_path / "registro.csv", reg, sep=";", encoding="cp1252")
    export = tmp_path / "dma.csv"
    export.write_text("Sample ID;Weight (g);Hg (ng);Result (ng/g)\nP-001;0,1002;10,1;100,8\nP-002;0,0998;30,2;302,6\n")
    store = tmp_path / "s.gpkg"
    args = [
        "mercury",
        "ingest",
        str(export),
        "--store",
        str(store),
        "--instrument",
        "dma80",
        "--register",
        str(register),
    ]
    code, out = run(args, capsys)
    assert code == 2 and f"{register}:3: field 'species' = 'Doncela'" in out and "doncella (Pseudoplatystoma" in out
    written = tmp_path / "dma.species-map.csv"
    assert pd.read_csv(written).set_index("name").loc["Doncela", "scientific"] == "Pseudoplatystoma fasciatum"
    code, out = run([*args, "--species-map", str(written)], capsys)
    assert code == 0, out
    r = stored(store).set_index("sample_id")
    assert r.loc["P-001", "species"] == "Prochilodus nigricans" and r.loc["P-002", "species"] == (
        "Pseudoplatystoma fasciatum"
    )
    assert float(r.loc["P-002", "value_canonical"]) == pytest.approx(0.3026)
