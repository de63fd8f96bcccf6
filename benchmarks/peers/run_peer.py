"""Run one peer change detector on the exported cube, inside the peer's own virtual environment.

    benchmarks/.peers-venv/legacy/bin/python benchmarks/peers/run_peer.py bfast CUBE.npz OUT.npz [--pixels IDX.npy]

Peers: ``bfast`` (BFAST Monitor, NumPy backend; legacy venv), ``ccd`` (CCDC, lcmap-pyccd; legacy venv),
``cold`` and ``sccd`` (pyxccd; xccd venv). The cube (written by benchmarks/peers.py) holds the six
reflectance bands ×10 000 as int16 (L2A digital numbers less the 1000 offset: the same values Centinela
reads), the clear mask, the ordinal dates and the first day of the monitoring period. Only the
detector's own processing is timed, one process on one core. Writes ``break_day`` (ordinal date of the
first break in the monitoring period, 0 for none) for the pixels run, and prints a JSON line with the time
and how many pixels the detector could not model (too few clear observations: no break).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time

# One core each, as Centinela's kernel is timed: no hidden BLAS threads.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import numpy as np  # noqa: E402 (after the thread variables above, which numpy reads at import)

THERMAL_CELSIUS_X100 = 2500  # Sentinel-2 has no thermal band; the CCD family wants one in range (25 °C)


def run_bfast(cube, pixels):
    """BFAST Monitor on NDVI: history before the monitoring start, harmonic season (k = 3), MOSUM at 5 %.

    A break counts as loss when the monitoring residuals are negative (NDVI below the model), as BFAST
    Monitor is used for deforestation."""
    from bfast import BFASTMonitor

    red, nir = cube["refl"][2][:, pixels].astype(np.float32), cube["refl"][3][:, pixels].astype(np.float32)
    with np.errstate(invalid="ignore", divide="ignore"):
        ndvi = (nir - red) / (nir + red)
    ok = cube["clear"][:, pixels] & np.isfinite(ndvi)
    data = np.where(ok, np.round(ndvi * 10000), -32768).astype(np.int16)[:, None, :]  # (T, 1, n)
    dates = [dt.datetime.fromordinal(int(d)) for d in cube["ordinal"]]
    start = dt.datetime.fromordinal(int(cube["monitor_start"]))
    model = BFASTMonitor(start, freq=365, k=3, hfrac=0.25, trend=True, level=0.05, backend="python")
    t0 = time.perf_counter()
    model.fit(data, dates, nan_value=-32768)
    seconds = time.perf_counter() - t0
    n_hist = int(np.searchsorted(cube["ordinal"], cube["monitor_start"]))
    brk, mag = model.breaks[0], model.magnitudes[0]
    day = np.where((brk >= 0) & (mag < 0), cube["ordinal"][np.clip(n_hist + brk, 0, len(dates) - 1)], 0)
    return day, seconds, int((brk == -2).sum())  # -2: too few observations


def _clear_series(cube, p):
    """One pixel's clear observations as the CCD family reads them: ordinal dates and six int64 bands
    (surface reflectance ×10 000).

    Cloudy looks are left out rather than flagged, as Google Earth Engine's CCDC receives masked
    collections: with them flagged, the CCD family picks its procedure by the share of clear looks (≥ 25 %,
    set for Landsat's 16-day revisit), and most pixels of a 5-day series over Amazon cloud fall to the
    "insufficient clear" procedure, which fits one robust model and reports no break at all.
    """
    keep = cube["clear"][:, p]
    return cube["ordinal"][keep].astype(np.int64), [cube["refl"][b][keep, p].astype(np.int64) for b in range(6)]


def run_ccd(cube, pixels):
    """CCDC (lcmap-pyccd defaults but STAT_ORD): any break in the monitoring period with change probability 1."""
    import ccd

    # pyccd computes its clear-sky ratio only over dates up to STAT_ORD (2018-01-01 by default, an LCMAP
    # production setting): on later imagery every pixel would fall to its "insufficient clear" procedure.
    params = {"STAT_ORD": int(cube["ordinal"][-1])}
    out = np.zeros(len(pixels), np.int64)
    failed = 0
    t0 = time.perf_counter()
    for i, p in enumerate(pixels):
        dates, bands = _clear_series(cube, p)
        qa = np.full(len(dates), 1 << 1, np.int64)  # bit-packed QA: clear
        thermal = np.full(len(dates), THERMAL_CELSIUS_X100, np.int64)
        try:
            res = ccd.detect(dates, *bands, thermal, qa, params=params)
        except Exception:  # too few clear observations to fit: no break
            failed += 1
            continue
        breaks = [
            m["break_day"]
            for m in res["change_models"]
            if m["change_probability"] >= 1 and m["break_day"] >= cube["monitor_start"]
        ]
        out[i] = min(breaks) if breaks else 0
    return out, time.perf_counter() - t0, failed


def run_xccd(cube, pixels, which: str):
    """COLD or S-CCD (pyxccd defaults): first confirmed break in the monitoring period."""
    from pyxccd import cold_detect, sccd_detect

    out = np.zeros(len(pixels), np.int64)
    failed = 0
    t0 = time.perf_counter()
    for i, p in enumerate(pixels):
        dates, b = _clear_series(cube, p)
        qa = np.zeros(len(dates), np.int64)  # CFmask code: clear
        thermal = np.zeros(len(dates), np.int64)  # ignored for validity (b_c2, the default)
        try:
            rec = cold_detect(dates, *b, thermal, qa) if which == "cold" else sccd_detect(dates, *b, qa).rec_cg
        except Exception:  # pyxccd raises when a pixel has too few clear observations to fit a model: no break
            failed += 1
            continue
        # S-CCD's records are confirmed breaks only; COLD's carry a change probability (×100).
        breaks = [
            int(r["t_break"])
            for r in rec
            if r["t_break"] >= cube["monitor_start"] and (which == "sccd" or r["change_prob"] >= 100)
        ]
        out[i] = min(breaks) if breaks else 0
    return out, time.perf_counter() - t0, failed


def run(peer: str, cube: dict, pixels: np.ndarray):
    if peer == "bfast":
        return run_bfast(cube, pixels)
    if peer == "ccd":
        return run_ccd(cube, pixels)
    return run_xccd(cube, pixels, peer)


def selftest(peer: str) -> dict:
    """The adapter on a textbook case: two years of 5-day looks, 40 % clear, forest with 3 % noise; two
    pixels turn to bare ground in May of the second (monitoring) year, two stay forest. A working adapter
    flags the first two and not the others."""
    rng = np.random.default_rng(1)
    start = dt.date(2023, 1, 1).toordinal()
    ordinal = np.arange(start, start + 5 * 146 + 1, 5, dtype=np.int64)
    T, n = len(ordinal), 4
    forest = np.array([250, 450, 240, 3000, 1400, 600], float)
    bare = np.array([900, 1100, 1300, 1900, 2800, 2300], float)
    after = ordinal >= dt.date(2024, 5, 1).toordinal()
    refl = forest[:, None, None] * (1 + 0.03 * rng.standard_normal((6, T, n)))
    for k in (0, 1):
        refl[:, after, k] = bare[:, None] * (1 + 0.03 * rng.standard_normal((6, int(after.sum()))))
    cube = {
        "refl": np.round(refl).astype(np.int16),
        "clear": rng.random((T, n)) < 0.4,
        "ordinal": ordinal,
        "monitor_start": np.int64(dt.date(2024, 1, 1).toordinal()),
    }
    day = run(peer, cube, np.arange(n))[0]
    found = np.asarray(day) > 0
    return {"changed_found": int(found[:2].sum()), "stable_flagged": int(found[2:].sum())}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("peer", choices=["bfast", "ccd", "cold", "sccd"])
    ap.add_argument("cube", nargs="?")
    ap.add_argument("out", nargs="?")
    ap.add_argument("--pixels", help=".npy of flat pixel indices (default: every pixel)")
    ap.add_argument("--selftest", action="store_true", help="only check the adapter on a synthetic step (prints JSON)")
    args = ap.parse_args()
    if args.selftest:
        print(json.dumps(selftest(args.peer)))
        return
    with np.load(args.cube) as z:
        cube = {k: z[k] for k in z.files}
    T, H, W = cube["clear"].shape
    cube["refl"] = cube["refl"].reshape(6, T, H * W)
    cube["clear"] = cube["clear"].reshape(T, H * W)
    pixels = np.load(args.pixels) if args.pixels else np.arange(H * W)
    day, seconds, unfit = run(args.peer, cube, pixels)
    np.savez(args.out, pixels=pixels, break_day=np.asarray(day, np.int64))
    print(json.dumps({"peer": args.peer, "seconds": seconds, "pixels": len(pixels), "dates": int(T), "unfit": unfit}))


if __name__ == "__main__":
    main()
