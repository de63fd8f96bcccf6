"""Drone orthomosaics (issue #9, part 4): validate, store as COG, vegetation indices, cover per site, two-flight change.

- :mod:`.ortho` — the only module here that opens rasters: validation (:func:`open_ortho`), window-by-window
  reading with a halo, COG conversion, writing outputs;
- :mod:`.indices` — RGB vegetation indices (ExG, ExGR, VARI) and NDVI/NDWI when there is NIR (pure);
- :mod:`.cover` — vegetation / bare / water / shadow by transparent thresholds (``cover.yaml``) and areas per site;
- :mod:`.compare` — two flights on one grid (B reprojected onto A's), change map and areas;
- :mod:`.flights` — ingestion: the managed COG copy and the ``drone_flights`` layer of the store;
- :mod:`.tiles` — XYZ web-map tiles of a stored orthomosaic (rio-tiler);
- :mod:`.pictures` — cover and change PNGs (both languages); :mod:`.text` — lines for people to read.

The demo step (two simulated flights one year apart) is :mod:`centinela.jobs.demo_drone`.

See docs/drones.md.
"""

from .compare import ChangeResult, compare_flights
from .cover import (
    BARE,
    CLASS_NAMES,
    NODATA,
    SHADOW,
    VEGETATION,
    WATER,
    CoverResult,
    Thresholds,
    compute_cover,
    load_thresholds,
)
from .flights import IngestResult, flight_record, ingest, list_flights, open_flight
from .ortho import OrthoInfo, open_ortho

__all__ = [
    "BARE",
    "CLASS_NAMES",
    "NODATA",
    "SHADOW",
    "VEGETATION",
    "WATER",
    "ChangeResult",
    "CoverResult",
    "IngestResult",
    "OrthoInfo",
    "Thresholds",
    "compare_flights",
    "compute_cover",
    "flight_record",
    "ingest",
    "list_flights",
    "load_thresholds",
    "open_flight",
    "open_ortho",
]
