"""Where pixels come from: STAC catalogs and APIs → lazy reflectance cubes with clear-sky masks."""

from .aoi import check_aoi, read_aoi
from .bands import REFLECTANCE_BANDS, canonical, resolve_assets
from .cube import load_cube
from .masks import CLEAR_SCL, clear_from_scl
from .scaling import scale_offset
from .stac import search_items

__all__ = [
    "CLEAR_SCL",
    "REFLECTANCE_BANDS",
    "canonical",
    "check_aoi",
    "clear_from_scl",
    "load_cube",
    "read_aoi",
    "resolve_assets",
    "scale_offset",
    "search_items",
]
