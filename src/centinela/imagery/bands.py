"""Band names: one canonical key per Sentinel-2 L2A band, with the aliases providers use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pystac

from ..errors import MissingBandError

REFLECTANCE_BANDS = ("blue", "green", "red", "nir", "swir16", "swir22")
"""Default bands loaded for change detection (Earth Search ``sentinel-2-l2a`` keys)."""

ALIASES: Mapping[str, tuple[str, ...]] = {
    "coastal": ("B01", "B1"),
    "blue": ("B02", "B2"),
    "green": ("B03", "B3"),
    "red": ("B04", "B4"),
    "rededge1": ("B05", "B5"),
    "rededge2": ("B06", "B6"),
    "rededge3": ("B07", "B7"),
    "nir": ("B08", "B8"),
    "nir08": ("B8A",),
    "nir09": ("B09", "B9"),
    "swir16": ("B11",),
    "swir22": ("B12",),
    "scl": ("SCL",),
}
"""Canonical key → other asset keys seen for it (Planetary Computer, Earth Search v0, CDSE)."""

_LOOKUP = {alias.lower(): canon for canon, names in ALIASES.items() for alias in (canon, *names)}


def canonical(name: str) -> str:
    """Canonical key for any known band name (``B04`` → ``red``); unknown names are returned unchanged."""
    return _LOOKUP.get(name.lower(), name)


def _common_names(item: pystac.Item) -> dict[str, str]:
    """Asset key for each ``eo:bands`` common name declared on the item's assets."""
    found = {}
    for key, asset in item.assets.items():
        for band in asset.extra_fields.get("eo:bands", []) or []:
            cn = band.get("common_name")
            if cn:
                found.setdefault(canonical_common(cn), key)
    return found


def canonical_common(common_name: str) -> str:
    """STAC ``eo:common_name`` → our key (``swir16``/``swir22`` are already common names)."""
    return {"rededge": "rededge1"}.get(common_name, common_name)


def resolve_assets(item: pystac.Item, bands: Iterable[str], source: str = "") -> dict[str, str]:
    """Map each requested band (any alias) to the asset key that holds it in ``item``.

    Raises :class:`MissingBandError` naming the item, the band and the assets that exist.
    """
    keys = {k.lower(): k for k in item.assets}
    commons = _common_names(item)
    out = {}
    for band in bands:
        canon = canonical(band)
        candidates = (canon, *ALIASES.get(canon, ()))
        hit = next((keys[c.lower()] for c in candidates if c.lower() in keys), None) or commons.get(canon)
        if hit is None:
            where = f" in {source}" if source else ""
            raise MissingBandError(
                f"band '{band}' not found in item {item.id}{where}: expected one of asset keys "
                f"{list(candidates)}; the item has {sorted(item.assets)}"
            )
        out[canon] = hit
    return out
