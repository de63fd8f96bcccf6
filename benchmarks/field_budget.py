"""The map page on a phone over a weak field link (issue #19): time to a usable login form and to the first useful
view, on a first visit and a repeat visit, and the bytes each moves; writes benchmarks/results/field_budget.md.

    .venv/bin/python benchmarks/field_budget.py [--runs 3]   # ~1 min a run: Chromium at /usr/bin/chromium, Playwright

Set-up: the test suite's seeded store (tests/test_web_api.py: the demo's 257 zones, roles, a sensitive area) plus
24 alerts more around Tambopata (27 in all, like the demo's view), served by uvicorn on 127.0.0.1. Chromium with a
phone's screen (390×844, touch) and its network emulated over CDP (`Network.emulateNetworkConditions`): 400 ms
latency, 400 kbit/s (50,000 bytes/s) down and up.

Measured from the start of the navigation:
  login form   the form is visible and takes input (Playwright typed the user name into it);
  first view   the first useful view: this area's alerts fetched and listed (body[data-ready="1"]) and MapLibre
               has drawn the alerts and the zones (querySourceFeatures of both sources non-empty).
The script types the credentials at once; a person takes several seconds, while MapLibre keeps downloading, so
a real wait after pressing "Entrar" is shorter than "first view − login form".
Visits: first (empty cache); repeat (same browser profile, signed in: the HTTP cache and the service worker, if
the page installed one, apply); repeat after signing out (cache kept, login again).
Bytes: counted where they leave the server (status line, headers, body after compression), every request
whoever made it (the page, MapLibre's worker, the service worker). Limits: Chromium's emulation throttles the
page's own requests; the service worker's fetches (its install downloads the app shell) are not throttled, so
on a real link they would compete with the page's and make the first visit slower than measured here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "field_budget.md"
CHROMIUM = Path("/usr/bin/chromium")
LINK = {"offline": False, "latency": 400, "downloadThroughput": 50_000, "uploadThroughput": 50_000}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
GOAL_FIRST_S, GOAL_REPEAT_S = 15.0, 5.0
DRAWN = """() => { const m = window.centinela && window.centinela.map;
    return !!m && m.querySourceFeatures('alerts').length > 0 && m.querySourceFeatures('zones').length > 0; }"""


class ByteCounter:
    """ASGI wrapper adding up the bytes of every response (after compression)."""

    def __init__(self, app):
        self.app = app
        self.sent: Counter[str] = Counter()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]

        async def counting(message):
            if message["type"] == "http.response.start":
                self.sent[path] += 19 + sum(len(k) + len(v) + 4 for k, v in message.get("headers", []))
            elif message["type"] == "http.response.body":
                self.sent[path] += len(message.get("body", b""))
            await send(message)

        return await self.app(scope, receive, counting)


def seeded_app(tmp: Path):
    """The tests' seeded store and app, with 24 more alerts spread over the first view."""
    import numpy as np
    import shapely

    sys.path.insert(0, str(ROOT / "tests"))
    from centinela.store import embedded_store
    from test_web_api import PASSWORD, alerts, seed

    store = embedded_store(tmp / "centinela.gpkg")
    app = seed(store, tmp)
    rng = np.random.default_rng(19)
    rows = []
    for i in range(24):
        x, y = rng.uniform(-70.35, -69.62), rng.uniform(-12.96, -12.6)
        side = rng.uniform(0.002, 0.008)
        day = dt.date(2024, 3, 1) + dt.timedelta(days=int(rng.integers(0, 180)))
        cause = "mining" if i % 3 else "other"
        rows.append((f"CEN-F{i:02d}", day.isoformat(), cause, shapely.box(x, y, x + side, y + side)))
    store.ingest(alerts(*rows), actor="detector")
    return app, PASSWORD


def serve(app) -> tuple[str, object]:
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=srv.run, daemon=True).start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", srv


def wait_drawn(page, timeout_s: float = 120.0) -> None:
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(DRAWN):
        if time.monotonic() > deadline:
            raise TimeoutError("the map did not draw the alerts and zones")
        time.sleep(0.05)


def visit(context, base: str, counter: ByteCounter, password: str, *, log_in: bool) -> dict:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", LINK)
    counter.sent.clear()
    t0 = time.monotonic()
    page.goto(base + "/", wait_until="commit", timeout=120_000)
    form_s = None
    if log_in:
        page.wait_for_selector("#login-form", state="visible", timeout=120_000)
        page.fill("#username", "ranger")
        form_s = time.monotonic() - t0
        page.fill("#password", password)
        page.click("#login-submit")
    wait_drawn(page)
    view_s = time.monotonic() - t0
    view_bytes = sum(counter.sent.values())
    controlled = page.evaluate("!!(navigator.serviceWorker && navigator.serviceWorker.controller)")
    # Let a service worker finish installing (a phone would have had the time) before the next visit.
    page.evaluate(
        """() => 'serviceWorker' in navigator ? Promise.race([navigator.serviceWorker.ready.then(() => true),
        new Promise((r) => setTimeout(() => r(false), 30000))]) : false"""
    )
    time.sleep(1.0)
    return {
        "page": page,
        "form_s": form_s,
        "view_s": view_s,
        "view_bytes": view_bytes,
        "all_bytes": sum(counter.sent.values()),
        "by_path": dict(counter.sent),
        "sw_controlled": controlled,
        "alerts": page.get_attribute("#map", "data-alerts-count"),
    }


def static_fingerprint() -> list[tuple[str, int]]:
    from centinela.web.app import static_dir

    return sorted((p.name, p.stat().st_mtime_ns) for p in static_dir().iterdir())


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.node()}: {cpu}, {os.cpu_count()} CPUs (shared), {platform.system()} {platform.release()}"


def fmt_s(values: list[float | None]) -> str:
    """Median (min–max) of a run's seconds."""
    vals = sorted(v for v in values if v is not None)
    if not vals:
        return "—"
    median = statistics.median(vals)
    return f"{median:.1f} s" if len(vals) == 1 else f"{median:.1f} s ({vals[0]:.1f}–{vals[-1]:.1f})"


def report(visits: list[tuple[str, list[dict], float | None]], browser_version: str, command: str, **notes) -> str:
    lines = [
        "# Field budget: the map page on a phone at 400 kbit/s, 400 ms",
        "",
        f"Command: `{command}`  ",
        f"Date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}  ",
        f"Machine: {machine()}; load average {notes['load']} at the start; Chromium {browser_version} (headless, "
        "software GL)  ",
        "Link: Chromium network emulation (CDP `Network.emulateNetworkConditions`), latency 400 ms, "
        "50,000 bytes/s down and up; phone viewport 390×844, touch.  ",
        "Store: the tests' seeded store (demo zones: 257, 1.2 MB as GeoJSON) + 24 alerts, 27 in the first view.",
        "",
        "Definitions (see the script's docstring): *login form* = visible and taking input; *first view* = the "
        "area's alerts fetched and listed and MapLibre has drawn the alerts and the zones; both from the start of "
        "the navigation. Credentials are typed instantly. Bytes = every response as sent by the server "
        "(compressed), until the first view / including what the service worker's install fetched afterwards. "
        f"{notes['runs']} runs, each in a fresh browser profile: median (min–max); the goal is judged on the median.",
        "",
        "| visit | login form | first view | goal | met | bytes to first view | bytes incl. service worker "
        "| page controlled by a service worker |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, runs, goal in visits:
        median = statistics.median(r["view_s"] for r in runs)
        met = "—" if goal is None else ("yes" if median <= goal else "**no**")
        view_kb, all_kb = (statistics.median(r[key] for r in runs) / 1000 for key in ("view_bytes", "all_bytes"))
        lines.append(
            f"| {name} | {fmt_s([r['form_s'] for r in runs])} | {fmt_s([r['view_s'] for r in runs])} "
            f"| {'—' if goal is None else f'≤ {goal:.0f} s'} | {met} | {view_kb:.0f} kB | {all_kb:.0f} kB "
            f"| {'yes' if all(r['sw_controlled'] for r in runs) else 'not always'} |"
        )
    lines += [
        "",
        "Before issue #19 (the issue's own measurement, same link): login form after 25.7 s, alerts 42.8 s later; "
        "3.9 MB uncompressed, the 1.27 MB zones file again at every login.",
    ]
    if notes["rebuilt"]:
        lines += ["", "**The bundle was rebuilt during this run**: later visits include a new deploy; run again."]
    lines += ["", "Largest transfers per visit, first run (kB):", ""]
    for name, runs, _ in visits:
        top = sorted(runs[0]["by_path"].items(), key=lambda kv: -kv[1])[:8]
        lines.append(f"- {name}: " + ", ".join(f"`{p}` {b / 1000:.1f}" for p, b in top))
    lines.append("")
    return "\n".join(lines)


def one_run(browser, base: str, counter: ByteCounter, password: str) -> tuple[dict, dict, dict]:
    context = browser.new_context(**PHONE)
    first = visit(context, base, counter, password, log_in=True)
    first["page"].close()
    repeat = visit(context, base, counter, password, log_in=False)
    repeat["page"].click("#logout")
    repeat["page"].wait_for_selector("#login-form", state="visible")
    repeat["page"].close()
    again = visit(context, base, counter, password, log_in=True)
    context.close()
    return first, repeat, again


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=RESULTS, help="Markdown report to write")
    ap.add_argument("--runs", type=int, default=3, help="runs, each in a fresh browser profile (default 3)")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    before = static_fingerprint()
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    with tempfile.TemporaryDirectory() as tmp:
        app, password = seeded_app(Path(tmp))
        counter = ByteCounter(app)
        base, srv = serve(counter)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
                )
                runs = [one_run(browser, base, counter, password) for _ in range(max(1, args.runs))]
                version = browser.version
                browser.close()
        finally:
            srv.should_exit = True
    visits = [
        ("first (empty cache)", [r[0] for r in runs], GOAL_FIRST_S),
        ("repeat, still signed in", [r[1] for r in runs], GOAL_REPEAT_S),
        ("repeat, signed in again", [r[2] for r in runs], None),
    ]
    command = "python benchmarks/field_budget.py" + "".join(
        f" {flag} {value}"
        for flag, value, default in (("--runs", args.runs, 3), ("--out", args.out, RESULTS))
        if value != default
    )
    text = report(visits, version, command, load=load, runs=len(runs), rebuilt=static_fingerprint() != before)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
