"""Digital numbers to reflectance, with the provider quirks real Sentinel-2 L2A catalogs have."""

from __future__ import annotations

import pystac

DEFAULT_SCALE = 1e-4
BASELINE_OFFSET = -0.1  # BOA_ADD_OFFSET = -1000 DN from processing baseline 04.00 (25 Jan 2022)


def _baseline(item: pystac.Item) -> float | None:
    raw = item.properties.get("s2:processing_baseline")
    try:
        return float(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


def scale_offset(item: pystac.Item, asset_key: str) -> tuple[float, float]:
    """(scale, offset) such that reflectance = DN × scale + offset for this item's asset.

    Order of evidence:
    1. Earth Search's legacy collection subtracts the offset inside its files and says so with
       ``earthsearch:boa_offset_applied: true`` while still declaring ``offset: -0.1``; applying it
       again would make dark vegetation negative, so the offset is dropped then.
    2. Declared ``raster:bands`` scale/offset.
    3. Otherwise the ESA convention from the processing baseline (offset -0.1 from 04.00 on).
    """
    asset = item.assets[asset_key]
    bands = asset.extra_fields.get("raster:bands") or []
    declared = bands[0] if bands else {}
    scale = float(declared.get("scale", DEFAULT_SCALE))
    if "offset" in declared:
        offset = float(declared["offset"])
    else:
        bl = _baseline(item)
        offset = BASELINE_OFFSET if bl is not None and bl >= 4.0 else 0.0
    if item.properties.get("earthsearch:boa_offset_applied") is True:
        offset = 0.0
    return scale, offset
