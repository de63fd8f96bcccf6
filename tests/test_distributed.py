"""Detection on a real Dask distributed cluster (a scheduler and two workers, separate processes on loopback)
gives exactly the single-process result: alerts, dates raster and every block's saved state."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import rasterio

from centinela.cli import main
from centinela.detect import detect
from centinela.detect import distributed as D
from centinela.detect.state import Block, load_block, read_header
from centinela.errors import InputError
from centinela.imagery import read_aoi
from centinela.sim import simulate

SPAN = dict(start=dt.date(2024, 3, 1), end=dt.date(2024, 10, 31), revisit=5)
WINDOW = dict(start=dt.date(2024, 5, 15), end=dt.date(2024, 10, 31), history_days=75)
BLOCK = 64  # 192 px scene: nine blocks, so both workers get several


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    return simulate(tmp_path_factory.mktemp("dist") / "s", seed=3, size=192, workers=2, **SPAN)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """`dask scheduler` and two `dask worker` processes (one thread each) on 127.0.0.1, stopped afterwards."""
    from distributed import Client

    work = tmp_path_factory.mktemp("cluster")
    address = f"tcp://127.0.0.1:{_free_port()}"
    py = [sys.executable, "-m"]
    common = ["--no-dashboard", "--host", "127.0.0.1"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    logs = [open(work / f"{name}.log", "w") for name in ("scheduler", "w0", "w1")]  # noqa: SIM115 (closed below)
    procs = [
        subprocess.Popen(
            [*py, "distributed.cli.dask_scheduler", "--port", address.rsplit(":", 1)[1], *common],
            cwd=work,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=logs[0],
        )
    ]
    try:
        for i in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        *py,
                        "distributed.cli.dask_worker",
                        address,
                        "--nthreads",
                        "1",
                        "--no-nanny",
                        "--name",
                        f"w{i}",
                        "--local-directory",
                        str(work / f"w{i}"),
                        "--death-timeout",
                        "60",
                        *common,
                    ],
                    cwd=work,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=logs[1 + i],
                )
            )
        deadline = time.monotonic() + 45
        while True:  # the scheduler takes a moment to listen
            try:
                with Client(address, timeout=5) as c:
                    c.wait_for_workers(2, timeout=max(1, deadline - time.monotonic()))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        for f in logs:
            f.close()


def _run(scene, out: Path, **kw):
    return detect(scene.catalog, read_aoi(scene.aoi), out, block=BLOCK, **{**WINDOW, **kw})


def _same_outputs(a, b) -> None:
    assert a.alerts.drop(columns="geometry").equals(b.alerts.drop(columns="geometry"))
    assert a.alerts.geometry.geom_equals_exact(b.alerts.geometry, tolerance=0).all()
    with (
        rasterio.open(a.out.with_name(a.out.stem + "_dates.tif")) as x,
        rasterio.open(b.out.with_name(b.out.stem + "_dates.tif")) as y,
    ):
        assert np.array_equal(x.read(), y.read())
    heads = [{blk: read_header(r.state, blk) for blk in _blocks(r.state)} for r in (a, b)]
    assert heads[0].keys() == heads[1].keys() and len(heads[0]) == 9
    for blk in heads[0]:
        assert heads[0][blk][:3] == heads[1][blk][:3], blk  # last day, clear pixel-dates, pixels with a break
        s, t = (load_block(r.state, blk)[0].to_dict() for r in (a, b))
        for field in s:
            assert np.array_equal(s[field], t[field], equal_nan=True), (blk, field)


def _blocks(folder: Path) -> list[Block]:
    grid = json.loads((folder / "manifest.json").read_text())["grid"]
    (H, W), size = grid["shape"], grid["block"]
    return [Block(r, c, min(size, H - r), min(size, W - c)) for r in range(0, H, size) for c in range(0, W, size)]


@pytest.mark.slow
def test_cluster_run_equals_single_process(scene, cluster, tmp_path):
    from distributed import Client

    single = _run(scene, tmp_path / "single.gpkg")
    assert len(single.alerts) and single.dates_processed == single.dates_total
    on_cluster = _run(scene, tmp_path / "cluster.gpkg", scheduler=cluster)
    assert on_cluster.dates_processed == single.dates_processed
    _same_outputs(single, on_cluster)
    assert not D._JOB, "the blocks ran on the workers, not in this process"
    with Client(cluster, timeout=10) as c:
        ran = c.run(lambda: len(__import__("centinela.detect.distributed", fromlist=["_JOB"])._JOB))
    assert sorted(ran.values()) == [1, 1], "both workers folded blocks"


@pytest.mark.slow
def test_incremental_run_moves_between_cluster_and_single_process(scene, cluster, tmp_path, capsys):
    full = _run(scene, tmp_path / "full.gpkg")
    out = tmp_path / "inc.gpkg"
    with pytest.raises(SystemExit) as exc:  # the first part on the cluster, through the CLI
        main(
            [
                "--lang",
                "en",
                "detect",
                "--catalog",
                str(scene.catalog),
                "--aoi",
                str(scene.aoi),
                "--out",
                str(out),
                "--start",
                "2024-05-15",
                "--end",
                "2024-08-15",
                "--history-days",
                "75",
                "--dask-scheduler",
                cluster,
            ]
        )
    assert exc.value.code == 0, capsys.readouterr()
    # The CLI uses 512 px blocks: a 192 px scene is one block; compare with a single-process run of the same grid.
    rest = detect(scene.catalog, read_aoi(scene.aoi), out, **WINDOW)
    assert 0 < rest.dates_processed < full.dates_processed, "only the new dates were read"
    ref = detect(scene.catalog, read_aoi(scene.aoi), tmp_path / "ref.gpkg", **WINDOW)
    assert rest.alerts.drop(columns="geometry").equals(ref.alerts.drop(columns="geometry"))
    assert rest.alerts.drop(columns="geometry").equals(full.alerts.drop(columns="geometry")), (
        "block size does not change alerts"
    )


def test_unreachable_scheduler_is_a_clear_error(scene, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(D, "CONNECT_TIMEOUT_S", 1)
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "--lang",
                "en",
                "detect",
                "--catalog",
                str(scene.catalog),
                "--aoi",
                str(scene.aoi),
                "--out",
                str(tmp_path / "x.gpkg"),
                "--dask-scheduler",
                f"tcp://127.0.0.1:{_free_port()}",
            ]
        )
    assert exc.value.code == 2
    assert "no Dask scheduler answered" in capsys.readouterr().err


@pytest.mark.parametrize("address", ["local:0", "local:x", "local:"])
def test_bad_local_cluster_size(address):
    with pytest.raises(InputError, match="local:N"):
        D.parse_local(address)
    assert D.parse_local("local:3") == 3 and D.parse_local("tcp://127.0.0.1:8786") is None
