"""Where an alert fell and what the law says there.

- :mod:`.layers` reads, repairs and reprojects zone layers (the only module here that opens files);
- :mod:`.registry` the zones in use: bundled plus those imported into the store (which owns them);
- :mod:`.legal` applies a jurisdiction's rule set (YAML) to alerts;
- :mod:`.stats` splits polygons by zones and sums hectares in an equal-area projection.
"""

from .kinds import KINDS
from .layers import ZoneLayer, prepare_layer, read_zone_file
from .legal import (
    LegalVerdict,
    assess,
    legal_caveat,
    legal_lines,
    legal_verdict,
    load_rules,
    verification_note,
    zone_hits,
)
from .registry import ZoneSet, load_zones
from .stats import equal_area_crs, normalise_events, split_by_zones, zone_table

__all__ = [
    "KINDS",
    "LegalVerdict",
    "ZoneLayer",
    "ZoneSet",
    "assess",
    "equal_area_crs",
    "legal_caveat",
    "legal_lines",
    "legal_verdict",
    "load_rules",
    "load_zones",
    "normalise_events",
    "prepare_layer",
    "read_zone_file",
    "split_by_zones",
    "verification_note",
    "zone_hits",
    "zone_table",
]
