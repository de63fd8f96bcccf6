"""Small real layers shipped with Centinela, each with its attribution file beside it."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def path(relative: str) -> Path:
    """Filesystem path of a bundled data file, e.g. ``amazon-mining-watch/…geojson``."""
    p = Path(str(files(__name__).joinpath(relative)))
    if not p.exists():
        raise FileNotFoundError(f"bundled data file {relative} is missing from the installation")
    return p


AMW_MINING = "amazon-mining-watch/amw_mining_madre_de_dios_2018-2025Q3.geojson"
