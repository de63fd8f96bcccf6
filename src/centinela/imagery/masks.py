"""Clear-sky masks from the Sen2Cor scene classification (SCL)."""

from __future__ import annotations

from collections.abc import Iterable

import xarray as xr

SCL_CLASSES = {
    0: "no_data",
    1: "saturated_or_defective",
    2: "dark_area",
    3: "cloud_shadow",
    4: "vegetation",
    5: "not_vegetated",
    6: "water",
    7: "unclassified",
    8: "cloud_medium_probability",
    9: "cloud_high_probability",
    10: "thin_cirrus",
    11: "snow",
}

CLEAR_SCL = (4, 5, 6)
"""Vegetation, bare and water. Dark areas (2) and unclassified (7) are left out on purpose: in
cloudy Madre de Dios they are mostly missed shadows and cloud edges."""


def clear_from_scl(scl: xr.DataArray, clear_classes: Iterable[int] = CLEAR_SCL) -> xr.DataArray:
    """Boolean clear-sky mask: True where SCL is one of ``clear_classes`` (lazy if ``scl`` is)."""
    return scl.isin(list(clear_classes)).rename("clear")
