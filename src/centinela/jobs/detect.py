"""Detection as the command line and the demo run it: the line a person reads about a finished run."""

from __future__ import annotations

from ..i18n import t


def summary(res, lang: str) -> str:
    """How many alerts a detection result (:func:`centinela.detect.detect`) holds, mining and hectares."""
    a = res.alerts
    mining = a[a.cause == "mining"]
    return t(
        "det.done",
        lang,
        n=len(a),
        n_mining=len(mining),
        ha_mining=float(mining.area_ha.sum()),
        n_high=int((a.confidence == "high").sum()),
        out=res.out,
    )
