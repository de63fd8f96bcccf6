"""Scoring alerts against a truth: the numbers the accuracy benchmark reports must mean what they say."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pytest
import shapely

from centinela.detect.evaluate import score, units


def truth():
    rows = [
        ("mine-1-s01", "mine-1", "mining", "2024-03-01", shapely.box(0, 0, 200, 100)),
        ("mine-1-s02", "mine-1", "mining", "2024-04-01", shapely.box(200, 0, 400, 100)),
        ("agr-1", "agr-1", "agriculture", "2024-06-01", shapely.box(0, 500, 100, 600)),
        ("mine-0-s01", "mine-0", "mining", "2023-06-01", shapely.box(1000, 0, 1100, 100)),  # before the window
    ]
    return gpd.GeoDataFrame(
        {
            "event_id": [r[0] for r in rows],
            "group_id": [r[1] for r in rows],
            "cause": [r[2] for r in rows],
            "event_date": [r[3] for r in rows],
        },
        geometry=[r[4] for r in rows],
        crs=32719,
    )


def alerts(geoms_causes, first_seen="2024-03-06"):
    return gpd.GeoDataFrame(
        {
            "cause": [c for _, c in geoms_causes],
            "first_seen": [dt.date.fromisoformat(first_seen)] * len(geoms_causes),
            "confidence": "high",
        },
        geometry=[g for g, _ in geoms_causes],
        crs=32719,
    )


def test_units_group_fronts():
    u = units(truth())
    assert set(u.unit) == {"mine-1", "agr-1", "mine-0"}
    assert u.set_index("unit").area_ha["mine-1"] == pytest.approx(4.0)


def test_perfect_alerts_score_one():
    a = alerts([(shapely.box(0, 0, 400, 100), "mining"), (shapely.box(0, 500, 100, 600), "other")])
    s, ev = score(a, truth(), dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert s.mining_area_recall == pytest.approx(1.0) and s.mining_area_precision == pytest.approx(1.0)
    assert s.mining_events == 1 and s.mining_events_found == 1 and s.attribution_accuracy == 1.0
    assert s.latency_days_median == pytest.approx(2.5)  # 5 days for the front; the farm, seen "early", counts 0


def test_half_missed_wrong_cause_and_false_alert():
    a = alerts(
        [
            (shapely.box(0, 0, 150, 100), "mining"),  # 150 of 400 m of the front
            (shapely.box(0, 500, 100, 600), "mining"),  # a farm called mining
            (shapely.box(5000, 0, 5100, 100), "mining"),
        ]
    )  # nothing there
    s, ev = score(a, truth(), dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert s.mining_area_recall == pytest.approx(150 / 400)
    assert s.mining_events_found == 0, "under 50 % of the front is not found"
    assert s.mining_area_precision == pytest.approx(1.5 / 3.5)
    assert s.mining_alert_precision == pytest.approx(1 / 3)
    assert s.attribution_accuracy == 0.0  # the farm (found) was called mining
