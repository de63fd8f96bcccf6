"""Which samples are one place on the map.

Laboratories name sites as field teams wrote them: the same sandbank can come back as "S1" and "S1b" with
GPS readings a few metres apart, and a copied site id can carry another place's coordinates. Averaging by
site id alone would then put two points on top of each other (and break kriging, which cannot take two
values at one location) or average samples kilometres apart into one mean. Here:

- different site ids closer than ``COLOCATED_M`` are one mapped site, named by joining the ids, and the
  merge is reported (or, with ``strict``, refused with the ids and coordinates named);
- one site id whose samples lie farther apart than ``SAME_SITE_MAX_M`` is an error naming the samples.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from ..errors import InputError
from ..i18n import t

# A handheld GPS is good to about 5–15 m under forest or on a river (twice that between two devices), so two
# readings closer than this are the same place as far as a map at river scale can show.
COLOCATED_M = 30.0
# Replicate cores of one sediment site or one fish catch reach spread over tens to a few hundred metres;
# beyond this the id is naming two places (a typo in the coordinates or an id reused).
SAME_SITE_MAX_M = 500.0


def _metric_xy(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Local equirectangular metres: exact enough at the sub-kilometre distances judged here."""
    lat0 = np.radians(np.nanmean(lat))
    return np.column_stack([np.radians(lon) * 6_371_000 * np.cos(lat0), np.radians(lat) * 6_371_000])


def _where(row) -> str:
    """'P-1 (lab.csv:4)' as far as the row says: the sample, its file and line."""
    out = f"{row.get('sample_id', '?')}"
    src, line = row.get("source_file"), row.get("source_line")
    if isinstance(src, str) and src:
        out += f" ({src}" + (f":{int(float(line))}" if pd.notna(line) and str(line).strip() != "" else "") + ")"
    return out


def group_sites(r: pd.DataFrame, strict: bool = False, notes: list[str] | None = None, lang: str = "es") -> pd.Series:
    """The mapped site of each row of ``r`` (columns site_id, lat, lon; sample_id, source_file and
    source_line when present, to name the samples in errors)."""
    notes = notes if notes is not None else []
    ids = r.site_id.astype(str).str.strip()
    lat, lon = r.lat.to_numpy(float), r.lon.to_numpy(float)
    xy = _metric_xy(lat, lon)
    # One id, two places: the samples farthest from each other are named.
    spread = []
    for sid, idx in r.groupby(ids.to_numpy()).indices.items():
        if len(idx) < 2:
            continue
        p = xy[idx]
        d = np.hypot(*(p[:, None, :] - p[None, :, :]).transpose(2, 0, 1))
        i, j = np.unravel_index(np.argmax(d), d.shape)
        if d[i, j] > SAME_SITE_MAX_M:
            a, b = r.iloc[idx[i]], r.iloc[idx[j]]
            spread.append(
                t(
                    "hg.site_spread",
                    lang,
                    site=sid,
                    a=_where(a),
                    a_lat=lat[idx[i]],
                    a_lon=lon[idx[i]],
                    b=_where(b),
                    b_lat=lat[idx[j]],
                    b_lon=lon[idx[j]],
                    km=d[i, j] / 1000,
                    max_m=SAME_SITE_MAX_M,
                )
            )
    if spread:
        raise InputError("\n".join(spread))
    # Different ids, one place: connected components of sites closer than COLOCATED_M.
    names = sorted(set(ids))
    pos = pd.DataFrame(xy, columns=["x", "y"]).assign(site=ids.to_numpy()).groupby("site")[["x", "y"]].mean()
    geo = pd.DataFrame({"lat": lat, "lon": lon, "site": ids.to_numpy()}).groupby("site")[["lat", "lon"]].mean()
    pos, geo = pos.loc[names], geo.loc[names]
    parent = list(range(len(names)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    pairs = cKDTree(pos.to_numpy()).query_pairs(COLOCATED_M) if len(names) > 1 else set()
    for i, j in pairs:
        parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(names)):
        groups.setdefault(root(i), []).append(i)
    mapped = {n: n for n in names}
    problems = []
    for members in groups.values():
        if len(members) < 2:
            continue
        member_names = [names[i] for i in members]
        p = pos.to_numpy()[members]
        far = float(np.hypot(*(p[:, None, :] - p[None, :, :]).transpose(2, 0, 1)).max())
        where = ", ".join(f"{n} ({geo.at[n, 'lat']:.6f}, {geo.at[n, 'lon']:.6f})" for n in member_names)
        if strict:
            problems.append(t("hg.sites_colocated_strict", lang, sites=where, m=far, limit=COLOCATED_M))
            continue
        merged = "+".join(member_names)
        for n in member_names:
            mapped[n] = merged
        notes.append(t("hg.sites_merged", lang, sites=where, m=far, merged=merged))
    if problems:
        raise InputError("\n".join(problems))
    return ids.map(mapped)
