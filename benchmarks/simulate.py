"""Simulator speed and peak memory by scene size, written to benchmarks/results/simulate.md.

Each size runs in its own process so its peak resident memory is its own.

    python benchmarks/simulate.py                 # 256, 1024, 4096 px
    python benchmarks/simulate.py --full-tile     # also one date of a full 10980 px tile
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "simulate.md"


def one(size: int, dates: int, out: str) -> dict:
    from centinela.sim import simulate

    t0 = time.perf_counter()
    # Dry season, 30-day revisit: `dates` acquisitions, mostly clear (the costliest case to draw).
    start = dt.date(2024, 6, 1)
    res = simulate(out, seed=1, size=size, start=start, end=start + dt.timedelta(days=30 * (dates - 1)), revisit=30)
    wall = time.perf_counter() - t0
    disk = sum(p.stat().st_size for p in Path(out).rglob("*.tif"))
    return {
        "size": size,
        "dates": res.n_dates,
        "seconds": round(wall, 1),
        "seconds_per_date": round(wall / res.n_dates, 2),
        "mpix_per_s": round(size * size * res.n_dates / wall / 1e6, 3),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0),
        "cog_mib_per_date": round(disk / res.n_dates / 2**20, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--dates", type=int, default=2)
    ap.add_argument("--full-tile", action="store_true")
    args = ap.parse_args()
    if args.one:
        tmp = tempfile.mkdtemp()
        try:
            print(json.dumps(one(args.one, args.dates, tmp + "/s")))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return
    sizes = [(256, args.dates), (1024, args.dates), (4096, args.dates)] + ([(10980, 1)] if args.full_tile else [])
    rows = []
    for size, n in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--dates", str(n)],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    cmd = "python benchmarks/simulate.py" + (" --full-tile" if args.full_tile else "")
    lines = [
        "# Simulator speed and memory",
        "",
        f"Command: `{cmd}` — {dt.date.today()}, {platform.processor() or platform.machine()}, "
        "one process per size, 1 worker.",
        "",
        "| size (px) | dates | wall (s) | s / date | Mpixel-dates / s | peak RSS (MiB) | COGs per date (MiB) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['size']} | {r['dates']} | {r['seconds']} | {r['seconds_per_date']} | {r['mpix_per_s']} | "
            f"{r['peak_rss_mib']:.0f} | {r['cog_mib_per_date']} |"
        )
    lines += ["", "Peak memory should stay flat with size: dates are drawn in 512 px windows and never held whole."]
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
