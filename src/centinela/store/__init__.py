"""Where alerts live: the embedded GeoPackage store, lifecycle, hash-chained audit, exports.

- :mod:`.embedded` — the store (sqlite3 over a GeoPackage file QGIS opens);
- :mod:`.gpkg` — GeoPackage geometry blobs and R-tree trigger functions;
- :mod:`.lifecycle` — statuses and allowed transitions;
- :mod:`.audit` — the hash chain and its verification;
- :mod:`.exports` — GeoJSON, GeoPackage, KML/KMZ, GPX, CSV.
"""

from .embedded import EmbeddedStore, IngestResult, StoreError
from .exports import FORMATS, export
from .lifecycle import STATUSES, TRANSITIONS
from .url import open_store, store_path

__all__ = [
    "FORMATS",
    "STATUSES",
    "TRANSITIONS",
    "EmbeddedStore",
    "IngestResult",
    "StoreError",
    "export",
    "open_store",
    "store_path",
]
