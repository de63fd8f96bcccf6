"""Band names: one canonical key per Sentinel-2 L2A band, with the aliases providers use.

Providers name the same file differently:

* Earth Search v1 (``sentinel-2-l2a``, ``sentinel-2-c1-l2a``): common names (``blue``, ``nir``, ``scl``);
* Planetary Computer and Earth Search v0: band numbers (``B02``, ``B8A``, ``SCL``);
* Copernicus Data Space Ecosystem (CDSE, STAC 1.1): band number and resolution (``B02_10m``,
  ``B02_20m``, ``B02_60m``, ``SCL_20m``), with the common name in STAC 1.1 ``bands[].eo:common_name``.

Where a band comes at several resolutions the one it is measured at (its native resolution) is taken:
resampled copies add no detail and the 20 m/60 m ones are averages of the 10 m pixels.
"""

from __future__ import annotations

import re
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

NATIVE_M: Mapping[str, int] = {
    "coastal": 60,
    "blue": 10,
    "green": 10,
    "red": 10,
    "rededge1": 20,
    "rededge2": 20,
    "rededge3": 20,
    "nir": 10,
    "nir08": 20,
    "nir09": 60,
    "swir16": 20,
    "swir22": 20,
    "scl": 20,  # ESA's scene classification is computed at 20 m
}
"""Resolution (m) each band is measured at, per the Sentinel-2 MSI specification."""

RESOLUTIONS_M = (10, 20, 60)
"""Resolutions of the L2A product's ``IMG_DATA/R10m|R20m|R60m`` folders (CDSE's ``_10m`` … suffixes)."""

_LOOKUP = {alias.lower(): canon for canon, names in ALIASES.items() for alias in (canon, *names)}
_SUFFIX = re.compile(r"^(?P<band>.+)_(?P<res>\d+)m$", re.IGNORECASE)


def canonical(name: str) -> str:
    """Canonical key for any known band name (``B04``, ``B04_10m`` → ``red``); unknown names are returned unchanged."""
    hit = _LOOKUP.get(name.lower())
    if hit is None and (m := _SUFFIX.match(name)):
        hit = _LOOKUP.get(m.group("band").lower())
    return hit or name


def canonical_common(common_name: str) -> str:
    """STAC ``eo:common_name`` → our key (``swir16``/``swir22`` are already common names)."""
    return {"rededge": "rededge1"}.get(common_name, common_name)


def _asset_bands(asset: pystac.Asset) -> list[dict]:
    """Band objects of an asset: STAC 1.1 ``bands`` or STAC 1.0 ``eo:bands``."""
    out = []
    for field in ("bands", "eo:bands"):
        value = asset.extra_fields.get(field)
        if isinstance(value, list):
            out.extend(b for b in value if isinstance(b, dict))
    return out


def _common_names(item: pystac.Item) -> dict[str, list[str]]:
    """Asset keys for each common name declared by a single-band asset (``eo:common_name`` or ``common_name``)."""
    found: dict[str, list[str]] = {}
    for key, asset in item.assets.items():
        bands = _asset_bands(asset)
        if len(bands) != 1:  # a multi-band file (TCI, a made-up RGBA) is not one band's asset
            continue
        cn = bands[0].get("eo:common_name") or bands[0].get("common_name")
        if cn:
            found.setdefault(canonical_common(cn), []).append(key)
    return found


def _candidates(canon: str) -> tuple[str, ...]:
    """Asset keys to try for a band, best first: plain names, then resolution-suffixed ones (native first)."""
    plain = (canon, *ALIASES.get(canon, ()))
    native = NATIVE_M.get(canon)
    res = sorted(RESOLUTIONS_M, key=lambda r: (r != native, r))
    suffixed = tuple(f"{name}_{r}m" for r in res for name in ALIASES.get(canon, ()))
    return plain + suffixed


def _resolution(key: str, asset: pystac.Asset) -> float | None:
    m = _SUFFIX.match(key)
    if m:
        return float(m.group("res"))
    gsd = asset.extra_fields.get("gsd")
    return float(gsd) if isinstance(gsd, int | float) else None


def resolve_assets(item: pystac.Item, bands: Iterable[str], source: str = "") -> dict[str, str]:
    """Map each requested band (any alias) to the asset key that holds it in ``item``.

    Looked up by asset key (``red``, ``B04``, ``B04_10m``; the native resolution preferred), then by the
    common name the assets declare (STAC 1.1 ``bands`` or STAC 1.0 ``eo:bands``). Raises
    :class:`MissingBandError` naming the item, the band and the assets that exist.
    """
    keys = {k.lower(): k for k in item.assets}
    commons = _common_names(item)
    out = {}
    for band in bands:
        canon = canonical(band)
        candidates = _candidates(canon)
        hit = next((keys[c.lower()] for c in candidates if c.lower() in keys), None)
        if hit is None and commons.get(canon):
            native = NATIVE_M.get(canon)
            hit = min(
                commons[canon],
                key=lambda k: (_resolution(k, item.assets[k]) != native, _resolution(k, item.assets[k]) or 1e9),
            )
        if hit is None:
            where = f" in {source}" if source else ""
            raise MissingBandError(
                f"band '{band}' not found in item {item.id}{where}: expected one of asset keys "
                f"{list(candidates)} or an asset whose bands declare eo:common_name '{canon}'; "
                f"the item has {sorted(item.assets)}"
            )
        out[canon] = hit
    return out
