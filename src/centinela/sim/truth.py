"""Ground truth derived from the scene model: dated change polygons and their areas."""

from __future__ import annotations

import numpy as np
import shapely
from affine import Affine
from rasterio import features
from rasterio.windows import Window

from .landscape import RES, Event, Scene


def river_change_labels(scene: Scene, window: Window) -> np.ndarray:
    """Index (1-based) of the first acquisition at which each pixel of ``window`` was taken by the
    river's active belt although it was land at the first date; 0 where that never happened.

    This is forest lost to bank erosion: real change, but not mining. Seasonal exposure of bars
    inside the belt is not an event (no forest is lost there).
    """
    r0, c0, h, w = int(window.row_off), int(window.col_off), int(window.height), int(window.width)
    t = scene.transform
    xs = t.c + (np.arange(c0, c0 + w) + 0.5) * RES
    ys = t.f - (np.arange(r0, r0 + h) + 0.5) * RES
    X, Y = np.meshgrid(xs, ys)
    _, _, belt0 = scene.river.state(X, Y, float(scene.acquisitions[0].day))
    label = np.zeros((h, w), dtype=np.int32)
    taken = belt0.copy()
    for i, acq in enumerate(scene.acquisitions[1:], start=2):
        _, _, belt = scene.river.state(X, Y, float(acq.day))
        new = belt & ~taken
        label[new] = i
        taken |= belt
    return label


def label_polygons(label: np.ndarray, window: Window, scene: Scene) -> list[tuple[int, shapely.Geometry]]:
    """Polygonise a label window into (label, geometry) pairs in scene CRS."""
    if not label.any():
        return []
    transform = scene.transform @ Affine.translation(window.col_off, window.row_off)
    return [
        (int(v), shapely.geometry.shape(g))
        for g, v in features.shapes(label, mask=label > 0, transform=transform, connectivity=8)
    ]


def river_events(scene: Scene, parts: list[tuple[int, shapely.Geometry]]) -> list[Event]:
    """Merge per-window river polygons into one event per acquisition index."""
    by_label: dict[int, list[shapely.Geometry]] = {}
    for v, g in parts:
        by_label.setdefault(v, []).append(g)
    events = []
    for v in sorted(by_label):
        geom = shapely.union_all(by_label[v])
        if geom.area < RES * RES:
            continue
        day = scene.acquisitions[v - 1].day
        events.append(Event(f"river-{v:03d}", "river_change", day, geom, "river", 0, "simulated"))
    return events


def area_ha(geom: shapely.Geometry) -> float:
    """Area in hectares; the scene CRS is UTM, so planar area is the local true area."""
    return float(geom.area) / 1e4
