"""Time to add one mercury result to a store that already holds many; writes benchmarks/results/store_write.md.

Up to schema 4 each import rewrote the whole results layer through GDAL (issue #15 measured 4.3 s to add
one result to 40,000, and a kill during the rewrite lost them all). Since schema 5 an import is row inserts
in one transaction. Measured here: the store call (`add_results`) and the whole command a lab runs
(`centinela mercury ingest FILE`, Python start-up and file checks included), median of several runs, on
the embedded GeoPackage and, when CENTINELA_TEST_PG names a PostgreSQL server, on PostGIS.

    python benchmarks/store_write.py                 # 40,000 results, 7 runs each
    python benchmarks/store_write.py --results 4000 --runs 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import shapely

from centinela.mercury.ingest import read_results
from centinela.mercury.synthetic import synthetic_results, write_csv
from centinela.store import open_store

RESULTS = Path(__file__).parent / "results" / "store_write.md"
RIVER = shapely.LineString([(-69.80, -12.86), (-69.72, -12.90), (-69.64, -12.93), (-69.56, -12.97)])


def campaign(n: int, tmp: Path) -> pd.DataFrame:
    """``n`` checked results: a synthetic campaign repeated with new sample ids (each copy its own batch)."""
    base = read_results(write_csv(synthetic_results(RIVER, seed=1)[0], tmp / "base.csv"))
    copies = []
    for k in range(n // len(base) + 1):
        copy = base.copy()
        copy["sample_id"] = copy.sample_id + f"-{k:04d}"
        copy["batch"] = copy.batch + f"-{k:04d}"
        copy["duplicate_of"] = copy.duplicate_of.where(copy.duplicate_of == "", copy.duplicate_of + f"-{k:04d}")
        copies.append(copy)
    return pd.concat(copies, ignore_index=True).iloc[:n]


def one_result_csv(tmp: Path, i: int) -> Path:
    frame, _ = synthetic_results(RIVER, seed=2)
    row = frame[frame.matrix == "fish"].iloc[:1].copy()
    row["sample_id"] = f"NEW-{i:03d}"
    row["batch"] = f"B-NEW-{i:03d}"
    return write_csv(row, tmp / f"one_{i}.csv")


def measure(target: str, n: int, runs: int, tmp: Path) -> dict:
    st = open_store(target)
    t0 = time.perf_counter()
    st.add_results(campaign(n, tmp), "benchmark", source="campaign")
    fill = time.perf_counter() - t0
    call, cli = [], []
    for i in range(runs):
        one = read_results(one_result_csv(tmp, i))
        t0 = time.perf_counter()
        st.add_results(one, "benchmark", source="one")
        call.append(time.perf_counter() - t0)
    for i in range(runs, 2 * runs):
        path = one_result_csv(tmp, i)
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "centinela.cli", "mercury", "ingest", str(path), "--store", target],
            check=True,
            capture_output=True,
        )
        cli.append(time.perf_counter() - t0)
    held = len(st.results())
    assert held == n + 2 * runs, held
    t0 = time.perf_counter()
    assert st.verify().ok
    check = time.perf_counter() - t0
    return {"fill": fill, "call": statistics.median(call), "cli": statistics.median(cli), "held": held, "verify": check}


@contextmanager
def scratch_database(target: str):
    """A GeoPackage path as is; for a server, a throw-away database beside the one named, dropped after."""
    if not target.startswith("postgres"):
        yield target
        return
    import psycopg

    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(target, autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    try:
        yield target.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(target, autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", type=int, default=40_000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    started = time.time()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("GeoPackage", str(Path(tmp) / "bench.gpkg"))]
        if os.environ.get("CENTINELA_TEST_PG"):
            targets.append(("PostGIS", os.environ["CENTINELA_TEST_PG"]))
        for name, target in targets:
            with scratch_database(target) as url:
                m = measure(url, args.results, args.runs, Path(tmp))
            rows.append(
                f"| {name} | {args.results:,} | {m['fill']:.1f} s | {m['call'] * 1000:.0f} ms | {m['cli']:.2f} s "
                f"| {m['verify']:.1f} s |"
            )
            print(rows[-1], file=sys.stderr)
    cmd = "python benchmarks/store_write.py" + ("" if args.results == 40_000 else f" --results {args.results}")
    text = "\n".join(
        [
            "# Adding mercury results to a full store",
            "",
            f"Command: `{cmd}` (runs {args.runs}) — {dt.date.today()}, {time.time() - started:.0f} s, "
            f"{os.cpu_count()} cores.",
            "",
            "| store | results already held | first fill (one import) | add one result: store call (median) | "
            "add one result: `centinela mercury ingest` (median, start-up included) | "
            "`audit verify` of the whole store |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            "Before schema 5 (c7c673a) the same command took 4.3 s at 40,000 results, growing with the store,",
            "because it rewrote the whole layer; now one result is one insert, whatever the store holds. Each import",
            "also updates the results table's digest in its audit entry (a multiset hash: work for the new rows only);",
            "`audit verify` recomputes it over every row.",
            "",
        ]
    )
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
