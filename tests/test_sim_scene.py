"""The scene model: seasons, river dynamics, mining fronts, determinism (no pixels written)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import shapely
from rasterio.windows import Window

from centinela.errors import SimulationError
from centinela.sim.landscape import CAUSES, build_scene, day_number, mean_cloud_fraction
from centinela.sim.render import CLOUDY_SCL, Prepared, render_window, surface

TWO_YEARS = dict(start=dt.date(2023, 1, 1), end=dt.date(2024, 12, 31))


@pytest.fixture(scope="module")
def scene():
    return build_scene(3, 256, **TWO_YEARS)


def test_cloud_cover_follows_the_season(scene):
    wet = [a.cloud_fraction for a in scene.acquisitions if a.date.month in (12, 1, 2, 3)]
    dry = [a.cloud_fraction for a in scene.acquisitions if a.date.month in (6, 7, 8)]
    assert np.mean(wet) > np.mean(dry) + 0.3
    assert any(c >= 0.999 for c in wet), "the wet season has all-cloud dates"
    assert mean_cloud_fraction(day_number(dt.date(2024, 1, 15))) > 0.85
    assert mean_cloud_fraction(day_number(dt.date(2024, 7, 15))) < 0.25


def test_revisit_and_orbits(scene):
    days = np.diff([a.day for a in scene.acquisitions])
    assert set(days) == {5}
    assert {a.platform for a in scene.acquisitions} == {"sentinel-2a", "sentinel-2b"}
    assert 0.2 < np.mean([a.partial for a in scene.acquisitions]) < 0.5


def test_sandbars_emerge_in_the_dry_season(scene):
    r = scene.river
    u = np.linspace(-3000, 3000, 600)
    v = np.linspace(-1500, 1500, 300)
    U, V = np.meshgrid(u, v)
    X, Y = r.from_axis(U, V)
    wet = day_number(dt.date(2024, 3, 1))
    dry = day_number(dt.date(2024, 9, 1))
    water_wet, bar_wet, _ = r.state(X, Y, wet)
    water_dry, bar_dry, _ = r.state(X, Y, dry)
    assert bar_dry.sum() > 1.5 * bar_wet.sum()
    assert water_wet.sum() > water_dry.sum()


def test_river_migrates(scene):
    r = scene.river
    u = np.linspace(-2000, 2000, 50)
    v0, _, _ = r.centre(u, day_number(dt.date(2023, 1, 1)))
    v1, _, _ = r.centre(u, day_number(dt.date(2024, 12, 31)))
    shift = np.abs(v1 - v0).max()
    assert 10 < shift < 4 * r.migration_m_per_year


def test_mining_fronts_grow_over_months(scene):
    fronts = {}
    for e in scene.by_cause("mining"):
        fronts.setdefault(e.group, []).append(e)
    assert fronts, "random scenes have mining fronts along the river"
    grew = 0
    for stages in fronts.values():
        days = [e.day for e in stages]
        assert days == sorted(days)
        if len(stages) > 1:
            grew += 1
            union = shapely.union_all([e.geometry for e in stages])
            assert union.area == pytest.approx(
                sum(e.geometry.area for e in stages), rel=0.02
            )  # stages are disjoint rings
    assert grew >= 1


def test_mining_is_near_the_river(scene):
    belt = scene.river.belt_polygon(scene.acquisitions[0].day, (-6000, 6000))
    for e in scene.by_cause("mining"):
        assert e.geometry.distance(belt) < 1500
        assert e.geometry.intersection(belt).area < 0.05 * e.geometry.area


def test_all_causes_are_known(scene):
    assert {e.cause for e in scene.events} <= set(CAUSES)
    assert {"mining", "agriculture"} <= {e.cause for e in scene.events}


def test_same_seed_same_scene_other_seed_other_scene():
    a = build_scene(9, 128, dt.date(2024, 6, 1), dt.date(2024, 7, 1))
    b = build_scene(9, 128, dt.date(2024, 6, 1), dt.date(2024, 7, 1))
    c = build_scene(10, 128, dt.date(2024, 6, 1), dt.date(2024, 7, 1))
    assert [e.geometry.wkb for e in a.events] == [e.geometry.wkb for e in b.events]
    assert a.acquisitions == b.acquisitions
    assert a.acquisitions != c.acquisitions
    acq = a.acquisitions[1]
    obs_a, scl_a = render_window(Prepared.of(a), acq, Window(0, 0, 128, 128))
    obs_b, scl_b = render_window(Prepared.of(b), acq, Window(0, 0, 128, 128))
    np.testing.assert_array_equal(obs_a, obs_b)
    np.testing.assert_array_equal(scl_a, scl_b)


def test_windows_join_seamlessly(scene):
    """A window rendered alone equals the same pixels of a bigger window: what lets big tiles stream."""
    prep = Prepared.of(scene)
    acq = scene.acquisitions[40]
    big, scl_big = render_window(prep, acq, Window(0, 0, 128, 128))
    small, scl_small = render_window(prep, acq, Window(64, 32, 64, 64))
    np.testing.assert_allclose(small, big[:, 32:96, 64:128], atol=2e-4)
    assert (scl_small == scl_big[32:96, 64:128]).mean() > 0.999


@pytest.mark.slow
def test_scl_misses_some_thin_cloud_but_not_thick_cloud(scene):
    """The SCL is imperfect like Sen2Cor's: some haze-affected pixels keep a clear class."""
    prep = Prepared.of(scene)
    missed = flagged_thick = thick = 0
    for acq in scene.acquisitions:
        if not (0.2 < acq.cloud_fraction < 0.8):
            continue
        obs, scl = render_window(prep, acq, Window(0, 0, 256, 256))
        rows = cols = np.arange(-4, 260, dtype=float)
        ground = surface(prep, acq, rows, cols)
        extra_blue = obs[0] - ground[0, 4:-4, 4:-4]
        clear = np.isin(scl, (4, 5, 6))
        missed += int((clear & (extra_blue > 0.03)).sum())
        very = extra_blue > 0.3
        thick += int(very.sum())
        flagged_thick += int((very & np.isin(scl, CLOUDY_SCL)).sum())
    assert missed > 0, "thin clouds left unflagged exist, as in real SCL"
    assert flagged_thick / max(thick, 1) > 0.9, "thick clouds are flagged"


def test_bad_parameters_are_refused():
    with pytest.raises(SimulationError, match="even"):
        build_scene(1, 255, dt.date(2024, 1, 1), dt.date(2024, 2, 1))
    with pytest.raises(SimulationError, match="before"):
        build_scene(1, 128, dt.date(2024, 3, 1), dt.date(2024, 2, 1))
    with pytest.raises(SimulationError, match="LAT,LON"):
        build_scene(1, 128, dt.date(2024, 1, 1), dt.date(2024, 2, 1), center=(-170.0, -12.0))
