"""Morphology evaluated only at the pixels that are read, for whole-tile alerts.

A Sentinel-2 tile is 120 million pixels, while loss patches, big water and old mining cover a small
share of it. scipy's whole-raster erosions, dilations and labels cost a pass over the tile each (and an
int32 tile per label); alerts read their results at a few hundred thousand pixels. These helpers take
sorted flat indices of the pixels of interest and look at the raster only around them. Each gives
what its whole-raster counterpart gives at those pixels (tests/test_objects_fast.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from scipy import ndimage, sparse
from scipy.sparse.csgraph import connected_components

STEPS4 = ((-1, 0), (0, -1), (0, 1), (1, 0))
STEPS8 = tuple((dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0))


def diamond(radius: int) -> tuple[tuple[int, int], ...]:
    """Offsets within ``radius`` steps of a 4-neighbour walk, the pixel itself included.

    ``radius`` iterations of scipy's default (cross) dilation reach exactly these: the steps between a
    pixel and one at Manhattan distance ``radius`` stay in their bounding box, so inside the raster.
    """
    return tuple(
        (dy, dx)
        for dy in range(-radius, radius + 1)
        for dx in range(-radius, radius + 1)
        if abs(dy) + abs(dx) <= radius
    )


def neighbours(
    idx: np.ndarray, shape: tuple[int, int], offsets: Sequence[tuple[int, int]]
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """For each offset, the flat indices ``p + (dy, dx)`` of the pixels ``p`` in ``idx``, and the positions
    (into ``idx``) of those beyond the raster's edge, whose index is left at 0 (a valid placeholder)."""
    h, w = shape
    reach = max((max(abs(dy), abs(dx)) for dy, dx in offsets), default=0)
    r, c = np.divmod(idx, w)
    # Away from the edge a flat offset is the neighbour; only the few pixels near it need bounds checks.
    near = np.flatnonzero((r < reach) | (r >= h - reach) | (c < reach) | (c >= w - reach))
    rn, cn = r[near], c[near]
    del r, c
    for dy, dx in offsets:
        q = idx + (dy * w + dx)
        rr, cc = rn + dy, cn + dx
        beyond = near[(rr < 0) | (rr >= h) | (cc < 0) | (cc >= w)]
        q[beyond] = 0
        yield q, beyond


def at_offsets(
    raster: np.ndarray, idx: np.ndarray, offsets: Sequence[tuple[int, int]], outside
) -> Iterator[np.ndarray]:
    """``raster`` at ``p + (dy, dx)`` for the flat indices ``p`` in ``idx``, one array per offset.

    Beyond the raster's edge the value is ``outside`` (what ``border_value`` is to scipy's morphology).
    """
    flat = np.ascontiguousarray(raster).ravel()
    for q, beyond in neighbours(idx, raster.shape, offsets):
        v = flat[q]
        v[beyond] = outside
        yield v


def any_at(
    raster: np.ndarray, idx: np.ndarray, offsets: Sequence[tuple[int, int]], outside: bool = False
) -> np.ndarray:
    """Whether ``raster`` (bool) is set at any of ``offsets`` from each pixel ``idx``."""
    out = np.zeros(idx.shape, bool)
    for v in at_offsets(raster, idx, offsets, outside):
        out |= v
    return out


def edge_at(mask: np.ndarray, idx: np.ndarray, outside: bool) -> np.ndarray:
    """Which pixels ``idx`` of ``mask`` have a 4-neighbour off it:
    ``mask & ~binary_erosion(mask, border_value=outside)``.
    """
    out = np.zeros(idx.shape, bool)
    for v in at_offsets(mask, idx, STEPS4, outside):
        out |= ~v
    return out


def label_pixels(idx: np.ndarray, shape: tuple[int, int], eight: bool) -> tuple[np.ndarray, int]:
    """Connected components of the pixels at sorted flat indices ``idx``: a label (1..n) for each, and n.

    Numbered as ``ndimage.label`` numbers them, by their first pixel in raster order, so a patch keeps
    the label it had when the whole raster was labelled. Costs follow the pixel count, not the raster.
    """
    if idx.size == 0:
        return np.zeros(0, np.int64), 0
    w = shape[1]
    # Runs: consecutive indices along one row.
    new = np.ones(idx.size, bool)
    new[1:] = (np.diff(idx) != 1) | (idx[1:] % w == 0)
    first = np.flatnonzero(new)
    last = np.append(first[1:], idx.size) - 1
    n, comp = _link_runs(idx[first], idx[last] + 1, w, eight)
    # Renumber by first pixel: runs are in raster order, so that is each component's first run.
    _, seen = np.unique(comp, return_index=True)
    rank = np.empty(n, np.int64)
    rank[np.argsort(seen)] = np.arange(1, n + 1)
    return np.repeat(rank[comp], last - first + 1), n


class Components:
    """The 8-connected components of a mask: their sizes, their pixels, and which one holds a pixel.

    Held as runs of set pixels along rows, linked between consecutive rows: for the rivers and blobs
    of a tile a few runs a row, a fraction of the cost of ``ndimage.label`` and of its int32 raster. A
    speckled mask (many short runs) is labelled by ``ndimage.label`` instead. Labels are 1..n (0: not
    in the mask), in no particular order.
    """

    def __init__(self, mask: np.ndarray, max_runs: int | None = None):
        runs = _runs(mask, mask.size // 64 if max_runs is None else max_runs)
        if runs is None:
            self.lab = np.empty(mask.shape, np.int32)
            self.n = ndimage.label(mask, structure=np.ones((3, 3), bool), output=self.lab)
            self.at = np.flatnonzero(mask)
            self.size = np.bincount(self.lab.ravel()[self.at], minlength=self.n + 1)
            return
        self.lab = None
        self.start, self.stop = runs
        self.n, comp = _link_runs(self.start, self.stop, mask.shape[1], eight=True)
        self.run_label = comp + 1
        self.size = np.bincount(self.run_label, weights=self.stop - self.start, minlength=self.n + 1).astype(np.int64)

    def of(self, q: np.ndarray) -> np.ndarray:
        """The label of the pixels at flat indices ``q`` (0 where not in the mask)."""
        if self.lab is not None:
            return self.lab.ravel()[q]
        if not self.start.size:
            return np.zeros(q.shape, np.int64)
        i = np.maximum(np.searchsorted(self.start, q, side="right") - 1, 0)  # the last run starting at or before q
        return np.where((self.start[i] <= q) & (q < self.stop[i]), self.run_label[i], 0)

    def pixels(self, keep: np.ndarray) -> np.ndarray:
        """Sorted flat indices of the pixels of the components whose label ``keep`` (bool, n + 1) marks."""
        if self.lab is not None:
            return self.at[keep[self.lab.ravel()[self.at]]]
        sel = keep[self.run_label]
        start, length = self.start[sel], self.stop[sel] - self.start[sel]
        return np.arange(length.sum()) + np.repeat(start - (np.cumsum(length) - length), length)


def _runs(mask: np.ndarray, max_runs: int, rows: int = 256) -> tuple[np.ndarray, np.ndarray] | None:
    """Flat index of the first pixel of each run of set pixels along a row, and one past its last; None
    past ``max_runs`` runs. A few hundred rows at a time, so temporaries stay small."""
    h, w = mask.shape
    step = np.empty((min(rows, h), w + 1), bool)  # where a row switches between set and unset
    found, total = [], 0
    for i in range(0, h, rows):
        m = mask[i : i + rows]
        d = step[: len(m)]
        d[:, 0], d[:, w] = m[:, 0], m[:, w - 1]
        np.not_equal(m[:, 1:], m[:, :-1], out=d[:, 1:w])
        t = np.flatnonzero(d)
        total += t.size // 2
        if total > max_runs:
            return None
        r, c = np.divmod(t, w + 1)
        found.append((r + i) * w + c)  # starts and stops alternate along each row, so along the block
    t = np.concatenate(found) if found else np.zeros(0, np.int64)
    return t[0::2], t[1::2]


def _link_runs(start: np.ndarray, stop: np.ndarray, w: int, eight: bool = True) -> tuple[int, np.ndarray]:
    """Components (0..n-1) of runs (flat index of the first pixel, one past the last; sorted) of a raster
    ``w`` wide: runs in consecutive rows sharing a column, or with ``eight`` also meeting at a corner."""
    n = start.size
    if n == 0:
        return 0, np.zeros(0, np.int64)
    row = start // w
    first, end = start - row * w, stop - row * w  # columns: first pixel, one past the last
    # Keys that order runs row by row, with room for the column past the end, so that two searches find
    # the runs of the row above that a run meets: 8-connected, those ending (exclusive) at or after its
    # first column and starting at or before its end; 4-connected, strictly.
    key_first, key_end = row * (w + 2) + first, row * (w + 2) + end
    above = (row - 1) * (w + 2)
    lo = np.searchsorted(key_end, above + first, side="left" if eight else "right")
    hi = np.searchsorted(key_first, above + end + (1 if eight else 0), side="left")
    count = np.maximum(hi - lo, 0)
    b = np.repeat(np.arange(n), count)
    a = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count) + np.repeat(lo, count)
    graph = sparse.csr_array((np.ones(a.size, np.int8), (a, b)), shape=(n, n))
    return connected_components(graph, directed=False)
