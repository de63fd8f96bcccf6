"""The block state files: two slots, the newer one current; a save killed half-way loses nothing."""

from __future__ import annotations

import numpy as np
import pytest

from centinela.detect.kernel import State
from centinela.detect.state import HEADER, Block, block_path, load_block, read_header, save_block, save_header
from centinela.errors import InputError

B = Block(0, 0, 4, 5)


def _state(seed: int) -> State:
    rng = np.random.default_rng(seed)
    st = State.empty((B.h, B.w))
    st.mu_ndvi[...] = rng.random((B.h, B.w), np.float32)
    st.n[...] = rng.integers(0, 9, (B.h, B.w))
    st.cand_day[1, 2], st.cand_n[1, 2], st.ndvi_recent[1, 2] = 19001, 1, 0.25
    st.base_n_at_break[3, 4] = 6
    return st


def _same(a: State, b: State) -> bool:
    x, y = a.to_dict(), b.to_dict()
    return all(x[k].dtype == y[k].dtype and np.array_equal(x[k], y[k], equal_nan=True) for k in x)


def test_round_trip_alternates_slots_and_keeps_sparse_fields(tmp_path):
    assert read_header(tmp_path, B).generation == 0
    h1 = save_block(tmp_path, B, _state(1), read_header(tmp_path, B), 19001, 7)
    h2 = save_block(tmp_path, B, _state(2), h1, 19006, 9)
    assert (h1.slot, h2.slot, h2.generation, h2.n_sparse) == (0, 1, 2, 2)
    st, head = load_block(tmp_path, B)
    assert head == h2 and _same(st, _state(2))
    h3 = save_header(tmp_path, B, h2, 19011, 9)  # a cloudy date: only the header moves on
    assert read_header(tmp_path, B) == h3 and h3.slot == 1 and h3.last_day == 19011
    assert _same(load_block(tmp_path, B)[0], _state(2))


def test_a_save_killed_half_way_leaves_the_previous_state(tmp_path):
    h1 = save_block(tmp_path, B, _state(1), read_header(tmp_path, B), 19001, 7)
    h2 = save_block(tmp_path, B, _state(2), h1, 19006, 9)
    # The next save writes over slot 0: killed after zeroing its header and part of its data.
    with open(block_path(tmp_path, 0, 0, 0), "r+b") as f:
        f.write(bytes(HEADER.size) + b"\x07" * 40)
    st, head = load_block(tmp_path, B)
    assert head == h2 and _same(st, _state(2))


@pytest.mark.parametrize("written", [0, 20])
def test_a_first_save_killed_before_its_header_counts_as_no_save(tmp_path, written):
    """The CI failure of 2026-12-02: a run killed just after creating a block's first slot file left it
    empty, and the re-run refused the whole state folder instead of resuming."""
    block_path(tmp_path, 0, 0, 0).write_bytes(bytes(written))
    head = read_header(tmp_path, B)
    assert (head.generation, head.slot) == (0, 1)  # a new block, whose next save goes to slot 0
    h1 = save_block(tmp_path, B, _state(1), head, 19001, 7)
    assert h1.slot == 0 and _same(load_block(tmp_path, B)[0], _state(1))
    block_path(tmp_path, 0, 0, 1).write_bytes(bytes(written))  # the second save killed just as early
    assert read_header(tmp_path, B) == h1


def test_foreign_or_truncated_files_are_clear_errors(tmp_path):
    save_block(tmp_path, B, _state(1), read_header(tmp_path, B), 19001, 7)
    path = block_path(tmp_path, 0, 0, 0)
    with pytest.raises(InputError, match="another grid"):
        read_header(tmp_path, Block(0, 0, 8, 8))
    data = path.read_bytes()
    path.write_bytes(data[: HEADER.size + 30])
    with pytest.raises(InputError, match="truncated"):
        load_block(tmp_path, B)
    path.write_bytes(b"CEN")  # short, but not zeros: not ours
    with pytest.raises(InputError, match="not a Centinela"):
        read_header(tmp_path, B)
    path.write_bytes(b"PK\x03\x04" + data[4:])
    with pytest.raises(InputError, match=r"block_00000_00000\.a\.state.*not a Centinela"):
        read_header(tmp_path, B)


def test_a_state_made_by_another_method_version_names_what_changed(tmp_path):
    from dataclasses import asdict

    from centinela.detect.kernel import Params
    from centinela.detect.state import open_store
    from centinela.errors import StateMismatchError

    grid = {"crs": "EPSG:32719", "transform": [10, 0, 0, 0, -10, 0], "shape": [64, 64], "params": asdict(Params())}
    open_store(tmp_path / "st", grid)
    older = {**grid, "params": {k: v for k, v in grid["params"].items() if k != "scrub_ndvi"}}
    older["params"]["forest_ndvi"] = 0.75
    with pytest.raises(StateMismatchError) as exc:
        open_store(tmp_path / "st", older)
    assert "params.forest_ndvi: 0.7 → 0.75" in str(exc.value) and "params.scrub_ndvi: 0.5 → none" in str(exc.value)
    assert "format" not in str(exc.value).split("(")[1], "the format did not change: it is not named"
