"""Credentials for imagery that is not public: Copernicus Data Space Ecosystem (CDSE) S3 keys or token.

Where they come from, first found wins, per value:

1. environment variables ``CDSE_S3_ACCESS_KEY`` / ``CDSE_S3_SECRET_KEY`` (S3 keys made at
   https://eodata-s3keysmanager.dataspace.copernicus.eu) and ``CDSE_TOKEN`` (an OIDC access token);
2. the ``[cdse]`` table of a TOML file: the path in ``CENTINELA_SOURCES``, else
   ``$XDG_CONFIG_HOME/centinela/sources.toml`` (``~/.config/centinela/sources.toml``)::

       [cdse]
       s3_access_key = "…"
       s3_secret_key = "…"
       token = "…"          # optional, for the HTTPS alternates instead of S3

They reach GDAL only inside :func:`read_env`, around each read of a CDSE file (a ``rasterio.Env``
with a session that hands GDAL ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``/``AWS_S3_ENDPOINT``/
``AWS_VIRTUAL_HOSTING=FALSE``, or ``GDAL_HTTP_AUTH=BEARER``/``GDAL_HTTP_BEARER``): never for another host,
never into ``os.environ``, never logged (their ``repr`` and every error message say only "set"/"missing"
and :func:`redact` blanks them), and never written to the store or an output.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import rasterio
from rasterio.session import Session

from ..errors import ImageryError, RasterReadError

log = logging.getLogger(__name__)

CONFIG_ENV = "CENTINELA_SOURCES"
ENV_S3_ACCESS = "CDSE_S3_ACCESS_KEY"
ENV_S3_SECRET = "CDSE_S3_SECRET_KEY"
ENV_TOKEN = "CDSE_TOKEN"
CDSE_S3_ENDPOINT = "eodata.dataspace.copernicus.eu"
CDSE_S3_BUCKETS = ("eodata",)
CDSE_HTTPS_HOSTS = ("zipper.dataspace.copernicus.eu", "download.dataspace.copernicus.eu")
"""Hosts of CDSE's HTTPS asset alternates, which take the OIDC token as a bearer."""

CDSE_NAME = "Copernicus Data Space Ecosystem (CDSE)"
PC_NAME = "Microsoft Planetary Computer"

# GDAL's and the servers' words for "who are you?" / "not you": HTTP 401/403 and S3/Azure error codes.
_REFUSED = re.compile(
    r"HTTP (response )?code:? ?(401|403)\b|\b(401|403) (Unauthori[sz]ed|Forbidden)|AccessDenied|Access Denied|"
    r"InvalidAccessKeyId|SignatureDoesNotMatch|AuthenticationFailed|AuthorizationFailure|InvalidToken|"
    r"ExpiredToken|Server failed to authenticate",
    re.IGNORECASE,
)


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """The sources file: ``$CENTINELA_SOURCES``, else ``$XDG_CONFIG_HOME/centinela/sources.toml``."""
    env = os.environ if env is None else env
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV]).expanduser()
    base = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "centinela" / "sources.toml"


@dataclass(frozen=True)
class CdseCredentials:
    """CDSE secrets; their values never appear in ``repr``/``str``, only whether each is set."""

    s3_access_key: str | None = field(default=None, repr=False)
    s3_secret_key: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    origin: str = ""

    @property
    def has_s3(self) -> bool:
        return bool(self.s3_access_key and self.s3_secret_key)

    def __repr__(self) -> str:
        state = {k: "set" if getattr(self, k) else "missing" for k in ("s3_access_key", "s3_secret_key", "token")}
        return f"CdseCredentials({', '.join(f'{k}={v}' for k, v in state.items())}, origin={self.origin!r})"

    __str__ = __repr__

    def secrets(self) -> tuple[str, ...]:
        return tuple(v for v in (self.s3_access_key, self.s3_secret_key, self.token) if v)


def _read_config(path: Path) -> dict:
    try:
        with path.open("rb") as f:
            doc = tomllib.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:  # the message of either names no secret
        raise CredentialsError(CDSE_NAME, "src.bad_config", {"path": str(path), "detail": str(exc)}) from None
    table = doc.get("cdse", {})
    if not isinstance(table, dict):
        raise CredentialsError(CDSE_NAME, "src.bad_config", {"path": str(path), "detail": "[cdse] must be a table"})
    return table


def cdse_credentials(env: Mapping[str, str] | None = None) -> CdseCredentials:
    """CDSE credentials from the environment, then the sources file (see the module docstring)."""
    env = os.environ if env is None else env
    path = config_path(env)
    table = _read_config(path)
    values, origins = {}, set()
    for name, var in (("s3_access_key", ENV_S3_ACCESS), ("s3_secret_key", ENV_S3_SECRET), ("token", ENV_TOKEN)):
        if env.get(var):
            values[name] = env[var]
            origins.add("environment")
        elif isinstance(table.get(name), str) and table[name]:
            values[name] = table[name]
            origins.add(str(path))
    # GDAL's own variables, when the user already pointed them at CDSE's endpoint
    if "s3_access_key" not in values and CDSE_S3_ENDPOINT in env.get("AWS_S3_ENDPOINT", ""):
        if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
            values["s3_access_key"], values["s3_secret_key"] = env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
            origins.add("environment")
    return CdseCredentials(**values, origin=" + ".join(sorted(origins)))


# --- which files need what -----------------------------------------------------------------------


def is_cdse_s3(href: str) -> bool:
    """An asset in CDSE's S3 object store (``s3://eodata/…`` or ``/vsis3/eodata/…``)."""
    for prefix in ("s3://", "/vsis3/"):
        if href.startswith(prefix):
            return href[len(prefix) :].split("/", 1)[0] in CDSE_S3_BUCKETS
    return False


def is_cdse_https(href: str) -> bool:
    """An asset on one of CDSE's token-protected hosts (the host decides; those are HTTPS-only)."""
    return href.startswith(("https://", "http://")) and urlsplit(href).hostname in CDSE_HTTPS_HOSTS


def gdal_options(href: str, creds: CdseCredentials | None = None) -> dict[str, str]:
    """GDAL configuration options needed to read ``href`` ({} for a public file)."""
    if is_cdse_s3(href):
        creds = creds or cdse_credentials()
        if not creds.has_s3:
            return {}
        return {
            "AWS_ACCESS_KEY_ID": creds.s3_access_key or "",
            "AWS_SECRET_ACCESS_KEY": creds.s3_secret_key or "",
            "AWS_S3_ENDPOINT": CDSE_S3_ENDPOINT,
            "AWS_VIRTUAL_HOSTING": "FALSE",
            "AWS_HTTPS": "YES",
        }
    if is_cdse_https(href):
        creds = creds or cdse_credentials()
        return {"GDAL_HTTP_AUTH": "BEARER", "GDAL_HTTP_BEARER": creds.token} if creds.token else {}
    return {}


class _OptionsSession(Session):
    """A rasterio session that hands GDAL fixed options: rasterio refuses AWS_* keys as plain options,
    and its own AWS session needs boto3, which Centinela does not depend on."""

    def __init__(self, options: Mapping[str, str]):
        self._options = dict(options)

    def __repr__(self) -> str:
        return f"_OptionsSession({sorted(self._options)})"  # names, never values

    @classmethod
    def hascreds(cls, config) -> bool:
        return True

    @property
    def credentials(self) -> dict:
        return {}

    def get_credential_options(self) -> dict[str, str]:
        return dict(self._options)


@contextlib.contextmanager
def read_env(href: str) -> Iterator[None]:
    """The GDAL environment to open and read ``href`` in: credentials for that host only."""
    opts = gdal_options(href)
    if not opts:
        yield
        return
    with rasterio.Env(session=_OptionsSession(opts)):
        yield


# --- errors ---------------------------------------------------------------------------------------


class CredentialsError(ImageryError, PermissionError):
    """Credentials for an imagery source are missing, refused or expired; says what to set.

    ``key`` and ``fmt`` name an i18n message (``src.*``), so the command line can say it in Spanish or
    English (:meth:`localized`); ``str()`` is the English text.
    """

    def __init__(self, source: str, key: str, fmt: Mapping[str, str] | None = None):
        self.source = source
        self.key = key
        self.fmt = {"source": source, **(fmt or {})}
        super().__init__(self.localized("en"))

    def localized(self, lang: str) -> str:
        from ..i18n import t

        return t(self.key, lang, **self.fmt)


def missing_for(href: str) -> CredentialsError | None:
    """The error to raise before reading ``href`` when what it needs is not configured; None when fine."""
    if is_cdse_s3(href) and not cdse_credentials().has_s3:
        return CredentialsError(CDSE_NAME, "src.cdse_missing_s3", {"href": redact(href), "config": str(config_path())})
    if is_cdse_https(href) and not cdse_credentials().token:
        return CredentialsError(
            CDSE_NAME, "src.cdse_missing_token", {"href": redact(href), "config": str(config_path())}
        )
    return None


def redact(text: str) -> str:
    """``text`` without secrets: configured CDSE values and SAS signatures (``sig=…``) are blanked."""
    out = re.sub(r"(?i)\b(sig|token|access_token)=[^&\s'\"]+", r"\1=***", str(text))
    out = re.sub(r"(?i)(Bearer\s+)\S+", r"\1***", out)
    with contextlib.suppress(CredentialsError):
        for secret in cdse_credentials().secrets():
            out = out.replace(secret, "***")
    return out


def source_of(href: str) -> str | None:
    """Display name of the provider whose credentials ``href`` needs, or None for a public file."""
    if is_cdse_s3(href) or is_cdse_https(href):
        return CDSE_NAME
    host = urlsplit(href).hostname or ""
    if host.endswith(".blob.core.windows.net"):
        return PC_NAME
    return None


def read_error(href: str, exc: BaseException, what: str) -> ImageryError:
    """The error for a failed open/read of ``href``: a refusal by the server (HTTP 401/403, denied S3 or
    Azure request) becomes a :class:`CredentialsError` naming the source and what to set; anything else
    a :class:`RasterReadError` ``what`` describes ("the file is corrupt …")."""
    msg = redact(str(exc))
    shown = redact(href)
    if _REFUSED.search(str(exc)):
        src = source_of(href)
        if src == CDSE_NAME:
            key = "src.cdse_refused_token" if is_cdse_https(href) else "src.cdse_refused_s3"
            return CredentialsError(src, key, {"href": shown, "detail": msg, "config": str(config_path())})
        if src == PC_NAME:
            return CredentialsError(src, "src.pc_refused", {"href": shown, "detail": msg})
        return CredentialsError(urlsplit(href).hostname or href, "src.refused", {"href": shown, "detail": msg})
    return RasterReadError(f"{shown}: {what} ({msg})")
