"""Seeing the change (issue #19) in Chromium on a phone-sized screen: the before/after swipe writes both dates
on the map and its divider moves; alerts over imagery are outlines only; the attribution control credits
Copernicus and an imported reference layer, whose toggle sits in the legend. Screenshot in
``outputs/test-artifacts/``."""

from __future__ import annotations

import json

import pytest
import shapely

from browsers import ARTIFACTS, Server, chromium, log_in
from centinela.store import embedded_store
from centinela.store.layers import read_reference_file
from centinela.web import Settings, create_app
from test_web_api import PASSWORD, seed

PAIR = {"before": {"date": "2024-05-06", "clear": 0.95}, "after": {"date": "2024-08-24", "clear": 0.9}}


@pytest.fixture(scope="module")
def server(tmp_path_factory, sim_scene):
    tmp = tmp_path_factory.mktemp("change")
    store = embedded_store(tmp / "centinela.gpkg")
    seed(store, tmp)
    rivers = tmp / "rivers.geojson"
    line = shapely.LineString([(-70.4, -12.9), (-69.9, -12.95), (-69.6, -12.92)])
    feature = {
        "type": "Feature",
        "properties": {"name": "Río Madre de Dios"},
        "geometry": shapely.geometry.mapping(line),
    }
    rivers.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    store.import_reference_layer(read_reference_file(rivers, "rivers", "rios", "ANA Perú"), "test")
    app = create_app(Settings(store=str(store.path), work_dir=tmp / "web", catalog=str(sim_scene.catalog)))
    with Server(app) as srv:
        yield srv.url


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


def test_swipe_dates_on_the_map_outlines_and_attribution_on_a_phone(browser, server):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # The seeded alerts lie outside the tiny simulated scene: the pair the server would pick is given here.
    page.route("**/api/alerts/*/imagery", lambda route: route.fulfill(json=PAIR))
    log_in(page, server, "ranger", PASSWORD)
    attribution = page.locator("#map .maplibregl-ctrl-attrib-inner")
    page.wait_for_selector("#map .maplibregl-ctrl-attrib-inner >> text=/Copernicus/", state="attached")
    assert "ANA Perú" in attribution.text_content()
    page.wait_for_selector("#layer-ref-ref-0", state="attached")  # the reference layer's toggle
    page.evaluate("window.centinela.selectAlert('CEN-A')")
    page.click("#imagery-show")
    before, after = page.locator("#map #swipe-date-before"), page.locator("#map #swipe-date-after")
    before.wait_for(state="visible")
    assert "2024-05-06" in before.inner_text() and "2024-08-24" in after.inner_text()
    assert before.bounding_box()["x"] < after.bounding_box()["x"], "before on the left, after on the right"
    opacity = page.evaluate("window.centinela.map.getPaintProperty('alerts-fill', 'fill-opacity')")
    assert opacity == 0, "over imagery the alerts are outlines only"

    divider = page.locator("#swipe-divider")
    assert divider.get_attribute("aria-valuenow") == "50"
    box = divider.bounding_box()
    y = box["y"] + box["height"] * 0.3  # above the bottom sheet
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(80, y, steps=4)
    page.mouse.up()
    assert int(divider.get_attribute("aria-valuenow")) < 30, "the divider followed the drag"
    divider.focus()
    page.keyboard.press("End")
    assert divider.get_attribute("aria-valuenow") == "100"
    page.keyboard.press("ArrowLeft")
    assert divider.get_attribute("aria-valuenow") == "95"

    page.click("#lang-toggle")
    assert "Before · 2024-05-06" in before.inner_text()
    page.wait_for_selector(
        "#map .maplibregl-ctrl-attrib-inner >> text=/Contains modified Copernicus Sentinel data 2024/",
        state="attached",
    )
    page.screenshot(path=str(ARTIFACTS / "swipe_phone.png"))
    page.click("#imagery-show")  # hide: the overlay and its labels go
    page.wait_for_selector("#swipe-divider", state="detached")
    assert page.locator("#map .swipe-after").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    assert not errors, errors
