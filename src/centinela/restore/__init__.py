"""Recovery of mined land and alternative land uses (issue #9, parts 1–3).

- :mod:`.pixels` — the imagery of a set of sites as per-date indices (:func:`load_stack`), how each look is
  classed, and the per-pixel re-disturbance kernel;
- :mod:`.track` — recovery monitoring: per-date indices, vegetated share, Theil–Sen trend, status;
- :mod:`.alerts` — re-disturbance as a mining alert in the store, with a stable id;
- :mod:`.inventory` — abandoned mining sites, their ponds, age and distances;
- :mod:`.suitability` + ``suitability.yaml`` — alternative land uses, weights and rules as data;
- :mod:`.io` — files in and out. The jobs end to end are in :mod:`centinela.jobs.restore`.

See docs/restoration.md.
"""

from .alerts import record, redisturbance_alerts
from .inventory import InventoryParams, InventoryResult, inventory
from .io import read_sites
from .pixels import Stack, Thresholds, load_stack
from .suitability import assess, load_rules
from .track import STATUSES, TrackParams, TrackResult, track

__all__ = [
    "STATUSES",
    "InventoryParams",
    "InventoryResult",
    "Stack",
    "Thresholds",
    "TrackParams",
    "TrackResult",
    "assess",
    "inventory",
    "load_rules",
    "load_stack",
    "read_sites",
    "record",
    "redisturbance_alerts",
    "track",
]
