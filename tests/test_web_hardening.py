"""Issue #18, web and API: who may reopen a closed alert (web, store and CLI agree), what /api/health tells an
anonymous caller, paging links that keep the filters, /docs and /redoc under a policy that lets them run,
hidden alert ids that answer and cost the same as missing ones, and a scripted attack of malformed input on
every operation of the OpenAPI document, for every role and for none, that must never get a 5xx."""

from __future__ import annotations

import base64
import hashlib
import inspect
import json
import re
import socket
import statistics
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from centinela.cli import main
from centinela.store import embedded_store
from centinela.store import users as U
from centinela.store.lifecycle import StepNotAllowed, check_transition, next_statuses
from centinela.web.alerts import FILTER_PARAMS
from centinela.web.params import alert_filter
from test_web_api import login, seed


@pytest.fixture
def app(tmp_path):
    store = embedded_store(tmp_path / "centinela.gpkg")
    return seed(store, tmp_path), store


def close_alert(store, alert_id="CEN-A"):
    store.set_status(alert_id, "verified_mining", "analyst")
    store.set_status(alert_id, "closed", "analyst")


# --- who may reopen a closed alert ---------------------------------------------------------------


def test_lifecycle_rules_by_role():
    assert next_statuses("closed", "ranger") == ()
    assert next_statuses("closed", "analyst") == ("under_review",) == next_statuses("closed", "admin")
    assert next_statuses("closed") == ("under_review",), "an operator who is no user keeps every step"
    assert next_statuses("new", "viewer") == ()
    assert "referred" not in next_statuses("verified_mining", "ranger")
    with pytest.raises(StepNotAllowed) as exc:
        check_transition("CEN-A", "closed", "under_review", "ranger")
    text = str(exc.value)
    assert "analysts" in text and "analistas" in text and "ranger" in text and "CEN-A" in text
    check_transition("CEN-A", "closed", "under_review", "analyst")  # no error


def test_ranger_cannot_reopen_a_closed_alert_on_the_web(app):
    web, store = app
    close_alert(store)
    ranger = TestClient(web)
    h = login(ranger, "ranger")
    assert ranger.get("/api/alerts/CEN-A").json()["properties"]["allowed_transitions"] == []
    r = ranger.post("/api/alerts/CEN-A/status", json={"status": "under_review"}, headers=h)
    assert r.status_code == 403, r.text
    assert "analysts" in r.json()["detail"] and "analistas" in r.json()["detail"]
    assert store.alert("CEN-A")["status"] == "closed", "nothing changed"
    analyst = TestClient(web)
    h = login(analyst, "analyst")
    assert analyst.get("/api/alerts/CEN-A").json()["properties"]["allowed_transitions"] == ["under_review"]
    r = analyst.post("/api/alerts/CEN-A/status", json={"status": "under_review"}, headers=h)
    assert r.status_code == 200 and r.json()["properties"]["status"] == "under_review"


def test_store_and_cli_refuse_the_same_step(app, tmp_path, capsys, monkeypatch):
    _, store = app
    close_alert(store)
    with pytest.raises(StepNotAllowed):
        store.set_status("CEN-A", "under_review", "somebody", role="ranger")
    with pytest.raises(StepNotAllowed):
        store.set_status("CEN-A", "under_review", "ranger")  # a registered ranger keeps the limits without a role
    assert store.alert("CEN-A")["status"] == "closed"
    monkeypatch.setenv("CENTINELA_STORE", str(store.path))

    def run(*args):
        with pytest.raises(SystemExit) as exc:
            main(["--lang", "en", *args])
        out = capsys.readouterr()
        return exc.value.code, out.out + out.err

    code, text = run("alerts", "set-status", "CEN-A", "under_review", "--actor", "ranger")
    assert code != 0 and "analysts" in text, text
    assert store.alert("CEN-A")["status"] == "closed"
    assert run("alerts", "set-status", "CEN-A", "under_review", "--actor", "analyst")[0] == 0
    assert store.alert("CEN-A")["status"] == "under_review"


# --- /api/health ---------------------------------------------------------------------------------


def test_health_tells_no_path(app, tmp_path):
    web, store = app
    r = TestClient(web).get("/api/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["store"] == "geopackage" and isinstance(body["schema_version"], int)
    assert str(tmp_path) not in r.text and "gpkg" not in r.text and "/" not in json.dumps(body)


# --- paging keeps the filters ----------------------------------------------------------------------


def follow(client, url):
    """Every feature id over all pages, following `next` links as a client would; and the links seen."""
    seen, links = [], []
    while url:
        page = client.get(url).json()
        seen += [f["properties"]["alert_id"] for f in page["features"]]
        links += page["links"]
        nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
        url = urljoin(url, nxt[0]) if nxt else None
    return seen, links


def test_next_link_keeps_the_filters(app):
    web, _ = app
    client = TestClient(web)
    login(client, "analyst")
    seen, links = follow(client, "/api/alerts?since=2024-07-01&limit=1")
    assert seen == ["CEN-B", "CEN-C"], "the second page is the second filtered alert, not the unfiltered one"
    seen, _ = follow(client, "/api/alerts?cause=mining&bbox=-69.75,-13.0,-69.5,-12.8&limit=1")
    assert seen == ["CEN-A", "CEN-B"]
    every = {
        "bbox": "-180,-90,180,90",
        "since": "2024-01-01",
        "until": "2024-12-31",
        "status": "new",
        "cause": "mining",
        "confidence": "high",
        "min_area_ha": "0",
    }
    url = "/api/alerts?" + "&".join(f"{k}={v}" for k, v in every.items()) + "&limit=1"
    page = client.get(url).json()
    assert page["numberMatched"] == 2, page
    nxt = dict(parse_qsl(urlsplit(page["links"][0]["href"]).query))
    assert nxt == {**every, "offset": "1", "limit": "1"}
    second = client.get(urljoin(url, page["links"][0]["href"])).json()
    prev = [link["href"] for link in second["links"] if link["rel"] == "prev"]
    assert prev and dict(parse_qsl(urlsplit(prev[0]).query)) == {**every, "offset": "0", "limit": "1"}
    zone = client.get("/api/zones").json()["features"][0]["properties"]["name"]
    rare = {"min_prob": "0.5", "area": "Río Malinowski", "zone": zone}
    page = client.get("/api/alerts", params={**rare, "offset": 3, "limit": 1}).json()
    prev = [link["href"] for link in page["links"] if link["rel"] == "prev"]
    assert dict(parse_qsl(urlsplit(prev[0]).query)) == {**rare, "offset": "2", "limit": "1"}
    assert set(FILTER_PARAMS) == set(inspect.signature(alert_filter).parameters), "every filter is carried on"


# --- /docs and /redoc under their Content-Security-Policy ---------------------------------------------


def policy(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def allows(sources: list[str], url: str) -> bool:
    parts = urlsplit(url)
    if not parts.scheme:
        return "'self'" in sources
    if parts.scheme == "data":
        return "data:" in sources
    return f"{parts.scheme}://{parts.netloc}" in sources


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_pages_are_allowed_what_they_load(app, path):
    web, _ = app
    r = TestClient(web).get(path)
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    csp = policy(r.headers["Content-Security-Policy"])
    html = r.text
    scripts = csp.get("script-src", csp["default-src"])
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert "frame-ancestors" in csp and csp["frame-ancestors"] == ["'none'"]
    sources = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", html)
    assert sources, "the page loads its viewer"
    for src in sources:
        assert allows(scripts, src), (src, scripts)
    for body in re.findall(r"<script>(.*?)</script>", html, flags=re.S):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in scripts, "the inline start-up script is allowed by its hash"
    styles = csp.get("style-src", csp["default-src"])
    for href in re.findall(r"<link[^>]*rel=\"stylesheet\"[^>]*href=\"([^\"]+)\"", html) + re.findall(
        r"<link[^>]*href=\"([^\"]+)\"[^>]*rel=\"stylesheet\"", html
    ):
        assert allows(styles, href), (href, styles)
    for href in re.findall(r"<link[^>]*rel=\"(?:shortcut )?icon\"[^>]*href=\"([^\"]+)\"", html):
        assert allows(csp.get("img-src", csp["default-src"]), href), href
    assert "fonts.googleapis.com" not in html and "fastapi.tiangolo.com" not in html, "nothing else from outside"
    # The relaxed policy is only for the docs pages: the API and the map page keep the strict one.
    for other in ("/api/health", "/"):
        strict = policy(TestClient(web).get(other).headers["Content-Security-Policy"])
        assert strict["script-src"] == ["'self'"], other


STUBS = {  # stand-ins for the CDN's files (tests reach no network): they do what the page needs of them
    "swagger-ui-bundle.js": "window.SwaggerUIBundle = function (cfg) { fetch(cfg.url).then(r => r.json())"
    ".then(s => document.querySelector(cfg.dom_id).setAttribute('data-title', s.info.title)); };"
    "SwaggerUIBundle.presets = {apis: {}}; SwaggerUIBundle.SwaggerUIStandalonePreset = {};",
    "redoc.standalone.js": "const el = document.querySelector('redoc'); fetch(el.getAttribute('spec-url'))"
    ".then(r => r.json()).then(s => el.setAttribute('data-title', s.info.title));",
}


@pytest.mark.parametrize("path,ready", [("/docs", "#swagger-ui[data-title]"), ("/redoc", "redoc[data-title]")])
def test_docs_pages_run_in_a_browser_under_their_policy(app, tmp_path, path, ready):
    """Chromium enforces the real header: the inline start-up script runs, the spec loads, nothing is refused."""
    import threading

    import uvicorn

    from support import unavailable

    if not Path("/usr/bin/chromium").exists():
        unavailable("Chromium is not installed at /usr/bin/chromium (scripts/ensure-chromium.sh)")
    try:
        from playwright import sync_api
    except ImportError:
        unavailable("Playwright is not installed (the `test` extra)")
    web, _ = app
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)

        def cdn(route):
            name = route.request.url.rsplit("/", 1)[1]
            if name.endswith(".css"):
                return route.fulfill(status=200, content_type="text/css", body="body { margin: 0 }")
            return route.fulfill(status=200, content_type="application/javascript", body=STUBS[name])

        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page()
            refused, errors = [], []
            page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.route("https://cdn.jsdelivr.net/**", cdn)
            page.goto(f"http://127.0.0.1:{port}{path}")
            page.wait_for_selector(ready, state="attached", timeout=15_000)
            title = page.get_attribute(ready, "data-title")
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=5)
    assert title == "Centinela"
    assert not refused and not errors, (refused, errors)


# --- hidden alert ids ------------------------------------------------------------------------------------


@contextmanager
def sql_log(store):
    """Record every SQL statement the store runs (text only) while the block runs."""
    log: list[str] = []
    real = store.connect

    class Spy:
        def __init__(self, conn):
            self._conn = conn

        def execute(self, sql, *args):
            log.append(" ".join(sql.split()))
            return self._conn.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self._conn, name)

    @contextmanager
    def spying(write=False):
        with real(write) as conn:
            yield Spy(conn)

    store.connect = spying
    try:
        yield log
    finally:
        del store.connect


def test_hidden_alert_answers_like_a_missing_one(app):
    web, store = app
    token = store.create_token("viewer", "probe", actor="test")
    client = TestClient(web, headers={"Authorization": f"Bearer {token}"})
    served = web.state.ctx.store
    with sql_log(served) as hidden_log:
        hidden = client.get("/api/alerts/CEN-B")
    with sql_log(served) as missing_log:
        missing = client.get("/api/alerts/CEN-X")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"].replace("CEN-B", "ID") == missing.json()["detail"].replace("CEN-X", "ID")
    assert set(hidden.headers) == set(missing.headers)
    assert hidden_log == missing_log, "the same reads, in the same order"
    assert len(hidden_log) >= 2
    assert TestClient(web, headers=client.headers).get("/api/alerts/CEN-A").status_code == 200


def test_hidden_alert_takes_about_as_long_as_a_missing_one(app):
    """Rough, on purpose: medians of interleaved requests, a wide margin, so a busy 2-core machine does not make it
    flaky; it would catch a hidden id costing several extra reads (the old code) only together with the test above."""
    web, store = app
    token = store.create_token("viewer", "timing", actor="test")
    client = TestClient(web, headers={"Authorization": f"Bearer {token}"})
    times: dict[str, list[float]] = {"CEN-B": [], "CEN-X": []}
    for _ in range(3):  # warm up
        client.get("/api/alerts/CEN-B"), client.get("/api/alerts/CEN-X")
    for i in range(120):
        for alert_id in ("CEN-B", "CEN-X") if i % 2 else ("CEN-X", "CEN-B"):
            t0 = time.perf_counter()
            assert client.get(f"/api/alerts/{alert_id}").status_code == 404
            times[alert_id].append(time.perf_counter() - t0)
    hidden, missing = statistics.median(times["CEN-B"]), statistics.median(times["CEN-X"])
    assert 0.5 < hidden / missing < 2.0, (hidden, missing)


# --- scripted attack: malformed input on every operation --------------------------------------------------

BAD_TEXT = [
    "",
    " ",
    "../../../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%00",
    "\u202e\u0000\ufeff",
    "😀" * 50,
    "A" * 5000,
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "-1",
    "-99999999999999999999999",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "-inf",
    "0x10",
    "true",
    "null",
    "[]",
    "{}",
    "2024-02-30",
    "9999999-01-01",
    "1,2,3,4,5",
    "nan,nan,nan,nan",
    "-180,-90,180,90,",
]
RAW_PATH = ["%00", "%ff%fe", "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "%252e%252e%252f"]  # sent as they are
LONE = "\\ud800"  # a JSON escape of half a surrogate pair: valid JSON, not encodable text
BAD_JSON_TEXT = [
    "",
    "{",
    "null",
    "[]",
    '"text"',
    "1e999999",
    "[" * 100_000 + "]" * 100_000,
    '{"a": "\ud800"}',  # raw, not escaped: invalid UTF-8 once encoded
    "{" + ", ".join(f'"{k}": "{LONE}"' for k in ("text", "status", "note", "assignee", "username", "password")) + "}",
    '{"status": "closed", "status": "new"}',
]


def bad_bodies(schema: dict) -> list[object]:
    """JSON values that break the body's schema: wrong types, missing or extra fields, huge and odd strings."""
    fields = list(schema.get("properties", {})) or ["x"]
    out: list[object] = [{}, [], 0, "x", None, {"unexpected": 1}]
    for name in fields:
        for value in (None, 123, -1e308, [], {}, True, "", "x" * 100_000, "\u0000", "😀" * 3000, "../../etc/passwd"):
            out.append({name: value})
        out.append({n: "x" * 100_000 for n in fields})
    return out


def resolve(spec: dict, schema: dict) -> dict:
    ref = schema.get("$ref")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def attack_requests(spec: dict):
    """(operation, method, path, query, body) for every operation, each request with one malformed part."""
    good = {"alert_id": "CEN-A", "date": "2024-07-01", "z": "6", "x": "1", "y": "1"}
    for template, ops in spec["paths"].items():
        for method, op in ops.items():
            params = op.get("parameters", [])
            path_params = [p["name"] for p in params if p["in"] == "path"]

            def fill(values, template=template, path_params=path_params):
                path = template
                for name in path_params:
                    path = path.replace("{" + name + "}", values.get(name, good.get(name, "1")))
                return path

            for name in path_params:
                for value in [quote(v, safe="") for v in BAD_TEXT] + RAW_PATH:
                    yield (method, template), method, fill({name: value}), None, None
            if template.endswith("/evidence.zip"):
                continue  # with a valid id it builds a whole package (tests/test_web_api.py covers that)
            for p in params:
                if p["in"] == "query":
                    for value in BAD_TEXT:
                        yield (method, template), method, fill({}), {p["name"]: value}, None
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                for value in bad_bodies(resolve(spec, body["schema"])):
                    yield (method, template), method, fill({}), None, ("json", value)
                for raw in BAD_JSON_TEXT:
                    yield (method, template), method, fill({}), None, ("raw", raw)
                yield (method, template), method, fill({}), None, ("form", "username=a&password=b")
            yield (method, template), "delete" if method != "delete" else "put", fill({}), None, None


@pytest.mark.slow
def test_scripted_attack_finds_no_server_error(app):
    web, store = app
    tokens = {role: store.create_token(role, "attack", actor="test") for role in U.ROLES}
    tokens["forged"] = "cnt_" + "A" * 40
    spec = TestClient(web).get("/openapi.json").json()
    plan = list(attack_requests(spec))
    operations = {(m, t) for t, ops in spec["paths"].items() for m in ops}
    assert {op for op, *_ in plan} == operations, "every operation is attacked"
    assert len(operations) >= 14

    # Admin (every permission, so the deepest paths) gets every request, viewer (the hidden-area paths) every
    # second, the other identities every sixth of each operation (the first of each always), so every identity
    # reaches every operation and the suite stays within its time on two cores.
    def every(k: int) -> list:
        return [r for i, r in enumerate(plan) if i == 0 or r[0] != plan[i - 1][0] or i % k == 0]

    halves, sample = every(2), every(6)
    assert {op for op, *_ in sample} == operations
    client = TestClient(web, raise_server_exceptions=False)
    failures, sent = [], 0
    for who in [None, *tokens]:
        headers = {"Authorization": f"Bearer {tokens[who]}"} if who else {}
        for _, method, path, query, body in {"admin": plan, "viewer": halves}.get(who, sample):
            kwargs = {"params": query, "headers": dict(headers)}
            if body and body[0] == "json":
                kwargs["json"] = body[1]
            elif body:
                kwargs["content"] = body[1].encode("utf-8", "surrogatepass")
                kind = "application/json" if body[0] == "raw" else "application/x-www-form-urlencoded"
                kwargs["headers"]["Content-Type"] = kind
            r = client.request(method.upper(), path, **kwargs)
            sent += 1
            if r.status_code >= 500:
                failures.append((who, method, path[:80], query, str(body)[:80], r.status_code, r.text[:200]))
    assert not failures, f"{len(failures)} of {sent} requests got a server error, first ones: {failures[:5]}"
    assert store.verify().ok, "the audit chain survived"


def test_same_rules_on_postgis(tmp_path, pg_url):
    from centinela.store import open_store

    store = open_store(pg_url)
    web = seed(store, tmp_path)
    close_alert(store)
    ranger = TestClient(web)
    h = login(ranger, "ranger")
    assert ranger.post("/api/alerts/CEN-A/status", json={"status": "under_review"}, headers=h).status_code == 403
    with pytest.raises(StepNotAllowed):
        store.set_status("CEN-A", "under_review", "ranger")
    viewer = TestClient(web)
    login(viewer, "viewer")
    hidden, missing = viewer.get("/api/alerts/CEN-B"), viewer.get("/api/alerts/CEN-X")
    assert hidden.status_code == missing.status_code == 404
    assert "postgres" not in TestClient(web).get("/api/health").text
    assert TestClient(web).get("/api/health").json()["store"] == "postgis"
