"""The one owner of every table: the embedded GeoPackage store or its PostgreSQL/PostGIS dialect.

Every change commits in one transaction with its audit entry.

- :mod:`.core` — the store and its logic (alerts, areas, subscriptions, the notification outbox, the audit
  chain and the rows it binds), one class whatever the backend;
- :mod:`.dialect` — where it lives: a GeoPackage file QGIS opens (sqlite3), or PostgreSQL/PostGIS (the
  optional ``postgis`` extra); :mod:`.schema` — the tables' columns and the one list of migrations;
- :mod:`.mercury`, :mod:`.zones`, :mod:`.drone`, :mod:`.users` — laboratory results, imported zones, drone
  flights, web users and sensitive areas: the store's methods for those tables;
- :mod:`.url` — which store a ``--store`` value names (:func:`open_store`, :func:`store_path`);
- :mod:`.gpkg` — GeoPackage geometry blobs, R-tree trigger functions, layer registration;
- :mod:`.lifecycle` — statuses and allowed transitions;
- :mod:`.audit` — the hash chain, the rows its entries bind, signed checkpoints; :mod:`.checkpoint` their files;
- :mod:`.exports` — GeoJSON, GeoPackage, KML/KMZ, GPX, CSV.

Monitoring runs, which chain detection, the store and notifications, are :mod:`centinela.jobs.monitor`.
"""

from ..errors import StoreError
from .core import IngestResult, Store, embedded_store, postgis_store
from .exports import FORMATS, export
from .lifecycle import STATUSES, TRANSITIONS
from .url import open_store, store_path

__all__ = [
    "FORMATS",
    "STATUSES",
    "TRANSITIONS",
    "IngestResult",
    "Store",
    "StoreError",
    "embedded_store",
    "export",
    "open_store",
    "postgis_store",
    "store_path",
]
