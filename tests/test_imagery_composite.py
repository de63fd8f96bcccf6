"""Best-available clear composite (issue #19, seeing the change): each pixel's latest clear observation.

The array rule is checked on a hand-made stack; the tile on a small simulated scene (seven dates of July
2024), against the single-date tiles of the same scene with clouds masked, so what is asserted is which
date each pixel came from. The web endpoint is asked for one tile.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pystac
import pytest
from fastapi.testclient import TestClient

from centinela.errors import InputError
from centinela.imagery import CLEAR_SCL
from centinela.imagery import composite as C
from centinela.imagery import tiles as T
from centinela.sim import simulate
from centinela.store import embedded_store
from test_tiles import decode, read_asset_tile, tile_at
from test_web_api import login, seed

START, END = dt.date(2024, 7, 1), dt.date(2024, 7, 31)
Z = 15
pytestmark = pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    return simulate(tmp_path_factory.mktemp("composite") / "scene", seed=7, size=160, start=START, end=END, revisit=5)


@pytest.fixture(scope="module")
def items(scene) -> dict[dt.date, pystac.Item]:
    found = list(pystac.read_file(str(scene.catalog)).get_items(recursive=True))
    for it in found:
        it.make_asset_hrefs_absolute()
    return {it.datetime.date(): it for it in found}


@pytest.fixture(autouse=True)
def _fresh_cache():
    T.clear_cache()
    C.clear_cache()
    yield
    T.clear_cache()
    C.clear_cache()


def test_latest_clear_takes_the_newest_clear_value_per_pixel():
    values = np.array([[[1, 1, 1]], [[2, 2, 2]], [[3, 3, 3]]], dtype=float)  # (time, y, x)
    clear = np.array([[[1, 1, 0]], [[1, 0, 0]], [[0, 0, 0]]], dtype=bool)  # nothing clear on the last date
    clear[2, 0, 0] = True  # ... except the first pixel
    out, index = C.latest_clear(values, clear)
    assert out.tolist() == [[3.0, 1.0, None]] and index.tolist() == [[2, 0, -1]]
    # with bands, and built one observation at a time (newest first) the same way
    bands = np.stack([values, values * 10], axis=1)
    out4, _ = C.latest_clear(bands, clear)
    acc = None
    for t in (2, 1, 0):
        acc = C.fill_gaps(acc, np.ma.MaskedArray(bands[t], mask=np.broadcast_to(~clear[t], bands[t].shape)))
    assert out4.tolist() == acc.tolist() == [[[3.0, 1.0, None]], [[30.0, 10.0, None]]]
    with pytest.raises(InputError, match="does not match"):
        C.latest_clear(values, clear[:, :, :2])


def test_window_and_bad_weeks():
    assert C.window("2026-07-14", 6) == (dt.date(2026, 6, 3), dt.date(2026, 7, 14))
    with pytest.raises(InputError, match="weeks=0"):
        C.window("2026-07-14", 0)


def test_composite_tile_takes_each_pixels_latest_clear_date(scene, items):
    days = sorted(items)
    last = days[-1]
    t = tile_at(items[last], Z)
    comp = decode(C.render_composite_tile(scene.catalog, last, t.z, t.x, t.y, weeks=6))
    single = {d: decode(T.render_tile(scene.catalog, d, t.z, t.x, t.y, mask_clouds=True)) for d in days}
    inside = read_asset_tile(items[last], "scl", t).mask == False  # noqa: E712 (a numpy array)
    clear = {d: np.isin(read_asset_tile(items[d], "scl", t).filled(0), CLEAR_SCL) for d in days}

    clear_last = inside & clear[last]
    assert clear_last.sum() > 100
    assert (comp[:, clear_last] == single[last][:, clear_last]).all(), "a pixel clear on the last date shows it"

    cloudy_last = inside & ~clear[last]
    prev = days[-2]
    took_prev = cloudy_last & clear[prev]
    assert took_prev.sum() > 20, "the scene has pixels cloudy on the last date and clear on the one before"
    assert (comp[:, took_prev] == single[prev][:, took_prev]).all(), "a pixel cloudy last takes the previous clear"
    assert (comp[3, took_prev] == 255).all()
    never = inside & ~np.any([clear[d] for d in days], axis=0)
    assert (comp[3, never] == 0).all(), "never clear in the window: transparent, not cloud"

    # a one-week window ending on the last date cannot reach further back than that week
    short = decode(C.render_composite_tile(scene.catalog, last, t.z, t.x, t.y, weeks=1))
    week = [d for d in days if d > last - dt.timedelta(days=7)]
    old_only = cloudy_last & ~np.any([clear[d] for d in week], axis=0)
    assert (short[3, old_only] == 0).all()


def test_composite_tile_endpoint_returns_a_png(scene, items, tmp_path):
    from centinela.web.app import create_app
    from centinela.web.settings import Settings

    seed(embedded_store(tmp_path / "s.gpkg"), tmp_path)  # users and alerts
    app = create_app(Settings(store=str(tmp_path / "s.gpkg"), work_dir=tmp_path / "web", catalog=str(scene.catalog)))
    client = TestClient(app)
    login(client, "viewer")
    last = max(items)
    t = tile_at(items[last], Z)
    r = client.get(f"/tiles/composite/{t.z}/{t.x}/{t.y}.png", params={"until": str(last), "weeks": 6})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png" and r.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert decode(r.content)[3].max() == 255
    assert (
        client.get(f"/tiles/composite/{t.z}/{t.x}/{t.y}.png", params={"until": str(last), "weeks": 99}).status_code
        == 422
    )
    r = client.get(f"/tiles/composite/{t.z}/{t.x}/{t.y}.png", params={"until": "2020-01-31"})
    assert r.status_code == 404, "no imagery in the window"
