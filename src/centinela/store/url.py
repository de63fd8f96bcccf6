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
        return Path(value[len("sqlite:///"):])
    if "://" in value:
        raise InputError(f"--store {value!r}: only the embedded GeoPackage store (a path or sqlite:///path) is available "
                         "in this version; the PostgreSQL/PostGIS backend is not implemented yet")
    return Path(value)


def open_store(value: str | None = None):
    from .embedded import EmbeddedStore

    return EmbeddedStore(store_path(value))
