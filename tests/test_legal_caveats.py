"""Legal verdicts carry their caveats everywhere they appear (issue #18, point 9): the instrument and article,
whether the article was verified against the official text (and where), and whether the zone layer behind
the verdict is illustrative, bundled (approximate) or imported — in the API, exports and the bulletin, fully
in Spanish or fully in English."""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from importlib.resources import files
from io import StringIO

import geopandas as gpd
import pandas as pd
import pytest
import shapely
import yaml
from fastapi.testclient import TestClient
from markupsafe import escape

from centinela.errors import InputError
from centinela.store import embedded_store
from centinela.store.exports import LEGAL_COLUMNS, export
from centinela.web import Settings, create_app
from centinela.zones import (
    ZoneSet,
    assess,
    legal_verdict,
    load_rules,
    load_zones,
    normalise_events,
    prepare_layer,
    split_by_zones,
    verification_note,
    zone_table,
)
from centinela.zones.illustrative import illustrative_layers

PASSWORD = "correct horse battery"
BUNDLED_RULES = files("centinela.zones").joinpath("rules", "peru_madre_de_dios.yaml")
PA = shapely.box(-70.10, -13.00, -70.08, -12.98)  # a hand-made protected area
INSIDE = shapely.Point(-70.09, -12.99).buffer(0.001)
# Words that give away the other language in a verdict (zone and instrument names are proper names, and
# the rule ids are codes: none of these words occurs in them).
ENGLISH = (
    "verified",
    "verify",
    "not ",
    "none of",
    "official",
    "layer",
    "illustrative",
    "shipped",
    "prohibited",
    "legal basis",
    "rule ",
    "article",
    "law ",
)
SPANISH = (
    "verificad",
    "verificación",
    "oficial",
    "capa",
    "ilustrativ",
    "prohibida",
    "fundamento",
    "regla",
    "ley ",
    "d.l.",
    "d.s.",
    "artículo",
    "ninguna",
)


def _layer(kind, geoms, names, layer, illustrative=False):
    return prepare_layer(
        gpd.GeoDataFrame({"nombre": names}, geometry=geoms, crs=4326),
        layer,
        kind,
        "nombre",
        "SERNANP (test)",
        "l",
        "",
        layer,
        illustrative,
    )


def _alerts(geoms, ids=None, cause="mining"):
    g = gpd.GeoDataFrame(
        {
            "alert_id": ids or [f"CEN-{i}" for i in range(len(geoms))],
            "first_seen": "2024-03-05",
            "confirmed": None,
            "cause": cause,
            "confidence": "high",
            "reasons": "test",
        },
        geometry=geoms,
        crs=4326,
    )
    g["area_ha"] = (g.to_crs(32719).area / 1e4).round(4)
    p = g.geometry.representative_point()
    g["lon"], g["lat"] = p.x, p.y
    return g


def _words(text: str, markers) -> list[str]:
    low = text.lower()
    return [m for m in markers if m in low]


@pytest.fixture
def zones():
    return ZoneSet.from_layers([_layer("protected_area", [PA], ["Reserva de prueba"], "anp_sernanp")])


# --- the verdict itself ----------------------------------------------------------------------------------


def test_a_prohibited_verdict_names_instrument_verification_and_layer_in_each_language(zones):
    rules = load_rules()
    es = assess(_alerts([INSIDE]), zones, rules, "es").iloc[0]
    assert es.legal_status == "prohibited" and es.legal_rules.startswith("MDD-ANP")
    assert "Ley N.° 26834" in es.legal_instrument and es.legal_verified == "U" and es.legal_source == ""
    assert es.legal_layer == "imported" and not es.illustrative_basis
    assert es.legal_caveat.startswith("Prohibida. Fundamento (regla MDD-ANP): Ley N.° 26834")
    assert "no fue verificad" in es.legal_caveat or "ninguna de estas citas fue verificada" in es.legal_caveat
    assert "importada" in es.legal_caveat and "«anp_sernanp»" in es.legal_caveat
    assert _words(es.legal_caveat, ENGLISH) == [], es.legal_caveat
    en = legal_verdict(es, rules, "en")  # any language from the same judgement
    assert en.sentence.startswith("Prohibited. Legal basis (rule MDD-ANP): Law No. 26834")
    assert "not verified against the official text" in en.sentence or "none of these citations" in en.sentence
    assert _words(en.sentence, SPANISH) == [], en.sentence
    assert len(en.lines()) == 4 and en.lines()[0] == "Legal status: Prohibited"


def test_illustrative_bundled_and_imported_layers_read_differently(zones):
    rules = load_rules()
    # an illustrative corridor only: outside it, the verdict rests on a layer drawn for a demonstration
    corridor = illustrative_layers((-71.0, -14.0, -70.5, -13.5), gpd.GeoDataFrame(geometry=[], crs=4326))
    ill = assess(_alerts([INSIDE]), ZoneSet.from_layers(corridor), rules, "es").iloc[0]
    assert ill.legal_status == "not_formalisable" and ill.legal_layer == "illustrative" and ill.illustrative_basis
    v = legal_verdict(ill, rules, "en")
    assert v.layer_illustrative and v.as_dict()["layer_illustrative"] is True
    assert "illustrative, drawn for a demonstration, not a legal boundary" in v.sentence
    assert "ilustrativa" in ill.legal_caveat
    # the bundled protected areas are a generalised copy: approximate, not the official layer
    bundled = load_zones()
    reserve = bundled.of_kind("protected_area").set_index("name").geometry["Reserva Nacional Tambopata"]
    in_tambopata = reserve.representative_point().buffer(0.002)  # the generalised layer shipped with Centinela
    b = assess(_alerts([in_tambopata]), bundled, rules, "es").iloc[0]
    assert b.legal_status == "prohibited" and b.legal_layer == "bundled" and not b.illustrative_basis
    assert "aproximada, incluida con Centinela" in b.legal_caveat and "no es la capa oficial" in b.legal_caveat
    # an imported layer: named, and neither flag
    imp = assess(_alerts([INSIDE]), zones, rules, "en").iloc[0]
    assert imp.legal_layer == "imported" and "approximate" not in imp.legal_caveat
    assert "illustrative" not in imp.legal_caveat
    # not mining: no law cited, nothing verified, no layer
    other = assess(_alerts([INSIDE], cause="other"), zones, rules, "es").iloc[0]
    assert other.legal_caveat == "No es minería." and other.legal_verified == "" and other.legal_layer == ""


def _rules_file(tmp_path, verified: dict | None, name="r.yaml"):
    doc = yaml.safe_load(BUNDLED_RULES.read_text(encoding="utf-8"))
    anp = next(r for r in doc["rules"] if r["id"] == "MDD-ANP")
    if verified is not None:
        anp["basis"] = [{**anp["basis"][0], **verified}]
    p = tmp_path / name
    p.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return p


def test_a_verified_rule_and_an_unverified_rule_read_differently(tmp_path, zones):
    checked = {
        "article": {"es": "art. 27", "en": "art. 27"},
        "verified": "V",
        "source": "El Peruano (test citation)",
        "read": "art. 27 as published",
    }
    verified = load_rules(_rules_file(tmp_path, checked))
    unverified = load_rules()
    a = _alerts([INSIDE])
    v = legal_verdict(assess(a, zones, verified, "es").iloc[0], verified, "es")
    u = legal_verdict(assess(a, zones, unverified, "es").iloc[0], unverified, "es")
    assert v.verified == "V" and u.verified == "U" and v.sentence != u.sentence
    assert "verificado contra el texto oficial (art. 27 as published; El Peruano (test citation))" in v.sentence
    assert "no verificad" not in v.sentence and "ninguna de estas citas" not in v.sentence
    assert "ninguna de estas citas fue verificada contra el texto oficial" in u.sentence
    assert v.as_dict()["source"] == ["El Peruano (test citation)"] and u.as_dict()["source"] == []
    assert v.as_dict()["article"] == ["art. 27"]
    # V2: read quoted in a secondary source, said so
    v2 = load_rules(_rules_file(tmp_path, {**checked, "verified": "V2"}, "v2.yaml"))
    s2 = legal_verdict(assess(a, zones, v2, "en").iloc[0], v2, "en").sentence
    assert "read in a secondary source that quotes it, not in the official text" in s2


def test_rule_files_must_state_verification_with_its_source(tmp_path):
    with pytest.raises(InputError, match=r"MDD-ANP: basis\[0\]\.verified is V but 'source'"):
        load_rules(_rules_file(tmp_path, {"verified": "V"}))
    with pytest.raises(InputError, match=r"verified is 'yes'; expected one of V, V2, U"):
        load_rules(_rules_file(tmp_path, {"verified": "yes"}, "b.yaml"))
    with pytest.raises(InputError, match=r"instrument' must give text for each of es, en"):
        load_rules(_rules_file(tmp_path, {"instrument": {"es": "Ley N.° 1"}}, "c.yaml"))
    # a rule file written before `basis` still loads: its free-text source becomes one unverified citation
    doc = yaml.safe_load(_rules_file(tmp_path, None, "d.yaml").read_text(encoding="utf-8"))
    for r in doc["rules"]:
        r.pop("basis")
        r["source"] = "Norma X"
    old = tmp_path / "old.yaml"
    old.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert all(c.verified == "U" and c.instrument["en"] == "Norma X" for r in load_rules(old).rules for c in r.basis)


def test_bundled_rules_cite_instruments_in_both_languages_and_no_bare_verify():
    assert "(verify)" not in BUNDLED_RULES.read_text(encoding="utf-8")
    rules = load_rules()
    for r in rules.rules:
        assert r.basis, r.id
        for c in r.basis:
            assert c.instrument["es"] != c.instrument["en"], (r.id, c.instrument)
            # nothing was read in the official text for these rules: claiming otherwise needs a source
            assert c.verified == "U" or (c.source and c.read), (r.id, c)
    assert "no verificado contra el texto oficial" in verification_note("es").lower()
    assert "not verified against the official text" in verification_note("en").lower()


# --- the API and the web export ---------------------------------------------------------------------------


@pytest.fixture
def web(tmp_path):
    store = embedded_store(tmp_path / "centinela.gpkg")
    store.ingest(_alerts([INSIDE, shapely.Point(-70.3, -12.9).buffer(0.001)], ["CEN-P", "CEN-Q"]), actor="detector")
    store.import_zones(_layer("protected_area", [PA], ["Reserva de prueba"], "anp_sernanp"), actor="test")
    store.add_user("analyst", PASSWORD, "analyst", actor="test")
    app = create_app(Settings(store=str(store.path), work_dir=tmp_path / "web"))
    client = TestClient(app)
    assert client.post("/api/login", json={"username": "analyst", "password": PASSWORD}).status_code == 200
    return client


def test_api_alert_json_has_the_verdict_fields_and_sentence(web):
    p = web.get("/api/alerts/CEN-P").json()["properties"]
    legal = p["legal"]
    assert legal["verdict"] == "prohibited" and p["legal_status"] == "prohibited"
    assert legal["instrument"][0].startswith("Ley N.° 26834") and len(legal["article"]) == len(legal["instrument"])
    assert legal["verified"] == "U" and legal["source"] == []
    assert legal["layer"] == "imported" and legal["layer_illustrative"] is False
    assert legal["citations"][0]["rule"] == "MDD-ANP" and legal["citations"][0]["verified"] == "U"
    assert legal["sentence"] == p["legal_caveat"] and legal["sentence"].startswith("Prohibida. Fundamento")
    assert (
        legal["sentences"]["en"].startswith("Prohibited. Legal basis") and legal["sentences"]["es"] == legal["sentence"]
    )
    assert _words(legal["sentences"]["en"], SPANISH) == [] and _words(legal["sentences"]["es"], ENGLISH) == []


def test_web_export_carries_the_legal_columns(web):
    r = web.get("/api/export?format=csv")
    assert r.status_code == 200
    rows = pd.read_csv(StringIO(r.text)).set_index("alert_id")
    assert set(LEGAL_COLUMNS) <= set(rows.columns)
    assert rows.loc["CEN-P", "legal_status"] == "prohibited" and rows.loc["CEN-P", "legal_verified"] == "U"
    assert rows.loc["CEN-P", "legal_caveat"].startswith("Prohibida. Fundamento (regla MDD-ANP)")


# --- GIS/GPS exports ---------------------------------------------------------------------------------------


def test_exports_have_the_legal_columns_in_every_format(tmp_path, zones):
    a = _alerts([INSIDE])
    g = gpd.read_file(export(a, tmp_path / "a.gpkg", zones=zones, lang="en"), layer="alerts")
    assert set(LEGAL_COLUMNS) <= set(g.columns)
    row = g.iloc[0]
    assert row.legal_status == "prohibited" and row.legal_label == "Prohibited" and row.legal_verified == "U"
    assert row.legal_layer == "imported" and not bool(row.legal_layer_illustrative)
    assert row.legal_instrument.startswith("Law No. 26834") and row.legal_caveat.startswith("Prohibited.")
    csv = pd.read_csv(export(a, tmp_path / "a.csv", zones=zones, lang="es"))
    assert set(LEGAL_COLUMNS) <= set(csv.columns) and csv.legal_caveat[0].startswith("Prohibida.")
    gj = json.loads(export(a, tmp_path / "a.geojson", zones=zones).read_text(encoding="utf-8"))
    assert set(LEGAL_COLUMNS) <= set(gj["features"][0]["properties"])
    kmz = export(a, tmp_path / "a.kmz", zones=zones, lang="es")
    with zipfile.ZipFile(kmz) as z:
        assert "ninguna de estas citas fue verificada" in z.read("doc.kml").decode()
    gpx = export(a, tmp_path / "a.gpx", zones=zones, lang="en").read_text(encoding="utf-8")
    assert "none of these citations was verified against the official text" in gpx
    # a filter that matches nothing still writes its files, with the legal columns where the format has columns
    assert "legal_caveat" in pd.read_csv(export(a.iloc[:0], tmp_path / "e.csv", zones=zones)).columns
    assert export(a.iloc[:0], tmp_path / "e.gpx", zones=zones).exists()
    # without zones an export stays as it was (no half verdicts)
    plain = pd.read_csv(export(a, tmp_path / "p.csv"))
    assert "legal_caveat" not in plain.columns


# --- the bulletin ---------------------------------------------------------------------------------------------


def _legal_parts(html: str) -> str:
    """The bulletin's legal text: the legal section (note and table), each verdict cell and the rules table."""
    parts = re.findall(r'<p class="small" id="legal-note">.*?</p>', html, re.S)
    parts += re.findall(r'<div class="small legal-caveat">.*?</div>', html, re.S)
    parts += re.findall(r'<table id="legal-rules">.*?</table>', html, re.S)
    return re.sub(r"<[^>]+>", " ", "\n".join(parts))


@pytest.mark.parametrize("lang", ["es", "en"])
def test_bulletin_legal_text_is_fully_in_its_language(tmp_path, zones, lang, monkeypatch):
    from centinela.reports import bulletin

    monkeypatch.setattr(bulletin, "write_pdf", lambda html, out, path: path)  # the HTML is what is checked
    rules = load_rules()
    assessed = assess(_alerts([INSIDE]), zones, rules, lang)
    table = zone_table(split_by_zones(normalise_events(assessed, "test"), zones))
    files = bulletin.write_bulletin(
        assessed, table, zones, rules, dt.date(2024, 1, 1), dt.date(2024, 12, 31), tmp_path, lang
    )
    html = files.html.read_text(encoding="utf-8")
    assert "(verify)" not in html and "(verificar)" not in html
    legal = _legal_parts(html)
    note = verification_note(lang)
    assert max(html.count(note), html.count(str(escape(note)))) == 1, "the meaning of 'not verified' is said once"
    assert legal.count("MDD-ANP") >= 2, "the verdict cell and the rules table"
    if lang == "es":
        assert "no verificado contra el texto oficial" in legal and "Ley N.° 26834" in legal
        assert _words(legal, ENGLISH) == [], legal
    else:
        assert "not verified against the official text" in legal and "Law No. 26834" in legal
        assert _words(legal, SPANISH) == [], legal
