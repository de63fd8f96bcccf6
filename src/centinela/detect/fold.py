"""Folding new dates into the saved state of a row of blocks: the unit of work of every run.

The same function runs on the threads of one process (:mod:`centinela.detect.run`) and on the workers of a Dask
cluster (:mod:`centinela.detect.distributed`); it lives here so that neither imports the other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..imagery.dn import DnCube
from .fused import clear_lut, fold_dn, param_vectors
from .fused import summarize as fast_summarize
from .kernel import Params
from .objects import Rules
from .state import Block, Scratch, load_block, read_header, save_block, save_header


@dataclass(frozen=True)
class Reduction:
    """How a folded block is reduced to what the alerts need (:func:`centinela.detect.objects.summarize`,
    compiled)."""

    params: Params
    rules: Rules
    since_day: int

    def __call__(self, st) -> dict:
        return fast_summarize(st.to_dict(), self.params, self.rules.green_ndvi, self.since_day)


@dataclass(frozen=True)
class FoldJob:
    """What every row of blocks needs to be folded: pixels, dates, where the state lives, the method."""

    cube: DnCube
    days: np.ndarray
    state_dir: Path
    params: Params
    dates_per_read: int
    reduce: Reduction


def fold_row(
    job: FoldJob, row: list[Block], progress: Callable[[int], None] | None = None, scratch: Scratch | None = None
) -> list[tuple[Block, dict, int, int]]:
    """Fold the dates each block of a row has not seen yet into its saved state, a group of dates at a time.

    The state of every block is saved after each group (into its older slot, header last), so a killed run resumes where
    it stopped. Returns, per block: the block, its summary for the alerts, how many dates were folded
    in and the clear observations its state has seen in all.
    """
    scratch = scratch or Scratch()
    days, dpr = job.days, job.dates_per_read
    heads = {b: read_header(job.state_dir, b) for b in row}
    todo = np.flatnonzero(days > min(h.last_day for h in heads.values()))
    folded = dict.fromkeys(row, 0)
    pf, pi = param_vectors(job.params)
    lut = clear_lut(job.cube.clear_classes)
    results = {}
    with job.cube.reader() as rd:
        for g in range(0, len(todo), dpr):
            idx = todo[g : g + dpr]
            last_group = g + dpr >= len(todo)
            for b in row:
                sel = [int(t) for t in idx if days[t] > heads[b].last_day]
                if not sel:
                    continue
                st, head = load_block(job.state_dir, b, scratch, heads[b])
                _, _, dn, scl = scratch.get(b.h, b.w)
                seen = changed = 0
                for t in sel:
                    rd.read(t, b.r, b.c, dn, scl)
                    c, ch = fold_dn(
                        st, int(days[t]), dn, scl, job.cube.scale[t], job.cube.offset[t], job.cube.wide, lut, pf, pi
                    )
                    seen, changed = seen + c, changed + ch
                last, total = int(days[sel[-1]]), head.clear_seen + seen
                if changed or head.generation == 0:
                    heads[b] = save_block(job.state_dir, b, st, head, last, total)
                else:  # all cloud: only the dates move on
                    heads[b] = save_header(job.state_dir, b, head, last, total)
                folded[b] += len(sel)
                if last_group:
                    results[b] = job.reduce(st)
                if progress:
                    progress(1)
    for b in row:
        if b not in results:  # nothing new for this block: its summary from the saved state
            st, _ = load_block(job.state_dir, b, scratch, heads[b])
            results[b] = job.reduce(st)
        if progress:
            progress(1)
    return [(b, results[b], folded[b], heads[b].clear_seen) for b in row]
