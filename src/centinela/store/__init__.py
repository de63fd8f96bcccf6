"""Where alerts live: the embedded GeoPackage store or its PostgreSQL/PostGIS dialect, and what keeps them.

- :mod:`.embedded` — the store and its logic (sqlite3 over a GeoPackage file QGIS opens; migrations,
  areas, subscriptions and the notification outbox);
- :mod:`.postgis` — the same store on PostgreSQL/PostGIS (the optional ``postgis`` extra);
- :mod:`.url` — which store a ``--store`` value names (:func:`open_store`, :func:`store_path`);
- :mod:`.gpkg` — GeoPackage geometry blobs and R-tree trigger functions;
- :mod:`.lifecycle` — statuses and allowed transitions;
- :mod:`.audit` — the hash chain and its verification;
- :mod:`.exports` — GeoJSON, GeoPackage, KML/KMZ, GPX, CSV;
- :mod:`.users` — web users, roles, API tokens, sessions and sensitive areas;
- :mod:`.monitor` — a monitoring run: detection for a saved area, merged into the store, then notifications.
"""

from ..errors import StoreError
from .embedded import EmbeddedStore, IngestResult
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
