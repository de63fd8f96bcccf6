"""Running detection's blocks on a Dask distributed cluster: chunked by space, same result as one process.

Each spatial block is one task that does what the single-process run does for it
(:func:`centinela.detect.run.fold_block`): load the block's saved state, read its new dates from the
lazy cube, fold them in with the kernel, save the state, and send back the block's summary for the
alerts (2 bytes a pixel plus its breaks). Blocks are independent, so tasks never talk to each other.
The worker evaluates the very graph the client built (the lazy cube is sent once to each worker,
pickled), so the pixels, and hence the results, are bit for bit those of a single-process run; the
alerts are then made on the client from the assembled summaries, as in a single process.

Workers read the catalog's files and write the block states themselves: both must be reachable at the
same paths from every worker (a shared file system, or object storage URLs for the catalog).
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import xarray as xr

from ..errors import InputError
from .kernel import Params
from .state import Block

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 20  # a scheduler that does not answer in this time is reported as unreachable


def parse_local(address: str) -> int | None:
    """Worker processes asked for by ``local:N``; None for the address of a running scheduler."""
    if not address.startswith("local:"):
        return None
    n = address.removeprefix("local:")
    if not n.isdigit() or not 1 <= int(n) <= 512:
        raise InputError(f"--dask-scheduler {address}: expected local:N with N worker processes (1 to 512), e.g. local:4")
    return int(n)


@contextmanager
def cluster_client(address: str | None, timeout_s: float | None = None):
    """A ``distributed.Client`` for ``address`` (None: no cluster, yields None), closed on exit.

    ``local:N`` starts a LocalCluster of N single-threaded worker processes for the duration of the
    run: one process per core, as the kernel is NumPy and a process sidesteps the GIL.
    """
    if not address:
        yield None
        return
    from distributed import Client, LocalCluster

    timeout_s = CONNECT_TIMEOUT_S if timeout_s is None else timeout_s
    n_local = parse_local(address)
    cluster = None
    try:
        if n_local:
            cluster = LocalCluster(n_workers=n_local, threads_per_worker=1, processes=True, dashboard_address=None)
            client = Client(cluster, set_as_default=False)
        else:
            client = Client(address, timeout=timeout_s, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        if cluster is not None:
            cluster.close()
        raise InputError(
            f"--dask-scheduler {address}: no Dask scheduler answered within {timeout_s:.0f} s ({exc}); expected the "
            "address `dask scheduler` prints (tcp://host:8786) or local:N"
        ) from exc
    try:
        log.info("Dask cluster %s: %d workers", address, len(client.scheduler_info().get("workers", {})))
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_blocks(client, cube: xr.Dataset, blocks: Sequence[Block], days: np.ndarray, state_dir: Path, params: Params,
               dates_per_read: int, reduce, groups: Sequence[int], progress: Callable[[int], None] | None = None
               ) -> Iterator[tuple[Block, dict, int]]:
    """Fold every block's new dates on the cluster; yields what ``fold_block`` returns, as blocks finish.

    ``cube`` holds what blocks read (:func:`centinela.detect.run.pixels_to_read`); ``reduce`` turns a
    folded block into its summary on the worker.

    ``groups`` is the number of date groups each block reads (for ``progress``, which advances by a
    block's groups plus one when it finishes, as the single-process run counts).
    """
    from distributed import as_completed

    if not client.scheduler_info().get("workers"):
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
    payload = pickle.dumps(cube, protocol=pickle.HIGHEST_PROTOCOL)
    token = hashlib.sha1(payload).hexdigest()[:16]
    # Sent once to every worker, not once per task: the graph of a year over a whole tile is megabytes.
    cube_future = client.scatter(payload, broadcast=True, hash=False)
    state_dir = Path(state_dir).absolute()
    futures = {
        client.submit(_worker_block, token, cube_future, b, days, state_dir, params, dates_per_read, reduce,
                      key=f"centinela-block-{b.r}-{b.c}-{token}", pure=False): i
        for i, b in enumerate(blocks)
    }
    try:
        for fut, result in as_completed(futures, loop=client.loop, with_results=True):
            if progress:
                progress(groups[futures[fut]] + 1)
            yield result
    finally:
        client.cancel(list(futures))


_CUBE: dict[str, xr.Dataset] = {}  # per worker process: the cube of the run in progress, unpickled once


def _worker_block(token: str, payload: bytes, b: Block, days: np.ndarray, state_dir: Path, params: Params,
                  dates_per_read: int, reduce):
    """One block on a worker: the single-process code, with this task's reads done in this task."""
    import dask

    from .run import fold_block  # here, not at the top: run imports this module

    if not (state_dir / "manifest.json").exists():
        import socket

        raise InputError(
            f"{state_dir}: the detection state folder is not visible on worker {socket.gethostname()}; "
            "put --state on a file system every worker mounts at the same path"
        )
    if token not in _CUBE:
        _CUBE.clear()  # a long-lived worker keeps only the cube of the current run
        _CUBE[token] = pickle.loads(payload)
    # The task already occupies one of the worker's threads; reading on the same thread keeps one core per task.
    with dask.config.set(scheduler="sync"):
        return fold_block(_CUBE[token], b, days, state_dir, params, dates_per_read, reduce)
