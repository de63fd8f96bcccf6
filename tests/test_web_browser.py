"""The map page as a person uses it, in Debian's Chromium driven by Playwright: log in, filter, open an alert,
change its status, see it in the audit log; Spanish/English; a phone-sized screen. Screenshots go to
``outputs/test-artifacts/``."""

from __future__ import annotations

import pytest

from browsers import ARTIFACTS, Server, chromium, log_in
from centinela.store import embedded_store
from test_web_api import PASSWORD, seed


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("web")
    store = embedded_store(tmp / "centinela.gpkg")
    with Server(seed(store, tmp)) as srv:
        yield srv.url, store


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


def test_ranger_filters_opens_an_alert_and_changes_its_status(server, browser):
    base, store = server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, base, "ranger", PASSWORD)
    # Waits use selectors, not JavaScript predicates: the page's CSP forbids eval, which those need.
    page.wait_for_selector("#map[data-alerts-count]", state="attached")
    assert int(page.get_attribute("#map", "data-alerts-count")) == 3
    page.select_option("#filter-cause", "mining")
    page.wait_for_selector("#map[data-alerts-count='2']", state="attached", timeout=10_000)
    page.evaluate("window.centinela.selectAlert('CEN-A')")
    page.wait_for_selector("#alert-panel #alert-id", state="visible")
    assert "CEN-A" in page.inner_text("#alert-id")
    page.select_option("#status-select", "verified_mining")
    page.click("#status-submit")
    page.wait_for_selector("#history-list >> text=/verified_mining|verificada|verified/", timeout=10_000)
    page.screenshot(path=str(ARTIFACTS / "map_desktop.png"), full_page=True)
    audit = [(e["actor"], e["action"], e["alert_id"], e["detail"]) for e in store.audit()]
    assert any(a[:3] == ("ranger", "status", "CEN-A") and "verified_mining" in a[3] for a in audit)
    assert store.alert("CEN-A")["status"] == "verified_mining"
    assert not errors, errors


def test_language_switch_and_phone_screen(server, browser):
    base, _ = server
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log_in(page, base, "viewer", PASSWORD)
    # The folded sheet repeats what is new, so a phone shows it without opening the panel.
    page.wait_for_selector("#sheet-toggle >> text=/sin revisar/", timeout=10_000)
    # Every status: the default view shows only unreviewed alerts (issue #19), and the test above verified CEN-A.
    page.select_option("#filter-status", "", force=True)  # the phone's sheet starts folded
    page.wait_for_selector("#map[data-alerts-count='2']", state="attached", timeout=10_000)
    assert int(page.get_attribute("#map", "data-alerts-count")) == 2, "the viewer does not see the sensitive-area alert"
    before = page.inner_text("body")
    page.click("#lang-toggle")
    page.wait_for_timeout(300)
    after = page.inner_text("body")
    assert before != after and page.evaluate("document.documentElement.lang") == "en"
    page.screenshot(path=str(ARTIFACTS / "map_phone.png"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, "no sideways scrolling on a phone"
    # The viewer's notice about sensitive areas steps aside for a selected alert and can be closed (issue #19).
    assert page.is_visible("#sensitive-notice")
    page.evaluate("window.centinela.selectAlert('CEN-B')")
    page.wait_for_selector("#alert-panel #alert-id", state="visible")
    assert not page.is_visible("#sensitive-notice"), "on a phone the notice would cover the selected alert"
    page.click("#alert-close")
    page.wait_for_selector("#sensitive-notice", state="visible")
    page.click("#notice-close")
    assert page.is_hidden("#sensitive-notice")
