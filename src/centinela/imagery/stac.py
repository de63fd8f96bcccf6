"""Finding Sentinel-2 items: static STAC catalogs (paths or URLs) and STAC APIs, behind one function.

This module and :mod:`.cube` are the only places that open catalogs, URLs and rasters.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

import pystac
import shapely
from pystac.stac_io import DefaultStacIO

from ..errors import AOIOutsideDataError, CatalogError, InputError, NoImageryError
from .sources import modifier, prepare_item

log = logging.getLogger(__name__)

DEFAULT_COLLECTION = "sentinel-2-l2a"
ITEM_SEARCH = re.compile(r"^https://api\.stacspec\.org/v1\.0\.[^/]*/item-search")
"""Item-search conformance of STAC API 1.0 and its release candidates (as pystac-client accepts)."""


def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def _read_root(source: str) -> dict:
    try:
        return DefaultStacIO().read_json(source)
    except FileNotFoundError as exc:
        raise CatalogError(
            f"{source}: STAC catalog not found (expected a catalog.json path or a STAC API URL)"
        ) from exc
    except Exception as exc:  # urllib, JSON and OS errors all mean the same to the user
        raise CatalogError(f"{source}: cannot be read as STAC JSON ({exc})") from exc


def is_stac_api(root: dict) -> bool:
    """True when the landing page declares STAC API item search."""
    return any(ITEM_SEARCH.match(c) for c in root.get("conformsTo", []) or [])


def _day_range(start: dt.date | None, end: dt.date | None) -> tuple[dt.datetime, dt.datetime]:
    s = dt.datetime.combine(start or dt.date(2015, 6, 23), dt.time.min, tzinfo=dt.UTC)  # S2A launch
    e = dt.datetime.combine(end or dt.date.today(), dt.time.max, tzinfo=dt.UTC)
    if e < s:
        raise InputError(f"the date range is empty: end {end} is before start {start}")
    return s, e


def _item_time(item: pystac.Item) -> dt.datetime:
    t = item.datetime or pystac.utils.str_to_datetime(item.properties["start_datetime"])
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def search_items(
    source: str | Path,
    aoi: shapely.Geometry | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    collection: str | None = DEFAULT_COLLECTION,
    max_items: int | None = None,
) -> list[pystac.Item]:
    """Items of ``source`` intersecting ``aoi`` (WGS84) between ``start`` and ``end`` (inclusive), by time.

    ``source`` may be a static catalog (local path or URL of its catalog.json), a STAC API root URL, or
    the URL of one collection of a STAC API (``…/v1/collections/sentinel-2-c1-l2a``: that collection is
    searched). Items come back ready to read (:func:`.sources.prepare_item`: Planetary Computer URLs
    signed, CDSE assets on the access configured).
    Raises :class:`NoImageryError` when no item falls in the dates and :class:`AOIOutsideDataError`
    when items exist in the dates but none overlaps the AOI.
    """
    source = str(source)
    t0, t1 = _day_range(start, end)
    root = _read_root(source if _is_url(source) or not Path(source).is_dir() else str(Path(source) / "catalog.json"))
    api = _api_of_collection(source, root) if root.get("type") == "Collection" and _is_url(source) else None
    if api is not None:
        source, collection = api, root["id"]
        log.info("searching collection %s of the STAC API %s", collection, source)
    if api is not None or is_stac_api(root):
        items = _search_api(source, aoi, t0, t1, collection, max_items)
        if not items and aoi is not None and _search_api(source, None, t0, t1, collection, 1):
            raise AOIOutsideDataError(
                f"{source}: no {collection} item overlaps the AOI {aoi.bounds} between {t0:%Y-%m-%d} and {t1:%Y-%m-%d}"
            )
    else:
        in_dates = _walk_static(source, t0, t1)
        items = [it for it in in_dates if aoi is None or _overlaps(it, aoi)]
        if in_dates and not items:
            extent = shapely.union_all([shapely.box(*it.bbox) for it in in_dates if it.bbox]).bounds
            raise AOIOutsideDataError(
                f"{source}: the AOI {tuple(round(v, 4) for v in aoi.bounds)} is outside the data, "
                f"whose items cover {tuple(round(v, 4) for v in extent)}"
            )
        if max_items:
            items = items[:max_items]
    if not items:
        raise NoImageryError(f"{source}: no item between {t0:%Y-%m-%d} and {t1:%Y-%m-%d}")
    for it in items:  # API items were prepared by the client's modifier already; preparing twice is a no-op
        prepare_item(it)
    return sorted(items, key=_item_time)


def _api_of_collection(source: str, doc: dict) -> str | None:
    """The STAC API a collection document belongs to (its ``root`` link, if that declares item search)."""
    root = next((ln.get("href") for ln in doc.get("links", []) if ln.get("rel") == "root"), None)
    if not root or not doc.get("id"):
        return None
    try:
        return root if is_stac_api(DefaultStacIO().read_json(root)) else None
    except Exception:  # not reachable or not JSON: treat the collection as a static one
        return None


def _overlaps(item: pystac.Item, aoi: shapely.Geometry) -> bool:
    geom = shapely.geometry.shape(item.geometry) if item.geometry else shapely.box(*item.bbox)
    return geom.intersects(aoi)


def _walk_static(source: str, t0: dt.datetime, t1: dt.datetime) -> list[pystac.Item]:
    try:
        cat = pystac.read_file(source if not Path(source).is_dir() else str(Path(source) / "catalog.json"))
    except Exception as exc:
        raise CatalogError(f"{source}: cannot be opened as a STAC catalog ({exc})") from exc
    if isinstance(cat, pystac.Item):
        items = [cat]
    elif isinstance(cat, pystac.ItemCollection):
        items = list(cat)
    else:
        items = list(cat.get_items(recursive=True))
    for it in items:
        it.make_asset_hrefs_absolute()
    return [it for it in items if t0 <= _item_time(it) <= t1]


def _search_api(source: str, aoi, t0, t1, collection, max_items) -> list[pystac.Item]:
    from pystac_client import Client  # imported here: only API users need it
    from pystac_client.exceptions import APIError

    try:
        client = Client.open(source, modifier=modifier)
        search = client.search(
            collections=[collection] if collection else None,
            intersects=shapely.geometry.mapping(aoi) if aoi is not None else None,
            datetime=[t0, t1],
            max_items=max_items,
        )
        return list(search.items())
    except APIError as exc:
        raise CatalogError(f"{source}: STAC API search failed ({exc})") from exc
