"""Detection accuracy on scenes of the project's own simulator; writes benchmarks/results/accuracy.md.

The detector was developed beside this simulator, so these scores say the pipeline works end to end on its
generator, not that it generalises: for that see benchmarks/independent/ (an independent generator, never used
for tuning) and benchmarks/results/operational.md.

For each scene: simulate (18 months: 6 of history, then the reported year), run `centinela detect` on the
year, and score against the simulator's truth (centinela.detect.evaluate).

    python benchmarks/accuracy.py            # the scenes below
    python benchmarks/accuracy.py --quick    # two small scenes, for a smoke run
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from rasterio import features

from centinela import data
from centinela.detect.evaluate import LOSS_CAUSES, score
from centinela.imagery import load_cube, read_aoi
from centinela.sim import simulate

RESULTS = Path(__file__).parent / "results" / "accuracy.md"
HISTORY, START, END = dt.date(2023, 7, 1), dt.date(2024, 1, 1), dt.date(2024, 12, 31)

# Seeds and places differ from the demo (seed 7) and the tests. river-A was inspected once during
# development (its late wet-season false alerts led to the haze-over-shadow screen); the others were not.
SCENES = [
    {"name": "river-A", "seed": 101, "size": 512, "center": (-12.60, -69.60), "events_from": None},
    {"name": "river-C", "seed": 505, "size": 512, "center": (-11.90, -69.20), "events_from": None},
    {"name": "river-B", "seed": 202, "size": 768, "center": (-12.40, -70.40), "events_from": None},
    {"name": "amw-Huepetuhe", "seed": 303, "size": 512, "center": (-12.972, -70.373), "events_from": "amw"},
    {"name": "amw-Tambopata", "seed": 404, "size": 640, "center": (-13.026, -70.093), "events_from": "amw"},
]
QUICK = [dict(SCENES[0], size=256), dict(SCENES[2], size=256)]


def clear_obs_latency(catalog: Path, aoi, truth: gpd.GeoDataFrame, per_event: pd.DataFrame, transform) -> dict:
    """Clear looks at each event (≥ 50 % of it clear) between its date and its first detection."""
    ds = load_cube(catalog, aoi, START, END)
    found = per_event[per_event.found]
    if found.empty:
        return {}
    t = truth[truth.cause.isin(LOSS_CAUSES)].copy()
    t["unit"] = np.where(t.cause == "river_change", t.event_id, t.group_id)
    when = pd.to_datetime(t.event_date)
    t = t[t.unit.isin(found.unit) & (when >= pd.Timestamp(START)) & (when <= pd.Timestamp(END - dt.timedelta(days=15)))]
    t = t.dissolve(by="unit").reset_index()
    ids = features.rasterize(
        ((g, i + 1) for i, g in enumerate(t.geometry)),
        out_shape=(ds.sizes["y"], ds.sizes["x"]),
        transform=transform,
        fill=0,
        dtype="int32",
    )
    flat = ids.ravel()
    sizes = np.bincount(flat, minlength=len(t) + 1)
    clear = ds.scl.isin([4, 5, 6]).values.reshape(ds.sizes["time"], -1)
    days = ds.time.values.astype("datetime64[D]")
    share = np.stack([np.bincount(flat, weights=c, minlength=len(t) + 1) / np.maximum(sizes, 1) for c in clear])
    out = {}
    for i, row in enumerate(t.itertuples(), start=1):
        ev = found[found.unit == row.unit].iloc[0]
        lat = ev.latency_days
        if np.isnan(lat):
            continue
        d0 = np.datetime64(ev.event_date, "D")
        d1 = d0 + np.timedelta64(int(max(lat, 0)), "D")
        window = (days >= d0) & (days < d1)
        out[row.unit] = int((share[window, i] >= 0.5).sum())
    return out


def run_scene(sc: dict, work: Path) -> dict:
    t0 = time.perf_counter()
    events = data.path(data.AMW_MINING) if sc["events_from"] == "amw" else None
    sim = simulate(
        work / sc["name"],
        seed=sc["seed"],
        size=sc["size"],
        start=HISTORY,
        end=END,
        center=sc["center"],
        events_from=events,
        workers=2,
    )
    t_sim = time.perf_counter() - t0
    out = work / f"{sc['name']}_alerts.gpkg"
    cmd = [
        sys.executable,
        "-m",
        "centinela.cli",
        "--lang",
        "en",
        "detect",
        "--catalog",
        str(sim.catalog),
        "--aoi",
        str(sim.aoi),
        "--start",
        str(START),
        "--end",
        str(END),
        "--out",
        str(out),
        "--history-days",
        str((START - HISTORY).days),
    ]
    t1 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    t_det = time.perf_counter() - t1
    alerts = gpd.read_file(out, layer="alerts")
    truth = gpd.read_file(sim.truth, layer="events")
    with rasterio.open(out.with_name(out.stem + "_dates.tif")) as src:
        first_seen, transform = src.read(1), src.transform
    s, per_event = score(alerts, truth, START, END, dates=(first_seen, transform))
    looks = clear_obs_latency(sim.catalog, read_aoi(sim.aoi), truth, per_event, transform)
    per_event["latency_clear_obs"] = per_event.unit.map(looks)
    return {"scene": sc, "scores": s, "events": per_event, "n_alerts": len(alerts), "t_sim": t_sim, "t_detect": t_det}


def pooled(results: list[dict]) -> dict:
    ev = pd.concat([r["events"] for r in results], ignore_index=True)
    s = [r["scores"] for r in results]
    tm = sum(x.truth_mining_ha for x in s)
    hit = sum(x.mining_area_recall * x.truth_mining_ha for x in s if not np.isnan(x.mining_area_recall))
    am = sum(x.alert_mining_ha for x in s)
    good = sum(x.mining_area_precision * x.alert_mining_ha for x in s if not np.isnan(x.mining_area_precision))
    found = ev[ev.found]
    correct = ((found.cause == "mining") == (found.alert_cause == "mining")).mean() if len(found) else np.nan
    return {
        "mining_area_recall": hit / tm if tm else np.nan,
        "mining_area_precision": good / am if am else np.nan,
        "attribution_accuracy": correct,
        "latency_days_median": found.latency_days.median(),
        "latency_days_p90": found.latency_days.quantile(0.9),
        "latency_clear_obs_median": found.latency_clear_obs.median(),
        "mining_events_found": int(((ev.cause == "mining") & ev.found).sum()),
        "mining_events": int((ev.cause == "mining").sum()),
    }


def f(x, nd=2):
    return "–" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.{nd}f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    scenes = QUICK if args.quick else SCENES
    with tempfile.TemporaryDirectory() as tmp:
        results = []
        for sc in scenes:
            r = run_scene(sc, Path(tmp))
            print(sc["name"], r["scores"].as_dict(), flush=True)
            results.append(r)
    P = pooled(results)
    cmd = "python benchmarks/accuracy.py" + (" --quick" if args.quick else "")
    lines = [
        "# Detection accuracy on simulated scenes",
        "",
        f"Command: `{cmd}` — {dt.date.today()}. Each scene: simulated {HISTORY} → {END} (`centinela simulate`), "
        f"`centinela detect --start {START} --end {END} --history-days {(START - HISTORY).days}`, scored with "
        "`centinela.detect.evaluate.score` against the simulator's truth. Events count when dated in the year, "
        "at least 15 days before its end, and at least the 0.3 ha MMU. An event is found when ≥ 50 % of its area "
        "is under alerts.",
        "",
        "| scene | px | mining area recall | mining area precision | mining events found | mining alert precision | "
        "loss area recall | loss area precision | attribution accuracy | latency median (days) | latency p90 (days) | "
        "latency median (clear looks) | alerts | simulate (s) | detect (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        s, sc, ev = r["scores"], r["scene"], r["events"]
        looks = ev[ev.found].latency_clear_obs.median() if len(ev) else np.nan
        lines.append(
            f"| {sc['name']} (seed {sc['seed']}) | {sc['size']} | {f(s.mining_area_recall)} | "
            f"{f(s.mining_area_precision)} | "
            f"{s.mining_events_found}/{s.mining_events} | {f(s.mining_alert_precision)} | {f(s.loss_area_recall)} | "
            f"{f(s.loss_area_precision)} | {f(s.attribution_accuracy)} | {f(s.latency_days_median, 0)} | "
            f"{f(s.latency_days_p90, 0)} | {f(looks, 1)} | {r['n_alerts']} | {r['t_sim']:.0f} | {r['t_detect']:.0f} |"
        )
    lines += [
        f"| **pooled** | | **{f(P['mining_area_recall'])}** | **{f(P['mining_area_precision'])}** | "
        f"{P['mining_events_found']}/{P['mining_events']} | | | | **{f(P['attribution_accuracy'])}** | "
        f"**{f(P['latency_days_median'], 0)}** | {f(P['latency_days_p90'], 0)} | "
        f"**{f(P['latency_clear_obs_median'], 1)}** | | | |",
        f"| mean of scenes | | {f(np.nanmean([r['scores'].mining_area_recall for r in results]))} | "
        f"{f(np.nanmean([r['scores'].mining_area_precision for r in results]))} | | "
        f"{f(np.nanmean([r['scores'].mining_alert_precision for r in results]))} | "
        f"{f(np.nanmean([r['scores'].loss_area_recall for r in results]))} | "
        f"{f(np.nanmean([r['scores'].loss_area_precision for r in results]))} | "
        f"{f(np.nanmean([r['scores'].attribution_accuracy for r in results]))} | | | | | | |",
        "",
        "Pooled figures weight scenes by hectares (amw-Huepetuhe dominates); the mean of scenes weights them equally.",
        "",
        "Targets (issue #3): mining area recall and precision ≥ 0.90, attribution accuracy ≥ 0.90, median latency ≤ 1 "
        "clear observation after the event. Latency in days is dominated by cloud: most wet-season events are first "
        "seen weeks later. 'Clear looks' counts the acquisitions with at least half of the event clear between its "
        "date and its first detection. "
        "These are scenes of the project's own simulator, which the detector was developed beside (river-A was even "
        "inspected scene by scene): they show the pipeline works on that generator, not that it generalises. "
        "Independent scenes: benchmarks/results/operational.md.",
        "",
        "## Events",
        "",
        "| scene | event | cause | date | ha | found | detected ha | alert cause | latency (days) | "
        "clear looks before detection |",
        "|---|---|---|---|---:|---|---:|---|---:|---:|",
    ]
    for r in results:
        for e in r["events"].itertuples():
            lines.append(
                f"| {r['scene']['name']} | {e.unit} | {e.cause} | {e.event_date} | {e.area_ha:.2f} | "
                f"{'yes' if e.found else 'no'} | "
                f"{e.detected_ha:.2f} | {e.alert_cause or '–'} | {f(e.latency_days, 0)} | {f(e.latency_clear_obs, 0)} |"
            )
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
