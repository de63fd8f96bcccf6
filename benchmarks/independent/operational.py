"""Operational benchmark: run the product as its users do, on scenes it has never seen, and score each run.

For each scene (written by ``generate.py``): a fresh store, ``centinela areas add`` from the first reported
date, then ``centinela monitor --until D`` every 10 days. After each run the store's ``alerts`` layer is read
back; alerts whose id is new in that run are that run's news. Scores (see ``scoring.py``) are computed
from what each run said at the time, not from the final state only.

Usage, from the repository root::

    .venv/bin/python benchmarks/independent/operational.py --quick    # one small scene, a few minutes
    .venv/bin/python benchmarks/independent/operational.py            # all scenes

Writes ``benchmarks/results/operational.md`` (or ``--results``). Evaluation only: never tune on these scenes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

import generate
import report
import scoring
from generate import SCENES, SceneConfig, SceneFiles, log
from product import Product, installed

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "benchmarks" / "results" / "operational.md"
OPTIONAL_COLUMNS = ("mining_prob", "front_id", "parent_id", "confidence", "confirmed", "first_seen")


def read_alerts(store: Path, crs: str) -> gpd.GeoDataFrame:
    """The store's alerts layer, in the truth's CRS; only the columns the scoring needs (plus known extras)."""
    a = gpd.read_file(store, layer="alerts")
    keep = [
        "alert_id",
        "cause",
        "status",
        "area_ha",
        "created_at",
        "updated_at",
        *[c for c in OPTIONAL_COLUMNS if c in a.columns],
        "geometry",
    ]
    a = a[[c for c in keep if c in a.columns]]
    if a.crs is None:
        a = a.set_crs(4326)
    return a.to_crs(crs)


def run_dates(cfg: SceneConfig, step_days: int) -> list[dt.date]:
    out, d = [], cfg.since + dt.timedelta(days=step_days)
    while d <= cfg.end:
        out.append(d)
        d += dt.timedelta(days=step_days)
    if not out or out[-1] < cfg.end:
        out.append(cfg.end)
    return out


def operate(
    product: Product, files: SceneFiles, cfg: SceneConfig, step_days: int, history_days: int | None, crs: str
) -> list[scoring.Snapshot]:
    store = files.folder / "store.gpkg"
    for p in (store, store.with_name(store.stem + "_work")):
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
    area = f"bench-{cfg.name}"
    rc, out, _ = product.run(
        [
            "areas",
            "add",
            area,
            str(files.aoi),
            "--catalog",
            str(files.catalog),
            "--since",
            cfg.since.isoformat(),
            "--store",
            str(store),
        ]
    )
    if rc != 0:
        raise RuntimeError(f"areas add failed ({rc}): {out}")
    seen: set[str] = set()
    snaps = []
    empty = gpd.GeoDataFrame({"alert_id": [], "cause": []}, geometry=[], crs=crs)
    dates = run_dates(cfg, step_days)
    for k, day in enumerate(dates, start=1):
        args = ["monitor", "--area", area, "--until", day.isoformat(), "--store", str(store)]
        if history_days is not None:
            args += ["--history-days", str(history_days)]
        rc, out, secs = product.run(args)
        if rc != 0:
            log(f"  [{cfg.name}] run {day} FAILED ({rc}): {out[-2000:]}")
            snaps.append(
                scoring.Snapshot(
                    day,
                    snaps[-1].alerts if snaps else empty,
                    set(),
                    secs,
                    error=out.strip().splitlines()[-1] if out.strip() else f"exit {rc}",
                )
            )
            continue
        alerts = read_alerts(store, crs)
        new = set(alerts.alert_id) - seen
        seen |= new
        snaps.append(scoring.Snapshot(day, alerts, new, secs))
        log(f"  [{cfg.name}] run {k}/{len(dates)} --until {day}: {secs:.1f} s, {len(alerts)} alerts, {len(new)} new")
    _save_snapshots(files.folder / "alerts_by_run.csv", snaps)
    return snaps


def _save_snapshots(path: Path, snaps: list[scoring.Snapshot]) -> None:
    """Every alert as each run left it (no geometry), for anyone who wants to look behind the tables."""
    frames = []
    for s in snaps:
        f = pd.DataFrame(s.alerts.drop(columns="geometry"))
        f.insert(0, "run", s.date.isoformat())
        f.insert(1, "new", f.alert_id.isin(s.new_ids))
        frames.append(f)
    if frames:
        pd.concat(frames).to_csv(path, index=False)


def command_line() -> str:
    exe = Path(sys.executable)
    try:
        exe = exe.relative_to(Path.cwd())
    except ValueError:
        pass
    return " ".join([str(exe), *sys.argv])


def scene_rows(cfgs: list[SceneConfig], metas: dict[str, dict]) -> list[str]:
    rows = []
    for c in cfgs:
        s = metas[c.name]
        rows.append(
            [
                c.name,
                c.seed,
                f"{c.size}×{c.size} ({c.size * 10 / 1000:.1f} km)",
                c.first_date,
                c.since,
                c.end,
                s["dates"],
                "+1000 DN, raster:bands offset −0.1" if c.dn_offset else "no offset (declared 0)",
                f"{s['mean_cloud']:.2f} / {s['mean_cloud_reported']:.2f}",
                f"{s['overcast_share']:.2f}",
                ", ".join(f"{k} {v}" for k, v in s["events"].items()),
                s["steps"],
                s["event_ha"],
            ]
        )
    return report._table(
        (
            "scene",
            "seed",
            "pixels (10 m)",
            "first date",
            "since",
            "last date",
            "dates (5-day)",
            "DN convention",
            "mean cloud all / reported",
            "overcast dates",
            "events",
            "steps",
            "event ha",
        ),
        rows,
    )


@dataclass
class Outcome:
    """Everything the results file reports."""

    product: Product
    configs: list[SceneConfig] = field(default_factory=list)
    scenes: dict[str, dict] = field(default_factory=dict)  # scene -> generation summary
    gen_seconds: dict[str, float] = field(default_factory=dict)
    events: list[scoring.TargetResult] = field(default_factory=list)
    steps: list[scoring.TargetResult] = field(default_factory=list)
    runs: list[scoring.RunScore] = field(default_factory=list)


def scene_files(name: str, workdir: Path, reuse: bool) -> SceneFiles:
    """The scene's files: generated now, or (``reuse``) read back from an earlier generation."""
    folder = workdir / name
    if not (reuse and (folder / "scene.json").exists()):
        return generate.generate_scene(SCENES[name], workdir)
    files = SceneFiles(
        name,
        folder,
        folder / "catalog" / "catalog.json",
        folder / "aoi.geojson",
        folder / "truth.gpkg",
        folder / "scene.json",
    )
    meta = json.loads(files.meta.read_text())
    files.summary, files.seconds = meta["summary"], meta["seconds"]
    return files


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one small scene (smoke run, a few minutes)")
    ap.add_argument("--holdout", action="store_true", help="the held-out scenes (seeds not looked at before scoring)")
    ap.add_argument("--scene", action="append", choices=sorted(SCENES), help="scene to run (repeatable)")
    ap.add_argument("--step-days", type=int, default=10, help="days between monitoring runs (default 10)")
    ap.add_argument(
        "--history-days",
        type=int,
        default=None,
        help="passed to monitor; default: the product's own default, as users run it",
    )
    ap.add_argument("--workdir", type=Path, default=generate.DEFAULT_OUT, help="where scenes and stores go")
    ap.add_argument("--reuse", action="store_true", help="reuse scenes already generated in --workdir")
    ap.add_argument(
        "--live",
        action="store_true",
        help="run the installed centinela script instead of a copy of src/ frozen at the start",
    )
    ap.add_argument("--results", type=Path, default=RESULTS)
    a = ap.parse_args(argv)
    names = a.scene or list(generate.QUICK if a.quick else generate.HOLDOUT if a.holdout else generate.FULL)
    t_all = time.perf_counter()
    started = dt.datetime.now().astimezone()
    a.workdir.mkdir(parents=True, exist_ok=True)
    out = Outcome(installed(a.live, a.workdir))
    log(f"product: {out.product.description}")
    for name in names:
        cfg = SCENES[name]
        log(f"scene {name}: generating" + (" (reusing if present)" if a.reuse else ""))
        files = scene_files(name, a.workdir, a.reuse)
        out.configs.append(cfg)
        out.gen_seconds[name], out.scenes[name] = files.seconds, files.summary
        events = gpd.read_file(files.truth, layer="events")
        steps = gpd.read_file(files.truth, layer="steps")
        log(f"scene {name}: monitoring every {a.step_days} days from {cfg.since} to {cfg.end}")
        snaps = operate(out.product, files, cfg, a.step_days, a.history_days, str(events.crs))
        ev_res, st_res = scoring.score_targets(name, events, steps, snaps)
        out.events += ev_res
        out.steps += st_res
        out.runs += scoring.score_runs(name, steps, snaps, cfg.since)
    total = time.perf_counter() - t_all
    write_results(a, out, total, started)
    log(f"done in {total:.0f} s: {a.results}")


def write_results(a: argparse.Namespace, out: Outcome, total: float, started: dt.datetime) -> None:
    errors = [r for r in out.runs if r.error]
    history = f"with `--history-days {a.history_days}`" if a.history_days is not None else "with its default history"
    lines = [
        "# Operational benchmark on independent scenes",
        "",
        f"Command: `{command_line()}` — run {started:%Y-%m-%d %H:%M %Z}, {total / 60:.1f} min in all "
        f"({os.cpu_count()} CPUs).",
        "",
        f"Product measured: {out.product.description}.",
        "",
        "Scenes come from `benchmarks/independent/generate.py`, a generator that shares no code and no spectra "
        "with `centinela.sim` (see `benchmarks/independent/README.md`). The product is run as users run it: "
        "`centinela areas add` from the first reported date, then `centinela monitor --until D` every "
        f"{a.step_days} days {history}. Every number is scored from what the store held right after each run. "
        "**These scenes are for evaluation only: never tune the detector on them.**",
        "",
        "## Headline",
        "",
        *report.headline(out.events, out.steps, out.runs),
        "",
        "## Scenes",
        "",
        *scene_rows(out.configs, out.scenes),
        "",
        "All scenes: UTM 19S (EPSG:32719), 10 m pixels, one acquisition every 5 days, bands B02 B03 B04 B08 B11 "
        "B12 + SCL as uint16/uint8 COGs in a static STAC catalog; mining outlines from Amazon Mining Watch "
        "(Earth Genome, CC BY 4.0) moved and scaled into the scene.",
        "",
        "## Per scene",
        "",
        *report.scene_table([c.name for c in out.configs], out.events, out.runs, out.gen_seconds),
        "",
        *report.class_tables(out.events, out.steps),
        "",
        "## Definitions",
        "",
        *report.definitions(),
        "",
        "## Every event",
        "",
        *report.event_table(out.events),
        "",
        "## Every run",
        "",
    ]
    for c in out.configs:
        own = [r for r in out.runs if r.scene == c.name]
        lines += [f"<details><summary>{c.name}</summary>", "", *report.run_table(own), "", "</details>", ""]
    if errors:
        lines += ["## Errors (verbatim, last line of the command's output)", ""]
        lines += [f"- {r.scene} {r.date}: `{r.error}`" for r in errors]
        lines.append("")
    a.results.parent.mkdir(parents=True, exist_ok=True)
    a.results.write_text("\n".join(lines))


if __name__ == "__main__":
    main()
