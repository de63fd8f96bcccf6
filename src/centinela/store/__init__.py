"""The one owner of every table: the embedded GeoPackage store or its PostgreSQL/PostGIS dialect.

Every change commits in one transaction with its audit entry.

- :mod:`.embedded` — the store and its logic (sqlite3 over a GeoPackage file QGIS opens; migrations,
  alerts, areas, subscriptions and the notification outbox);
- :mod:`.postgis` — the same store on PostgreSQL/PostGIS (the optional ``postgis`` extra);
- :mod:`.mercury`, :mod:`.zones` — mercury laboratory results and imported zones, written row by row;
- :mod:`.url` — which store a ``--store`` value names (:func:`open_store`, :func:`store_path`);
- :mod:`.gpkg` — GeoPackage geometry blobs, R-tree trigger functions, layer registration;
- :mod:`.lifecycle` — statuses and allowed transitions;
- :mod:`.audit` — the hash chain, the rows its entries bind, signed checkpoints; :mod:`.checkpoint` their files;
- :mod:`.exports` — GeoJSON, GeoPackage, KML/KMZ, GPX, CSV;
- :mod:`.users` — web users, roles, API tokens, sessions and sensitive areas.

Monitoring runs, which chain detection, the store and notifications, are :mod:`centinela.jobs.monitor`.
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
