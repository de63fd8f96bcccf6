"""Reference layers (issue #19, seeing the change): `centinela layers import` → store (both dialects, audited) →
GET /api/layers and /api/layers/{name}; a re-import replaces; bad files are refused naming file and field.
And GET /api/attributions: every data source the map shows, credited."""

from __future__ import annotations

import json

import pytest
import shapely
from fastapi.testclient import TestClient

from centinela.cli import main
from centinela.store import embedded_store, open_store
from centinela.store.layers import read_reference_file
from centinela.web import Settings, create_app
from test_web_api import login, seed


def write_geojson(path, features):
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(g)}
                    for props, g in features
                ],
            }
        )
    )
    return path


RIVER = shapely.LineString([(-69.7, -12.95), (-69.6, -12.9), (-69.5, -12.92)])
TOWNS = [
    ({"NOMBCP": "Boca Colorado"}, shapely.Point(-70.5, -12.5)),
    ({"NOMBCP": "Huepetuhe"}, shapely.Point(-70.6, -12.9)),
]


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


def test_store_replaces_a_layer_by_name_and_audits_it(target, tmp_path):
    st = open_store(target)
    towns = write_geojson(tmp_path / "towns.geojson", TOWNS)
    assert st.import_reference_layer(read_reference_file(towns, "towns", "poblados", "INEI 2017"), "ana") == 2
    assert st.import_reference_layer(read_reference_file(towns, "towns", "poblados", "INEI 2017"), "ana") == 2
    layers = st.reference_layers()
    assert [(r["name"], r["kind"], r["features"], r["attribution"]) for r in layers] == [
        ("poblados", "towns", 2, "INEI 2017")
    ]
    f = st.reference_features("poblados")
    assert sorted(f.label) == ["Boca Colorado", "Huepetuhe"] and f.geometry.iloc[0].geom_type == "Point"
    entries = [e for e in st.audit() if e["action"] == "layers_import"]
    assert len(entries) == 2 and entries[-1]["actor"] == "ana"
    assert st.verify().ok, "the reference table's digest matches the audit log"


def test_cli_import_api_reimport_and_attributions(tmp_path, capsys):
    store = tmp_path / "s.gpkg"
    st = embedded_store(store)
    app = seed(st, tmp_path)
    rivers = write_geojson(tmp_path / "rivers.geojson", [({"name": "Río Madre de Dios"}, RIVER)])
    args = ["layers", "import", str(rivers), "--kind", "rivers", "--name", "rios", "--store", str(store)]
    code, out = run([*args, "--attribution", "ANA Perú"], capsys)
    assert code == 0 and "rios" in out, out

    client = TestClient(app)
    login(client, "viewer")
    assert client.get("/api/layers").json() == [
        {"name": "rios", "kind": "rivers", "attribution": "ANA Perú", "features": 1, "imported_at": ANY}
    ]
    fc = client.get("/api/layers/rios").json()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 1
    assert fc["features"][0]["properties"]["label"] == "Río Madre de Dios"
    assert fc["features"][0]["geometry"]["type"] == "LineString" and fc["simplified"] is False
    assert client.get("/api/layers/nothing").status_code == 404

    # re-import: the layer is replaced (no duplicates), with the new attribution
    write_geojson(
        rivers, [({"name": "Río Madre de Dios"}, RIVER), ({"name": "Río Inambari"}, RIVER.offset_curve(0.01))]
    )
    code, out = run([*args, "--attribution", "ANA Perú 2024"], capsys)
    assert code == 0, out
    assert [(r["features"], r["attribution"]) for r in client.get("/api/layers").json()] == [(2, "ANA Perú 2024")]
    assert len(client.get("/api/layers/rios").json()["features"]) == 2

    texts = [a["text"] for a in client.get("/api/attributions").json()]
    assert "ANA Perú 2024" in texts and "ANA Perú" not in texts
    assert not any("Copernicus" in x for x in texts), "no catalog on this server: no imagery to credit"
    with_imagery = create_app(Settings(store=str(store), work_dir=tmp_path / "w2", catalog=str(tmp_path)))
    c2 = TestClient(with_imagery)
    login(c2, "viewer")
    first = c2.get("/api/attributions").json()[0]
    assert first["kind"] == "imagery" and first["text"].startswith("Contains modified Copernicus Sentinel data 20")


def test_bad_files_are_refused_naming_file_and_field(tmp_path, capsys):
    store = tmp_path / "s.gpkg"
    roads = write_geojson(tmp_path / "roads.geojson", [({"name": "IIRSA Sur"}, shapely.Point(-70, -12.6))])
    code, out = run(["layers", "import", str(roads), "--kind", "roads", "--name", "vias", "--attribution", "MTC",
                     "--store", str(store)], capsys)  # fmt: skip
    assert code == 2 and "roads.geojson" in out and "'geometry'" in out and "Point" in out, out
    towns = write_geojson(tmp_path / "towns.geojson", [({"codigo": 1}, shapely.Point(-70, -12.6))])
    code, out = run(["layers", "import", str(towns), "--kind", "towns", "--name", "p", "--attribution", "INEI",
                     "--store", str(store)], capsys)  # fmt: skip
    assert code == 2 and "towns.geojson" in out and "codigo" in out and "--label-field" in out, out
    bad = tmp_path / "broken.geojson"
    bad.write_text("{not json")
    code, out = run(["layers", "import", str(bad), "--kind", "other", "--name", "x", "--attribution", "me",
                     "--store", str(store)], capsys)  # fmt: skip
    assert code == 2 and "broken.geojson" in out, out
    code, out = run(["layers", "import", str(roads), "--kind", "lakes", "--name", "x", "--attribution", "me",
                     "--store", str(store)], capsys)  # fmt: skip
    assert code == 2 and "--kind 'lakes'" in out and "rivers, roads, towns, other" in out, out
    assert embedded_store(store).reference_layers() == [], "nothing was stored by a refused import"


class _Any:
    def __eq__(self, other):
        return isinstance(other, str) and len(other) >= 19

    def __repr__(self):
        return "ANY"


ANY = _Any()
