"""Imagery tiles drawn once and kept on disk (web/tilecache.py): past dates are kept, windows reaching today are
not, a kept tile goes stale after its time, and the cache stays within its size."""

from __future__ import annotations

import datetime as dt
import os
import time

from centinela.web.tilecache import TileCache


def counter(data: bytes):
    calls = []

    def render() -> bytes:
        calls.append(1)
        return data

    return render, calls


def test_a_past_tile_is_drawn_once_and_served_from_disk(tmp_path):
    cache = TileCache(tmp_path)
    render, calls = counter(b"\x89PNG one")
    past = dt.date(2024, 7, 1)
    assert cache.get_or_render("k", past, render) == b"\x89PNG one"
    assert cache.get_or_render("k", past, render) == b"\x89PNG one"
    assert len(calls) == 1
    other, other_calls = counter(b"\x89PNG two")
    assert cache.get_or_render("k2", past, other) == b"\x89PNG two" and len(other_calls) == 1
    assert not list(tmp_path.glob("*/*.tmp")), "no temporary file is left behind"


def test_a_window_reaching_today_is_drawn_every_time(tmp_path):
    cache = TileCache(tmp_path)
    render, calls = counter(b"png")
    today = dt.datetime.now(dt.UTC).date()
    cache.get_or_render("k", today, render)
    cache.get_or_render("k", today, render)
    assert len(calls) == 2 and not list(tmp_path.glob("*/*.png"))


def test_a_kept_tile_goes_stale(tmp_path):
    cache = TileCache(tmp_path, ttl_s=60)
    render, calls = counter(b"png")
    cache.get_or_render("k", dt.date(2024, 1, 1), render)
    (kept,) = tmp_path.glob("*/*.png")
    old = time.time() - 120
    os.utime(kept, (old, old))
    cache.get_or_render("k", dt.date(2024, 1, 1), render)
    assert len(calls) == 2


def test_the_cache_keeps_at_most_max_files(tmp_path):
    cache = TileCache(tmp_path, max_files=10)
    for i in range(500):
        cache.get_or_render(f"k{i}", dt.date(2024, 1, 1), lambda: b"png")
    assert len(list(tmp_path.glob("*/*.png"))) == 10
