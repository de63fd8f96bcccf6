"""Which store a ``--store`` value names."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError

DEFAULT_STORE = "centinela.gpkg"


def store_path(value: str | None = None) -> Path:
    """The embedded store's file from a path or ``sqlite:///path`` (default: CENTINELA_STORE, then centinela.gpkg)."""
    value = value or os.environ.get("CENTINELA_STORE") or DEFAULT_STORE
    if value.startswith("sqlite:///"):
        return Path(value[len("sqlite:///") :])
    if "://" in value:
        raise InputError(f"--store {value!r}: expected a GeoPackage path, sqlite:///path or postgresql://… URL")
    return Path(value)


def is_server(value: str | None) -> bool:
    value = value or os.environ.get("CENTINELA_STORE") or ""
    return value.startswith(("postgresql://", "postgres://"))


def open_store(value: str | Path | None = None, timeout_s: float = 30.0):
    """The store a ``--store`` value names: the embedded GeoPackage, or PostgreSQL/PostGIS by URL.

    ``timeout_s``: how long to wait for a store locked by another writer before StoreUnavailableError (the
    command line waits; the web answers 503 quickly instead of holding a request).
    """
    from .core import embedded_store, postgis_store  # not at import time: core imports the whole store

    value = None if value is None else str(value)
    if is_server(value):
        return postgis_store(value or os.environ["CENTINELA_STORE"], timeout_s=timeout_s)
    return embedded_store(store_path(value), timeout_s=timeout_s)
