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
    login_attempts: int = 5  # failed logins allowed per user and address …
    login_window_s: float = 300.0  # … within this many seconds
    max_page: int = 1000
    # A request waits this long for a store locked by another writer, then answers 503 with Retry-After.
    store_timeout_s: float = 2.0
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
