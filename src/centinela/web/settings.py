"""What one running server needs to know; passed to ``create_app`` explicitly, no globals."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    store: str  # a GeoPackage path or a postgresql:// URL
    catalog: str | None = None  # STAC catalog path or API URL for imagery tiles and evidence
    zones: Path | None = None  # GeoPackage with imported zones (default: the store itself when embedded)
    work_dir: Path = Path("outputs/web")  # evidence packages and exports are built here
    default_lang: str = "es"
    session_hours: float = 12.0
    secure_cookies: bool = False  # set True behind HTTPS
    # Failed logins (see web/limits.py): allowed per address and username, per username from all addresses,
    # per address over all usernames; then a delay of login_delay_s doubling per failure up to the ceiling.
    login_attempts: int = 5
    login_account_attempts: int = 10
    login_address_attempts: int = 20
    login_window_s: float = 300.0  # failures are forgotten this long after the last one (or the ceiling)
    login_delay_s: float = 5.0
    login_max_delay_s: float = 300.0
    login_max_entries: int = 10_000  # the limiter's memory: at most this many counters, the oldest go first
    # Proxies whose forwarding header names the client (addresses or networks); none by default, so a
    # client cannot pick its own address with a forged X-Forwarded-For.
    trusted_proxies: tuple[str, ...] = field(default_factory=tuple)
    forwarded_header: str = "x-forwarded-for"  # or "forwarded" (RFC 7239), whichever the proxy sets
    max_page: int = 1000
    # A request waits this long for a store locked by another writer, then answers 503 with Retry-After.
    store_timeout_s: float = 2.0
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
