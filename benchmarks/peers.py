"""Centinela's change kernel side by side with established open-source detectors; writes benchmarks/results/peers.md.

    bash benchmarks/peers/setup_env.sh      # once: the peers' own virtual environments (old NumPy for bfast/pyccd)
    python benchmarks/peers.py              # 256 px, 5-day L2A near Huepetuhe: 2 years of history, 1 monitored

One simulated cube (same pixels, same dates) is exported as a file; each peer reads it in its own
environment (benchmarks/peers/run_peer.py) and only its processing is timed, one process on one core.
Centinela's kernel is timed the same way, on the same reflectances. Throughput is pixel-dates per
second per core; accuracy is per pixel against the simulator's truth (loss first seen in the
monitoring year), on one stratified sample of pixels that every method runs, and on the whole scene for
the methods fast enough to run it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
RESULTS = HERE / "results" / "peers.md"
VENVS = HERE / ".peers-venv"
RUNNER = HERE / "peers" / "run_peer.py"
MONITOR, END = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
# The CCD family needs at least a year of clear looks to fit its first model and several more to trust it;
# issue #16 asks for a history of two years or more so that every peer can start. --history-years sets it.
HISTORY = dt.date(2022, 1, 1)
SCENE = {"seed": 303, "center": (-12.972, -70.373)}  # Huepetuhe: mining fronts from the Amazon Mining Watch layer
PEERS = {  # name: (virtual environment, label)
    "bfast": ("legacy", "BFAST Monitor (`bfast` 0.7, NumPy backend)"),
    "ccd": ("legacy", "CCDC (`lcmap-pyccd` 2021.7.19)"),
    "cold": ("xccd", "COLD (`pyxccd` 1.1.0)"),
    "sccd": ("xccd", "S-CCD (`pyxccd` 1.1.0)"),
}
EPOCH = dt.date(1970, 1, 1)


# --- the cube and the truth ---------------------------------------------------------------------------


def make_scene(work: Path, size: int):
    from centinela import data
    from centinela.sim import simulate

    return simulate(
        work / f"scene{size}",
        seed=SCENE["seed"],
        size=size,
        start=HISTORY,
        end=END,
        center=SCENE["center"],
        events_from=data.path(data.AMW_MINING),
        workers=2,
    )


def load_arrays(sim) -> dict:
    """The cube Centinela's detect reads, as arrays: reflectance (band, time, y, x), clear mask, days."""
    from centinela.detect.kernel import BANDS
    from centinela.detect.run import day_numbers
    from centinela.imagery import load_cube, read_aoi
    from centinela.imagery.dn import load_dn

    cube = load_cube(sim.catalog, read_aoi(sim.aoi), HISTORY, END, bands=BANDS).compute()
    refl = np.stack([cube[b].values for b in BANDS])
    dn = load_dn(sim.catalog, read_aoi(sim.aoi), HISTORY, END, bands=BANDS)
    raw = dn.rc.raw.compute()
    return {
        "refl": refl,
        "clear": cube.clear.values,
        "days": day_numbers(cube.time),
        "cube": cube,
        "dn": np.stack([raw[b].values for b in BANDS], axis=1),
        "scl": raw.scl.values,
        "dncube": dn,
    }


def export(a: dict, path: Path) -> None:
    """The file the peers read: reflectance ×10 000 as int16 (exactly the L2A numbers less the 1000 offset)."""
    refl = np.where(np.isfinite(a["refl"]), np.round(a["refl"] * 10000), 0).astype(np.int16)
    ordinal = np.array([(EPOCH + dt.timedelta(days=int(d))).toordinal() for d in a["days"]], np.int64)
    np.savez(path, refl=refl, clear=a["clear"], ordinal=ordinal, monitor_start=np.int64(MONITOR.toordinal()))


def truth_raster(sim, cube) -> np.ndarray:
    """Per pixel: +1 loss first happening in the monitoring year (early enough to be seen), 0 no loss at
    all, -1 not scored (loss before the year, or in its last 15 days)."""
    import geopandas as gpd
    import pandas as pd
    from rasterio import features

    from centinela.detect.evaluate import LOSS_CAUSES
    from centinela.detect.run import cube_transform

    t = gpd.read_file(sim.truth, layer="events")
    t = t[t.cause.isin(LOSS_CAUSES)]
    when = pd.to_datetime(t.event_date).dt.date
    shape = (cube.sizes["y"], cube.sizes["x"])
    scored = (when >= MONITOR) & (when <= END - dt.timedelta(days=15))
    out = np.zeros(shape, np.int8)
    tr = cube_transform(cube)
    if (~scored).any():
        out[
            features.rasterize(t[~scored].geometry, out_shape=shape, transform=tr, fill=0, default_value=1).astype(bool)
        ] = -1
    if scored.any():
        pos = features.rasterize(t[scored].geometry, out_shape=shape, transform=tr, fill=0, default_value=1).astype(
            bool
        )
        out[pos & (out == 0)] = 1
    return out


def sample(truth: np.ndarray, n: int, rng) -> np.ndarray:
    """Flat indices: up to n/2 loss pixels and as many no-loss pixels (the rare class would be missed by chance)."""
    flat = truth.ravel()
    pos, neg = np.flatnonzero(flat == 1), np.flatnonzero(flat == 0)
    k = min(n // 2, len(pos))
    return np.sort(np.concatenate([rng.choice(pos, k, replace=False), rng.choice(neg, n - k, replace=False)]))


# --- Centinela -----------------------------------------------------------------------------------------


def centinela_kernel(a: dict, mode: str = "compiled") -> tuple[np.ndarray, float]:
    """Fold every date into a fresh state with the kernel, as `detect` does; returns the first-seen day of
    confirmed breaks (days since 1970, 0 = none) and the seconds. ``mode``: ``compiled``, the Numba kernel runs
    use (digital numbers and SCL in, scaling and mask included); ``numpy``, its NumPy definition (reflectance
    in, in strips); ``plain``, the NumPy kernel as one whole-array pass a date, the textbook vectorisation."""
    from centinela.detect import Params, State, update
    from centinela.detect.fused import clear_lut, fold_dn, param_vectors
    from centinela.detect.kernel import BANDS, _update_in_place

    T, H, W = a["clear"].shape
    st = State.empty((H, W))
    p = Params()
    c = a["dncube"]
    lut, (pf, pi) = clear_lut(c.clear_classes), param_vectors(p)
    if mode == "compiled":  # compile (or load the cached machine code) outside the timing
        fold_dn(
            State.empty((1, 1)),
            1,
            a["dn"][:1, :, :1, :1].reshape(6, 1, 1),
            a["scl"][0, :1, :1],
            c.scale[0],
            c.offset[0],
            c.wide,
            lut,
            pf,
            pi,
        )
    t0 = time.perf_counter()
    for k in range(T):
        if mode == "compiled":
            fold_dn(st, int(a["days"][k]), a["dn"][k], a["scl"][k], c.scale[k], c.offset[k], c.wide, lut, pf, pi)
            continue
        obs = {b: a["refl"][i, k] for i, b in enumerate(BANDS)}
        if mode == "plain":
            _update_in_place(st, int(a["days"][k]), obs, a["clear"][k], p)
        else:
            update(st, int(a["days"][k]), obs, a["clear"][k], p)
    seconds = time.perf_counter() - t0
    return np.where(st.conf_day > 0, st.cand_day, 0), seconds


def centinela_alerts(sim, work: Path) -> tuple[np.ndarray, float, int]:
    """The whole product (`detect`: kernel, regularisation, minimum mapping unit, causes): alerted pixels'
    first-seen day.
    """
    import rasterio

    from centinela.detect import detect
    from centinela.imagery import read_aoi

    out = work / "alerts.gpkg"
    shutil.rmtree(work / "alerts.gpkg.state", ignore_errors=True)
    t0 = time.perf_counter()
    r = detect(sim.catalog, read_aoi(sim.aoi), out, start=MONITOR, end=END, history_days=(MONITOR - HISTORY).days)
    seconds = time.perf_counter() - t0
    with rasterio.open(out.with_name(out.stem + "_dates.tif")) as src:
        return src.read(1), seconds, len(r.alerts)


# --- peers ---------------------------------------------------------------------------------------------


def run_peer(name: str, cube_file: Path, pixels: np.ndarray | None, work: Path) -> dict:
    venv, label = PEERS[name]
    py = VENVS / venv / "bin" / "python"
    if not py.exists():
        return {"name": name, "label": label, "error": f"{py} missing: run `bash benchmarks/peers/setup_env.sh`"}
    cmd = [str(py), str(RUNNER), name, str(cube_file), str(work / f"{name}.npz")]
    if pixels is not None:
        np.save(work / f"{name}_pixels.npy", pixels)
        cmd += ["--pixels", str(work / f"{name}_pixels.npy")]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        return {
            "name": name,
            "label": label,
            "error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed",
        }
    info = json.loads(done.stdout.strip().splitlines()[-1])
    with np.load(work / f"{name}.npz") as z:
        info["pixels_idx"], info["break_day"] = z["pixels"], z["break_day"]
    info["label"] = label
    check = subprocess.run([str(py), str(RUNNER), name, "--selftest"], capture_output=True, text=True)
    info["selftest"] = json.loads(check.stdout.strip().splitlines()[-1]) if check.returncode == 0 else None
    return info


def ordinal_to_days(day: np.ndarray) -> np.ndarray:
    """Ordinal dates (0 = none) → days since 1970 (0 = none)."""
    return np.where(day > 0, day - EPOCH.toordinal(), 0)


# --- scoring -------------------------------------------------------------------------------------------


def score(detected_day: np.ndarray, truth: np.ndarray) -> dict:
    """Pixel scores of 'loss first detected in the monitoring year' on the scored pixels given (flat arrays)."""
    lo, hi = (MONITOR - EPOCH).days, (END - EPOCH).days
    det = (detected_day >= lo) & (detected_day <= hi)
    keep = truth >= 0
    det, pos = det[keep], truth[keep] == 1
    tp, fp, fn, tn = int((det & pos).sum()), int((det & ~pos).sum()), int((~det & pos).sum()), int((~det & ~pos).sum())
    recall = tp / (tp + fn) if tp + fn else float("nan")
    precision = tp / (tp + fp) if tp + fp else float("nan")
    far = fp / (fp + tn) if fp + tn else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else float("nan")
    return {
        "recall": recall,
        "precision": precision,
        "false_alarm": far,
        "f1": f1,
        "balanced": (recall + 1 - far) / 2,
        "n": int(keep.sum()),
    }


def fmt(x, nd=2):
    return "–" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.{nd}f}"


# --- the run -------------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument(
        "--sample", type=int, default=400, help="stratified pixels every method runs (CCDC runs only these)"
    )
    ap.add_argument(
        "--full",
        nargs="*",
        default=["bfast", "cold", "sccd"],
        choices=list(PEERS),
        help="peers also run over the whole scene (besides Centinela)",
    )
    ap.add_argument("--work", type=Path, help="folder to keep the scene and the peers' outputs in")
    ap.add_argument("--history-years", type=int, default=2, help="years of history before the monitoring year")
    args = ap.parse_args()
    global HISTORY
    HISTORY = dt.date(MONITOR.year - args.history_years, 1, 1)
    load0 = os.getloadavg()[0]
    work = args.work or Path(tempfile.mkdtemp(prefix="centinela-peers-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        rows, facts = run(args, work)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    write(args, rows, facts, load0, os.getloadavg()[0])


def run(args, work: Path):
    sim = make_scene(work, args.size)
    a = load_arrays(sim)
    T, H, W = a["clear"].shape
    truth = truth_raster(sim, a["cube"])
    export(a, work / "cube.npz")
    pix = sample(truth, args.sample, np.random.default_rng(0))
    flat_truth = truth.ravel()
    facts = {
        "T": T,
        "H": H,
        "W": W,
        "pos": int((truth == 1).sum()),
        "neg": int((truth == 0).sum()),
        "excluded": int((truth < 0).sum()),
        "clear": float(a["clear"].mean()),
        "sample": len(pix),
        "sample_pos": int((flat_truth[pix] == 1).sum()),
    }

    rows = []
    labels = {
        "compiled": "**Centinela kernel** (`centinela.detect.fused.fold_dn`, compiled; what `detect` runs)",
        "numpy": "Centinela kernel, NumPy definition (`centinela.detect.update`)",
        "plain": "Centinela kernel, plain NumPy (one whole-array pass a date)",
    }
    days_by_mode = {}
    for mode, label in labels.items():
        day, sec = centinela_kernel(a, mode)
        days_by_mode[mode] = day
        rows.append(
            {
                "label": label,
                "seconds": sec,
                "pixels": H * W,
                "dates": T,
                "full": score(day.ravel(), flat_truth),
                "sample": score(day.ravel()[pix], flat_truth[pix]),
                "ours": mode == "compiled",
            }
        )
    assert all(np.array_equal(days_by_mode["compiled"], d) for d in days_by_mode.values()), "the three kernels agree"
    alerts_day, sec, n_alerts = centinela_alerts(sim, work)
    facts["alerts"] = n_alerts
    rows.append(
        {
            "label": "Centinela alerts (`detect`: reading the COGs, kernel, patches, MMU 0.3 ha)",
            "seconds": sec,
            "pixels": H * W,
            "dates": T,
            "end_to_end": True,
            "full": score(alerts_day.ravel(), flat_truth),
            "sample": score(alerts_day.ravel()[pix], flat_truth[pix]),
        }
    )

    for name in PEERS:
        whole = name in args.full
        info = run_peer(name, work / "cube.npz", None if whole else pix, work)
        if "error" in info:
            rows.append({"label": info["label"], "error": info["error"]})
            print(info["label"], "FAILED:", info["error"], flush=True)
            continue
        days = np.zeros(H * W, np.int64)
        days[info["pixels_idx"]] = ordinal_to_days(info["break_day"])
        row = {
            "label": info["label"] + ("" if whole else f", {len(pix)} sampled pixels, rate scaled"),
            "seconds": info["seconds"],
            "pixels": info["pixels"],
            "dates": info["dates"],
            "sample": score(days[pix], flat_truth[pix]),
            "unfit": info["unfit"],
            "peer": name,
            "selftest": info["selftest"],
        }
        if whole:
            row["full"] = score(days, flat_truth)
        rows.append(row)
        print(row["label"], f"{row['seconds']:.1f} s", flush=True)
        if whole:  # end to end: the peer's breaks made into patches by the product's own minimum mapping unit
            patched = mmu_patches(days.reshape(H, W), MMU_PIXELS).ravel()
            rows.append(
                {
                    "label": f"{info['label'].split(' (')[0]} breaks + the same MMU (patches ≥ 0.3 ha)",
                    "seconds": info["seconds"],
                    "pixels": info["pixels"],
                    "dates": info["dates"],
                    "end_to_end": True,
                    "full": score(patched, flat_truth),
                    "sample": score(patched[pix], flat_truth[pix]),
                }
            )
    return rows, facts


MMU_PIXELS = 30  # 0.3 ha of 10 m pixels: detect's default minimum mapping unit


def mmu_patches(day: np.ndarray, min_pixels: int) -> np.ndarray:
    """Break days kept only in 8-connected patches of breaks in the monitoring year of at least ``min_pixels``
    pixels, as `detect` keeps only alerts of at least its minimum mapping unit."""
    from scipy import ndimage

    lo, hi = (MONITOR - EPOCH).days, (END - EPOCH).days
    labels, _ = ndimage.label((day >= lo) & (day <= hi), structure=np.ones((3, 3)))
    sizes = np.bincount(labels.ravel())
    keep = (sizes >= min_pixels)[labels] & (labels > 0)
    return np.where(keep, day, 0)


def reading(rows: list[dict], facts: dict) -> list[str]:
    """How to read the accuracy columns, from this run's history length and numbers."""
    years = (MONITOR - HISTORY).days / 365.25
    ccd = [r for r in rows if r.get("peer") in ("ccd", "cold", "sccd") and "error" not in r]
    recall = ", ".join(f"{r['label'].split(' (')[0]} {fmt(r['sample']['recall'])}" for r in ccd)
    text = (
        f"Reading the accuracy columns: the history before the monitored year is {years:.0f} year(s) at about "
        f"{facts['clear'] * 73:.0f} clear looks a year (5-day revisit, {facts['clear']:.0%} clear). The CCD family "
        "(CCDC, COLD, S-CCD) must first fit a stable harmonic model over at least a year of clear looks (12 or more) "
        "and then waits for several consecutive anomalous looks before it reports a break, so with one year of "
        "history most pixels get no model that predates the change; with two or more they start, and their recall "
        f"on the sample is {recall}. They report any spectral change, not loss only, and need six looks to confirm "
        "one, which in a cloudy year pushes late-year losses past its end. BFAST Monitor tests every look SCL calls "
        "clear against its history model, so haze and shadow that SCL misses likely explain most of its false "
        "alarms; Centinela screens such looks against each pixel's own history (docs/method.md). The rows "
        "*breaks + the same MMU* make each whole-scene peer's breaks into patches of at least 0.3 ha, as `detect` "
        "does with its own, so the end-to-end rows compare like with like (no cause, no regularisation for the "
        "peers; their seconds are the fit's). This cube comes from Centinela's own simulator, on which its kernel "
        "was developed, and the peers run on their defaults: read the gap as favourable to Centinela by "
        "construction; benchmarks/independent/ judges the product on scenes it was not tuned on."
    )
    return [text]


def verdict(rows: list[dict], rate_ours: float, ours: dict) -> list[str]:
    """The goals, peer by peer: throughput ratio and accuracy (balanced accuracy on the shared sample)."""
    goals = {"bfast": 10, "ccd": 100}
    out = []
    for r in rows:
        if r.get("peer") not in goals or "error" in r:
            continue
        ratio = rate_ours / (r["pixels"] * r["dates"] / r["seconds"])
        better = ours["sample"]["balanced"] >= r["sample"]["balanced"]
        out.append(
            f"- {r['label'].split(' (')[0]}: **{ratio:,.0f}×** its throughput (goal ≥ {goals[r['peer']]}×: "
            f"{'met' if ratio >= goals[r['peer']] else 'not met'}), balanced accuracy "
            f"{fmt(ours['sample']['balanced'])} "
            f"against {fmt(r['sample']['balanced'])} ({'equal or better' if better else 'worse'})."
        )
    return out


def write(args, rows, facts, load0, load1) -> None:
    ours = next(r for r in rows if r.get("ours"))
    rate_ours = ours["pixels"] * ours["dates"] / ours["seconds"]
    cmd = (
        "python benchmarks/peers.py"
        + (f" --size {args.size}" if args.size != 256 else "")
        + (f" --sample {args.sample}" if args.sample != 400 else "")
        + (f" --history-years {args.history_years}" if args.history_years != 2 else "")
    )
    lines = [
        "# Centinela's change kernel against established detectors",
        "",
        f"Command: `bash benchmarks/peers/setup_env.sh && {cmd}` — {dt.date.today()}, {platform.machine()}, "
        "one process per method on one core (BLAS threads 1). "
        f"Load average {load0:.1f} at the start, {load1:.1f} at the end: the machine was "
        "shared with other work, so seconds are pessimistic for every method alike.",
        "",
        f"Cube: simulated Sentinel-2 L2A, {facts['H']}×{facts['W']} px near Huepetuhe (seed {SCENE['seed']}, "
        f"Amazon Mining Watch footprints), {facts['T']} dates every 5 days from {HISTORY} to {END}, "
        f"{facts['clear']:.0%} of pixel-dates clear. "
        f"History: {HISTORY} → {MONITOR - dt.timedelta(days=1)}; monitoring: {MONITOR} → {END}. "
        f"Truth: {facts['pos']} pixels with loss first happening in the monitoring year (up to 15 days before its "
        f"end), {facts['neg']} with no loss, {facts['excluded']} not scored (loss before the year or at its very end). "
        "Every method gets the same reflectances (the L2A digital numbers) and the same clear mask (SCL 4, 5, 6).",
        "",
        "| method | pixels run | seconds | pixel-dates / s / core | Centinela kernel ÷ method | recall (sample) | "
        "false alarms (sample) | balanced accuracy (sample) | recall (scene) | precision (scene) | F1 (scene) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['label']} | – | – | – | – | could not run: {r['error']} | | | | | |")
            continue
        rate = r["pixels"] * r["dates"] / r["seconds"]
        s, f = r["sample"], r.get("full")
        ratio = "1" if r.get("ours") else ("(end to end)" if r.get("end_to_end") else f"**{rate_ours / rate:,.0f}×**")
        unfit = f" ({r['unfit']:,} too cloudy to model)" if r.get("unfit") else ""
        lines.append(
            f"| {r['label']} | {r['pixels']:,}{unfit} | {r['seconds']:.1f} | {rate:,.0f} | {ratio} | "
            f"{fmt(s['recall'])} | "
            f"{fmt(s['false_alarm'], 3)} | {fmt(s['balanced'])} | {fmt(f['recall']) if f else '–'} | "
            f"{fmt(f['precision']) if f else '–'} | {fmt(f['f1']) if f else '–'} |"
        )
    lines += [
        "",
        f"Sample: {facts['sample']} pixels drawn at random, {facts['sample_pos']} with loss in the year and the rest "
        "with no loss (stratified, seed 0), run by every method; *false alarms* is the share of no-loss sample pixels "
        "flagged. "
        "Scene columns use every scored pixel; they exist for the methods run over the whole scene. A pixel counts as "
        "detected when the method's first break in the monitoring year falls in it: Centinela's kernel, a confirmed "
        "break (two anomalous clear looks); its alerts, a pixel inside a reported alert; BFAST Monitor, a MOSUM break "
        "with negative residuals on NDVI (history model: trend + 3 harmonics, h = 0.25, α = 0.05); CCDC, COLD and "
        "S-CCD, a break with change probability 1 (their defaults; they report any spectral change, not loss only). "
        "The CCD family gets each pixel's clear looks only, as Earth Engine's CCDC gets masked collections (flagged "
        'cloudy looks would send most pixels to their no-break "insufficient clear" procedure, a threshold set for '
        "Landsat); lcmap-pyccd also gets STAT_ORD = the last date, without which it computes that share over dates "
        "before 2018 only.",
        "",
        "Rates are per core: every method ran single-threaded in its own process; CCDC's rate is measured on the "
        "sampled pixels and holds per pixel (it processes pixels independently), which is how it is scaled. The "
        "kernel rows time the fold over dates only (as the peers' rows time their fit only); the compiled kernel "
        "starts from the digital numbers and SCL, so its time includes turning them into reflectance and a clear mask, "
        "which the other rows get done; all three Centinela kernels give the same breaks, pixel for pixel (checked "
        "in the run). *Centinela alerts* is the whole `detect` run, reading the COGs included, for scale.",
        "",
        *reading(rows, facts),
        "",
        "Adapter check (`run_peer.py PEER --selftest`, in each peer's environment): two years of 5-day looks, 40 % "
        "clear, two forest pixels turning to bare ground in May of the monitoring year and two staying forest — "
        + "; ".join(
            f"{r['label'].split(' (')[0]}: {r['selftest']['changed_found']}/2 changes found, "
            f"{r['selftest']['stable_flagged']}/2 stable pixels flagged"
            for r in rows
            if r.get("selftest")
        )
        + ".",
        "",
        "Goal (issue #8): ≥ 10× BFAST Monitor's throughput and ≥ 100× CCDC's, at equal or better accuracy.",
        "",
        *verdict(rows, rate_ours, ours),
    ]
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
