"""Zones: reading layers in every format, repair and errors, splitting by zones, areas, legality rules."""

from __future__ import annotations

import logging
import zipfile

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod

from centinela import data
from centinela.errors import InputError
from centinela.zones import (
    ZoneSet,
    assess,
    load_rules,
    load_zones,
    normalise_events,
    prepare_layer,
    read_zone_file,
    split_by_zones,
    zone_table,
)

BOX_A = shapely.box(-70.00, -13.00, -69.98, -12.98)  # ~2.2 km squares in Madre de Dios
BOX_B = shapely.box(-69.98, -13.00, -69.96, -12.98)


def zones_file(tmp_path, driver, suffix, crs=4326, geoms=(BOX_A, BOX_B), names=("Zona A", "Zona B")):
    g = gpd.GeoDataFrame({"nombre": list(names)}, geometry=list(geoms), crs=4326).to_crs(crs)
    path = tmp_path / f"z{suffix}"
    g.to_file(path, driver=driver)
    return path


@pytest.mark.parametrize(
    "driver,suffix", [("GPKG", ".gpkg"), ("GeoJSON", ".geojson"), ("KML", ".kml"), ("FlatGeobuf", ".fgb")]
)
def test_formats_are_read_reprojected_and_traced(tmp_path, driver, suffix):
    crs = 32719 if driver in ("GPKG", "FlatGeobuf") else 4326  # KML and GeoJSON are WGS84 by definition
    path = zones_file(tmp_path, driver, suffix, crs=crs)
    lyr = read_zone_file(path, "protected_area", "nombre", source="SERNANP test", licence="CC0")
    assert lyr.zones.crs.to_epsg() == 4326 and len(lyr.zones) == 2
    assert set(lyr.zones.name) == {"Zona A", "Zona B"}
    assert lyr.source == "SERNANP test" and lyr.licence == "CC0" and len(lyr.file_sha256) == 64
    by_name = dict(zip(lyr.zones.name, lyr.zones.geometry, strict=True))  # some formats (FlatGeobuf) reorder features
    assert by_name["Zona A"].hausdorff_distance(BOX_A) < 1e-6 and by_name["Zona B"].hausdorff_distance(BOX_B) < 1e-6


def test_zipped_shapefile(tmp_path):
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    gpd.GeoDataFrame({"nombre": ["Concesión 1"]}, geometry=[BOX_A], crs=32719 if False else 4326).to_file(
        shp_dir / "conc.shp"
    )
    z = tmp_path / "conc.zip"
    with zipfile.ZipFile(z, "w") as f:
        for p in shp_dir.iterdir():
            f.write(p, p.name)
    lyr = read_zone_file(z, "mining_concession", "nombre")
    assert len(lyr.zones) == 1 and lyr.layer == "conc"


def test_self_intersecting_polygon_is_repaired_and_reported(tmp_path, caplog):
    bowtie = shapely.Polygon([(-70.0, -13.0), (-69.98, -12.98), (-69.98, -13.0), (-70.0, -12.98), (-70.0, -13.0)])
    path = zones_file(tmp_path, "GeoJSON", ".geojson", geoms=(bowtie, BOX_B))
    with caplog.at_level(logging.WARNING):
        lyr = read_zone_file(path, "buffer_zone", "nombre")
    assert lyr.repaired == 1 and lyr.zones.geometry.is_valid.all()
    assert "repaired 1 invalid" in caplog.text and "Self-intersection" in caplog.text
    assert lyr.zones.geometry.iloc[0].area == pytest.approx(
        bowtie.buffer(0).area + shapely.Polygon([(-69.99, -12.99), (-69.98, -12.98), (-69.98, -13.0)]).area, rel=0.6
    )


def test_missing_crs_empty_file_unknown_kind_and_bad_field(tmp_path):
    nocrs = gpd.GeoDataFrame({"nombre": ["x"]}, geometry=[BOX_A])
    with pytest.raises(InputError, match="no CRS"):
        prepare_layer(nocrs, "nocrs.shp", "admin", "nombre", "s", "l", "", "x")
    empty = tmp_path / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(InputError, match="no features"):
        read_zone_file(empty, "admin")
    path = zones_file(tmp_path, "GeoJSON", ".geojson")
    with pytest.raises(InputError, match="unknown zone kind 'reserve'.*protected_area"):
        read_zone_file(path, "reserve")
    with pytest.raises(InputError, match="no field 'NOMBRE'.*nombre"):
        read_zone_file(path, "admin", "NOMBRE")
    with pytest.raises(InputError, match="not found"):
        read_zone_file(tmp_path / "missing.gpkg", "admin")


def test_bundled_layers_and_the_published_footprint_figure():
    zs = load_zones(None)
    assert set(zs.layers().layer) == {
        "departments",
        "provinces",
        "districts",
        "protected_areas_generalized",
        "amw_impacted_territories",
    }
    assert len(zs.of_kind("protected_area")) == 3 and len(zs.of_kind("indigenous_land")) == 21
    amw = gpd.read_file(data.path(data.AMW_MINING))
    stock = amw[amw.period == 201800].dissolve().assign(period=201800)
    t = zone_table(split_by_zones(normalise_events(stock, "amw"), zs))
    mdd = t[(t.zone_layer == "departments") & (t.zone_name == "MADRE DE DIOS")].hectares.sum()
    # remote-sensing-figures.md §A: AMW 2018 footprint in MDD, geodesic, clipped to INEI: 83,474.8 ha
    assert mdd == pytest.approx(83474.8, rel=0.005)


def test_straddling_alert_is_split_and_parts_add_up():
    zs = ZoneSet.from_layers(
        [
            prepare_layer(
                gpd.GeoDataFrame({"nombre": ["A", "B"]}, geometry=[BOX_A, BOX_B], crs=4326),
                "t",
                "protected_area",
                "nombre",
                "s",
                "l",
                "",
                "pa",
            )
        ]
    )
    alert = shapely.box(-69.99, -12.995, -69.97, -12.985)  # half in A, half in B, none outside
    alerts = gpd.GeoDataFrame(
        {"alert_id": ["a1"], "first_seen": ["2024-05-03"], "cause": ["mining"]}, geometry=[alert], crs=4326
    )
    pieces = split_by_zones(normalise_events(alerts, "t"), zs)
    inside = pieces[pieces.name.isin(["A", "B"])]
    geod = Geod(ellps="WGS84")
    whole = abs(geod.geometry_area_perimeter(alert)[0]) / 1e4
    assert inside.area_ha.sum() == pytest.approx(whole, rel=0.005), "equal-area agrees with geodesic within 0.5 %"
    for name, box in (("A", BOX_A), ("B", BOX_B)):
        part = abs(geod.geometry_area_perimeter(alert.intersection(box))[0]) / 1e4
        assert inside[inside.name == name].area_ha.sum() == pytest.approx(part, rel=0.005)
    assert pieces[pieces.name.str.startswith("(")].area_ha.sum() < 1e-6
    t = zone_table(pieces)
    months = t[(t.period_type == "month") & (t.period == "2024-05")]
    assert months.hectares.sum() == pytest.approx(whole, rel=0.005)


def _layer(kind, geoms, names, layer, illustrative=False):
    return prepare_layer(
        gpd.GeoDataFrame({"nombre": names}, geometry=geoms, crs=4326),
        layer,
        kind,
        "nombre",
        "s",
        "l",
        "",
        layer,
        illustrative,
    )


def test_legality_of_hand_made_cases():
    # A 5 × 1 strip of 0.02° cells: PA | buffer | corridor without concession | corridor with concession | outside all
    cell = [shapely.box(-70.10 + 0.02 * i, -13.0, -70.08 + 0.02 * i, -12.98) for i in range(6)]
    layers = [
        _layer("protected_area", [cell[0]], ["Reserva Nacional Tambopata"], "pa"),
        _layer("buffer_zone", [cell[1]], ["ZA Tambopata"], "bz"),
        _layer("mining_corridor", [shapely.union_all(cell[2:4])], ["Corredor"], "corr"),
        _layer("mining_concession", [cell[3]], ["Concesión X"], "conc"),
        _layer("indigenous_land", [cell[3].union(cell[4])], ["CN Tres Islas"], "cn"),
        _layer("custom", [shapely.box(-70.0, -12.995, -69.98, -12.985)], ["Río Madre de Dios"], "rio"),
    ]
    zs = ZoneSet.from_layers(layers)
    centre = [c.centroid for c in cell]
    tiny = [p.buffer(0.001) for p in centre]
    alerts = gpd.GeoDataFrame(
        {"alert_id": list("abcdefg"), "cause": ["mining"] * 6 + ["other"]}, geometry=[*tiny, tiny[0]], crs=4326
    )
    out = assess(alerts, zs, load_rules(), "en").set_index("alert_id")
    assert out.loc["a", "legal_status"] == "prohibited" and "MDD-ANP" in out.loc["a", "legal_reasons"]
    assert out.loc["b", "legal_status"] == "not_formalisable" and "MDD-ZA" in out.loc["b", "legal_reasons"]
    assert out.loc["c", "legal_status"] == "informal"
    assert (
        out.loc["d", "legal_status"] == "legal_if_authorised"
        and "MDD-TERRITORIO-INDIGENA" in out.loc["d", "legal_reasons"]
    )
    assert out.loc["e", "legal_status"] == "not_formalisable" and "Tres Islas" in out.loc["e", "legal_reasons"]
    assert out.loc["f", "legal_status"] == "prohibited" and "MDD-RIO" in out.loc["f", "legal_reasons"]
    assert out.loc["g", "legal_status"] == "not_mining"
    # Without a corridor layer, legality outside protected land cannot be decided.
    no_corridor = ZoneSet.from_layers([layers[0], layers[1]])
    res = assess(alerts.iloc[[2]], no_corridor, load_rules(), "es")
    assert res.legal_status.iloc[0] == "undetermined" and "faltan capas" in res.legal_reasons.iloc[0]


def test_illustrative_basis_is_flagged():
    cell = shapely.box(-70.1, -13.0, -70.08, -12.98)
    zs = ZoneSet.from_layers(
        [_layer("mining_corridor", [shapely.box(-71, -14, -70.5, -13.5)], ["Corredor (ILUSTRATIVO)"], "c", True)]
    )
    alerts = gpd.GeoDataFrame(
        {"alert_id": ["a"], "cause": ["mining"]}, geometry=[cell.centroid.buffer(0.001)], crs=4326
    )
    out = assess(alerts, zs, load_rules(), "es")
    assert out.legal_status.iloc[0] == "not_formalisable" and bool(out.illustrative_basis.iloc[0])


def test_status_from_a_real_layer_is_not_flagged_illustrative():
    cell = shapely.box(-70.1, -13.0, -70.08, -12.98)
    zs = ZoneSet.from_layers(
        [
            _layer("protected_area", [cell], ["Reserva Nacional Tambopata"], "pa"),
            _layer("mining_corridor", [shapely.box(-71, -14, -70.5, -13.5)], ["Corredor (ILUSTRATIVO)"], "c", True),
        ]
    )
    alerts = gpd.GeoDataFrame(
        {"alert_id": ["a"], "cause": ["mining"]}, geometry=[cell.centroid.buffer(0.001)], crs=4326
    )
    out = assess(alerts, zs, load_rules(), "es")
    assert out.legal_status.iloc[0] == "prohibited" and not bool(out.illustrative_basis.iloc[0])
    assert "MDD-FUERA-CORREDOR" in out.legal_reasons.iloc[0], "every applying rule is still listed"
