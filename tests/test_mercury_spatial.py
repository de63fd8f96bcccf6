"""Mercury maps: IDW and kriging with cross-validation, Gi* hotspots with FDR, mining upstream along rivers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from centinela.errors import InputError
from centinela.mercury.exposure import edi, hazard_quotient, intake_to_hair
from centinela.mercury.hotspots import gi_star
from centinela.mercury.interpolate import cross_validate_idw, cross_validate_kriging, idw, krige
from centinela.mercury.upstream import build_network, upstream_mining

UTM = "EPSG:32719"


def smooth_field(n=60, seed=1):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 20_000, (n, 2))
    log10 = (
        -1.5
        + 0.6 * np.exp(-((xy[:, 0] - 14_000) ** 2 + (xy[:, 1] - 6_000) ** 2) / (2 * 3000**2))
        + rng.normal(0, 0.03, n)
    )
    return xy, 10**log10


def test_idw_is_exact_at_sites_and_bounded_between_them():
    xy = np.array([[0.0, 0.0], [1000.0, 0.0]])
    z = np.array([0.01, 0.1])
    assert idw(xy, z, xy) == pytest.approx(z)
    mid = idw(xy, z, np.array([[500.0, 0.0]]))[0]
    assert mid == pytest.approx(10**-1.5)  # equal weights on log10: the geometric mean
    near_b = idw(xy, z, np.array([[900.0, 0.0]]))[0]
    assert 0.01 < mid < near_b < 0.1


def test_kriging_beats_a_flat_surface_and_reports_honest_variance():
    xy, z = smooth_field()
    score = cross_validate_kriging(xy, z, "spherical")
    flat_rmse = np.std(np.log10(z))
    assert score.rmse_log10 < 0.6 * flat_rmse
    # On a field this smooth the fitted spherical model overstates the variance a little (RMSSE < 1: cautious);
    # an RMSSE well above 1 would mean the map claims more certainty than it has.
    assert 0.3 < score.rmsse < 1.5
    assert cross_validate_idw(xy, z).rmse_log10 < flat_rmse
    k = krige(xy, z, np.array([[14_000.0, 6_000.0], [1_000.0, 19_000.0]]))
    assert k.model in ("spherical", "exponential") and len(k.scores) == 2
    assert k.estimate[0] > 2 * k.estimate[1], "the high centre of the field is found"
    with pytest.raises(InputError, match="at least 8 sites"):
        krige(xy[:5], z[:5], xy[:1])
    with pytest.raises(InputError, match="same coordinates"):
        krige(np.vstack([xy, xy[:1]]), np.append(z, z[0]), xy[:1])


def test_gi_star_finds_the_planted_cluster_and_nothing_in_noise():
    rng = np.random.default_rng(3)
    xy = np.column_stack([np.repeat(np.arange(8), 8), np.tile(np.arange(8), 8)]).astype(float) * 1000
    values = 10 ** rng.normal(-1.5, 0.1, 64)
    cluster = (xy[:, 0] <= 2000) & (xy[:, 1] <= 2000)
    hot = gi_star(xy, np.where(cluster, values * 8, values), seed=1)
    assert (hot.label[cluster] == "hot").sum() >= 6
    assert (
        not (hot.label[~cluster] == "hot").any() or (hot.label[~cluster] == "hot").sum() <= 3
    )  # neighbours of the cluster only
    assert (hot.q >= hot.p).all(), "FDR-adjusted values are never smaller than the raw ones"
    noise = gi_star(xy, values, seed=1)
    assert (noise.label == "").all(), "after the FDR correction pure noise has no hotspot"
    with pytest.raises(InputError, match="at least 10"):
        gi_star(xy[:5], values[:5])


def rivers_y():
    """Tributary A (west) and B (north) join at (10 km, 0) and flow east as the main stem; lines run downstream."""
    a = shapely.LineString([(0, 0), (10_000, 0)])
    b = shapely.LineString([(10_000, 10_000), (10_000, 0)])
    main = shapely.LineString([(10_000, 0), (40_000, 0)])
    return gpd.GeoDataFrame({"name": ["A", "B", "main"]}, geometry=[a, b, main], crs=UTM)


def test_network_distances_follow_the_water():
    net = build_network(rivers_y())
    la, pa = net.locate([shapely.Point(2_000, 50)], 500)
    lm, pm = net.locate([shapely.Point(25_000, -80)], 500)
    lb, pb = net.locate([shapely.Point(10_000, 5_000)], 500)
    assert net.downstream_m(la[0], pa[0], lm[0], pm[0]) == pytest.approx(23_000)
    assert net.downstream_m(lm[0], pm[0], la[0], pa[0]) == np.inf, "water does not flow upstream"
    assert net.downstream_m(la[0], pa[0], lb[0], pb[0]) == np.inf, "nor across to another tributary"
    with pytest.raises(InputError, match="projected"):
        build_network(rivers_y().to_crs(4326))


def test_mining_upstream_of_each_site():
    rivers = rivers_y()
    mine = shapely.Point(3_000, 400).buffer(200)  # ~12.6 ha beside tributary A, 3 km from its source
    mining = gpd.GeoDataFrame({"cause": ["mining"]}, geometry=[mine], crs=UTM)
    sites = gpd.GeoDataFrame(
        {"site_id": ["A-up", "A-down", "B", "main-near", "main-far", "inland"]},
        geometry=[
            shapely.Point(1_000, 30),
            shapely.Point(8_000, 30),
            shapely.Point(10_050, 6_000),
            shapely.Point(20_000, 0),
            shapely.Point(39_000, 0),
            shapely.Point(20_000, 9_000),
        ],
        crs=UTM,
    )
    up = upstream_mining(sites, rivers, mining, max_km=30, lateral_m=1_000).set_index(sites.site_id)
    ha = mine.area / 1e4
    assert up.loc["A-up", "upstream_mining_ha"] == 0 and up.loc["B", "upstream_mining_ha"] == 0
    assert up.loc["A-down", "upstream_mining_ha"] == pytest.approx(ha, rel=0.02)
    assert up.loc["A-down", "nearest_upstream_km"] == pytest.approx(5.0, abs=0.1)
    assert up.loc["main-near", "upstream_mining_ha"] == pytest.approx(ha, rel=0.02)
    assert up.loc["main-far", "upstream_mining_ha"] == 0, "36 km downstream is beyond max_km = 30"
    assert up.loc["main-far", "nearest_upstream_km"] == pytest.approx(36.0, abs=0.1)
    assert not up.loc["inland", "on_river"] and np.isnan(up.loc["inland", "upstream_mining_ha"])


def test_intake_worked_example_from_the_figures_note():
    # mercury-figures.md C4: 60 kg adult, 200 g/day at 0.5 mg/kg → 1.67 µg/kg/day, 16.7× the RfD, ~16 µg/g hair.
    d = edi(0.5, 200, 60)
    assert d == pytest.approx(1.667, abs=0.001)
    assert hazard_quotient(d) == pytest.approx(16.7, abs=0.05)
    assert intake_to_hair(d) == pytest.approx(16, abs=1.0)
