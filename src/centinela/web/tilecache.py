"""Rendered imagery tiles kept on disk, so a tile is read from the catalog and drawn once, not at every view.

A clear-composite tile reads up to a dozen scenes and takes seconds to draw; a ranger's map asks for 15–20 of them
at once and again at the next visit, and an offline-area download asks for hundreds. A tile of a past date (or of a
composite window that ended in the past) does not change unless the catalog does, so it is kept for ``ttl_s``;
tiles of windows that reach today are not kept (new scenes may still arrive). The cache is bounded: past
``max_files`` the oldest go. Files are written to a temporary name and renamed, so a killed server
never leaves half a PNG that a later request would serve.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path


class TileCache:
    def __init__(self, root: Path, ttl_s: float = 7 * 86400, max_files: int = 20_000):
        self.root, self.ttl_s, self.max_files = Path(root), ttl_s, max_files
        self._lock = threading.Lock()
        self._writes = 0

    def _path(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode()).hexdigest()
        return self.root / digest[:2] / f"{digest}.png"

    def get_or_render(self, key: str, last_date: dt.date, render: Callable[[], bytes]) -> bytes:
        """The tile for ``key`` from disk when kept and fresh, else ``render()`` (kept when ``last_date`` is past)."""
        path = self._path(key)
        try:
            if time.time() - path.stat().st_mtime < self.ttl_s:
                return path.read_bytes()
        except OSError:
            pass
        data = render()
        if last_date < dt.datetime.now(dt.UTC).date():
            self._keep(path, data)
        return data

    def _keep(self, path: Path, data: bytes) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError:
            return  # a full or read-only disk costs speed, never a tile
        with self._lock:
            self._writes += 1
            due = self._writes % 500 == 0
        if due:
            self._trim()

    def _trim(self) -> None:
        files = sorted(self.root.glob("*/*.png"), key=_mtime)
        for old in files[: max(0, len(files) - self.max_files)]:
            old.unlink(missing_ok=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
