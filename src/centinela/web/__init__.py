"""The web API and map: FastAPI app factory (``create_app``), authentication and roles, alerts, maps, tiles."""

from .app import create_app
from .settings import Settings

__all__ = ["Settings", "create_app"]
