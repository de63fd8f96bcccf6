"""Is a patch of new forest loss mining? A probability from independent lines of evidence, each explained.

Single-date spectra cannot settle it: real mined ground has a median NDVI of 0.20 and four in ten of its
pixels are not bright bare ground, and mining and farming overlap in every band
(``../shared/reference/real-spectra-amazon.md``). So the cause is the posterior of a small naive-Bayes
model: a prior log-odds plus one log-likelihood ratio (mining vs not) per line of evidence —

- **sediment and water** after the break: the share of a patch's pixels that became bright bare ground or
  open water, compared with the shares measured on real Sentinel-2 patches of new mining (59.1 % bare,
  6.0 % water), other human clearing (29.4 %, 6.3 %) and natural change (23.2 %, 22.6 %);
- **ponds among sediment** (alluvial mining's pockmarked ponds and tailings, as Amazon Mining Watch
  describes its target);
- **what happened next**: green again over the months after (crops, pasture) or burnt (slash and burn);
- **shape**: long and narrow (a road or track: its bare surface then says nothing of mining), or straight-edged
  like a field;
- **where it is**: isolated from any mining known *before* the loss (Amazon Mining Watch demands a score of
  0.75 instead of 0.43 from a patch with no other mining within 3 km: a log-odds penalty of 1.38), next to
  older mining, near a river;
- **river bank change** only for a strip joining the river corridor that turned to *water*, or is no wider than
  a season of bank migration (30 m); a wide clearing of bare sediment on the bank never is.

Each line's figure and source is in ``attribution.yaml``; weights (1.0: the figures as published) and the
prior can be refitted on reviewers' verdicts (:mod:`centinela.detect.training`). ``reasons`` lists the lines
that moved the probability, strongest first, with their contribution in log-odds.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from ..errors import InputError

LINES = ("sediment", "water", "ponds", "green", "burnt", "road", "field", "isolated", "older_mining", "river")


@dataclass(frozen=True)
class Model:
    """Prior log-odds, a weight per line (its log-likelihood ratio is multiplied by it) and the figures."""

    prior: float = 0.0
    weights: dict[str, float] = field(default_factory=lambda: dict.fromkeys(LINES, 1.0))
    figures: dict = field(default_factory=dict)
    source: str = "built-in"
    trained_on: dict | None = None


def load_model(path: str | Path | None = None) -> Model:
    """The attribution model: ``path`` (a YAML written by ``centinela detect train``) or the bundled default."""
    where = Path(path) if path else resources.files("centinela.detect").joinpath("attribution.yaml")
    try:
        doc = yaml.safe_load(Path(str(where)).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{where}: cannot read the attribution model ({exc})") from exc
    if not isinstance(doc, dict) or "figures" not in doc:
        raise InputError(f"{where}: not an attribution model (expected keys prior, weights, figures)")
    weights = {k: 1.0 for k in LINES} | {k: float(v) for k, v in (doc.get("weights") or {}).items()}
    unknown = set(weights) - set(LINES)
    if unknown:
        raise InputError(f"{where}: unknown evidence lines {sorted(unknown)}; expected {', '.join(LINES)}")
    return Model(float(doc.get("prior", 0.0)), weights, doc["figures"], str(where), doc.get("trained_on"))


def _beta_mix(x: np.ndarray, means: list[float], shares: list[float], kappa: float) -> np.ndarray:
    """Log density at ``x`` of a mixture of Beta distributions with these means and concentration ``kappa``."""
    x = np.clip(x, 0.01, 0.99)
    dens = sum(w * stats.beta.pdf(x, m * kappa, (1 - m) * kappa) for m, w in zip(means, shares, strict=True))
    return np.log(np.maximum(dens, 1e-300))


def _share_llr(x: np.ndarray, fig: dict, key: str, cap: float) -> np.ndarray:
    """log p(share | mining) − log p(share | not mining) for a pixel share (``bare`` or ``water``)."""
    f = fig["shares"]
    kappa = float(fig["kappa"])
    other = [f["other_human"][key], f["natural"][key]]
    mix = [float(v) for v in fig["not_mining_mix"].values()]
    mix = [m / sum(mix) for m in mix]
    llr = _beta_mix(x, [f["mining"][key]], [1.0], kappa) - _beta_mix(x, other, mix, kappa)
    return np.clip(llr, -cap, cap)


def lines(p: pd.DataFrame, model: Model) -> pd.DataFrame:
    """One column per evidence line: its log-likelihood ratio for each patch (0 where it says nothing).

    ``p`` holds the patch statistics of :func:`centinela.detect.objects.alerts_from_summary` (shares,
    shape measures, distances in metres; NaN or inf where unknown).
    """
    fig = model.figures
    r = fig["rules"]
    cap = float(fig["cap"])
    n = len(p)
    out = pd.DataFrame(0.0, index=p.index, columns=list(LINES))
    if n == 0:
        return out
    bare = p.bare_frac.to_numpy(float)
    water = p.water_frac.to_numpy(float)
    out["sediment"] = _share_llr(bare, fig, "bare", cap)
    out["water"] = _share_llr(water, fig, "water", cap)
    out["ponds"] = np.where((water >= r["pond_water"]) & (bare >= r["pond_bare"]), r["ponds_llr"], 0.0)
    looked = p.obs_after.to_numpy(float) >= r["min_obs_after"]
    out["green"] = np.where(looked & (p.green_frac.to_numpy(float) >= r["green_share"]), r["green_llr"], 0.0)
    out["burnt"] = np.where(p.char_frac.to_numpy(float) >= r["burnt_share"], r["burnt_llr"], 0.0)
    road = (p.width_m.to_numpy(float) <= r["road_width_m"]) & (p.length_m.to_numpy(float) >= r["road_length_m"])
    out["road"] = np.where(road, r["road_llr"], 0.0)
    # A road's surface is bare ground by construction: its bare share says nothing about mining.
    out.loc[road, "sediment"] = np.minimum(out.loc[road, "sediment"], 0.0)
    fieldlike = (p.rectangularity.to_numpy(float) >= r["field_rectangularity"]) & ~road
    out["field"] = np.where(fieldlike, r["field_llr"], 0.0)
    d_mining = np.nan_to_num(p.dist_old_mining_m.to_numpy(float), nan=np.inf)
    # Isolation is evidence only where the surroundings were seen (imagery or a mapped layer) that far out.
    seen = p.context_m.to_numpy(float) >= r["isolated_m"] if "context_m" in p else np.ones(n, bool)
    out["isolated"] = np.where((d_mining > r["isolated_m"]) & seen, r["isolated_llr"], 0.0)
    out["older_mining"] = np.where(d_mining <= r["older_mining_m"], r["older_mining_llr"], 0.0)
    d_river = np.nan_to_num(p.dist_river_m.to_numpy(float), nan=np.inf)
    out["river"] = np.where(d_river <= r["river_m"], r["river_llr"], 0.0)
    return out


def bank_change(p: pd.DataFrame, model: Model) -> np.ndarray:
    """A strip joining the river corridor that turned to water, or is no wider than a year of bank migration: a
    moving channel, not a clearing. A wide clearing of bare sediment on the bank is never this."""
    r = model.figures["rules"]
    ratio = p.strip_ratio if "strip_ratio" in p else p.n_pixels / p.edge_px.clip(lower=1)
    strip = ratio.to_numpy(float) < r["bank_strip_ratio"]
    watery = p.water_frac.to_numpy(float) >= r["bank_water_share"]
    narrow = p.width_m.to_numpy(float) <= r["bank_width_m"]
    return p.touch_river.to_numpy(bool) & strip & (watery | narrow)


_WORDS = {
    "sediment": lambda p: f"bright bare sediment on {p.bare_frac:.0%} of it",
    "water": lambda p: f"open water on {p.water_frac:.0%} of it",
    "ponds": lambda p: "ponds among bare sediment",
    "green": lambda p: "vegetation returning (crops or pasture)",
    "burnt": lambda p: "burnt clearing",
    "road": lambda p: "linear clearing (road or track)",
    "field": lambda p: "straight edges, like a field",
    "isolated": lambda p: "no known mining within 3 km",
    "older_mining": lambda p: f"{p.dist_old_mining_m:.0f} m from older mining",
    "river": lambda p: f"{p.dist_river_m:.0f} m from a river",
}


def attribute(p: pd.DataFrame, model: Model | None = None) -> pd.DataFrame:
    """``cause`` (mining or other), ``mining_prob`` (0–1) and ``reasons`` for each patch of ``p``."""
    model = model or load_model()
    ll = lines(p, model)
    w = pd.Series(model.weights).reindex(ll.columns).fillna(1.0)
    contrib = ll.mul(w, axis=1)
    logit = model.prior + contrib.sum(axis=1).to_numpy()
    bank = bank_change(p, model)
    logit = np.where(bank, np.minimum(logit, model.figures["rules"]["bank_logit"]), logit)
    prob = 1.0 / (1.0 + np.exp(-logit))
    out = pd.DataFrame(index=p.index)
    out["mining_prob"] = np.round(prob, 3)
    out["cause"] = np.where(prob >= 0.5, "mining", "other")
    names = list(contrib.columns)
    c = contrib.to_numpy()
    order = np.argsort(-np.abs(c), axis=1, kind="stable")[:, :4]  # the strongest four lines of each patch
    reasons = []
    for i, row in enumerate(p.itertuples(index=False)):
        parts = [f"{_WORDS[names[k]](row)} ({c[i, k]:+.1f})" for k in order[i] if abs(c[i, k]) >= 0.25]
        if bank[i]:
            parts.insert(0, "river bank change (a strip along the channel)")
        if not parts:
            parts = ["forest loss, no line of evidence either way"]
        reasons.append(f"P(mining) {prob[i]:.2f}: " + "; ".join(parts))
    out["reasons"] = reasons
    return out


def shape_measures(geoms, res_m: float) -> pd.DataFrame:
    """Elongation (long side / short side of the minimum rotated rectangle), mean width (2 × area / perimeter)
    and length (perimeter / 2; a bending road's too), in metres, and rectangularity (area / that rectangle's
    area) of projected polygons."""
    import shapely

    g = np.asarray(geoms, dtype=object)
    rect = shapely.oriented_envelope(g)
    coords = [np.asarray(r.exterior.coords) if r.geom_type == "Polygon" else None for r in rect]
    sides = np.array(
        [
            sorted(np.hypot(*np.diff(c[:3], axis=0).T)) if c is not None and len(c) >= 3 else (res_m, res_m)
            for c in coords
        ]
    )
    area = shapely.area(g)
    rect_area = np.maximum(shapely.area(rect), res_m * res_m)
    return pd.DataFrame(
        {
            "elongation": sides[:, 1] / np.maximum(sides[:, 0], res_m),
            "width_m": 2 * area / np.maximum(shapely.length(g), res_m),
            "length_m": shapely.length(g) / 2,
            "rectangularity": np.minimum(area / rect_area, 1.0),
        }
    )


EVIDENCE = (
    "n_pixels",
    "edge_px",
    "strip_ratio",
    "bare_frac",
    "water_frac",
    "green_frac",
    "char_frac",
    "nonforest_frac",
    "obs_after",
    "touch_river",
    "dist_river_m",
    "dist_old_mining_m",
    "context_m",
    "elongation",
    "width_m",
    "length_m",
    "rectangularity",
)
"""What :func:`lines` reads of a patch; kept with each alert (``evidence``, JSON) so a model can be refitted on
reviewed alerts later (:mod:`.training`)."""


def evidence_json(p: pd.DataFrame) -> list[str]:
    """Each patch's :data:`EVIDENCE` as compact JSON (unknown distances as null)."""
    cols = [c for c in EVIDENCE if c in p]
    out = []
    for rec in p[cols].to_dict("records"):
        clean = {}
        for k, v in rec.items():
            v = v.item() if hasattr(v, "item") else v
            if isinstance(v, float):
                v = round(v, 4) if math.isfinite(v) else None
            clean[k] = v
        out.append(json.dumps(clean, separators=(",", ":"), sort_keys=True))
    return out


def evidence_frame(texts) -> pd.DataFrame:
    """Patch statistics back from ``evidence`` JSON texts (nulls → NaN), ready for :func:`lines`."""
    rows = [json.loads(t) if isinstance(t, str) and t else {} for t in texts]
    frame = pd.DataFrame(rows, columns=list(EVIDENCE), dtype=float)
    frame["touch_river"] = frame.touch_river.fillna(0).astype(bool)
    return frame


def known_distance(outlines, crs, first_seen: list, known) -> np.ndarray:
    """Per outline (in ``crs``, metres), the distance to the nearest polygon of ``known`` (mapped mining with a
    ``mapped_until`` date) mapped before that outline's first-seen date; inf where none was.

    What a run could have known then: mining mapped after the loss began (perhaps this very mine) is not
    evidence that the loss is mining.
    """
    import shapely

    k = known.to_crs(crs)
    until = pd.to_datetime(k["mapped_until"]).dt.date.to_numpy() if "mapped_until" in k else None
    geoms = np.asarray(outlines, dtype=object)
    out = np.full(len(geoms), np.inf)
    for day in sorted(set(first_seen)):
        rows = [i for i, d in enumerate(first_seen) if d == day]
        pool = k.geometry.to_numpy() if until is None else k.geometry.to_numpy()[until < day]
        if not len(pool):
            continue
        tree = shapely.STRtree(pool)
        near, dist = tree.query_nearest(geoms[rows], return_distance=True, all_matches=False)
        out[np.asarray(rows)[near[0]]] = dist
    return out
