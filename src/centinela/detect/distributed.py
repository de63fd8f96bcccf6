"""Running detection's blocks on a Dask distributed cluster: chunked by space, same result as one process.

Each row of spatial blocks is one task that does what the single-process run does for it
(:func:`centinela.detect.fold.fold_row`): load each block's saved state, read its new dates, fold them
in with the kernel, save the state, and send back the blocks' summaries for the alerts (2 bytes a
pixel plus its breaks). Rows are independent, so tasks never talk to each other. The worker reads
through the very description of the pixels the client built (items, grid and lazy cube, sent once to
each worker), so the pixels, and hence the results, are bit for bit those of a single-process run; the
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
from dataclasses import replace
from pathlib import Path

from ..errors import InputError
from ..extras import optional
from .fold import fold_row
from .state import Block

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 20  # a scheduler that does not answer in this time is reported as unreachable


def parse_local(address: str) -> int | None:
    """Worker processes asked for by ``local:N``; None for the address of a running scheduler."""
    if not address.startswith("local:"):
        return None
    n = address.removeprefix("local:")
    if not n.isdigit() or not 1 <= int(n) <= 512:
        raise InputError(
            f"--dask-scheduler {address}: expected local:N with N worker processes (1 to 512), e.g. local:4"
        )
    return int(n)


@contextmanager
def cluster_client(address: str | None, timeout_s: float | None = None):
    """A ``distributed.Client`` for ``address`` (None: no cluster, yields None), closed on exit.

    ``local:N`` starts a LocalCluster of N single-threaded worker processes for the duration of the
    run: one process per core.
    """
    if not address:
        yield None
        return
    dist = optional("distributed", "distributed", "Detection on a Dask cluster")
    Client, LocalCluster = dist.Client, dist.LocalCluster

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


def run_rows(
    client, job, rows: Sequence[Sequence[Block]], steps: Sequence[int], progress: Callable[[int], None] | None = None
) -> Iterator[tuple[Block, dict, int, int]]:
    """Fold every row of blocks on the cluster; yields what ``fold_row`` returns for each block, as rows finish.

    ``job`` (:class:`centinela.detect.fold.FoldJob`) holds the pixels (a :class:`~centinela.imagery.dn.DnCube`),
    dates, state folder and method; ``steps`` is how far each row advances ``progress`` (its blocks'
    date groups plus one per block, as the single-process run counts).
    """
    as_completed = optional("distributed", "distributed", "Detection on a Dask cluster").as_completed

    if not client.scheduler_info().get("workers"):
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
    job = replace(job, state_dir=Path(job.state_dir).absolute())
    payload = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
    token = hashlib.sha1(payload).hexdigest()[:16]
    # Sent once to every worker, not once per task: the items and lazy graph of a year over a tile are megabytes.
    job_future = client.scatter(payload, broadcast=True, hash=False)
    futures = {
        client.submit(_worker_row, token, job_future, list(row), key=f"centinela-row-{row[0].r}-{token}", pure=False): i
        for i, row in enumerate(rows)
    }
    try:
        for fut, result in as_completed(futures, loop=client.loop, with_results=True):
            if progress:
                progress(steps[futures[fut]])
            yield from result
    finally:
        client.cancel(list(futures))


_JOB: dict = {}  # per worker process: the job of the run in progress, unpickled once


def _worker_row(token: str, payload: bytes, row: list[Block]):
    """One row of blocks on a worker: the single-process code."""
    if token not in _JOB:
        _JOB.clear()  # a long-lived worker keeps only the job of the current run
        _JOB[token] = pickle.loads(payload)
    job = _JOB[token]
    if not (job.state_dir / "manifest.json").exists():
        import socket

        raise InputError(
            f"{job.state_dir}: the detection state folder is not visible on worker {socket.gethostname()}; "
            "put --state on a file system every worker mounts at the same path"
        )
    return fold_row(job, row)
