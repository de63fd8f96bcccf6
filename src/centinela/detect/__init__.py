"""What changed: forest loss from Sentinel-2 time series, its dates, and whether it was mining.

- :mod:`.indices` — spectral indices;
- :mod:`.kernel` — the per-pixel, per-date state machine (baseline, break, confirmation, evidence), in NumPy;
- :mod:`.fused` — the same kernel compiled with Numba over raw digital numbers, what runs use;
- :mod:`.objects` — regularisation, patches, cause attribution, alert polygons;
- :mod:`.morph` — the morphology those need, evaluated only at the pixels read (exact, cheap on a whole tile);
- :mod:`.state` — saving the per-pixel state so runs are incremental and resumable;
- :mod:`.run` — the whole run over a STAC catalog;
- :mod:`.distributed` — the same run on a Dask cluster.
"""

from .kernel import Params, State, update
from .objects import Rules, alerts_from_state
from .run import DetectResult, detect

__all__ = ["DetectResult", "Params", "Rules", "State", "alerts_from_state", "detect", "update"]
