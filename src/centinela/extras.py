"""Optional parts of Centinela (the extras in pyproject.toml), imported where they are used.

The core (detection, zones, alerts, the embedded store, the web map) runs without them; a command that needs
one stops with a message naming the extra to install instead of an ImportError from deep inside.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from .errors import MissingExtraError


def optional(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` (e.g. ``"weasyprint"``), or raise MissingExtraError naming ``extra`` to install."""
    try:
        return import_module(module)
    except ImportError as e:
        package = module.split(".")[0]
        raise MissingExtraError(
            f"{purpose} needs the optional package '{package}' / necesita el paquete opcional '{package}': "
            f"pip install 'centinela[{extra}]'"
        ) from e
