"""The catalogs users have, and what reading their files takes.

=====================================  ==============================================  ===========================
Source                                 Catalog / collection                            Access
=====================================  ==============================================  ===========================
Earth Search v1 (Element 84, AWS)      ``https://earth-search.aws.element84.com/v1``   public HTTPS COGs
                                       ``sentinel-2-l2a``, ``sentinel-2-c1-l2a``
Microsoft Planetary Computer           ``https://planetarycomputer.microsoft.com/``    SAS-signed Azure Blob URLs
                                       ``api/stac/v1`` — ``sentinel-2-l2a``            (``planetary-computer``)
Copernicus Data Space Ecosystem        ``https://stac.dataspace.copernicus.eu/v1``     S3 keys or OIDC token
                                       ``sentinel-2-l2a``                              (:mod:`.credentials`)
=====================================  ==============================================  ===========================

Planetary Computer serves its blobs only to URLs carrying a short-lived SAS token. Items are signed
when they are found (:func:`prepare_item`, the ``planetary-computer`` package's signing, also the
modifier given to pystac-client), and every open re-signs an href whose token expires within
:data:`REFRESH_MARGIN_S` (:func:`fresh_href`), so a detection run of hours keeps reading.

CDSE items point at ``s3://eodata/…``; with only a token configured (no S3 keys) their HTTPS alternates
are used instead. Files are read inside :func:`.credentials.read_env`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from urllib.parse import parse_qs, urlsplit

import pystac
import rasterio
from odc.loader import RioDriver, RioReader

from ..errors import MissingExtraError
from .credentials import cdse_credentials, is_cdse_s3, read_env, read_error

log = logging.getLogger(__name__)

REFRESH_MARGIN_S = 15 * 60
"""A SAS token expiring within this many seconds is replaced before a file is opened with it: GDAL keeps
a file open and requests ranges of it for as long as a row of blocks is folded (minutes)."""

BLOB_DOMAIN = ".blob.core.windows.net"
_PUBLIC_BLOBS = ("ai4edatasetspublicassets.blob.core.windows.net",)  # thumbnails: never signed
_lock = threading.Lock()


# --- Planetary Computer ---------------------------------------------------------------------------


def needs_signing(href: str) -> bool:
    host = urlsplit(href).hostname or ""
    return href.startswith("https://") and host.endswith(BLOB_DOMAIN) and host not in _PUBLIC_BLOBS


def token_expiry(href: str) -> dt.datetime | None:
    """When the SAS token of a signed URL expires (its ``se=`` field), or None if unsigned."""
    se = parse_qs(urlsplit(href).query).get("se")
    if not se:
        return None
    try:
        t = dt.datetime.fromisoformat(se[0].replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _pc():
    try:
        import planetary_computer
    except ImportError as exc:  # pragma: no cover - it is a dependency; a trimmed install may lack it
        raise MissingExtraError(
            "reading Planetary Computer imagery needs the 'planetary-computer' package: pip install planetary-computer"
        ) from exc
    return planetary_computer


def sign_href(href: str, margin_s: float = REFRESH_MARGIN_S) -> str:
    """``href`` signed with a SAS token valid for at least ``margin_s`` more seconds (others unchanged).

    The ``planetary-computer`` package caches one token per storage container and renews it only in its
    last minute; a cached token closer than ``margin_s`` to its end is dropped first so a fresh one comes.
    """
    if not needs_signing(href):
        return href
    pc = _pc()
    from planetary_computer.sas import TOKEN_CACHE
    from planetary_computer.utils import parse_blob_url

    bare = href.split("?", 1)[0]
    account, container = parse_blob_url(urlsplit(bare))
    with _lock:
        url = f"{pc.settings.Settings.get().sas_url}/{account}/{container}"
        cached = TOKEN_CACHE.get(url)
        if cached is not None and cached.ttl() < margin_s:
            TOKEN_CACHE.pop(url, None)
        return pc.sign_url(bare)


def fresh_href(href: str, margin_s: float = REFRESH_MARGIN_S) -> str:
    """The URL to open ``href`` by now: a Planetary Computer blob re-signed if its token is (nearly) spent."""
    if not needs_signing(href):
        return href
    exp = token_expiry(href)
    if exp is not None and (exp - dt.datetime.now(dt.UTC)).total_seconds() > margin_s:
        return href
    return sign_href(href, margin_s)


# --- items ----------------------------------------------------------------------------------------


def prepare_item(item: pystac.Item) -> pystac.Item:
    """Make an item's assets readable as found: Planetary Computer blobs signed; CDSE assets switched
    to their HTTPS alternate when only a token (no S3 keys) is configured. Changes ``item`` in place
    (usable as pystac-client's ``modifier``) and returns it."""
    cdse_https = None
    for asset in item.assets.values():
        href = asset.href
        if needs_signing(href):
            asset.href = sign_href(href)
        elif is_cdse_s3(href):
            if cdse_https is None:
                creds = cdse_credentials()
                cdse_https = bool(creds.token) and not creds.has_s3
            alt = (asset.extra_fields.get("alternate") or {}).get("https") or {}
            if cdse_https and isinstance(alt.get("href"), str):
                asset.href = alt["href"]
    return item


def modifier(obj):
    """pystac-client ``modifier``: prepares every item of what a search or an item request returns."""
    if isinstance(obj, pystac.Item):
        prepare_item(obj)
    elif isinstance(obj, pystac.ItemCollection):
        for it in obj:
            prepare_item(it)
    elif isinstance(obj, dict) and obj.get("type") == "FeatureCollection":
        pass  # raw pages: the items made from them are prepared
    return obj


# --- reading through odc-stac ---------------------------------------------------------------------


class _SourceReader(RioReader):
    """odc-stac's rasterio reader, inside the file's credentials, with refusals reported as such."""

    def read(self, *args, **kw):
        href = self._src.uri
        try:
            with read_env(href):
                return super().read(*args, **kw)
        except rasterio.errors.RasterioIOError as exc:
            raise read_error(href, exc, "cannot be read; the file is missing, corrupt or truncated") from None


class SourceDriver(RioDriver):
    """odc-stac reader driver: each file opened at read time with a fresh URL and its own credentials.

    URLs in odc-stac's graph are fixed when the cube is planned; re-signing here keeps a long run
    reading after the tokens it was planned with have expired."""

    def open(self, src, ctx) -> RioReader:
        return _SourceReader(src.patch(uri=fresh_href(src.uri)), ctx)


def require_access(items, assets: dict[str, str]) -> None:
    """Raise the :class:`.credentials.CredentialsError` saying what to set when the first item's files
    (``assets``: band → asset key) need credentials that are not configured."""
    from .credentials import missing_for

    for it in items[:1]:
        for key in assets.values():
            err = missing_for(it.assets[key].href)
            if err is not None:
                raise err
