"""Saving and loading the per-pixel detection state: one file per spatial block plus a manifest.

A block's file records the last day folded into it, so a run killed part-way resumes block by block
and a date is never counted twice.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..errors import InputError
from .kernel import State

FORMAT = 1


class Block(NamedTuple):
    """A spatial block of the grid: its top-left pixel (row, column) and its size."""

    r: int
    c: int
    h: int
    w: int


def block_path(folder: Path, r: int, c: int) -> Path:
    return folder / f"block_{r:05d}_{c:05d}.npz"


def open_store(folder: Path, grid: dict) -> Path:
    """Create the state folder, or check that an existing one belongs to the same grid."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / "manifest.json"
    if manifest.exists():
        old = json.loads(manifest.read_text())
        if old.get("grid") != grid or old.get("format") != FORMAT:
            raise InputError(
                f"{folder}: this detection state was made for another area, grid or version "
                f"({old.get('grid')}); use another --state folder or delete this one to start over"
            )
    else:
        _atomic_write_text(manifest, json.dumps({"format": FORMAT, "grid": grid}, indent=2))
    return folder


def load_block(folder: Path, r: int, c: int, shape: tuple[int, int]) -> tuple[State, int]:
    """The block's state and the last day folded into it (0 for a new block)."""
    path = block_path(folder, r, c)
    if not path.exists():
        return State.empty(shape), 0
    with np.load(path) as z:
        return State.from_dict(z), int(z["last_day"])


def last_day(folder: Path, r: int, c: int) -> int:
    """Last day folded into a block (0 when it has no state yet), without loading its arrays."""
    path = block_path(folder, r, c)
    if not path.exists():
        return 0
    with np.load(path) as z:
        return int(z["last_day"])


# The running means and variances change with every clear date and hardly compress (zlib saves ~20 %
# at 20-40x the cost of writing them), so they are stored raw; the counters and dates of breaks are
# mostly zero and shrink ~100x even at the fastest zlib level. np.load reads either kind of member.
DENSE = ("mu_", "m2_")


def save_block(folder: Path, r: int, c: int, state: State, last_day: int) -> None:
    path = block_path(folder, r, c)
    tmp = path.with_suffix(".tmp.npz")
    arrays = {"last_day": np.int64(last_day), **state.to_dict()}
    with zipfile.ZipFile(tmp, "w", allowZip64=True) as z:  # what np.savez writes, member by member
        for name, arr in arrays.items():
            dense = name.startswith(DENSE)
            z.compression, z.compresslevel = (zipfile.ZIP_STORED, None) if dense else (zipfile.ZIP_DEFLATED, 1)
            with z.open(name + ".npy", "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.asanyarray(arr), allow_pickle=False)
    os.replace(tmp, path)  # atomic: a killed run leaves the previous block state intact


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
