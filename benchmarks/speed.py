"""Detection speed: the per-pixel kernel alone and end to end, with peak memory; writes benchmarks/results/detect_speed.md.

    python benchmarks/speed.py            # kernel on synthetic blocks + end to end on a 512 px simulated year
"""

from __future__ import annotations

import datetime as dt
import platform
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from centinela.detect import Params, State, detect, update
from centinela.detect.kernel import BANDS
from centinela.imagery import read_aoi
from centinela.sim import simulate

RESULTS = Path(__file__).parent / "results" / "detect_speed.md"


def kernel_rate(size: int = 512, dates: int = 60) -> float:
    """Pixel-dates per second of :func:`update` on one core (synthetic forest with noise, 30 % cloud)."""
    rng = np.random.default_rng(0)
    forest = np.array([0.022, 0.045, 0.024, 0.30, 0.14, 0.058], np.float32)
    obs = [{b: (forest[i] * (1 + 0.03 * rng.standard_normal((size, size)))).astype(np.float32) for i, b in enumerate(BANDS)}
           for _ in range(4)]
    clear = [rng.random((size, size)) > 0.3 for _ in range(4)]
    st = State.empty((size, size))
    p = Params()
    t0 = time.perf_counter()
    for d in range(dates):
        update(st, 19000 + 5 * d, obs[d % 4], clear[d % 4], p)
    return size * size * dates / (time.perf_counter() - t0)


def end_to_end(size: int = 512) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        sim = simulate(Path(tmp) / "s", seed=3, size=size, start=dt.date(2023, 7, 1), end=dt.date(2024, 12, 31), workers=2)
        t0 = time.perf_counter()
        r = detect(sim.catalog, read_aoi(sim.aoi), Path(tmp) / "a.gpkg", start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31),
                   history_days=184)
        wall = time.perf_counter() - t0
        t1 = time.perf_counter()
        again = detect(sim.catalog, read_aoi(sim.aoi), Path(tmp) / "a.gpkg", start=dt.date(2024, 1, 1),
                       end=dt.date(2024, 12, 31), history_days=184)
        rerun = time.perf_counter() - t1
        assert again.dates_processed == 0
    return {"size": size, "dates": r.dates_total, "seconds": wall, "rate": size * size * r.dates_total / wall,
            "rerun_seconds": rerun}


def main() -> None:
    k = kernel_rate()
    e = end_to_end()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        "# Detection speed", "",
        f"Command: `python benchmarks/speed.py` — {dt.date.today()}, {platform.machine()}, 2 cores (dask threads for reading).", "",
        "| what | pixel-dates / s | notes |", "|---|---:|---|",
        f"| kernel alone (`centinela.detect.update`, NumPy, 1 core) | {k:,.0f} | 512×512 block, 60 dates |",
        f"| end to end (`detect`: read COGs via STAC + kernel + polygons) | {e['rate']:,.0f} | {e['size']} px, {e['dates']} dates, {e['seconds']:.1f} s |",
        f"| re-run with nothing new | – | {e['rerun_seconds']:.1f} s (state reused, no pixel read) |",
        "", f"Peak resident memory of the whole benchmark process: {peak:.0f} MiB.",
        "", "End to end is dominated by reading and decoding the COGs; issue #8 measures that against the read-only cost.",
    ]
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
