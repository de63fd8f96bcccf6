"""Digital numbers to reflectance, with the provider quirks real Sentinel-2 L2A catalogs have."""

from __future__ import annotations

import re

import pystac

DEFAULT_SCALE = 1e-4
BASELINE_OFFSET = -0.1  # BOA_ADD_OFFSET = -1000 DN from processing baseline 04.00 (25 Jan 2022)

_BASELINE_IN_NAME = re.compile(r"_N(\d{2})(\d{2})_")  # ESA product names: ..._N0511_R122_...


def baseline(item: pystac.Item) -> float | None:
    """The ESA processing baseline of an item (5.11 for ``05.11``), from whichever field the provider uses.

    Planetary Computer and Earth Search write ``s2:processing_baseline``; CDSE (STAC 1.1) writes
    ``processing:version``; otherwise the ESA product name (``s2:product_uri``, Earth Search v0's
    ``sentinel:product_id`` or the item id) carries it as ``_N0511_``.
    """
    for key in ("s2:processing_baseline", "processing:version"):
        raw = item.properties.get(key)
        try:
            if raw is not None:
                return float(raw)
        except (TypeError, ValueError):
            pass
    for name in (item.properties.get("s2:product_uri"), item.properties.get("sentinel:product_id"), item.id):
        m = _BASELINE_IN_NAME.search(str(name or ""))
        if m:
            return float(f"{m.group(1)}.{m.group(2)}")
    return None


def _declared(asset: pystac.Asset) -> dict:
    """Scale/offset the asset declares: STAC 1.0 ``raster:bands``, STAC 1.1 ``bands`` or asset-level ``raster:*``."""
    out = {}
    for key in ("scale", "offset"):  # asset level (STAC 1.1 / raster v2), the least specific
        if isinstance(asset.extra_fields.get(f"raster:{key}"), int | float):
            out[key] = asset.extra_fields[f"raster:{key}"]
    for field, prefix in (("bands", "raster:"), ("raster:bands", "")):
        bands = asset.extra_fields.get(field)
        if isinstance(bands, list) and bands and isinstance(bands[0], dict):
            for key in ("scale", "offset"):
                value = bands[0].get(prefix + key)
                if isinstance(value, int | float):
                    out[key] = value
    return out


def scale_offset(item: pystac.Item, asset_key: str) -> tuple[float, float]:
    """(scale, offset) such that reflectance = DN × scale + offset for this item's asset.

    Order of evidence:
    1. Earth Search's ``sentinel-2-l2a`` collection subtracts the offset inside its files and says so
       with ``earthsearch:boa_offset_applied: true`` while still declaring ``offset: -0.1``; applying it
       again would make dark vegetation negative, so the offset is dropped then. With ``false`` it left
       the files as ESA made them: no offset before baseline 04.00, whatever ``raster:bands`` says.
    2. Declared scale/offset: ``raster:bands`` (STAC 1.0: Earth Search, Planetary Computer), per-band
       ``raster:scale``/``raster:offset`` in ``bands`` or on the asset (STAC 1.1: CDSE). A declared offset
       is used as it is, never added to the baseline's.
    3. Otherwise the ESA convention from the processing baseline (offset -0.1 from 04.00 on), read from
       ``s2:processing_baseline``, ``processing:version`` or the product name.
    """
    declared = _declared(item.assets[asset_key])
    scale = float(declared.get("scale", DEFAULT_SCALE))
    if "offset" in declared:
        offset = float(declared["offset"])
    else:
        bl = baseline(item)
        offset = BASELINE_OFFSET if bl is not None and bl >= 4.0 else 0.0
    flag = item.properties.get("earthsearch:boa_offset_applied")
    if flag is True:
        offset = 0.0
    elif flag is False and (bl := baseline(item)) is not None and bl < 4.0:
        # Earth Search v1 declares offset -0.1 on every item, but left this file as ESA made it, and
        # before baseline 04.00 ESA's digital numbers carry no offset.
        offset = 0.0
    return scale, offset
