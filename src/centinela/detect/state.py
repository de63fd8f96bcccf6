"""Saving and loading the per-pixel detection state: one file per spatial block plus a manifest.

A block's file is a 64-byte header (a generation number, the last day folded in, the clear
observations seen) followed by the raw arrays: the running baseline of every pixel, dense (48 bytes a
pixel), then the fields of breaks only for the pixels that ever had one (most have not), as flat
indices and values. Raw, so a block loads and saves at the speed of memory: an incremental update of
a whole tile moves ~6 GB of state, and compressing the baseline would cost far more than it saves
(means hardly compress).

Each block has two slots (``.a.state``, ``.b.state``); a save overwrites the older slot, data first
and header last, and a load takes the slot with the higher generation. So a killed run leaves every
block either before or after a date group, never half-written, and a re-run resumes block by block
without counting a date twice. Overwriting a slot in place, rather than writing a new file and
renaming it over the old one, spares the operating system freeing and allocating ~6 GB of page
cache per update of a tile, which cost as much as writing it.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path
from typing import NamedTuple

import numba as nb
import numpy as np

from ..errors import InputError, StateMismatchError
from .kernel import State

FORMAT = 2
MAGIC = b"CENSTAT2"
HEADER = struct.Struct(
    "<8sIIqqqq16x"
)  # magic, height, width, generation, last day, clear pixel-dates seen, pixels with a break
SLOTS = ("a", "b")
DENSE = (
    "n",
    "n_clear",
    "mu_ndvi",
    "m2_ndvi",
    "mu_nbr",
    "m2_nbr",
    "mu_mndwi",
    "mu_bsi",
    "mu_blue",
    "mu_nir",
    "mu_swir16",
    "mu_swir22",
    "mu_vis",
)
SPARSE = ("cand_day", "cand_n", "conf_day", "base_n_at_break", "n_post", "n_water", "n_bare", "n_char", "ndvi_recent")
_EMPTY = State.empty((1, 1)).to_dict()
DTYPES = {k: v.dtype for k, v in _EMPTY.items()}
FILL = {k: v[0, 0] for k, v in _EMPTY.items()}


class Block(NamedTuple):
    """A spatial block of the grid: its top-left pixel (row, column) and its size."""

    r: int
    c: int
    h: int
    w: int


class Header(NamedTuple):
    last_day: int  # last day folded in (0: a new block)
    clear_seen: int  # pixel-dates whose SCL was a clear class, over every date folded in
    n_sparse: int = 0
    generation: int = 0  # saves so far; the slot with the higher one is current
    slot: int = 0  # which slot holds it


def block_path(folder: Path, r: int, c: int, slot: int = 0) -> Path:
    return folder / f"block_{r:05d}_{c:05d}.{SLOTS[slot]}.state"


def open_store(folder: Path, grid: dict) -> Path:
    """Create the state folder, or check that an existing one belongs to the same grid."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / "manifest.json"
    if manifest.exists():
        old = json.loads(manifest.read_text())
        if old.get("grid") != grid or old.get("format") != FORMAT:
            raise StateMismatchError(
                f"{folder}: this detection state was made for another area, grid or method version "
                f"({_differences(old, grid)}); use another --state folder or delete this one to start over"
            )
    else:
        _atomic_write_text(manifest, json.dumps({"format": FORMAT, "grid": grid}, indent=2))
    return folder


def _differences(old: dict, grid: dict) -> str:
    """What differs between a state's manifest and this run, named: 'params.scrub_ndvi: none → 0.5', …"""
    out = [] if old.get("format") == FORMAT else [f"format: {old.get('format')} → {FORMAT}"]
    was = old.get("grid") or {}
    for key in sorted(set(was) | set(grid)):
        a, b = was.get(key), grid.get(key)
        if key == "params" and isinstance(a, dict) and isinstance(b, dict):
            out += [
                f"params.{k}: {a.get(k, 'none')} → {b.get(k, 'none')}"
                for k in sorted(set(a) | set(b))
                if a.get(k) != b.get(k)
            ]
        elif a != b:
            out.append(f"{key}: {a} → {b}")
    return "; ".join(out) or "unreadable manifest"


def _dense_bytes(h: int, w: int) -> int:
    return sum(DTYPES[k].itemsize for k in DENSE) * h * w


def read_header(folder: Path, b: Block) -> Header:
    """The block's current header (zeros for a block with no state yet), without reading its arrays."""
    best = Header(0, 0, slot=1)  # a new block is first saved to slot 0
    for slot in (0, 1):
        path = block_path(folder, b.r, b.c, slot)
        try:
            with open(path, "rb") as f:
                raw = f.read(HEADER.size)
        except FileNotFoundError:
            continue
        head = _check(path, raw, b, slot)
        if head is not None and head.generation > best.generation:
            best = head
    return best


def _check(path: Path, raw: bytes, b: Block, slot: int) -> Header | None:
    if raw == bytes(len(raw)):
        # A save killed half-way: its header is still zeros, or the file was created and killed before
        # even the zeros reached it (empty or shorter than a header). The other slot is current.
        return None
    if len(raw) < HEADER.size or raw[:8] != MAGIC:
        raise InputError(
            f"{path}: not a Centinela detection state block (format {FORMAT}); delete the state folder to start over"
        )
    _, h, w, gen, last, seen, n_sparse = HEADER.unpack(raw)
    if (h, w) != (b.h, b.w):
        raise InputError(f"{path}: block of {h}×{w} pixels, expected {b.h}×{b.w}; the state belongs to another grid")
    return Header(last, seen, n_sparse, gen, slot)


class Scratch:
    """Reusable arrays for one thread's blocks: state, raw pixels. Reused because a whole tile is ~500
    blocks a date, and fresh arrays each time cost page faults worth a third of the kernel."""

    def __init__(self):
        self._by_shape: dict[tuple[int, int], tuple[np.ndarray, State, np.ndarray, np.ndarray]] = {}

    def get(self, h: int, w: int) -> tuple[np.ndarray, State, np.ndarray, np.ndarray]:
        """(dense buffer, state viewing it, a (6, h, w) uint16 pixel buffer, an (h, w) uint8 SCL buffer)."""
        if (h, w) not in self._by_shape:
            buf = np.empty(_dense_bytes(h, w), np.uint8)
            fields, at = {}, 0
            for k in DENSE:
                size = DTYPES[k].itemsize * h * w
                fields[k] = buf[at : at + size].view(DTYPES[k]).reshape(h, w)
                at += size
            for k in SPARSE:
                fields[k] = np.full((h, w), FILL[k], DTYPES[k])
            self._by_shape[(h, w)] = (buf, State(**fields), np.empty((6, h, w), np.uint16), np.empty((h, w), np.uint8))
        return self._by_shape[(h, w)]


def load_block(
    folder: Path, b: Block, scratch: Scratch | None = None, head: Header | None = None
) -> tuple[State, Header]:
    """The block's state (in ``scratch``'s arrays when given) and current header; an empty state for a new block.

    ``head``: the current header when the caller already read it (:func:`read_header`), to spare reading it again."""
    buf, st, _, _ = (scratch or Scratch()).get(b.h, b.w)
    for k in SPARSE:
        getattr(st, k).fill(FILL[k])
    head = head or read_header(folder, b)
    if head.generation == 0:
        for k in DENSE:
            getattr(st, k).fill(FILL[k])
        return st, head
    path = block_path(folder, b.r, b.c, head.slot)
    with open(path, "rb") as f:
        f.seek(HEADER.size)
        got = f.readinto(buf)
        pos = np.fromfile(f, np.uint32, head.n_sparse)
        values = {k: np.fromfile(f, DTYPES[k], head.n_sparse) for k in SPARSE}
    if got != buf.size or any(len(v) != head.n_sparse for v in values.values()):
        raise InputError(f"{path}: truncated detection state block; delete the state folder to start over")
    for k, v in values.items():
        getattr(st, k).reshape(-1)[pos] = v
    return st, head


def save_block(folder: Path, b: Block, st: State, prev: Header, last_day: int, clear_seen: int) -> Header:
    """Save the block over its older slot (``prev`` is the current header); returns the new header."""
    pos = _touched(*(getattr(st, k).reshape(-1) for k in SPARSE))
    head = Header(last_day, clear_seen, len(pos), prev.generation + 1, 1 - prev.slot)
    path = block_path(folder, b.r, b.c, head.slot)
    with open(path, "r+b" if path.exists() else "wb") as f:
        f.write(bytes(HEADER.size))  # no valid header while the data is half-written
        for k in DENSE:
            f.write(np.ascontiguousarray(getattr(st, k)).data)
        f.write(pos.data)
        for k in SPARSE:
            f.write(getattr(st, k).reshape(-1)[pos].data)
        f.truncate()
        f.seek(0)
        f.write(_pack(b, head))
    return head


def save_header(folder: Path, b: Block, prev: Header, last_day: int, clear_seen: int) -> Header:
    """Only the dates move on (no pixel of the block changed): rewrite the current slot's 64-byte header in place."""
    head = prev._replace(last_day=last_day, clear_seen=clear_seen)
    with open(block_path(folder, b.r, b.c, prev.slot), "r+b") as f:
        f.write(_pack(b, head))
    return head


def _pack(b: Block, head: Header) -> bytes:
    return HEADER.pack(MAGIC, b.h, b.w, head.generation, head.last_day, head.clear_seen, head.n_sparse)


@nb.njit(cache=True, nogil=True)
def _touched(cand_day, cand_n, conf_day, base_n, n_post, n_water, n_bare, n_char, ndvi_recent):
    """Flat indices of the pixels whose break fields are not all at their defaults (0, NaN)."""
    out = np.empty(cand_day.shape[0], np.uint32)
    k = 0
    for i in range(cand_day.shape[0]):
        if (
            cand_day[i] != 0
            or cand_n[i] != 0
            or conf_day[i] != 0
            or base_n[i] != 0
            or n_post[i] != 0
            or n_water[i] != 0
            or n_bare[i] != 0
            or n_char[i] != 0
            or not np.isnan(ndvi_recent[i])
        ):
            out[k] = i
            k += 1
    return out[:k]


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
