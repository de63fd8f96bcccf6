"""Centinela's exceptions: one root class, narrow subclasses that also inherit the matching builtin.

Messages name the file or URL, the field and what was expected, so a user can fix the input
without reading code.
"""

from __future__ import annotations


class CentinelaError(Exception):
    """Root of every error Centinela raises on purpose."""


class InputError(CentinelaError, ValueError):
    """An argument or input file has the wrong value, type or shape."""


class ImageryError(CentinelaError):
    """Imagery could not be found, read or interpreted."""


class CatalogError(ImageryError, OSError):
    """A STAC catalog or API could not be opened or does not look like STAC."""


class NoImageryError(ImageryError, LookupError):
    """No scene matches the requested area and dates."""


class AOIOutsideDataError(NoImageryError):
    """The area of interest does not overlap any scene footprint."""


class MissingBandError(ImageryError, KeyError):
    """A requested band is not among the assets of an item."""

    def __str__(self) -> str:  # KeyError would otherwise quote the whole message
        return str(self.args[0]) if self.args else ""


class RasterReadError(ImageryError, OSError):
    """A raster file is missing, corrupt or unreadable."""


class SimulationError(CentinelaError, ValueError):
    """The scene simulator was given parameters it cannot honour."""


class MissingExtraError(CentinelaError, ImportError):
    """A command needs an optional part of Centinela (a pyproject extra) that is not installed."""


class StateMismatchError(InputError):
    """A detection state folder was made for another grid, method version or parameters."""


class NotFoundError(CentinelaError, LookupError):
    """Something named by the user (an alert, an area, a user, a flight) does not exist."""


class StoreError(CentinelaError, OSError):
    """The store is missing, damaged, from an unknown version, or refused a change."""


class StoreUnavailableError(StoreError):
    """The store cannot be used right now (locked by another writer, database unreachable): try again shortly."""
