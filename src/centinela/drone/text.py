"""Lines a person reads about a flight's cover or a two-flight change, in their language."""

from __future__ import annotations

import pandas as pd

from ..i18n import t
from .cover import WHOLE


def cover_lines(table: pd.DataFrame, lang: str = "es") -> list[str]:
    """One line per row of a cover table (the whole flight first, then each site)."""
    lines = []
    for r in table.itertuples():
        name = t("drone.whole", lang) if r.site == WHOLE else r.site
        lines.append(
            t(
                "drone.cover_row",
                lang,
                site=name,
                veg=r.vegetation_frac,
                veg_ha=r.vegetation_ha,
                bare=r.bare_frac,
                water=r.water_frac,
                shadow=r.shadow_frac,
                ha=r.covered_ha,
                exg=r.exg_mean,
                vari=r.vari_mean,
            )
        )
    return lines


def change_lines(res, lang: str = "es") -> list[str]:
    """Headline areas of a :class:`~centinela.drone.compare.ChangeResult`, the offset, and its notes."""
    s = res.summary
    lines = [
        t(
            "drone.compare_done",
            lang,
            a=s["a_date"] or res.a.path.name,
            b=s["b_date"] or res.b.path.name,
            gain=s["vegetation_gain_ha"],
            loss=s["vegetation_loss_ha"],
            b2v=s["bare_to_vegetation_ha"],
            nw=s["new_water_ha"],
            wl=s["water_loss_ha"],
            overlap=s["overlap_ha"],
        )
    ]
    lines.append(
        t(
            "drone.shift",
            lang,
            m=res.shift.metres,
            east=res.shift.east_m,
            north=res.shift.north_m,
            applied=t("drone.applied" if res.shift.applied else "drone.not_applied", lang),
        )
    )
    lines.extend(f"! {n}" for n in res.notes)
    return lines
